//! The credential store on the real Postgres: a key made for a CSR is stored sealed, the
//! certificate the CA signs for it comes back with the key as WSAA credentials, a row moved to
//! another issuer does not open, and a destroyed key is gone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use arca_ws::certs::sign_request;
use arca_ws::credentials::{CredentialError, PgCredentialStore, inspect_certificate, new_request};
use pkcs8::EncodePrivateKey;
use sqlx::PgPool;
use uuid::Uuid;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../schemas/migrations");

const DAY: Duration = Duration::from_secs(24 * 3600);

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_sealed_key_and_its_certificate_come_back_as_credentials(pool: PgPool) {
    let store = PgCredentialStore::new(pool.clone(), common::keyring());
    let tenant = Uuid::now_v7();
    let request = new_request(common::CUIT, "facturacion", "Empresa SA").unwrap();
    assert!(
        request.subject.contains("CUIT 20267565393"),
        "{}",
        request.subject
    );
    let key_id = store
        .store_key(tenant, common::CUIT, &request.key)
        .await
        .unwrap();

    let ciphertext: Vec<u8> =
        sqlx::query_scalar("SELECT ciphertext FROM arca_ws.issuer_keys WHERE key_id = $1")
            .bind(key_id)
            .fetch_one(&pool)
            .await
            .unwrap();
    let der = request.key.to_pkcs8_der().unwrap();
    let modulus_part = &der.as_bytes()[40..72];
    assert!(!ciphertext.windows(32).any(|w| w == modulus_part));

    let pem = sign_request(&common::bundle().ca, &request.csr_pem, 700 * DAY).unwrap();
    let info = inspect_certificate(&pem).unwrap();
    assert_eq!(info.subject_cuit.as_deref(), Some(common::CUIT));
    assert_eq!(info.public_key_sha256, request.public_key_sha256);
    store
        .attach_certificate(tenant, common::CUIT, "sim", key_id, &info)
        .await
        .unwrap();

    let creds = store
        .credentials(tenant, common::CUIT, "sim")
        .await
        .unwrap()
        .expect("installed credentials");
    assert_eq!(creds.fingerprint().unwrap(), info.fingerprint_sha256);
    assert_eq!(creds.subject_cuit().as_deref(), Some(common::CUIT));
    let other_tenant = store
        .credentials(Uuid::now_v7(), common::CUIT, "sim")
        .await
        .unwrap();
    assert!(other_tenant.is_none());
    assert!(
        store
            .credentials(tenant, common::CUIT, "produccion")
            .await
            .unwrap()
            .is_none()
    );

    // A row moved to another issuer does not open.
    sqlx::query("UPDATE arca_ws.issuer_keys SET cuit = '20111111112' WHERE key_id = $1")
        .bind(key_id)
        .execute(&pool)
        .await
        .unwrap();
    let moved = store.key(tenant, "20111111112", key_id).await;
    assert!(matches!(moved, Err(CredentialError::Sealing)), "{moved:?}");
    sqlx::query("UPDATE arca_ws.issuer_keys SET cuit = $2 WHERE key_id = $1")
        .bind(key_id)
        .bind(common::CUIT)
        .execute(&pool)
        .await
        .unwrap();

    // Destroyed, the key no longer signs anything.
    assert!(store.destroy_key(tenant, key_id).await.unwrap());
    let gone = store
        .credentials(tenant, common::CUIT, "sim")
        .await
        .unwrap();
    assert!(gone.is_none());
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_discarded_key_leaves_no_row_unless_a_certificate_uses_it(pool: PgPool) {
    let store = PgCredentialStore::new(pool.clone(), common::keyring());
    let tenant = Uuid::now_v7();
    let key = common::bundle().leaf.clone();
    let own = arca_ws::certs::generate_key(2048).unwrap();
    let unused = store.store_key(tenant, common::CUIT, &own).await.unwrap();
    store.discard_key(tenant, unused).await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM arca_ws.issuer_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 0);
    let info = inspect_certificate(&common::bundle().cert_pem).unwrap();
    let bundle_key = arca_ws::credentials::key_for(
        &info,
        &common::bundle().key_pem,
        Some(common::bundle().key_passphrase.expose()),
    )
    .unwrap();
    let used = store
        .store_key(tenant, common::CUIT, &bundle_key)
        .await
        .unwrap();
    store
        .attach_certificate(tenant, common::CUIT, "sim", used, &info)
        .await
        .unwrap();
    store.discard_key(tenant, used).await.unwrap();
    let creds = store
        .credentials(tenant, common::CUIT, "sim")
        .await
        .unwrap();
    assert_eq!(
        creds.map(|c| c.fingerprint().unwrap()),
        Some(key.fingerprint().unwrap())
    );
}
