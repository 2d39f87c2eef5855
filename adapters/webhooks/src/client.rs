//! The HTTP client that POSTs webhooks: it resolves names itself and connects only to addresses
//! the [`AddressPolicy`] allows (so a name that re-binds to an internal address is refused at
//! connect time), refuses literal IPs the same way, follows no redirect, and keeps at most the
//! first KiB of an answer.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::{Duration, Instant},
};

use bytes::Bytes;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::{AddressPolicy, SignedHeaders};

/// Most response bytes kept (and read) per attempt.
pub const BODY_KEPT: usize = 1024;
const USER_AGENT: &str = concat!("arca-webhooks/", env!("CARGO_PKG_VERSION"));

/// Why an attempt got no HTTP answer, as stored in the attempt log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// The address (resolved or literal) is not allowed.
    BlockedIp,
    /// The name did not resolve.
    Dns,
    /// No connection (refused, unreachable, connect timeout).
    Connect,
    /// The whole attempt took longer than the configured timeout.
    Timeout,
    /// The URL cannot be sent to.
    InvalidUrl,
    /// Anything else (TLS, a broken answer).
    Other,
}

impl ErrorClass {
    /// The stable name stored in the attempt log.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BlockedIp => "blocked_ip",
            Self::Dns => "dns",
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::InvalidUrl => "invalid_url",
            Self::Other => "other",
        }
    }
}

/// An attempt that got no HTTP answer.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", class.as_str())]
pub struct ClientError {
    /// What went wrong.
    pub class: ErrorClass,
    /// Human-readable detail (no secrets).
    pub message: String,
    /// Time spent.
    pub duration: Duration,
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// At most the first [`BODY_KEPT`] bytes of the body.
    pub body: Vec<u8>,
    /// `Retry-After` in seconds, when given as a number.
    pub retry_after: Option<Duration>,
    /// Time from sending to the end of what was read.
    pub duration: Duration,
}

/// Timeouts and the address policy.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    /// Which addresses may be dialled.
    pub policy: AddressPolicy,
    /// Longest time to connect.
    pub connect_timeout: Duration,
    /// Longest time for a whole attempt.
    pub timeout: Duration,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            policy: AddressPolicy::public_only(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
        }
    }
}

/// The resolution found addresses, none of them allowed.
#[derive(Debug, thiserror::Error)]
#[error("{name} resolves only to addresses webhooks may not be sent to")]
struct Blocked {
    name: String,
}

/// Resolves with the system resolver, then keeps the allowed addresses only.
struct GuardedResolver {
    policy: AddressPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| policy.is_allowed(addr.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(Blocked { name: host }) as Box<_>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Sends signed webhooks. Cheap to clone (one connection pool).
#[derive(Debug, Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    policy: AddressPolicy,
}

impl WebhookClient {
    /// A client with its own pool, resolver and timeouts.
    ///
    /// # Errors
    /// When the HTTP stack cannot be set up.
    pub fn new(settings: &ClientSettings) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver {
                policy: settings.policy.clone(),
            }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .user_agent(USER_AGENT)
            .build()?;
        Ok(Self {
            http,
            policy: settings.policy.clone(),
        })
    }

    /// POSTs `body` with `headers` to `url`.
    ///
    /// # Errors
    /// [`ClientError`] when no HTTP answer came back (any status, even 5xx, is an `Ok`).
    pub async fn post(
        &self,
        url: &str,
        headers: &SignedHeaders,
        body: Bytes,
    ) -> Result<Response, ClientError> {
        let started = Instant::now();
        let fail = |class, message: String| ClientError {
            class,
            message,
            duration: started.elapsed(),
        };
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| fail(ErrorClass::InvalidUrl, format!("{url}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(fail(ErrorClass::InvalidUrl, "only http(s) URLs".into()));
        }
        if let Some(ip) = literal_ip(&parsed)
            && !self.policy.is_allowed(ip)
        {
            return Err(fail(ErrorClass::BlockedIp, format!("{ip} is not allowed")));
        }
        let mut request = self
            .http
            .post(parsed)
            .header(http::header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in &headers.0 {
            request = request.header(*name, value);
        }
        let answer = request
            .send()
            .await
            .map_err(|e| fail(class_of(&e), error_chain(&e)))?;
        let status = answer.status().as_u16();
        let retry_after = answer
            .headers()
            .get(http::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = read_prefix(answer).await;
        Ok(Response {
            status,
            body,
            retry_after,
            duration: started.elapsed(),
        })
    }
}

fn literal_ip(url: &reqwest::Url) -> Option<IpAddr> {
    match url.host()? {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(_) => None,
    }
}

/// Reads until [`BODY_KEPT`] bytes are in hand (or the body ends or fails), then drops the rest.
async fn read_prefix(mut answer: reqwest::Response) -> Vec<u8> {
    let mut kept = Vec::new();
    while kept.len() < BODY_KEPT {
        match answer.chunk().await {
            Ok(Some(chunk)) => {
                let room = BODY_KEPT - kept.len();
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) | Err(_) => break,
        }
    }
    kept
}

fn class_of(error: &reqwest::Error) -> ErrorClass {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<Blocked>() {
            return ErrorClass::BlockedIp;
        }
        source = e.source();
    }
    if error.is_timeout() {
        ErrorClass::Timeout
    } else if error.is_connect() {
        if error_chain(error).contains("dns error") {
            ErrorClass::Dns
        } else {
            ErrorClass::Connect
        }
    } else {
        ErrorClass::Other
    }
}

fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}
