//! Between the domain's invoices and WSFEv1's vouchers: the detail a requested invoice goes out
//! as, and the fiscal content of what `FECompConsultar` echoes (to fingerprint it like ours).

use arca_ws::wsfe::domain::{DomainAssociated, DomainTribute, DomainVat, DomainVoucher};
use arca_ws::wsfe::{VoucherDetail, VoucherRecord};
use domain::invoice::{
    AssociatedVoucher, InvoiceRequested, IvaLine, ServicePeriod, Totals, Tribute,
};
use domain::series::{FiscalContent, SeriesKey};
use domain::values::{Concept, Currency, DocType, IvaRate, Money, TributeKind, VoucherType};
use rust_decimal::Decimal;

/// The `FECAEDetRequest` of `request` numbered `number`.
pub fn detail(number: u64, request: &InvoiceRequested) -> VoucherDetail {
    DomainVoucher {
        concept: request.concept,
        receiver_doc_type: request.receiver.doc_type,
        receiver_doc_number: request.receiver.doc_number,
        number,
        date: request.issue_date,
        untaxed: request.totals.not_taxed,
        exempt: request.totals.exempt,
        net_without_vat: request.totals.net,
        vat: request
            .iva
            .iter()
            .map(|l| DomainVat {
                rate: l.rate,
                base: l.base,
                amount: l.amount,
            })
            .collect(),
        tributes: request
            .tributes
            .iter()
            .map(|t| DomainTribute {
                kind: t.kind,
                description: t.description.clone(),
                base: t.base,
                rate: t.rate.unwrap_or(Decimal::ZERO),
                amount: t.amount,
            })
            .collect(),
        service: request
            .service_period
            .map(|p| (p.from, p.to, p.payment_due)),
        currency: request.currency,
        exchange_rate: request.exchange_rate,
        receiver_iva_condition: Some(request.receiver.iva_condition),
        associated: request
            .associated
            .iter()
            .map(|a| DomainAssociated {
                voucher_type: a.voucher_type,
                point_of_sale: a.point_of_sale,
                number: a.number,
                issuer: a.cuit,
                date: a.date,
            })
            .collect(),
    }
    .to_detail()
}

fn money(amount: Decimal) -> Option<Money> {
    Money::new(amount).ok()
}

/// The fiscal content ARCA holds in `record`, or `None` when a code or amount does not map (then
/// it cannot be ours).
pub fn echoed(key: &SeriesKey, record: &VoucherRecord) -> Option<FiscalContent> {
    let d = &record.detail;
    let service_period = match (d.service_from, d.service_to, d.payment_due) {
        (Some(from), Some(to), Some(payment_due)) => Some(ServicePeriod {
            from,
            to,
            payment_due,
        }),
        _ => None,
    };
    Some(FiscalContent {
        issuer_cuit: key.cuit,
        point_of_sale: record.point_of_sale,
        voucher_type: VoucherType::from_code(record.voucher_type).ok()?,
        concept: Concept::from_code(d.concept).ok()?,
        receiver_doc_type: DocType::from_code(d.doc_type).ok()?,
        receiver_doc_number: d.doc_number,
        issue_date: d.date?,
        totals: Totals {
            not_taxed: money(d.untaxed)?,
            net: money(d.net)?,
            exempt: money(d.exempt)?,
            tributes: money(d.other_taxes_total)?,
            iva: money(d.vat_total)?,
            total: money(d.total)?,
        },
        currency: Currency::parse(&d.currency).ok()?,
        exchange_rate: d.exchange_rate.unwrap_or(Decimal::ONE),
        iva: d
            .vat
            .iter()
            .map(|v| {
                Some(IvaLine {
                    rate: IvaRate::from_id(v.id).ok()?,
                    base: money(v.base)?,
                    amount: money(v.amount)?,
                })
            })
            .collect::<Option<_>>()?,
        tributes: d
            .other_taxes
            .iter()
            .map(|t| {
                Some(Tribute {
                    kind: TributeKind::from_code(t.id).ok()?,
                    description: t.description.clone(),
                    base: money(t.base.unwrap_or(Decimal::ZERO))?,
                    rate: t.rate,
                    amount: money(t.amount)?,
                })
            })
            .collect::<Option<_>>()?,
        service_period,
        associated: d
            .associated
            .iter()
            .map(|a| {
                Some(AssociatedVoucher {
                    voucher_type: VoucherType::from_code(a.voucher_type).ok()?,
                    point_of_sale: a.point_of_sale,
                    number: a.number,
                    cuit: a
                        .cuit
                        .and_then(|c| domain::values::Cuit::parse(&c.to_string()).ok()),
                    date: a.date,
                })
            })
            .collect::<Option<_>>()?,
    })
}
