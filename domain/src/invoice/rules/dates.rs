//! The issue date window and service dates (ARCA.md §6.2).

use std::ops::RangeInclusive;

use time::{Date, Duration};

use crate::aggregate::Context;
use crate::invoice::commands::RequestInvoice;
use crate::invoice::error::InvoiceError;
use crate::values::date::argentina_today;
use crate::values::{Concept, VoucherKind, VoucherType};

/// The issue dates ARCA accepts on `today` (N, Argentine time): FCE invoices N−5..N+1, FCE notes
/// N−5..N; otherwise products N−5..N+5 without leaving N's month, services N−10..N+10.
pub fn voucher_date_window(
    voucher_type: VoucherType,
    concept: Concept,
    today: Date,
) -> RangeInclusive<Date> {
    let days = |n: i64| today.saturating_add(Duration::days(n));
    if voucher_type.is_fce() {
        let ahead = if voucher_type.kind() == VoucherKind::Invoice {
            1
        } else {
            0
        };
        return days(-5)..=days(ahead);
    }
    match concept {
        Concept::Products => {
            let month_end = today
                .replace_day(today.month().length(today.year()))
                .unwrap_or(today);
            days(-5)..=days(5).min(month_end)
        }
        Concept::Services | Concept::ProductsAndServices => days(-10)..=days(10),
    }
}

/// The issue date lies in [`voucher_date_window`] for today in Argentina.
pub fn check_window(cmd: &RequestInvoice, ctx: &Context) -> Result<(), InvoiceError> {
    let window = voucher_date_window(cmd.voucher_type, cmd.concept, argentina_today(ctx.now));
    if window.contains(&cmd.issue_date) {
        return Ok(());
    }
    Err(InvoiceError::VoucherDateOutOfWindow {
        date: cmd.issue_date,
        earliest: *window.start(),
        latest: *window.end(),
    })
}

/// Services need a period (from ≤ to) and a payment due date not before the issue date;
/// products take none.
pub fn check_service_period(cmd: &RequestInvoice) -> Result<(), InvoiceError> {
    match (cmd.concept.includes_services(), cmd.service_period) {
        (false, None) => Ok(()),
        (false, Some(_)) => Err(InvoiceError::ServiceDatesNotAllowed),
        (true, None) => Err(InvoiceError::ServiceDatesRequired),
        (true, Some(period)) if period.from > period.to => {
            Err(InvoiceError::InvalidPeriod("service_period"))
        }
        (true, Some(period)) if period.payment_due < cmd.issue_date => {
            Err(InvoiceError::PaymentDueBeforeIssueDate)
        }
        (true, Some(_)) => Ok(()),
    }
}
