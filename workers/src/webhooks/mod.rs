//! The webhook delivery engine, the only owner of the `webhooks` schema: the `deliveries`,
//! `attempts`, `bodies`, `outcomes_due`, `endpoint_health` and `signing_keys` tables, and the
//! `subscriptions` read table its [`SubscriptionsProjector`] keeps (moved here from `projections`:
//! it also switches signing keys). The API reads the schema only through `projections::query`.
//!
//! - [`FanOut`] follows the event log (a durable JetStream consumer through
//!   [`crate::feeds::JetStreamFeed`], or the store's log) and makes one
//!   `webhooks.deliveries` row per (event, matching subscription), exactly once in effect: the
//!   rows commit with its checkpoint, and the delivery id is derived from the event and the
//!   subscription.
//! - [`Dispatcher`] takes due rows (`for update skip locked`, with a lease), signs and POSTs them
//!   through the SSRF-safe [`webhooks::WebhookClient`], records every attempt, and schedules the
//!   next or finishes; final outcomes become events on the invoice's stream, exhaustion an event
//!   on the subscription's, and a 410 or a long failure disables the subscription.
//! - [`PgSigningKeys`] keeps the endpoints' signing secrets sealed (the API mints them through
//!   the `commands` vault port); [`PgRedeliveries`] queues manual redeliveries for the API.

mod attempt;
mod batch;
mod bodies;
mod control;
mod dispatcher;
mod fanout;
mod followup;
mod keys;
mod metrics;
mod payload;
mod redeliveries;
mod run;
mod secrets;
mod subscriptions;

pub use control::StoreControl;
pub use dispatcher::{DispatchConfig, Dispatcher, DispatcherParts};
pub use fanout::{
    FANOUT, FanOut, TEST_REQUESTED, TEST_TYPE, delivery_id, mapped_public_types, parse_webhook_id,
    webhook_id,
};
pub use followup::{Exhausted, SubscriptionControl};
pub use keys::{CachedKeys, KEY_CACHE_TTL, MemoryKeys, SigningKeys};
pub use metrics::DeliveryMetrics;
pub use payload::InvoiceShape;
pub use redeliveries::PgRedeliveries;
pub use run::{DeliveryConfig, run_dispatcher, run_fanout};
pub use secrets::{PgSigningKeys, SigningKeyError};
pub use subscriptions::{MAX_OLD_KEYS, SubscriptionsProjector};
