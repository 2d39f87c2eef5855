//! The ARCA saga end to end: invoices requested through the API reach the in-process simulator
//! and come back authorized, with faults injected on the way.

use std::sync::Arc;
use std::time::{Duration, Instant};

use arca_ws::certs::{Credentials, dev_ca};
use arca_ws::credentials::PgCredentialStore;
use arca_ws::sim::{FaultMode, FaultSpec, RunningSim, SimConfig, Simulator};
use commands::CommandMetrics;
use commands::ports::SystemClock;
use commands::saga::Drive;
use domain::GlobalPosition;
use domain::series::Environment;
use eventstore::{EventStore, PgEventStore};
use reqwest::StatusCode;
use serde_json::Value;
use sqlx::PgPool;
use workers::feeds::StoreLog;
use workers::saga::{
    CircuitPolicy, CredentialSource, DevCa, Endpoints, SagaMetrics, SagaWorker, Step,
    StoredCredentials, instance,
};

use crate::helpers::{MONO_CUIT, RI_CUIT, TestApp, factura_a, factura_b, factura_c, keyring};

pub(crate) struct Arca {
    pub(crate) sim: RunningSim,
    pub(crate) worker: SagaWorker<StoreLog>,
}

/// The simulator on port 0 trusting a development CA, and a saga worker whose issuers log in
/// with leaves of that CA minted on first use.
pub(crate) async fn arca(app: &TestApp, answer_within: Duration) -> Arca {
    let ca = dev_ca().unwrap();
    let trusted = Credentials::clone(&ca);
    arca_with(app, answer_within, &trusted, Arc::new(DevCa::new(ca))).await
}

/// The simulator trusting `ca`, and a saga worker with issuers' credentials from `source`.
pub(crate) async fn arca_with(
    app: &TestApp,
    answer_within: Duration,
    ca: &Credentials,
    source: Arc<dyn CredentialSource>,
) -> Arca {
    let sim = simulator(ca).await;
    let worker = worker(app, &sim, answer_within, source, None);
    Arca { sim, worker }
}

/// The simulator on port 0, trusting `ca`.
pub(crate) async fn simulator(ca: &Credentials) -> RunningSim {
    let config = SimConfig {
        trust: vec![ca.cert.clone()],
        ..SimConfig::default()
    };
    Simulator::new(config)
        .unwrap()
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// A saga instance talking to `sim`, its calls recorded in `metrics` when given.
pub(crate) fn worker(
    app: &TestApp,
    sim: &RunningSim,
    answer_within: Duration,
    source: Arc<dyn CredentialSource>,
    metrics: Option<SagaMetrics>,
) -> SagaWorker<StoreLog> {
    let endpoints = Endpoints {
        wsaa_url: sim.wsaa_url(),
        wsfe_url: sim.wsfe_url(),
        answer_within,
        circuit: CircuitPolicy::default(),
        keyring: keyring(),
    };
    let commands = CommandMetrics::register(&prometheus::Registry::new()).unwrap();
    let store = PgEventStore::new(app.pool.clone());
    instance(
        &store,
        Environment::Sim,
        &endpoints,
        source,
        commands,
        metrics,
    )
    .unwrap()
}

/// Steps the saga until every invoice of `ids` has its final state in the read model; the sum of
/// what the saga did. (Other tests' transactions can hold the log's watermark back for a while,
/// so "nothing to do" is not a reason to stop.)
pub(crate) async fn settle(
    app: &TestApp,
    worker: &mut SagaWorker<StoreLog>,
    ids: &[String],
) -> Drive {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut total = Drive::default();
    loop {
        let step: Step = worker.step().await.unwrap();
        let d = step.drive;
        total.submissions += d.submissions;
        total.authorized += d.authorized;
        total.rejected += d.rejected;
        total.reconciliations += d.reconciliations;
        total.recovered += d.recovered;
        let mut done = true;
        for id in ids {
            done &= is_final(&state(app, id).await);
        }
        if done && worker.retrying() == 0 {
            return total;
        }
        assert!(
            Instant::now() < deadline,
            "the saga did not settle: {total:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(crate) fn is_final(invoice: &Value) -> bool {
    ["authorized", "rejected"].contains(&invoice["status"].as_str().unwrap_or_default())
}

/// Today's vouchers: the simulator checks dates against the real clock.
pub(crate) fn today(mut body: Value) -> Value {
    body.as_object_mut().unwrap().remove("issue_date");
    body
}

pub(crate) async fn request(app: &TestApp, body: Value) -> String {
    let answer = app.post("/v1/invoices", today(body)).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    answer.body["id"].as_str().unwrap().to_owned()
}

/// Waits until the global log shows the requests of `ids` to a reader, so the saga's next intake
/// takes them together. (A transaction running anywhere on the server holds the log's
/// visibility back, so requests made one after the other can reach the saga in separate
/// batches.)
async fn visible_to_the_saga(app: &TestApp, ids: &[String]) {
    let store = PgEventStore::new(app.pool.clone());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let log = store.read_all(GlobalPosition::START, 10_000).await.unwrap();
        let seen = |id: &String| {
            log.iter().any(|e| {
                e.event_type == "invoice.requested" && e.stream_id.as_str().ends_with(id.as_str())
            })
        };
        if ids.iter().all(seen) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the requests never became visible"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub(crate) async fn state(app: &TestApp, id: &str) -> Value {
    app.get(&format!("/v1/invoices/{id}")).await.body
}

pub(crate) fn ledger_is_clean(sim: &RunningSim, expected: &[(u16, usize)]) {
    let report = sim.sim.ledger_report();
    for (voucher_type, count) in expected {
        let series = report
            .iter()
            .find(|s| s.voucher_type == *voucher_type)
            .unwrap();
        assert_eq!(series.count, *count, "{series:?}");
        assert!(
            series.gaps.is_empty() && series.duplicates.is_empty(),
            "{series:?}"
        );
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn every_requested_invoice_gets_one_cae_in_consecutive_numbers(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    let mut arca = arca(&app, Duration::from_secs(10)).await;
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push((
            request(&app, if i % 3 == 0 { factura_a() } else { factura_b() }).await,
            i % 3 == 0,
        ));
    }
    let all: Vec<String> = ids.iter().map(|(id, _)| id.clone()).collect();
    let drive = settle(&app, &mut arca.worker, &all).await;
    assert_eq!(drive.authorized, 8, "{drive:?}");
    let (mut a_numbers, mut b_numbers) = (Vec::new(), Vec::new());
    for (id, is_a) in &ids {
        let invoice = state(&app, id).await;
        assert_eq!(invoice["status"], "authorized", "{invoice}");
        assert_eq!(invoice["cae"].as_str().unwrap().len(), 14);
        assert!(
            invoice["qr_url"]
                .as_str()
                .unwrap()
                .starts_with("https://www.afip.gob.ar/fe/qr/?p=")
        );
        let number = invoice["number"].as_u64().unwrap();
        if *is_a {
            a_numbers.push(number)
        } else {
            b_numbers.push(number)
        }
    }
    assert_eq!(a_numbers, vec![1, 2, 3], "in request order");
    assert_eq!(b_numbers, vec![1, 2, 3, 4, 5]);
    ledger_is_clean(&arca.sim, &[(1, 3), (6, 5)]);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_answer_lost_after_arca_authorized_is_recovered_not_resent(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    let mut arca = arca(&app, Duration::from_secs(2)).await;
    let drop_once = FaultSpec {
        mode: FaultMode::DropResponse,
        times: Some(1),
        ..FaultSpec::default()
    };
    arca.sim.sim.faults().set("FECAESolicitar", drop_once);
    let ids = [
        request(&app, factura_b()).await,
        request(&app, factura_b()).await,
    ];
    // Both in the one call whose answer is dropped.
    visible_to_the_saga(&app, &ids).await;
    let drive = settle(&app, &mut arca.worker, &ids).await;
    assert!(drive.reconciliations >= 1, "{drive:?}");
    assert_eq!(drive.recovered, 2, "{drive:?}");
    for id in &ids {
        assert_eq!(state(&app, id).await["status"], "authorized");
    }
    ledger_is_clean(&arca.sim, &[(6, 2)]);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_call_that_failed_before_arca_processed_it_is_sent_again(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    let mut arca = arca(&app, Duration::from_secs(2)).await;
    for mode in [FaultMode::Timeout, FaultMode::Http500] {
        let once = FaultSpec {
            mode,
            times: Some(1),
            ..FaultSpec::default()
        };
        arca.sim.sim.faults().set("FECAESolicitar", once);
        let id = request(&app, factura_b()).await;
        let drive = settle(&app, &mut arca.worker, std::slice::from_ref(&id)).await;
        assert!(
            drive.reconciliations >= 1 && drive.recovered == 0,
            "{drive:?}"
        );
        assert_eq!(state(&app, &id).await["status"], "authorized");
    }
    ledger_is_clean(&arca.sim, &[(6, 2)]);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn prefer_wait_answers_201_with_the_cae_when_it_arrives_in_time(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    let Arca { sim, mut worker } = arca(&app, Duration::from_secs(10)).await;
    // Without the saga running, the wait runs out: the usual 202.
    let prefer = [("prefer", "wait=1")];
    let waited = app
        .post_with("/v1/invoices", today(factura_b()), &prefer)
        .await;
    assert_eq!(waited.status, StatusCode::ACCEPTED, "{}", waited.body);
    assert!(!waited.headers.contains_key("preference-applied"));

    let saga = tokio::spawn(async move {
        loop {
            worker.step().await.unwrap();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let prefer = [("prefer", "wait=20")];
    let answer = app
        .post_with("/v1/invoices", today(factura_b()), &prefer)
        .await;
    saga.abort();
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    assert_eq!(answer.headers["preference-applied"], "wait=20");
    assert_eq!(answer.body["status"], "authorized");
    assert_eq!(answer.body["number"], 2, "the first invoice went first");
    assert_eq!(answer.body["cae"].as_str().unwrap().len(), 14);
    drop(sim);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn the_issuers_installed_certificate_signs_its_calls_and_none_means_waiting(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    let ca = dev_ca().unwrap();
    let vault = PgCredentialStore::new(app.pool.clone(), keyring());
    let stored = Arc::new(StoredCredentials::new(vault.clone(), Environment::Sim));
    let Arca { sim, mut worker } = arca_with(&app, Duration::from_secs(10), &ca, stored).await;
    let accepted = app.post("/v1/invoices", today(factura_b())).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.body);
    let id = accepted.body["id"].as_str().unwrap().to_owned();
    // No certificate yet: nothing reaches ARCA, the invoice waits and the saga retries.
    for _ in 0..20 {
        let _ = worker.step().await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Read once the read model holds the request (under load it may not yet after the loop).
    let waiting = app
        .get_after(&format!("/v1/invoices/{id}"), &accepted)
        .await;
    assert_eq!(waiting.body["status"], "requested", "{}", waiting.body);
    assert!(sim.sim.ledger_report().is_empty(), "nothing was sent");

    crate::series::install(&app, &vault, &ca, &app.key, RI_CUIT).await;
    settle(&app, &mut worker, std::slice::from_ref(&id)).await;
    assert_eq!(state(&app, &id).await["status"], "authorized");
    ledger_is_clean(&sim, &[(6, 1)]);
}

/// Invariant 5 under concurrency: two saga instances, several series, invoices requested
/// concurrently, answers dropped, calls timing out and failing — every invoice ends with exactly
/// one CAE and ARCA's ledger has no gap and no duplicate in any series.
#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn two_saga_instances_under_faults_give_each_invoice_one_cae_without_gaps(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    app.register_issuer(&app.key, MONO_CUIT, "monotributo")
        .await;
    let path = format!("/v1/taxpayers/{RI_CUIT}/points-of-sale");
    let added = app.post(&path, serde_json::json!({"number": 2})).await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.body);
    let ca = dev_ca().unwrap();
    let source: Arc<dyn CredentialSource> = Arc::new(DevCa::new(Credentials::clone(&ca)));
    let first = arca_with(&app, Duration::from_secs(1), &ca, Arc::clone(&source)).await;
    // The second instance talks to the same simulator.
    let second = worker(&app, &first.sim, Duration::from_secs(1), source, None);
    let faults = first.sim.sim.faults();
    let spec = |mode, times| FaultSpec {
        mode,
        times: Some(times),
        ..FaultSpec::default()
    };
    faults.set("FECAESolicitar", spec(FaultMode::DropResponse, 3));

    let bodies: Vec<Value> = (0..60)
        .map(|i| match i % 4 {
            0 => factura_a(),
            1 => factura_b(),
            2 => {
                let mut b = factura_b();
                b["point_of_sale"] = serde_json::json!(2);
                b
            }
            _ => factura_c(),
        })
        .collect();
    let ids: Vec<String> =
        futures::future::join_all(bodies.into_iter().map(|body| request(&app, body))).await;

    let mut workers = Vec::new();
    for mut worker in [first.worker, second] {
        workers.push(tokio::spawn(async move {
            loop {
                let _ = worker.step().await;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }));
    }
    let deadline = Instant::now() + Duration::from_secs(90);
    let mut switched = false;
    loop {
        let mut finals = Vec::new();
        for id in &ids {
            let invoice = state(&app, id).await;
            if is_final(&invoice) {
                finals.push(invoice);
            }
        }
        if !switched && finals.len() >= 20 {
            faults.set("FECAESolicitar", spec(FaultMode::Timeout, 1));
            faults.set("FECompConsultar", spec(FaultMode::Http500, 2));
            switched = true;
        }
        if finals.len() == ids.len() {
            for worker in &workers {
                worker.abort();
            }
            let mut numbers: std::collections::BTreeMap<(u64, u64, u64), Vec<u64>> =
                std::collections::BTreeMap::new();
            for invoice in &finals {
                assert_eq!(invoice["status"], "authorized", "{invoice}");
                let series = (
                    invoice["issuer_cuit"].as_str().unwrap().parse().unwrap(),
                    invoice["point_of_sale"].as_u64().unwrap(),
                    invoice["voucher_type"].as_u64().unwrap(),
                );
                numbers
                    .entry(series)
                    .or_default()
                    .push(invoice["number"].as_u64().unwrap());
            }
            for (series, mut list) in numbers {
                list.sort_unstable();
                let expected: Vec<u64> = (1..=list.len() as u64).collect();
                assert_eq!(list, expected, "series {series:?}: one number each, no gap");
            }
            let report = first.sim.sim.ledger_report();
            assert_eq!(report.iter().map(|s| s.count).sum::<usize>(), ids.len());
            for series in &report {
                assert!(
                    series.gaps.is_empty() && series.duplicates.is_empty(),
                    "{series:?}"
                );
            }
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} final",
            finals.len(),
            ids.len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn metrics_show_arca_calls_and_the_invoices_in_flight(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    let registry = prometheus::Registry::new();
    let metrics = SagaMetrics::register(&registry).unwrap();
    let ca = dev_ca().unwrap();
    let sim = simulator(&ca).await;
    let source = Arc::new(DevCa::new(ca));
    let mut worker = worker(
        &app,
        &sim,
        Duration::from_secs(10),
        source,
        Some(metrics.clone()),
    );
    let ids = [
        request(&app, factura_b()).await,
        request(&app, factura_b()).await,
    ];
    // Both wait in the read model before the saga runs.
    let read = app
        .get_after(
            "/v1/invoices",
            &app.post("/v1/invoices", today(factura_a())).await,
        )
        .await;
    assert_eq!(read.body["invoices"].as_array().unwrap().len(), 3);
    metrics.refresh(&app.pool).await.unwrap();
    let text = render(&registry);
    assert!(
        text.contains("saga_invoices_in_flight{status=\"requested\"} 3"),
        "{text}"
    );

    settle(&app, &mut worker, &ids).await;
    metrics.refresh(&app.pool).await.unwrap();
    let text = render(&registry);
    assert!(
        text.contains(
            "arca_call_duration_seconds_count{operation=\"FECAESolicitar\",outcome=\"ok\"}"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "arca_call_duration_seconds_count{operation=\"FECompUltimoAutorizado\",outcome=\"ok\"}"
        ),
        "{text}"
    );
    assert!(
        text.contains("saga_invoices_in_flight{status=\"requested\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("saga_series_stuck{state=\"blocked\"} 0"),
        "{text}"
    );
}

pub(crate) fn render(registry: &prometheus::Registry) -> String {
    use prometheus::Encoder as _;
    let mut out = Vec::new();
    prometheus::TextEncoder::new()
        .encode(&registry.gather(), &mut out)
        .unwrap();
    String::from_utf8(out).unwrap()
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_note_against_a_voucher_without_cae_is_refused_before_arca_is_asked(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    let mut arca = arca(&app, Duration::from_secs(10)).await;
    let invoice = request(&app, factura_a()).await;
    settle(&app, &mut arca.worker, std::slice::from_ref(&invoice)).await;
    let authorized = state(&app, &invoice).await["number"].as_u64().unwrap();
    // The next one is recorded but has no CAE yet.
    let pending = request(&app, factura_a()).await;
    let note = |number: u64| {
        let mut body = today(factura_a());
        body["voucher_type"] = serde_json::json!(3);
        body["associated_vouchers"] =
            serde_json::json!([{"voucher_type": 1, "point_of_sale": 1, "number": number}]);
        body
    };

    for number in [authorized + 1, authorized + 40] {
        let refused = app.post("/v1/invoices", note(number)).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert_eq!(refused.body["code"], "associated_voucher_not_authorized");
        assert_eq!(
            refused.body["errors"][0]["field"],
            "associated_vouchers[0].number"
        );
    }
    let credited = request(&app, note(authorized)).await;
    settle(&app, &mut arca.worker, &[pending, credited.clone()]).await;
    assert_eq!(state(&app, &credited).await["status"], "authorized");
    // ARCA saw one note: the refused ones never left.
    ledger_is_clean(&arca.sim, &[(1, 2), (3, 1)]);
}
