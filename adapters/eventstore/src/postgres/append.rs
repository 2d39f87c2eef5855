//! The single-append statement: one call of `es.append`, so an append is one round trip (plus the
//! commit, which an autocommit statement carries in the same round trip). Used by `append_in`
//! and when a group commit falls back to appending its members one by one.

use domain::{EventMetadata, NewEvent, StreamId, TenantId};
use sqlx::types::Json;
use sqlx::{Executor, PgPool, Postgres};
use uuid::Uuid;

use super::error::{
    CONFLICT, EVENT_ID_REUSED, INVALID, TENANT_MISMATCH, code_and_detail, infrastructure,
    is_event_id_race,
};
use super::read::to_u64;
use crate::port::{AppendOutcome, ExpectedVersion, StoreError, batch_tenant};
use domain::GlobalPosition;

const APPEND: &str = "select first_version, last_version, tx_id, global_position, already_stored \
     from es.append($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Appends a batch on its own, with one `es.append` (autocommit). A concurrent transaction that
/// committed one of these ids after our check is seen by one retry, which answers
/// `already_stored` or `EventIdReused`.
pub(super) async fn append_one(
    pool: &PgPool,
    batch: &Batch<'_>,
) -> Result<AppendOutcome, StoreError> {
    match batch.run(pool).await {
        Err(error) if is_event_id_race(&error) => {
            tracing::debug!("event id raced with a concurrent append; retrying once");
            batch.run(pool).await.map_err(|e| batch.error(e))
        }
        result => result.map_err(|e| batch.error(e)),
    }
}

/// A validated batch, laid out as the columns `es.append` takes.
pub(super) struct Batch<'a> {
    stream: &'a StreamId,
    expected: ExpectedVersion,
    tenant: TenantId,
    event_ids: Vec<Uuid>,
    event_types: Vec<&'a str>,
    schema_versions: Vec<i32>,
    data: Vec<Json<&'a serde_json::Value>>,
    metadata: Vec<Json<&'a EventMetadata>>,
}

impl<'a> Batch<'a> {
    /// Checks the batch (non-empty, one tenant, distinct ids, version in range).
    pub(super) fn new(
        stream: &'a StreamId,
        expected: ExpectedVersion,
        events: &'a [NewEvent],
    ) -> Result<Self, StoreError> {
        let tenant = batch_tenant(expected, events)?;
        Ok(Self {
            stream,
            expected,
            tenant,
            event_ids: events.iter().map(|e| e.event_id).collect(),
            event_types: events.iter().map(|e| e.event_type.as_str()).collect(),
            schema_versions: events.iter().map(|e| i32::from(e.schema_version)).collect(),
            data: events.iter().map(|e| Json(&e.data)).collect(),
            metadata: events.iter().map(|e| Json(&e.metadata)).collect(),
        })
    }

    fn expected_code(&self) -> i64 {
        Self::expected_code_of(self.expected)
    }

    /// The encoding of the expected version `es.append` and `es.append_many` take: -2 any, -1 no
    /// stream, n exact.
    pub(super) fn expected_code_of(expected: ExpectedVersion) -> i64 {
        match expected {
            ExpectedVersion::Any => -2,
            ExpectedVersion::NoStream => -1,
            // `batch_tenant` checked the range.
            ExpectedVersion::Exact(version) => i64::try_from(version).unwrap_or(i64::MAX),
        }
    }

    /// Runs the append statement on a pool (autocommit) or inside a caller's transaction.
    pub(super) async fn run<'e, E>(&self, executor: E) -> Result<AppendOutcome, sqlx::Error>
    where
        E: Executor<'e, Database = Postgres>,
    {
        let (first, last, tx_id, position, already_stored): (i64, i64, i64, i64, bool) =
            sqlx::query_as(APPEND)
                .bind(self.stream.as_str())
                .bind(self.stream.category())
                .bind(self.tenant.as_uuid())
                .bind(self.expected_code())
                .bind(&self.event_ids)
                .bind(&self.event_types)
                .bind(&self.schema_versions)
                .bind(&self.data)
                .bind(&self.metadata)
                .fetch_one(executor)
                .await?;
        Ok(AppendOutcome {
            first_version: to_u64(first)?,
            last_version: to_u64(last)?,
            position: GlobalPosition {
                tx_id: to_u64(tx_id)?,
                position,
            },
            already_stored,
        })
    }

    /// Maps the errors `es.append` raises to the port's; a lost race on an event id (see
    /// [`is_event_id_race`]) is retry-safe, so it maps to `Unavailable`.
    pub(super) fn error(&self, error: sqlx::Error) -> StoreError {
        if is_event_id_race(&error) {
            return StoreError::Unavailable(error);
        }
        let Some((code, detail)) = code_and_detail(&error) else {
            return infrastructure(error);
        };
        match code.as_str() {
            CONFLICT => StoreError::Conflict {
                stream: self.stream.clone(),
                expected: self.expected,
                actual: detail.and_then(|d| d.parse().ok()),
            },
            EVENT_ID_REUSED => match detail.and_then(|d| d.parse().ok()) {
                Some(event_id) => StoreError::EventIdReused { event_id },
                None => StoreError::Unexpected(error),
            },
            TENANT_MISMATCH => StoreError::TenantMismatch {
                stream: self.stream.clone(),
            },
            INVALID => StoreError::Invalid(error.to_string()),
            _ => infrastructure(error),
        }
    }
}
