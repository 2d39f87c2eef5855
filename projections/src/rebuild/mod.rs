//! Blue/green rebuild of a projection while the serving generation keeps serving.
//!
//! Readers always query `rm.<table>`, written by generation 1 (checkpoint `(projection, 1)`).
//! [`rebuild`] writes generation `g` (one above any existing) into schema
//! `rm_build_<projection>_<g>` with the same projector code, catching up from the store's global
//! log. Then it brings both generations to the same position and compares, on one snapshot,
//! per-tenant row counts and checksums of every table ([`verify`]); and in one transaction it
//! locks the serving checkpoint (the live feed pauses), brings the build up to it, and moves the
//! old tables to `rm_retired_<projection>_<stamp>` and the new ones into `rm`. Readers wait only
//! for the instant of the `alter table … set schema`, then see the new tables; the live feed
//! waits only while a generation is brought up to the other (see `switch`).
//!
//! Side effects never re-run: projectors only write their own rows ([`crate::Projector`]), and
//! a rebuild calls nothing but the global log and the read-model database.
//!
//! One rebuild per projection at a time: the session advisory lock [`LockSpace::Rebuild`] is
//! held from start to switch; a second rebuild fails at once with [`RebuildError::Busy`].
//! Printing is the caller's: progress comes through a callback.

mod ddl;
mod retired;
mod switch;
mod verify;

use std::ops::ControlFlow;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use domain::GlobalPosition;
use infra::LockSpace;
use sqlx::{Connection as _, PgConnection, PgPool};

pub use retired::{drop_retired, retired_schemas};
pub use verify::{TableCheck, TenantDifference};

use crate::schema::{self, SERVING_SCHEMA};
use crate::{GlobalLog, ProjectionError, Projector, Runner};

/// The generation readers are served from (schema `rm`).
pub const SERVING_GENERATION: i32 = 1;

/// Why a rebuild stopped; nothing was switched.
#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    /// Another rebuild of the projection holds its lock.
    #[error("another rebuild of `{0}` is running; try again when it has finished")]
    Busy(String),
    /// Verification found differences (and they were not accepted).
    #[error(
        "the rebuilt `{projection}` differs from the serving one for {} tenant(s) of its tables; \
         nothing was switched",
        differences.len()
    )]
    Differs {
        /// The projection.
        projection: String,
        /// Every differing (table, tenant).
        differences: Vec<TenantDifference>,
    },
    /// The serving tables carry something a switch would not take along.
    #[error("`{table}` cannot be switched: {reason}")]
    Unswitchable {
        /// The serving table.
        table: String,
        /// What it carries.
        reason: String,
    },
    /// Projecting, reading the log or the database failed.
    #[error(transparent)]
    Projection(#[from] ProjectionError),
}

impl From<sqlx::Error> for RebuildError {
    fn from(error: sqlx::Error) -> Self {
        Self::Projection(ProjectionError::Database(error))
    }
}

/// How a rebuild runs.
#[derive(Debug, Clone)]
pub struct RebuildOptions {
    /// Events read and applied per batch.
    pub batch_size: usize,
    /// Switch even when verification finds differences (after a projector fix the rebuilt rows
    /// are expected to differ); the differences are still reported.
    pub accept_differences: bool,
    /// How often [`Progress::CatchingUp`] is reported.
    pub progress_every: Duration,
    /// How long the switch waits for readers to release the serving tables before it rolls back
    /// and tries again.
    pub lock_timeout: Duration,
    /// Switch attempts before giving up (lock timeouts and deadlocks are retried).
    pub switch_attempts: u32,
}

impl Default for RebuildOptions {
    fn default() -> Self {
        Self {
            batch_size: 5_000,
            accept_differences: false,
            progress_every: Duration::from_secs(1),
            lock_timeout: Duration::from_secs(2),
            switch_attempts: 5,
        }
    }
}

/// What a rebuild is doing, for the caller to show.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    /// A build left by an earlier rebuild (interrupted, or refused by verification) was dropped.
    DroppedStale {
        /// Its generation.
        generation: i32,
    },
    /// The new generation's schema is ready; catching up from the start of the log.
    Started {
        /// The generation being built.
        generation: i32,
        /// Its schema.
        schema: String,
    },
    /// Catching up (reported every [`RebuildOptions::progress_every`]).
    CatchingUp {
        /// Events applied so far.
        applied: u64,
        /// The build's checkpoint.
        position: GlobalPosition,
        /// The log's head, when the log can tell.
        head: Option<GlobalPosition>,
        /// Events applied per second since the catch-up started.
        events_per_s: f64,
    },
    /// Caught up with the head (as last read); the switch starts.
    CaughtUp {
        /// Events applied.
        applied: u64,
        /// The build's checkpoint.
        position: GlobalPosition,
        /// Time spent catching up.
        elapsed: Duration,
    },
    /// Both generations were compared at `position` and matched, or their differences are
    /// accepted; swapping.
    Verified {
        /// Where they were compared.
        position: GlobalPosition,
        /// Differing (table, tenant) pairs accepted (0 when they matched).
        differences: usize,
    },
    /// A switch attempt failed on a lock (readers held the tables) and is retried.
    Retrying {
        /// The attempt that failed (from 1).
        attempt: u32,
        /// Why.
        reason: String,
    },
}

/// What a finished rebuild did.
#[derive(Debug, Clone)]
pub struct RebuildReport {
    /// The projection.
    pub projection: &'static str,
    /// The generation built (now serving from `rm`).
    pub generation: i32,
    /// Events applied by the catch-up.
    pub applied: u64,
    /// Time spent catching up.
    pub catch_up: Duration,
    /// The position both generations stood at when compared.
    pub verified_at: GlobalPosition,
    /// The position at which readers were switched (events after `verified_at` reached both
    /// generations through the same projector code).
    pub switched_at: GlobalPosition,
    /// Per table: tenants and rows on both sides.
    pub tables: Vec<TableCheck>,
    /// Differences found (empty unless they were accepted).
    pub differences: Vec<TenantDifference>,
    /// Where the old tables went.
    pub retired_schema: String,
    /// How long the switch held the serving checkpoint, in total (the live feed waited that
    /// long; verification runs without holding it).
    pub live_feed_paused: Duration,
}

/// Rebuilds `serving`'s projection into a new generation and switches readers to it (see the
/// module documentation); `progress` is called along the way.
///
/// # Errors
/// [`RebuildError::Busy`] when another rebuild of the projection runs, [`RebuildError::Differs`]
/// when verification fails (nothing switched; the build is left for inspection and dropped by
/// the next rebuild), or any log and database failure.
pub async fn rebuild<P, L, F>(
    pool: &PgPool,
    serving: &P,
    log: &L,
    options: &RebuildOptions,
    mut progress: F,
) -> Result<RebuildReport, RebuildError>
where
    P: Projector,
    L: GlobalLog,
    F: FnMut(Progress) + Send,
{
    let name = schema::plain(serving.name())?;
    if serving.tables().is_empty() {
        return Err(ProjectionError::Config(format!(
            "`{name}` keeps no read model of its own; there is nothing to rebuild"
        ))
        .into());
    }
    if serving.schema() != SERVING_SCHEMA {
        return Err(ProjectionError::Config(format!(
            "a rebuild starts from the projector of schema `{SERVING_SCHEMA}`"
        ))
        .into());
    }
    let mut conn = PgConnection::connect_with(&pool.connect_options()).await?;
    if !infra::lease::try_lock(&mut conn, LockSpace::Rebuild, name).await? {
        return Err(RebuildError::Busy(name.to_owned()));
    }
    let outcome = locked_rebuild(pool, &mut conn, serving, log, options, &mut progress).await;
    // Closing the session releases the advisory lock.
    conn.close().await?;
    outcome
}

async fn locked_rebuild<P, L, F>(
    pool: &PgPool,
    conn: &mut PgConnection,
    serving: &P,
    log: &L,
    options: &RebuildOptions,
    progress: &mut F,
) -> Result<RebuildReport, RebuildError>
where
    P: Projector,
    L: GlobalLog,
    F: FnMut(Progress) + Send,
{
    let name = serving.name();
    let generation: i32 = sqlx::query_scalar(
        "select coalesce(max(generation), $2) + 1 from rm.checkpoints where projection = $1",
    )
    .bind(name)
    .bind(SERVING_GENERATION)
    .fetch_one(&mut *conn)
    .await?;
    for stale in drop_stale_builds(conn, name).await? {
        progress(Progress::DroppedStale { generation: stale });
    }
    let build = serving.for_schema(&build_schema(name, generation))?;
    schema::create_like_serving(conn, build.schema(), build.tables()).await?;
    sqlx::query("insert into rm.checkpoints (projection, generation) values ($1, $2)")
        .bind(name)
        .bind(generation)
        .execute(&mut *conn)
        .await?;
    progress(Progress::Started {
        generation,
        schema: build.schema().to_owned(),
    });
    let started = Instant::now();
    let build_schema = build.schema().to_owned();
    let runner = Runner::new(pool.clone(), build, log)
        .generation(generation)
        .batch_size(options.batch_size);
    let (applied, position) = catch_up(&runner, log, options, progress).await?;
    let catch_up = started.elapsed();
    progress(Progress::CaughtUp {
        applied,
        position,
        elapsed: catch_up,
    });
    for table in serving.tables() {
        sqlx::query(&format!("analyze {build_schema}.{table}"))
            .execute(&mut *conn)
            .await?;
    }
    let build = serving.for_schema(&build_schema)?;
    let switched = switch::Switch {
        pool,
        serving,
        build: &build,
        generation,
        log,
        options,
    }
    .run(conn, progress)
    .await?;
    Ok(RebuildReport {
        projection: name,
        generation,
        applied,
        catch_up,
        verified_at: switched.verified_at,
        switched_at: switched.position,
        tables: switched.tables,
        differences: switched.differences,
        retired_schema: switched.retired_schema,
        live_feed_paused: switched.paused,
    })
}

/// The schema a generation is built in.
fn build_schema(projection: &str, generation: i32) -> String {
    format!("rm_build_{projection}_{generation}")
}

/// Drops builds left by earlier rebuilds, interrupted or refused (checkpoints of generations
/// other than the serving one, and their schemas); only called under the projection's rebuild
/// lock. Returns their generations.
async fn drop_stale_builds(
    conn: &mut PgConnection,
    projection: &str,
) -> Result<Vec<i32>, ProjectionError> {
    let stale: Vec<i32> = sqlx::query_scalar(
        "select generation from rm.checkpoints where projection = $1 and generation <> $2 \
         order by generation",
    )
    .bind(projection)
    .bind(SERVING_GENERATION)
    .fetch_all(&mut *conn)
    .await?;
    for generation in &stale {
        let schema = build_schema(projection, *generation);
        sqlx::query(&format!("drop schema if exists {schema} cascade"))
            .execute(&mut *conn)
            .await?;
        sqlx::query("delete from rm.checkpoints where projection = $1 and generation = $2")
            .bind(projection)
            .bind(generation)
            .execute(&mut *conn)
            .await?;
    }
    Ok(stale)
}

/// Catches the build up until a read comes back short (the head as of that read), reporting
/// progress on a timer; returns the events applied and the build's checkpoint.
async fn catch_up<P, L, F>(
    runner: &Runner<P, &L>,
    log: &L,
    options: &RebuildOptions,
    progress: &mut F,
) -> Result<(u64, GlobalPosition), ProjectionError>
where
    P: Projector,
    L: GlobalLog,
    F: FnMut(Progress) + Send,
{
    let tally = Mutex::new((0_u64, runner.checkpoint().await?));
    let run = runner.catch_up_overlapped_reporting(|batch| {
        if let Ok(mut tally) = tally.lock() {
            tally.0 += u64::try_from(batch.applied).unwrap_or(u64::MAX);
            tally.1 = batch.checkpoint;
        }
        if batch.full {
            ControlFlow::Continue(())
        } else {
            ControlFlow::Break(())
        }
    });
    tokio::pin!(run);
    let mut ticks = tokio::time::interval(options.progress_every);
    ticks.tick().await;
    let started = Instant::now();
    loop {
        tokio::select! {
            done = &mut run => {
                done?;
                break;
            }
            _ = ticks.tick() => {
                let (applied, position) = tally.lock().map(|t| *t).unwrap_or_default();
                let head = log.head().await.unwrap_or_else(|error| {
                    tracing::warn!(error = %infra::Causes(&error), "reading the log head for progress failed");
                    None
                });
                let seconds = started.elapsed().as_secs_f64().max(f64::EPSILON);
                let events_per_s = (applied as f64 / seconds).round();
                progress(Progress::CatchingUp { applied, position, head, events_per_s });
            }
        }
    }
    Ok(tally.lock().map(|t| *t).unwrap_or_default())
}
