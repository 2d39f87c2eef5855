//! `arca bench lag`: event appended → visible in the invoice read model, at a steady rate.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use domain::{GlobalPosition, TenantId};
use eventstore::{EventStore, ExpectedVersion, PgEventStore};
use projections::{InvoicesProjector, Runner};
use secrecy::ExposeSecret as _;
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::stats::percentile_ms;
use crate::harness::scratch;
use crate::settings::Settings;
use workers::feeds::{PROJECTION_POOL, StoreLog};

/// Options of `arca bench lag`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Events appended per second (one `invoice.requested` per new stream).
    #[arg(long, default_value_t = 1_000)]
    rate: u64,
    /// How long to append, in seconds.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Create and migrate a scratch database next to ARCA_DATABASE_URL's, dropped at the end.
    #[arg(long)]
    scratch: bool,
}

/// Appends at `rate` for `duration` seconds while an in-process invoices runner follows the live
/// log; each event's lag runs from its append acknowledgement to the commit of the first batch
/// whose checkpoint covers it.
///
/// # Errors
/// Set-up failures, or events that never became visible.
pub async fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    if args.rate == 0 || args.duration == 0 {
        bail!("--rate and --duration must be positive");
    }
    let configured = settings.database_url.expose_secret();
    let url = if args.scratch {
        let url = scratch::with_database(
            configured,
            &format!("arca_bench_lag_{}", Uuid::new_v4().simple()),
        )?;
        scratch::create_and_migrate(&url).await?;
        url
    } else {
        configured.to_owned()
    };
    let outcome = measure(settings, &url, &args).await;
    if args.scratch {
        scratch::drop_database(&url).await?;
    }
    println!("{}", outcome?);
    Ok(())
}

async fn measure(settings: &Settings, url: &str, args: &Args) -> anyhow::Result<serde_json::Value> {
    let store = crate::server::connect_store_at(settings, url)
        .await
        .context("connecting the appenders to Postgres")?;
    let log = PgEventStore::connect(url, PROJECTION_POOL)
        .await
        .context("connecting the projection to Postgres")?;
    let runner = Runner::new(log.pool().clone(), InvoicesProjector::new(), StoreLog(log));
    let backlog = runner.catch_up().await?;
    eprintln!(
        "bench lag: {} events/s for {}s (caught up {backlog} earlier events first)",
        args.rate, args.duration
    );

    let commits: Arc<Mutex<Vec<(GlobalPosition, Instant)>>> = Arc::default();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let follower = {
        let commits = Arc::clone(&commits);
        tokio::spawn(async move {
            let shutdown = async {
                drop(stopped.await);
            };
            runner
                .run_reporting(shutdown, |position| {
                    if let Ok(mut commits) = commits.lock() {
                        commits.push((position, Instant::now()));
                    }
                })
                .await;
        })
    };

    let tenant = TenantId(Uuid::now_v7());
    let total = args.rate * args.duration;
    let started = Instant::now();
    let mut appends = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
    for i in 0..total {
        let due = started + Duration::from_secs_f64(i as f64 / args.rate as f64);
        tokio::time::sleep_until(due.into()).await;
        let store = store.clone();
        appends.push(tokio::spawn(async move {
            let invoice = Uuid::now_v7();
            let event = scratch::requested(tenant, invoice, OffsetDateTime::now_utc());
            let outcome = store
                .append(
                    &scratch::invoice_stream(invoice),
                    ExpectedVersion::NoStream,
                    &[event],
                )
                .await?;
            anyhow::Ok((outcome.position, Instant::now()))
        }));
    }
    let mut acked = Vec::with_capacity(appends.len());
    let mut errors = 0_u64;
    for append in appends {
        match append.await.context("append task panicked")? {
            Ok(ack) => acked.push(ack),
            Err(error) => {
                errors += 1;
                tracing::warn!(%error, "append failed");
            }
        }
    }
    let last_ack = acked.iter().map(|(_, at)| *at).max().unwrap_or(started);
    let appended_for = last_ack.duration_since(started).as_secs_f64();
    let head = acked.iter().map(|(p, _)| *p).max().unwrap_or_default();

    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let reached = commits
            .lock()
            .map_err(|_| anyhow::anyhow!("poisoned"))?
            .last()
            .is_some_and(|(p, _)| *p >= head);
        if reached {
            break;
        }
        if Instant::now() > deadline {
            bail!("the projection did not reach {head:?} within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let _ = stop.send(());
    follower.await.context("projection task panicked")?;

    let commits = commits
        .lock()
        .map_err(|_| anyhow::anyhow!("poisoned"))?
        .clone();
    let mut lags: Vec<u64> = acked
        .iter()
        .filter_map(|(position, acked_at)| {
            let i = commits.partition_point(|(p, _)| p < position);
            let (_, visible_at) = commits.get(i)?;
            let lag = visible_at.saturating_duration_since(*acked_at);
            Some(u64::try_from(lag.as_micros()).unwrap_or(u64::MAX))
        })
        .collect();
    lags.sort_unstable();
    Ok(json!({
        "bench": "lag",
        "rate_target": args.rate,
        "rate_achieved": (acked.len() as f64 / appended_for.max(f64::EPSILON)).round(),
        "events": acked.len(),
        "errors": errors,
        "batches": commits.len(),
        "p50_ms": percentile_ms(&lags, 50.0),
        "p95_ms": percentile_ms(&lags, 95.0),
        "p99_ms": percentile_ms(&lags, 99.0),
        "max_ms": lags.last().map_or(0.0, |&us| us as f64 / 1000.0),
    }))
}
