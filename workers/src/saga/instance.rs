//! One saga instance, wired: its ARCA client (WSAA through the ticket broker, WSFEv1), the
//! issuers' credentials, the environment's circuit breaker, the exchanges' evidence, and the
//! worker over the event store. Used by `serve`, `bench saga` and
//! the end-to-end tests, so they all run the same assembly.

use std::sync::Arc;
use std::time::Duration;

use arca_ws::credentials::Keyring;
use arca_ws::wsaa::WsaaClient;
use arca_ws::wsfe::WsfeClient;
use commands::CommandMetrics;
use commands::ports::SystemClock;
use commands::saga::Saga;
use domain::series::Environment;
use eventstore::PgEventStore;

use super::{
    Breaker, BrokeredTickets, CircuitPolicy, CredentialSource, PgExchanges, SagaMetrics,
    SagaWorker, StoreOutages, WsGateway,
};
use crate::feeds::StoreLog;

/// WSAA logins wait at least this long, however short the WSFEv1 timeout.
const WSAA_TIMEOUT: Duration = Duration::from_secs(10);

/// Where an instance reaches ARCA, how long it waits for an answer, and how it keeps its WSAA
/// tickets at rest.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// WSAA's `LoginCms`.
    pub wsaa_url: String,
    /// WSFEv1.
    pub wsfe_url: String,
    /// After this long a WSFEv1 answer counts as lost.
    pub answer_within: Duration,
    /// When the circuit breaker in front of this ARCA opens, and for how long.
    pub circuit: CircuitPolicy,
    /// The keys sealing WSAA tickets in the broker's table (the current one seals).
    pub keyring: Keyring,
}

/// A saga worker for `environment` over `store`, signing with `credentials`, counting commands in
/// `commands` and ARCA calls in `metrics` when given.
///
/// # Errors
/// An HTTP client that cannot be built.
pub fn instance(
    store: &PgEventStore,
    environment: Environment,
    endpoints: &Endpoints,
    credentials: Arc<dyn CredentialSource>,
    commands: CommandMetrics,
    metrics: Option<SagaMetrics>,
) -> anyhow::Result<SagaWorker<StoreLog>> {
    let wsaa = WsaaClient::new(
        endpoints.wsaa_url.clone(),
        endpoints.answer_within.max(WSAA_TIMEOUT),
    )?;
    let tickets = BrokeredTickets::new(
        store.pool().clone(),
        endpoints.keyring.clone(),
        wsaa,
        environment,
        Arc::clone(&credentials),
    );
    let client = WsfeClient::new(endpoints.wsfe_url.clone(), endpoints.answer_within)?;
    // One breaker per ARCA in the process, whichever instance made it first.
    let breaker = Breaker::shared(environment, &endpoints.wsfe_url, || {
        let outages = StoreOutages::new(Arc::new(store.clone()), commands.clone());
        Breaker::new(
            environment,
            endpoints.circuit,
            Arc::new(client.clone()),
            Arc::new(outages),
            metrics.clone(),
        )
    });
    let mut gateway = WsGateway::new(client, Arc::new(tickets))
        .guarded(breaker)
        .evidenced(Arc::new(PgExchanges::new(store.pool().clone())));
    if let Some(metrics) = metrics {
        gateway = gateway.observed(metrics);
    }
    let saga = Saga::new(
        Arc::new(store.clone()),
        commands,
        Arc::new(SystemClock),
        Arc::new(gateway),
        environment,
    );
    Ok(SagaWorker::new(saga, store.pool().clone(), StoreLog(store.clone())).watching(credentials))
}
