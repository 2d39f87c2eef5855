//! `arca bench arca`: the client against the in-process simulator on loopback. Prints one JSON
//! line: cached-ticket rate, FECAESolicitar invoices/s with batches of 1, 10 and 250, and the
//! p99 of one call.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use time::OffsetDateTime;

use super::demo::consumer_batch;
use crate::certs::{DevBundle, dev_bundle};
use crate::sim::{SimConfig, Simulator};
use crate::wsaa::{SERVICE_WSFE, Ticket, WsaaClient};
use crate::wsfe::{Auth, Outcome, WsfeClient};

/// `arca bench arca` options.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArcaArgs {
    /// Concurrent workers (each on its own point of sale).
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Seconds per scenario.
    #[arg(long, default_value_t = 3.0)]
    pub duration: f64,
}

/// The figures.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub bench: &'static str,
    pub concurrency: usize,
    pub duration_s: f64,
    pub wsaa_cached_tickets_per_s: f64,
    pub batch1_invoices_per_s: f64,
    pub batch10_invoices_per_s: f64,
    pub batch250_invoices_per_s: f64,
    pub batch1_call_p99_ms: f64,
    pub batch250_call_p99_ms: f64,
    pub invoices_approved: u64,
}

/// Runs the benchmark and prints its JSON line.
pub async fn run_bench(args: BenchArcaArgs) -> anyhow::Result<()> {
    let bundle = dev_bundle("20267565393", "bench", None)?;
    let report = measure(&args, &bundle).await?;
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}

/// Runs the benchmark with an existing development bundle.
pub async fn measure(args: &BenchArcaArgs, bundle: &DevBundle) -> anyhow::Result<BenchReport> {
    let cfg = SimConfig {
        trust: vec![bundle.ca.cert.clone()],
        ..SimConfig::default()
    };
    let sim = Simulator::new(cfg)?.start("127.0.0.1:0".parse()?).await?;
    let timeout = Duration::from_secs(30);
    let ticket = WsaaClient::new(sim.wsaa_url(), timeout)?
        .login(&bundle.leaf, SERVICE_WSFE)
        .await?;
    let per = Duration::from_secs_f64(args.duration.max(0.1));
    let cached = cached_ticket_rate(&ticket, per);
    let cuit = ticket
        .relations
        .first()
        .and_then(|c| c.parse().ok())
        .unwrap_or(20_267_565_393);
    let auth = Auth::from_ticket(&ticket, cuit)?;
    let client = WsfeClient::new(sim.wsfe_url(), timeout)?;
    let mut rates = Vec::new();
    let mut p99 = Vec::new();
    let mut approved = 0;
    for (i, size) in [1u64, 10, 250].into_iter().enumerate() {
        let base = u32::try_from(i * 100 + 1)?;
        let (n, lat) = scenario(&client, &auth, args.concurrency.max(1), size, base, per).await?;
        approved += n;
        rates.push(n as f64 / per.as_secs_f64());
        p99.push(percentile(lat, 0.99));
    }
    Ok(BenchReport {
        bench: "arca",
        concurrency: args.concurrency,
        duration_s: per.as_secs_f64(),
        wsaa_cached_tickets_per_s: cached,
        batch1_invoices_per_s: rates[0],
        batch10_invoices_per_s: rates[1],
        batch250_invoices_per_s: rates[2],
        batch1_call_p99_ms: p99[0],
        batch250_call_p99_ms: p99[2],
        invoices_approved: approved,
    })
}

/// How fast a process hands out its cached, still-valid ticket.
fn cached_ticket_rate(ticket: &Ticket, per: Duration) -> f64 {
    let cache = std::sync::Mutex::new(Some(ticket.clone()));
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < per {
        let now = OffsetDateTime::now_utc();
        let hit = cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .filter(|t| t.valid_at(now, time::Duration::minutes(5)))
            .map(|t| t.token.len());
        n += u64::from(hit.is_some());
    }
    n as f64 / start.elapsed().as_secs_f64()
}

async fn scenario(
    client: &WsfeClient,
    auth: &Auth,
    workers: usize,
    size: u64,
    base: u32,
    per: Duration,
) -> anyhow::Result<(u64, Vec<f64>)> {
    let client = Arc::new(client.clone());
    let mut tasks = Vec::new();
    for w in 0..workers {
        let (client, auth) = (client.clone(), auth.clone());
        let pos = base + u32::try_from(w)?;
        tasks.push(tokio::spawn(async move {
            let deadline = Instant::now() + per;
            let (mut next, mut done, mut lat) = (1u64, 0u64, Vec::new());
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let a = client
                    .authorize(&auth, &consumer_batch(pos, next, size))
                    .await?;
                lat.push(t0.elapsed().as_secs_f64() * 1000.0);
                let ok = a
                    .data
                    .and_then(|r| r.header)
                    .is_some_and(|h| h.outcome == Outcome::Approved);
                anyhow::ensure!(
                    ok,
                    "batch starting at {next} on point of sale {pos} was not approved: {:?}",
                    a.errors
                );
                next += size;
                done += size;
            }
            anyhow::Ok((done, lat))
        }));
    }
    let (mut total, mut lat) = (0, Vec::new());
    for t in tasks {
        let (n, l) = t.await??;
        total += n;
        lat.extend(l);
    }
    Ok((total, lat))
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let idx = ((v.len() as f64 * p).ceil() as usize).clamp(1, v.len()) - 1;
    v[idx]
}
