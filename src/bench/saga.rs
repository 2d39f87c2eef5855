//! `arca bench saga`: invoices requested through the REST API to their CAE, end to end, against
//! the in-process simulator: several saga instances, three issuers × three points of sale × two
//! voucher types, optional faults. Prints invoices/s, request→CAE p50/p99, reconciliations and
//! the simulator ledger's verdict (no gap, no duplicate, one voucher per authorized invoice).

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use arca_ws::certs::dev_ca;
use arca_ws::sim::{FaultMode, FaultSpec, SimConfig, Simulator};
use commands::ports::SystemClock;
use domain::aggregate::Context;
use domain::series::Environment;
use eventstore::{EventStore, GroupCommit, PgEventStore};
use futures::StreamExt as _;
use secrecy::ExposeSecret as _;
use serde_json::{Value, json};
use uuid::Uuid;

use super::scratch;
use crate::metrics::Metrics;
use crate::projections::StoreLog;
use crate::saga::{DevCa, Endpoints, instance};
use crate::server::{ApiConfig, router};
use crate::settings::Settings;

/// Issuers of the run (responsables inscriptos, valid CUITs).
const ISSUERS: [&str; 3] = ["20267565393", "20111111112", "30500010912"];
/// Faults the simulator injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Faults {
    /// Every call answered.
    None,
    /// Three FECAESolicitar answers dropped after ARCA authorized (each reconciled), and two
    /// FECompConsultar calls failing with HTTP 500 on the way.
    All,
}

/// Options of `arca bench saga`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Invoices to request.
    #[arg(long, default_value_t = 2_000)]
    count: usize,
    /// Requests in flight.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Saga instances (each its own leases and ARCA client).
    #[arg(long, default_value_t = 2)]
    instances: usize,
    /// Faults to inject.
    #[arg(long, value_enum, default_value = "none")]
    faults: Faults,
}

/// Runs the benchmark on a scratch database next to ARCA_DATABASE_URL's, dropped at the end.
///
/// # Errors
/// Set-up failures, or invoices that never reached their end.
pub async fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    if args.count == 0 || args.concurrency == 0 || args.instances == 0 {
        bail!("--count, --concurrency and --instances must be positive");
    }
    let url = scratch::with_database(
        settings.database_url.expose_secret(),
        &format!("arca_bench_saga_{}", Uuid::new_v4().simple()),
    )?;
    scratch::create_and_migrate(&url).await?;
    let outcome = measure(settings, &url, &args).await;
    if std::env::var_os("ARCA_BENCH_KEEP").is_none() {
        scratch::drop_database(&url).await?;
    } else {
        eprintln!("kept {url}");
    }
    println!("{}", outcome?);
    Ok(())
}

async fn measure(settings: &Settings, url: &str, args: &Args) -> anyhow::Result<Value> {
    let store = PgEventStore::connect_with(
        url,
        32,
        GroupCommit {
            writers: 4,
            max_batch: 64,
        },
    )
    .await
    .context("connecting to the scratch database")?;
    let pool = store.pool().clone();
    let ca = dev_ca()?;
    let config = SimConfig {
        trust: vec![ca.cert.clone()],
        ..SimConfig::default()
    };
    let sim = Simulator::new(config)?
        .start("127.0.0.1:0".parse()?)
        .await?;
    let events: Arc<dyn EventStore> = Arc::new(store.clone());
    let mut api = ApiConfig::from_settings(settings)?;
    api.environment = Environment::Sim;
    api.sealing_key = arca_ws::credentials::SealingKey::derive_dev("bench");
    let app = router(
        Arc::clone(&events),
        pool.clone(),
        Arc::new(SystemClock),
        &api,
        &Metrics::new()?,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(async move { axum::serve(listener, app).await });
    let ctx = Context {
        now: time::OffsetDateTime::now_utc(),
        policy: api.policy.clone(),
    };
    let key = commands::tenants::create_tenant(&events, &ctx, "bench")
        .await?
        .token;
    let client = reqwest::Client::new();
    register(&client, &base, &key).await?;

    let projection = projections::Runner::new(
        pool.clone(),
        projections::InvoicesProjector::new(),
        StoreLog(store.clone()),
    );
    let read_model = tokio::spawn(async move { projection.run(std::future::pending()).await });
    let source: Arc<dyn crate::saga::CredentialSource> = Arc::new(DevCa::new(ca));
    let endpoints = Endpoints {
        wsaa_url: sim.wsaa_url(),
        wsfe_url: sim.wsfe_url(),
        answer_within: Duration::from_secs(2),
    };
    let mut workers = Vec::new();
    for _ in 0..args.instances {
        let mut worker = instance(
            &store,
            Environment::Sim,
            &endpoints,
            Arc::clone(&source),
            commands::CommandMetrics::register(&prometheus::Registry::new())?,
            None,
        )?;
        workers.push(tokio::spawn(async move {
            loop {
                let idle = !matches!(worker.step().await, Ok(s) if s.events > 0 || s.series > 0);
                if idle {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }));
    }
    if args.faults == Faults::All {
        let spec = |mode, times| FaultSpec {
            mode,
            times: Some(times),
            ..FaultSpec::default()
        };
        sim.sim
            .faults()
            .set("FECAESolicitar", spec(FaultMode::DropResponse, 3));
        sim.sim
            .faults()
            .set("FECompConsultar", spec(FaultMode::Http500, 2));
    }
    let started = Instant::now();
    let failures = request_all(&client, &base, &key, args).await;
    let posted = started.elapsed();
    if args.faults == Faults::All {
        let timeout = FaultSpec {
            mode: FaultMode::Timeout,
            times: Some(1),
            ..FaultSpec::default()
        };
        sim.sim.faults().set("FECAESolicitar", timeout);
    }
    let settled = match failures {
        0 => wait_until_final(&pool, args.count).await,
        n => Err(anyhow::anyhow!("{n} requests were not accepted")),
    };
    let total = started.elapsed();
    for worker in &workers {
        worker.abort();
    }
    server.abort();
    read_model.abort();
    if let Err(error) = settled {
        pool.close().await;
        return Err(error);
    }
    let report = figures(&pool, args, posted, total, &sim).await;
    pool.close().await;
    report
}

/// The three issuers, each with points of sale 1..=3.
async fn register(client: &reqwest::Client, base: &str, key: &str) -> anyhow::Result<()> {
    for cuit in ISSUERS {
        let body = json!({"cuit": cuit, "legal_name": "Bench SA", "iva_condition": "responsable_inscripto"});
        let answer = client
            .post(format!("{base}/v1/taxpayers"))
            .bearer_auth(key)
            .json(&body)
            .send()
            .await?;
        ensure!(
            answer.status().is_success(),
            "registering {cuit}: {}",
            answer.text().await?
        );
        for pos in 1..=3 {
            let answer = client
                .post(format!("{base}/v1/taxpayers/{cuit}/points-of-sale"))
                .bearer_auth(key)
                .json(&json!({"number": pos}))
                .send()
                .await?;
            ensure!(
                answer.status().is_success(),
                "point of sale {pos} of {cuit}"
            );
        }
    }
    Ok(())
}

/// Factura A or B, dated today, of issuer/point of sale/type chosen round robin.
fn body(i: usize) -> Value {
    let cuit = ISSUERS[i % 3];
    let pos = (i / 3) % 3 + 1;
    let item = json!({"description": "Yerba mate 1kg", "quantity": "2", "unit_price": "3500.00", "iva_rate": "21"});
    if (i / 9).is_multiple_of(2) {
        json!({"issuer_cuit": cuit, "point_of_sale": pos, "voucher_type": 6, "concept": 1,
               "receiver": {"document_type": 99, "document_number": "0", "iva_condition": 5},
               "items": [item]})
    } else {
        json!({"issuer_cuit": cuit, "point_of_sale": pos, "voucher_type": 1, "concept": 1,
               "receiver": {"document_type": 80, "document_number": "30000000007", "name": "Cliente SA", "iva_condition": 1},
               "items": [item]})
    }
}

/// POSTs every invoice, `concurrency` at a time; answers how many were not accepted.
async fn request_all(client: &reqwest::Client, base: &str, key: &str, args: &Args) -> usize {
    futures::stream::iter(0..args.count)
        .map(|i| {
            let request = client
                .post(format!("{base}/v1/invoices"))
                .bearer_auth(key)
                .json(&body(i));
            async move {
                request
                    .send()
                    .await
                    .map(|r| r.status().as_u16() == 202)
                    .unwrap_or(false)
            }
        })
        .buffer_unordered(args.concurrency)
        .filter(|accepted| std::future::ready(!accepted))
        .count()
        .await
}

async fn wait_until_final(pool: &sqlx::PgPool, count: usize) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120 + count as u64 / 50);
    loop {
        let (total, open): (i64, i64) = sqlx::query_as(
            "select count(*), count(*) filter (where status not in ('authorized', 'rejected')) \
             from rm.invoices",
        )
        .fetch_one(pool)
        .await?;
        if total == i64::try_from(count)? && open == 0 {
            return Ok(());
        }
        ensure!(
            Instant::now() < deadline,
            "{open} of {total} invoices never reached their end"
        );
        eprintln!("waiting: {open} of {total} invoices in flight");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn figures(
    pool: &sqlx::PgPool,
    args: &Args,
    posted: Duration,
    total: Duration,
    sim: &arca_ws::sim::RunningSim,
) -> anyhow::Result<Value> {
    let (authorized, rejected, p50, p99, span): (i64, i64, f64, f64, f64) = sqlx::query_as(
        "select count(*) filter (where status = 'authorized'), \
                count(*) filter (where status = 'rejected'), \
                coalesce(percentile_cont(0.5) within group (order by extract(epoch from authorized_at - requested_at)), 0)::float8 * 1000, \
                coalesce(percentile_cont(0.99) within group (order by extract(epoch from authorized_at - requested_at)), 0)::float8 * 1000, \
                coalesce(extract(epoch from max(authorized_at) - min(requested_at)), 0)::float8 \
         from rm.invoices",
    )
    .fetch_one(pool)
    .await?;
    let (reconciliations, recovered): (i64, i64) = sqlx::query_as(
        "select count(*) filter (where event_type = 'series.blocked'), \
                coalesce(sum(jsonb_array_length(data -> 'numbers')) filter (where event_type = 'series.numbers_recovered'), 0)::int8 \
         from es.events",
    )
    .fetch_one(pool)
    .await?;
    let ledger = sim.sim.ledger_report();
    let vouchers: usize = ledger.iter().map(|s| s.count).sum();
    let clean = ledger
        .iter()
        .all(|s| s.gaps.is_empty() && s.duplicates.is_empty());
    let verdict = if clean && i64::try_from(vouchers)? == authorized {
        "ok"
    } else {
        "mismatch"
    };
    Ok(json!({
        "bench": "saga",
        "count": args.count,
        "concurrency": args.concurrency,
        "instances": args.instances,
        "faults": format!("{:?}", args.faults).to_lowercase(),
        "series": ledger.len(),
        "accepted_per_s": (args.count as f64 / posted.as_secs_f64()).round(),
        "authorized_per_s": if span > 0.0 { (authorized as f64 / span).round() } else { 0.0 },
        "request_to_cae_p50_ms": (p50 * 10.0).round() / 10.0,
        "request_to_cae_p99_ms": (p99 * 10.0).round() / 10.0,
        "authorized": authorized,
        "rejected": rejected,
        "reconciliations": reconciliations,
        "recovered": recovered,
        "ledger_vouchers": vouchers,
        "ledger": verdict,
        "wall_s": (total.as_secs_f64() * 10.0).round() / 10.0,
    }))
}
