//! What can go wrong storing or reading a document, sorted by what the caller does about it:
//! nothing to read yet, a different document already there, try again later, fix the settings.

use std::error::Error as StdError;

use object_store::client::{HttpError, HttpErrorKind};

use crate::s3::ServerBusy;

/// A failure of the document store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No document is stored under the key.
    #[error("no document is stored under {key}")]
    NotFound {
        /// The key asked for.
        key: String,
    },
    /// A different document is already stored under the key; it was left as it was.
    #[error(
        "a different document is already stored under {key} ({stored} bytes stored, {offered} offered)"
    )]
    Conflict {
        /// The key written to.
        key: String,
        /// The size of the document that stays stored.
        stored: usize,
        /// The size of the document that was refused.
        offered: usize,
    },
    /// The store could not be reached or answered that it is in trouble (a refused or timed-out
    /// connection, a 5xx, throttling) after the client's own retries: try again later.
    #[error("the document store is unavailable ({key})")]
    Unavailable {
        /// The key of the operation.
        key: String,
        /// What the client saw.
        #[source]
        source: object_store::Error,
    },
    /// The store refused the credentials or the operation (401/403): a settings problem.
    #[error("the document store refused access ({key})")]
    Denied {
        /// The key of the operation.
        key: String,
        /// What the store answered.
        #[source]
        source: object_store::Error,
    },
    /// A key that is not of the form the store accepts.
    #[error("{key:?} is not a document key: {reason}")]
    InvalidKey {
        /// The key given.
        key: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The store's settings cannot work (a bad endpoint, a directory that cannot be made).
    #[error("the document store's settings are unusable: {what}")]
    Config {
        /// What was being set up.
        what: String,
        /// Why it failed.
        #[source]
        source: Box<dyn StdError + Send + Sync>,
    },
    /// Any other failure of the store (a local disk error, an answer the client did not expect).
    #[error("the document store failed ({key})")]
    Backend {
        /// The key of the operation.
        key: String,
        /// What the client saw.
        #[source]
        source: object_store::Error,
    },
}

impl StoreError {
    /// Whether trying the same operation later may succeed without changing anything.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }

    /// Sorts a client error for the operation on `key`.
    pub(crate) fn from_store(key: &str, source: object_store::Error) -> Self {
        let key = key.to_owned();
        match source {
            object_store::Error::NotFound { .. } => Self::NotFound { key },
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => Self::Denied { key, source },
            source if is_unavailable(&source) => Self::Unavailable { key, source },
            source => Self::Backend { key, source },
        }
    }
}

/// Whether the error's causes show a transport failure or a server in trouble. Statuses reach us
/// typed only through [`ServerBusy`] (see `s3.rs`): the client's own status error is private.
fn is_unavailable(error: &object_store::Error) -> bool {
    let mut cause: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(current) = cause {
        if current.downcast_ref::<ServerBusy>().is_some() {
            return true;
        }
        if let Some(http) = current.downcast_ref::<HttpError>() {
            return matches!(
                http.kind(),
                HttpErrorKind::Connect
                    | HttpErrorKind::Request
                    | HttpErrorKind::Timeout
                    | HttpErrorKind::Interrupted
            );
        }
        cause = current.source();
    }
    false
}
