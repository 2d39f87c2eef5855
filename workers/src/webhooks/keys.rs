//! Where the dispatcher gets a subscription's signing keys, and [`CachedKeys`], which keeps them
//! unsealed between attempts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;
use webhooks::Secret;

/// A subscription's active signing keys: the current one first, then unexpired old ones.
#[async_trait]
pub trait SigningKeys: Send + Sync {
    /// The keys to sign with at `now` (empty: the subscription has none). `current` is the key
    /// id the subscription's row names as current when the delivery was taken (`None`: no row);
    /// a rotation changes it.
    ///
    /// # Errors
    /// When the keys cannot be read or unsealed.
    async fn active(
        &self,
        subscription: Uuid,
        current: Option<Uuid>,
        now: OffsetDateTime,
    ) -> anyhow::Result<Vec<Secret>>;
}

/// Keys held in memory: the bench's and the tests' receivers, which make their own secrets.
#[derive(Debug, Clone, Default)]
pub struct MemoryKeys(Arc<RwLock<HashMap<Uuid, Vec<Secret>>>>);

impl MemoryKeys {
    /// Sets `subscription`'s keys (current first).
    pub fn set(&self, subscription: Uuid, keys: Vec<Secret>) {
        if let Ok(mut map) = self.0.write() {
            map.insert(subscription, keys);
        }
    }
}

#[async_trait]
impl SigningKeys for MemoryKeys {
    async fn active(
        &self,
        subscription: Uuid,
        _current: Option<Uuid>,
        _now: OffsetDateTime,
    ) -> anyhow::Result<Vec<Secret>> {
        let map = self
            .0
            .read()
            .map_err(|_| anyhow::anyhow!("the key map is poisoned"))?;
        Ok(map.get(&subscription).cloned().unwrap_or_default())
    }
}

/// How long [`CachedKeys`] keeps a subscription's keys once read.
pub const KEY_CACHE_TTL: time::Duration = time::Duration::seconds(5);

/// Entries beyond which expired ones are dropped.
const KEY_CACHE_SWEEP_AT: usize = 1024;

/// The keys read (and unsealed) for a subscription whose current key was `current`, at `read_at`.
#[derive(Clone)]
struct Cached {
    current: Uuid,
    read_at: OffsetDateTime,
    keys: Vec<Secret>,
}

/// Keeps each subscription's unsealed keys for [`KEY_CACHE_TTL`] instead of reading and
/// unsealing them from the vault on every attempt.
///
/// An entry holds only while the subscription's row names the same current key: a rotation
/// switches the row's key id (with the old key's `valid_until`) in one transaction, so the first
/// attempt taken after it reads the keys again and the new key signs at once. The TTL bounds the
/// rest: an old key whose grace ended keeps adding its (no longer checked) signature for at most
/// 5 s. Failures and subscriptions without a row are never cached.
pub struct CachedKeys<K> {
    inner: K,
    ttl: time::Duration,
    entries: Mutex<HashMap<Uuid, Cached>>,
}

impl<K: SigningKeys> CachedKeys<K> {
    /// Caches what `inner` answers for [`KEY_CACHE_TTL`].
    pub fn new(inner: K) -> Self {
        Self {
            inner,
            ttl: KEY_CACHE_TTL,
            entries: Mutex::default(),
        }
    }

    fn lookup(
        &self,
        subscription: Uuid,
        current: Uuid,
        now: OffsetDateTime,
    ) -> Option<Vec<Secret>> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let cached = entries.get(&subscription)?;
        let fresh = cached.read_at <= now && now - cached.read_at < self.ttl;
        (fresh && cached.current == current).then(|| cached.keys.clone())
    }

    fn keep(&self, subscription: Uuid, cached: Cached) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= KEY_CACHE_SWEEP_AT {
            let (now, ttl) = (cached.read_at, self.ttl);
            entries.retain(|_, c| now - c.read_at < ttl);
        }
        entries.insert(subscription, cached);
    }
}

#[async_trait]
impl<K: SigningKeys> SigningKeys for CachedKeys<K> {
    async fn active(
        &self,
        subscription: Uuid,
        current: Option<Uuid>,
        now: OffsetDateTime,
    ) -> anyhow::Result<Vec<Secret>> {
        let Some(current) = current else {
            return self.inner.active(subscription, None, now).await;
        };
        if let Some(keys) = self.lookup(subscription, current, now) {
            return Ok(keys);
        }
        let keys = self.inner.active(subscription, Some(current), now).await?;
        self.keep(
            subscription,
            Cached {
                current,
                read_at: now,
                keys: keys.clone(),
            },
        );
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A vault that counts its reads.
    #[derive(Default)]
    struct Counting {
        keys: MemoryKeys,
        reads: AtomicUsize,
    }

    #[async_trait]
    impl SigningKeys for Arc<Counting> {
        async fn active(
            &self,
            subscription: Uuid,
            current: Option<Uuid>,
            now: OffsetDateTime,
        ) -> anyhow::Result<Vec<Secret>> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.keys.active(subscription, current, now).await
        }
    }

    fn encoded(keys: &[Secret]) -> Vec<String> {
        use secrecy::ExposeSecret as _;
        keys.iter()
            .map(|k| k.encode().expose_secret().to_owned())
            .collect()
    }

    #[tokio::test]
    async fn reads_a_subscriptions_keys_once_until_the_ttl_ends() -> anyhow::Result<()> {
        let vault = Arc::new(Counting::default());
        let (sub, key) = (Uuid::from_u128(1), Uuid::from_u128(10));
        let secret = Secret::generate();
        vault.keys.set(sub, vec![secret.clone()]);
        let cache = CachedKeys::new(Arc::clone(&vault));
        let t0 = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        for offset in [0, 1, 4] {
            let keys = cache
                .active(sub, Some(key), t0 + time::Duration::seconds(offset))
                .await?;
            assert_eq!(encoded(&keys), encoded(std::slice::from_ref(&secret)));
        }
        assert_eq!(vault.reads.load(Ordering::SeqCst), 1);
        cache.active(sub, Some(key), t0 + KEY_CACHE_TTL).await?;
        assert_eq!(vault.reads.load(Ordering::SeqCst), 2);
        // Another subscription has its own entry; one without a row is never cached.
        cache.active(Uuid::from_u128(2), Some(key), t0).await?;
        cache.active(Uuid::from_u128(3), None, t0).await?;
        cache.active(Uuid::from_u128(3), None, t0).await?;
        assert_eq!(vault.reads.load(Ordering::SeqCst), 5);
        Ok(())
    }

    #[tokio::test]
    async fn a_rotation_reads_the_new_keys_at_the_next_attempt() -> anyhow::Result<()> {
        let vault = Arc::new(Counting::default());
        let sub = Uuid::from_u128(1);
        let (old, new) = (Secret::generate(), Secret::generate());
        vault.keys.set(sub, vec![old.clone()]);
        let cache = CachedKeys::new(Arc::clone(&vault));
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        cache.active(sub, Some(Uuid::from_u128(10)), now).await?;
        vault.keys.set(sub, vec![new.clone(), old.clone()]);
        let keys = cache.active(sub, Some(Uuid::from_u128(11)), now).await?;
        assert_eq!(encoded(&keys), encoded(&[new, old]));
        assert_eq!(vault.reads.load(Ordering::SeqCst), 2);
        Ok(())
    }
}
