//! The read side: projectors that turn the global event log into Postgres read models (schema
//! `rm`), and the runner that feeds them.
//!
//! A [`Projector`] applies a whole batch set-based (arrays bound once, `unnest` upserts), and
//! [`apply_batch`] commits its writes together with the projection's checkpoint in one
//! transaction, skipping events at or below the checkpoint: each event takes effect exactly once,
//! whatever re-delivers it. The same code catches up or rebuilds from the store through the
//! [`GlobalLog`] port ([`Runner`]), and [`rebuild()`] replaces a serving read model with a
//! freshly rebuilt, verified generation while readers keep reading.
//!
//! Depends on `domain` and Postgres (`sqlx`) only; never on the event store's implementation or
//! on NATS: `workers` (feeds) and `api` (GraphQL) implement the ports defined here.
#![warn(missing_docs)]

pub mod analytics;
mod checkpoint;
mod error;
pub mod graphql;
pub mod history;
pub mod invoices;
pub mod query;
pub mod rebuild;
mod runner;
pub mod schema;

pub use checkpoint::{Checkpoint, all_checkpoints, load_checkpoint};
pub use error::ProjectionError;
pub use history::InvoiceHistory;
pub use invoices::InvoicesProjector;
pub use rebuild::{RebuildError, RebuildOptions, RebuildReport, SERVING_GENERATION, rebuild};
pub use runner::{BatchCommitted, GlobalLog, Projector, Runner, apply_batch, apply_in};
