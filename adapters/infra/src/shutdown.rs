//! A shutdown signal that many tasks wait on: Ctrl-C or SIGTERM, or a trigger of the caller's.

use std::future::Future;

use tokio::sync::watch;

/// A shutdown signal; cheap to clone (clones wait on the same signal).
#[derive(Debug, Clone)]
pub struct Shutdown(watch::Receiver<bool>);

/// Fires the [`Shutdown`] it was made with.
#[derive(Debug)]
pub struct Trigger(watch::Sender<bool>);

impl Trigger {
    /// Fires the signal: every waiter resolves.
    pub fn fire(&self) {
        let _sent = self.0.send(true);
    }
}

impl Shutdown {
    /// A signal fired by the returned [`Trigger`] (or when the trigger is dropped, never).
    pub fn manual() -> (Self, Trigger) {
        let (tx, rx) = watch::channel(false);
        (Self(rx), Trigger(tx))
    }

    /// Fires on Ctrl-C or SIGTERM. Must be called within a Tokio runtime.
    pub fn on_signal() -> Self {
        let (shutdown, trigger) = Self::manual();
        tokio::spawn(async move {
            signal().await;
            trigger.fire();
        });
        shutdown
    }

    /// Resolves when the signal fires (never, when its trigger was dropped unfired).
    pub fn wait(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.0.clone();
        async move {
            if rx.wait_for(|fired| *fired).await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn every_waiter_resolves_when_the_trigger_fires() {
        let (shutdown, trigger) = Shutdown::manual();
        let waiters: Vec<_> = (0..3).map(|_| tokio::spawn(shutdown.wait())).collect();
        trigger.fire();
        for waiter in waiters {
            tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
                .await
                .expect("resolved")
                .expect("joined");
        }
    }
}
