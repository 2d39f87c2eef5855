//! The switch, in three steps that each hold the serving checkpoint (pausing the live feed) only
//! for a moment:
//!
//! 1. align: lock the serving checkpoint, bring the lagging generation to the other's position,
//!    and take a repeatable-read snapshot in which both stand at that same position;
//! 2. verify on that snapshot (the long part), while the live feed goes on;
//! 3. swap, in one transaction: lock the serving checkpoint again, bring the build to it (the
//!    events applied meanwhile, by the same projector code to the verified rows; most of them
//!    were applied to the build just before, without the lock), move the old
//!    tables to a retired schema and the build's into `rm`, and drop the build's checkpoint.

use std::time::{Duration, Instant};

use domain::GlobalPosition;
use sqlx::{Connection as _, PgConnection, PgPool, Postgres, Transaction};

use super::verify::{self, TableCheck, TenantDifference};
use super::{Progress, RebuildError, RebuildOptions, SERVING_GENERATION, ddl};
use crate::schema::SERVING_SCHEMA;
use crate::{GlobalLog, ProjectionError, Projector, apply_in, checkpoint};

/// SQLSTATEs of a switch that lost a lock race: `lock_not_available` (lock timeout) and
/// `deadlock_detected`. The transaction rolled back; trying again is safe.
const RETRIED: [&str; 2] = ["55P03", "40P01"];
/// Passes catching the build up to the live feed before a swap, at most.
const FOLLOW_PASSES: usize = 5;
/// Events a catch-up pass may apply and still count as close enough to swap.
const FOLLOWED_ENOUGH: usize = 50;

/// A prepared switch from the serving tables to the build's.
pub(super) struct Switch<'a, P, L> {
    pub pool: &'a PgPool,
    pub serving: &'a P,
    pub build: &'a P,
    pub generation: i32,
    pub log: &'a L,
    pub options: &'a RebuildOptions,
}

/// What a committed switch did.
pub(super) struct Switched {
    pub verified_at: GlobalPosition,
    pub position: GlobalPosition,
    pub tables: Vec<TableCheck>,
    pub differences: Vec<TenantDifference>,
    pub retired_schema: String,
    pub paused: Duration,
}

impl<P: Projector, L: GlobalLog> Switch<'_, P, L> {
    /// Verifies both generations at one position, then switches on `conn` (trying again after a
    /// lost lock race).
    pub(super) async fn run(
        &self,
        conn: &mut PgConnection,
        progress: &mut (impl FnMut(Progress) + Send),
    ) -> Result<Switched, RebuildError> {
        let name = self.serving.name();
        self.follow().await?;
        let (mut snapshot, verified_at, mut paused) = self.aligned_snapshot(conn).await?;
        let (tables, differences) =
            verify::compare(&mut snapshot, self.serving.tables(), self.build.schema()).await?;
        snapshot.rollback().await?;
        if !differences.is_empty() && !self.options.accept_differences {
            return Err(RebuildError::Differs {
                projection: name.to_owned(),
                differences,
            });
        }
        progress(Progress::Verified {
            position: verified_at,
            differences: differences.len(),
        });
        let mut attempt = 1;
        loop {
            self.follow().await?;
            let started = Instant::now();
            match self.swap(conn).await {
                Ok((position, retired_schema)) => {
                    paused += started.elapsed();
                    return Ok(Switched {
                        verified_at,
                        position,
                        tables,
                        differences,
                        retired_schema,
                        paused,
                    });
                }
                Err(RebuildError::Projection(ProjectionError::Database(error)))
                    if attempt < self.options.switch_attempts && lost_lock_race(&error) =>
                {
                    paused += started.elapsed();
                    progress(Progress::Retrying {
                        attempt,
                        reason: error.to_string(),
                    });
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// A repeatable-read snapshot in which both generations stand at the same position, taken
    /// while the serving checkpoint is locked for a moment only (the build is brought up to the
    /// serving position, or the serving one to the build's, first). Returns the snapshot's
    /// transaction, the position, and how long the live feed waited.
    async fn aligned_snapshot(
        &self,
        conn: &mut PgConnection,
    ) -> Result<(Transaction<'static, Postgres>, GlobalPosition, Duration), RebuildError> {
        let name = self.serving.name();
        let mut paused = Duration::ZERO;
        loop {
            let mut hold = conn.begin().await?;
            // The live feed locks this row for every batch: it waits while `hold` is open.
            let serving = checkpoint::lock(&mut hold, name, SERVING_GENERATION).await?;
            let locked = Instant::now();
            let build = checkpoint::load_checkpoint(&mut hold, name, self.generation).await?;
            if build.position > serving.position {
                // The live feed lags the build: do its work, then look again.
                let (from, to) = (serving.position, build.position);
                self.bring_to(&mut hold, self.serving, SERVING_GENERATION, from, to)
                    .await?;
                hold.commit().await?;
                paused += locked.elapsed();
                continue;
            }
            let mut build_tx = self.pool.begin().await?;
            let (from, to) = (build.position, serving.position);
            self.bring_to(&mut build_tx, self.build, self.generation, from, to)
                .await?;
            build_tx.commit().await?;
            let mut snapshot = self.pool.begin().await?;
            sqlx::query("set transaction isolation level repeatable read, read only")
                .execute(&mut *snapshot)
                .await?;
            sqlx::query("select 1").execute(&mut *snapshot).await?;
            hold.rollback().await?;
            paused += locked.elapsed();
            return Ok((snapshot, serving.position, paused));
        }
    }

    /// Catches the build up to the live feed without holding it, before anything that does:
    /// each pass applies what arrived during the previous one, and a few shrink that to the
    /// last handful of events.
    async fn follow(&self) -> Result<(), ProjectionError> {
        for _ in 0..FOLLOW_PASSES {
            if self.follow_serving().await? <= FOLLOWED_ENOUGH {
                break;
            }
        }
        Ok(())
    }

    /// Brings the build up to where the serving generation stands now, without holding the live
    /// feed, so the swap has only the last few events to apply while it does.
    /// Returns how many events it applied.
    async fn follow_serving(&self) -> Result<usize, ProjectionError> {
        let name = self.serving.name();
        let mut tx = self.pool.begin().await?;
        let serving = checkpoint::load_checkpoint(&mut tx, name, SERVING_GENERATION).await?;
        let build = checkpoint::lock(&mut tx, name, self.generation).await?;
        let (from, to) = (build.position, serving.position);
        let applied = self
            .bring_to(&mut tx, self.build, self.generation, from, to)
            .await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// One transaction: lock the serving checkpoint, bring the build to it (the events since
    /// verification, through the same projector code), and swap the tables. Returns the
    /// position switched at and the retired schema.
    async fn swap(
        &self,
        conn: &mut PgConnection,
    ) -> Result<(GlobalPosition, String), RebuildError> {
        let name = self.serving.name();
        let tables = self.serving.tables();
        let mut tx = conn.begin().await?;
        let serving = checkpoint::lock(&mut tx, name, SERVING_GENERATION).await?;
        let build = checkpoint::lock(&mut tx, name, self.generation).await?;
        let position = serving.position.max(build.position);
        let (generation, build_schema) = (self.generation, self.build.schema());
        self.bring_to(
            &mut tx,
            self.serving,
            SERVING_GENERATION,
            serving.position,
            position,
        )
        .await?;
        self.bring_to(&mut tx, self.build, generation, build.position, position)
            .await?;
        ddl::preflight(&mut tx, tables).await?;
        let millis = self.options.lock_timeout.as_millis().max(1);
        sqlx::query(&format!("set local lock_timeout = {millis}"))
            .execute(&mut *tx)
            .await?;
        let retired = ddl::retired_schema(&mut tx, name).await?;
        sqlx::query(&format!("create schema {retired}"))
            .execute(&mut *tx)
            .await?;
        for table in tables {
            sqlx::query(&format!(
                "alter table {SERVING_SCHEMA}.{table} set schema {retired}"
            ))
            .execute(&mut *tx)
            .await?;
        }
        for table in tables {
            sqlx::query(&format!(
                "alter table {build_schema}.{table} set schema {SERVING_SCHEMA}"
            ))
            .execute(&mut *tx)
            .await?;
            ddl::restore_index_names(&mut tx, &retired, table).await?;
        }
        // The serving checkpoint stands at `position`, which the moved-in tables now match.
        sqlx::query("delete from rm.checkpoints where projection = $1 and generation = $2")
            .bind(name)
            .bind(generation)
            .execute(&mut *tx)
            .await?;
        sqlx::query(&format!("drop schema {build_schema}"))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok((position, retired))
    }

    /// Applies the log's events after `from` up to exactly `to` to `projector`'s generation,
    /// inside the switch's transaction.
    async fn bring_to(
        &self,
        conn: &mut PgConnection,
        projector: &P,
        generation: i32,
        from: GlobalPosition,
        to: GlobalPosition,
    ) -> Result<usize, ProjectionError> {
        let (mut at, mut applied) = (from, 0);
        while at < to {
            let batch = self.log.read_after(at, self.options.batch_size).await?;
            let upto = &batch[..batch.partition_point(|e| e.position <= to)];
            let Some(last) = upto.last().map(|e| e.position) else {
                return Err(ProjectionError::LogEndsEarly { at, to });
            };
            applied += apply_in(conn, projector, generation, upto).await?;
            at = last;
        }
        Ok(applied)
    }
}

fn lost_lock_race(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .is_some_and(|code| RETRIED.contains(&code.as_ref()))
}
