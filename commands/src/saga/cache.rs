//! The states this process folded last, of its series and of the invoices it is taking to their
//! end: a drive or an intake reads only the events appended since, and an invoice step is decided
//! without reading the invoice again. Any state kept here is a true prefix of its stream; a
//! command decided on a stale one loses its append and catches up.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

use domain::invoice::Invoice;
use domain::series::{Series, SeriesKey};
use domain::{InvoiceId, TenantId};

/// Series kept at most; past it the cache starts afresh (a process drives far fewer at once).
const SERIES: usize = 4096;
/// Invoices kept at most (a few KB each): several full batches of every series in flight.
const INVOICES: usize = 100_000;

/// A stream's state and the version it was folded to (`None`: the stream is empty).
pub(super) type Folded<A> = (A, Option<u64>);

/// States by stream, at most `capacity` of them.
#[derive(Debug)]
pub(super) struct Kept<K, A> {
    states: Mutex<HashMap<K, Folded<A>>>,
    capacity: usize,
}

/// Series states, by tenant and series.
pub(super) type SeriesCache = Kept<(TenantId, SeriesKey), Series>;
/// States of invoices in flight, by tenant and invoice; forgotten once final.
pub(super) type InvoiceCache = Kept<(TenantId, InvoiceId), Invoice>;

impl Default for SeriesCache {
    fn default() -> Self {
        Self::with_capacity(SERIES)
    }
}

impl Default for InvoiceCache {
    fn default() -> Self {
        Self::with_capacity(INVOICES)
    }
}

impl<K: Hash + Eq, A: Clone> Kept<K, A> {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            states: Mutex::default(),
            capacity,
        }
    }

    /// The latest state kept for the stream, if any.
    pub(super) fn get(&self, key: &K) -> Option<Folded<A>> {
        let map = self.states.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(key).cloned()
    }

    /// Keeps `state` at `version`, unless a later state of the stream is kept already.
    pub(super) fn put(&self, key: K, state: &A, version: Option<u64>) {
        let mut map = self.states.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, kept)) = map.get(&key)
            && *kept >= version
        {
            return;
        }
        if map.len() >= self.capacity && !map.contains_key(&key) {
            map.clear();
        }
        map.insert(key, (state.clone(), version));
    }

    /// Forgets the stream.
    pub(super) fn remove(&self, key: &K) {
        let mut map = self.states.lock().unwrap_or_else(PoisonError::into_inner);
        map.remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_later_state_is_never_replaced_by_an_earlier_one() {
        let cache: Kept<u32, &str> = Kept::with_capacity(8);
        cache.put(1, &"at 4", Some(4));
        cache.put(1, &"at 2", Some(2));
        assert_eq!(cache.get(&1), Some(("at 4", Some(4))));
        cache.put(1, &"at 5", Some(5));
        assert_eq!(cache.get(&1), Some(("at 5", Some(5))));
        assert_eq!(cache.get(&2), None);
        cache.remove(&1);
        assert_eq!(cache.get(&1), None);
    }

    #[test]
    fn past_its_capacity_the_cache_starts_afresh() {
        let cache: Kept<u32, u32> = Kept::with_capacity(2);
        cache.put(1, &1, Some(0));
        cache.put(2, &2, Some(0));
        cache.put(2, &3, Some(1));
        assert_eq!(cache.get(&1), Some((1, Some(0))), "an update takes no room");
        cache.put(3, &3, Some(0));
        assert_eq!((cache.get(&1), cache.get(&3)), (None, Some((3, Some(0)))));
    }
}
