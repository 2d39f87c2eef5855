//! The event store port: what the command layer, the relay and the read side may ask of a store.

use async_trait::async_trait;
use domain::{GlobalPosition, NewEvent, RecordedEvent, StreamId, TenantId};
use time::OffsetDateTime;
use uuid::Uuid;

/// What the appender believes about the stream before appending (optimistic concurrency).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// Append whatever the stream's state; creates the stream when it does not exist.
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream's last event must have this (0-based) version.
    Exact(u64),
}

impl std::fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Any => f.write_str("any"),
            Self::NoStream => f.write_str("no stream"),
            Self::Exact(version) => write!(f, "version {version}"),
        }
    }
}

/// Result of a successful append.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendOutcome {
    /// Stream version of the first appended event.
    pub first_version: u64,
    /// Stream version of the last appended event: the next append's `ExpectedVersion::Exact`.
    pub last_version: u64,
    /// Global position of the last appended event.
    pub position: GlobalPosition,
    /// The events were stored by an earlier call (a retried request); nothing new was written and
    /// the versions and position are the original ones.
    pub already_stored: bool,
}

/// Limits for reading one stream; the default reads it all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Read only events after this stream version (to catch up a state already folded to it).
    pub after_version: Option<u64>,
    /// Read events up to and including this stream version.
    pub up_to_version: Option<u64>,
    /// Read only events recorded at or before this instant (the stream as it was then).
    pub as_of: Option<OffsetDateTime>,
}

/// Why the store refused or failed an operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The expected version is stale; nothing was written. `actual` is the stream's last version
    /// (`None` when the stream does not exist).
    #[error("stream {stream}: expected {expected}, but the stream is at {actual:?}")]
    Conflict {
        /// The stream appended to.
        stream: StreamId,
        /// What the caller expected.
        expected: ExpectedVersion,
        /// The stream's last version.
        actual: Option<u64>,
    },
    /// The event id is already stored as a different event (other stream, version or type).
    #[error("event id {event_id} is already used by another event")]
    EventIdReused {
        /// The reused id.
        event_id: Uuid,
    },
    /// The stream belongs to another tenant.
    #[error("stream {stream} belongs to another tenant")]
    TenantMismatch {
        /// The stream appended to.
        stream: StreamId,
    },
    /// The request itself is malformed (empty batch, events of mixed tenants, …).
    #[error("invalid event store request: {0}")]
    Invalid(String),
    /// The database cannot be reached or has no connection to spare; retrying is safe, because a
    /// retried append with the same event ids is stored once.
    #[error("event store unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Any other failure.
    #[error("event store failed unexpectedly")]
    Unexpected(#[source] sqlx::Error),
}

/// An event store. Object-safe: the command layer holds an `Arc<dyn EventStore>`.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Appends `events` to `stream` atomically with consecutive versions, if the stream is at the
    /// `expected` version. Appending the same event ids to the same stream at the same versions
    /// again returns the original outcome with `already_stored` set, even if `expected` is stale.
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<AppendOutcome, StoreError>;

    /// Reads a stream of `tenant` in version order; another tenant's stream reads as empty.
    async fn read_stream(
        &self,
        tenant: TenantId,
        stream: &StreamId,
        options: ReadOptions,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Reads several streams of `tenant` at once: one list per stream asked for, in the order
    /// asked, each in version order (empty for a stream that does not exist or is another
    /// tenant's). The default reads them one by one; a store may do it in one round trip.
    async fn read_streams(
        &self,
        tenant: TenantId,
        streams: &[StreamId],
    ) -> Result<Vec<Vec<RecordedEvent>>, StoreError> {
        let mut read = Vec::with_capacity(streams.len());
        for stream in streams {
            read.push(
                self.read_stream(tenant, stream, ReadOptions::default())
                    .await?,
            );
        }
        Ok(read)
    }

    /// Reads at most `limit` events of the global log after `after`, in log order. Never skips an
    /// event and never returns one at or behind a position already returned: pass the last
    /// event's position as the next `after`.
    async fn read_all(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;
}

/// Checks a batch before it reaches a store and returns the tenant that owns it.
pub(crate) fn batch_tenant(
    expected: ExpectedVersion,
    events: &[NewEvent],
) -> Result<TenantId, StoreError> {
    let first = events
        .first()
        .ok_or_else(|| StoreError::Invalid("an append needs at least one event".to_owned()))?;
    let tenant = first.metadata.tenant_id;
    if events.iter().any(|e| e.metadata.tenant_id != tenant) {
        return Err(StoreError::Invalid(
            "all events of an append must belong to one tenant".to_owned(),
        ));
    }
    let mut ids: Vec<Uuid> = events.iter().map(|e| e.event_id).collect();
    ids.sort_unstable();
    if let Some(pair) = ids.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(StoreError::Invalid(format!(
            "event id {} appears twice in one append",
            pair[0]
        )));
    }
    let count = u64::try_from(events.len()).unwrap_or(u64::MAX);
    if let ExpectedVersion::Exact(version) = expected
        && version.saturating_add(count) > i64::MAX as u64
    {
        return Err(StoreError::Invalid(format!(
            "expected version {version} is out of range"
        )));
    }
    Ok(tenant)
}
