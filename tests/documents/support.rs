//! Fixtures: a world over one test database and a local document store, issuers and authorized
//! invoices appended through the real store, the intake drained to the log's head, and what a
//! person reads of a PDF.

use std::path::Path;
use std::sync::Arc;

use commands::CommandMetrics;
use domain::invoice::Invoice;
use domain::series::Environment;
use domain::taxpayer::Taxpayer;
use domain::testing::ri_taxpayer_events;
use domain::values::Cuit;
use domain::{DomainEvent as _, EventMetadata, InvoiceId, NewEvent, RecordedEvent, TenantId};
use eventstore::{EventStore, ExpectedVersion, PgEventStore, ReadOptions};
use projections::Runner;
use serde_json::json;
use sqlx::PgPool;
use storage::{DocumentStore, StoreConfig};
use time::OffsetDateTime;
use uuid::Uuid;
use workers::documents::{DocumentEngine, DocumentsConfig, DocumentsIntake, EngineParts};
use workers::feeds::StoreLog;

use arca::harness::scratch;

pub const QR_BASE: &str = "https://www.afip.gob.ar/fe/qr/?p=";

pub struct World {
    pub pool: PgPool,
    pub events: Arc<dyn EventStore>,
    pub pg: PgEventStore,
    pub dir: tempfile::TempDir,
}

impl World {
    pub async fn new(pool: PgPool) -> Self {
        let pg = PgEventStore::new(pool.clone());
        Self {
            pool,
            events: Arc::new(pg.clone()),
            pg,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn config(&self, dir: &Path) -> DocumentsConfig {
        DocumentsConfig {
            store: StoreConfig::Local {
                dir: dir.to_path_buf(),
            },
            environment: Environment::Sim,
            qr_base_url: QR_BASE.to_owned(),
            concurrency: 2,
        }
    }

    pub fn store(&self) -> DocumentStore {
        DocumentStore::open(&self.config(self.dir.path()).store).expect("store")
    }

    pub fn engine(&self) -> DocumentEngine {
        self.engine_on(self.config(self.dir.path()))
    }

    pub fn engine_on(&self, config: DocumentsConfig) -> DocumentEngine {
        DocumentEngine::new(EngineParts {
            pool: self.pool.clone(),
            events: self.events.clone(),
            store: DocumentStore::open(&config.store).expect("store"),
            config,
            commands: CommandMetrics::detached(),
            metrics: None,
        })
    }

    /// A tenant with the responsable inscripto issuer of the fixtures (with its address).
    pub async fn tenant(&self) -> TenantId {
        let tenant = TenantId(Uuid::new_v4());
        let cuit = Cuit::parse("20267565393").expect("cuit");
        let events: Vec<NewEvent> = ri_taxpayer_events()
            .iter()
            .map(|e| new_event(tenant, e.event_type(), e.schema_version(), e.to_data()))
            .collect();
        self.pg
            .append(
                &Taxpayer::stream_id(tenant, &cuit),
                ExpectedVersion::NoStream,
                &events,
            )
            .await
            .expect("issuer");
        tenant
    }

    /// An authorized voucher: the harness's Factura B, or what `shape` makes of its request.
    pub async fn authorized(
        &self,
        tenant: TenantId,
        number: u64,
        shape: impl Fn(&mut serde_json::Value),
    ) -> InvoiceId {
        let id = Uuid::new_v4();
        let mut events = scratch::lifecycle(tenant, id, number, OffsetDateTime::now_utc());
        shape(&mut events[0].data);
        self.pg
            .append(
                &scratch::invoice_stream(id),
                ExpectedVersion::NoStream,
                &events,
            )
            .await
            .expect("invoice");
        InvoiceId(id)
    }

    /// The intake run until it has applied the log's last event (other tests' transactions
    /// may hold the log's watermark back for a moment).
    pub async fn intake(&self) {
        let runner = Runner::new(
            self.pool.clone(),
            DocumentsIntake::new(),
            StoreLog(self.pg.clone()),
        );
        scratch::run_to_head(&self.pool, &runner)
            .await
            .expect("intake");
    }

    pub async fn documents_of(&self, tenant: TenantId, invoice: InvoiceId) -> Vec<RecordedEvent> {
        self.events
            .read_stream(tenant, &Invoice::stream_id(invoice), ReadOptions::default())
            .await
            .expect("stream")
            .into_iter()
            .filter(|e| e.event_type == "invoice.document_issued")
            .collect()
    }

    pub async fn jobs(&self) -> Vec<(Uuid, i32, Option<String>)> {
        sqlx::query_as("select invoice_id, attempts, last_error from documents.jobs")
            .fetch_all(&self.pool)
            .await
            .expect("jobs")
    }

    pub async fn make_due(&self) {
        sqlx::query("update documents.jobs set due_at = now()")
            .execute(&self.pool)
            .await
            .expect("due");
    }
}

pub fn new_event(tenant: TenantId, kind: &str, version: u16, data: serde_json::Value) -> NewEvent {
    NewEvent {
        event_id: Uuid::now_v7(),
        event_type: kind.to_owned(),
        schema_version: version,
        data,
        metadata: EventMetadata::for_tenant(tenant),
    }
}

/// The PDF's text as `pdftotext` reads it; `None` when poppler is not installed, unless
/// `ARCA_REQUIRE_PDF_TOOLS=1` (as `ops/test` sets), which makes its absence a failure.
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("voucher.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output();
    match out {
        Ok(out) if out.status.success() => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ if std::env::var("ARCA_REQUIRE_PDF_TOOLS").is_ok_and(|v| v == "1") => {
            panic!("ARCA_REQUIRE_PDF_TOOLS=1 but pdftotext does not run")
        }
        _ => {
            eprintln!("pdftotext is not installed: the page's text is not checked");
            None
        }
    }
}

/// A Nota de Crédito B adjusting Factura B 0001-00000001.
pub fn credit_note(data: &mut serde_json::Value) {
    data["voucher_type"] = json!(8);
    data["associated"] = json!([{"voucher_type": 6, "point_of_sale": 1, "number": 1}]);
}

/// A loopback port with nothing listening on it.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}
