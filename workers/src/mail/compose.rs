//! What an invoice's email says: its voucher as people name it, its total, its CAE and the
//! attached PDF's file name, from the invoice's and the issuer's streams and the stored PDF.

use std::sync::Arc;

use commands::handler::{CommandError, load};
use documents::{format, labels};
use domain::invoice::{Invoice, InvoiceRequested};
use domain::taxpayer::Taxpayer;
use domain::values::Currency;
use domain::{StreamId, TenantId};
use eventstore::EventStore;
use mail::InvoiceMail;
use storage::{DocumentKey, DocumentStore, StoreError};

/// Why an invoice's email could not be put together.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    /// Its stream or the issuer's could not be read.
    #[error("reading the invoice or its issuer")]
    Load(#[from] CommandError),
    /// The invoice is not authorized (no number or no CAE): nothing to send.
    #[error("the invoice is not authorized")]
    NotAuthorized,
    /// The stored PDF could not be read.
    #[error("reading the stored PDF")]
    Document(#[from] StoreError),
}

/// How a voucher type reads in a subject: `Factura B`, `Nota de crédito A`.
fn voucher_title(code: u16) -> String {
    let Some(name) = labels::voucher_name(code) else {
        return format!("Comprobante {code}");
    };
    let mut words = Vec::new();
    for (index, word) in name.title.split(' ').enumerate() {
        let shouted = word.chars().all(|c| !c.is_lowercase()) && !word.starts_with('(');
        words.push(if index == 0 || !shouted {
            capitalized(word, index == 0)
        } else {
            word.to_lowercase()
        });
    }
    format!("{} {}", words.join(" "), name.letter)
}

/// `FACTURA` → `Factura`; words that are not all capitals stay as they are.
fn capitalized(word: &str, first: bool) -> String {
    if !first || word.chars().any(char::is_lowercase) {
        return word.to_owned();
    }
    let lower = word.to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `$ 1.210,00` for pesos, `100,00 Dólar Estadounidense` otherwise.
fn total(request: &InvoiceRequested) -> String {
    let amount = format::amount(request.totals.total.amount());
    if request.currency == Currency::PES {
        format!("$ {amount}")
    } else {
        format!("{amount} {}", request.currency.name())
    }
}

/// The email of an authorized invoice, with `pdf` attached.
pub(super) fn describe(
    invoice: &Invoice,
    issuer_name: &str,
    to: &str,
    pdf: &[u8],
) -> Result<InvoiceMail, ComposeError> {
    let (Some(request), Some(number), Some(authorization)) =
        (invoice.request(), invoice.number(), invoice.authorization())
    else {
        return Err(ComposeError::NotAuthorized);
    };
    let title = voucher_title(request.voucher_type.code());
    let voucher_number = format::voucher_number(request.point_of_sale, number);
    Ok(InvoiceMail {
        invoice_id: request.invoice_id.as_uuid(),
        to: to.to_owned(),
        issuer_name: issuer_name.to_owned(),
        voucher: format!("{title} {voucher_number}"),
        issue_date: format::date(request.issue_date),
        total: total(request),
        cae: authorization.cae.clone(),
        cae_due_date: format::date(authorization.cae_due_date),
        file_name: request
            .voucher_type
            .file_name(request.point_of_sale, number),
        pdf: pdf.to_vec(),
    })
}

/// Loads the invoice, its issuer's name and the stored PDF, and describes the email.
pub(super) async fn invoice_mail(
    store: &Arc<dyn EventStore>,
    documents: &DocumentStore,
    tenant: TenantId,
    stream: &str,
    key: &str,
    to: &str,
) -> Result<InvoiceMail, ComposeError> {
    let (invoice, _) = load::<Invoice>(store, tenant, &StreamId::new(stream)).await?;
    let cuit = invoice
        .request()
        .map(|r| r.issuer_cuit)
        .ok_or(ComposeError::NotAuthorized)?;
    let (taxpayer, _) =
        load::<Taxpayer>(store, tenant, &Taxpayer::stream_id(tenant, &cuit)).await?;
    let issuer_name = taxpayer
        .profile()
        .map_or_else(|| cuit.to_string(), |p| p.legal_name.clone());
    let pdf = documents.get(&DocumentKey::parse(key)?).await?;
    describe(&invoice, &issuer_name, to, &pdf)
}

#[cfg(test)]
mod tests {
    use domain::testing::requested;
    use domain::{Aggregate, invoice::InvoiceEvent};

    use super::*;

    fn authorized(request: domain::invoice::RequestInvoice) -> Invoice {
        let mut events = requested(request);
        events.push(InvoiceEvent::Submitted(domain::invoice::InvoiceSubmitted {
            number: 42,
            request_hash: "h".to_owned(),
            submitted_at: domain::testing::NOW,
        }));
        events.push(InvoiceEvent::CaeGranted(domain::invoice::CaeGranted {
            number: 42,
            cae: "71263951827464".to_owned(),
            cae_due_date: time::macros::date!(2025 - 07 - 11),
            observations: vec![],
        }));
        Invoice::replay(&events)
    }

    #[test]
    fn names_the_voucher_its_total_and_the_pdf_as_a_person_reads_them() {
        let invoice = authorized(domain::testing::factura_b());
        let mail = describe(&invoice, "Emisor SA", "c@example.com", b"%PDF").unwrap();
        assert_eq!(mail.voucher, "Factura B 00001-00000042");
        assert_eq!(mail.subject(), "Factura B 00001-00000042 de Emisor SA");
        assert_eq!(mail.file_name, "FACTURA_B_00001-00000042.pdf");
        assert_eq!(mail.total, "$ 1.210,00");
        assert_eq!(mail.cae_due_date, "11/07/2025");
        assert_eq!(mail.pdf, b"%PDF");
    }

    #[test]
    fn a_note_reads_in_lower_case() {
        assert_eq!(voucher_title(3), "Nota de crédito A");
        assert_eq!(
            voucher_title(206),
            "Factura de crédito electrónica MiPyMEs (FCE) B"
        );
        assert_eq!(voucher_title(9999), "Comprobante 9999");
    }

    #[test]
    fn an_invoice_without_a_cae_has_no_email() {
        let invoice = Invoice::replay(&requested(domain::testing::factura_b()));
        let error = describe(&invoice, "E", "c@example.com", &[]).unwrap_err();
        assert!(matches!(error, ComposeError::NotAuthorized));
    }
}
