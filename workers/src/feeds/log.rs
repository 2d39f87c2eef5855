//! Readings of the global log for lag figures: its head, how many events lie between two
//! positions, and where the relay stands (a projection's checkpoint: `projections::load_checkpoint`).

use domain::GlobalPosition;
use sqlx::PgPool;

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
pub fn at(tx_id: i64, position: i64) -> GlobalPosition {
    GlobalPosition {
        tx_id: u64::try_from(tx_id).unwrap_or(0),
        position,
    }
}

/// The log head ([`GlobalPosition::START`] when the log is empty).
///
/// # Errors
/// Database failures.
pub async fn head(pool: &PgPool) -> sqlx::Result<GlobalPosition> {
    Ok(sqlx::query_as::<_, (i64, i64)>(HEAD)
        .fetch_optional(pool)
        .await?
        .map_or(GlobalPosition::START, |(tx, pos)| at(tx, pos)))
}

/// How many visible events lie after `after`, up to and including `up_to`.
///
/// # Errors
/// Database failures.
pub async fn between<'c>(
    db: impl sqlx::PgExecutor<'c>,
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
pub async fn relay_position(pool: &PgPool) -> sqlx::Result<GlobalPosition> {
    Ok(sqlx::query_as::<_, (i64, i64)>(RELAY)
        .fetch_optional(pool)
        .await?
        .map_or(GlobalPosition::START, |(tx, pos)| at(tx, pos)))
}

/// The stream sequence (= ledger sequence) of the first event after `checkpoint` when that is
/// known, else an earlier one: right after the checkpoint's own ledger entry, or right after
/// the relay's ledger when the checkpoint is ahead of it (the store is read before the relay
/// publishes). Never later than the first event the projection still needs.
///
/// # Errors
/// Database failures.
pub async fn first_sequence_after(pool: &PgPool, checkpoint: GlobalPosition) -> sqlx::Result<u64> {
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
