//! Settings turned into the typed configurations of each role: the workers' engines
//! ([`workers_config`]) and their parts, the events stream, the business rules' tunables.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use arca_ws::cli::Env;
use domain::{aggregate::Policy, values::Money};
use nats_bus::BusConfig;
use workers::certificates::WatchConfig;
use workers::documents::DocumentsConfig;
use workers::saga::{ArcaTarget, CircuitPolicy, SagaConfig, SimTarget};
use workers::upkeep::Schedule;
use workers::webhooks::DeliveryConfig;
use workers::{Feed, FeedSetup, WorkersConfig};

use crate::settings::{ArcaEnv, ProjectionFeed, Settings};

/// The business rules' tunables.
///
/// # Errors
/// An invalid threshold.
pub fn policy(settings: &Settings) -> anyhow::Result<Policy> {
    let threshold = Money::new(settings.threshold()?)
        .map_err(|e| anyhow::anyhow!("final_consumer_threshold: {e}"))?;
    Ok(Policy {
        final_consumer_id_threshold: threshold,
    })
}

/// The JetStream stream of events.
pub fn bus_config(settings: &Settings) -> BusConfig {
    let mut config = BusConfig::new(
        &settings.nats_url,
        &settings.nats_stream,
        &settings.nats_subject_prefix,
    );
    config.credentials_file = given(&settings.nats_credentials).map(std::path::PathBuf::from);
    config
}

/// How the live projections are fed.
pub fn feed_setup(settings: &Settings) -> FeedSetup {
    FeedSetup {
        database_url: settings.database_url.clone(),
        bus: bus_config(settings),
        feed: match settings.projection_feed {
            ProjectionFeed::Jetstream => Feed::Jetstream,
            ProjectionFeed::Store => Feed::Store,
        },
    }
}

/// The upkeep's schedule; `None` when `vacuum_interval_seconds` is 0.
pub fn upkeep(settings: &Settings) -> Option<Schedule> {
    (settings.vacuum_interval_seconds > 0).then(|| Schedule {
        every: Duration::from_secs(settings.vacuum_interval_seconds),
        min_dead_rows: i64::try_from(settings.vacuum_min_dead_rows).unwrap_or(i64::MAX),
    })
}

/// How the webhook delivery engine delivers.
///
/// # Errors
/// Invalid webhook settings or credentials key.
pub fn delivery(settings: &Settings) -> anyhow::Result<DeliveryConfig> {
    Ok(DeliveryConfig {
        addresses: settings.webhook_policy()?,
        schedule: settings.webhook_schedule()?,
        timeout: Duration::from_secs(settings.webhook_timeout_seconds),
        per_endpoint: settings.webhook_concurrency_per_endpoint,
        per_host: settings.webhook_concurrency_per_host,
        per_tenant: settings.webhook_concurrency_per_tenant,
        disable_after: Duration::from_secs(settings.webhook_disable_after_hours * 3600),
        keyring: settings.keyring()?,
        invoice_shape: api::invoices::rows::invoice_json,
    })
}

/// How documents are rendered and where they are stored.
///
/// # Errors
/// Invalid documents settings (validated at load already).
pub fn documents(settings: &Settings) -> anyhow::Result<DocumentsConfig> {
    Ok(DocumentsConfig {
        store: settings.document_store()?,
        environment: settings.environment(),
        qr_base_url: settings.qr_base_url()?,
        concurrency: settings.documents_concurrency,
    })
}

/// `setting` unless blank.
fn given(setting: &str) -> Option<String> {
    let trimmed = setting.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// The ARCA the saga talks to: in `sim` the simulator (built in, or one already running when both
/// URLs are set); otherwise ARCA's own endpoints of the environment unless overridden.
pub fn arca_target(settings: &Settings) -> ArcaTarget {
    let env = match settings.env {
        ArcaEnv::Sim => {
            return ArcaTarget::Simulator(SimTarget {
                addr: settings.sim_addr,
                ledger: given(&settings.sim_ledger).map(PathBuf::from),
                ca_dir: given(&settings.sim_ca_dir).map(PathBuf::from),
                wsaa_url: given(&settings.arca_wsaa_url),
                wsfe_url: given(&settings.arca_wsfe_url),
            });
        }
        ArcaEnv::Homologacion => Env::Homologacion,
        ArcaEnv::Produccion => Env::Produccion,
    };
    let (wsaa, wsfe) = env.urls();
    ArcaTarget::Arca {
        wsaa_url: given(&settings.arca_wsaa_url).unwrap_or_else(|| wsaa.to_owned()),
        wsfe_url: given(&settings.arca_wsfe_url).unwrap_or_else(|| wsfe.to_owned()),
    }
}

/// The ARCA saga.
///
/// # Errors
/// An unusable keyring (validated at load already).
pub fn saga(settings: &Settings) -> anyhow::Result<SagaConfig> {
    Ok(SagaConfig {
        environment: settings.environment(),
        target: arca_target(settings),
        answer_within: Duration::from_secs(settings.arca_timeout_seconds),
        circuit: CircuitPolicy {
            threshold: settings.arca_breaker_failures,
            cooldown: Duration::from_millis(settings.arca_breaker_cooldown_ms),
            max_cooldown: Duration::from_millis(settings.arca_breaker_max_cooldown_ms),
        },
        keyring: settings.keyring()?,
    })
}

/// Everything the workers need.
///
/// # Errors
/// Invalid settings (validated at load already, so only in practice on a bad key).
pub fn workers_config(settings: &Settings) -> anyhow::Result<WorkersConfig> {
    Ok(WorkersConfig {
        database_url: settings.database_url.clone(),
        bus: bus_config(settings),
        feed: feed_setup(settings).feed,
        saga: saga(settings).context("the ARCA saga's settings")?,
        webhooks: delivery(settings).context("the webhook settings")?,
        documents: documents(settings).context("the documents settings")?,
        mail: settings.mail().context("the email settings")?,
        certificates: WatchConfig {
            environment: settings.environment(),
            keyring: settings.keyring()?,
        },
        upkeep: upkeep(settings),
        policy: policy(settings)?,
    })
}
