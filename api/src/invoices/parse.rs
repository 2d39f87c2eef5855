//! Turns a request body into domain values, collecting every field error at once.

use domain::{
    InvoiceId,
    invoice::{
        AssociatedVoucher, DeclaredTotals, Item, Period, Receiver, RequestInvoice, ServicePeriod,
        Tribute,
    },
    taxpayer::IssuerSnapshot,
    values::{
        Concept, Cuit, Currency, DocType, EmailAddress, IvaCondition, IvaTreatment, Money,
        TributeKind, VoucherType, date,
    },
};
use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};

use super::body::{
    AssociatedVoucherBody, DeclaredTotalsBody, ItemBody, PeriodBody, ReceiverBody,
    RequestInvoiceBody, ServicePeriodBody, TributeBody,
};
use crate::{error::ApiError, fields::Fields};

/// The parts of a request that do not need the issuer's stream.
pub struct Parsed {
    /// The issuer named by the request.
    pub issuer: Cuit,
    build: Box<dyn FnOnce(InvoiceId, IssuerSnapshot) -> RequestInvoice + Send>,
}

impl Parsed {
    /// The domain command, once the issuer's snapshot is known.
    pub fn into_command(self, id: InvoiceId, issuer: IssuerSnapshot) -> RequestInvoice {
        (self.build)(id, issuer)
    }
}

/// Parses the whole body.
///
/// # Errors
/// A 422 listing every invalid field.
pub fn parse(body: RequestInvoiceBody, now: OffsetDateTime) -> Result<Parsed, ApiError> {
    let mut f = Fields::default();
    let issuer = f.take("issuer_cuit", Cuit::parse(body.issuer_cuit.trim()));
    let voucher_type = f.take("voucher_type", VoucherType::from_code(body.voucher_type));
    let concept = f.take("concept", Concept::from_code(body.concept));
    let issue_date = match body.issue_date.as_deref() {
        Some(text) => parse_date(&mut f, "issue_date", text),
        None => Some(date::argentina_today(now)),
    };
    let receiver = receiver(&mut f, body.receiver);
    let service_period = body.service_period.map(|p| service_period(&mut f, &p));
    let currency = f.take(
        "currency",
        Currency::parse(body.currency.as_deref().unwrap_or("PES")),
    );
    let items: Vec<_> = body
        .items
        .into_iter()
        .enumerate()
        .map(|(i, item)| self::item(&mut f, i, item))
        .collect();
    let tributes: Vec<_> = body
        .tributes
        .into_iter()
        .enumerate()
        .map(|(i, t)| tribute(&mut f, i, t))
        .collect();
    let associated: Vec<_> = body
        .associated_vouchers
        .into_iter()
        .enumerate()
        .map(|(i, a)| associated_voucher(&mut f, i, &a))
        .collect();
    let associated_period = body
        .associated_period
        .map(|p| period(&mut f, "associated_period", &p));
    let declared = body.totals.map(|t| declared_totals(&mut f, &t));
    f.finish()?;

    let missing = || ApiError::internal(anyhow::anyhow!("a validated field is missing"));
    let (Some(issuer), Some(voucher_type), Some(concept), Some(issue_date)) =
        (issuer, voucher_type, concept, issue_date)
    else {
        return Err(missing());
    };
    let (Some(receiver), Some(currency)) = (receiver, currency) else {
        return Err(missing());
    };
    let service_period = service_period.map(|p| p.ok_or_else(missing)).transpose()?;
    let associated_period = associated_period
        .map(|p| p.ok_or_else(missing))
        .transpose()?;
    let declared_totals = declared.map(|t| t.ok_or_else(missing)).transpose()?;
    let items = items
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(missing)?;
    let tributes = tributes
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(missing)?;
    let associated = associated
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(missing)?;
    let exchange_rate = body.exchange_rate.unwrap_or(Decimal::ONE);
    let point_of_sale = body.point_of_sale;
    Ok(Parsed {
        issuer,
        build: Box::new(move |invoice_id, issuer| RequestInvoice {
            invoice_id,
            issuer,
            point_of_sale,
            voucher_type,
            concept,
            issue_date,
            receiver,
            service_period,
            currency,
            exchange_rate,
            items,
            tributes,
            associated,
            associated_period,
            declared_totals,
        }),
    })
}

fn parse_date(f: &mut Fields, field: &str, text: &str) -> Option<Date> {
    date::parse(text)
        .map_err(|_| {
            f.add(
                field,
                "invalid_date",
                format!("`{text}` is not a YYYY-MM-DD date"),
            )
        })
        .ok()
}

fn money(f: &mut Fields, field: &str, amount: Decimal) -> Option<Money> {
    f.take(field, Money::new(amount))
}

fn receiver(f: &mut Fields, body: ReceiverBody) -> Option<Receiver> {
    let doc_type = f.take(
        "receiver.document_type",
        DocType::from_code(body.document_type),
    );
    let text = body.document_number.trim();
    let doc_number = match text.parse::<u64>() {
        Ok(n) if !text.starts_with('+') && text.len() <= 11 => Some(n),
        _ => {
            f.add(
                "receiver.document_number",
                "invalid_document_number",
                "must be up to 11 digits",
            );
            None
        }
    };
    let iva_condition = f.take(
        "receiver.iva_condition",
        IvaCondition::from_code(body.iva_condition),
    );
    let email = match body.email.as_deref() {
        Some(text) => Some(f.take("receiver.email", EmailAddress::parse(text))?),
        None => None,
    };
    Some(Receiver {
        doc_type: doc_type?,
        doc_number: doc_number?,
        name: body
            .name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty()),
        iva_condition: iva_condition?,
        email,
        address: body
            .address
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty()),
    })
}

fn service_period(f: &mut Fields, body: &ServicePeriodBody) -> Option<ServicePeriod> {
    let from = parse_date(f, "service_period.from", &body.from);
    let to = parse_date(f, "service_period.to", &body.to);
    let payment_due = parse_date(f, "service_period.payment_due", &body.payment_due);
    Some(ServicePeriod {
        from: from?,
        to: to?,
        payment_due: payment_due?,
    })
}

fn period(f: &mut Fields, field: &str, body: &PeriodBody) -> Option<Period> {
    let from = parse_date(f, &format!("{field}.from"), &body.from);
    let to = parse_date(f, &format!("{field}.to"), &body.to);
    Some(Period {
        from: from?,
        to: to?,
    })
}

fn item(f: &mut Fields, i: usize, body: ItemBody) -> Option<Item> {
    let unit_price = money(f, &format!("items[{i}].unit_price"), body.unit_price);
    // `None`: absent; `Some(None)`: present but invalid (already reported).
    let discount = body
        .discount
        .map(|d| money(f, &format!("items[{i}].discount"), d));
    let iva = body
        .iva_rate
        .as_deref()
        .map(|text| f.take(&format!("items[{i}].iva_rate"), IvaTreatment::parse(text)));
    Some(Item {
        description: body.description,
        quantity: body.quantity,
        unit_price: unit_price?,
        discount: discount.map_or(Some(None), |d| d.map(Some))?,
        iva: iva.map_or(Some(None), |t| t.map(Some))?,
    })
}

fn tribute(f: &mut Fields, i: usize, body: TributeBody) -> Option<Tribute> {
    let kind = f.take(
        &format!("tributes[{i}].kind"),
        TributeKind::from_code(body.kind),
    );
    let base = money(f, &format!("tributes[{i}].base"), body.base);
    let amount = money(f, &format!("tributes[{i}].amount"), body.amount);
    Some(Tribute {
        kind: kind?,
        description: body.description,
        base: base?,
        rate: body.rate,
        amount: amount?,
    })
}

fn associated_voucher(
    f: &mut Fields,
    i: usize,
    body: &AssociatedVoucherBody,
) -> Option<AssociatedVoucher> {
    let field = |name: &str| format!("associated_vouchers[{i}].{name}");
    let voucher_type = f.take(
        &field("voucher_type"),
        VoucherType::from_code(body.voucher_type),
    );
    let mut valid = true;
    let cuit = body.cuit.as_deref().and_then(|text| {
        let cuit = f.take(&field("cuit"), Cuit::parse(text.trim()));
        valid &= cuit.is_some();
        cuit
    });
    let date = body.date.as_deref().and_then(|text| {
        let date = parse_date(f, &field("date"), text);
        valid &= date.is_some();
        date
    });
    valid.then_some(AssociatedVoucher {
        voucher_type: voucher_type?,
        point_of_sale: body.point_of_sale,
        number: body.number,
        cuit,
        date,
    })
}

fn declared_totals(f: &mut Fields, body: &DeclaredTotalsBody) -> Option<DeclaredTotals> {
    let mut get = |name: &str, value: Option<Decimal>| {
        money(f, &format!("totals.{name}"), value.unwrap_or_default())
    };
    let not_taxed = get("not_taxed", body.not_taxed);
    let net = get("net", body.net);
    let exempt = get("exempt", body.exempt);
    let tributes = get("tributes", body.tributes);
    let iva = get("iva", body.iva);
    let total = get("total", body.total);
    Some(DeclaredTotals {
        not_taxed: not_taxed?,
        net: net?,
        exempt: exempt?,
        tributes: tributes?,
        iva: iva?,
        total: total?,
    })
}
