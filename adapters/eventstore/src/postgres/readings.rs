//! Readings of the Postgres store besides the port's reads, for the parts that watch it: the log
//! head and how many events lie between two positions (lag figures, the JetStream feed's
//! contiguity check), where the relay stands and which ledger sequence follows a checkpoint,
//! the streams of a category with their versions (the saga finds series with work), the streams
//! whose last event is of some type (series stuck), and audit reads of every committed event of
//! some types. The only place besides the store itself with SQL on `es.*`.

use domain::{GlobalPosition, RecordedEvent, StreamId, TenantId};
use sqlx::PgExecutor;

use super::read::{EventRow, to_u64};

/// The last position visible to readers of the global log (below the xid8 watermark).
const HEAD: &str = "select (tx_id::text)::bigint, global_position from es.events \
     where tx_id < pg_snapshot_xmin(pg_current_snapshot()) \
     order by tx_id desc, global_position desc limit 1";
/// Events visible in the log strictly after one position and at or before another.
const BETWEEN: &str = "select count(*) from es.events \
     where (tx_id, global_position) > ($1::text::xid8, $2) \
       and (tx_id, global_position) <= ($3::text::xid8, $4) \
       and tx_id < pg_snapshot_xmin(pg_current_snapshot())";
const RELAY: &str =
    "select (tx_id::text)::bigint, global_position from es.relay_checkpoint limit 1";

/// A position from its stored columns (a negative transaction id reads as 0).
pub fn position_at(tx_id: i64, position: i64) -> GlobalPosition {
    GlobalPosition {
        tx_id: u64::try_from(tx_id).unwrap_or(0),
        position,
    }
}

/// The log head ([`GlobalPosition::START`] when the log is empty).
///
/// # Errors
/// Database failures.
pub async fn log_head<'c>(db: impl PgExecutor<'c>) -> sqlx::Result<GlobalPosition> {
    Ok(sqlx::query_as::<_, (i64, i64)>(HEAD)
        .fetch_optional(db)
        .await?
        .map_or(GlobalPosition::START, |(tx, pos)| position_at(tx, pos)))
}

/// How many visible events lie after `after`, up to and including `up_to`.
///
/// # Errors
/// Database failures.
pub async fn events_between<'c>(
    db: impl PgExecutor<'c>,
    after: GlobalPosition,
    up_to: GlobalPosition,
) -> sqlx::Result<i64> {
    if up_to <= after {
        return Ok(0);
    }
    sqlx::query_scalar(BETWEEN)
        .bind(after.tx_id.to_string())
        .bind(after.position)
        .bind(up_to.tx_id.to_string())
        .bind(up_to.position)
        .fetch_one(db)
        .await
}

/// The position of the last event the relay committed to its ledger.
///
/// # Errors
/// Database failures.
pub async fn relay_position<'c>(db: impl PgExecutor<'c>) -> sqlx::Result<GlobalPosition> {
    Ok(sqlx::query_as::<_, (i64, i64)>(RELAY)
        .fetch_optional(db)
        .await?
        .map_or(GlobalPosition::START, |(tx, pos)| position_at(tx, pos)))
}

/// The ledger (= JetStream) sequence of the first event after `checkpoint` when that is known,
/// else an earlier one: right after the checkpoint's own ledger entry, or right after the relay's
/// ledger when the checkpoint is ahead of it (the store is read before the relay publishes).
/// Never later than the first event a reader at `checkpoint` still needs.
///
/// # Errors
/// Database failures.
pub async fn first_sequence_after(
    pool: &sqlx::PgPool,
    checkpoint: GlobalPosition,
) -> sqlx::Result<u64> {
    if checkpoint == GlobalPosition::START {
        return Ok(1);
    }
    let own: Option<i64> =
        sqlx::query_scalar("select ledger_seq from es.ledger where global_position = $1")
            .bind(checkpoint.position)
            .fetch_optional(pool)
            .await?;
    let last = match own {
        Some(seq) => seq,
        None => sqlx::query_scalar::<_, i64>("select ledger_seq from es.relay_checkpoint limit 1")
            .fetch_optional(pool)
            .await?
            .unwrap_or(0),
    };
    Ok(u64::try_from(last).unwrap_or(0) + 1)
}

/// A stream with its tenant and the version of its last event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamVersion {
    /// The stream.
    pub stream: StreamId,
    /// Its tenant.
    pub tenant: TenantId,
    /// The version of its last event.
    pub version: u64,
}

/// Every stream of `category` with its tenant and version (for `series`, through the partial
/// index `streams_series_idx`).
///
/// # Errors
/// Database failures.
pub async fn streams_in<'c>(
    db: impl PgExecutor<'c>,
    category: &str,
) -> sqlx::Result<Vec<StreamVersion>> {
    let rows: Vec<(String, uuid::Uuid, i64)> =
        sqlx::query_as("select stream_id, tenant_id, version from es.streams where category = $1")
            .bind(category)
            .fetch_all(db)
            .await?;
    rows.into_iter()
        .map(|(stream, tenant, version)| {
            Ok(StreamVersion {
                stream: StreamId::new(stream),
                tenant: TenantId(tenant),
                version: to_u64(version)?,
            })
        })
        .collect()
}

/// The version of `stream`'s last event (0 when it has none yet).
///
/// # Errors
/// Database failures.
pub async fn stream_version<'c>(db: impl PgExecutor<'c>, stream: &StreamId) -> sqlx::Result<u64> {
    let version: Option<i64> =
        sqlx::query_scalar("select version from es.streams where stream_id = $1")
            .bind(stream.as_str())
            .fetch_optional(db)
            .await?;
    Ok(version.and_then(|v| u64::try_from(v).ok()).unwrap_or(0))
}

/// For the streams of `category`, the latest of their events of `marks` (walking back from the
/// end, so marks that recur keep the walk short), counted by type; streams with none are left
/// out.
///
/// # Errors
/// Database failures.
pub async fn streams_last_marked<'c>(
    db: impl PgExecutor<'c>,
    category: &str,
    marks: &[&str],
) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as(
        "select m.event_type, count(*) from es.streams s \
         cross join lateral ( \
             select e.event_type from es.events e \
             where e.stream_id = s.stream_id and e.event_type = any($2) \
             order by e.stream_version desc limit 1) m \
         where s.category = $1 \
         group by m.event_type",
    )
    .bind(category)
    .bind(marks)
    .fetch_all(db)
    .await
}

/// The global position of the log's last event (0 when it has none), committed or not yet
/// visible to readers: a head a reader of the log catches up to once its writer commits.
///
/// # Errors
/// Database failures.
pub async fn head_position<'c>(db: impl PgExecutor<'c>) -> sqlx::Result<i64> {
    sqlx::query_scalar("select coalesce(max(global_position), 0)::int8 from es.events")
        .fetch_one(db)
        .await
}

/// How many events the store holds.
///
/// # Errors
/// Database failures.
pub async fn event_count<'c>(db: impl PgExecutor<'c>) -> sqlx::Result<i64> {
    sqlx::query_scalar("select count(*) from es.events")
        .fetch_one(db)
        .await
}

/// Every committed event of `event_types`, of every tenant, in position order: an audit read
/// (whatever the watermark: it is for a store at rest, such as at the end of a run).
///
/// # Errors
/// Database failures, or a stored row that does not read back.
pub async fn events_of_types<'c>(
    db: impl PgExecutor<'c>,
    event_types: &[&str],
) -> sqlx::Result<Vec<RecordedEvent>> {
    let rows: Vec<EventRow> = sqlx::query_as(concat!(
        select_events!(),
        "where e.event_type = any($1) order by e.global_position"
    ))
    .bind(event_types)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(EventRow::into_event).collect()
}
