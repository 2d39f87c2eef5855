//! ARCA (ex AFIP) web services: a WSAA + WSFEv1 SOAP client, the cluster-wide ticket broker, and
//! an offline simulator that speaks both services at their real paths, and the store of issuers'
//! credentials (private keys sealed with AES-256-GCM, certificates beside them).
//!
//! ARCA's Spanish field names (`CbteTipo`, `PtoVta`, …) live only inside this crate.
//! This crate may depend on `domain` *values* only: it must never depend on aggregates,
//! commands, events, the event store, projections or any other adapter.

pub mod broker;
pub mod certs;
pub mod cli;
pub mod credentials;
pub mod error;
pub mod sim;
pub mod soap;
pub mod wsaa;
pub mod wsfe;

pub use error::ArcaError;
