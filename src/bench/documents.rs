//! `arca bench documents`: authorized invoices turned into stored, recorded PDFs by the documents
//! engine, on a scratch database.
//!
//! Seeds an issuer and `--count` authorized invoices (the saga's happy path: requested,
//! numbered, submitted, CAE granted) through the real store, lets the intake owe a job per CAE,
//! then times the engine (`--concurrency` renderers) until every document is recorded: PDFs/s,
//! p50/p99 of one PDF (render, store, record), the process's resident memory while it rendered.
//! Documents go to a temporary directory (removed afterwards) unless `--configured-store` sends
//! them where the settings say (`ARCA_DOCUMENTS_DIR` or `ARCA_DOCUMENTS_S3_*`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use commands::CommandMetrics;
use domain::taxpayer::{Taxpayer, TaxpayerEvent, TaxpayerRegistered};
use domain::values::{Cuit, IssuerIvaCondition};
use domain::{DomainEvent as _, EventMetadata, NewEvent, TenantId};
use eventstore::{EventStore, ExpectedVersion, PgEventStore, readings};
use futures::StreamExt as _;
use projections::Runner;
use secrecy::ExposeSecret as _;
use serde_json::json;
use storage::{DocumentStore, StoreConfig};
use time::OffsetDateTime;
use uuid::Uuid;
use workers::documents::{DocumentEngine, DocumentsIntake, EngineParts};
use workers::feeds::StoreLog;

use super::stats::percentile_ms;
use crate::harness::scratch;
use crate::{config, settings::Settings};

/// The scratch database.
const DATABASE: &str = "arca_bench_documents";
/// Invoices appended at once while seeding.
const SEEDERS: usize = 16;

/// Options of `arca bench documents`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Authorized invoices to render, store and record.
    #[arg(long, default_value_t = 3_000)]
    count: usize,
    /// Documents rendered and stored at once (the engine's `documents_concurrency`).
    #[arg(long, default_value_t = 4)]
    concurrency: usize,
    /// Store the PDFs where the settings say instead of a temporary directory.
    #[arg(long)]
    configured_store: bool,
}

/// Seeds the scratch database, then times the engine until every document is recorded.
///
/// # Errors
/// Set-up, seeding or engine failures, or a document left unrecorded.
pub async fn run(settings: &Settings, args: Args) -> anyhow::Result<()> {
    if args.count == 0 || !(1..=64).contains(&args.concurrency) {
        bail!("--count must be positive and --concurrency between 1 and 64");
    }
    let url = scratch::with_database(settings.database_url.expose_secret(), DATABASE)?;
    scratch::drop_database(&url).await?;
    scratch::create_and_migrate(&url).await?;
    let scratch_dir = std::env::temp_dir().join(format!("arca-bench-documents-{}", Uuid::new_v4()));
    let mut documents = config::documents(settings)?;
    if !args.configured_store {
        documents.store = StoreConfig::Local {
            dir: scratch_dir.clone(),
        };
    }
    documents.concurrency = args.concurrency;
    let outcome = measure(&url, &args, documents).await;
    scratch::drop_database(&url).await?;
    if scratch_dir.exists() {
        std::fs::remove_dir_all(&scratch_dir).context("removing the bench's PDFs")?;
    }
    println!("{}", outcome?);
    Ok(())
}

async fn measure(
    url: &str,
    args: &Args,
    documents: workers::documents::DocumentsConfig,
) -> anyhow::Result<serde_json::Value> {
    let pg = PgEventStore::connect(url, 8)
        .await
        .context("connecting to the scratch database")?;
    let tenant = seed(&pg, args.count).await?;
    let intake_started = Instant::now();
    Runner::new(
        pg.pool().clone(),
        DocumentsIntake::new(),
        StoreLog(pg.clone()),
    )
    .catch_up()
    .await?;
    let intake_seconds = intake_started.elapsed().as_secs_f64();

    let events = PgEventStore::connect(url, 4).await?;
    let engine = DocumentEngine::new(EngineParts {
        pool: events.pool().clone(),
        events: Arc::new(events),
        store: DocumentStore::open(&documents.store)?,
        config: documents.clone(),
        commands: CommandMetrics::detached(),
        metrics: None,
    });
    let peak_rss = Arc::new(AtomicU64::new(rss_kib()));
    let sampler = tokio::spawn(sample_rss(peak_rss.clone()));
    eprintln!(
        "bench documents: rendering {} invoices, {} at a time, into {}",
        args.count,
        args.concurrency,
        workers::documents::describe(&documents.store)
    );
    let started = Instant::now();
    let (mut issued, mut failed, mut took) = (0, 0, Vec::with_capacity(args.count));
    loop {
        let round = engine.run_once().await?;
        if round.claimed == 0 {
            break;
        }
        issued += round.issued;
        failed += round.failed;
        took.extend(round.took.iter().map(|d| d.as_micros() as u64));
        if failed > 0 {
            bail!("{failed} document(s) failed; see the log lines above");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    sampler.abort();
    if issued != args.count {
        bail!("{issued} documents recorded of {}", args.count);
    }
    took.sort_unstable();
    let recorded = readings::events_of_types(pg.pool(), &["invoice.document_issued"]).await?;
    let bytes: u64 = recorded
        .iter()
        .filter_map(|e| e.data.get("bytes")?.as_u64())
        .sum();
    Ok(json!({
        "bench": "documents",
        "tenant": tenant.as_uuid(),
        "documents": issued,
        "concurrency": args.concurrency,
        "seconds": round2(seconds),
        "pdfs_per_second": round2(issued as f64 / seconds),
        "p50_ms": percentile_ms(&took, 50.0),
        "p99_ms": percentile_ms(&took, 99.0),
        "avg_pdf_bytes": bytes / issued.max(1) as u64,
        "peak_rss_mb": round2(peak_rss.load(Ordering::Relaxed) as f64 / 1024.0),
        "intake_seconds": round2(intake_seconds),
    }))
}

/// An issuer and `count` authorized invoices of one tenant.
async fn seed(pg: &PgEventStore, count: usize) -> anyhow::Result<TenantId> {
    let tenant = TenantId(Uuid::new_v4());
    let cuit = Cuit::parse("20267565393")?;
    let registered = TaxpayerEvent::Registered(TaxpayerRegistered {
        cuit,
        legal_name: "Empresa de Prueba SA".to_owned(),
        address: Some("Av. Corrientes 1234, Ciudad Autónoma de Buenos Aires".to_owned()),
        iva_condition: IssuerIvaCondition::ResponsableInscripto,
        gross_income_number: Some("901-123456-7".to_owned()),
        activity_start_date: Some(time::macros::date!(2010 - 01 - 01)),
        registered_at: OffsetDateTime::now_utc(),
    });
    let registration = NewEvent {
        event_id: Uuid::now_v7(),
        event_type: registered.event_type().to_owned(),
        schema_version: registered.schema_version(),
        data: registered.to_data(),
        metadata: EventMetadata::for_tenant(tenant),
    };
    pg.append(
        &Taxpayer::stream_id(tenant, &cuit),
        ExpectedVersion::NoStream,
        &[registration],
    )
    .await?;
    let started = Instant::now();
    let now = OffsetDateTime::now_utc();
    let appended: Vec<anyhow::Result<()>> = futures::stream::iter(1..=count)
        .map(|number| async move {
            let id = Uuid::new_v4();
            let mut events = scratch::lifecycle(tenant, id, number as u64, now);
            events[0].data["receiver"]["name"] = json!(format!("Cliente {number}"));
            pg.append(
                &scratch::invoice_stream(id),
                ExpectedVersion::NoStream,
                &events,
            )
            .await?;
            Ok(())
        })
        .buffer_unordered(SEEDERS)
        .collect()
        .await;
    appended.into_iter().collect::<anyhow::Result<Vec<()>>>()?;
    eprintln!(
        "bench documents: seeded {count} authorized invoices in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(tenant)
}

/// Keeps the highest resident set size seen, sampling every 20 ms.
async fn sample_rss(peak: Arc<AtomicU64>) {
    loop {
        peak.fetch_max(rss_kib(), Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The process's resident set size in KiB (0 where /proc is not there).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}
