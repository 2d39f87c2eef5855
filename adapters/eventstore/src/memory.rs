//! An in-memory event store with the same semantics as the Postgres one, for fast handler tests.

use std::collections::HashMap;

use async_trait::async_trait;
use domain::{GlobalPosition, NewEvent, RecordedEvent, StreamId, TenantId};
use time::OffsetDateTime;
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::port::{
    AppendOutcome, EventStore, ExpectedVersion, ReadOptions, StoreError, batch_tenant,
};

/// Keeps every event in one log behind a mutex. Each append is one "transaction": its events
/// share a `tx_id`, and the log is commit-ordered by construction.
#[derive(Debug, Default)]
pub struct InMemoryEventStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The global log, in position order; an event's position is its index + 1.
    log: Vec<RecordedEvent>,
    /// Owner and log indexes of each stream's events, in version order.
    streams: HashMap<StreamId, StreamState>,
    /// Log index of each event id.
    by_id: HashMap<Uuid, usize>,
    /// Last transaction id handed out.
    last_tx: u64,
}

#[derive(Debug)]
struct StreamState {
    tenant: TenantId,
    events: Vec<usize>,
}

impl InMemoryEventStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl State {
    /// The original outcome of a retried append, or why the ids cannot be a retry.
    fn replayed(
        &self,
        stream: &StreamId,
        tenant: TenantId,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<AppendOutcome, StoreError> {
        if let Some(owner) = self.streams.get(stream)
            && owner.tenant != tenant
        {
            return Err(StoreError::TenantMismatch {
                stream: stream.clone(),
            });
        }
        let stored = |id: &Uuid| self.by_id.get(id).map(|&index| &self.log[index]);
        let first = match expected {
            ExpectedVersion::NoStream => Some(0),
            ExpectedVersion::Exact(version) => Some(version + 1),
            ExpectedVersion::Any => events
                .first()
                .and_then(|e| stored(&e.event_id))
                .map(|e| e.stream_version),
        };
        let matches = |offset: u64, event: &NewEvent| {
            stored(&event.event_id).filter(|e| {
                &e.stream_id == stream
                    && e.event_type == event.event_type
                    && Some(e.stream_version) == first.map(|f| f + offset)
            })
        };
        // The first stored id that is another event; or, when the batch mixes stored and new
        // ids, the first stored one.
        let is_stored = |e: &&NewEvent| stored(&e.event_id).is_some();
        let mismatch = (0u64..)
            .zip(events)
            .find(|&(offset, e)| is_stored(&e) && matches(offset, e).is_none())
            .map(|(_, e)| e);
        let partial = events.iter().any(|e| !is_stored(&e));
        let other = mismatch.or_else(|| partial.then(|| events.iter().find(is_stored)).flatten());
        if let Some(event) = other {
            return Err(StoreError::EventIdReused {
                event_id: event.event_id,
            });
        }
        let last = (0u64..).zip(events).last().and_then(|(o, e)| matches(o, e));
        match (first, last) {
            (Some(first_version), Some(e)) => Ok(AppendOutcome {
                first_version,
                last_version: e.stream_version,
                position: e.position,
                already_stored: true,
            }),
            _ => Err(StoreError::Invalid(
                "an append needs at least one event".to_owned(),
            )),
        }
    }
}

#[async_trait]
impl EventStore for InMemoryEventStore {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<AppendOutcome, StoreError> {
        let tenant = batch_tenant(expected, events)?;
        let mut state = self.state.lock().await;
        if events.iter().any(|e| state.by_id.contains_key(&e.event_id)) {
            return state.replayed(stream, tenant, expected, events);
        }
        let current = state.streams.get(stream);
        if let Some(owner) = current
            && owner.tenant != tenant
        {
            return Err(StoreError::TenantMismatch {
                stream: stream.clone(),
            });
        }
        let actual = current.map(|s| s.events.len() as u64 - 1);
        let stale = match expected {
            ExpectedVersion::Any => false,
            ExpectedVersion::NoStream => actual.is_some(),
            ExpectedVersion::Exact(version) => actual != Some(version),
        };
        if stale {
            return Err(StoreError::Conflict {
                stream: stream.clone(),
                expected,
                actual,
            });
        }

        let first_version = actual.map_or(0, |v| v + 1);
        state.last_tx += 1;
        let tx_id = state.last_tx;
        // Postgres keeps microseconds; keep the same precision so `as_of` behaves alike.
        let now = OffsetDateTime::now_utc();
        let recorded_at = now
            .replace_nanosecond(now.nanosecond() / 1_000 * 1_000)
            .unwrap_or(now);
        let mut indexes = Vec::with_capacity(events.len());
        for (offset, event) in (0u64..).zip(events) {
            let index = state.log.len();
            let position = GlobalPosition {
                tx_id,
                position: i64::try_from(index + 1).unwrap_or(i64::MAX),
            };
            state.log.push(RecordedEvent {
                event_id: event.event_id,
                stream_id: stream.clone(),
                stream_version: first_version + offset,
                event_type: event.event_type.clone(),
                schema_version: event.schema_version,
                data: event.data.clone(),
                metadata: event.metadata.clone(),
                recorded_at,
                position,
            });
            state.by_id.insert(event.event_id, index);
            indexes.push(index);
        }
        let last = state.log.len() - 1;
        let outcome = AppendOutcome {
            first_version,
            last_version: state.log[last].stream_version,
            position: state.log[last].position,
            already_stored: false,
        };
        state
            .streams
            .entry(stream.clone())
            .or_insert_with(|| StreamState {
                tenant,
                events: Vec::new(),
            })
            .events
            .extend(indexes);
        Ok(outcome)
    }

    async fn read_stream(
        &self,
        tenant: TenantId,
        stream: &StreamId,
        options: ReadOptions,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let state = self.state.lock().await;
        let Some(found) = state.streams.get(stream).filter(|s| s.tenant == tenant) else {
            return Ok(Vec::new());
        };
        Ok(found
            .events
            .iter()
            .map(|&index| &state.log[index])
            .skip_while(|e| options.after_version.is_some_and(|v| e.stream_version <= v))
            .take_while(|e| options.up_to_version.is_none_or(|v| e.stream_version <= v))
            .filter(|e| options.as_of.is_none_or(|t| e.recorded_at <= t))
            .cloned()
            .collect())
    }

    async fn read_all(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let state = self.state.lock().await;
        let start = state.log.partition_point(|e| e.position <= after);
        Ok(state.log[start..].iter().take(limit).cloned().collect())
    }
}
