//! Fixtures: invoices appended through the real store, and the global log port over it.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::invoice::{
    ArcaMessage, CaeGranted, DocumentIssued, InvoiceEvent, InvoiceNumberAssigned,
    InvoiceNumberReleased, InvoiceRejected, InvoiceSubmitted, RequestInvoice,
    SubmissionOutcomeUnknown,
};
use domain::testing::{NOW, factura_a, requested};
use domain::{
    DomainEvent, EventMetadata, GlobalPosition, InvoiceId, NewEvent, RecordedEvent, TenantId,
    invoice::Invoice,
};
use eventstore::{EventStore, ExpectedVersion, PgEventStore};
use projections::{GlobalLog, InvoicesProjector, ProjectionError, Runner};
use sqlx::PgPool;
use time::macros::date;
use uuid::Uuid;

/// The global log over the real Postgres store.
pub struct StoreLog(PgEventStore);

impl StoreLog {
    pub fn new(pool: &PgPool) -> Self {
        Self(PgEventStore::new(pool.clone()))
    }
}

#[async_trait]
impl GlobalLog for StoreLog {
    async fn read_after(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, ProjectionError> {
        self.0
            .read_all(after, limit)
            .await
            .map_err(ProjectionError::log)
    }
}

pub fn runner(pool: &PgPool, projector: InvoicesProjector) -> Runner<InvoicesProjector, StoreLog> {
    Runner::new(pool.clone(), projector, StoreLog::new(pool))
}

/// Every row of `<schema>.invoices` as JSON text, by invoice id.
pub async fn invoice_rows(pool: &PgPool, schema: &str) -> sqlx::Result<Vec<String>> {
    let sql = format!("select to_jsonb(i)::text from {schema}.invoices i order by invoice_id");
    sqlx::query_scalar(&sql).fetch_all(pool).await
}

/// How far an invoice gets.
#[derive(Debug, Clone, Copy)]
pub enum Lifecycle {
    Requested,
    Numbered,
    Authorized,
    Rejected,
    Unknown,
    UnknownThenAuthorized,
    /// Numbered, then the number released (a batch failed before it).
    Released,
    /// Numbered, released, then numbered again (1000 higher).
    Renumbered,
    /// Authorized, then its PDF recorded with template 1 and again with template 2.
    Documented,
}

/// The document of invoice number `number` rendered with `template`.
pub fn document(number: u64, template: &str) -> DocumentIssued {
    DocumentIssued {
        sha256: format!("{number:0>62}{template:0>2}"),
        bytes: 1_000 + number,
        key: format!("t/sim/20111111112/00001-001-{number:08}.v{template}.pdf"),
        template_version: template.to_owned(),
    }
}

pub struct Fixture {
    store: PgEventStore,
    pub tenant_a: TenantId,
    pub tenant_b: TenantId,
    numbers: AtomicU64,
    last: Mutex<GlobalPosition>,
}

impl Fixture {
    pub fn new(pool: &PgPool) -> Self {
        Self {
            store: PgEventStore::new(pool.clone()),
            tenant_a: TenantId(Uuid::new_v4()),
            tenant_b: TenantId(Uuid::new_v4()),
            numbers: AtomicU64::new(1),
            last: Mutex::new(GlobalPosition::START),
        }
    }

    /// Position of the last event appended so far.
    pub fn last(&self) -> GlobalPosition {
        self.last.lock().map(|p| *p).unwrap_or_default()
    }

    /// Appends a Factura A of `tenant` and the events of `lifecycle`, one append per event (as
    /// the saga would); returns the invoice id.
    pub async fn invoice(&self, tenant: TenantId, lifecycle: Lifecycle) -> anyhow::Result<Uuid> {
        self.invoice_of(tenant, lifecycle, factura_a()).await
    }

    /// Like [`Fixture::invoice`] for another request (its id is replaced by a fresh one).
    pub async fn invoice_of(
        &self,
        tenant: TenantId,
        lifecycle: Lifecycle,
        request: RequestInvoice,
    ) -> anyhow::Result<Uuid> {
        let id = InvoiceId(Uuid::new_v4());
        let number = self.numbers.fetch_add(1, Ordering::Relaxed);
        let mut events = requested(RequestInvoice {
            invoice_id: id,
            ..request
        });
        let numbered = InvoiceEvent::NumberAssigned(InvoiceNumberAssigned { number });
        let submitted = InvoiceEvent::Submitted(InvoiceSubmitted {
            number,
            request_hash: "00".repeat(32),
            submitted_at: NOW,
        });
        let granted = InvoiceEvent::CaeGranted(CaeGranted {
            number,
            cae: "71234567890123".into(),
            cae_due_date: date!(2025 - 07 - 11),
            observations: vec![],
        });
        let unknown = InvoiceEvent::OutcomeUnknown(SubmissionOutcomeUnknown {
            reason: "timeout".into(),
        });
        let rejected = InvoiceEvent::Rejected(InvoiceRejected {
            errors: vec![ArcaMessage {
                code: 10016,
                message: "El numero o fecha del comprobante no se corresponde".into(),
            }],
            observations: vec![],
        });
        let released = InvoiceEvent::NumberReleased(InvoiceNumberReleased {
            number,
            reason: "an earlier voucher of the batch was rejected".into(),
        });
        let renumbered = InvoiceEvent::NumberAssigned(InvoiceNumberAssigned {
            number: number + 1000,
        });
        let after_submit = match lifecycle {
            Lifecycle::Requested => vec![],
            Lifecycle::Numbered => vec![numbered],
            Lifecycle::Authorized => vec![numbered, submitted, granted],
            Lifecycle::Rejected => vec![numbered, submitted, rejected],
            Lifecycle::Unknown => vec![numbered, submitted, unknown],
            Lifecycle::UnknownThenAuthorized => vec![numbered, submitted, unknown, granted],
            Lifecycle::Released => vec![numbered, released],
            Lifecycle::Renumbered => vec![numbered, released, renumbered],
            Lifecycle::Documented => vec![
                numbered,
                submitted,
                granted,
                InvoiceEvent::DocumentIssued(document(number, "1")),
                InvoiceEvent::DocumentIssued(document(number, "2")),
            ],
        };
        events.extend(after_submit);
        let stream = Invoice::stream_id(id);
        for event in events {
            let new = NewEvent {
                event_id: Uuid::new_v4(),
                event_type: event.event_type().to_owned(),
                schema_version: event.schema_version(),
                data: event.to_data(),
                metadata: EventMetadata::for_tenant(tenant),
            };
            let outcome = self
                .store
                .append(&stream, ExpectedVersion::Any, &[new])
                .await?;
            let mut last = self.last.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
            *last = (*last).max(outcome.position);
        }
        Ok(id.as_uuid())
    }
}

/// Runs batches until the runner's checkpoint reaches `target` (other tests' transactions can
/// hold the store's watermark back for a moment, so an empty read is not "caught up").
pub async fn drain(
    runner: &Runner<InvoicesProjector, StoreLog>,
    target: GlobalPosition,
) -> anyhow::Result<usize> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut total = 0;
    while runner.checkpoint().await? < target {
        anyhow::ensure!(
            Instant::now() < deadline,
            "projection stuck before {target:?}"
        );
        match runner.run_once().await? {
            0 => tokio::time::sleep(Duration::from_millis(5)).await,
            n => total += n,
        }
    }
    Ok(total)
}

/// The whole log up to `target`, read in one batch once it is visible.
pub async fn log_up_to(
    pool: &PgPool,
    target: GlobalPosition,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let batch = StoreLog::new(pool)
            .read_after(GlobalPosition::START, 1_000)
            .await?;
        if batch.last().is_some_and(|e| e.position >= target) {
            return Ok(batch);
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "log not visible up to {target:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
