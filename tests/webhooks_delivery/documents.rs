//! `invoice.document_issued`: a public webhook type, delivered to the subscriptions that list
//! it, carrying the invoice with its PDF's URL and SHA-256.

use std::time::Duration;

use domain::TenantId;
use domain::invoice::{
    CaeGranted, DocumentIssued, Invoice, InvoiceEvent, InvoiceNumberAssigned, InvoiceSubmitted,
};
use sqlx::PgPool;
use time::macros::date;
use uuid::Uuid;

use crate::support::{Receiver, append, dispatcher, drain, fan_out, invoice, keys_for, subscribe};

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_subscription_to_document_issued_gets_the_invoice_with_its_pdf(pool: PgPool) {
    let (addr, receiver) = Receiver::start(&[], Duration::ZERO).await.unwrap();
    let tenant = TenantId(Uuid::new_v4());
    let url = format!("http://{addr}/hook");
    let sub = subscribe(&pool, tenant, &url, &["invoice.document_issued"])
        .await
        .unwrap();
    let id = invoice(&pool, tenant).await.unwrap();
    let sha256 = "ab".repeat(32);
    let events = [
        InvoiceEvent::NumberAssigned(InvoiceNumberAssigned { number: 42 }),
        InvoiceEvent::Submitted(InvoiceSubmitted {
            number: 42,
            request_hash: "00".repeat(32),
            submitted_at: time::OffsetDateTime::now_utc(),
        }),
        InvoiceEvent::CaeGranted(CaeGranted {
            number: 42,
            cae: "71234567890123".into(),
            cae_due_date: date!(2026 - 12 - 31),
            observations: vec![],
        }),
        InvoiceEvent::DocumentIssued(DocumentIssued {
            sha256: sha256.clone(),
            bytes: 1_234,
            key: "t/sim/20267565393/00001-001-00000042.v1.pdf".into(),
            template_version: "1".into(),
        }),
    ];
    append(&pool, tenant, &Invoice::stream_id(id), &events)
        .await
        .unwrap();
    fan_out(&pool).await.unwrap();
    let (keys, _) = keys_for(sub);
    drain(&pool, &dispatcher(&pool, true, "0s", &keys).unwrap())
        .await
        .unwrap();

    let got = receiver.received();
    assert_eq!(got.len(), 1, "only the document's event was subscribed to");
    let body: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["type"], "invoice.document_issued");
    let shown = &body["data"]["invoice"];
    assert_eq!(shown["id"], id.as_uuid().to_string());
    assert_eq!(shown["status"], "authorized");
    assert_eq!(
        shown["document_url"],
        format!("/v1/invoices/{}/pdf", id.as_uuid())
    );
    assert_eq!(shown["document_sha256"], sha256);
}
