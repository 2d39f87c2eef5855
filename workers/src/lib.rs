//! Every background engine and process-manager runtime of the system, the engines that
//! `arca serve --role workers` runs ([`run`]):
//!
//! - [`relay`]: the event store's relay to JetStream (leader election inside);
//! - [`feeds`]: the live projections, fed from a durable JetStream consumer or the store's log;
//! - [`saga`]: the ARCA saga's runtime (intake, series leases, the WSAA/WSFEv1 gateway with its
//!   ticket broker, circuit breaker and evidence), and in `sim` the simulator it talks to;
//! - [`webhooks`]: the webhook delivery engine (fan-out, dispatcher, signing keys, redeliveries,
//!   and the subscriptions projection that keeps its tables: the `webhooks` schema is its own);
//! - [`documents`]: each authorized voucher rendered as a PDF, stored once and recorded on its
//!   stream (the intake owes a job per CAE; the engine renders, stores, records and retries);
//! - [`mail`]: the email engine (the voucher to its receiver once its PDF exists, notices to a
//!   tenant's contact address; the `mail` schema is its own), when SMTP is configured;
//! - [`certificates`]: the certificate expiry watch; [`upkeep`]: vacuum and analyze when due;
//! - [`reseal`]: `arca credentials reseal`, every sealed row moved to the current key.
//!
//! Takes typed configurations ([`WorkersConfig`] and its parts), never the settings file, the
//! command line or the HTTP server. Depends on `commands` (the saga's decisions, the handlers),
//! `projections` (projectors and their runner), `domain`, and adapters through their ports and
//! Postgres implementations; never on `api`.

pub mod certificates;
pub mod credentials;
pub mod documents;
pub mod feeds;
pub mod mail;
pub mod once;
pub mod relay;
pub mod reseal;
pub mod saga;
pub mod upkeep;
pub mod webhooks;

use commands::CommandMetrics;
use domain::aggregate::Policy;
use infra::{Exporter, Shutdown};
use nats_bus::BusConfig;
use secrecy::SecretString;

pub use feeds::{Feed, FeedSetup, ProjectionMetrics};

/// What the workers report into: the process's exporter, and the counters shared with the API.
#[derive(Debug, Clone)]
pub struct WorkerMetrics {
    /// The process's exporter (each engine registers its own metrics in it).
    pub exporter: Exporter,
    /// Commands counted by outcome (shared with the API).
    pub commands: CommandMetrics,
    /// The projections' batch counters.
    pub projections: ProjectionMetrics,
}

/// Everything the workers need, as typed values.
#[derive(Debug, Clone)]
pub struct WorkersConfig {
    /// Postgres with the event store and the read models (may hold a password).
    pub database_url: SecretString,
    /// The JetStream stream of events.
    pub bus: BusConfig,
    /// Where the live projections read events from.
    pub feed: Feed,
    /// The ARCA saga.
    pub saga: saga::SagaConfig,
    /// The webhook delivery engine.
    pub webhooks: webhooks::DeliveryConfig,
    /// The documents engine (rendering and storing PDFs).
    pub documents: documents::DocumentsConfig,
    /// The email engine; `None`: no email is sent.
    pub mail: Option<mail::MailConfig>,
    /// The certificate expiry watch.
    pub certificates: certificates::WatchConfig,
    /// Vacuum and analyze; `None`: leave it to autovacuum.
    pub upkeep: Option<upkeep::Schedule>,
    /// Business-rule tunables (the certificate watch decides with them).
    pub policy: Policy,
}

impl WorkersConfig {
    /// How the live projections are fed.
    pub fn feed_setup(&self) -> FeedSetup {
        FeedSetup {
            database_url: self.database_url.clone(),
            bus: self.bus.clone(),
            feed: self.feed,
        }
    }
}

/// Runs every engine until `shutdown` resolves: the relay, the invoices and webhook
/// subscriptions projections, the webhook fan-out and dispatcher, the ARCA saga, the
/// certificate watch and the upkeep.
///
/// # Errors
/// Start-up failures of any engine (Postgres unreachable, invalid NATS settings, the simulator's
/// address taken, a metric registered twice).
pub async fn run(
    config: &WorkersConfig,
    metrics: &WorkerMetrics,
    shutdown: &Shutdown,
) -> anyhow::Result<()> {
    let feed = config.feed_setup();
    tokio::try_join!(
        relay::run(
            &config.database_url,
            &config.bus,
            &metrics.exporter,
            shutdown.wait()
        ),
        feeds::run_projector(
            &feed,
            metrics,
            projections::InvoicesProjector::new(),
            shutdown.wait()
        ),
        feeds::run_projector(
            &feed,
            metrics,
            webhooks::SubscriptionsProjector::new(),
            shutdown.wait()
        ),
        webhooks::run_fanout(&feed, &config.webhooks, metrics, shutdown.wait()),
        documents::run_intake(&feed, metrics, shutdown.wait()),
        documents::run_engine(
            &config.database_url,
            &config.documents,
            metrics,
            shutdown.wait()
        ),
        webhooks::run_dispatcher(
            &config.database_url,
            &config.webhooks,
            metrics,
            shutdown.wait()
        ),
        saga::run(&config.database_url, &config.saga, metrics, shutdown.wait()),
        mail::run_outbox(&feed, config.mail.as_ref(), metrics, shutdown.wait()),
        mail::run_sender(
            &config.database_url,
            config.mail.as_ref(),
            &config.documents.store,
            metrics,
            shutdown.wait()
        ),
        certificates::watch_expiry(
            &config.database_url,
            &config.certificates,
            &config.policy,
            &metrics.commands,
            shutdown.wait()
        ),
        upkeep::run(
            &config.database_url,
            config.upkeep,
            &metrics.exporter,
            shutdown.wait()
        ),
    )
    .map(|_| ())
}
