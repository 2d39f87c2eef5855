//! The circuit breaker in front of ARCA, end to end: the simulator goes down, the circuit opens
//! after a run of failures and records one `arca.unavailable`, nothing more reaches the simulator
//! but the probes, and when it comes back one `arca.available` is recorded and the invoices that
//! waited get their CAE.

use std::sync::Arc;
use std::time::{Duration, Instant};

use arca_ws::certs::{Credentials, dev_ca};
use arca_ws::sim::{FaultMode, FaultSpec, RunningSim};
use commands::CommandMetrics;
use commands::ports::SystemClock;
use domain::TenantId;
use domain::arca_service::ArcaService;
use domain::series::Environment;
use eventstore::{EventStore, PgEventStore, ReadOptions};
use sqlx::PgPool;
use time::OffsetDateTime;
use workers::feeds::StoreLog;
use workers::saga::{
    CircuitPolicy, DevCa, Endpoints, Outages as _, SagaMetrics, SagaWorker, StoreOutages, instance,
};

use crate::helpers::{RI_CUIT, TestApp, factura_b};
use crate::prom::sample;
use crate::saga::{ledger_is_clean, request, settle, simulator, state};

/// Opens after 3 failures; probes after 40 ms, then 80 ms, at most 160 ms apart.
const FAST: CircuitPolicy = CircuitPolicy {
    threshold: 3,
    cooldown: Duration::from_millis(40),
    max_cooldown: Duration::from_millis(160),
};

fn worker(
    app: &TestApp,
    sim: &RunningSim,
    metrics: SagaMetrics,
    ca: Credentials,
) -> SagaWorker<StoreLog> {
    let endpoints = Endpoints {
        wsaa_url: sim.wsaa_url(),
        wsfe_url: sim.wsfe_url(),
        answer_within: Duration::from_secs(2),
        circuit: FAST,
        keyring: crate::helpers::keyring(),
    };
    let commands = CommandMetrics::register(&prometheus::Registry::new()).unwrap();
    let store = PgEventStore::new(app.pool.clone());
    let source = Arc::new(DevCa::new(ca));
    instance(
        &store,
        Environment::Sim,
        &endpoints,
        source,
        commands,
        Some(metrics),
    )
    .unwrap()
}

/// The event types of the `arca-sim` stream.
async fn availability(app: &TestApp) -> Vec<String> {
    app.store
        .read_stream(
            TenantId::SYSTEM,
            &ArcaService::stream_id(Environment::Sim),
            ReadOptions::default(),
        )
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event_type)
        .collect()
}

/// Every WSFEv1 call the simulator received but the probes.
fn calls_but_probes(sim: &RunningSim) -> u64 {
    sim.sim.call_count("*") - sim.sim.call_count("FEDummy")
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_outage_opens_the_circuit_once_and_the_waiting_invoices_pass_when_arca_returns(
    pool: PgPool,
) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    let ca = dev_ca().unwrap();
    let sim = simulator(&ca).await;
    let registry = prometheus::Registry::new();
    let metrics = SagaMetrics::register(&registry).unwrap();
    let mut worker = worker(&app, &sim, metrics, ca);
    // A first invoice opens the series and logs in while ARCA is up.
    let first = request(&app, factura_b()).await;
    settle(&app, &mut worker, std::slice::from_ref(&first)).await;

    let down = FaultSpec {
        mode: FaultMode::Down,
        ..FaultSpec::default()
    };
    sim.sim.faults().set("*", down);
    let waiting = [
        request(&app, factura_b()).await,
        request(&app, factura_b()).await,
    ];
    let deadline = Instant::now() + Duration::from_secs(30);
    while availability(&app).await.is_empty() {
        assert!(Instant::now() < deadline, "the circuit never opened");
        worker.step().await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let text = prometheus::TextEncoder::new()
        .encode_to_string(&registry.gather())
        .unwrap();
    // Opened once from closed; any later opening follows a failed probe (half-open), since the
    // probe task may run before the outage is visible here.
    let moves = |to| {
        let labels = [("environment", "sim"), ("to", to)];
        sample(&text, "arca_circuit_transitions_total", &labels).unwrap_or(0.0)
    };
    let (opened, probed) = (moves("open"), moves("half_open"));
    assert!(opened >= 1.0, "{text}");
    assert!(
        probed <= opened && opened - 1.0 <= probed,
        "opened {opened} times after {probed} probes"
    );
    assert_eq!(moves("closed"), 0.0);

    // While open, the saga keeps retrying the series, and nothing but probes reaches ARCA.
    let before = calls_but_probes(&sim);
    let probes = sim.sim.call_count("FEDummy");
    let until = Instant::now() + Duration::from_millis(700);
    while Instant::now() < until {
        worker.step().await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(calls_but_probes(&sim), before, "calls went out while open");
    assert!(
        sim.sim.call_count("FEDummy") > probes,
        "no probe while open"
    );
    assert!(worker.retrying() > 0, "the series waits for another try");

    sim.sim.faults().clear();
    let drive = settle(&app, &mut worker, &waiting).await;
    assert!(drive.authorized + drive.recovered >= 2, "{drive:?}");
    for id in &waiting {
        assert_eq!(state(&app, id).await["status"], "authorized");
    }
    assert_eq!(
        availability(&app).await,
        ["arca.unavailable", "arca.available"]
    );
    ledger_is_clean(&sim, &[(6, 3)]);
    let text = prometheus::TextEncoder::new()
        .encode_to_string(&registry.gather())
        .unwrap();
    let closed = [("environment", "sim"), ("to", "closed")];
    assert_eq!(
        sample(&text, "arca_circuit_transitions_total", &closed),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "arca_circuit_state", &[("environment", "sim")]),
        Some(0.0)
    );
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn breakers_of_several_instances_tripping_together_record_one_outage(pool: PgPool) {
    let store: Arc<dyn EventStore> = Arc::new(PgEventStore::new(pool.clone()));
    let commands = || CommandMetrics::register(&prometheus::Registry::new()).unwrap();
    let outages: Vec<StoreOutages> = (0..4)
        .map(|_| StoreOutages::new(Arc::clone(&store), commands()))
        .collect();
    let since = OffsetDateTime::now_utc();
    futures::future::join_all(
        outages
            .iter()
            .map(|o| o.started(Environment::Sim, since, "HTTP 503", 5)),
    )
    .await;
    futures::future::join_all(
        outages
            .iter()
            .map(|o| o.ended(Environment::Sim, since + time::Duration::seconds(2))),
    )
    .await;
    let events = store
        .read_stream(
            TenantId::SYSTEM,
            &ArcaService::stream_id(Environment::Sim),
            ReadOptions::default(),
        )
        .await
        .unwrap();
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["arca.unavailable", "arca.available"]);
    assert_eq!(events[1].data["downtime_ms"], 2000);
}
