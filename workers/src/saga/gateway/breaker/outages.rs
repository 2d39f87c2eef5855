//! Where a breaker records an outage: the `arca-{environment}` stream, through the generic
//! command handler, so breakers of several processes tripping over one outage record it once.

use std::sync::Arc;

use async_trait::async_trait;
use commands::CommandMetrics;
use commands::handler::{self, Command, EventIds};
use domain::arca_service::{ArcaService, ArcaServiceCommand, MarkAvailable, MarkUnavailable};
use domain::series::Environment;
use domain::{Context, EventMetadata, TenantId};
use eventstore::EventStore;
use time::OffsetDateTime;

/// The record of ARCA's outages. Failing to record one is logged, never raised: the breaker
/// protects ARCA whether or not the event could be written.
#[async_trait]
pub trait Outages: Send + Sync {
    /// An outage started at `since` after `failures` failed calls, the last for `reason`.
    async fn started(
        &self,
        environment: Environment,
        since: OffsetDateTime,
        reason: &str,
        failures: u32,
    );
    /// The outage ended at `at`.
    async fn ended(&self, environment: Environment, at: OffsetDateTime);
}

/// Outages as events of the [`ArcaService`] aggregate.
pub struct StoreOutages {
    store: Arc<dyn EventStore>,
    metrics: CommandMetrics,
}

impl StoreOutages {
    /// Appending to `store`, counting the commands in `metrics`.
    pub fn new(store: Arc<dyn EventStore>, metrics: CommandMetrics) -> Self {
        Self { store, metrics }
    }

    async fn run(&self, environment: Environment, command: ArcaServiceCommand) {
        let cmd = Command::<ArcaService> {
            stream: ArcaService::stream_id(environment),
            command,
            metadata: EventMetadata {
                actor: Some("breaker:arca".to_owned()),
                ..EventMetadata::for_tenant(TenantId::SYSTEM)
            },
            expected: None,
            fresh_stream: false,
            event_ids: EventIds::Fresh,
        };
        let ctx = Context::new(OffsetDateTime::now_utc());
        if let Err(error) = handler::execute(&self.store, &self.metrics, &ctx, cmd).await {
            tracing::error!(%environment, error = %infra::Causes(&error), "recording ARCA's availability failed");
        }
    }
}

#[async_trait]
impl Outages for StoreOutages {
    async fn started(
        &self,
        environment: Environment,
        since: OffsetDateTime,
        reason: &str,
        failures: u32,
    ) {
        let command = MarkUnavailable {
            environment,
            since,
            reason: reason.to_owned(),
            failures,
        };
        self.run(environment, command.into()).await;
    }

    async fn ended(&self, environment: Environment, at: OffsetDateTime) {
        self.run(environment, MarkAvailable { at }.into()).await;
    }
}
