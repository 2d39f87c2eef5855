//! The bench's endpoint: an axum server on 127.0.0.1:0 with one path per subscription
//! (`/hook/{n}`), which verifies every request's Standard Webhooks signature with that
//! subscription's secret, answers after the configured latency, and records when each
//! `webhook-id` first arrived and which event its body carries.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use uuid::Uuid;
use webhooks::{Secret, WEBHOOK_ID, WEBHOOK_SIGNATURE, WEBHOOK_TIMESTAMP, verify};

/// What arrived so far.
#[derive(Debug, Default)]
pub(super) struct Tally {
    /// First arrival of each `webhook-id`: the event its body names, and when.
    pub arrivals: Vec<(Uuid, Instant)>,
    /// Requests whose `webhook-id` had arrived before.
    pub duplicates: u64,
    /// Requests refused: no valid signature of the path's subscription, or unreadable.
    pub bad_signatures: u64,
    seen: HashSet<String>,
}

#[derive(Clone)]
struct Endpoint {
    secrets: Arc<OnceLock<Vec<Secret>>>,
    latency: Duration,
    tally: Arc<Mutex<Tally>>,
}

/// The running receiver.
pub(super) struct Receiver {
    addr: SocketAddr,
    secrets: Arc<OnceLock<Vec<Secret>>>,
    tally: Arc<Mutex<Tally>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Receiver {
    /// Serves on 127.0.0.1:0, each answer `latency` after the request arrived; refuses every
    /// request until [`Receiver::expect`] gives it the secrets.
    pub(super) async fn start(latency: Duration) -> anyhow::Result<Self> {
        let secrets: Arc<OnceLock<Vec<Secret>>> = Arc::default();
        let tally = Arc::new(Mutex::new(Tally::default()));
        let app = Router::new()
            .route("/hook/{n}", post(receive))
            .with_state(Endpoint {
                secrets: Arc::clone(&secrets),
                latency,
                tally: Arc::clone(&tally),
            });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the bench receiver stopped");
            }
        });
        Ok(Self {
            addr,
            secrets,
            tally,
            task,
        })
    }

    /// The URL of subscription `n`'s endpoint.
    pub(super) fn url(&self, n: usize) -> String {
        format!("http://{}/hook/{n}", self.addr)
    }

    /// Verifies subscription `n`'s requests with `secrets[n]` from now on (once).
    pub(super) fn expect(&self, secrets: Vec<Secret>) -> anyhow::Result<()> {
        self.secrets
            .set(secrets)
            .map_err(|_| anyhow::anyhow!("the receiver's secrets are set already"))
    }

    /// Runs `read` over what arrived so far.
    pub(super) fn with_tally<T>(&self, read: impl FnOnce(&Tally) -> T) -> T {
        read(&self.tally.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

async fn receive(
    State(endpoint): State<Endpoint>,
    Path(n): Path<usize>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let arrived = Instant::now();
    let checked = endpoint
        .secrets
        .get()
        .and_then(|secrets| secrets.get(n))
        .and_then(|secret| verified(secret, &headers, &body));
    if !endpoint.latency.is_zero() {
        tokio::time::sleep(endpoint.latency).await;
    }
    let mut tally = endpoint
        .tally
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    let Some((webhook_id, event_id)) = checked else {
        tally.bad_signatures += 1;
        return StatusCode::UNAUTHORIZED;
    };
    if tally.seen.insert(webhook_id) {
        tally.arrivals.push((event_id, arrived));
    } else {
        tally.duplicates += 1;
    }
    StatusCode::NO_CONTENT
}

/// The `webhook-id` and the body's event id (`id`) when the signature verifies under `secret`.
fn verified(secret: &Secret, headers: &HeaderMap, body: &[u8]) -> Option<(String, Uuid)> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let id = header(WEBHOOK_ID)?;
    let timestamp: i64 = header(WEBHOOK_TIMESTAMP)?.parse().ok()?;
    if !verify(secret, header(WEBHOOK_SIGNATURE)?, id, timestamp, body) {
        return None;
    }
    let parsed: serde_json::Value = serde_json::from_slice(body).ok()?;
    let event_id = parsed.get("id")?.as_str()?.parse().ok()?;
    Some((id.to_owned(), event_id))
}
