//! The application's write side without HTTP: command handlers, idempotency, API keys, the
//! decisions of process managers (the ARCA saga's steps), and the flows that touch a vault.
//!
//! Depends on `domain` and on the event store *port*; never on axum or any HTTP crate (that is
//! `api`), never on the read side, and never names a concrete adapter type (the root binary wires
//! the Postgres store in). Nothing but event appends is written on the request
//! path, except issuers' sealed keys and certificates, through the credential vault port
//! ([`credentials::IssuerCredentials`]), and webhook signing secrets, through the
//! [`webhooks::SigningSecrets`] port.

pub mod credentials;
pub mod drafts;
pub mod handler;
pub mod issuers;
pub mod metrics;
pub mod ports;
pub mod saga;
pub mod series;
pub mod tenants;
pub mod webhooks;

pub use handler::{CommandError, execute};
pub use metrics::CommandMetrics;
