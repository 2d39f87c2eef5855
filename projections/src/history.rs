//! The invoice streams as the read side sees them: for the audit trail (`events`) and for an
//! invoice's state at an instant (`asOf`), folded with the domain's own aggregate.

use async_trait::async_trait;
use domain::aggregate::{Aggregate as _, DomainEvent as _};
use domain::invoice::{Invoice, InvoiceEvent};
use domain::{InvoiceId, RecordedEvent, TenantId};
use time::OffsetDateTime;

use crate::ProjectionError;

/// Reads invoice streams (implemented by `api::graphql` over the event store).
#[async_trait]
pub trait InvoiceHistory: Send + Sync {
    /// The events of `invoice` in version order, only if it belongs to `tenant` (another
    /// tenant's invoice reads as empty), and only those recorded at or before `as_of` when given.
    async fn events(
        &self,
        tenant: TenantId,
        invoice: InvoiceId,
        as_of: Option<OffsetDateTime>,
    ) -> Result<Vec<RecordedEvent>, ProjectionError>;

    /// The events of each of `invoices` (as [`InvoiceHistory::events`] without `as_of`), one
    /// list per invoice in the order given. By default one read per invoice; implementations
    /// over a store read them all at once.
    async fn events_of_many(
        &self,
        tenant: TenantId,
        invoices: &[InvoiceId],
    ) -> Result<Vec<Vec<RecordedEvent>>, ProjectionError> {
        let mut all = Vec::with_capacity(invoices.len());
        for invoice in invoices {
            all.push(self.events(tenant, *invoice, None).await?);
        }
        Ok(all)
    }
}

/// The invoice folded from `events` (as [`InvoiceHistory::events`] returns them) and the version
/// of the last one; `None` when there are none.
///
/// # Errors
/// A stored event this build cannot decode.
pub fn fold(events: &[RecordedEvent]) -> Result<Option<(Invoice, u64)>, ProjectionError> {
    let mut state = Invoice::default();
    let mut version = None;
    for event in events {
        let decoded =
            InvoiceEvent::from_stored(&event.event_type, event.schema_version, &event.data)
                .map_err(|e| ProjectionError::Decode {
                    event_id: event.event_id,
                    event_type: event.event_type.clone(),
                    message: e.to_string(),
                })?;
        state = state.evolve(&decoded);
        version = Some(event.stream_version);
    }
    Ok(version.map(|v| (state, v)))
}
