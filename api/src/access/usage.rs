//! When keys were last used: stamped at most once per interval per key and instance, by a task
//! of its own, so the request that uses a key never waits for the write.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use domain::ApiKeyId;
use infra::PgLastUsed;
use time::OffsetDateTime;

/// The last-use stamps of keys, written behind the requests' backs.
pub struct Usage {
    store: Arc<PgLastUsed>,
    every: Duration,
    written: Mutex<HashMap<ApiKeyId, Instant>>,
}

impl Usage {
    /// Stamps in `store`, at most once per `every` per key.
    pub fn new(store: PgLastUsed, every: Duration) -> Self {
        Self {
            store: Arc::new(store),
            every,
            written: Mutex::new(HashMap::new()),
        }
    }

    /// Notes that `key` is used at `now`: writes the stamp in the background unless this
    /// instance wrote one for the key less than `every` ago.
    pub fn touch(&self, key: ApiKeyId, now: OffsetDateTime) {
        let due = match self.written.lock() {
            Ok(mut written) => {
                let fresh = written
                    .get(&key)
                    .is_some_and(|at| at.elapsed() < self.every);
                if !fresh {
                    if written.len() >= 100_000 {
                        written.clear();
                    }
                    written.insert(key, Instant::now());
                }
                !fresh
            }
            Err(_) => false,
        };
        if due {
            let store = Arc::clone(&self.store);
            tokio::spawn(async move {
                if let Err(error) = store.record(&[(key.0, now)]).await {
                    tracing::warn!(error = ?error, "stamping an API key's last use");
                }
            });
        }
    }

    /// The stamps of those of `keys` ever used.
    ///
    /// # Errors
    /// The database failed.
    pub async fn last_used(
        &self,
        keys: &[ApiKeyId],
    ) -> anyhow::Result<HashMap<ApiKeyId, OffsetDateTime>> {
        let ids: Vec<_> = keys.iter().map(|k| k.0).collect();
        let rows = self.store.read(&ids).await?;
        Ok(rows
            .into_iter()
            .map(|(id, at)| (ApiKeyId(id), at))
            .collect())
    }
}
