//! The messages: a voucher for its receiver, a notice for a tenant. Plain data in, a `lettre`
//! message out; the wording is Spanish, as the people who read them.

use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use uuid::Uuid;

use crate::MailError;

/// An authorized voucher to email to its receiver, with its stored PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceMail {
    /// The invoice (its `Message-ID` derives from it).
    pub invoice_id: Uuid,
    /// The receiver's address.
    pub to: String,
    /// The issuer's legal name.
    pub issuer_name: String,
    /// The voucher as people name it: `Factura B 0001-00000042`.
    pub voucher: String,
    /// Its issue date, as printed (`01/07/2025`).
    pub issue_date: String,
    /// Its total with its currency (`$ 1.210,00`, `USD 100,00`).
    pub total: String,
    /// The CAE.
    pub cae: String,
    /// The CAE's due date, as printed.
    pub cae_due_date: String,
    /// The attachment's file name (`FACTURA_B_0001-00000042.pdf`).
    pub file_name: String,
    /// The PDF.
    pub pdf: Vec<u8>,
}

/// A notice to a tenant about its account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeMail {
    /// What it is about (an event id: its `Message-ID` derives from it).
    pub about: Uuid,
    /// The tenant's contact address.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The text.
    pub text: String,
}

impl NoticeMail {
    /// A webhook subscription stopped receiving events.
    pub fn subscription_disabled(about: Uuid, to: String, url: &str, reason: &str) -> Self {
        Self {
            about,
            to,
            subject: format!("Webhook desactivado: {url}"),
            text: format!(
                "Hola,\n\nDesactivamos la suscripción de webhooks a {url} ({reason}): no recibirá \
                 más eventos hasta que la vuelva a activar.\n\nRevise que el destino responda \
                 con un código 2xx y actívela de nuevo desde la API \
                 (POST /v1/webhooks/subscriptions/{{id}}/enable).\n"
            ),
        }
    }

    /// A webhook delivery was given up after every attempt of the schedule.
    pub fn delivery_exhausted(about: Uuid, to: String, url: &str, attempts: u32) -> Self {
        Self {
            about,
            to,
            subject: format!("Webhook no entregado: {url}"),
            text: format!(
                "Hola,\n\nUn evento para {url} no pudo entregarse después de {attempts} \
                 intentos y no se volverá a intentar solo.\n\nPuede reenviarlo desde la API \
                 (POST /v1/webhooks/deliveries/{{id}}/redeliver) cuando el destino responda.\n"
            ),
        }
    }

    pub(crate) fn message(&self, from: &Mailbox) -> Result<Message, MailError> {
        Message::builder()
            .message_id(Some(message_id("notice", self.about, from)))
            .from(from.clone())
            .to(mailbox(&self.to)?)
            .subject(self.subject.as_str())
            .header(ContentType::TEXT_PLAIN)
            .body(self.text.clone())
            .map_err(MailError::Build)
    }
}

impl InvoiceMail {
    /// `Factura B 0001-00000042 de Empresa S.A.`
    pub fn subject(&self) -> String {
        format!("{} de {}", self.voucher, self.issuer_name)
    }

    /// The text of the message.
    pub fn text(&self) -> String {
        format!(
            "Hola,\n\n{issuer} le envía el comprobante {voucher} del {date}, autorizado por \
             ARCA.\n\nTotal: {total}\nCAE: {cae} (vencimiento {due})\n\nEl comprobante en PDF \
             va adjunto ({file}).\n",
            issuer = self.issuer_name,
            voucher = self.voucher,
            date = self.issue_date,
            total = self.total,
            cae = self.cae,
            due = self.cae_due_date,
            file = self.file_name,
        )
    }

    pub(crate) fn message(&self, from: &Mailbox) -> Result<Message, MailError> {
        let pdf = ContentType::parse("application/pdf").map_err(MailError::ContentType)?;
        let body = MultiPart::mixed()
            .singlepart(SinglePart::plain(self.text()))
            .singlepart(Attachment::new(self.file_name.clone()).body(self.pdf.clone(), pdf));
        Message::builder()
            .message_id(Some(message_id("invoice", self.invoice_id, from)))
            .from(from.clone())
            .to(mailbox(&self.to)?)
            .subject(self.subject())
            .multipart(body)
            .map_err(MailError::Build)
    }
}

/// The `Message-ID` of an invoice's email: `<invoice-{hex}@{the sender's domain}>`, the same
/// for every attempt and every resend.
pub fn invoice_message_id(invoice_id: Uuid, from: &Mailbox) -> String {
    message_id("invoice", invoice_id, from)
}

fn message_id(kind: &str, id: Uuid, from: &Mailbox) -> String {
    format!("<{kind}-{}@{}>", id.simple(), from.email.domain())
}

fn mailbox(address: &str) -> Result<Mailbox, MailError> {
    address
        .parse::<lettre::Address>()
        .map(|email| Mailbox::new(None, email))
        .map_err(|source| MailError::Address {
            address: address.to_owned(),
            source,
        })
}

pub(crate) fn sender(address: &str) -> Result<Mailbox, MailError> {
    address
        .parse::<Mailbox>()
        .map_err(|source| MailError::Address {
            address: address.to_owned(),
            source,
        })
}
