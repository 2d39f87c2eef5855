//! The sender: claims due `mail.outbox` rows (`for update skip locked`, the next attempt moved
//! forward as a lease), sends each, and ends it `sent` or `failed`, or schedules its next
//! attempt with the backoff. An invoice's outcome becomes `invoice.emailed` or
//! `invoice.email_failed` on its stream, decided by the invoice (at most one `emailed`).
//!
//! A crash between sending and recording leaves the row leased: once the lease ends it is sent
//! again with the same `Message-ID`, which the receiver's server may drop as a duplicate, and
//! the invoice records one `emailed` whatever happens.

use std::sync::Arc;
use std::time::Duration;

use commands::CommandMetrics;
use commands::handler::{Command, CommandError, EventIds, execute};
use domain::invoice::{
    Invoice, InvoiceCommand, InvoiceEmailFailed, InvoiceEmailed, RecordEmailOutcome,
};
use domain::values::EmailAddress;
use domain::{Context, EventMetadata, InvoiceId, SubscriptionId, TenantId};
use eventstore::EventStore;
use futures::future::join_all;
use infra::Backoff;
use mail::{Mailer, NoticeMail};
use prometheus::IntCounterVec;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::compose::{ComposeError, invoice_mail};
use super::outbox::stream_uuid;

/// Who the engine's events name as their actor.
const ACTOR: &str = "mail:sender";

/// How the sender paces itself.
#[derive(Debug, Clone, Copy)]
pub struct SendConfig {
    /// Pause after each failed attempt (doubling up to its cap).
    pub backoff: Backoff,
    /// Attempts per message, the first included; then it is `failed`.
    pub max_attempts: u32,
    /// How long a claimed row stays with this sender before another may take it.
    pub lease: Duration,
    /// Rows claimed (and sent at once) per round.
    pub batch: i64,
    /// Pause when nothing is due.
    pub idle: Duration,
}

impl Default for SendConfig {
    fn default() -> Self {
        Self {
            backoff: Backoff::new(Duration::from_secs(60), Duration::from_secs(6 * 3600))
                .jittered(0.8, 1.2),
            max_attempts: 8,
            lease: Duration::from_secs(120),
            batch: 8,
            idle: Duration::from_millis(500),
        }
    }
}

/// Why a round could not run.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Postgres refused a statement on `mail.outbox`.
    #[error("mail.outbox")]
    Database(#[from] sqlx::Error),
    /// A row's recipient is not an address (rows come from validated events: never expected).
    #[error("a recipient in mail.outbox")]
    Recipient(#[from] domain::values::EmailError),
    /// An outcome could not be recorded on the invoice's stream.
    #[error("recording the email's outcome on {stream}")]
    Record {
        /// The invoice's stream.
        stream: String,
        /// What the command layer said.
        #[source]
        source: CommandError,
    },
}

/// What the sender needs.
pub struct SenderParts {
    /// Postgres with `mail.outbox`.
    pub pool: PgPool,
    /// The event store (invoices, issuers, subscriptions; outcomes appended to it).
    pub store: Arc<dyn EventStore>,
    /// Where the PDFs are.
    pub documents: storage::DocumentStore,
    /// The SMTP server.
    pub mailer: Mailer,
    /// Commands counted by outcome.
    pub metrics: CommandMetrics,
    /// Pacing.
    pub config: SendConfig,
    /// `emails_total{kind, outcome}`, when counted ([`email_counter`]).
    pub counter: Option<IntCounterVec>,
}

/// `emails_total{kind, outcome}`: attempts by kind (`invoice`, `notice`) and outcome (`sent`,
/// `retried`, `failed`), registered in `registry`.
///
/// # Errors
/// Already registered.
pub fn email_counter(registry: &prometheus::Registry) -> prometheus::Result<IntCounterVec> {
    let counter = IntCounterVec::new(
        prometheus::Opts::new(
            "emails_total",
            "Email attempts by kind (invoice, notice) and outcome (sent, retried, failed)",
        ),
        &["kind", "outcome"],
    )?;
    registry.register(Box::new(counter.clone()))?;
    Ok(counter)
}

/// A claimed row.
#[derive(Debug, sqlx::FromRow)]
struct Due {
    mail_id: Uuid,
    kind: String,
    tenant_id: Uuid,
    recipient: String,
    stream_id: String,
    document_key: Option<String>,
    template_version: Option<String>,
    detail: Option<serde_json::Value>,
    attempts: i32,
}

/// How one attempt ended.
enum Attempt {
    Sent(Option<String>),
    Failed { error: String, permanent: bool },
}

/// The email engine's sender.
pub struct MailSender {
    parts: SenderParts,
}

impl MailSender {
    /// A sender over `parts`.
    #[must_use]
    pub fn new(parts: SenderParts) -> Self {
        Self { parts }
    }

    /// Sends until `shutdown` resolves; a failed round is logged and retried after a pause.
    pub async fn run(&self, shutdown: impl std::future::Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        loop {
            let pause = match self.run_once().await {
                Ok(0) => self.parts.config.idle,
                Ok(_) => Duration::ZERO,
                Err(error) => {
                    tracing::warn!(error = %error, "email round failed");
                    self.parts.config.idle
                }
            };
            tokio::select! {
                () = &mut shutdown => return,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Claims the due rows and sends them; returns how many were claimed.
    ///
    /// # Errors
    /// Postgres unusable, or an outcome not recorded (its row stays leased and is sent again
    /// later, with the same `Message-ID`).
    pub async fn run_once(&self) -> Result<usize, SendError> {
        let claimed: Vec<Due> = sqlx::query_as(
            "update mail.outbox o set next_attempt_at = now() + make_interval(secs => $1), \
                 updated_at = now() \
             where mail_id in (select mail_id from mail.outbox \
                               where status = 'pending' and next_attempt_at <= now() \
                               order by next_attempt_at limit $2 for update skip locked) \
             returning mail_id, kind, tenant_id, recipient, stream_id, document_key, \
                 template_version, detail, attempts",
        )
        .bind(self.parts.config.lease.as_secs_f64())
        .bind(self.parts.config.batch)
        .fetch_all(&self.parts.pool)
        .await?;
        let count = claimed.len();
        let results = join_all(claimed.into_iter().map(|due| self.deliver(due))).await;
        results.into_iter().collect::<Result<Vec<()>, _>>()?;
        Ok(count)
    }

    fn count(&self, due: &Due, outcome: &str) {
        let kind = if due.kind == "invoice" {
            "invoice"
        } else {
            "notice"
        };
        if let Some(counter) = &self.parts.counter {
            counter.with_label_values(&[kind, outcome]).inc();
        }
    }

    async fn deliver(&self, due: Due) -> Result<(), SendError> {
        let attempt = self.attempt(&due).await;
        let attempts = u32::try_from(due.attempts).unwrap_or(0).saturating_add(1);
        match attempt {
            Attempt::Sent(message_id) => {
                self.count(&due, "sent");
                if due.kind == "invoice" {
                    let sent = InvoiceEmailed {
                        to: Self::address(&due)?,
                        message_id: message_id.clone().unwrap_or_default(),
                        template_version: due.template_version.clone(),
                        attempts,
                    };
                    self.record(&due, RecordEmailOutcome::Sent(sent)).await?;
                }
                self.finish(&due, "sent", attempts, None, message_id).await
            }
            Attempt::Failed { error, permanent } => {
                tracing::info!(mail = %due.mail_id, kind = due.kind, attempts, error, "email attempt failed");
                if !permanent && attempts < self.parts.config.max_attempts {
                    self.count(&due, "retried");
                    return self.retry(&due, attempts, &error).await;
                }
                self.count(&due, "failed");
                if due.kind == "invoice" {
                    let failed = InvoiceEmailFailed {
                        to: Self::address(&due)?,
                        attempts,
                        last_error: error.clone(),
                    };
                    self.record(&due, RecordEmailOutcome::Failed(failed))
                        .await?;
                }
                self.finish(&due, "failed", attempts, Some(error), None)
                    .await
            }
        }
    }

    /// Builds and sends the row's message.
    async fn attempt(&self, due: &Due) -> Attempt {
        let tenant = TenantId(due.tenant_id);
        let failed = |error: &dyn std::error::Error, permanent| Attempt::Failed {
            error: chain(error),
            permanent,
        };
        if due.kind == "invoice" {
            let key = due.document_key.as_deref().unwrap_or_default();
            let parts = &self.parts;
            let composed = invoice_mail(
                &parts.store,
                &parts.documents,
                tenant,
                &due.stream_id,
                key,
                &due.recipient,
            )
            .await;
            let mail = match composed {
                Ok(mail) => mail,
                Err(error) => {
                    let permanent = matches!(error, ComposeError::NotAuthorized);
                    return failed(&error, permanent);
                }
            };
            return match parts.mailer.send_invoice(&mail).await {
                Ok(id) => Attempt::Sent(Some(id)),
                Err(error) => failed(&error, error.is_permanent()),
            };
        }
        let notice = match self.notice(due, tenant).await {
            Ok(notice) => notice,
            Err(error) => return failed(&error, false),
        };
        match self.parts.mailer.send_notice(&notice).await {
            Ok(()) => Attempt::Sent(None),
            Err(error) => failed(&error, error.is_permanent()),
        }
    }

    /// A notice about a webhook subscription, naming its URL.
    async fn notice(&self, due: &Due, tenant: TenantId) -> Result<NoticeMail, CommandError> {
        let subscription = stream_uuid(&due.stream_id).map(SubscriptionId);
        let url = match subscription {
            Some(id) => {
                let stream = domain::webhook::Subscription::stream_id(id);
                let (state, _) = commands::handler::load::<domain::webhook::Subscription>(
                    &self.parts.store,
                    tenant,
                    &stream,
                )
                .await?;
                state.url().to_owned()
            }
            None => due.stream_id.clone(),
        };
        let detail = due.detail.clone().unwrap_or_default();
        Ok(if due.kind == "subscription_disabled" {
            let reason = detail["reason"].as_str().unwrap_or("failing_since");
            NoticeMail::subscription_disabled(due.mail_id, due.recipient.clone(), &url, reason)
        } else {
            let attempts = detail["attempts"]
                .as_u64()
                .and_then(|a| u32::try_from(a).ok());
            NoticeMail::delivery_exhausted(
                due.mail_id,
                due.recipient.clone(),
                &url,
                attempts.unwrap_or(0),
            )
        })
    }

    fn address(due: &Due) -> Result<EmailAddress, SendError> {
        Ok(EmailAddress::parse(&due.recipient)?)
    }

    async fn record(&self, due: &Due, outcome: RecordEmailOutcome) -> Result<(), SendError> {
        let tenant = TenantId(due.tenant_id);
        let mut metadata = EventMetadata::for_tenant(tenant);
        metadata.actor = Some(ACTOR.to_owned());
        metadata.causation_id = Some(due.mail_id);
        let command = Command::<Invoice> {
            stream: Invoice::stream_id(InvoiceId(due.mail_id)),
            command: InvoiceCommand::RecordEmailOutcome(outcome),
            metadata,
            expected: None,
            fresh_stream: false,
            event_ids: EventIds::Fresh,
        };
        let ctx = Context::new(OffsetDateTime::now_utc());
        execute(&self.parts.store, &self.parts.metrics, &ctx, command)
            .await
            .map(|_| ())
            .map_err(|source| SendError::Record {
                stream: due.stream_id.clone(),
                source,
            })
    }

    async fn retry(&self, due: &Due, attempts: u32, error: &str) -> Result<(), SendError> {
        let delay = self.parts.config.backoff.delay(attempts);
        sqlx::query(
            "update mail.outbox set attempts = $2, last_error = $3, updated_at = now(), \
                 next_attempt_at = now() + make_interval(secs => $4) where mail_id = $1",
        )
        .bind(due.mail_id)
        .bind(i32::try_from(attempts).unwrap_or(i32::MAX))
        .bind(error)
        .bind(delay.as_secs_f64())
        .execute(&self.parts.pool)
        .await?;
        Ok(())
    }

    async fn finish(
        &self,
        due: &Due,
        status: &str,
        attempts: u32,
        error: Option<String>,
        message_id: Option<String>,
    ) -> Result<(), SendError> {
        sqlx::query(
            "update mail.outbox set status = $2, attempts = $3, last_error = $4, \
                 message_id = $5, next_attempt_at = null, updated_at = now() where mail_id = $1",
        )
        .bind(due.mail_id)
        .bind(status)
        .bind(i32::try_from(attempts).unwrap_or(i32::MAX))
        .bind(error)
        .bind(message_id)
        .execute(&self.parts.pool)
        .await?;
        Ok(())
    }
}

/// An error and its causes, `: `-joined (what the server or the network said, last).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
