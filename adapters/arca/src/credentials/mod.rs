//! Issuers' credentials at rest: private keys sealed with AES-256-GCM under the current key of
//! the configured [`Keyring`] (`arca_ws.issuer_keys`, each row naming the key that sealed it),
//! certificates beside them (`arca_ws.issuer_certificates`), and the certificate facts the
//! taxpayer aggregate decides on.
//!
//! A key is decrypted only to sign (see [`PgCredentialStore::credentials`]); it is never logged,
//! never returned by the API and never put in an event (events carry its `key_id`).

mod inspect;
mod keyring;
mod reseal;
mod sealing;
mod store;

pub use inspect::{
    CertificateInfo, NewRequest, inspect_certificate, key_for, new_request, public_key_sha256,
};
pub use keyring::{DEFAULT_KEY_ID, Keyring, parse_keys};
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
    /// A sealed secret did not open: another key under the same id, another owner, or
    /// altered bytes.
    #[error("a sealed secret could not be opened (wrong credentials key or moved row)")]
    Sealing,
    /// A row was sealed by a key the keyring does not hold.
    #[error(
        "a sealed secret names credentials key `{0}`, which is not configured: add it to \
         ARCA_CREDENTIALS_KEYS until `arca credentials reseal` has moved every row to the current key"
    )]
    UnknownSealingKey(String),
    /// The database failed.
    #[error("credential store: {0}")]
    Store(#[from] sqlx::Error),
}
