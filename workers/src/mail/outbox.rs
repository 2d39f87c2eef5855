//! The outbox projector: a checkpointed feed that fills `mail.outbox` and `mail.contacts` from
//! the log, in the same transaction as its checkpoint.
//!
//! - `invoice.requested` with a receiver email: a `waiting` row for the invoice;
//! - `invoice.document_issued`: that row becomes `pending` with the PDF's key (the first
//!   document only: an invoice is emailed once), or `skipped` while email is off;
//! - `tenant.contact_email_set`: the tenant's contact address, or none;
//! - `webhook.subscription_disabled`, `webhook.delivery_exhausted`: a `pending` notice to the
//!   tenant's contact address, when it has one and email is on.
//!
//! It runs whether email is on or off, so that turning email on later sends only what happens
//! from then on, not the voucher of every invoice in the log.

use async_trait::async_trait;
use domain::RecordedEvent;
use projections::{ProjectionError, Projector};
use serde_json::{Value, json};
use sqlx::PgConnection;
use uuid::Uuid;

/// The checkpoint's name.
pub const MAIL_OUTBOX: &str = "mail_outbox";

/// The outbox projector.
#[derive(Debug, Clone, Copy, Default)]
pub struct MailOutbox {
    sending: bool,
}

impl MailOutbox {
    /// Queues messages when `sending` (email is on); otherwise only keeps track, so that
    /// nothing from this time is sent later.
    #[must_use]
    pub fn new(sending: bool) -> Self {
        Self { sending }
    }
}

/// The id at the end of a stream id (`invoice-{uuid}`, `webhook-subscription-{uuid}`).
pub(super) fn stream_uuid(stream: &str) -> Option<Uuid> {
    let at = stream.len().checked_sub(36)?;
    stream.get(at..)?.parse().ok()
}

fn text<'a>(data: &'a Value, pointer: &str) -> Option<&'a str> {
    data.pointer(pointer).and_then(Value::as_str)
}

#[derive(Default)]
struct Waiting {
    invoice: Vec<Uuid>,
    tenant: Vec<Uuid>,
    recipient: Vec<String>,
    stream: Vec<String>,
}

#[derive(Default)]
struct Documents {
    invoice: Vec<Uuid>,
    key: Vec<String>,
    template_version: Vec<String>,
}

#[async_trait]
impl Projector for MailOutbox {
    fn name(&self) -> &'static str {
        MAIL_OUTBOX
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        batch: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        let mut waiting = Waiting::default();
        let mut documents = Documents::default();
        let mut account = Vec::new();
        for event in batch {
            match event.event_type.as_str() {
                "invoice.requested" => {
                    let email = text(&event.data, "/receiver/email");
                    let invoice = stream_uuid(event.stream_id.as_str());
                    if let (Some(email), Some(invoice)) = (email, invoice) {
                        waiting.invoice.push(invoice);
                        waiting.tenant.push(event.metadata.tenant_id.as_uuid());
                        waiting.recipient.push(email.to_owned());
                        waiting.stream.push(event.stream_id.as_str().to_owned());
                    }
                }
                "invoice.document_issued" => {
                    let key = text(&event.data, "/key");
                    let version = text(&event.data, "/template_version");
                    let invoice = stream_uuid(event.stream_id.as_str());
                    if let (Some(key), Some(version), Some(invoice)) = (key, version, invoice) {
                        documents.invoice.push(invoice);
                        documents.key.push(key.to_owned());
                        documents.template_version.push(version.to_owned());
                    }
                }
                "tenant.contact_email_set"
                | "webhook.subscription_disabled"
                | "webhook.delivery_exhausted" => account.push(event),
                _ => {}
            }
        }
        waiting.insert(conn).await?;
        documents.update(conn, self.sending).await?;
        for event in account {
            apply_account_event(conn, event, self.sending).await?;
        }
        Ok(())
    }
}

impl Waiting {
    async fn insert(self, conn: &mut PgConnection) -> Result<(), ProjectionError> {
        if self.invoice.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "insert into mail.outbox (mail_id, kind, tenant_id, recipient, status, stream_id) \
             select i, 'invoice', t, r, 'waiting', s \
             from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) as w(i, t, r, s) \
             on conflict (mail_id) do nothing",
        )
        .bind(&self.invoice)
        .bind(&self.tenant)
        .bind(&self.recipient)
        .bind(&self.stream)
        .execute(conn)
        .await?;
        Ok(())
    }
}

impl Documents {
    async fn update(self, conn: &mut PgConnection, sending: bool) -> Result<(), ProjectionError> {
        if self.invoice.is_empty() {
            return Ok(());
        }
        // An invoice with several documents (template versions) is emailed with its first.
        sqlx::query(
            "update mail.outbox o set status = case when $4 then 'pending' else 'skipped' end, \
                 document_key = d.k, template_version = d.v, \
                 next_attempt_at = case when $4 then now() end, updated_at = now() \
             from (select distinct on (i) i, k, v \
                   from unnest($1::uuid[], $2::text[], $3::text[]) with ordinality as x(i, k, v, n) \
                   order by i, n) d \
             where o.mail_id = d.i and o.status = 'waiting'",
        )
        .bind(&self.invoice)
        .bind(&self.key)
        .bind(&self.template_version)
        .bind(sending)
        .execute(conn)
        .await?;
        Ok(())
    }
}

/// A contact address set, or a notice queued for the tenant's contact (none without one, none
/// while email is off).
async fn apply_account_event(
    conn: &mut PgConnection,
    event: &RecordedEvent,
    sending: bool,
) -> Result<(), ProjectionError> {
    let tenant = event.metadata.tenant_id.as_uuid();
    if event.event_type == "tenant.contact_email_set" {
        match text(&event.data, "/email") {
            Some(email) => {
                sqlx::query(
                    "insert into mail.contacts (tenant_id, email) values ($1, $2) \
                     on conflict (tenant_id) do update set email = excluded.email",
                )
                .bind(tenant)
                .bind(email)
                .execute(conn)
                .await?
            }
            None => {
                sqlx::query("delete from mail.contacts where tenant_id = $1")
                    .bind(tenant)
                    .execute(conn)
                    .await?
            }
        };
        return Ok(());
    }
    if !sending {
        return Ok(());
    }
    let (kind, detail) = if event.event_type == "webhook.subscription_disabled" {
        let reason = text(&event.data, "/reason").unwrap_or("failing_since");
        ("subscription_disabled", json!({ "reason": reason }))
    } else {
        let attempts = event.data.get("attempts").cloned().unwrap_or(Value::Null);
        ("delivery_exhausted", json!({ "attempts": attempts }))
    };
    sqlx::query(
        "insert into mail.outbox (mail_id, kind, tenant_id, recipient, status, stream_id, detail, \
             next_attempt_at) \
         select $1, $2, c.tenant_id, c.email, 'pending', $3, $4, now() \
         from mail.contacts c where c.tenant_id = $5 \
         on conflict (mail_id) do nothing",
    )
    .bind(event.event_id)
    .bind(kind)
    .bind(event.stream_id.as_str())
    .bind(detail)
    .bind(tenant)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_id_at_the_end_of_a_stream_id() {
        let id = Uuid::from_u128(0xabc);
        assert_eq!(stream_uuid(&format!("invoice-{id}")), Some(id));
        assert_eq!(stream_uuid(&format!("webhook-subscription-{id}")), Some(id));
        assert_eq!(stream_uuid("invoice-42"), None);
    }
}
