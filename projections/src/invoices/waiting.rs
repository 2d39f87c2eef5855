//! Why invoices wait in their series, from the series' events: queued with a reason (by
//! invoice), parked or halted (every invoice of the series still on its way), and no longer once
//! the series opens, sends or is resumed. Only the two payloads read here are decoded; the
//! others (a submission's numbers and fingerprints among them) are told apart by their type.

use domain::series::{ParkReason, SeriesEvent, SeriesKey};
use domain::{DomainEvent as _, RecordedEvent};
use sqlx::PgConnection;

use crate::ProjectionError;

/// One change of what invoices show, in log order.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Waiting {
    /// These invoices wait for `reason`.
    Invoices {
        tenant: uuid::Uuid,
        invoices: Vec<uuid::Uuid>,
        reason: ParkReason,
    },
    /// The series' invoices still on their way wait for `reason`, or (`None`) no longer wait.
    Series {
        tenant: uuid::Uuid,
        key: SeriesKey,
        reason: Option<ParkReason>,
    },
}

/// The change a series event makes, if any.
///
/// # Errors
/// A queued or parked event that does not decode.
pub(super) fn change(event: &RecordedEvent) -> Result<Option<Waiting>, ProjectionError> {
    let Some(key) = SeriesKey::from_stream_id(event.stream_id.as_str()) else {
        return Ok(None);
    };
    let tenant = event.metadata.tenant_id.as_uuid();
    let series = |reason| {
        Some(Waiting::Series {
            tenant,
            key,
            reason,
        })
    };
    Ok(match event.event_type.as_str() {
        "series.halted" | "series.stalled" => series(Some(ParkReason::SeriesHalted)),
        "series.opened" | "series.submission_started" | "series.resumed" => series(None),
        "series.requests_queued" | "series.parked" => match decode(event)? {
            SeriesEvent::RequestsQueued(queued) => queued.reason.map(|reason| Waiting::Invoices {
                tenant,
                invoices: queued
                    .invoices
                    .iter()
                    .map(|r| r.invoice_id.as_uuid())
                    .collect(),
                reason,
            }),
            SeriesEvent::Parked(parked) => series(Some(parked.reason)),
            _ => None,
        },
        _ => None,
    })
}

fn decode(event: &RecordedEvent) -> Result<SeriesEvent, ProjectionError> {
    SeriesEvent::from_stored(&event.event_type, event.schema_version, &event.data).map_err(
        |error| ProjectionError::Decode {
            event_id: event.event_id,
            event_type: event.event_type.clone(),
            message: error.to_string(),
        },
    )
}

/// Applies `changes` in order to `schema`'s invoices.
pub(super) async fn apply(
    conn: &mut PgConnection,
    schema: &str,
    changes: &[Waiting],
) -> Result<(), sqlx::Error> {
    // A series sending batch after batch clears once.
    let mut last_cleared = None;
    for change in changes {
        match change {
            Waiting::Invoices {
                tenant,
                invoices,
                reason,
            } => {
                last_cleared = None;
                sqlx::query(&format!(
                    "update {schema}.invoices set waiting_reason = $3 \
                     where tenant_id = $1 and invoice_id = any($2) \
                       and status in ('requested', 'outcome_unknown')"
                ))
                .bind(tenant)
                .bind(invoices)
                .bind(reason.as_str())
                .execute(&mut *conn)
                .await?;
            }
            Waiting::Series {
                tenant,
                key,
                reason,
            } => {
                let cleared = reason.is_none().then_some((*tenant, *key));
                if cleared.is_some() && last_cleared == cleared {
                    continue;
                }
                last_cleared = cleared;
                // A reason goes on the invoices still on their way; clearing touches only the
                // ones that show one.
                let which = match reason {
                    Some(_) => "status in ('requested', 'outcome_unknown')",
                    None => "waiting_reason is not null",
                };
                sqlx::query(&format!(
                    "update {schema}.invoices set waiting_reason = $5 \
                     where tenant_id = $1 and issuer_cuit = $2 and point_of_sale = $3 \
                       and voucher_type = $4 and {which}"
                ))
                .bind(tenant)
                .bind(i64::try_from(key.cuit.as_u64()).unwrap_or(i64::MAX))
                .bind(i32::try_from(key.point_of_sale).unwrap_or(i32::MAX))
                .bind(i32::from(key.voucher_type.code()))
                .bind(reason.map(ParkReason::as_str))
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}
