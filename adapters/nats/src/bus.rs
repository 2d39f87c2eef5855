//! The connection to JetStream and the operations on the events stream.

use std::collections::VecDeque;
use std::time::Duration;

use async_nats::jetstream::context::{GetStreamErrorKind, PublishErrorKind};
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{Config, LastRawMessageErrorKind, StorageType};
use async_nats::{ConnectOptions, HeaderMap};
use bytes::Bytes;
use futures::Stream;

use crate::error::BusError;
use crate::url::{Credentials, redacted_url, split_credentials};

/// The shortest `duplicate_window` accepted: longer than a relay's worst restart.
pub const MIN_DUPLICATE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Where the stream lives and how it is named. `Debug` never shows the URL's credentials.
#[derive(Clone)]
pub struct BusConfig {
    /// NATS server URL, such as `nats://127.0.0.1:4222`; a server that requires authentication
    /// takes it in the URL: `nats://user:password@host:4222` or `nats://token@host:4222`.
    pub url: String,
    /// JetStream stream name (no spaces, dots or wildcards), such as `ARCA_EVENTS`.
    pub stream: String,
    /// Subject prefix the stream captures (`<prefix>.>`), such as `arca.events`.
    pub subject_prefix: String,
    /// Window within which a repeated `Nats-Msg-Id` is not stored again; at least
    /// [`MIN_DUPLICATE_WINDOW`].
    pub duplicate_window: Duration,
    /// Publishes in flight (sent, ack not yet received) in [`Bus::publish_all`].
    pub publish_window: usize,
    /// How long to wait for a publish ack or an API answer.
    pub timeout: Duration,
    /// A file with the client's credentials, for servers that authenticate with NATS keys: a
    /// `.creds` file (a user JWT and its nkey seed, as `nsc` writes it) or a file holding just
    /// an nkey seed (`SU…`). Read at connect time and never shown.
    pub credentials_file: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for BusConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BusConfig")
            .field("url", &redacted_url(&self.url))
            .field("stream", &self.stream)
            .field("subject_prefix", &self.subject_prefix)
            .field("duplicate_window", &self.duplicate_window)
            .field("publish_window", &self.publish_window)
            .field("timeout", &self.timeout)
            .field("credentials_file", &self.credentials_file)
            .finish()
    }
}

impl BusConfig {
    /// A configuration with the default window (256 in flight), timeout (5 s) and duplicate
    /// window (15 minutes).
    pub fn new(url: &str, stream: &str, subject_prefix: &str) -> Self {
        Self {
            url: url.to_owned(),
            stream: stream.to_owned(),
            subject_prefix: subject_prefix.to_owned(),
            duplicate_window: MIN_DUPLICATE_WINDOW,
            publish_window: 256,
            timeout: Duration::from_secs(5),
            credentials_file: None,
        }
    }

    fn validate(&self) -> Result<(), BusError> {
        let bad_name = |c: char| c.is_whitespace() || matches!(c, '.' | '*' | '>' | '/' | '\\');
        if self.stream.is_empty() || self.stream.contains(bad_name) {
            return Err(BusError::Config(format!(
                "stream name {:?} must be non-empty, without spaces, dots or wildcards",
                self.stream
            )));
        }
        let bad_token = |t: &str| t.is_empty() || t.contains(['*', '>', ' ', '\t']);
        if self.subject_prefix.split('.').any(bad_token) {
            return Err(BusError::Config(format!(
                "subject prefix {:?} must be dot-separated tokens without wildcards",
                self.subject_prefix
            )));
        }
        if self.duplicate_window < MIN_DUPLICATE_WINDOW {
            return Err(BusError::Config(format!(
                "duplicate window must be at least {} s",
                MIN_DUPLICATE_WINDOW.as_secs()
            )));
        }
        if self.publish_window == 0 {
            return Err(BusError::Config("publish window must be at least 1".into()));
        }
        Ok(())
    }
}

/// Connect options from a credentials file: a `.creds` file (user JWT and seed) or a bare nkey
/// seed.
async fn file_credentials(path: &std::path::Path) -> Result<ConnectOptions, BusError> {
    let unreadable = |e: std::io::Error| {
        BusError::Config(format!(
            "reading the NATS credentials file {} (ARCA_NATS_CREDENTIALS): {e}",
            path.display()
        ))
    };
    let text = tokio::fs::read_to_string(path).await.map_err(unreadable)?;
    if text.contains("BEGIN NATS USER JWT") {
        return ConnectOptions::with_credentials_file(path)
            .await
            .map_err(unreadable);
    }
    let seed = text.trim();
    if !seed.starts_with("SU") {
        return Err(BusError::Config(format!(
            "the NATS credentials file {} (ARCA_NATS_CREDENTIALS) holds neither a user JWT \
             with its seed nor a user nkey seed (SU…)",
            path.display()
        )));
    }
    Ok(ConnectOptions::with_nkey(seed.to_owned()))
}

/// A message to publish.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Full subject (under the configured prefix).
    pub subject: String,
    /// Headers, in order (`Nats-Msg-Id`, `Nats-Expected-Last-Sequence` … are honoured by the server).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub payload: Bytes,
}

/// A message as stored in the stream.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    /// Stream sequence (1-based, dense while nothing is deleted).
    pub sequence: u64,
    /// Subject it was published on.
    pub subject: String,
    /// Headers (the first value of each name).
    pub headers: Vec<(String, String)>,
    /// Body.
    pub payload: Bytes,
}

impl StoredMessage {
    /// The value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A JetStream connection bound to one stream.
#[derive(Debug, Clone)]
pub struct Bus {
    pub(crate) client: async_nats::Client,
    pub(crate) js: async_nats::jetstream::Context,
    pub(crate) config: BusConfig,
}

impl Bus {
    /// Connects, failing at once when the server cannot be reached.
    pub async fn connect(config: BusConfig) -> Result<Self, BusError> {
        Self::open(config, false).await
    }

    /// Returns at once and connects in the background (reconnecting for ever): operations fail
    /// with [`BusError::Unavailable`] until the server is reachable. For long-running workers
    /// that must start while NATS is down.
    pub async fn connect_lazily(config: BusConfig) -> Result<Self, BusError> {
        Self::open(config, true).await
    }

    async fn open(config: BusConfig, lazily: bool) -> Result<Self, BusError> {
        config.validate()?;
        let (address, credentials) = split_credentials(&config.url);
        let options = match (&config.credentials_file, credentials) {
            (Some(path), _) => file_credentials(path).await?,
            (None, Some(Credentials::UserPassword(user, password))) => {
                ConnectOptions::with_user_and_password(user, password)
            }
            (None, Some(Credentials::Token(token))) => ConnectOptions::with_token(token),
            (None, None) => ConnectOptions::new(),
        };
        let mut options = options
            .connection_timeout(config.timeout)
            .request_timeout(Some(config.timeout))
            .max_reconnects(None);
        if lazily {
            options = options.retry_on_initial_connect();
        }
        let client = options
            .connect(address.as_str())
            .await
            .map_err(BusError::unavailable(format!(
                "connecting to {}",
                redacted_url(&config.url)
            )))?;
        let js = async_nats::jetstream::ContextBuilder::new()
            .timeout(config.timeout)
            .ack_timeout(config.timeout)
            .max_ack_inflight(config.publish_window.max(1))
            .build(client.clone());
        Ok(Self { client, js, config })
    }

    /// The configuration in use.
    pub fn config(&self) -> &BusConfig {
        &self.config
    }

    /// The underlying client (for plain publishes in tests and tools).
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// Creates the stream, or updates its settings when it exists.
    #[tracing::instrument(skip_all, fields(stream = %self.config.stream))]
    pub async fn ensure_stream(&self) -> Result<(), BusError> {
        let config = Config {
            name: self.config.stream.clone(),
            subjects: vec![format!("{}.>", self.config.subject_prefix)],
            storage: StorageType::File,
            duplicate_window: self.config.duplicate_window,
            deny_delete: true,
            deny_purge: true,
            allow_direct: true,
            ..Config::default()
        };
        match self.js.get_stream(&self.config.stream).await {
            Ok(_) => self.js.update_stream(config).await.map(|_| ()),
            Err(e) if is_stream_not_found(&e.kind()) => {
                self.js.create_stream(config).await.map(|_| ())
            }
            Err(e) => return Err(stream_error(e)),
        }
        .map_err(BusError::unavailable("creating or updating the stream"))
    }

    /// Deletes the stream and every message in it (tests and tools only).
    pub async fn delete_stream(&self) -> Result<(), BusError> {
        self.js
            .delete_stream(&self.config.stream)
            .await
            .map(|_| ())
            .map_err(BusError::unavailable("deleting the stream"))
    }

    /// Publishes one message and returns its stream sequence once acknowledged.
    pub async fn publish(&self, message: Outgoing) -> Result<u64, BusError> {
        let ack = self.send(message).await?;
        Ok(ack.await.map_err(publish_error)?.sequence)
    }

    /// Publishes `messages` in order, with at most `publish_window` acks outstanding, and returns
    /// their stream sequences in the same order. Stops at the first failure; messages before it
    /// may have been stored (read [`Self::last_message`] to know).
    #[tracing::instrument(skip_all, fields(stream = %self.config.stream, count = messages.len()))]
    pub async fn publish_all(&self, messages: Vec<Outgoing>) -> Result<Vec<u64>, BusError> {
        let mut sequences = Vec::with_capacity(messages.len());
        let mut in_flight = VecDeque::with_capacity(self.config.publish_window);
        for message in messages {
            if in_flight.len() >= self.config.publish_window
                && let Some(ack) = in_flight.pop_front()
            {
                sequences.push(wait(ack).await?);
            }
            in_flight.push_back(self.send(message).await?);
        }
        while let Some(ack) = in_flight.pop_front() {
            sequences.push(wait(ack).await?);
        }
        Ok(sequences)
    }

    async fn send(
        &self,
        message: Outgoing,
    ) -> Result<async_nats::jetstream::context::PublishAckFuture, BusError> {
        let mut headers = HeaderMap::new();
        for (name, value) in message.headers {
            headers.insert(name.as_str(), value.as_str());
        }
        let publish = PublishMessage::build()
            .payload(message.payload)
            .headers(headers);
        self.js
            .send_publish(message.subject, publish)
            .await
            .map_err(publish_error)
    }

    /// The stream's last sequence (0 when empty).
    pub async fn last_sequence(&self) -> Result<u64, BusError> {
        let mut stream = self
            .js
            .get_stream(&self.config.stream)
            .await
            .map_err(stream_error)?;
        let info = stream
            .info()
            .await
            .map_err(BusError::unavailable("reading stream info"))?;
        Ok(info.state.last_sequence)
    }

    /// The last message (`None` when the stream is empty).
    pub async fn last_message(&self) -> Result<Option<StoredMessage>, BusError> {
        match self.last_sequence().await? {
            0 => Ok(None),
            sequence => self.get_message(sequence).await,
        }
    }

    /// The message at `sequence` (`None` when there is none).
    pub async fn get_message(&self, sequence: u64) -> Result<Option<StoredMessage>, BusError> {
        let stream = self
            .js
            .get_stream_no_info(&self.config.stream)
            .await
            .map_err(stream_error)?;
        match stream.get_raw_message(sequence).await {
            Ok(raw) => Ok(Some(StoredMessage {
                sequence: raw.sequence,
                subject: raw.subject.to_string(),
                headers: headers_of(&raw.headers),
                payload: raw.payload,
            })),
            Err(e) if matches!(e.kind(), LastRawMessageErrorKind::NoMessageFound) => Ok(None),
            Err(e) => Err(BusError::unavailable(format!("reading message {sequence}"))(e)),
        }
    }

    /// Every message from `from` (inclusive) to the last sequence as it is when the stream is
    /// polled, in order; a deleted sequence is skipped.
    pub fn messages(&self, from: u64) -> impl Stream<Item = Result<StoredMessage, BusError>> + '_ {
        futures::stream::try_unfold((from.max(1), None), move |(next, last)| async move {
            let last = match last {
                Some(last) => last,
                None => self.last_sequence().await?,
            };
            let mut sequence = next;
            while sequence <= last {
                if let Some(message) = self.get_message(sequence).await? {
                    return Ok(Some((message, (sequence + 1, Some(last)))));
                }
                sequence += 1;
            }
            Ok(None)
        })
    }
}

/// The first value of each header.
pub(crate) fn headers_of(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter_map(|(n, v)| v.first().map(|v| (n.to_string(), v.to_string())))
        .collect()
}

async fn wait(ack: async_nats::jetstream::context::PublishAckFuture) -> Result<u64, BusError> {
    Ok(ack.await.map_err(publish_error)?.sequence)
}

#[allow(clippy::needless_pass_by_value)] // used as `map_err(publish_error)`
fn publish_error(error: async_nats::jetstream::context::PublishError) -> BusError {
    match error.kind() {
        PublishErrorKind::WrongLastSequence => BusError::WrongLastSequence,
        PublishErrorKind::StreamNotFound => BusError::StreamNotFound(error.into()),
        PublishErrorKind::TimedOut | PublishErrorKind::BrokenPipe => {
            BusError::unavailable("publishing")(error)
        }
        _ => BusError::rejected("publishing")(error),
    }
}

/// JetStream's error code for "stream not found".
pub(crate) const STREAM_NOT_FOUND: u64 = 10059;

fn is_stream_not_found(kind: &GetStreamErrorKind) -> bool {
    matches!(kind, GetStreamErrorKind::JetStream(e) if e.error_code().0 == STREAM_NOT_FOUND)
}

fn stream_error(error: async_nats::jetstream::context::GetStreamError) -> BusError {
    if is_stream_not_found(&error.kind()) {
        BusError::StreamNotFound(error.into())
    } else {
        BusError::unavailable("reading the stream")(error)
    }
}
