//! Fixtures: streams appended through the real store, a PDF in a document store of its own, the
//! outbox projector drained from the store's log, and a sender drained until nothing is due.

use std::sync::Arc;
use std::time::Duration;

use anyhow::ensure;
use arca::harness::scratch;
use bytes::Bytes;
use domain::invoice::{
    CaeGranted, DocumentIssued, Invoice, InvoiceEvent, InvoiceSubmitted, RequestInvoice,
};
use domain::taxpayer::Taxpayer;
use domain::testing::{factura_b, requested, ri_taxpayer_events};
use domain::values::EmailAddress;
use domain::{DomainEvent, EventMetadata, InvoiceId, NewEvent, StreamId, TenantId};
use eventstore::{EventStore, ExpectedVersion, PgEventStore};
use infra::Backoff;
use mail::{Mailer, SmtpConfig, TlsMode};
use projections::Runner;
use sqlx::PgPool;
use storage::{DocumentKey, DocumentStore, StoreConfig};
use time::macros::date;
use uuid::Uuid;
use workers::feeds::StoreLog;
use workers::mail::{MailOutbox, MailSender, SendConfig, SenderParts};

pub async fn append<E: DomainEvent>(
    pool: &PgPool,
    tenant: TenantId,
    stream: &StreamId,
    events: &[E],
) -> anyhow::Result<()> {
    let new: Vec<NewEvent> = events
        .iter()
        .map(|event| NewEvent {
            event_id: Uuid::new_v4(),
            event_type: event.event_type().to_owned(),
            schema_version: event.schema_version(),
            data: event.to_data(),
            metadata: EventMetadata::for_tenant(tenant),
        })
        .collect();
    PgEventStore::new(pool.clone())
        .append(stream, ExpectedVersion::Any, &new)
        .await?;
    Ok(())
}

/// A document store in a directory of its own, with one PDF in it.
pub struct Pdfs {
    _dir: tempfile::TempDir,
    pub config: StoreConfig,
}

impl Pdfs {
    pub async fn with(key: &str, bytes: &[u8]) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let config = StoreConfig::Local {
            dir: dir.path().to_owned(),
        };
        DocumentStore::open(&config)?
            .put(&DocumentKey::parse(key)?, Bytes::copy_from_slice(bytes))
            .await?;
        Ok(Self { _dir: dir, config })
    }
}

/// The issuer's stream (`Empresa de Prueba SA`).
pub async fn issuer(pool: &PgPool, tenant: TenantId) -> anyhow::Result<()> {
    let cuit = domain::testing::ri_issuer().cuit;
    let stream = Taxpayer::stream_id(tenant, &cuit);
    append(pool, tenant, &stream, &ri_taxpayer_events()).await
}

/// An authorized factura B 00001-00000042 to `email` whose PDF was recorded under `key`.
pub async fn authorized_invoice(
    pool: &PgPool,
    tenant: TenantId,
    email: Option<&str>,
    key: &str,
) -> anyhow::Result<InvoiceId> {
    let id = InvoiceId(Uuid::new_v4());
    let mut request = RequestInvoice {
        invoice_id: id,
        ..factura_b()
    };
    request.receiver.email = email.map(EmailAddress::parse).transpose()?;
    let mut events = requested(request);
    events.push(InvoiceEvent::Submitted(InvoiceSubmitted {
        number: 42,
        request_hash: "h".to_owned(),
        submitted_at: domain::testing::NOW,
    }));
    events.push(InvoiceEvent::CaeGranted(CaeGranted {
        number: 42,
        cae: "71263951827464".to_owned(),
        cae_due_date: date!(2025 - 07 - 11),
        observations: vec![],
    }));
    events.push(document(key, "1"));
    append(pool, tenant, &Invoice::stream_id(id), &events).await?;
    Ok(id)
}

pub fn document(key: &str, template_version: &str) -> InvoiceEvent {
    InvoiceEvent::DocumentIssued(DocumentIssued {
        sha256: "ab".repeat(32),
        bytes: 100,
        key: key.to_owned(),
        template_version: template_version.to_owned(),
    })
}

/// Runs the outbox projector (email on) up to the log's head.
pub async fn project(pool: &PgPool) -> anyhow::Result<()> {
    project_with(pool, true).await
}

/// Runs the outbox projector, email on or off, up to the log's head.
pub async fn project_with(pool: &PgPool, sending: bool) -> anyhow::Result<()> {
    let store = PgEventStore::new(pool.clone());
    let runner = Runner::new(pool.clone(), MailOutbox::new(sending), StoreLog(store));
    scratch::run_to_head(pool, &runner).await
}

/// A sender through the SMTP server on `port`, with no pause between attempts.
pub fn sender(
    pool: &PgPool,
    port: u16,
    documents: &StoreConfig,
    max_attempts: u32,
) -> anyhow::Result<MailSender> {
    counted_sender(pool, port, documents, max_attempts, None)
}

/// The same, counting attempts in `counter`.
pub fn counted_sender(
    pool: &PgPool,
    port: u16,
    documents: &StoreConfig,
    max_attempts: u32,
    counter: Option<prometheus::IntCounterVec>,
) -> anyhow::Result<MailSender> {
    let mailer = Mailer::new(&SmtpConfig {
        host: "127.0.0.1".to_owned(),
        port,
        username: None,
        password: None,
        tls: TlsMode::None,
        from: "Facturación <facturas@emisor.com.ar>".to_owned(),
        timeout: Duration::from_secs(5),
    })?;
    Ok(MailSender::new(SenderParts {
        pool: pool.clone(),
        store: Arc::new(PgEventStore::new(pool.clone())),
        documents: DocumentStore::open(documents)?,
        mailer,
        metrics: commands::CommandMetrics::detached(),
        config: SendConfig {
            backoff: Backoff::new(Duration::ZERO, Duration::ZERO),
            max_attempts,
            lease: Duration::from_secs(60),
            batch: 8,
            idle: Duration::from_millis(5),
        },
        counter,
    }))
}

/// Sends until no row is due.
pub async fn drain(pool: &PgPool, sender: &MailSender) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        sender.run_once().await?;
        let (pending,): (i64,) =
            sqlx::query_as("select count(*) from mail.outbox where status = 'pending'")
                .fetch_one(pool)
                .await?;
        if pending == 0 {
            return Ok(());
        }
        ensure!(
            tokio::time::Instant::now() < deadline,
            "{pending} emails still pending"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `(event_type, data)` of a stream's events, in order.
pub async fn stream_events(
    pool: &PgPool,
    stream: &StreamId,
) -> anyhow::Result<Vec<(String, serde_json::Value)>> {
    Ok(sqlx::query_as(
        "select event_type, data from es.events where stream_id = $1 order by stream_version",
    )
    .bind(stream.as_str())
    .fetch_all(pool)
    .await?)
}
