//! The renderer: claims due jobs, renders each invoice from its stream and its issuer's, stores
//! the PDF once and records `invoice.document_issued`, then drops the job. Whatever fails puts
//! the job off with its reason — the obligation stays until the document is recorded.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use commands::CommandMetrics;
use commands::handler::{self, Command, CommandError, EventIds, execute_from};
use documents::{RenderError, TEMPLATE_VERSION, Template};
use domain::invoice::{DocumentIssued, Invoice, InvoiceCommand, RecordDocument};
use domain::taxpayer::{Taxpayer, TaxpayerProfile};
use domain::values::Cuit;
use domain::{Context, EventMetadata, InvoiceId, TenantId};
use eventstore::EventStore;
use futures::StreamExt as _;
use sha2::{Digest as _, Sha256};
use sqlx::PgPool;
use storage::{DocumentStore, StoreError, Stored, VoucherKey};
use time::OffsetDateTime;

use super::DocumentsConfig;
use super::jobs::{self, Job};
use super::metrics::DocumentMetrics;
use super::voucher::{NotPrintable, voucher};

/// Who the engine's events name as their actor.
const ACTOR: &str = "documents:renderer";
/// Jobs claimed per round, per renderer slot.
const CLAIM_PER_SLOT: usize = 32;
/// The pause between rounds that found nothing due.
const IDLE: Duration = Duration::from_millis(250);
/// How long an issuer's profile is trusted before its stream is read again.
const ISSUER_TTL: Duration = Duration::from_secs(30);

/// Why one invoice's document was not issued this time.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The issuer is not registered (its profile prints the header).
    #[error("the issuer {0} is not registered")]
    NoIssuer(Cuit),
    /// The voucher cannot be printed (a CAE no QR can carry).
    #[error("the voucher cannot be printed")]
    NotPrintable(#[from] NotPrintable),
    /// The voucher cannot be rendered.
    #[error("rendering failed")]
    Render(#[from] RenderError),
    /// The store failed or refused.
    #[error("storing failed")]
    Store(#[from] StoreError),
    /// Reading the streams or recording the document failed.
    #[error("the event store failed")]
    Events(#[from] CommandError),
    /// The rendering task died.
    #[error("the rendering task died")]
    Task(#[from] tokio::task::JoinError),
}

/// What became of one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issued {
    /// Rendered, stored and recorded now.
    Recorded,
    /// Its document was recorded already (a job repeated after a crash).
    AlreadyRecorded,
    /// Not printable (never authorized): nothing is owed.
    NotOwed,
}

/// What one round did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Round {
    /// Jobs claimed.
    pub claimed: usize,
    /// Documents recorded (now or before).
    pub issued: usize,
    /// Jobs put off after a failure.
    pub failed: usize,
    /// How long each document recorded now took (render, store, record).
    pub took: Vec<Duration>,
}

/// What the engine is made of.
pub struct EngineParts {
    /// Postgres with `documents.jobs`.
    pub pool: PgPool,
    /// The event store (the invoices' and issuers' streams).
    pub events: Arc<dyn EventStore>,
    /// Where PDFs go.
    pub store: DocumentStore,
    /// Environment, QR base, concurrency.
    pub config: DocumentsConfig,
    /// Commands counted by outcome.
    pub commands: CommandMetrics,
    /// The engine's own metrics, if reported.
    pub metrics: Option<DocumentMetrics>,
}

/// The renderer. Cheap to share behind an `Arc`.
pub struct DocumentEngine {
    parts: EngineParts,
    issuers: Mutex<HashMap<(TenantId, Cuit), (TaxpayerProfile, Instant)>>,
}

impl DocumentEngine {
    /// The engine over `parts`.
    #[must_use]
    pub fn new(parts: EngineParts) -> Self {
        Self {
            parts,
            issuers: Mutex::new(HashMap::new()),
        }
    }

    /// Runs rounds until `shutdown` resolves, pausing briefly when nothing is due.
    pub async fn run(&self, shutdown: impl Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        loop {
            let pause = match self.run_once().await {
                Ok(round) if round.claimed > 0 => Duration::ZERO,
                Ok(_) => IDLE,
                Err(error) => {
                    tracing::warn!(error = %error, "claiming documents to render failed");
                    IDLE * 4
                }
            };
            tokio::select! {
                biased;
                () = &mut shutdown => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// One round: claims what is due and issues each document, `concurrency` at a time.
    ///
    /// # Errors
    /// Postgres failures claiming or settling jobs (a job left claimed comes back after its
    /// lease).
    pub async fn run_once(&self) -> Result<Round, sqlx::Error> {
        let slots = self.parts.config.concurrency.max(1);
        let claimed = jobs::claim(&self.parts.pool, slots * CLAIM_PER_SLOT).await?;
        let mut round = Round {
            claimed: claimed.len(),
            ..Round::default()
        };
        let outcomes: Vec<(Job, Result<Issued, IssueError>, Duration)> =
            futures::stream::iter(claimed)
                .map(|job| async move {
                    let started = Instant::now();
                    let outcome = self.issue(job).await;
                    (job, outcome, started.elapsed())
                })
                .buffer_unordered(slots)
                .collect()
                .await;
        let mut done = Vec::new();
        for (job, outcome, took) in outcomes {
            match outcome {
                Ok(issued) => {
                    self.count(issued);
                    if issued == Issued::Recorded {
                        round.took.push(took);
                    }
                    round.issued += usize::from(issued != Issued::NotOwed);
                    done.push(job.invoice_id);
                }
                Err(error) => {
                    round.failed += 1;
                    self.put_off(job, &error).await?;
                }
            }
        }
        jobs::finish(&self.parts.pool, &done).await?;
        Ok(round)
    }

    async fn put_off(&self, job: Job, error: &IssueError) -> Result<(), sqlx::Error> {
        let after = jobs::RETRY.delay(u32::try_from(job.attempts).unwrap_or(1));
        let reason = infra::Causes(error).to_string();
        tracing::warn!(invoice = %job.invoice_id, attempts = job.attempts, retry_in = ?after,
            error = %reason, "a document was not issued; trying again later");
        if let Some(metrics) = &self.parts.metrics {
            metrics.issued("failed");
        }
        jobs::put_off(&self.parts.pool, job.invoice_id, after, &reason).await
    }

    fn count(&self, issued: Issued) {
        if let Some(metrics) = &self.parts.metrics {
            metrics.issued(match issued {
                Issued::Recorded => "issued",
                Issued::AlreadyRecorded => "already_issued",
                Issued::NotOwed => "not_owed",
            });
        }
    }

    /// Renders, stores and records one invoice's document.
    ///
    /// # Errors
    /// See [`IssueError`].
    #[tracing::instrument(name = "documents.issue", skip_all, fields(invoice = %job.invoice_id))]
    pub async fn issue(&self, job: Job) -> Result<Issued, IssueError> {
        let started = Instant::now();
        let tenant = TenantId(job.tenant_id);
        let id = InvoiceId(job.invoice_id);
        let stream = Invoice::stream_id(id);
        let (invoice, version) =
            handler::load::<Invoice>(&self.parts.events, tenant, &stream).await?;
        if invoice.document(TEMPLATE_VERSION).is_some() {
            return Ok(Issued::AlreadyRecorded);
        }
        let Some(request) = invoice.request() else {
            tracing::warn!("an invoice owed a document was never requested; nothing to print");
            return Ok(Issued::NotOwed);
        };
        let issuer = self.issuer(tenant, request.issuer_cuit).await?;
        let printable = match voucher(&invoice, &issuer, &self.parts.config.qr_base_url) {
            Ok(printable) => printable,
            Err(NotPrintable::NotAuthorized) => {
                tracing::warn!("an invoice owed a document is not authorized; nothing to print");
                return Ok(Issued::NotOwed);
            }
            Err(other) => return Err(other.into()),
        };
        let (number, point_of_sale, voucher_type) = (
            printable.number,
            printable.point_of_sale,
            printable.voucher_type,
        );
        let pdf =
            tokio::task::spawn_blocking(move || documents::render(&printable, Template::CURRENT))
                .await??;
        let tenant_text = job.tenant_id.to_string();
        let key = VoucherKey {
            tenant: &tenant_text,
            environment: self.parts.config.environment.as_str(),
            cuit: request.issuer_cuit.as_u64(),
            point_of_sale,
            voucher_type,
            number,
            template: TEMPLATE_VERSION,
        }
        .key()?;
        let document = DocumentIssued {
            sha256: hex::encode(Sha256::digest(&pdf)),
            bytes: pdf.len() as u64,
            key: key.to_string(),
            template_version: TEMPLATE_VERSION.to_owned(),
        };
        let stored = self.parts.store.put(&key, Bytes::from(pdf)).await?;
        if stored == Stored::AlreadyStored {
            tracing::info!(%key, "the document was stored already (an earlier attempt)");
        }
        self.record(tenant, id, document, (invoice, version))
            .await?;
        if let Some(metrics) = &self.parts.metrics {
            metrics.took(started.elapsed());
        }
        Ok(Issued::Recorded)
    }

    async fn record(
        &self,
        tenant: TenantId,
        id: InvoiceId,
        document: DocumentIssued,
        known: (Invoice, Option<u64>),
    ) -> Result<(), CommandError> {
        let mut metadata = EventMetadata::for_tenant(tenant);
        metadata.actor = Some(ACTOR.to_owned());
        let command = Command::<Invoice> {
            stream: Invoice::stream_id(id),
            command: InvoiceCommand::RecordDocument(RecordDocument(document)),
            metadata,
            expected: None,
            fresh_stream: false,
            event_ids: EventIds::DerivedFrom(id.as_uuid()),
        };
        let ctx = Context::new(OffsetDateTime::now_utc());
        execute_from(
            &self.parts.events,
            &self.parts.commands,
            &ctx,
            command,
            Some(known),
        )
        .await?;
        Ok(())
    }

    /// The issuer's profile, from a short-lived cache or its stream.
    async fn issuer(&self, tenant: TenantId, cuit: Cuit) -> Result<TaxpayerProfile, IssueError> {
        if let Ok(cache) = self.issuers.lock()
            && let Some((profile, read)) = cache.get(&(tenant, cuit))
            && read.elapsed() < ISSUER_TTL
        {
            return Ok(profile.clone());
        }
        let stream = Taxpayer::stream_id(tenant, &cuit);
        let (taxpayer, _) = handler::load::<Taxpayer>(&self.parts.events, tenant, &stream).await?;
        let profile = taxpayer
            .profile()
            .cloned()
            .ok_or(IssueError::NoIssuer(cuit))?;
        if let Ok(mut cache) = self.issuers.lock() {
            cache.insert((tenant, cuit), (profile.clone(), Instant::now()));
        }
        Ok(profile)
    }
}
