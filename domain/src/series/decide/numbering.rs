//! Opening a series and reserving numbers.

use std::collections::BTreeSet;

use super::{MAX_BATCH, check_last_authorized};
use crate::aggregate::Context;
use crate::invoice::lifecycle::MAX_VOUCHER_NUMBER;
use crate::series::commands::{OpenSeries, ReserveNumbers};
use crate::series::error::SeriesError;
use crate::series::events::{NumbersReserved, Reservation, SeriesEvent, SeriesOpened};
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
    if cmd.invoices.is_empty() {
        return Err(SeriesError::NothingToReserve);
    }
    if cmd.invoices.len() > MAX_BATCH {
        return Err(SeriesError::TooManyInvoices(cmd.invoices.len()));
    }
    let last = series.highest_held();
    let mut seen = BTreeSet::new();
    let fresh: Vec<_> = cmd
        .invoices
        .into_iter()
        .filter(|(invoice, _)| {
            series.number_of(*invoice).is_none()
                && !series.settled(*invoice)
                && seen.insert(*invoice)
        })
        .collect();
    if fresh.is_empty() {
        return Ok(vec![]);
    }
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
