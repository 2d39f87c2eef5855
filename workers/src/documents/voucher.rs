//! An authorized invoice, as its stream holds it, and its issuer's profile turned into the plain
//! [`Voucher`] the renderer prints. Everything comes from the log: the request, the number and
//! the CAE of the invoice's stream, the issuer's registration of the taxpayer's stream.

use documents::{
    AssociatedVoucher, Authorization, Currency, Issuer, Item, IvaLine, LineIva, Period, Receiver,
    ServicePeriod, Totals, Tribute, Voucher,
};
use domain::invoice::{self, Invoice, InvoiceRequested};
use domain::taxpayer::TaxpayerProfile;
use domain::values::{IvaTreatment, Money};
use projections::query::{QrData, qr_url_with_base};

/// Why an invoice cannot be printed (yet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotPrintable {
    /// The invoice has no CAE (not authorized, or not yet).
    #[error("the invoice is not authorized")]
    NotAuthorized,
    /// The QR cannot be made (a CAE that is not 14 digits).
    #[error("no QR can be made for CAE {0:?}")]
    NoQr(String),
}

/// The printable voucher of `invoice`, issued by `issuer`, its QR starting with `qr_base`.
///
/// # Errors
/// [`NotPrintable`] when the invoice has no CAE or number.
pub fn voucher(
    invoice: &Invoice,
    issuer: &TaxpayerProfile,
    qr_base: &str,
) -> Result<Voucher, NotPrintable> {
    let (Some(request), Some(number), Some(cae)) =
        (invoice.request(), invoice.number(), invoice.authorization())
    else {
        return Err(NotPrintable::NotAuthorized);
    };
    let qr_url = qr(request, number, &cae.cae, qr_base)
        .ok_or_else(|| NotPrintable::NoQr(cae.cae.clone()))?;
    Ok(Voucher {
        issuer: Issuer {
            legal_name: issuer.legal_name.clone(),
            address: issuer.address.clone().unwrap_or_default(),
            iva_condition: issuer.iva_condition.as_receiver().code(),
            cuit: issuer.cuit.as_u64(),
            gross_income_number: issuer.gross_income_number.clone(),
            activities_start: issuer.activity_start_date,
        },
        voucher_type: request.voucher_type.code(),
        point_of_sale: request.point_of_sale,
        number,
        issue_date: request.issue_date,
        concept: request.concept.code(),
        service_period: request.service_period.map(|p| ServicePeriod {
            from: p.from,
            to: p.to,
            payment_due: p.payment_due,
        }),
        receiver: Receiver {
            doc_type: request.receiver.doc_type.code(),
            doc_number: request.receiver.doc_number,
            name: request.receiver.name.clone(),
            iva_condition: request.receiver.iva_condition.code(),
            address: request.receiver.address.clone(),
        },
        sale_condition: None,
        items: request.items.iter().map(item).collect(),
        iva: request.iva.iter().map(iva_line).collect(),
        tributes: request.tributes.iter().map(tribute).collect(),
        totals: totals(&request.totals),
        currency: Currency {
            code: request.currency.code().to_owned(),
            name: request.currency.name().to_owned(),
            exchange_rate: request.exchange_rate.value(),
        },
        associated_vouchers: request.associated.iter().map(associated).collect(),
        associated_period: request.associated_period.map(|p| Period {
            from: p.from,
            to: p.to,
        }),
        authorization: Authorization {
            cae: cae.cae.clone(),
            cae_due_date: cae.cae_due_date,
            qr_url,
        },
    })
}

/// The RG 4892 QR URL, from the same fields the read model's QR is made of.
fn qr(request: &InvoiceRequested, number: u64, cae: &str, base: &str) -> Option<String> {
    let receiver = (
        i32::from(request.receiver.doc_type.code()),
        i64::try_from(request.receiver.doc_number).ok()?,
    );
    qr_url_with_base(
        base,
        &QrData {
            date: request.issue_date,
            cuit: request.issuer_cuit.as_i64(),
            point_of_sale: i32::try_from(request.point_of_sale).ok()?,
            voucher_type: i32::from(request.voucher_type.code()),
            number: i64::try_from(number).ok()?,
            total: request.totals.total.amount(),
            currency: request.currency.code(),
            exchange_rate: request.exchange_rate.value(),
            receiver,
            cae,
        },
    )
}

fn item(line: &invoice::InvoiceLine) -> Item {
    Item {
        description: line.description.clone(),
        quantity: line.quantity,
        unit_price: line.unit_price.amount(),
        discount: line.discount.map(Money::amount),
        iva: line.iva.map(|treatment| match treatment {
            IvaTreatment::Taxed(rate) => LineIva::Taxed(rate.percent()),
            IvaTreatment::Exempt => LineIva::Exempt,
            IvaTreatment::NotTaxed => LineIva::NotTaxed,
        }),
        net: line.net.amount(),
    }
}

fn iva_line(line: &invoice::IvaLine) -> IvaLine {
    IvaLine {
        rate: line.rate.percent(),
        base: line.base.amount(),
        amount: line.amount.amount(),
    }
}

fn tribute(tribute: &invoice::Tribute) -> Tribute {
    Tribute {
        kind: tribute.kind.code(),
        description: tribute.description.clone(),
        base: tribute.base.amount(),
        rate: tribute.rate,
        amount: tribute.amount.amount(),
    }
}

fn totals(totals: &invoice::Totals) -> Totals {
    Totals {
        net: totals.net.amount(),
        not_taxed: totals.not_taxed.amount(),
        exempt: totals.exempt.amount(),
        tributes: totals.tributes.amount(),
        iva: totals.iva.amount(),
        total: totals.total.amount(),
    }
}

fn associated(voucher: &invoice::AssociatedVoucher) -> AssociatedVoucher {
    AssociatedVoucher {
        voucher_type: voucher.voucher_type.code(),
        point_of_sale: voucher.point_of_sale,
        number: voucher.number,
        cuit: voucher.cuit.map(|c| c.as_u64()),
        date: voucher.date,
    }
}
