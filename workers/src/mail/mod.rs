//! The email engine, the only owner of the `mail` schema (`outbox`, `contacts`): an authorized
//! invoice whose receiver has an email is sent to it once its PDF is recorded
//! (`invoice.document_issued`), with the PDF attached, at most once, retried with a backoff and
//! recorded on the invoice's stream (`invoice.emailed` / `invoice.email_failed`); a tenant's
//! contact address (`tenant.contact_email_set`) is told when one of its webhook subscriptions is
//! disabled or a delivery is given up.
//!
//! - [`MailOutbox`] follows the event log (a checkpointed feed) and fills the tables.
//! - [`MailSender`] claims due rows and sends them through [`mail::Mailer`].
//!
//! Off unless SMTP is configured ([`MailConfig`]): then the sender does not run, and the outbox
//! only keeps track (a voucher whose PDF is recorded meanwhile is never sent).

mod compose;
mod outbox;
mod sender;

use std::future::Future;
use std::sync::Arc;

use anyhow::Context as _;
use eventstore::PgEventStore;
use secrecy::{ExposeSecret, SecretString};
use storage::{DocumentStore, StoreConfig};

pub use compose::ComposeError;
pub use outbox::{MAIL_OUTBOX, MailOutbox};
pub use sender::{MailSender, SendConfig, SendError, SenderParts, email_counter};

use crate::WorkerMetrics;
use crate::feeds::{self, FeedSetup};

/// Postgres connections of the sender.
const SEND_POOL: u32 = 4;

/// How email is sent.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The SMTP server and the sender address.
    pub smtp: mail::SmtpConfig,
    /// Attempts, backoff and pacing.
    pub send: SendConfig,
}

/// Fills the outbox from the log until `shutdown` resolves (queueing nothing when email is off).
///
/// # Errors
/// Postgres or NATS unusable at start-up.
pub async fn run_outbox(
    feed: &FeedSetup,
    config: Option<&MailConfig>,
    metrics: &WorkerMetrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let outbox = MailOutbox::new(config.is_some());
    feeds::run_projector(feed, metrics, outbox, shutdown).await
}

/// Sends due messages until `shutdown` resolves; nothing when email is off.
///
/// # Errors
/// Postgres unreachable, the document store or the SMTP settings unusable at start-up.
pub async fn run_sender(
    database_url: &SecretString,
    config: Option<&MailConfig>,
    documents: &StoreConfig,
    metrics: &WorkerMetrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let Some(config) = config else {
        return Ok(());
    };
    let store = PgEventStore::connect(database_url.expose_secret(), SEND_POOL)
        .await
        .context("connecting the email sender to Postgres (ARCA_DATABASE_URL)")?;
    let documents = DocumentStore::open(documents).context("opening the document store")?;
    let mailer = mail::Mailer::new(&config.smtp).context("setting up SMTP (ARCA_SMTP_*)")?;
    let sender = MailSender::new(SenderParts {
        pool: store.pool().clone(),
        store: Arc::new(store),
        documents,
        mailer,
        metrics: metrics.commands.clone(),
        config: config.send,
        counter: Some(email_counter(metrics.exporter.registry())?),
    });
    tracing::info!(host = config.smtp.host, "email sender started");
    sender.run(shutdown).await;
    Ok(())
}
