//! `arca bench webhooks`: signed deliveries to a local receiver this command starts, end to end.
//!
//! On a scratch database: a tenant and `--subscriptions` subscriptions created through the API's
//! flow (secrets sealed), pointing at a receiver on 127.0.0.1:0 (loopback allow-listed, as the
//! tests do); invoices appended through the real store at a steady pace, each the saga's happy
//! path (`invoice.requested`, numbered, submitted, `invoice.cae_granted`: two webhook events);
//! the invoices and subscriptions projections and the fan-out on the store's log (serve's
//! `projection_feed = "store"`) or, with `--feed jetstream`, through the relay and durable
//! JetStream consumers on a stream of the run's own (deleted at the end), and `--instances`
//! dispatchers signing with the sealed keys.
//!
//! The receiver verifies every signature and records each `webhook-id`'s first arrival; an
//! event's latency runs from its append's acknowledgement to the arrival of each of its
//! deliveries. Fails when a delivery is missing or a signature is bad.

mod engine;
mod receiver;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use domain::TenantId;
use eventstore::{EventStore, ExpectedVersion, PgEventStore};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use self::receiver::Receiver;
use super::stats::percentile_ms;
use crate::harness::scratch;
use crate::settings::{ProjectionFeed, Settings};

/// Options of `arca bench webhooks`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Webhook events to append (two per invoice: requested and authorized; rounded up to even).
    #[arg(long, default_value_t = 20_000)]
    events: usize,
    /// Subscriptions of the tenant, each to every event type.
    #[arg(long, default_value_t = 20)]
    subscriptions: usize,
    /// How long the receiver takes to answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    receiver_latency_ms: u64,
    /// Dispatcher instances (each its own pool, as separate processes would have).
    #[arg(long, default_value_t = 1)]
    instances: usize,
    /// Deliveries per second the appends aim at (events/s = rate ÷ subscriptions).
    #[arg(long, default_value_t = 2_000)]
    rate: u64,
    /// Where the projections and the fan-out read events: the store's log, or JetStream (the
    /// relay runs too).
    #[arg(long, value_enum, default_value_t = Feed::Store)]
    feed: Feed,
}

/// `--feed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Feed {
    /// Polling the store's global log.
    Store,
    /// The relay to a JetStream stream of the run's own, and durable consumers on it.
    Jetstream,
}

/// Runs the benchmark on a scratch database next to ARCA_DATABASE_URL's, dropped at the end
/// (kept when ARCA_BENCH_KEEP is set).
///
/// # Errors
/// Set-up failures, a missing delivery or a bad signature (after printing the figures).
pub async fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    if args.events == 0 || args.subscriptions == 0 || args.instances == 0 || args.rate == 0 {
        bail!("--events, --subscriptions, --instances and --rate must be positive");
    }
    let name = format!("arca_bench_webhooks_{}", Uuid::new_v4().simple());
    let url = scratch::with_database(settings.database_url.expose_secret(), &name)?;
    scratch::create_and_migrate(&url).await?;
    let outcome = measure(settings, &url, &args).await;
    if std::env::var_os("ARCA_BENCH_KEEP").is_none() {
        scratch::drop_database(&url).await?;
    } else {
        eprintln!("kept {url}");
    }
    let report = outcome?;
    println!("{report}");
    let count = |key: &str| report.get(key).and_then(Value::as_u64).unwrap_or(0);
    if count("missing") > 0 || count("bad_signatures") > 0 {
        bail!(
            "{} deliveries missing, {} bad signatures",
            count("missing"),
            count("bad_signatures")
        );
    }
    Ok(())
}

/// The run's settings: the scratch database, the chosen feed (JetStream: a stream and subjects
/// of the run's own), loopback allowed.
fn run_settings(settings: &Settings, url: &str, feed: Feed) -> Settings {
    let mut run = settings.clone();
    run.database_url = SecretString::from(url.to_owned());
    run.projection_feed = match feed {
        Feed::Store => ProjectionFeed::Store,
        Feed::Jetstream => ProjectionFeed::Jetstream,
    };
    let id = Uuid::new_v4().simple();
    run.nats_stream = format!("WEBHOOK_BENCH_{id}");
    run.nats_subject_prefix = format!("webhookbench{id}.events");
    run.webhook_allow_cidrs = vec!["127.0.0.0/8".to_owned()];
    run
}

async fn measure(settings: &Settings, url: &str, args: &Args) -> anyhow::Result<Value> {
    let settings = Arc::new(run_settings(settings, url, args.feed));
    let store = crate::server::connect_store_at(&settings, url)
        .await
        .context("connecting the appenders to Postgres")?;
    let receiver = Receiver::start(Duration::from_millis(args.receiver_latency_ms)).await?;
    let (tenant, secrets) =
        engine::subscribe(&store, &settings, &receiver, args.subscriptions).await?;
    receiver.expect(secrets)?;
    let tasks = engine::start(&settings, args.instances, args.feed == Feed::Jetstream)?;
    let outcome = drive(&store, tenant, &receiver, args).await;
    for task in tasks {
        task.abort();
    }
    if args.feed == Feed::Jetstream {
        engine::delete_stream(&settings).await;
    }
    store.pool().close().await;
    let load = outcome?;
    Ok(figures(args, &load, &receiver))
}

/// What the load did.
struct Load {
    started: Instant,
    appended: HashMap<Uuid, Instant>,
    appended_in: Duration,
    expected: usize,
}

async fn drive(
    store: &PgEventStore,
    tenant: TenantId,
    receiver: &Receiver,
    args: &Args,
) -> anyhow::Result<Load> {
    engine::subscriptions_ready(store.pool(), tenant, args.subscriptions).await?;
    let invoices = args.events.div_ceil(2);
    let per_s = (args.rate as f64 / (2 * args.subscriptions) as f64).max(0.01);
    eprintln!(
        "bench webhooks: {invoices} invoices ({} events) at {per_s:.1} invoices/s to {} \
         subscriptions, {} dispatcher(s)",
        invoices * 2,
        args.subscriptions,
        args.instances
    );
    let started = Instant::now();
    let appended = append_all(store, tenant, invoices, per_s).await?;
    let appended_in = started.elapsed();
    let expected = appended.len() * args.subscriptions;
    wait_for_deliveries(receiver, expected).await;
    Ok(Load {
        started,
        appended,
        appended_in,
        expected,
    })
}

/// Appends `invoices` happy paths at `per_s`; answers each webhook event's acknowledgement time.
async fn append_all(
    store: &PgEventStore,
    tenant: TenantId,
    invoices: usize,
    per_s: f64,
) -> anyhow::Result<HashMap<Uuid, Instant>> {
    let started = Instant::now();
    let mut appends = Vec::with_capacity(invoices);
    for i in 0..invoices {
        let due = started + Duration::from_secs_f64(i as f64 / per_s);
        tokio::time::sleep_until(due.into()).await;
        let store = store.clone();
        appends.push(tokio::spawn(async move {
            let invoice = Uuid::now_v7();
            let events = scratch::lifecycle(tenant, invoice, 1, OffsetDateTime::now_utc());
            store
                .append(
                    &scratch::invoice_stream(invoice),
                    ExpectedVersion::NoStream,
                    &events,
                )
                .await?;
            let at = Instant::now();
            let webhook_events: Vec<(Uuid, Instant)> = events
                .iter()
                .filter(|e| {
                    e.event_type == "invoice.requested" || e.event_type == "invoice.cae_granted"
                })
                .map(|e| (e.event_id, at))
                .collect();
            anyhow::Ok(webhook_events)
        }));
    }
    let mut acked = HashMap::with_capacity(invoices * 2);
    for append in appends {
        acked.extend(append.await.context("an append task panicked")??);
    }
    Ok(acked)
}

/// Waits until `expected` distinct deliveries arrived, or until none arrived for 30 s, printing
/// progress to stderr each second.
async fn wait_for_deliveries(receiver: &Receiver, expected: usize) {
    const STALL: Duration = Duration::from_secs(30);
    let (mut last, mut moved_at) = (0, Instant::now());
    loop {
        let got = receiver.with_tally(|t| t.arrivals.len());
        if got >= expected {
            return;
        }
        if got > last {
            (last, moved_at) = (got, Instant::now());
        } else if moved_at.elapsed() > STALL {
            eprintln!("no delivery for {}s; giving up", STALL.as_secs());
            return;
        }
        eprintln!("received {got} of {expected}");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn figures(args: &Args, load: &Load, receiver: &Receiver) -> Value {
    receiver.with_tally(|tally| {
        let mut latencies: Vec<u64> = tally
            .arrivals
            .iter()
            .filter_map(|(event, at)| {
                let appended = load.appended.get(event)?;
                let lag = at.saturating_duration_since(*appended);
                Some(u64::try_from(lag.as_micros()).unwrap_or(u64::MAX))
            })
            .collect();
        latencies.sort_unstable();
        let unknown = tally.arrivals.len() - latencies.len();
        let last = tally.arrivals.iter().map(|(_, at)| *at).max();
        let span = last.map_or(0.0, |at| at.duration_since(load.started).as_secs_f64());
        let delivered = tally.arrivals.len();
        let per_s = |n: usize, s: f64| if s > 0.0 { (n as f64 / s).round() } else { 0.0 };
        json!({
            "bench": "webhooks",
            "events": load.appended.len(),
            "subscriptions": args.subscriptions,
            "instances": args.instances,
            "feed": match args.feed {
                Feed::Store => "store",
                Feed::Jetstream => "jetstream",
            },
            "receiver_latency_ms": args.receiver_latency_ms,
            "rate_target": args.rate,
            "expected": load.expected,
            "deliveries": delivered,
            "missing": load.expected.saturating_sub(delivered),
            "duplicates": tally.duplicates,
            "bad_signatures": tally.bad_signatures,
            "unknown_events": unknown,
            "appended_per_s": per_s(load.appended.len(), load.appended_in.as_secs_f64()),
            "deliveries_per_s": per_s(delivered, span),
            "event_to_delivery_p50_ms": percentile_ms(&latencies, 50.0),
            "event_to_delivery_p99_ms": percentile_ms(&latencies, 99.0),
            "event_to_delivery_max_ms": latencies.last().map_or(0.0, |&us| us as f64 / 1000.0),
            "wall_s": (span * 10.0).round() / 10.0,
        })
    })
}
