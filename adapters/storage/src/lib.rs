//! Object storage for rendered documents (invoice PDFs): a local directory or a bucket of an
//! S3-compatible server, behind one [`DocumentStore`] whose writes are once only. Storing the
//! same bytes under a key again is a no-op, so a worker that re-runs never duplicates; storing
//! different bytes under a key in use is a [`StoreError::Conflict`], so a stored document —
//! whose SHA-256 the invoice's stream records — is never replaced. Errors say whether to try
//! again ([`StoreError::is_retryable`]).
//!
//! Keys are the caller's ([`DocumentKey`]); [`VoucherKey`] names an authorized voucher's PDF.
//!
//! Depends on no workspace crate: it stores bytes under keys and knows nothing of invoices,
//! events or tenants beyond a key's segments. Never the application crates (commands,
//! projections, api, workers), the event store, sqlx or axum.
//!
//! # TLS
//!
//! The S3 client speaks TLS through rustls with the process-wide crypto provider and brings
//! none of its own. Call [`install_crypto_provider`] first thing in `main` and in every test
//! binary that talks to S3 ([`DocumentStore::open`] also calls it, for callers that forget).
#![warn(missing_docs)]

mod config;
mod error;
mod key;
mod s3;
mod store;

pub use config::{S3Config, StoreConfig};
pub use error::StoreError;
pub use key::{DocumentKey, VoucherKey};
pub use store::{DocumentStore, ListedDocument, Stored};

/// Makes ring the process's rustls crypto provider unless one is installed already; idempotent.
///
/// rustls picks a provider by itself only when exactly one is compiled in. The NATS client
/// brings ring; a dependency that brings aws-lc-rs too (as `object_store`'s default `aws`
/// feature would) leaves two, and rustls then panics at the first TLS handshake. The S3 client
/// here is built with no provider of its own and cannot even be created without one installed.
pub fn install_crypto_provider() {
    // Err means a provider is installed already, which is all we need.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
