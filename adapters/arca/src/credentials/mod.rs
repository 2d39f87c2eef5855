//! Issuers' credentials at rest: private keys sealed with AES-256-GCM under a configured key
//! (`arca_ws.issuer_keys`), certificates beside them (`arca_ws.issuer_certificates`), and the
//! certificate facts the taxpayer aggregate decides on.
//!
//! A key is decrypted only to sign (see [`PgCredentialStore::credentials`]); it is never logged,
//! never returned by the API and never put in an event (events carry its `key_id`).

mod inspect;
mod sealing;
mod store;

pub use inspect::{
    CertificateInfo, NewRequest, inspect_certificate, key_for, new_request, public_key_sha256,
};
pub use sealing::{KeyOwner, Sealed, SealingKey};
pub use store::{ExpiringCertificate, PgCredentialStore};

/// Why a credential could not be made, read or stored.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    /// The certificate PEM is unreadable or not RSA.
    #[error("invalid certificate: {0}")]
    InvalidCertificate(String),
    /// The private key PEM is unreadable (or its passphrase is wrong or missing).
    #[error("invalid private key: {0}")]
    InvalidKey(String),
    /// The private key is not the certificate's.
    #[error("the private key does not belong to the certificate")]
    KeyMismatch,
    /// Request data that cannot go into a CSR.
    #[error("{0}")]
    Invalid(String),
    /// The credentials key setting is unusable.
    #[error("{0}")]
    Config(String),
    /// A sealed key did not open: another key, another owner, or altered bytes.
    #[error("a sealed key could not be opened (wrong credentials_key or moved row)")]
    Sealing,
    /// The database failed.
    #[error("credential store: {0}")]
    Store(#[from] sqlx::Error),
}
