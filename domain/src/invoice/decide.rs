//! Deciding on a [`RequestInvoice`]: every rule, then one `InvoiceRequested` with computed totals.

use super::commands::RequestInvoice;
use super::error::InvoiceError;
use super::events::{InvoiceEvent, InvoiceRequested};
use super::rules::{associated, dates, issuer, receiver};
use super::totals;
use crate::aggregate::Context;
use crate::values::ExchangeRate;

/// Validates a request in ARCA's order of concerns and computes its amounts.
pub(super) fn request(
    cmd: RequestInvoice,
    ctx: &Context,
) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    issuer::check(&cmd)?;
    receiver::check_document(&cmd)?;
    receiver::check_address(&cmd)?;
    dates::check_window(&cmd, ctx)?;
    dates::check_service_period(&cmd)?;
    associated::check(&cmd)?;
    let exchange_rate = ExchangeRate::for_currency(cmd.currency, cmd.exchange_rate)
        .map_err(InvoiceError::InvalidExchangeRate)?;
    for (index, tribute) in cmd.tributes.iter().enumerate() {
        let described = tribute
            .description
            .as_deref()
            .is_some_and(|d| !d.trim().is_empty());
        if tribute.kind.requires_description() && !described {
            return Err(InvoiceError::TributeDescriptionRequired(index));
        }
    }
    let computed = totals::compute(cmd.voucher_type.class(), &cmd.items, &cmd.tributes)?;
    if let Some(declared) = &cmd.declared_totals {
        totals::check_declared(declared, &computed, cmd.tributes.len())?;
    }
    receiver::check_identification(&cmd, computed.totals.total, exchange_rate, &ctx.policy)?;
    let event = InvoiceRequested {
        invoice_id: cmd.invoice_id,
        issuer_cuit: cmd.issuer.cuit,
        issuer_iva_condition: cmd.issuer.iva_condition,
        point_of_sale: cmd.point_of_sale,
        voucher_type: cmd.voucher_type,
        concept: cmd.concept,
        issue_date: cmd.issue_date,
        receiver: cmd.receiver,
        service_period: cmd.service_period,
        currency: cmd.currency,
        exchange_rate,
        items: computed.lines,
        iva: computed.iva,
        tributes: cmd.tributes,
        associated: cmd.associated,
        associated_period: cmd.associated_period,
        totals: computed.totals,
        requested_at: ctx.now,
    };
    Ok(vec![InvoiceEvent::Requested(Box::new(event))])
}
