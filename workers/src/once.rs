//! Values built once per key, however many callers ask for one at the same moment: the first
//! builds, the others await its result. A failed build is not kept (the next caller builds
//! again); past its capacity the map starts afresh.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

/// Built values by key, at most `capacity` of them.
pub struct OnceMap<K, V> {
    cells: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
    capacity: usize,
}

impl<K: Hash + Eq, V: Clone> OnceMap<K, V> {
    /// An empty map keeping at most `capacity` values.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            cells: Mutex::default(),
            capacity,
        }
    }

    /// The value of `key`, built by `build` unless another caller built it or is building it.
    ///
    /// # Errors
    /// What `build` failed with.
    pub async fn get_or_build<F, Fut, E>(&self, key: K, build: F) -> Result<V, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(PoisonError::into_inner);
            if cells.len() >= self.capacity && !cells.contains_key(&key) {
                cells.clear();
            }
            Arc::clone(cells.entry(key).or_default())
        };
        cell.get_or_try_init(build).await.cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn past_its_capacity_the_map_starts_afresh() {
        let map: OnceMap<u32, u32> = OnceMap::with_capacity(2);
        let ok = |v: u32| async move { Ok::<_, ()>(v) };
        assert_eq!(map.get_or_build(1, || ok(10)).await, Ok(10));
        assert_eq!(map.get_or_build(2, || ok(20)).await, Ok(20));
        assert_eq!(map.get_or_build(1, || ok(11)).await, Ok(10), "built once");
        assert_eq!(map.get_or_build(3, || ok(30)).await, Ok(30));
        assert_eq!(map.get_or_build(1, || ok(12)).await, Ok(12), "forgotten");
    }
}
