//! Series of several tenants under one saga: one tenant's missing certificate or halted series
//! never holds another's invoices; two tenants with the same CUIT number in streams of their own
//! and meet only at ARCA; a series whose submissions keep failing stalls, shows why, and resumes
//! when an operator asks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use arca_ws::certs::{Credentials, dev_ca};
use arca_ws::credentials::PgCredentialStore;
use arca_ws::sim::{FaultMode, FaultSpec};
use commands::CommandMetrics;
use commands::ports::SystemClock;
use domain::series::Environment;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;
use workers::feeds::StoreLog;
use workers::saga::{CredentialSource, DevCa, SagaMetrics, SagaWorker, StoredCredentials};

use crate::graphql::graphql;
use crate::helpers::{MONO_CUIT, RI_CUIT, TestApp, factura_b, factura_c, keyring};
use crate::saga::{arca_with, is_final, render, simulator, today, worker};

/// Posts `body` as the tenant of `key`; the new invoice's id.
async fn post_as(app: &TestApp, key: &str, body: Value) -> String {
    let answer = app
        .call_as(key, Method::POST, "/v1/invoices", Some(today(body)), &[])
        .await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    answer.body["id"].as_str().unwrap().to_owned()
}

async fn invoice_as(app: &TestApp, key: &str, id: &str) -> Value {
    app.call_as(key, Method::GET, &format!("/v1/invoices/{id}"), None, &[])
        .await
        .body
}

/// The tenant of an API key (`ak_<tenant>_<key>_<secret>`).
pub(crate) fn tenant_of(key: &str) -> domain::TenantId {
    let tenant = key.split('_').nth(1).unwrap();
    domain::TenantId(tenant.parse().unwrap())
}

/// Steps `worker` until `done` holds, at most `within`.
async fn step_until<F, Fut>(worker: &mut SagaWorker<StoreLog>, within: Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + within;
    loop {
        let _ = worker.step().await;
        if done().await {
            return;
        }
        assert!(Instant::now() < deadline, "not done within {within:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether every invoice of `ids`, read with `key`, has its final state.
async fn all_final(app: &TestApp, key: &str, ids: &[String]) -> bool {
    for id in ids {
        if !is_final(&invoice_as(app, key, id).await) {
            return false;
        }
    }
    true
}

/// Installs a development-CA certificate for the `cuit` of `key`'s tenant through the
/// certificate flow.
pub(crate) async fn install(
    app: &TestApp,
    vault: &PgCredentialStore,
    ca: &Credentials,
    key: &str,
    cuit: &str,
) {
    let metrics = CommandMetrics::register(&prometheus::Registry::new()).unwrap();
    let credentials =
        workers::credentials::PgIssuerCredentials::new(vault.clone(), Environment::Sim);
    let deps = commands::credentials::CertificateDeps {
        store: &app.store,
        metrics: &metrics,
        credentials: &credentials,
    };
    let ctx = domain::aggregate::Context {
        now: time::OffsetDateTime::now_utc(),
        policy: crate::helpers::policy(),
    };
    let cuit = domain::values::Cuit::parse(cuit).unwrap();
    workers::certificates::install_sim_certificate(deps, &ctx, tenant_of(key), cuit, ca)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_tenant_without_a_certificate_never_holds_back_another_tenants_invoices(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    let a = app.key.clone();
    let b = TestApp::new_tenant(&app.store, "Onboarding SRL").await;
    app.register_issuer(&a, RI_CUIT, "responsable_inscripto")
        .await;
    app.register_issuer(&b, MONO_CUIT, "monotributo").await;
    let ca = dev_ca().unwrap();
    let vault = PgCredentialStore::new(app.pool.clone(), keyring());
    let stored: Arc<dyn CredentialSource> =
        Arc::new(StoredCredentials::new(vault.clone(), Environment::Sim));
    let registry = prometheus::Registry::new();
    let metrics = SagaMetrics::register(&registry).unwrap();
    let sim = simulator(&ca).await;
    let mut worker = worker(
        &app,
        &sim,
        Duration::from_secs(10),
        stored,
        Some(metrics.clone()),
    );
    install(&app, &vault, &ca, &a, RI_CUIT).await;

    // B has no certificate yet and posts first; then A posts five.
    let waiting = post_as(&app, &b, factura_c()).await;
    let mut ours = Vec::new();
    for _ in 0..5 {
        ours.push(post_as(&app, &a, factura_b()).await);
    }
    step_until(&mut worker, Duration::from_secs(30), || {
        all_final(&app, &a, &ours)
    })
    .await;
    for id in &ours {
        assert_eq!(invoice_as(&app, &a, id).await["status"], "authorized");
    }

    // B's invoice says why it waits, in REST, in GraphQL and in the metrics.
    step_until(&mut worker, Duration::from_secs(10), || async {
        invoice_as(&app, &b, &waiting).await["waiting_reason"] == "waiting_for_certificate"
    })
    .await;
    let read = invoice_as(&app, &b, &waiting).await;
    assert_eq!(read["status"], "requested", "{read}");
    let query = format!(r#"{{ invoice(id: "{waiting}") {{ status waitingReason }} }}"#);
    let seen = graphql(&app, &b, &query).await;
    assert_eq!(
        seen["data"]["invoice"]["waitingReason"], "waiting_for_certificate",
        "{seen}"
    );
    metrics.refresh(&app.pool).await.unwrap();
    let text = render(&registry);
    assert!(
        text.contains("saga_series_parked{reason=\"waiting_for_certificate\"} 1"),
        "{text}"
    );
    let series = app
        .call_as(
            &b,
            Method::GET,
            &format!("/v1/taxpayers/{MONO_CUIT}/series/1/11"),
            None,
            &[],
        )
        .await;
    assert_eq!(series.status, StatusCode::OK, "{}", series.body);
    assert_eq!(series.body["waiting_reason"], "waiting_for_certificate");
    assert_eq!(series.body["queued"], 1);
    // A's view of B's series: none.
    let hidden = app
        .call_as(
            &a,
            Method::GET,
            &format!("/v1/taxpayers/{MONO_CUIT}/series/1/11"),
            None,
            &[],
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{}", hidden.body);

    // B installs its certificate: its invoice goes on by itself.
    install(&app, &vault, &ca, &b, MONO_CUIT).await;
    let ids = [waiting.clone()];
    step_until(&mut worker, Duration::from_secs(30), || {
        all_final(&app, &b, &ids)
    })
    .await;
    let done = invoice_as(&app, &b, &waiting).await;
    assert_eq!(done["status"], "authorized", "{done}");
    assert_eq!(done["waiting_reason"], Value::Null, "{done}");
    metrics.refresh(&app.pool).await.unwrap();
    let text = render(&registry);
    assert!(
        text.contains("saga_series_parked{reason=\"waiting_for_certificate\"} 0"),
        "{text}"
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn two_tenants_with_the_same_cuit_number_apart_and_a_conflict_halts_only_the_late_one(
    pool: PgPool,
) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    let (a, b, c) = (
        app.key.clone(),
        TestApp::new_tenant(&app.store, "Estudio contable").await,
        TestApp::new_tenant(&app.store, "Otra SA").await,
    );
    app.register_issuer(&a, RI_CUIT, "responsable_inscripto")
        .await;
    // B registers the same CUIT (an accountant and the business itself).
    app.register_issuer(&b, RI_CUIT, "responsable_inscripto")
        .await;
    app.register_issuer(&c, MONO_CUIT, "monotributo").await;
    let ca = dev_ca().unwrap();
    let source: Arc<dyn CredentialSource> = Arc::new(DevCa::new(Credentials::clone(&ca)));
    let mut arca = arca_with(&app, Duration::from_secs(10), &ca, source).await;

    let first = post_as(&app, &a, factura_b()).await;
    step_until(&mut arca.worker, Duration::from_secs(30), || {
        all_final(&app, &a, std::slice::from_ref(&first))
    })
    .await;
    // B's series opens at ARCA's count: its first voucher is number 2.
    let theirs = post_as(&app, &b, factura_b()).await;
    step_until(&mut arca.worker, Duration::from_secs(30), || {
        all_final(&app, &b, std::slice::from_ref(&theirs))
    })
    .await;
    let read = invoice_as(&app, &b, &theirs).await;
    assert_eq!(
        (read["status"].as_str(), read["number"].as_u64()),
        (Some("authorized"), Some(2))
    );

    // A still counts 1 as its last: ARCA answers 10016, the reconciliation finds B's voucher at
    // 2 — with the very content of A's invoice, but B asked for it — and A's series halts for an
    // operator instead of taking B's CAE, while C's invoices go on.
    let late = post_as(&app, &a, factura_b()).await;
    let other = post_as(&app, &c, factura_c()).await;
    step_until(&mut arca.worker, Duration::from_secs(30), || async {
        invoice_as(&app, &a, &late).await["waiting_reason"] == "series_halted"
            && all_final(&app, &c, std::slice::from_ref(&other)).await
    })
    .await;
    let series_path = format!("/v1/taxpayers/{RI_CUIT}/series/1/6");
    let series = app.call_as(&a, Method::GET, &series_path, None, &[]).await;
    assert_eq!(series.body["status"], "halted", "{}", series.body);
    assert_eq!(series.body["halted_because"], "conflict");

    // A's operator resumes: the saga reads ARCA's last number and A's invoice gets 3.
    let resume = format!("{series_path}/resume");
    let asked = app.call_as(&a, Method::POST, &resume, None, &[]).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.body);
    assert_eq!(asked.body["resume_requested"], true);
    step_until(&mut arca.worker, Duration::from_secs(30), || {
        all_final(&app, &a, std::slice::from_ref(&late))
    })
    .await;
    let read = invoice_as(&app, &a, &late).await;
    assert_eq!(
        (read["status"].as_str(), read["number"].as_u64()),
        (Some("authorized"), Some(3)),
        "{read}"
    );
    let again = app.call_as(&a, Method::POST, &resume, None, &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(again.body["code"], "series_not_halted");
    crate::saga::ledger_is_clean(&arca.sim, &[(6, 3), (11, 1)]);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_series_whose_submissions_keep_failing_stalls_and_resumes_when_an_operator_asks(
    pool: PgPool,
) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    let ca = dev_ca().unwrap();
    let source: Arc<dyn CredentialSource> = Arc::new(DevCa::new(Credentials::clone(&ca)));
    let mut arca = arca_with(&app, Duration::from_secs(10), &ca, source).await;
    // ARCA fails every authorization, forever.
    arca.sim.sim.faults().set(
        "FECAESolicitar",
        FaultSpec {
            mode: FaultMode::Http500,
            times: None,
            ..FaultSpec::default()
        },
    );
    let key = app.key.clone();
    let id = post_as(&app, &key, factura_b()).await;
    let started = Instant::now();
    step_until(&mut arca.worker, Duration::from_secs(60), || async {
        invoice_as(&app, &key, &id).await["waiting_reason"] == "series_halted"
    })
    .await;
    // It backed off between attempts instead of looping.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let series_path = format!("/v1/taxpayers/{RI_CUIT}/series/1/6");
    let series = app.get(&series_path).await;
    assert_eq!(
        series.body["halted_because"], "repeated_failures",
        "{}",
        series.body
    );
    let submissions: i64 = sqlx::query_scalar(
        "select count(*) from es.events where event_type = 'series.submission_started'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        submissions,
        i64::from(domain::series::MAX_FAILED_SUBMISSIONS)
    );
    // Nothing more is sent while it is halted.
    for _ in 0..20 {
        let _ = arca.worker.step().await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let after: i64 = sqlx::query_scalar(
        "select count(*) from es.events where event_type = 'series.submission_started'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(after, submissions);

    arca.sim.sim.faults().clear();
    let asked = app.post(&format!("{series_path}/resume"), json!({})).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.body);
    let ids = [id.clone()];
    step_until(&mut arca.worker, Duration::from_secs(30), || {
        all_final(&app, &key, &ids)
    })
    .await;
    let read = invoice_as(&app, &key, &id).await;
    assert_eq!(read["status"], "authorized", "{read}");
    assert_eq!(read["number"], 1);
}
