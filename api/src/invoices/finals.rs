//! Who waits for which invoice's final state (`Prefer: wait`), woken by the invoices
//! projection's `NOTIFY arca_invoice_final` (comma-separated invoice ids, sent when the read
//! model records a CAE or a rejection) on one listening connection per API instance, opened on
//! first use and opened again when it drops. A waiter also looks again every [`FALLBACK`], so a
//! lost notification only delays an answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::postgres::{PgListener, PgPoolOptions};
use tokio::sync::Notify;
use uuid::Uuid;

/// The channel the invoices projection notifies on.
pub const CHANNEL: &str = projections::invoices::FINALS_CHANNEL;
/// How often a waiter looks at the read model whatever it heard.
pub const FALLBACK: Duration = Duration::from_secs(1);

/// Waiters by invoice: their wake-up and how many they are.
type Waiting = Arc<Mutex<HashMap<Uuid, (Arc<Notify>, usize)>>>;

/// The invoices waited for in this API instance.
#[derive(Default)]
pub struct Finals {
    waiting: Waiting,
    listening: OnceLock<()>,
}

/// A waiter's registration; dropping it forgets the invoice once nobody waits for it.
pub struct Waiter {
    waiting: Waiting,
    id: Uuid,
    notify: Arc<Notify>,
}

impl Waiter {
    /// Resolves when the invoice is reported final after this call: create it before looking at
    /// the read model, so a report in between is not missed.
    pub fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.notify.notified()
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, count)) = waiting.get_mut(&self.id) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                waiting.remove(&self.id);
            }
        }
    }
}

impl Finals {
    /// Registers a wait for `id`, starting the listener (once) on a connection of its own made
    /// like `pool`'s.
    pub fn wait_for(&self, pool: &PgPool, id: Uuid) -> Waiter {
        self.listening.get_or_init(|| {
            let own = PgPoolOptions::new()
                .max_connections(1)
                .connect_lazy_with((*pool.connect_options()).clone());
            tokio::spawn(listen(own, Arc::clone(&self.waiting)));
        });
        let mut waiting = self.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        let (notify, count) = waiting
            .entry(id)
            .or_insert_with(|| (Arc::new(Notify::new()), 0));
        *count += 1;
        Waiter {
            waiting: Arc::clone(&self.waiting),
            id,
            notify: Arc::clone(notify),
        }
    }
}

/// Wakes whoever waits for one of the comma-separated `ids`.
fn wake(waiting: &Waiting, ids: &str) {
    let waiting = waiting.lock().unwrap_or_else(PoisonError::into_inner);
    for id in ids
        .split(',')
        .filter_map(|id| id.trim().parse::<Uuid>().ok())
    {
        if let Some((notify, _)) = waiting.get(&id) {
            notify.notify_waiters();
        }
    }
}

/// Listens on [`CHANNEL`] for as long as the process runs, connecting again a second after a
/// failure.
async fn listen(pool: PgPool, waiting: Waiting) {
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => match listener.listen(CHANNEL).await {
                Ok(()) => loop {
                    match listener.recv().await {
                        Ok(notice) => wake(&waiting, notice.payload()),
                        Err(error) => {
                            tracing::warn!(%error, "listening for final invoices failed");
                            break;
                        }
                    }
                },
                Err(error) => tracing::warn!(%error, "listening for final invoices failed"),
            },
            Err(error) => tracing::warn!(%error, "connecting to listen for final invoices"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_report_wakes_the_waiters_of_its_invoices_only_and_waits_are_forgotten() {
        let finals = Finals::default();
        let pool = PgPoolOptions::new()
            .connect_lazy("postgres://127.0.0.1:1/none")
            .unwrap();
        let (ours, theirs) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let waiter = finals.wait_for(&pool, ours);
        let other = finals.wait_for(&pool, theirs);
        let (woken, untouched) = (waiter.notified(), other.notified());
        wake(&finals.waiting, &format!("{},{}", Uuid::from_u128(3), ours));
        tokio::time::timeout(Duration::from_secs(1), woken)
            .await
            .expect("woken");
        let still = tokio::time::timeout(Duration::from_millis(50), untouched).await;
        assert!(still.is_err(), "another invoice's waiter was woken");
        drop((waiter, other));
        assert!(finals.waiting.lock().unwrap().is_empty());
    }
}
