//! Concurrent writers for the concurrency cases: each task appends to streams of its own with
//! exact versions, and every fifth append goes to one stream shared by every writer.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::ensure;
use domain::{RecordedEvent, StreamId};
use eventstore::{EventStore, ExpectedVersion};
use tokio::time::Instant;

use crate::support::{TENANT, events, stream};

/// The stream every writer appends to (with `ExpectedVersion::Any`).
pub const HOT_STREAM: &str = "hot-0";
const STREAMS_PER_TASK: usize = 8;

/// When a writer task stops: at `until` or after `appends` appends, whichever comes first.
#[derive(Debug, Clone, Copy)]
pub struct Budget {
    /// Deadline.
    pub until: Instant,
    /// Most appends per task.
    pub appends: u64,
}

/// Appends from `tasks` concurrent tasks; returns how many events were acknowledged.
pub async fn write_until(
    store: Arc<dyn EventStore>,
    name: &str,
    tasks: usize,
    budget: Budget,
) -> anyhow::Result<usize> {
    let handles: Vec<_> = (0..tasks)
        .map(|t| tokio::spawn(write_task(store.clone(), format!("{name}.{t}"), budget)))
        .collect();
    let mut acked = 0;
    for handle in handles {
        acked += handle.await??;
    }
    Ok(acked)
}

async fn write_task(
    store: Arc<dyn EventStore>,
    prefix: String,
    budget: Budget,
) -> anyhow::Result<usize> {
    let mut versions: Vec<Option<u64>> = vec![None; STREAMS_PER_TASK];
    let mut acked = 0;
    for n in 0..budget.appends {
        if Instant::now() >= budget.until {
            break;
        }
        let batch = events(TENANT, 1 + n % 3);
        if n % 5 == 4 {
            store
                .append(&stream(HOT_STREAM), ExpectedVersion::Any, &batch)
                .await?;
        } else {
            let k = usize::try_from(n)? % STREAMS_PER_TASK;
            let expected = versions[k].map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
            let outcome = store
                .append(&stream(&format!("{prefix}-{k}")), expected, &batch)
                .await?;
            versions[k] = Some(outcome.last_version);
        }
        acked += batch.len();
        tokio::task::yield_now().await;
    }
    Ok(acked)
}

/// Checks that, in the order read, every stream's versions run 0, 1, 2, … without a gap.
pub fn dense_versions(read: &[RecordedEvent]) -> anyhow::Result<()> {
    let mut next: HashMap<&StreamId, u64> = HashMap::new();
    for event in read {
        let expected = next.entry(&event.stream_id).or_insert(0);
        ensure!(
            event.stream_version == *expected,
            "stream {} read version {} where {} was due (global order breaks stream order)",
            event.stream_id,
            event.stream_version,
            expected
        );
        *expected += 1;
    }
    Ok(())
}
