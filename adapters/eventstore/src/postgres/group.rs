//! Group commit: [`PgEventStore::append`](super::PgEventStore) hands its append to a few writer
//! tasks over a channel; each writer takes whatever is queued (up to a maximum, without waiting
//! for more) and stores it with one call of `es.append_many` (migration
//! `20261123000400_append_many.sql`): one transaction and one round trip for many callers, each
//! answered with its own outcome. When the call itself fails (an event id committed meanwhile by
//! a concurrent transaction, a deadlock), every member is appended again on its own.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use domain::{EventMetadata, GlobalPosition, NewEvent, StreamId, TenantId};
use sqlx::PgPool;
use sqlx::types::Json;
use tokio::sync::{Mutex, mpsc, oneshot};
use uuid::Uuid;

use super::append::{Batch, append_one};
use super::error::is_unavailable;
use super::read::to_u64;
use crate::port::{AppendOutcome, ExpectedVersion, StoreError};

const APPEND_MANY: &str = "select o_index, o_status, o_first, o_last, o_tx_id, o_position, \
     o_actual, o_event_id from es.append_many($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// Appends waiting for a writer, at most; callers beyond it wait to enqueue.
const QUEUE: usize = 1024;

/// How [`PgEventStore`](super::PgEventStore) combines concurrent appends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupCommit {
    /// Writer tasks, each storing one batch at a time on one pooled connection (at least 1).
    pub writers: usize,
    /// Most appends per batch (at least 1).
    pub max_batch: usize,
}

impl Default for GroupCommit {
    fn default() -> Self {
        Self {
            writers: 2,
            max_batch: 64,
        }
    }
}

/// Counters of the group commit since the store was created (shared by its clones).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupCommitStats {
    /// Calls of `es.append_many`.
    pub batches: u64,
    /// Appends sent in those calls.
    pub appends: u64,
    /// The most appends one call carried.
    pub largest_batch: u64,
    /// Calls that failed as a whole, whose appends were then made one by one.
    pub fallbacks: u64,
}

/// Called with the size of every batch a writer takes, for a histogram kept by the caller.
pub type BatchObserver = Arc<dyn Fn(u64) + Send + Sync>;

#[derive(Default)]
struct Counters {
    batches: AtomicU64,
    appends: AtomicU64,
    largest_batch: AtomicU64,
    fallbacks: AtomicU64,
    observer: OnceLock<BatchObserver>,
}

impl std::fmt::Debug for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counters")
            .field("batches", &self.batches)
            .field("appends", &self.appends)
            .field("observed", &self.observer.get().is_some())
            .finish_non_exhaustive()
    }
}

/// One caller's append, owned, with the channel its answer goes back on.
#[derive(Debug)]
pub(super) struct Request {
    stream: StreamId,
    expected: ExpectedVersion,
    tenant: TenantId,
    events: Vec<NewEvent>,
    reply: oneshot::Sender<Result<AppendOutcome, StoreError>>,
}

/// The writers' queue, started by the first append (inside the caller's runtime).
#[derive(Debug)]
pub(super) struct GroupCommitter {
    config: GroupCommit,
    queue: OnceLock<mpsc::Sender<Request>>,
    counters: Arc<Counters>,
}

impl GroupCommitter {
    pub(super) fn new(config: GroupCommit) -> Self {
        Self {
            config: GroupCommit {
                writers: config.writers.max(1),
                max_batch: config.max_batch.max(1),
            },
            queue: OnceLock::new(),
            counters: Arc::default(),
        }
    }

    pub(super) fn stats(&self) -> GroupCommitStats {
        let c = &self.counters;
        GroupCommitStats {
            batches: c.batches.load(Ordering::Relaxed),
            appends: c.appends.load(Ordering::Relaxed),
            largest_batch: c.largest_batch.load(Ordering::Relaxed),
            fallbacks: c.fallbacks.load(Ordering::Relaxed),
        }
    }

    /// Sets the batch observer; `false` when one was already set.
    pub(super) fn observe_batches(&self, observer: BatchObserver) -> bool {
        self.counters.observer.set(observer).is_ok()
    }

    /// Appends a batch validated by `batch_tenant` through a writer. Should the writers be gone
    /// (their runtime shut down), appends on the caller's task instead: retrying an append is
    /// safe.
    pub(super) async fn append(
        &self,
        pool: &PgPool,
        stream: &StreamId,
        expected: ExpectedVersion,
        tenant: TenantId,
        events: &[NewEvent],
    ) -> Result<AppendOutcome, StoreError> {
        let (reply, answer) = oneshot::channel();
        let request = Request {
            stream: stream.clone(),
            expected,
            tenant,
            events: events.to_vec(),
            reply,
        };
        if self.queue(pool).send(request).await.is_ok()
            && let Ok(result) = answer.await
        {
            return result;
        }
        tracing::warn!("group commit writers are gone; appending directly");
        append_one(pool, &Batch::new(stream, expected, events)?).await
    }

    fn queue(&self, pool: &PgPool) -> &mpsc::Sender<Request> {
        self.queue.get_or_init(|| {
            let (sender, receiver) = mpsc::channel(QUEUE);
            let receiver = Arc::new(Mutex::new(receiver));
            for _ in 0..self.config.writers {
                tokio::spawn(writer(
                    pool.clone(),
                    receiver.clone(),
                    self.counters.clone(),
                    self.config.max_batch,
                ));
            }
            sender
        })
    }
}

/// Takes whatever is queued, up to `max_batch`, and stores it; ends when every store clone is
/// dropped (the queue closes).
async fn writer(
    pool: PgPool,
    receiver: Arc<Mutex<mpsc::Receiver<Request>>>,
    counters: Arc<Counters>,
    max_batch: usize,
) {
    let mut requests = Vec::with_capacity(max_batch);
    loop {
        let received = take(&receiver, &mut requests, max_batch).await;
        if received == 0 {
            return;
        }
        let size = u64::try_from(received).unwrap_or(u64::MAX);
        counters.batches.fetch_add(1, Ordering::Relaxed);
        counters.appends.fetch_add(size, Ordering::Relaxed);
        counters.largest_batch.fetch_max(size, Ordering::Relaxed);
        if let Some(observe) = counters.observer.get() {
            observe(size);
        }
        commit(&pool, &mut requests, &counters).await;
    }
}

/// Waits for the first queued append, then takes the rest of its burst: appends sent together
/// (every invoice step of a saga batch, handlers woken by the same readiness) reach the queue
/// over several polls of their senders, so the writer yields once to let them land before it
/// takes what is there, up to `max_batch`. Holding the queue meanwhile keeps another writer from
/// splitting the burst into a transaction of its own. Answers how many were taken, 0 when the
/// queue is closed.
async fn take(
    receiver: &Mutex<mpsc::Receiver<Request>>,
    requests: &mut Vec<Request>,
    max_batch: usize,
) -> usize {
    let mut queue = receiver.lock().await;
    let received = queue.recv_many(requests, max_batch).await;
    if received == 0 || received >= max_batch {
        return received;
    }
    tokio::task::yield_now().await;
    while requests.len() < max_batch {
        match queue.try_recv() {
            Ok(request) => requests.push(request),
            Err(_) => break,
        }
    }
    requests.len()
}

/// Stores `requests` with one `es.append_many` and answers each; falls back to one append per
/// request when the call fails as a whole. Leaves `requests` empty.
#[tracing::instrument(skip_all, fields(appends = requests.len()))]
async fn commit(pool: &PgPool, requests: &mut Vec<Request>, counters: &Counters) {
    match append_many(pool, requests).await {
        Ok(rows) => {
            let mut answers: Vec<Option<Result<AppendOutcome, StoreError>>> =
                requests.iter().map(|_| None).collect();
            for row in rows {
                let slot = usize::try_from(row.0)
                    .ok()
                    .and_then(|i| i.checked_sub(1))
                    .and_then(|i| Some((i, requests.get(i)?)));
                if let Some((i, request)) = slot {
                    answers[i] = Some(answer(request, row));
                }
            }
            for (request, answer) in requests.drain(..).zip(answers) {
                let answer = answer.unwrap_or_else(|| {
                    Err(StoreError::Unexpected(sqlx::Error::Protocol(
                        "es.append_many returned no row for an append".to_owned(),
                    )))
                });
                // The caller may have gone; its append stands.
                let _ = request.reply.send(answer);
            }
        }
        Err(error) if is_unavailable(&error) => {
            // Appending one by one would wait for the database once per append; every member
            // can retry safely instead.
            tracing::warn!(error = %infra::Causes(&error), "group commit failed: database unavailable");
            let message = error.to_string();
            let mut error = Some(error);
            for request in requests.drain(..) {
                let error = error.take().unwrap_or_else(|| unavailable(&message));
                let _ = request.reply.send(Err(StoreError::Unavailable(error)));
            }
        }
        Err(error) => {
            counters.fallbacks.fetch_add(1, Ordering::Relaxed);
            tracing::info!(error = %infra::Causes(&error), "group commit failed as a whole; appending one by one");
            for request in requests.drain(..) {
                let answer = match Batch::new(&request.stream, request.expected, &request.events) {
                    Ok(batch) => append_one(pool, &batch).await,
                    Err(error) => Err(error),
                };
                let _ = request.reply.send(answer);
            }
        }
    }
}

/// A stand-in for the error another member of the batch got, classified the same way.
fn unavailable(message: &str) -> sqlx::Error {
    sqlx::Error::Io(std::io::Error::other(format!(
        "group commit failed: {message}"
    )))
}

type Row = (
    i32,
    String,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<Uuid>,
);

/// One call of `es.append_many` (autocommit: one transaction).
async fn append_many(pool: &PgPool, requests: &[Request]) -> Result<Vec<Row>, sqlx::Error> {
    let events = requests.iter().map(|r| r.events.len()).sum();
    let mut stream_ids = Vec::with_capacity(requests.len());
    let mut categories = Vec::with_capacity(requests.len());
    let mut tenants = Vec::with_capacity(requests.len());
    let mut expected = Vec::with_capacity(requests.len());
    let mut counts = Vec::with_capacity(requests.len());
    let mut event_ids: Vec<Uuid> = Vec::with_capacity(events);
    let mut event_types: Vec<&str> = Vec::with_capacity(events);
    let mut schema_versions: Vec<i32> = Vec::with_capacity(events);
    let mut data: Vec<Json<&serde_json::Value>> = Vec::with_capacity(events);
    let mut metadata: Vec<Json<&EventMetadata>> = Vec::with_capacity(events);
    for request in requests {
        stream_ids.push(request.stream.as_str());
        categories.push(request.stream.category());
        tenants.push(request.tenant.as_uuid());
        expected.push(Batch::expected_code_of(request.expected));
        counts.push(i32::try_from(request.events.len()).unwrap_or(i32::MAX));
        for event in &request.events {
            event_ids.push(event.event_id);
            event_types.push(event.event_type.as_str());
            schema_versions.push(i32::from(event.schema_version));
            data.push(Json(&event.data));
            metadata.push(Json(&event.metadata));
        }
    }
    sqlx::query_as(APPEND_MANY)
        .bind(stream_ids)
        .bind(categories)
        .bind(tenants)
        .bind(expected)
        .bind(counts)
        .bind(event_ids)
        .bind(event_types)
        .bind(schema_versions)
        .bind(data)
        .bind(metadata)
        .fetch_all(pool)
        .await
}

/// The port's answer for one status row.
fn answer(request: &Request, row: Row) -> Result<AppendOutcome, StoreError> {
    let (_, status, first, last, tx_id, position, actual, event_id) = row;
    let outcome = |already_stored: bool| -> Result<AppendOutcome, StoreError> {
        let (Some(first), Some(last), Some(tx_id), Some(position)) = (first, last, tx_id, position)
        else {
            return Err(protocol(&status));
        };
        Ok(AppendOutcome {
            first_version: to_u64(first).map_err(StoreError::Unexpected)?,
            last_version: to_u64(last).map_err(StoreError::Unexpected)?,
            position: GlobalPosition {
                tx_id: to_u64(tx_id).map_err(StoreError::Unexpected)?,
                position,
            },
            already_stored,
        })
    };
    match status.as_str() {
        "ok" => outcome(false),
        "already_stored" => outcome(true),
        "conflict" => Err(StoreError::Conflict {
            stream: request.stream.clone(),
            expected: request.expected,
            actual: actual.and_then(|v| u64::try_from(v).ok()),
        }),
        "tenant_mismatch" => Err(StoreError::TenantMismatch {
            stream: request.stream.clone(),
        }),
        "event_id_reused" => match event_id {
            Some(event_id) => Err(StoreError::EventIdReused { event_id }),
            None => Err(protocol(&status)),
        },
        "invalid" => Err(StoreError::Invalid("malformed append batch".to_owned())),
        _ => Err(protocol(&status)),
    }
}

fn protocol(status: &str) -> StoreError {
    StoreError::Unexpected(sqlx::Error::Protocol(format!(
        "es.append_many returned an incomplete {status} row"
    )))
}
