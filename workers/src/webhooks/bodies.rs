//! Bodies built in this process, per event: the deliveries of one event to many subscriptions
//! carry the same envelope, so it is built (the read model asked) and stored once, however many
//! of them are attempted at the same moment.

use std::future::Future;
use std::sync::Arc;

use uuid::Uuid;

use crate::once::OnceMap;

/// Events kept at most; past it the cache starts afresh.
const CAPACITY: usize = 4096;

/// Built bodies by event id.
pub(super) struct BodyCache(OnceMap<Uuid, Arc<[u8]>>);

impl Default for BodyCache {
    fn default() -> Self {
        Self(OnceMap::with_capacity(CAPACITY))
    }
}

impl BodyCache {
    /// The event's body, built by `build` unless another attempt built it or is building it
    /// (then its result is awaited). A failed build is not kept: the next caller builds again.
    pub async fn get_or_build<F, Fut>(&self, event: Uuid, build: F) -> anyhow::Result<Arc<[u8]>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = anyhow::Result<Vec<u8>>>,
    {
        self.0
            .get_or_build(event, || async { build().await.map(Arc::from) })
            .await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn concurrent_attempts_of_one_event_build_its_body_once() {
        let cache = Arc::new(BodyCache::default());
        let builds = Arc::new(AtomicUsize::new(0));
        let event = Uuid::from_u128(1);
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (cache, builds) = (Arc::clone(&cache), Arc::clone(&builds));
                tokio::spawn(async move {
                    cache
                        .get_or_build(event, || async {
                            builds.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                            Ok(b"body".to_vec())
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(&*task.await.unwrap().unwrap(), b"body");
        }
        assert_eq!(builds.load(Ordering::SeqCst), 1);

        let failed = cache
            .get_or_build(Uuid::from_u128(2), || async {
                anyhow::bail!("read model down")
            })
            .await;
        assert!(failed.is_err());
        let retried = cache
            .get_or_build(Uuid::from_u128(2), || async { Ok(b"later".to_vec()) })
            .await;
        assert_eq!(&*retried.unwrap(), b"later", "a failure is not kept");
    }
}
