//! The `arca` binary's library: configuration, wiring of every part, and the command line.
//!
//! This is the only crate that names concrete adapters (the Postgres event store, and later NATS
//! and the ARCA client); the application crates see ports.

pub mod bench;
pub mod certificates;
pub mod cli;
pub mod credentials;
pub mod graphql;
pub mod metrics;
pub mod once;
pub mod projections;
pub mod reads;
pub mod rebuild;
pub mod relay;
pub mod saga;
pub mod server;
pub mod settings;
pub mod telemetry;
pub mod vacuum;
pub mod webhooks;
