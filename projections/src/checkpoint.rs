//! `rm.checkpoints`: where a projection generation stands in the global log.

use domain::GlobalPosition;
use sqlx::PgConnection;

use crate::ProjectionError;

/// A projection generation's checkpoint: the position of the last event it applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// Projection name.
    pub projection: &'static str,
    /// Generation (a rebuild writes a new one).
    pub generation: i32,
    /// Last applied position; [`GlobalPosition::START`] before the first event.
    pub position: GlobalPosition,
}

fn position(tx_id: i64, position: i64) -> GlobalPosition {
    GlobalPosition {
        tx_id: u64::try_from(tx_id).unwrap_or(0),
        position,
    }
}

fn tx_id(position: GlobalPosition) -> Result<i64, ProjectionError> {
    i64::try_from(position.tx_id)
        .map_err(|_| ProjectionError::Config(format!("tx_id {} out of range", position.tx_id)))
}

/// Reads a checkpoint without locking it (`START` when the generation never ran).
///
/// # Errors
/// Database failures.
pub async fn load_checkpoint(
    conn: &mut PgConnection,
    projection: &'static str,
    generation: i32,
) -> Result<Checkpoint, ProjectionError> {
    let row: Option<(i64, i64)> = sqlx::query_as(
        "select tx_id, position from rm.checkpoints where projection = $1 and generation = $2",
    )
    .bind(projection)
    .bind(generation)
    .fetch_optional(conn)
    .await?;
    let (tx, pos) = row.unwrap_or((0, 0));
    Ok(Checkpoint {
        projection,
        generation,
        position: position(tx, pos),
    })
}

/// Every projection generation's checkpoint, by name then generation: `(name, generation,
/// position)`.
///
/// # Errors
/// Database failures.
pub async fn all_checkpoints(
    pool: &sqlx::PgPool,
) -> Result<Vec<(String, i32, GlobalPosition)>, ProjectionError> {
    let rows: Vec<(String, i32, i64, i64)> = sqlx::query_as(
        "select projection, generation, tx_id, position from rm.checkpoints \
         order by projection, generation",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, generation, tx, pos)| (name, generation, position(tx, pos)))
        .collect())
}

/// Locks the checkpoint row for this transaction (creating it at `START` when missing), so one
/// writer at a time applies batches to a generation.
pub(crate) async fn lock(
    conn: &mut PgConnection,
    projection: &'static str,
    generation: i32,
) -> Result<Checkpoint, ProjectionError> {
    sqlx::query(
        "insert into rm.checkpoints (projection, generation) values ($1, $2) \
         on conflict do nothing",
    )
    .bind(projection)
    .bind(generation)
    .execute(&mut *conn)
    .await?;
    let (tx, pos): (i64, i64) = sqlx::query_as(
        "select tx_id, position from rm.checkpoints \
         where projection = $1 and generation = $2 for update",
    )
    .bind(projection)
    .bind(generation)
    .fetch_one(conn)
    .await?;
    Ok(Checkpoint {
        projection,
        generation,
        position: position(tx, pos),
    })
}

/// Moves a locked checkpoint to `to`.
pub(crate) async fn advance(
    conn: &mut PgConnection,
    checkpoint: &Checkpoint,
    to: GlobalPosition,
) -> Result<(), ProjectionError> {
    sqlx::query(
        "update rm.checkpoints set tx_id = $3, position = $4, updated_at = clock_timestamp() \
         where projection = $1 and generation = $2",
    )
    .bind(checkpoint.projection)
    .bind(checkpoint.generation)
    .bind(tx_id(to)?)
    .bind(to.position)
    .execute(conn)
    .await?;
    Ok(())
}
