//! The series states this process folded last: a drive or an intake reads only the events
//! appended since, instead of the whole stream at every step. Any state kept here is a true
//! prefix of its stream; a command decided on a stale one loses its append and catches up.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use domain::TenantId;
use domain::series::{Series, SeriesKey};

/// Series kept at most; past it the cache starts afresh (a process drives far fewer at once).
const CAPACITY: usize = 4096;

/// A series' state and the stream version it was folded to (`None`: the stream is empty).
pub(super) type Folded = (Series, Option<u64>);

#[derive(Debug, Default)]
pub(super) struct SeriesCache(Mutex<HashMap<(TenantId, SeriesKey), Folded>>);

impl SeriesCache {
    /// The latest state kept for the series, if any.
    pub(super) fn get(&self, tenant: TenantId, key: &SeriesKey) -> Option<Folded> {
        let map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&(tenant, *key)).cloned()
    }

    /// Keeps `series` at `version`, unless a later state of the stream is kept already.
    pub(super) fn put(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        series: &Series,
        version: Option<u64>,
    ) {
        let mut map = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, kept)) = map.get(&(tenant, *key))
            && *kept >= version
        {
            return;
        }
        if map.len() >= CAPACITY && !map.contains_key(&(tenant, *key)) {
            map.clear();
        }
        map.insert((tenant, *key), (series.clone(), version));
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn key(point_of_sale: u32) -> SeriesKey {
        let stream = format!("series-sim-20267565393-{point_of_sale}-6");
        SeriesKey::from_stream_id(&stream).unwrap()
    }

    #[test]
    fn a_later_state_is_never_replaced_by_an_earlier_one() {
        let cache = SeriesCache::default();
        let tenant = TenantId(Uuid::from_u128(1));
        cache.put(tenant, &key(1), &Series::default(), Some(4));
        cache.put(tenant, &key(1), &Series::default(), Some(2));
        assert_eq!(cache.get(tenant, &key(1)).unwrap().1, Some(4));
        cache.put(tenant, &key(1), &Series::default(), Some(5));
        assert_eq!(cache.get(tenant, &key(1)).unwrap().1, Some(5));
        assert!(cache.get(tenant, &key(2)).is_none());
        assert!(cache.get(TenantId(Uuid::from_u128(2)), &key(1)).is_none());
    }
}
