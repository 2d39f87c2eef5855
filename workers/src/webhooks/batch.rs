//! Group commit for the dispatcher's writes: attempt tasks hand their item to a batcher and wait
//! for its answer; one task writes whatever has queued up meanwhile in one go, so a busy
//! dispatcher commits once per batch instead of once per attempt, and an idle one at once.

use std::future::Future;

use sqlx::{PgPool, Postgres, Transaction};
use tokio::sync::{mpsc, oneshot};

/// A transaction whose commit does not wait for its WAL to reach disk, for the dispatcher's own
/// bookkeeping (leases, attempt records, settled flags). Postgres keeps such commits atomic and
/// in order; a crash of the database server may forget the last fraction of a second of them,
/// which here only makes a delivery due again, to be sent again under the same `webhook-id`
/// (at least once), or an outcome swept again (its append is idempotent) — never a delivery
/// lost. A later ordinary commit (an outcome event on an invoice) makes every earlier one durable
/// with it. Bodies are not stored this way: the bytes a receiver got must be the bytes resent.
pub(super) async fn relaxed(pool: &PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query("set local synchronous_commit = off")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// Items waiting at most; past it, submitters wait for room.
const QUEUE: usize = 4096;

type Job<I, O> = (I, oneshot::Sender<O>);

/// Hands items to a writer task that takes them in batches of at most `max`.
pub(super) struct Batcher<I, O> {
    jobs: mpsc::Sender<Job<I, O>>,
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    /// Starts the writer: `write` gets each batch and answers one output per item, in order.
    /// The writer stops when the batcher is dropped.
    pub fn spawn<F, Fut>(max: usize, write: F) -> Self
    where
        F: Fn(Vec<I>) -> Fut + Send + 'static,
        Fut: Future<Output = Vec<O>> + Send,
    {
        let (jobs, mut queue) = mpsc::channel::<Job<I, O>>(QUEUE);
        let max = max.max(1);
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(max);
            while queue.recv_many(&mut batch, max).await > 0 {
                let (items, replies): (Vec<I>, Vec<_>) = batch.drain(..).unzip();
                let outputs = write(items).await;
                for (reply, output) in replies.into_iter().zip(outputs) {
                    // The submitter may have gone (shutdown): nothing to tell.
                    let _ = reply.send(output);
                }
            }
        });
        Self { jobs }
    }

    /// Queues `item` and waits for its output; `None` when the writer is gone.
    pub async fn submit(&self, item: I) -> Option<O> {
        let (reply, answer) = oneshot::channel();
        self.jobs.send((item, reply)).await.ok()?;
        answer.await.ok()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn items_queued_while_a_batch_is_written_go_together_in_the_next() {
        let batches = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&batches);
        let batcher = Arc::new(Batcher::spawn(64, move |items: Vec<u32>| {
            let counted = Arc::clone(&counted);
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                items.into_iter().map(|n| n * 2).collect()
            }
        }));
        let submitters: Vec<_> = (0..100)
            .map(|n| {
                let batcher = Arc::clone(&batcher);
                tokio::spawn(async move { batcher.submit(n).await })
            })
            .collect();
        for (n, task) in submitters.into_iter().enumerate() {
            let n = u32::try_from(n).unwrap();
            assert_eq!(task.await.unwrap(), Some(n * 2), "each gets its own answer");
        }
        let written = batches.load(Ordering::SeqCst);
        assert!(
            (2..=10).contains(&written),
            "{written} batches for 100 items"
        );
    }
}
