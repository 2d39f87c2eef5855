//! Rotating the sealing key on the real Postgres: rows sealed under old keys (`k1`, and the old
//! single key `default`, some rows from before rows named their key) are re-sealed under `k2` by
//! `arca credentials reseal`; an interrupted run resumes; once every row is moved the old keys
//! can go and everything still opens. Before that, a row whose key is not configured fails with
//! an error naming it.

use std::sync::Arc;
use std::time::Duration;

use arca_ws::broker::{TicketBroker, stored_tickets};
use arca_ws::certs::{dev_ca, dev_credentials};
use arca_ws::credentials::{CredentialError, Keyring, PgCredentialStore, SealingKey};
use arca_ws::wsaa::WsaaClient;
use secrecy::ExposeSecret as _;
use sqlx::PgPool;
use uuid::Uuid;
use workers::reseal::{ResealOptions, TableCount, reseal};
use workers::webhooks::PgSigningKeys;

use crate::helpers::{NOW, RI_CUIT, TestApp};
use crate::saga::simulator;
use crate::webhook_subscriptions::create;

fn key(id: &str) -> (String, SealingKey) {
    let key = if id == "default" {
        SealingKey::derive_dev("tests")
    } else {
        SealingKey::derive_dev(id)
    };
    (id.to_owned(), key)
}

/// A keyring of `ids` (the test app's key as `default`), the first current.
fn keyring(ids: &[&str]) -> Keyring {
    Keyring::new(ids.iter().map(|id| key(id)).collect(), ids[0]).unwrap()
}

/// A ticket row as a version before sealing kept it: in clear.
async fn legacy_ticket(pool: &PgPool) {
    let ticket = serde_json::json!({
        "token": "legacy-token", "sign": "legacy-sign", "service": "wsfe",
        "generation_time": "2026-11-23T15:00:00Z", "expiration_time": "2026-11-24T03:00:00Z",
        "unique_id": 1, "source": "CN=wsaahomo", "destination": "CN=legacy", "relations": [],
    });
    sqlx::query(
        "insert into arca_ws.tickets (cert_fingerprint, service, environment, ticket, expires_at) \
         values ('legacy', 'wsfe', 'sim', $1, '2026-11-24T03:00:00Z')",
    )
    .bind(ticket)
    .execute(pool)
    .await
    .unwrap();
}

fn counts(report: &workers::reseal::ResealReport) -> Vec<(u64, u64)> {
    report
        .tables
        .iter()
        .map(
            |TableCount {
                 resealed,
                 remaining,
                 ..
             }| (*resealed, *remaining),
        )
        .collect()
}

#[sqlx::test(migrations = "schemas/migrations")]
async fn rows_sealed_under_old_keys_are_resealed_under_the_new_one_and_the_old_keys_can_go(
    pool: PgPool,
) {
    // The app seals a webhook secret with its single key (`default`).
    let app = TestApp::spawn(pool.clone()).await;
    let (created, id) = create(&app).await;
    app.get_after(&format!("/v1/webhooks/subscriptions/{id}"), &created)
        .await;
    let subscription = Uuid::parse_str(&id).unwrap();
    let secret = created.body["secret"].as_str().unwrap().to_owned();

    // Two issuer keys under k1, and one the single key sealed before rows named their key.
    let old = keyring(&["k1", "default"]);
    let private = arca_ws::certs::generate_key(2048).unwrap();
    let tenant = Uuid::now_v7();
    let vault = PgCredentialStore::new(pool.clone(), old.clone());
    let mut key_ids = Vec::new();
    for _ in 0..2 {
        key_ids.push(vault.store_key(tenant, RI_CUIT, &private).await.unwrap());
    }
    let before_ids = PgCredentialStore::new(pool.clone(), keyring(&["default"]));
    let legacy = before_ids
        .store_key(tenant, RI_CUIT, &private)
        .await
        .unwrap();
    sqlx::query("update arca_ws.issuer_keys set sealing_key_id = null where key_id = $1")
        .bind(legacy)
        .execute(&pool)
        .await
        .unwrap();
    key_ids.push(legacy);

    // A WSAA ticket sealed under k1 by the broker, and one a previous version kept in clear.
    let ca = dev_ca().unwrap();
    let sim = simulator(&ca).await;
    let creds = Arc::new(dev_credentials(&ca, RI_CUIT, "reseal").unwrap());
    let broker = |keys: Keyring| {
        let wsaa = WsaaClient::new(sim.wsaa_url(), Duration::from_secs(10)).unwrap();
        TicketBroker::new(pool.clone(), keys, wsaa, creds.clone(), "wsfe", "sim").unwrap()
    };
    let ticket = broker(old.clone()).ticket().await.unwrap();
    legacy_ticket(&pool).await;

    // Without k1 its rows do not open, and the error names the missing key.
    let new_only = keyring(&["k2"]);
    let missing = PgCredentialStore::new(pool.clone(), new_only.clone())
        .key(tenant, RI_CUIT, key_ids[0])
        .await
        .unwrap_err();
    assert!(
        matches!(&missing, CredentialError::UnknownSealingKey(id) if id == "k1"),
        "{missing}"
    );
    assert!(missing.to_string().contains("`k1`"), "{missing}");

    // k2 current, the old keys kept: a run stopped after two batches of one row...
    let rotating = keyring(&["k2", "k1", "default"]);
    let options = |max_batches| ResealOptions {
        batch_size: 1,
        max_batches,
    };
    let first = reseal(&pool, &rotating, options(Some(2))).await.unwrap();
    assert!(!first.complete());
    assert_eq!(first.current_key, "k2");
    assert_eq!(counts(&first), [(2, 1), (0, 1), (0, 2)]);
    // ...leaves every row readable meanwhile, and a second run continues where it stopped.
    let during = PgCredentialStore::new(pool.clone(), rotating.clone());
    for key_id in &key_ids {
        assert!(
            during
                .key(tenant, RI_CUIT, *key_id)
                .await
                .unwrap()
                .is_some()
        );
    }
    let second = reseal(&pool, &rotating, options(None)).await.unwrap();
    assert!(second.complete(), "{second:?}");
    assert_eq!(counts(&second), [(1, 0), (1, 0), (2, 0)]);
    let again = reseal(&pool, &rotating, options(None)).await.unwrap();
    assert_eq!(
        counts(&again),
        [(0, 0), (0, 0), (0, 0)],
        "nothing left to do"
    );

    // The old keys removed: everything opens with k2 alone.
    let vault = PgCredentialStore::new(pool.clone(), new_only.clone());
    for key_id in &key_ids {
        let opened = vault.key(tenant, RI_CUIT, *key_id).await.unwrap().unwrap();
        assert_eq!(opened, private);
    }
    let secrets = PgSigningKeys::new(pool.clone(), new_only.clone())
        .active(subscription, NOW)
        .await
        .unwrap();
    assert_eq!(secrets.len(), 1);
    assert_eq!(secrets[0].expose_secret(), secret);
    let mut tokens: Vec<String> = stored_tickets(&pool, &new_only)
        .await
        .unwrap()
        .iter()
        .map(|t| t.token.clone())
        .collect();
    tokens.sort();
    let mut expected = vec![ticket.token.clone(), "legacy-token".to_owned()];
    expected.sort();
    assert_eq!(tokens, expected);
    let clear: i64 =
        sqlx::query_scalar("select count(*) from arca_ws.tickets where ticket is not null")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(clear, 0, "no ticket is left in clear");
    // A restarted broker with k2 alone reuses the re-sealed ticket: no second login.
    let reused = broker(new_only).ticket().await.unwrap();
    assert_eq!(reused.token, ticket.token);
    assert_eq!(sim.sim.login_count(), 1);
}
