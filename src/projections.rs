//! Wiring of the read side: [`StoreLog`] adapts the event store's gap-safe global log to the
//! projections' [`GlobalLog`] port, and [`run`] keeps the invoices read model (`rm.invoices`)
//! up to date for `serve --role workers|all`.
//!
//! The live feed polls the store's global log (the same path a rebuild uses) rather than a
//! JetStream consumer: the read models live in the same database, so the checkpoint commits with
//! the rows and several instances can run it (the checkpoint row lock makes them take turns).

use std::future::Future;

use anyhow::Context as _;
use async_trait::async_trait;
use domain::{GlobalPosition, RecordedEvent};
use eventstore::{EventStore, PgEventStore};
use projections::{GlobalLog, InvoicesProjector, ProjectionError, Runner};
use secrecy::ExposeSecret as _;

use crate::settings::Settings;

/// Postgres connections of the projection runner.
const PROJECTION_POOL: u32 = 2;

/// The global log of a Postgres event store.
#[derive(Debug, Clone)]
pub struct StoreLog(pub PgEventStore);

#[async_trait]
impl GlobalLog for StoreLog {
    async fn read_after(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, ProjectionError> {
        self.0
            .read_all(after, limit)
            .await
            .map_err(|error| ProjectionError::Log(error.to_string()))
    }
}

/// Runs the invoices projection until `shutdown` resolves; failed batches are logged and retried.
///
/// # Errors
/// Postgres unreachable at start-up.
pub async fn run(
    settings: &Settings,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let store = PgEventStore::connect(settings.database_url.expose_secret(), PROJECTION_POOL)
        .await
        .context("connecting the projections to Postgres (ARCA_DATABASE_URL)")?;
    let runner = Runner::new(
        store.pool().clone(),
        InvoicesProjector::new(),
        StoreLog(store),
    );
    tracing::info!("invoices projection started");
    runner.run(shutdown).await;
    Ok(())
}
