//! `arca projections status`: where every projection generation stands against the log head.

use anyhow::Context as _;
use domain::GlobalPosition;
use secrecy::ExposeSecret as _;

use crate::settings::Settings;
use eventstore::readings::{events_between as between, log_head as head};

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

async fn checkpoints(pool: &sqlx::PgPool) -> anyhow::Result<Vec<(String, i32, GlobalPosition)>> {
    Ok(projections::all_checkpoints(pool).await?)
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
    let head = head(&pool).await?;
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
