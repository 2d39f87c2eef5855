//! The one test double of the event store: a type over the in-memory store that overrides only
//! the calls a test changes — to fail on cue, note what was asked, or slip another writer in —
//! and leaves the rest to the store ([`StoreDouble`]; with the `testing` feature).

use async_trait::async_trait;
use domain::{GlobalPosition, NewEvent, RecordedEvent, StreamId, TenantId};

use crate::memory::InMemoryEventStore;
use crate::port::{AppendOutcome, EventStore, ExpectedVersion, ReadOptions, StoreError};

/// An event store made of an [`InMemoryEventStore`] and whichever calls a test overrides; every
/// `StoreDouble` is an [`EventStore`].
#[async_trait]
pub trait StoreDouble: Send + Sync {
    /// The store the calls not overridden go to.
    fn store(&self) -> &InMemoryEventStore;

    /// [`EventStore::append`]; the store's unless overridden.
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<AppendOutcome, StoreError> {
        self.store().append(stream, expected, events).await
    }

    /// [`EventStore::read_stream`]; the store's unless overridden.
    async fn read_stream(
        &self,
        tenant: TenantId,
        stream: &StreamId,
        options: ReadOptions,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.store().read_stream(tenant, stream, options).await
    }

    /// [`EventStore::read_streams`]; the store's unless overridden.
    async fn read_streams(
        &self,
        tenant: TenantId,
        streams: &[StreamId],
    ) -> Result<Vec<Vec<RecordedEvent>>, StoreError> {
        self.store().read_streams(tenant, streams).await
    }

    /// [`EventStore::read_all`]; the store's unless overridden.
    async fn read_all(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.store().read_all(after, limit).await
    }
}

#[async_trait]
impl<T: StoreDouble> EventStore for T {
    async fn append(
        &self,
        stream: &StreamId,
        expected: ExpectedVersion,
        events: &[NewEvent],
    ) -> Result<AppendOutcome, StoreError> {
        StoreDouble::append(self, stream, expected, events).await
    }

    async fn read_stream(
        &self,
        tenant: TenantId,
        stream: &StreamId,
        options: ReadOptions,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        StoreDouble::read_stream(self, tenant, stream, options).await
    }

    async fn read_streams(
        &self,
        tenant: TenantId,
        streams: &[StreamId],
    ) -> Result<Vec<Vec<RecordedEvent>>, StoreError> {
        StoreDouble::read_streams(self, tenant, streams).await
    }

    async fn read_all(
        &self,
        after: GlobalPosition,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        StoreDouble::read_all(self, after, limit).await
    }
}
