//! `arca bench commands`: requests/s and latency of `POST /v1/invoices`.

use std::{
    collections::BTreeMap,
    time::{Duration, Instant},
};

use anyhow::{Context as _, bail};
use serde_json::json;
use time::{OffsetDateTime, UtcOffset};

use super::stats::percentile_ms;
use crate::settings::Settings;

/// Options of `arca bench commands`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Base URL of a running `arca serve`.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// How long to run, in seconds.
    #[arg(long, default_value_t = 10)]
    duration: u64,
}

const ISSUER: &str = "20267565393";

/// Creates a tenant (directly in the store), an issuer and a point of sale over HTTP, then keeps
/// `concurrency` requests in flight for `duration` seconds.
///
/// # Errors
/// When the set-up fails; request failures during the run are counted, not raised.
pub async fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.duration == 0 {
        bail!("--concurrency and --duration must be positive");
    }
    let key = crate::cli::create_tenant(settings, "bench").await?.token;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(10))
        .build()?;
    setup_issuer(&client, &args.url, &key).await?;
    let body = invoice_body();
    eprintln!(
        "bench commands: {} in flight for {}s against {}",
        args.concurrency, args.duration, args.url
    );
    let deadline = Instant::now() + Duration::from_secs(args.duration);
    let started = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let (client, url, key, body) =
                (client.clone(), args.url.clone(), key.clone(), body.clone());
            tokio::spawn(async move { worker(client, url, key, body, deadline).await })
        })
        .collect();
    let mut latencies = Vec::new();
    let mut statuses: BTreeMap<String, u64> = BTreeMap::new();
    for handle in workers {
        let (lat, st) = handle.await.context("bench worker panicked")?;
        latencies.extend(lat);
        for (k, v) in st {
            *statuses.entry(k).or_default() += v;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let ok = statuses.get("202").copied().unwrap_or(0);
    let errors: u64 = statuses
        .iter()
        .filter(|(k, _)| *k != "202")
        .map(|(_, v)| v)
        .sum();
    println!(
        "{}",
        json!({
            "bench": "commands",
            "concurrency": args.concurrency,
            "duration_s": elapsed,
            "requests": ok + errors,
            "accepted": ok,
            "errors": errors,
            "requests_per_s": (ok as f64 / elapsed).round(),
            "p50_ms": percentile_ms(&latencies, 50.0),
            "p95_ms": percentile_ms(&latencies, 95.0),
            "p99_ms": percentile_ms(&latencies, 99.0),
            "statuses": statuses,
        })
    );
    Ok(())
}

async fn worker(
    client: reqwest::Client,
    url: String,
    key: String,
    body: serde_json::Value,
    deadline: Instant,
) -> (Vec<u64>, BTreeMap<String, u64>) {
    let mut latencies = Vec::new();
    let mut statuses = BTreeMap::new();
    let endpoint = format!("{url}/v1/invoices");
    while Instant::now() < deadline {
        let start = Instant::now();
        let status = match client
            .post(&endpoint)
            .bearer_auth(&key)
            .json(&body)
            .send()
            .await
        {
            Ok(response) => {
                let status = response.status().as_u16().to_string();
                // Read the body so the connection goes back to the pool.
                drop(response.bytes().await);
                status
            }
            Err(e) if e.is_timeout() => "timeout".to_owned(),
            Err(_) => "transport".to_owned(),
        };
        latencies.push(u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX));
        *statuses.entry(status).or_insert(0) += 1;
    }
    (latencies, statuses)
}

async fn setup_issuer(client: &reqwest::Client, url: &str, key: &str) -> anyhow::Result<()> {
    let calls = [
        (
            format!("{url}/v1/taxpayers"),
            json!({"cuit": ISSUER, "legal_name": "Bench SRL", "iva_condition": "responsable_inscripto"}),
        ),
        (
            format!("{url}/v1/taxpayers/{ISSUER}/points-of-sale"),
            json!({"number": 1, "name": "bench"}),
        ),
    ];
    for (endpoint, body) in calls {
        let response = client
            .post(&endpoint)
            .bearer_auth(key)
            .json(&body)
            .send()
            .await
            .with_context(|| format!("POST {endpoint}: is `arca serve` running at {url}?"))?;
        if !response.status().is_success() {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            bail!("POST {endpoint} answered {status}: {text}");
        }
    }
    Ok(())
}

/// A Factura B to a final consumer, dated today in Argentina.
fn invoice_body() -> serde_json::Value {
    let today = OffsetDateTime::now_utc()
        .to_offset(UtcOffset::from_hms(-3, 0, 0).unwrap_or(UtcOffset::UTC))
        .date();
    json!({
        "issuer_cuit": ISSUER,
        "point_of_sale": 1,
        "voucher_type": 6,
        "concept": 1,
        "issue_date": today.to_string(),
        "receiver": {"document_type": 99, "document_number": "0", "iva_condition": 5},
        "currency": "PES",
        "items": [
            {"description": "Yerba mate 1kg", "quantity": "2", "unit_price": "3500.00", "iva_rate": "21"},
            {"description": "Libro", "quantity": "1", "unit_price": "12000.00", "iva_rate": "exempt"}
        ]
    })
}
