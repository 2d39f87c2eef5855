//! The write side: command handlers, the REST command router, idempotency and API-key auth.
//!
//! Depends on `domain` and on the event store *port*; never names a concrete adapter type (the
//! root binary wires the Postgres store in). Nothing but event appends is written on the request
//! path, except issuers' sealed keys and certificates, through the credential vault port
//! ([`credentials::IssuerCredentials`]), and webhook signing secrets, through the
//! [`webhooks::SigningSecrets`] port.

pub mod credentials;
pub mod handler;
pub mod http;
pub mod issuers;
pub mod metrics;
pub mod ports;
pub mod saga;
pub mod tenants;
pub mod webhooks;

pub use handler::{CommandError, execute};
pub use http::{AppState, Services, router};
pub use metrics::CommandMetrics;
