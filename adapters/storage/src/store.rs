//! [`DocumentStore`]: write-once documents by key, over `object_store`.

use std::sync::Arc;

use bytes::Bytes;
use futures::{Stream, StreamExt as _};
use object_store::{
    ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, local::LocalFileSystem, path::Path,
};
use tracing::instrument;

use crate::{DocumentKey, StoreConfig, StoreError, s3};

/// Documents by key, each written once: storing the same bytes again is a no-op, storing
/// different bytes under a key in use is refused. Cheap to clone.
#[derive(Debug, Clone)]
pub struct DocumentStore {
    inner: Arc<dyn ObjectStore>,
}

/// What [`DocumentStore::put`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The document was written.
    Created,
    /// The same bytes were already stored under the key; nothing was written.
    AlreadyStored,
}

/// A document found by [`DocumentStore::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedDocument {
    /// Its key.
    pub key: DocumentKey,
    /// Its size in bytes.
    pub size: u64,
}

impl DocumentStore {
    /// The store `config` describes: makes the local directory, or builds the S3 client (which
    /// makes no request yet, so a wrong endpoint or credentials show at the first operation).
    pub fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        let inner: Arc<dyn ObjectStore> = match config {
            StoreConfig::Local { dir } => {
                let config_error =
                    |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Config {
                        what: format!("the documents directory {}", dir.display()),
                        source,
                    };
                std::fs::create_dir_all(dir).map_err(|e| config_error(Box::new(e)))?;
                // A stored document's hash goes into the log right after the put: it must be on
                // the disk by then, as it would be in a bucket.
                let local = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| config_error(Box::new(e)))?
                    .with_fsync(true);
                Arc::new(local)
            }
            StoreConfig::S3(s3) => s3::open(s3)?,
        };
        Ok(Self { inner })
    }

    /// A store over any `object_store` backend (such as `InMemory`).
    pub fn from_object_store(inner: Arc<dyn ObjectStore>) -> Self {
        Self { inner }
    }

    /// Stores `bytes` under `key` unless a document is there already: the same bytes make this
    /// a no-op ([`Stored::AlreadyStored`]), different bytes a [`StoreError::Conflict`] that
    /// leaves the stored document as it was.
    ///
    /// Create-only in one step where the backend can: a local directory publishes the file with
    /// a hard link, which fails if the name exists; S3 sends `If-None-Match: *`. Either way a
    /// refusal is followed by a read to compare bytes. A bucket configured without conditional
    /// puts (`S3Config::conditional_put` off) is read first and written only when the key is
    /// absent: two writers of different bytes racing there could both write.
    #[instrument(skip_all, fields(key = %key, bytes = bytes.len()))]
    pub async fn put(&self, key: &DocumentKey, bytes: Bytes) -> Result<Stored, StoreError> {
        let path = path(key);
        let create = PutOptions::from(PutMode::Create);
        match self
            .inner
            .put_opts(&path, bytes.clone().into(), create)
            .await
        {
            Ok(_) => Ok(Stored::Created),
            Err(object_store::Error::AlreadyExists { .. }) => self.compare(key, &bytes).await,
            Err(object_store::Error::NotImplemented { .. }) => {
                match self.compare(key, &bytes).await {
                    Err(StoreError::NotFound { .. }) => {
                        let overwrite = PutOptions::from(PutMode::Overwrite);
                        self.inner
                            .put_opts(&path, bytes.into(), overwrite)
                            .await
                            .map_err(|e| StoreError::from_store(key.as_str(), e))?;
                        Ok(Stored::Created)
                    }
                    found => found,
                }
            }
            Err(e) => Err(StoreError::from_store(key.as_str(), e)),
        }
    }

    /// Whether the document stored under `key` is `bytes`.
    async fn compare(&self, key: &DocumentKey, bytes: &Bytes) -> Result<Stored, StoreError> {
        let stored = self.get(key).await?;
        if stored == *bytes {
            Ok(Stored::AlreadyStored)
        } else {
            Err(StoreError::Conflict {
                key: key.to_string(),
                stored: stored.len(),
                offered: bytes.len(),
            })
        }
    }

    /// The document stored under `key`, or [`StoreError::NotFound`].
    #[instrument(skip_all, fields(key = %key))]
    pub async fn get(&self, key: &DocumentKey) -> Result<Bytes, StoreError> {
        let error = |e| StoreError::from_store(key.as_str(), e);
        let found = self.inner.get(&path(key)).await.map_err(error)?;
        found.bytes().await.map_err(error)
    }

    /// The size of the document stored under `key`, or `None` when there is none.
    #[instrument(skip_all, fields(key = %key))]
    pub async fn head(&self, key: &DocumentKey) -> Result<Option<u64>, StoreError> {
        match self.inner.head(&path(key)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(StoreError::from_store(key.as_str(), e)),
        }
    }

    /// Every document whose key starts with the segments of `prefix` (all documents for
    /// `None`), in no particular order, a page at a time as the stream is read. A prefix matches
    /// whole segments: `t1` lists `t1/…`, not `t10/…`.
    pub fn list(
        &self,
        prefix: Option<&DocumentKey>,
    ) -> impl Stream<Item = Result<ListedDocument, StoreError>> + Send + 'static {
        let prefix = prefix.map(path);
        let shown = prefix.as_ref().map(Path::to_string).unwrap_or_default();
        self.inner.list(prefix.as_ref()).map(move |found| {
            let meta = found.map_err(|e| StoreError::from_store(&shown, e))?;
            Ok(ListedDocument {
                key: DocumentKey::parse(meta.location.as_ref())?,
                size: meta.size,
            })
        })
    }
}

/// A checked key is a valid object path as it is: its segments need no encoding.
fn path(key: &DocumentKey) -> Path {
    Path::from(key.as_str())
}
