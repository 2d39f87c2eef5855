//! The `arca` binary's library: the command line, settings, turning settings into each role's
//! typed configuration, starting the roles (`api` from the `api` crate, `workers` from the
//! `workers` crate), the benchmarks, and the end-to-end test harness.
//!
//! This is the only crate that names concrete adapters for the API's ports (the Postgres event
//! store, the credential vault, the delivery engine's keys and redeliveries, the document
//! store); the application
//! crates see ports.

pub mod bench;
pub mod cli;
pub mod config;
pub mod credentials;
pub mod document_source;
pub mod documents;
pub mod harness;
pub mod http;
pub mod metrics;
pub mod rebuild;
pub mod server;
pub mod settings;
pub mod status;
pub mod telemetry;
pub mod tenants;
