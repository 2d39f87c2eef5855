//! Outbound webhooks, wired: the signing-secret vault over `webhooks.signing_keys`
//! ([`PgSigningKeys`]), the subscriptions read table behind the REST reads
//! ([`PgSubscriptionReads`]), the delivery log behind its REST reads and redeliveries
//! ([`PgDeliveryLog`]), the projection that keeps that table for
//! `serve --role workers|all` ([`run_projection`]), and the delivery engine ([`delivery`]).

pub mod delivery;
mod log;
mod reads;
mod secrets;

use std::future::Future;

pub use log::PgDeliveryLog;
pub use reads::PgSubscriptionReads;
pub use secrets::{PgSigningKeys, SigningKeyError};

use crate::metrics::Metrics;
use crate::settings::Settings;

/// Keeps `webhooks.subscriptions` (and the switch of signing keys) up to date until `shutdown`
/// resolves, fed like the invoices projection.
///
/// # Errors
/// Postgres unreachable at start-up, or invalid NATS settings.
pub async fn run_projection(
    settings: &Settings,
    metrics: &Metrics,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let projector = projections::SubscriptionsProjector::new();
    crate::projections::run_projector(settings, metrics, projector, shutdown).await
}
