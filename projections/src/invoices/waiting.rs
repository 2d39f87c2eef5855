//! Why invoices wait in their series, from the series' events: queued with a reason (by
//! invoice), parked or halted (every invoice of the series still on its way), and no longer once
//! the series opens, sends or is resumed.

use domain::series::{ParkReason, SeriesEvent, SeriesKey};
use domain::{DecodeError, DomainEvent as _, RecordedEvent};
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
    /// The series' invoices still on their way wait for `reason`.
    Series {
        tenant: uuid::Uuid,
        key: SeriesKey,
        reason: ParkReason,
    },
    /// The series' invoices wait no more.
    Cleared { tenant: uuid::Uuid, key: SeriesKey },
}

/// The change a series event makes, if any.
///
/// # Errors
/// A series event that does not decode.
pub(super) fn change(event: &RecordedEvent) -> Result<Option<Waiting>, ProjectionError> {
    let Some(key) = SeriesKey::from_stream_id(event.stream_id.as_str()) else {
        return Ok(None);
    };
    let decoded =
        match SeriesEvent::from_stored(&event.event_type, event.schema_version, &event.data) {
            Ok(decoded) => decoded,
            Err(DecodeError::UnknownType(_)) => return Ok(None),
            Err(error) => {
                return Err(ProjectionError::Decode {
                    event_id: event.event_id,
                    event_type: event.event_type.clone(),
                    message: error.to_string(),
                });
            }
        };
    let tenant = event.metadata.tenant_id.as_uuid();
    let series = |reason| Waiting::Series {
        tenant,
        key,
        reason,
    };
    Ok(match decoded {
        SeriesEvent::RequestsQueued(queued) => queued.reason.map(|reason| Waiting::Invoices {
            tenant,
            invoices: queued
                .invoices
                .iter()
                .map(|r| r.invoice_id.as_uuid())
                .collect(),
            reason,
        }),
        SeriesEvent::Parked(parked) => Some(series(parked.reason)),
        SeriesEvent::Halted(_) | SeriesEvent::Stalled(_) => Some(series(ParkReason::SeriesHalted)),
        SeriesEvent::Opened(_) | SeriesEvent::SubmissionStarted(_) | SeriesEvent::Resumed(_) => {
            Some(Waiting::Cleared { tenant, key })
        }
        _ => None,
    })
}

/// Applies `changes` in order to `schema`'s invoices.
pub(super) async fn apply(
    conn: &mut PgConnection,
    schema: &str,
    changes: &[Waiting],
) -> Result<(), sqlx::Error> {
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
                last_cleared = None;
                sqlx::query(&format!(
                    "update {schema}.invoices set waiting_reason = $5 \
                     where tenant_id = $1 and issuer_cuit = $2 and point_of_sale = $3 \
                       and voucher_type = $4 and status in ('requested', 'outcome_unknown')"
                ))
                .bind(tenant)
                .bind(cuit(key))
                .bind(pos(key))
                .bind(i32::from(key.voucher_type.code()))
                .bind(reason.as_str())
                .execute(&mut *conn)
                .await?;
            }
            Waiting::Cleared { tenant, key } => {
                // A series sending batch after batch clears once.
                if last_cleared == Some((*tenant, *key)) {
                    continue;
                }
                last_cleared = Some((*tenant, *key));
                sqlx::query(&format!(
                    "update {schema}.invoices set waiting_reason = null \
                     where tenant_id = $1 and issuer_cuit = $2 and point_of_sale = $3 \
                       and voucher_type = $4 and waiting_reason is not null"
                ))
                .bind(tenant)
                .bind(cuit(key))
                .bind(pos(key))
                .bind(i32::from(key.voucher_type.code()))
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

fn cuit(key: &SeriesKey) -> i64 {
    i64::try_from(key.cuit.as_u64()).unwrap_or(i64::MAX)
}

fn pos(key: &SeriesKey) -> i32 {
    i32::try_from(key.point_of_sale).unwrap_or(i32::MAX)
}
