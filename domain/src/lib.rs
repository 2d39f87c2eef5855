//! The invoicing domain: values, aggregates, commands, events and their pure decide/evolve.
//!
//! Must never depend on IO: no tokio, sqlx, axum, async-nats, reqwest or quick-xml, no clock and
//! no random source (time and new ids arrive through a context argument).
//!
//! - [`values`]: CUIT, money, ARCA code tables.
//! - [`aggregate`]: the [`Aggregate`] and [`DomainEvent`] traits, [`Context`] and [`Policy`].
//! - [`tenant`], [`taxpayer`], [`invoice`], [`series`], [`webhook`]: the aggregates;
//!   [`arca_service`]: ARCA's availability, a system stream of no customer's.
//! - [`schemas`]: the JSON Schema of every event type and version.
//! - `testing` (feature `testing`): the given/when/then harness and example builders.
#![warn(missing_docs)]

pub mod aggregate;
pub mod arca_service;
pub mod envelope;
pub mod ids;
pub mod invoice;
pub mod rejection;
pub mod schemas;
pub mod series;
pub mod taxpayer;
pub mod tenant;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod values;
pub mod webhook;

pub use aggregate::{
    Aggregate, Context, DecodeError, DomainEvent, ErrorCode, Policy, RejectionKind,
};
pub use envelope::{EventMetadata, GlobalPosition, NewEvent, RecordedEvent, StreamId};
pub use ids::{ApiKeyId, InvoiceId, SubscriptionId, TenantId};
pub use rejection::DomainError;
