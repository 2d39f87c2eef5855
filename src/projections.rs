//! Wiring of the read side: [`StoreLog`] adapts the event store's gap-safe global log to the
//! projections' [`GlobalLog`] port, and [`run`] keeps the invoices read model (`rm.invoices`)
//! up to date for `serve --role workers|all`.
//!
//! The live feed polls the store's global log (the same path a rebuild uses) rather than a
//! JetStream consumer: the read models live in the same database, so the checkpoint commits with
//! the rows and several instances can run it (the checkpoint row lock makes them take turns).

use std::future::Future;

use anyhow::Context as _;
use async_trait::async_trait;
use domain::{GlobalPosition, RecordedEvent};
use eventstore::{EventStore, PgEventStore};
use projections::{GlobalLog, InvoicesProjector, ProjectionError, Runner};
use secrecy::ExposeSecret as _;

use crate::settings::Settings;

/// Postgres connections of the projection runner.
pub(crate) const PROJECTION_POOL: u32 = 2;

/// The global log of a Postgres event store.
#[derive(Debug, Clone)]
pub struct StoreLog(pub PgEventStore);

#[async_trait]
impl GlobalLog for StoreLog {
    async fn read_after(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, ProjectionError> {
        self.0
            .read_all(after, limit)
            .await
            .map_err(|error| ProjectionError::Log(error.to_string()))
    }
}

/// Runs the invoices projection until `shutdown` resolves; failed batches are logged and retried.
///
/// # Errors
/// Postgres unreachable at start-up.
pub async fn run(
    settings: &Settings,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let store = PgEventStore::connect(settings.database_url.expose_secret(), PROJECTION_POOL)
        .await
        .context("connecting the projections to Postgres (ARCA_DATABASE_URL)")?;
    let runner = Runner::new(
        store.pool().clone(),
        InvoicesProjector::new(),
        StoreLog(store),
    );
    tracing::info!("invoices projection started");
    runner.run(shutdown).await;
    Ok(())
}

/// Where a projection generation stands against the log head.
#[derive(Debug, Clone, serde::Serialize)]
struct GenerationStatus {
    projection: String,
    generation: i32,
    checkpoint: GlobalPosition,
    head: GlobalPosition,
    lag_events: i64,
    events_per_s: f64,
}

/// The last position visible to readers of the global log (below the xid8 watermark).
const HEAD: &str = "select (tx_id::text)::bigint, global_position from es.events \
     where tx_id < pg_snapshot_xmin(pg_current_snapshot()) \
     order by tx_id desc, global_position desc limit 1";
/// Events visible in the log strictly after one position and at or before another.
const BETWEEN: &str = "select count(*) from es.events \
     where (tx_id, global_position) > ($1::text::xid8, $2) \
       and (tx_id, global_position) <= ($3::text::xid8, $4) \
       and tx_id < pg_snapshot_xmin(pg_current_snapshot())";
const CHECKPOINTS: &str = "select projection, generation, tx_id, position from rm.checkpoints \
     order by projection, generation";

fn at(tx_id: i64, position: i64) -> GlobalPosition {
    GlobalPosition {
        tx_id: u64::try_from(tx_id).unwrap_or(0),
        position,
    }
}

async fn checkpoints(pool: &sqlx::PgPool) -> anyhow::Result<Vec<(String, i32, GlobalPosition)>> {
    let rows: Vec<(String, i32, i64, i64)> = sqlx::query_as(CHECKPOINTS).fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(name, generation, tx, pos)| (name, generation, at(tx, pos)))
        .collect())
}

async fn between(
    pool: &sqlx::PgPool,
    after: GlobalPosition,
    up_to: GlobalPosition,
) -> anyhow::Result<i64> {
    if up_to <= after {
        return Ok(0);
    }
    Ok(sqlx::query_scalar(BETWEEN)
        .bind(after.tx_id.to_string())
        .bind(after.position)
        .bind(up_to.tx_id.to_string())
        .bind(up_to.position)
        .fetch_one(pool)
        .await?)
}

/// `arca projections status`: per projection generation its checkpoint, the log head, the lag in
/// events and the events applied per second over a one-second sample; a table, then one JSON line.
///
/// # Errors
/// Postgres unreachable or not migrated.
pub async fn status(settings: &Settings) -> anyhow::Result<()> {
    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(settings.database_url.expose_secret())
        .await
        .context("connecting to Postgres (ARCA_DATABASE_URL)")?;
    let before = checkpoints(&pool).await?;
    let sampled = std::time::Instant::now();
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let after = checkpoints(&pool).await?;
    let seconds = sampled.elapsed().as_secs_f64();
    let head = sqlx::query_as::<_, (i64, i64)>(HEAD)
        .fetch_optional(&pool)
        .await?
        .map_or(GlobalPosition::START, |(tx, pos)| at(tx, pos));
    let mut report = Vec::with_capacity(after.len());
    for (projection, generation, checkpoint) in after {
        let earlier = before
            .iter()
            .find(|(p, g, _)| *p == projection && *g == generation)
            .map_or(checkpoint, |(_, _, c)| *c);
        let applied = between(&pool, earlier, checkpoint).await?;
        report.push(GenerationStatus {
            lag_events: between(&pool, checkpoint, head).await?,
            events_per_s: (applied as f64 / seconds).round(),
            projection,
            generation,
            checkpoint,
            head,
        });
    }
    pool.close().await;
    println!(
        "{:<12} {:>4} {:>24} {:>24} {:>10} {:>10}",
        "projection", "gen", "checkpoint (tx, pos)", "head (tx, pos)", "lag", "events/s"
    );
    for s in &report {
        println!(
            "{:<12} {:>4} {:>24} {:>24} {:>10} {:>10}",
            s.projection,
            s.generation,
            format!("({}, {})", s.checkpoint.tx_id, s.checkpoint.position),
            format!("({}, {})", s.head.tx_id, s.head.position),
            s.lag_events,
            s.events_per_s
        );
    }
    println!(
        "{}",
        serde_json::json!({ "projections": report, "head": head })
    );
    Ok(())
}
