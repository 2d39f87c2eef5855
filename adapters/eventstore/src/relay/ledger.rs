//! The ledger tables (`es.ledger`, `es.relay_checkpoint`, migration
//! `20261123000200_relay_ledger.sql`): reading the checkpoint, the events' digests, and
//! committing a batch of ledger rows with the checkpoint in one transaction.

use std::collections::HashMap;

use domain::GlobalPosition;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::chain::{Checkpoint, Hash, LedgerRow};

/// A 32-byte hash from a `bytea`.
pub(crate) fn to_hash(bytes: &[u8]) -> Result<Hash, sqlx::Error> {
    Hash::try_from(bytes).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn to_u64(value: i64) -> Result<u64, sqlx::Error> {
    u64::try_from(value).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn to_i64(value: u64) -> Result<i64, sqlx::Error> {
    i64::try_from(value).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

/// The relay's checkpoint row.
pub(crate) async fn checkpoint(db: impl PgExecutor<'_>) -> Result<Checkpoint, sqlx::Error> {
    let (seq, tx_id, position, hash): (i64, i64, i64, Vec<u8>) = sqlx::query_as(
        "select ledger_seq, (tx_id::text)::bigint, global_position, hash \
         from es.relay_checkpoint where id",
    )
    .fetch_one(db)
    .await?;
    Ok(Checkpoint {
        ledger_seq: to_u64(seq)?,
        position: GlobalPosition {
            tx_id: to_u64(tx_id)?,
            position,
        },
        hash: to_hash(&hash)?,
    })
}

/// `es.event_digest` of each of the events `ids` (absent ids are left out).
pub(crate) async fn digests(
    db: impl PgExecutor<'_>,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, Hash>, sqlx::Error> {
    let rows: Vec<(Uuid, Vec<u8>)> = sqlx::query_as(
        "select e.event_id, es.event_digest(e) from es.events e where e.event_id = any($1)",
    )
    .bind(ids)
    .fetch_all(db)
    .await?;
    rows.into_iter()
        .map(|(id, digest)| Ok((id, to_hash(&digest)?)))
        .collect()
}

/// Inserts `rows` (which follow `from`) and moves the checkpoint to the last of them, in one
/// transaction, only if the checkpoint is still at `from`. Returns false (and writes nothing)
/// when it has moved: another relay got there first.
pub(crate) async fn commit(
    conn: &mut PgConnection,
    from: &Checkpoint,
    rows: &[LedgerRow],
) -> Result<bool, sqlx::Error> {
    let Some(last) = rows.last() else {
        return Ok(true);
    };
    let mut seqs = Vec::with_capacity(rows.len());
    let mut positions = Vec::with_capacity(rows.len());
    let mut tx_ids = Vec::with_capacity(rows.len());
    let mut ids = Vec::with_capacity(rows.len());
    let mut hashes = Vec::with_capacity(rows.len());
    for row in rows {
        seqs.push(to_i64(row.ledger_seq)?);
        positions.push(row.position.position);
        tx_ids.push(row.position.tx_id.to_string());
        ids.push(row.event_id);
        hashes.push(row.hash.to_vec());
    }
    let mut tx = sqlx::Connection::begin(conn).await?;
    let moved = sqlx::query(
        "update es.relay_checkpoint \
         set ledger_seq = $2, tx_id = $3::text::xid8, global_position = $4, hash = $5, \
             updated_at = clock_timestamp() \
         where id and ledger_seq = $1",
    )
    .bind(to_i64(from.ledger_seq)?)
    .bind(to_i64(last.ledger_seq)?)
    .bind(last.position.tx_id.to_string())
    .bind(last.position.position)
    .bind(last.hash.to_vec())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if moved != 1 {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query(
        "insert into es.ledger (ledger_seq, global_position, tx_id, event_id, hash) \
         select s, p, t::xid8, i, h \
         from unnest($1::bigint[], $2::bigint[], $3::text[], $4::uuid[], $5::bytea[]) \
              as u (s, p, t, i, h)",
    )
    .bind(seqs)
    .bind(positions)
    .bind(tx_ids)
    .bind(ids)
    .bind(hashes)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(true)
}
