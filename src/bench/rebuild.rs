//! `arca bench rebuild`: replaying the store into a fresh generation of the invoices projection.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context as _, bail};
use domain::{GlobalPosition, TenantId};
use eventstore::{ExpectedVersion, PgEventStore, readings};
use projections::{InvoicesProjector, Runner};
use secrecy::ExposeSecret as _;
use serde_json::json;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::harness::scratch;
use crate::settings::Settings;
use workers::feeds::StoreLog;

/// The scratch database kept between runs for `--reuse`.
const DATABASE: &str = "arca_bench_rebuild";
/// Invoices per seeding transaction (four events each: 100 events per commit).
const INVOICES_PER_COMMIT: u64 = 25;
/// Seeding transactions in flight.
const SEEDERS: u64 = 4;

/// Options of `arca bench rebuild`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Events in the store (invoice lifecycles of four events: requested, numbered, submitted,
    /// CAE granted).
    #[arg(long, default_value_t = 100_000)]
    count: u64,
    /// Events read and applied per batch.
    #[arg(long, default_value_t = 5_000)]
    batch: usize,
    /// Keep the seeded scratch database `arca_bench_rebuild` from an earlier run (topped up to
    /// `--count` when it holds fewer events) instead of seeding a new one.
    #[arg(long)]
    reuse: bool,
    /// Drop the scratch database at the end (by default it stays for `--reuse`).
    #[arg(long)]
    drop: bool,
}

/// Seeds the scratch database, then times one rebuild of the invoices projection from `START`
/// into a new generation schema (dropped afterwards).
///
/// # Errors
/// Set-up, seeding or rebuild failures.
pub async fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    if args.count == 0 || args.batch == 0 {
        bail!("--count and --batch must be positive");
    }
    let url = scratch::with_database(settings.database_url.expose_secret(), DATABASE)?;
    if !args.reuse {
        scratch::drop_database(&url).await?;
    }
    scratch::create_and_migrate(&url).await?;
    let outcome = measure(&url, &args).await;
    if args.drop {
        scratch::drop_database(&url).await?;
    } else {
        eprintln!("bench rebuild: keeping database {DATABASE} for --reuse (--drop removes it)");
    }
    println!("{}", outcome?);
    Ok(())
}

async fn measure(url: &str, args: &Args) -> anyhow::Result<serde_json::Value> {
    let store = PgEventStore::connect(url, 8)
        .await
        .context("connecting to the scratch database")?;
    let pool = store.pool().clone();
    let stored = readings::event_count(&pool).await?;
    let missing = args
        .count
        .saturating_sub(u64::try_from(stored).unwrap_or(0));
    if missing > 0 {
        eprintln!("bench rebuild: seeding {missing} events ({stored} already stored)");
        let started = Instant::now();
        seed(&pool, missing).await?;
        eprintln!(
            "bench rebuild: seeded in {:.1}s",
            started.elapsed().as_secs_f64()
        );
    }
    let events = readings::event_count(&pool).await?;

    let generation: i32 = sqlx::query_scalar(
        "select coalesce(max(generation), 1) + 1 from rm.checkpoints where projection = 'invoices'",
    )
    .fetch_one(&pool)
    .await?;
    let projector = InvoicesProjector::in_schema(&format!("rm_bench_g{generation}"))?;
    let schema = projector.schema().to_owned();
    projector.prepare(&mut *pool.acquire().await?).await?;
    let runner = Runner::new(pool.clone(), projector, StoreLog(store))
        .generation(generation)
        .batch_size(args.batch);
    eprintln!(
        "bench rebuild: {events} events into {schema}, batches of {}",
        args.batch
    );
    let started = Instant::now();
    let applied = runner.catch_up_overlapped().await?;
    let seconds = started.elapsed().as_secs_f64();
    let reached = runner.checkpoint().await?;
    let rows: i64 = sqlx::query_scalar(&format!("select count(*) from {schema}.invoices"))
        .fetch_one(&pool)
        .await?;

    sqlx::query(&format!("drop schema {schema} cascade"))
        .execute(&pool)
        .await?;
    sqlx::query("delete from rm.checkpoints where projection = 'invoices' and generation = $1")
        .bind(generation)
        .execute(&pool)
        .await?;
    if i64::try_from(applied).unwrap_or(i64::MAX) != events || reached == GlobalPosition::START {
        bail!("the rebuild applied {applied} of {events} events");
    }
    Ok(json!({
        "bench": "rebuild",
        "events": applied,
        "invoices": rows,
        "seconds": (seconds * 1000.0).round() / 1000.0,
        "events_per_s": (applied as f64 / seconds).round(),
        "batch": args.batch,
    }))
}

/// Appends `events` events as invoice lifecycles, 25 invoices per transaction on a few
/// connections.
async fn seed(pool: &PgPool, events: u64) -> anyhow::Result<()> {
    let tenant = TenantId(Uuid::now_v7());
    let invoices = events.div_ceil(4);
    let next = Arc::new(AtomicU64::new(0));
    let seeders: Vec<_> = (0..SEEDERS)
        .map(|_| {
            let (pool, next) = (pool.clone(), Arc::clone(&next));
            tokio::spawn(async move {
                loop {
                    let first = next.fetch_add(INVOICES_PER_COMMIT, Ordering::Relaxed);
                    if first >= invoices {
                        return anyhow::Ok(());
                    }
                    let now = OffsetDateTime::now_utc();
                    let mut tx = pool.begin().await?;
                    for n in first..(first + INVOICES_PER_COMMIT).min(invoices) {
                        let invoice = Uuid::now_v7();
                        let mut lifecycle = scratch::lifecycle(tenant, invoice, n + 1, now);
                        lifecycle.truncate(usize::try_from(events - n * 4).unwrap_or(4).min(4));
                        PgEventStore::append_in(
                            &mut tx,
                            &scratch::invoice_stream(invoice),
                            ExpectedVersion::NoStream,
                            &lifecycle,
                        )
                        .await?;
                    }
                    tx.commit().await?;
                }
            })
        })
        .collect();
    for seeder in seeders {
        seeder.await.context("seeding task panicked")??;
    }
    Ok(())
}
