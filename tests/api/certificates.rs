//! Certificates per issuer: a key made server-side with its CSR, the signed certificate installed,
//! keys sealed at rest and never shown, subjects checked, tenants kept apart.

use std::time::{Duration, SystemTime};

use arca_ws::certs::{
    Credentials, KeyPassphrase, csr_for_key, dev_ca, encrypt_key_pem, generate_key, sign_request_at,
};
use arca_ws::credentials::{PgCredentialStore, inspect_certificate};
use base64::Engine as _;
use domain::{aggregate::Context, series::Environment};
use reqwest::{Method, StatusCode};
use rsa::pkcs8::EncodePrivateKey as _;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;
use workers::{certificates::note_expiring_certificates, credentials::PgIssuerCredentials};

use crate::helpers::{MONO_CUIT, NOW, RI_CUIT, TestApp, keyring, policy};

const DAY: Duration = Duration::from_secs(24 * 3600);

fn start() -> SystemTime {
    SystemTime::from(NOW) - DAY
}

fn request_path(cuit: &str) -> String {
    format!("/v1/taxpayers/{cuit}/certificate-requests")
}

fn certificate_path(cuit: &str) -> String {
    format!("/v1/taxpayers/{cuit}/certificate")
}

/// A certificate for `cuit` with its own key, as a user would bring them: (certificate PEM,
/// encrypted key PEM, passphrase).
fn own_certificate(ca: &Credentials, cuit: &str, lifetime: Duration) -> (String, String, String) {
    let key = generate_key(2048).unwrap();
    let (csr, _) = csr_for_key(&key, cuit, "propio", "Propio SA").unwrap();
    let cert = sign_request_at(ca, &csr, start(), lifetime).unwrap();
    let pass = KeyPassphrase::generate();
    let pem = encrypt_key_pem(&key, &pass).unwrap();
    (cert, pem, pass.expose().to_owned())
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

async fn all_event_data(app: &TestApp) -> String {
    let rows: Vec<String> =
        sqlx::query_scalar("SELECT event_type || data::text || metadata::text FROM es.events")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    rows.concat()
}

fn store(app: &TestApp) -> PgCredentialStore {
    PgCredentialStore::new(app.pool.clone(), keyring())
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_csr_signed_by_arca_installs_and_the_key_never_shows(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let requested = app
        .post(&request_path(RI_CUIT), json!({"alias": "facturacion"}))
        .await;
    assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.body);
    let csr = requested.body["csr"].as_str().unwrap().to_owned();
    assert!(
        csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----"),
        "{csr}"
    );
    let subject = requested.body["subject"].as_str().unwrap();
    assert!(
        subject.contains("serialNumber=CUIT 20267565393"),
        "{subject}"
    );
    assert!(
        subject.contains("CN=facturacion") && subject.contains("C=AR"),
        "{subject}"
    );

    // ARCA (here the development CA) signs the CSR.
    let ca = dev_ca().unwrap();
    let signed = sign_request_at(&ca, &csr, start(), 700 * DAY).unwrap();
    let info = inspect_certificate(&signed).unwrap();
    assert_eq!(info.subject_cuit.as_deref(), Some(RI_CUIT));

    let installed = app
        .call_as(
            &app.key,
            Method::PUT,
            &certificate_path(RI_CUIT),
            Some(json!({"certificate": signed})),
            &[],
        )
        .await;
    assert_eq!(installed.status, StatusCode::OK, "{}", installed.body);
    assert_eq!(
        installed.body["fingerprint_sha256"],
        info.fingerprint_sha256
    );
    assert_eq!(installed.body["environment"], "sim");
    assert!(installed.body["not_after"].is_string());

    let taxpayer = app.get(&format!("/v1/taxpayers/{RI_CUIT}")).await;
    assert_eq!(taxpayer.status, StatusCode::OK);
    assert_eq!(
        taxpayer.body["certificates"][0]["fingerprint_sha256"],
        info.fingerprint_sha256
    );

    // The key is stored sealed, and the saga can have it back with the certificate.
    let tenant: Uuid = sqlx::query_scalar("SELECT tenant_id FROM arca_ws.issuer_keys")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let creds = store(&app)
        .credentials(tenant, RI_CUIT, "sim")
        .await
        .unwrap()
        .expect("installed credentials");
    assert_eq!(creds.fingerprint().unwrap(), info.fingerprint_sha256);
    let key_id = Uuid::parse_str(requested.body["request_id"].as_str().unwrap()).unwrap();
    let key = store(&app)
        .key(tenant, RI_CUIT, key_id)
        .await
        .unwrap()
        .expect("the request's key");
    let der = key.to_pkcs8_der().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_bytes());
    let probe = &b64[64..128];
    let ciphertext: Vec<u8> =
        sqlx::query_scalar("SELECT ciphertext FROM arca_ws.issuer_keys WHERE key_id = $1")
            .bind(key_id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        !ciphertext
            .windows(64)
            .any(|w| w == &der.as_bytes()[64..128])
    );
    assert!(!String::from_utf8_lossy(&ciphertext).contains("PRIVATE KEY"));
    let events = all_event_data(&app).await;
    assert!(events.contains("taxpayer") && events.contains(&info.fingerprint_sha256));
    for text in [
        events,
        requested.body.to_string(),
        installed.body.to_string(),
        taxpayer.body.to_string(),
    ] {
        assert!(!text.contains(probe), "key material leaked: {text}");
        assert!(!text.contains("PRIVATE KEY"), "{text}");
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_certificate_for_another_cuit_is_refused_and_nothing_is_written(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let ca = dev_ca().unwrap();
    let (cert, key, pass) = own_certificate(&ca, MONO_CUIT, 700 * DAY);
    let body = json!({"certificate": cert, "private_key": key, "passphrase": pass});
    assert_install_refused(&app, body, "certificate_subject_mismatch", "subject").await;
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_certificate_brought_with_its_key_installs_and_a_foreign_key_is_refused(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let ca = dev_ca().unwrap();
    let (cert, key, pass) = own_certificate(&ca, RI_CUIT, 700 * DAY);
    let (_, other_key, other_pass) = own_certificate(&ca, RI_CUIT, 700 * DAY);
    let path = certificate_path(RI_CUIT);

    let foreign = json!({"certificate": cert, "private_key": other_key, "passphrase": other_pass});
    let refused = app
        .call_as(&app.key, Method::PUT, &path, Some(foreign), &[])
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.code(), "certificate_key_mismatch");

    let without_key = app
        .call_as(
            &app.key,
            Method::PUT,
            &path,
            Some(json!({"certificate": cert})),
            &[],
        )
        .await;
    assert_eq!(
        without_key.code(),
        "certificate_key_unknown",
        "{}",
        without_key.body
    );

    let body = json!({"certificate": cert, "private_key": key, "passphrase": pass});
    let installed = app
        .call_as(&app.key, Method::PUT, &path, Some(body.clone()), &[])
        .await;
    assert_eq!(installed.status, StatusCode::OK, "{}", installed.body);
    assert!(!installed.body.to_string().contains("PRIVATE KEY"));
    // Installing it again is harmless and keeps one key.
    let again = app
        .call_as(&app.key, Method::PUT, &path, Some(body), &[])
        .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(
        count(&app, "SELECT count(*) FROM arca_ws.issuer_keys").await,
        1
    );
    assert!(!all_event_data(&app).await.contains("PRIVATE KEY"));
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn another_tenant_can_neither_install_nor_read_a_certificate(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let requested = app.post(&request_path(RI_CUIT), json!({})).await;
    assert_eq!(requested.status, StatusCode::CREATED, "{}", requested.body);
    let ca = dev_ca().unwrap();
    let csr = requested.body["csr"].as_str().unwrap();
    let signed = sign_request_at(&ca, csr, start(), 700 * DAY).unwrap();

    let other = TestApp::new_tenant(&app.store, "intruder").await;
    let body = json!({"certificate": signed});
    let install = app
        .call_as(
            &other,
            Method::PUT,
            &certificate_path(RI_CUIT),
            Some(body),
            &[],
        )
        .await;
    assert_eq!(install.status, StatusCode::NOT_FOUND, "{}", install.body);
    let request = app
        .call_as(
            &other,
            Method::POST,
            &request_path(RI_CUIT),
            Some(json!({})),
            &[],
        )
        .await;
    assert_eq!(request.status, StatusCode::NOT_FOUND, "{}", request.body);
    let read = app
        .call_as(
            &other,
            Method::GET,
            &format!("/v1/taxpayers/{RI_CUIT}"),
            None,
            &[],
        )
        .await;
    assert_eq!(read.status, StatusCode::NOT_FOUND);
    assert_eq!(
        count(&app, "SELECT count(*) FROM arca_ws.issuer_certificates").await,
        0
    );
    // Only the owner's request key exists.
    assert_eq!(
        count(&app, "SELECT count(*) FROM arca_ws.issuer_keys").await,
        1
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_certificate_expiring_within_30_days_is_noted_once(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let ca = dev_ca().unwrap();
    let (cert, key, pass) = own_certificate(&ca, RI_CUIT, 20 * DAY);
    let body = json!({"certificate": cert, "private_key": key, "passphrase": pass});
    let installed = app
        .call_as(
            &app.key,
            Method::PUT,
            &certificate_path(RI_CUIT),
            Some(body),
            &[],
        )
        .await;
    assert_eq!(installed.status, StatusCode::OK, "{}", installed.body);

    let metrics = commands::CommandMetrics::register(&prometheus::Registry::new()).unwrap();
    let vault = PgIssuerCredentials::new(store(&app), Environment::Sim);
    let ctx = Context {
        now: NOW,
        policy: policy(),
    };
    let first = note_expiring_certificates(&app.store, &metrics, &vault, &ctx)
        .await
        .unwrap();
    let second = note_expiring_certificates(&app.store, &metrics, &vault, &ctx)
        .await
        .unwrap();
    assert_eq!((first, second), (1, 0));
    let noted = "SELECT count(*) FROM es.events WHERE event_type = 'taxpayer.certificate_expiring'";
    assert_eq!(count(&app, noted).await, 1);
    let taxpayer = app.get(&format!("/v1/taxpayers/{RI_CUIT}")).await;
    assert_eq!(
        taxpayer.body["certificates"][0]["expiring"],
        Value::Bool(true)
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_sim_demo_gives_an_issuer_a_certificate_from_the_development_ca(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let metrics = commands::CommandMetrics::register(&prometheus::Registry::new()).unwrap();
    let vault = PgIssuerCredentials::new(store(&app), Environment::Sim);
    let deps = commands::credentials::CertificateDeps {
        store: &app.store,
        metrics: &metrics,
        credentials: &vault,
    };
    // The development CA's certificates start "now" on the real clock.
    let ctx = Context {
        now: time::OffsetDateTime::now_utc(),
        policy: policy(),
    };
    let tenant: domain::TenantId = sqlx::query_scalar::<_, Uuid>(
        "SELECT tenant_id FROM es.events WHERE event_type = 'taxpayer.registered' LIMIT 1",
    )
    .fetch_one(&app.pool)
    .await
    .map(domain::TenantId)
    .unwrap();
    let cuit = domain::values::Cuit::parse(RI_CUIT).unwrap();
    let ca = dev_ca().unwrap();
    let facts = workers::certificates::install_sim_certificate(deps, &ctx, tenant, cuit, &ca)
        .await
        .unwrap();
    let creds = store(&app)
        .credentials(tenant.as_uuid(), RI_CUIT, "sim")
        .await
        .unwrap()
        .expect("demo credentials");
    assert_eq!(creds.fingerprint().unwrap(), facts.fingerprint_sha256);
    // The simulator that trusts the development CA lets the issuer log in with them.
    let config = arca_ws::sim::SimConfig {
        trust: vec![ca.cert.clone()],
        ..arca_ws::sim::SimConfig::default()
    };
    let sim = arca_ws::sim::Simulator::new(config)
        .unwrap()
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let wsaa = arca_ws::wsaa::WsaaClient::new(sim.wsaa_url(), Duration::from_secs(20)).unwrap();
    let ticket = wsaa.login(&creds, "wsfe").await.unwrap();
    assert!(ticket.represents(RI_CUIT));
    let homologacion = PgIssuerCredentials::new(store(&app), Environment::Homologacion);
    let deps = commands::credentials::CertificateDeps {
        credentials: &homologacion,
        ..deps
    };
    let refused =
        workers::certificates::install_sim_certificate(deps, &ctx, tenant, cuit, &ca).await;
    assert!(refused.is_err(), "only in sim");
}

/// An encrypted key whose KDF asks for `iterations` PBKDF2 rounds, over data that was never a key.
fn costly_key(iterations: u32) -> String {
    use der::EncodePem as _;
    use pkcs8::pkcs5::{EncryptionScheme, pbes2};
    let scheme =
        pbes2::Parameters::pbkdf2_sha256_aes256cbc(iterations, &[7; 16], &[9; 16]).unwrap();
    pkcs8::EncryptedPrivateKeyInfo {
        encryption_algorithm: EncryptionScheme::Pbes2(scheme),
        encrypted_data: &[0; 1232],
    }
    .to_pem(der::pem::LineEnding::LF)
    .unwrap()
}

/// Installs `body` as `RI_CUIT`'s certificate, expecting `422 code` whose text mentions
/// `mentioning` and never a key, and nothing written: no key or certificate row, no event.
async fn assert_install_refused(app: &TestApp, body: Value, code: &str, mentioning: &str) {
    let refused = app
        .call_as(
            &app.key,
            Method::PUT,
            &certificate_path(RI_CUIT),
            Some(body),
            &[],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(refused.code(), code, "{}", refused.body);
    assert!(
        refused.body.to_string().contains(mentioning),
        "{}",
        refused.body
    );
    assert!(!refused.body.to_string().contains("PRIVATE KEY"));
    for written in [
        "SELECT count(*) FROM arca_ws.issuer_keys",
        "SELECT count(*) FROM arca_ws.issuer_certificates",
        "SELECT count(*) FROM es.events WHERE event_type LIKE 'taxpayer.certificate%'",
    ] {
        assert_eq!(count(app, written).await, 0, "{written}");
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_key_whose_encryption_asks_for_too_much_work_is_refused_without_doing_it(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    let (cert, _, _) = own_certificate(&dev_ca().unwrap(), RI_CUIT, 700 * DAY);
    let body =
        json!({"certificate": cert, "private_key": costly_key(90_000_000), "passphrase": "x"});
    assert_install_refused(
        &app,
        body,
        "invalid_private_key",
        "90000000 PBKDF2 iterations",
    )
    .await;
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_simulator_refuses_a_certificate_arca_signed_and_writes_nothing(pool: PgPool) {
    let app = TestApp::with_issuer(pool).await;
    // A CA named as ARCA's production one: its certificates carry real keys.
    let arca = arca_ws::certs::dev_ca_named("CN=Computadores,O=AFIP,C=AR").unwrap();
    let (cert, key, pass) = own_certificate(&arca, RI_CUIT, 700 * DAY);
    let body = json!({"certificate": cert, "private_key": key, "passphrase": pass});
    assert_install_refused(&app, body, "invalid_certificate", "development CA").await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM arca_ws.issuer_keys").await,
        0
    );
}
