//! Numbering series outside the saga: which stream a tenant's series lives in, and an
//! operator's request to resume a halted one (the saga, which can ask ARCA for its last number,
//! does the resuming).

use std::sync::Arc;

use domain::aggregate::Context;
use domain::series::{RequestResume, Series, SeriesKey};
use domain::{EventMetadata, StreamId, TenantId};
use eventstore::{EventStore, ReadOptions};

use crate::handler::{self, Command, CommandError, EventIds, Executed};
use crate::metrics::CommandMetrics;

/// The stream of `tenant`'s series `key`: the one it opened before series streams named their
/// tenant, if it did, otherwise [`SeriesKey::stream_for`]. No stream is created under the old
/// name any more, so the answer never changes.
///
/// # Errors
/// Store failures.
pub async fn stream_of(
    store: &Arc<dyn EventStore>,
    tenant: TenantId,
    key: &SeriesKey,
) -> Result<StreamId, CommandError> {
    let legacy = key.stream_id();
    let first = ReadOptions {
        up_to_version: Some(1),
        ..ReadOptions::default()
    };
    let found = store.read_stream(tenant, &legacy, first).await?;
    Ok(if found.is_empty() {
        key.stream_for(tenant)
    } else {
        legacy
    })
}

/// `tenant`'s series `key` and its stream version (`None`: it has no events).
///
/// # Errors
/// Store failures.
pub async fn load(
    store: &Arc<dyn EventStore>,
    tenant: TenantId,
    key: &SeriesKey,
) -> Result<(Series, Option<u64>), CommandError> {
    let stream = stream_of(store, tenant, key).await?;
    handler::load::<Series>(store, tenant, &stream).await
}

/// Asks the saga to resume the halted series after ARCA's last authorized number (nothing new
/// when it was asked already); `None` when the tenant has no such series.
///
/// # Errors
/// The series is not halted (`series_not_halted`), store failures.
pub async fn request_resume(
    store: &Arc<dyn EventStore>,
    metrics: &CommandMetrics,
    ctx: &Context,
    metadata: EventMetadata,
    key: &SeriesKey,
) -> Result<Option<Executed<Series>>, CommandError> {
    let stream = stream_of(store, metadata.tenant_id, key).await?;
    let known = handler::load::<Series>(store, metadata.tenant_id, &stream).await?;
    if known.1.is_none() {
        return Ok(None);
    }
    let command = Command::<Series> {
        stream,
        command: RequestResume.into(),
        metadata,
        expected: None,
        fresh_stream: false,
        event_ids: EventIds::Fresh,
    };
    handler::execute_from(store, metrics, ctx, command, Some(known))
        .await
        .map(Some)
}
