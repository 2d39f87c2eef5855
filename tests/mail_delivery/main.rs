//! The email engine against a real SMTP server on loopback (aiosmtpd, `mail::testing`): the
//! outbox projector fed from the store's log, the sender's attempts, what the server received
//! as Python's email package reads it, and what the invoice's stream records.

mod support;

use std::sync::Arc;
use std::time::Duration;

use commands::tenants;

use domain::invoice::Invoice;
use domain::values::EmailAddress;
use domain::webhook::{
    DeliveryExhausted, DisableReason, Subscription, SubscriptionCreated, SubscriptionDisabled,
    SubscriptionEvent,
};
use domain::{Context, SubscriptionId, TenantId};
use eventstore::{EventStore, PgEventStore};
use mail::testing::{SmtpSink, closed_port};
use sqlx::PgPool;
use support::*;
use time::OffsetDateTime;
use uuid::Uuid;

const KEY: &str = "t/20267565393/00001-006-00000042.v1.pdf";
const WAIT: Duration = Duration::from_secs(5);

fn tenant() -> TenantId {
    TenantId(Uuid::new_v4())
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.7\n".iter().copied().chain(0..=255).collect()
}

fn types(events: &[(String, serde_json::Value)]) -> Vec<&str> {
    events.iter().map(|(t, _)| t.as_str()).collect()
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_receiver_gets_the_voucher_once_with_the_stored_pdf_and_the_invoice_records_it(
    pool: PgPool,
) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let pdfs = Pdfs::with(KEY, &pdf()).await.unwrap();
    let tenant = tenant();
    issuer(&pool, tenant).await.unwrap();
    let id = authorized_invoice(&pool, tenant, Some("cliente@example.com"), KEY)
        .await
        .unwrap();
    let quiet = authorized_invoice(&pool, tenant, None, KEY).await.unwrap();
    project(&pool).await.unwrap();
    let sender = sender(&pool, sink.port(), &pdfs.config, 3).unwrap();
    drain(&pool, &sender).await.unwrap();

    let received = sink.wait_for(1, WAIT);
    assert_eq!(
        received.len(),
        1,
        "only the invoice with a receiver email is sent"
    );
    let mail = &received[0];
    assert_eq!(mail.rcpt_tos, ["cliente@example.com"]);
    assert_eq!(
        mail.subject,
        "Factura B 00001-00000042 de Empresa de Prueba SA"
    );
    let text = mail.text.as_deref().unwrap();
    assert!(text.contains("Total: $ 1.210,00"), "{text}");
    assert!(text.contains("CAE: 71263951827464"), "{text}");
    assert_eq!(mail.attachments.len(), 1);
    assert_eq!(
        mail.attachments[0].filename.as_deref(),
        Some("FACTURA_B_00001-00000042.pdf")
    );
    assert_eq!(mail.attachments[0].content_type, "application/pdf");
    assert_eq!(
        mail.attachments[0].bytes(),
        pdf(),
        "the stored PDF, byte for byte"
    );

    let events = stream_events(&pool, &Invoice::stream_id(id)).await.unwrap();
    let (kind, emailed) = events.last().unwrap();
    assert_eq!(kind, "invoice.emailed");
    assert_eq!(emailed["to"], "cliente@example.com");
    assert_eq!(emailed["message_id"], mail.message_id.as_str());
    assert_eq!(emailed["template_version"], "1");
    assert_eq!(emailed["attempts"], 1);
    let quiet_events = stream_events(&pool, &Invoice::stream_id(quiet))
        .await
        .unwrap();
    assert!(!types(&quiet_events).contains(&"invoice.emailed"));

    // A second document, a second run: nothing more is sent or recorded.
    append(
        &pool,
        tenant,
        &Invoice::stream_id(id),
        &[document(KEY, "2")],
    )
    .await
    .unwrap();
    project(&pool).await.unwrap();
    drain(&pool, &sender).await.unwrap();
    assert_eq!(sender.run_once().await.unwrap(), 0);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.received().len(), 1);
    let after = stream_events(&pool, &Invoice::stream_id(id)).await.unwrap();
    let emailed = types(&after)
        .iter()
        .filter(|t| **t == "invoice.emailed")
        .count();
    assert_eq!(emailed, 1);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_server_that_is_down_is_retried_then_the_failure_is_recorded_once(pool: PgPool) {
    let pdfs = Pdfs::with(KEY, &pdf()).await.unwrap();
    let tenant = tenant();
    issuer(&pool, tenant).await.unwrap();
    let id = authorized_invoice(&pool, tenant, Some("cliente@example.com"), KEY)
        .await
        .unwrap();
    project(&pool).await.unwrap();
    let registry = prometheus::Registry::new();
    let counter = workers::mail::email_counter(&registry).unwrap();
    let sender =
        counted_sender(&pool, closed_port(), &pdfs.config, 3, Some(counter.clone())).unwrap();
    let mut rounds = 0;
    loop {
        let claimed = sender.run_once().await.unwrap();
        if claimed == 0 {
            break;
        }
        rounds += claimed;
    }
    assert_eq!(rounds, 3, "one claim per attempt, three attempts");
    let counted = |outcome| counter.with_label_values(&["invoice", outcome]).get();
    assert_eq!(
        (counted("retried"), counted("failed"), counted("sent")),
        (2, 1, 0)
    );

    let events = stream_events(&pool, &Invoice::stream_id(id)).await.unwrap();
    let (kind, failed) = events.last().unwrap();
    assert_eq!(kind, "invoice.email_failed");
    assert_eq!(failed["to"], "cliente@example.com");
    assert_eq!(failed["attempts"], 3);
    assert!(!failed["last_error"].as_str().unwrap().is_empty());
    let (status, attempts): (String, i32) =
        sqlx::query_as("select status, attempts from mail.outbox where mail_id = $1")
            .bind(id.as_uuid())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts), ("failed", 3));
    assert_eq!(
        sender.run_once().await.unwrap(),
        0,
        "a failed email is not tried again"
    );
}

async fn subscription(
    pool: &PgPool,
    tenant: TenantId,
    url: &str,
) -> anyhow::Result<SubscriptionId> {
    let id = SubscriptionId(Uuid::new_v4());
    let created = SubscriptionEvent::Created(SubscriptionCreated {
        subscription_id: id,
        url: url.to_owned(),
        event_types: vec![],
        description: None,
        key_id: Uuid::new_v4(),
    });
    append(pool, tenant, &Subscription::stream_id(id), &[created]).await?;
    Ok(id)
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_tenants_contact_is_told_of_a_disabled_subscription_and_an_exhausted_delivery(
    pool: PgPool,
) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    // As `arca tenant create told --contact-email admin@empresa.com.ar` does it.
    let store: Arc<dyn EventStore> = Arc::new(PgEventStore::new(pool.clone()));
    let ctx = Context::new(OffsetDateTime::now_utc());
    let told = tenants::create_tenant(&store, &ctx, "told")
        .await
        .unwrap()
        .tenant_id;
    let contact = EmailAddress::parse("admin@empresa.com.ar").unwrap();
    tenants::set_contact_email(&store, &ctx, told, Some(contact))
        .await
        .unwrap();
    let silent = tenants::create_tenant(&store, &ctx, "silent")
        .await
        .unwrap()
        .tenant_id;
    let mine = subscription(&pool, told, "https://erp.example.com/hooks")
        .await
        .unwrap();
    let theirs = subscription(&pool, silent, "https://other.example.com/hooks")
        .await
        .unwrap();
    for (tenant, id) in [(told, mine), (silent, theirs)] {
        let trouble = [
            SubscriptionEvent::DeliveryExhausted(DeliveryExhausted {
                delivery_id: Uuid::new_v4(),
                event_id: Uuid::new_v4(),
                attempts: 7,
            }),
            SubscriptionEvent::Disabled(SubscriptionDisabled {
                reason: DisableReason::Gone410,
                since: domain::testing::NOW,
            }),
        ];
        append(&pool, tenant, &Subscription::stream_id(id), &trouble)
            .await
            .unwrap();
    }
    project(&pool).await.unwrap();
    let pdfs = Pdfs::with(KEY, &pdf()).await.unwrap();
    drain(&pool, &sender(&pool, sink.port(), &pdfs.config, 3).unwrap())
        .await
        .unwrap();

    let mut received = sink.wait_for(2, WAIT);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        sink.received().len(),
        2,
        "the tenant without a contact gets nothing"
    );
    received.sort_by(|a, b| a.subject.cmp(&b.subject));
    assert!(
        received
            .iter()
            .all(|m| m.rcpt_tos == ["admin@empresa.com.ar"])
    );
    assert_eq!(
        received[0].subject,
        "Webhook desactivado: https://erp.example.com/hooks"
    );
    assert!(received[0].text.as_deref().unwrap().contains("gone_410"));
    assert_eq!(
        received[1].subject,
        "Webhook no entregado: https://erp.example.com/hooks"
    );
    assert!(received[1].text.as_deref().unwrap().contains("7 intentos"));
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_voucher_whose_pdf_was_recorded_while_email_was_off_is_never_sent(pool: PgPool) {
    let Some(sink) = SmtpSink::start() else {
        return;
    };
    let pdfs = Pdfs::with(KEY, &pdf()).await.unwrap();
    let tenant = tenant();
    issuer(&pool, tenant).await.unwrap();
    let before = authorized_invoice(&pool, tenant, Some("antes@example.com"), KEY)
        .await
        .unwrap();
    project_with(&pool, false).await.unwrap();
    let after = authorized_invoice(&pool, tenant, Some("despues@example.com"), KEY)
        .await
        .unwrap();
    project(&pool).await.unwrap();
    drain(&pool, &sender(&pool, sink.port(), &pdfs.config, 3).unwrap())
        .await
        .unwrap();

    let received = sink.wait_for(1, WAIT);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sink.received().len(), 1, "{received:?}");
    assert_eq!(received[0].rcpt_tos, ["despues@example.com"]);
    let skipped = stream_events(&pool, &Invoice::stream_id(before))
        .await
        .unwrap();
    assert!(!types(&skipped).contains(&"invoice.emailed"));
    let sent = stream_events(&pool, &Invoice::stream_id(after))
        .await
        .unwrap();
    assert!(types(&sent).contains(&"invoice.emailed"));
}
