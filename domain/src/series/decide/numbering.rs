//! Opening a series and reserving numbers.

use std::collections::BTreeSet;

use super::{MAX_BATCH, check_last_authorized};
use crate::aggregate::Context;
use crate::ids::InvoiceId;
use crate::invoice::lifecycle::MAX_VOUCHER_NUMBER;
use crate::series::commands::{OpenSeries, ParkSeries, ReserveNumbers};
use crate::series::error::SeriesError;
use crate::series::events::{
    NumbersReserved, QueuedRequest, RequestsQueued, Reservation, SeriesEvent, SeriesOpened,
    SeriesParked,
};
use crate::series::fingerprint::ContentDigest;
use crate::series::state::Series;

/// Opens the series after ARCA's last authorized number.
pub(super) fn open(cmd: OpenSeries, ctx: &Context) -> Result<Vec<SeriesEvent>, SeriesError> {
    check_last_authorized(cmd.last_authorized)?;
    Ok(vec![SeriesEvent::Opened(SeriesOpened {
        last_authorized: cmd.last_authorized,
        opened_at: ctx.now,
    })])
}

/// Holds consecutive numbers after the highest one held, in the order given. An invoice that
/// holds a number keeps it (and is listed once); one ARCA already settled here gets none.
pub(super) fn reserve(
    series: &Series,
    cmd: ReserveNumbers,
) -> Result<Vec<SeriesEvent>, SeriesError> {
    let fresh = fresh(series, cmd)?;
    number(series, fresh)
}

/// Numbers the oldest queued invoices (at most 250), in queue order.
pub(super) fn reserve_queued(series: &Series) -> Result<Vec<SeriesEvent>, SeriesError> {
    let oldest = series.queue().iter().take(MAX_BATCH).copied().collect();
    number(series, oldest)
}

/// Queues invoices that cannot be numbered now, in the order given, with the reason the
/// series shows; one that holds a number, was settled or is queued already is left out.
pub(super) fn queue(
    series: &Series,
    cmd: ReserveNumbers,
    ctx: &Context,
) -> Result<Vec<SeriesEvent>, SeriesError> {
    let fresh = fresh(series, cmd)?;
    if fresh.is_empty() {
        return Ok(vec![]);
    }
    let invoices = fresh
        .into_iter()
        .map(|(invoice_id, content_digest)| QueuedRequest {
            invoice_id,
            content_digest,
        })
        .collect();
    Ok(vec![SeriesEvent::RequestsQueued(RequestsQueued {
        invoices,
        reason: series.waiting_reason(),
        queued_at: ctx.now,
    })])
}

/// Records why the saga cannot go on, unless the series already shows that reason.
pub(super) fn park(
    series: &Series,
    cmd: ParkSeries,
    ctx: &Context,
) -> Result<Vec<SeriesEvent>, SeriesError> {
    if series.waiting_reason() == Some(cmd.reason) {
        return Ok(vec![]);
    }
    Ok(vec![SeriesEvent::Parked(SeriesParked {
        reason: cmd.reason,
        detail: cmd.detail,
        parked_at: ctx.now,
    })])
}

/// The invoices of `cmd` that hold no number, were not settled and are not queued, each once.
fn fresh(
    series: &Series,
    cmd: ReserveNumbers,
) -> Result<Vec<(InvoiceId, ContentDigest)>, SeriesError> {
    if cmd.invoices.is_empty() {
        return Err(SeriesError::NothingToReserve);
    }
    if cmd.invoices.len() > MAX_BATCH {
        return Err(SeriesError::TooManyInvoices(cmd.invoices.len()));
    }
    let mut seen = BTreeSet::new();
    Ok(cmd
        .invoices
        .into_iter()
        .filter(|(invoice, _)| {
            series.number_of(*invoice).is_none()
                && !series.settled(*invoice)
                && !series.is_queued(*invoice)
                && seen.insert(*invoice)
        })
        .collect())
}

/// Holds the next consecutive numbers for `fresh`, in order.
fn number(
    series: &Series,
    fresh: Vec<(InvoiceId, ContentDigest)>,
) -> Result<Vec<SeriesEvent>, SeriesError> {
    if fresh.is_empty() {
        return Ok(vec![]);
    }
    let last = series.highest_held();
    let room = MAX_VOUCHER_NUMBER.saturating_sub(last);
    if u64::try_from(fresh.len()).map_or(true, |needed| needed > room) {
        return Err(SeriesError::NumbersExhausted {
            last,
            needed: fresh.len(),
        });
    }
    let reservations = (last + 1..)
        .zip(fresh)
        .map(|(number, (invoice_id, content_digest))| Reservation {
            number,
            invoice_id,
            content_digest,
        })
        .collect();
    Ok(vec![SeriesEvent::NumbersReserved(NumbersReserved {
        reservations,
    })])
}
