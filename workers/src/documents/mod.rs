//! The documents engine: every authorized invoice and note rendered as a PDF
//! ([`documents::render`]), stored once ([`storage::DocumentStore`]) and recorded on the
//! invoice's stream (`invoice.document_issued`), so that any stored PDF can be checked against
//! the log ([`verify`]).
//!
//! - [`DocumentsIntake`]: a checkpointed feed of the log that owes each CAE a job row;
//! - [`DocumentEngine`]: claims due jobs, renders, stores, records, and retries what failed
//!   (a store outage, a restart) until the document is recorded.

mod engine;
mod intake;
pub mod jobs;
mod metrics;
pub mod verify;
mod voucher;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use domain::series::Environment;
use eventstore::PgEventStore;
use secrecy::{ExposeSecret as _, SecretString};
use storage::{DocumentStore, StoreConfig};

pub use engine::{DocumentEngine, EngineParts, IssueError, Issued, Round};
pub use intake::{DocumentsIntake, INTAKE};
pub use metrics::DocumentMetrics;
pub use voucher::{NotPrintable, voucher};

use crate::WorkerMetrics;
use crate::feeds::{self, FeedSetup};

/// Postgres connections of the renderer (claims, stream reads, appends).
const RENDER_POOL: u32 = 4;

/// How documents are rendered and where they are stored.
#[derive(Debug, Clone)]
pub struct DocumentsConfig {
    /// Where PDFs are stored.
    pub store: StoreConfig,
    /// The ARCA environment (a segment of every key).
    pub environment: Environment,
    /// The URL the printed QR starts with.
    pub qr_base_url: String,
    /// PDFs rendered and stored at once, per instance.
    pub concurrency: usize,
}

/// Feeds the jobs from the log until `shutdown` resolves.
///
/// # Errors
/// Postgres or NATS unusable at start-up.
pub async fn run_intake(
    feed: &FeedSetup,
    metrics: &WorkerMetrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    feeds::run_projector(feed, metrics, DocumentsIntake::new(), shutdown).await
}

/// Renders and stores due documents until `shutdown` resolves.
///
/// # Errors
/// Postgres unreachable at start-up, or a store that cannot be opened.
pub async fn run_engine(
    database_url: &SecretString,
    config: &DocumentsConfig,
    metrics: &WorkerMetrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let events = PgEventStore::connect(database_url.expose_secret(), RENDER_POOL)
        .await
        .context("connecting the documents engine to Postgres (ARCA_DATABASE_URL)")?;
    let pool = events.pool().clone();
    let store = DocumentStore::open(&config.store)
        .context("opening the document store (ARCA_DOCUMENTS_DIR or ARCA_DOCUMENTS_S3_*)")?;
    let engine = DocumentEngine::new(EngineParts {
        pool: pool.clone(),
        events: Arc::new(events),
        store,
        config: config.clone(),
        commands: metrics.commands.clone(),
        metrics: Some(DocumentMetrics::observe(&metrics.exporter, pool)?),
    });
    tracing::info!(store = %describe(&config.store), "documents engine started");
    engine.run(shutdown).await;
    Ok(())
}

/// Where documents go, for a log line (never a secret).
#[must_use]
pub fn describe(store: &StoreConfig) -> String {
    match store {
        StoreConfig::Local { dir } => format!("directory {}", dir.display()),
        StoreConfig::S3(s3) => format!("bucket {} at {}", s3.bucket, s3.endpoint),
    }
}
