//! Fixtures: invoices appended through the real store, projected by the real projector, and
//! queried through the GraphQL schema as a tenant.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use domain::aggregate::{Aggregate as _, Context, DomainEvent as _};
use domain::invoice::{
    ArcaMessage, CaeGranted, Invoice, InvoiceEvent, InvoiceNumberAssigned, InvoiceRejected,
    InvoiceSubmitted, RequestInvoice,
};
use domain::testing::NOW;
use domain::{EventMetadata, GlobalPosition, InvoiceId, NewEvent, RecordedEvent, TenantId};
use eventstore::{EventStore, ExpectedVersion, PgEventStore, ReadOptions};
use projections::graphql::{self, Limits, ReadContext, ReadSchema};
use projections::{GlobalLog, InvoiceHistory, InvoicesProjector, ProjectionError, Runner};
use serde_json::Value;
use sqlx::PgPool;
use time::OffsetDateTime;
use time::macros::date;
use uuid::Uuid;

/// The global log and the invoice streams over the real Postgres store, counting the reads of
/// invoice streams (one per `events` call, one per `events_of_many` call).
#[derive(Clone)]
pub struct Store(pub PgEventStore, pub Arc<AtomicU64>);

#[async_trait]
impl GlobalLog for Store {
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

#[async_trait]
impl InvoiceHistory for Store {
    async fn events(
        &self,
        tenant: TenantId,
        invoice: InvoiceId,
        as_of: Option<OffsetDateTime>,
    ) -> Result<Vec<RecordedEvent>, ProjectionError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        let options = ReadOptions {
            as_of,
            ..ReadOptions::default()
        };
        self.0
            .read_stream(tenant, &Invoice::stream_id(invoice), options)
            .await
            .map_err(ProjectionError::stream)
    }

    async fn events_of_many(
        &self,
        tenant: TenantId,
        invoices: &[InvoiceId],
    ) -> Result<Vec<Vec<RecordedEvent>>, ProjectionError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        let streams: Vec<_> = invoices.iter().map(|id| Invoice::stream_id(*id)).collect();
        self.0
            .read_streams(tenant, &streams)
            .await
            .map_err(ProjectionError::stream)
    }
}

/// How far an invoice gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Requested,
    Authorized,
    Rejected,
}

pub struct Env {
    pub pool: PgPool,
    store: Store,
    pub tenant_a: TenantId,
    pub tenant_b: TenantId,
    numbers: AtomicU64,
    last: std::sync::Mutex<GlobalPosition>,
}

impl Env {
    pub fn new(pool: &PgPool) -> Self {
        Self {
            pool: pool.clone(),
            store: Store(PgEventStore::new(pool.clone()), Arc::default()),
            tenant_a: TenantId(Uuid::new_v4()),
            tenant_b: TenantId(Uuid::new_v4()),
            numbers: AtomicU64::new(1),
            last: std::sync::Mutex::new(GlobalPosition::START),
        }
    }

    /// Invoice stream reads the schema made so far.
    pub fn stream_reads(&self) -> u64 {
        self.store.1.load(Ordering::SeqCst)
    }

    /// The schema over this database, with `limits`.
    pub fn schema(&self, limits: Limits) -> ReadSchema {
        let context = ReadContext {
            pool: self.pool.clone(),
            history: Arc::new(self.store.clone()),
        };
        graphql::schema(context, limits)
    }

    /// Appends `request` (decided at [`NOW`]) for `tenant`, then the events of `lifecycle`, one
    /// append per event as the saga would; returns the invoice id.
    pub async fn invoice(
        &self,
        tenant: TenantId,
        request: RequestInvoice,
        lifecycle: Lifecycle,
    ) -> anyhow::Result<Uuid> {
        let id = InvoiceId(Uuid::new_v4());
        let number = self.numbers.fetch_add(1, Ordering::Relaxed);
        let request = RequestInvoice {
            invoice_id: id,
            ..request
        };
        let mut events = Invoice::default()
            .decide(request.into(), &Context::new(NOW))
            .map_err(|e| anyhow::anyhow!("request refused: {e:?}"))?;
        let submitted = || {
            [
                InvoiceEvent::NumberAssigned(InvoiceNumberAssigned { number }),
                InvoiceEvent::Submitted(InvoiceSubmitted {
                    number,
                    request_hash: "00".repeat(32),
                    submitted_at: NOW,
                }),
            ]
        };
        match lifecycle {
            Lifecycle::Requested => {}
            Lifecycle::Authorized => {
                events.extend(submitted());
                events.push(InvoiceEvent::CaeGranted(CaeGranted {
                    number,
                    cae: format!("7123456789{number:04}"),
                    cae_due_date: date!(2025 - 07 - 11),
                    observations: vec![],
                }));
            }
            Lifecycle::Rejected => {
                events.extend(submitted());
                events.push(InvoiceEvent::Rejected(InvoiceRejected {
                    errors: vec![ArcaMessage {
                        code: 10016,
                        message: "El numero o fecha del comprobante no se corresponde".into(),
                    }],
                    observations: vec![],
                }));
            }
        }
        for event in events {
            self.append(tenant, id, &event).await?;
        }
        Ok(id.as_uuid())
    }

    /// Appends one more event to an invoice's stream.
    pub async fn append(
        &self,
        tenant: TenantId,
        id: InvoiceId,
        event: &InvoiceEvent,
    ) -> anyhow::Result<()> {
        let new = NewEvent {
            event_id: Uuid::new_v4(),
            event_type: event.event_type().to_owned(),
            schema_version: event.schema_version(),
            data: event.to_data(),
            metadata: EventMetadata::for_tenant(tenant),
        };
        let outcome = self
            .store
            .0
            .append(&Invoice::stream_id(id), ExpectedVersion::Any, &[new])
            .await?;
        let mut last = self.last.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        *last = (*last).max(outcome.position);
        Ok(())
    }

    /// The stored events of an invoice.
    pub async fn stream(&self, tenant: TenantId, id: Uuid) -> anyhow::Result<Vec<RecordedEvent>> {
        Ok(self.store.events(tenant, InvoiceId(id), None).await?)
    }

    /// Projects everything appended so far into `rm`.
    pub async fn project(&self) -> anyhow::Result<()> {
        let target = *self.last.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
        let runner = Runner::new(
            self.pool.clone(),
            InvoicesProjector::new(),
            self.store.clone(),
        );
        let deadline = Instant::now() + Duration::from_secs(30);
        while runner.checkpoint().await? < target {
            anyhow::ensure!(Instant::now() < deadline, "projection stuck");
            if runner.run_once().await? == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        Ok(())
    }
}

/// Runs `query` as `tenant` and returns the response as JSON (`data`, `errors`).
pub async fn run(schema: &ReadSchema, tenant: TenantId, query: &str) -> Value {
    let response = graphql::execute(schema, tenant, async_graphql::Request::new(query)).await;
    serde_json::to_value(&response).unwrap_or_default()
}

/// The `extensions.code` of the first error, if any.
pub fn first_code(answer: &Value) -> Option<&str> {
    answer["errors"][0]["extensions"]["code"].as_str()
}
