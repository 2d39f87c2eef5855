//! The API's [`api::DocumentSource`] port over the document store ([`storage::DocumentStore`]):
//! what `GET /v1/invoices/{id}/pdf` reads.

use api::{DocumentFetchError, DocumentSource};
use async_trait::async_trait;
use bytes::Bytes;
use storage::{DocumentKey, DocumentStore, StoreConfig, StoreError};

/// Stored documents, read by the key their `invoice.document_issued` recorded.
#[derive(Debug, Clone)]
pub struct StoredDocuments(DocumentStore);

impl StoredDocuments {
    /// The store `config` describes (a local directory is made when absent).
    ///
    /// # Errors
    /// Settings the store cannot work with.
    pub fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        DocumentStore::open(config).map(Self)
    }
}

#[async_trait]
impl DocumentSource for StoredDocuments {
    async fn fetch(&self, key: &str) -> Result<Option<Bytes>, DocumentFetchError> {
        let key = DocumentKey::parse(key).map_err(|e| DocumentFetchError::Failed(Box::new(e)))?;
        match self.0.get(&key).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(StoreError::NotFound { .. }) => Ok(None),
            Err(error) if error.is_retryable() => {
                Err(DocumentFetchError::Unavailable(Box::new(error)))
            }
            Err(error) => Err(DocumentFetchError::Failed(Box::new(error))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use secrecy::SecretString;
    use storage::S3Config;

    use super::*;

    #[tokio::test]
    async fn reads_what_is_stored_and_nothing_where_nothing_is() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let config = StoreConfig::Local {
            dir: dir.path().to_owned(),
        };
        let key = DocumentKey::parse("t/sim/20267565393/00001-006-00000042.v1.pdf")?;
        DocumentStore::open(&config)?
            .put(&key, Bytes::from_static(b"%PDF-1.7"))
            .await?;
        let source = StoredDocuments::open(&config)?;
        assert_eq!(
            source.fetch(key.as_str()).await?,
            Some(Bytes::from_static(b"%PDF-1.7"))
        );
        assert_eq!(source.fetch("t/sim/other.pdf").await?, None);
        assert!(matches!(
            source.fetch("../etc/passwd").await,
            Err(DocumentFetchError::Failed(_))
        ));
        Ok(())
    }

    #[tokio::test]
    async fn an_unreachable_bucket_is_unavailable_not_a_failure() -> anyhow::Result<()> {
        // Nothing listens on port 9 of loopback: the connection is refused.
        let mut s3 = S3Config::new(
            "http://127.0.0.1:9",
            "pdfs",
            "id",
            SecretString::from("secret"),
        );
        s3.allow_http = true;
        s3.max_retries = 0;
        s3.timeout = Duration::from_secs(2);
        let source = StoredDocuments::open(&StoreConfig::S3(s3))?;
        let answer = source.fetch("t/sim/a.pdf").await;
        assert!(
            matches!(answer, Err(DocumentFetchError::Unavailable(_))),
            "{answer:?}"
        );
        Ok(())
    }
}
