//! WSAA tickets at rest on the real Postgres: sealed under the keyring's current key and bound
//! to their row; a row a previous version kept in clear, or one that does not open, is read as
//! absent (the broker logs in again) and never stops the broker, and a clear ticket WSAA still
//! holds valid is kept while WSAA refuses a second login.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use arca_ws::broker::{BrokerError, TicketBroker, stored_tickets};
use arca_ws::credentials::{CredentialError, Keyring, SealingKey};
use arca_ws::sim::RunningSim;
use arca_ws::wsaa::WsaaClient;
use sqlx::PgPool;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../schemas/migrations");

fn keyring(id: &str) -> Keyring {
    Keyring::new(vec![(id.to_owned(), SealingKey::derive_dev(id))], id).unwrap()
}

fn broker(pool: &PgPool, sim: &RunningSim, keys: Keyring) -> TicketBroker {
    let wsaa = WsaaClient::new(sim.wsaa_url(), Duration::from_secs(20)).unwrap();
    let creds = Arc::new(common::bundle().leaf.clone());
    TicketBroker::new(pool.clone(), keys, wsaa, creds, "wsfe", "sim").unwrap()
}

fn fingerprint() -> String {
    common::bundle().leaf.fingerprint().unwrap()
}

/// The row's clear ticket, key id and ciphertext.
async fn raw(pool: &PgPool) -> (Option<serde_json::Value>, Option<String>, Option<Vec<u8>>) {
    sqlx::query_as("SELECT ticket, sealing_key_id, ciphertext FROM arca_ws.tickets")
        .fetch_one(pool)
        .await
        .unwrap()
}

/// Writes the row of the bundle's certificate as a previous version kept it: in clear.
async fn store_in_clear(pool: &PgPool, ticket: serde_json::Value) {
    sqlx::query(
        "INSERT INTO arca_ws.tickets (cert_fingerprint, service, environment, ticket, expires_at) \
         VALUES ($1, 'wsfe', 'sim', $2, now() + interval '12 hours') \
         ON CONFLICT (cert_fingerprint, service, environment) DO UPDATE SET \
           ticket = EXCLUDED.ticket, sealing_key_id = NULL, nonce = NULL, ciphertext = NULL",
    )
    .bind(fingerprint())
    .bind(ticket)
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_stored_ticket_is_sealed_under_the_current_key_and_bound_to_its_row(pool: PgPool) {
    let sim = common::start_sim().await;
    let ticket = broker(&pool, &sim, keyring("k1")).ticket().await.unwrap();
    let (clear, key_id, ciphertext) = raw(&pool).await;
    assert_eq!(clear, None, "nothing in clear");
    assert_eq!(key_id.as_deref(), Some("k1"));
    let ciphertext = ciphertext.unwrap();
    for secret in [&ticket.token, &ticket.sign] {
        let needle = &secret.as_bytes()[..32];
        assert!(!ciphertext.windows(32).any(|w| w == needle));
    }
    assert_eq!(
        stored_tickets(&pool, &keyring("k1")).await.unwrap()[0].token,
        ticket.token
    );

    // The same bytes under another certificate's row do not open.
    sqlx::query("UPDATE arca_ws.tickets SET cert_fingerprint = 'another certificate'")
        .execute(&pool)
        .await
        .unwrap();
    let moved = stored_tickets(&pool, &keyring("k1")).await.unwrap_err();
    assert!(
        matches!(moved, BrokerError::Sealing(CredentialError::Sealing)),
        "{moved}"
    );
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_ticket_kept_in_clear_by_a_previous_version_is_absent_and_replaced_sealed(pool: PgPool) {
    let sim = common::start_sim().await;
    let now = time::OffsetDateTime::now_utc();
    store_in_clear(
        &pool,
        serde_json::json!({
            "token": "legacy-token", "sign": "legacy-sign", "service": "wsfe",
            "generation_time": now.format(&time::format_description::well_known::Rfc3339).unwrap(),
            "expiration_time": (now + time::Duration::hours(12))
                .format(&time::format_description::well_known::Rfc3339).unwrap(),
            "unique_id": 1, "source": "CN=wsaa", "destination": "CN=legacy", "relations": [],
        }),
    )
    .await;
    let ticket = broker(&pool, &sim, keyring("k1")).ticket().await.unwrap();
    assert_ne!(
        ticket.token, "legacy-token",
        "the clear ticket is not served"
    );
    assert_eq!(sim.sim.login_count(), 1, "the broker logged in again");
    let (clear, key_id, _) = raw(&pool).await;
    assert_eq!((clear, key_id.as_deref()), (None, Some("k1")));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_ticket_that_does_not_open_is_absent_rather_than_an_error(pool: PgPool) {
    let sim = common::start_sim().await;
    sqlx::query(
        "INSERT INTO arca_ws.tickets \
         (cert_fingerprint, service, environment, sealing_key_id, nonce, ciphertext, expires_at) \
         VALUES ($1, 'wsfe', 'sim', 'k0', $2, $3, now() + interval '12 hours')",
    )
    .bind(fingerprint())
    .bind(vec![0_u8; 12])
    .bind(vec![1_u8; 64])
    .execute(&pool)
    .await
    .unwrap();
    let ticket = broker(&pool, &sim, keyring("k2")).ticket().await;
    assert!(ticket.is_ok(), "{ticket:?}");
    assert_eq!(sim.sim.login_count(), 1);
    assert_eq!(raw(&pool).await.1.as_deref(), Some("k2"));
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_clear_ticket_wsaa_still_holds_is_kept_while_wsaa_refuses_a_new_login(pool: PgPool) {
    let sim = common::start_sim().await;
    let ticket = broker(&pool, &sim, keyring("k1")).ticket().await.unwrap();
    // As a previous version would have stored that same ticket.
    store_in_clear(&pool, serde_json::to_value(&ticket).unwrap()).await;

    let upgraded = broker(&pool, &sim, keyring("k1")).ticket().await;
    let upgraded = upgraded.expect("invoicing goes on with the ticket WSAA holds");
    assert_eq!(upgraded.token, ticket.token);
    assert_eq!(sim.sim.login_count(), 1, "WSAA issued no second ticket");
}
