//! The intake: a checkpointed feed (no read model of its own) that turns each
//! `invoice.cae_granted` into a `documents.jobs` row in the same transaction as its checkpoint,
//! so every authorized voucher — invoice or note — is owed a PDF from the moment its CAE is in
//! the log, whatever happens to the renderer or the store afterwards.

use async_trait::async_trait;
use domain::RecordedEvent;
use projections::{ProjectionError, Projector};
use sqlx::PgConnection;
use uuid::Uuid;

/// The checkpoint's name.
pub const INTAKE: &str = "documents_intake";

/// The store event after which a voucher is printable.
const AUTHORIZED: &str = "invoice.cae_granted";

/// Feeds `documents.jobs`.
#[derive(Debug, Clone, Copy, Default)]
pub struct DocumentsIntake;

impl DocumentsIntake {
    /// The intake.
    #[must_use]
    pub fn new() -> Self {
        Self
    }
}

/// The invoice id of an `invoice-{uuid}` stream.
fn invoice_of(event: &RecordedEvent) -> Option<Uuid> {
    event
        .stream_id
        .as_str()
        .strip_prefix("invoice-")?
        .parse()
        .ok()
}

#[async_trait]
impl Projector for DocumentsIntake {
    fn name(&self) -> &'static str {
        INTAKE
    }

    async fn apply(
        &self,
        conn: &mut PgConnection,
        batch: &[RecordedEvent],
    ) -> Result<(), ProjectionError> {
        let (mut invoices, mut tenants) = (Vec::new(), Vec::new());
        for event in batch.iter().filter(|e| e.event_type == AUTHORIZED) {
            let Some(invoice) = invoice_of(event) else {
                tracing::warn!(stream = %event.stream_id, "a CAE outside an invoice stream");
                continue;
            };
            invoices.push(invoice);
            tenants.push(event.metadata.tenant_id.as_uuid());
        }
        if invoices.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "insert into documents.jobs (invoice_id, tenant_id, due_at) \
             select i, t, now() from unnest($1::uuid[], $2::uuid[]) as j(i, t) \
             on conflict (invoice_id) do nothing",
        )
        .bind(&invoices)
        .bind(&tenants)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }
}
