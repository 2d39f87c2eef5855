//! The port the API reads stored documents (invoice PDFs) through: bytes by the key an
//! `invoice.document_issued` event recorded. The root binary implements it over the document
//! store; the API never names the store itself.

use async_trait::async_trait;
use axum::body::Bytes;

/// Why a stored document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DocumentFetchError {
    /// The store cannot be reached or is in trouble; the same read may succeed later.
    #[error("the document store is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Anything else (refused credentials, a key the store cannot take, a disk error).
    #[error("the document store failed")]
    Failed(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Reads stored documents.
#[async_trait]
pub trait DocumentSource: Send + Sync {
    /// The bytes stored under `key`, or `None` when nothing is stored there.
    ///
    /// # Errors
    /// The store could not answer.
    async fn fetch(&self, key: &str) -> Result<Option<Bytes>, DocumentFetchError>;
}
