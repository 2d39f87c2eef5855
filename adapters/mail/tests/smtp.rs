//! The mailer against a real SMTP server on loopback (aiosmtpd): what the server received, as
//! Python's email package reads it.

use std::time::Duration;

use mail::testing::{SmtpSink, closed_port};
use mail::{InvoiceMail, Mailer, NoticeMail, SmtpConfig, TlsMode};
use uuid::Uuid;

fn config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".to_owned(),
        port,
        username: None,
        password: None,
        tls: TlsMode::None,
        from: "Facturación <facturas@emisor.com.ar>".to_owned(),
        timeout: Duration::from_secs(5),
    }
}

fn invoice(pdf: Vec<u8>) -> InvoiceMail {
    InvoiceMail {
        invoice_id: Uuid::from_u128(0x42),
        to: "cliente@example.com".to_owned(),
        issuer_name: "Panadería Ñandú S.A.".to_owned(),
        voucher: "Factura B 0001-00000042".to_owned(),
        issue_date: "01/07/2025".to_owned(),
        total: "$ 1.210,00".to_owned(),
        cae: "71263951827464".to_owned(),
        cae_due_date: "11/07/2025".to_owned(),
        file_name: "FACTURA_B_0001-00000042.pdf".to_owned(),
        pdf,
    }
}

#[tokio::test]
async fn the_receiver_gets_the_voucher_in_spanish_with_the_pdf_attached() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let mailer = Mailer::new(&config(sink.port())).unwrap();
    let pdf: Vec<u8> = b"%PDF-1.7\n".iter().copied().chain(0..=255).collect();
    let message_id = mailer.send_invoice(&invoice(pdf.clone())).await.unwrap();

    let received = sink.wait_for(1, Duration::from_secs(5));
    assert_eq!(received.len(), 1);
    let mail = &received[0];
    assert_eq!(mail.rcpt_tos, ["cliente@example.com"]);
    assert_eq!(mail.mail_from, "facturas@emisor.com.ar");
    assert_eq!(
        mail.subject,
        "Factura B 0001-00000042 de Panadería Ñandú S.A."
    );
    assert_eq!(mail.message_id, message_id);
    assert_eq!(
        message_id,
        format!("<invoice-{}@emisor.com.ar>", Uuid::from_u128(0x42).simple())
    );
    let text = mail.text.as_deref().unwrap();
    assert!(text.contains("Total: $ 1.210,00"), "{text}");
    assert!(
        text.contains("CAE: 71263951827464 (vencimiento 11/07/2025)"),
        "{text}"
    );
    assert_eq!(mail.attachments.len(), 1);
    let attachment = &mail.attachments[0];
    assert_eq!(
        attachment.filename.as_deref(),
        Some("FACTURA_B_0001-00000042.pdf")
    );
    assert_eq!(attachment.content_type, "application/pdf");
    assert_eq!(attachment.bytes(), pdf);
}

#[tokio::test]
async fn a_resend_carries_the_same_message_id() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let mailer = Mailer::new(&config(sink.port())).unwrap();
    let first = mailer
        .send_invoice(&invoice(b"%PDF".to_vec()))
        .await
        .unwrap();
    let second = mailer
        .send_invoice(&invoice(b"%PDF".to_vec()))
        .await
        .unwrap();
    assert_eq!(first, second);
    let received = sink.wait_for(2, Duration::from_secs(5));
    assert_eq!(received[0].message_id, received[1].message_id);
}

#[tokio::test]
async fn a_tenant_notice_reaches_its_contact() {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let mailer = Mailer::new(&config(sink.port())).unwrap();
    let notice = NoticeMail::subscription_disabled(
        Uuid::from_u128(7),
        "admin@empresa.com.ar".to_owned(),
        "https://erp.example.com/hooks",
        "endpoint_gone",
    );
    mailer.send_notice(&notice).await.unwrap();
    let received = sink.wait_for(1, Duration::from_secs(5));
    assert_eq!(received[0].rcpt_tos, ["admin@empresa.com.ar"]);
    assert_eq!(
        received[0].subject,
        "Webhook desactivado: https://erp.example.com/hooks"
    );
    assert!(received[0].attachments.is_empty());
}

#[tokio::test]
async fn a_server_that_is_down_is_a_failure_worth_retrying() {
    let mailer = Mailer::new(&config(closed_port())).unwrap();
    let error = mailer
        .send_invoice(&invoice(b"%PDF".to_vec()))
        .await
        .unwrap_err();
    assert!(!error.is_permanent(), "{error:?}");
}

#[test]
fn refuses_a_sender_that_is_not_an_address() {
    let mut bad = config(25);
    bad.from = "facturas".to_owned();
    assert!(Mailer::new(&bad).is_err());
}
