//! Durable pull consumers on the events stream: create or bind one by name, fetch batches, and
//! acknowledge (or negatively acknowledge) a batch once the caller has committed (or failed) it.

use std::time::Duration;

use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use async_nats::jetstream::message::Acker;
use futures::StreamExt as _;

use crate::bus::{Bus, STREAM_NOT_FOUND, StoredMessage, headers_of};
use crate::error::BusError;

/// How a durable pull consumer is created (an existing one with the same name is bound as it is).
#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    /// Durable name (no spaces, dots or wildcards), shared by every instance that feeds the same
    /// reader: they take turns on its messages.
    pub durable: String,
    /// Subjects it receives, such as `arca.events.>`.
    pub filter_subject: String,
    /// How long a delivered message may stay unacknowledged before it is delivered again.
    pub ack_wait: Duration,
    /// Most messages delivered and not yet acknowledged, across every instance. Equal to the
    /// fetch size, it makes instances take whole batches in turn, in stream order.
    pub max_ack_pending: i64,
    /// Stream sequence of the first message a newly created consumer delivers (`None`: the
    /// first message the stream holds). Ignored when the consumer already exists.
    pub start_sequence: Option<u64>,
}

impl ConsumerConfig {
    /// A consumer of `filter_subject` with a 30 s ack wait, 1,000 messages pending at most, that
    /// starts at the stream's first message.
    pub fn new(durable: &str, filter_subject: &str) -> Self {
        Self {
            durable: durable.to_owned(),
            filter_subject: filter_subject.to_owned(),
            ack_wait: Duration::from_secs(30),
            max_ack_pending: 1_000,
            start_sequence: None,
        }
    }

    fn validate(&self) -> Result<(), BusError> {
        let bad = |c: char| c.is_whitespace() || matches!(c, '.' | '*' | '>' | '/' | '\\');
        if self.durable.is_empty() || self.durable.contains(bad) {
            return Err(BusError::Config(format!(
                "consumer name {:?} must be non-empty, without spaces, dots or wildcards",
                self.durable
            )));
        }
        if self.max_ack_pending < 1 {
            return Err(BusError::Config(
                "max ack pending must be at least 1".into(),
            ));
        }
        Ok(())
    }

    fn deliver_policy(&self) -> DeliverPolicy {
        match self.start_sequence {
            Some(start_sequence) if start_sequence > 1 => {
                DeliverPolicy::ByStartSequence { start_sequence }
            }
            _ => DeliverPolicy::All,
        }
    }
}

/// One delivered message, to be acknowledged through its [`Consumer`].
pub struct Delivery {
    /// The message; `sequence` is its stream sequence.
    pub message: StoredMessage,
    /// How many times it was delivered (1 the first time).
    pub delivered: i64,
    acker: Acker,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("message", &self.message)
            .field("delivered", &self.delivered)
            .finish_non_exhaustive()
    }
}

/// A durable pull consumer with explicit acknowledgements.
#[derive(Debug, Clone)]
pub struct Consumer {
    inner: PullConsumer,
    client: async_nats::Client,
    name: String,
}

impl Bus {
    /// Creates the durable consumer `config.durable` on the events stream, or binds it when it
    /// exists (its stored settings win).
    ///
    /// # Errors
    /// Invalid settings, the stream missing, or the server unreachable.
    #[tracing::instrument(skip_all, fields(consumer = %config.durable))]
    pub async fn durable_consumer(&self, config: &ConsumerConfig) -> Result<Consumer, BusError> {
        config.validate()?;
        let stream = self
            .js
            .get_stream_no_info(&self.config.stream)
            .await
            .map_err(BusError::unavailable("binding the stream"))?;
        let wanted = pull::Config {
            durable_name: Some(config.durable.clone()),
            filter_subject: config.filter_subject.clone(),
            ack_policy: AckPolicy::Explicit,
            ack_wait: config.ack_wait,
            max_ack_pending: config.max_ack_pending,
            deliver_policy: config.deliver_policy(),
            ..pull::Config::default()
        };
        let inner = stream
            .get_or_create_consumer(&config.durable, wanted)
            .await
            .map_err(consumer_error)?;
        Ok(Consumer {
            inner,
            client: self.client.clone(),
            name: config.durable.clone(),
        })
    }

    /// Deletes the durable consumer `name` (tests and tools).
    ///
    /// # Errors
    /// The server unreachable, or no such consumer.
    pub async fn delete_consumer(&self, name: &str) -> Result<(), BusError> {
        let stream = self
            .js
            .get_stream_no_info(&self.config.stream)
            .await
            .map_err(BusError::unavailable("binding the stream"))?;
        stream
            .delete_consumer(name)
            .await
            .map(|_| ())
            .map_err(BusError::unavailable(format!("deleting consumer {name}")))
    }
}

impl Consumer {
    /// The durable name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Up to `max` messages, in stream order unless some are re-deliveries: waits at most `wait`
    /// for the first one, then returns with what is available. Empty after `wait` when nothing
    /// came, or when the consumer's limit of unacknowledged messages is reached (another
    /// instance holds them).
    ///
    /// # Errors
    /// The server unreachable, or the consumer gone.
    #[tracing::instrument(skip_all, fields(consumer = %self.name))]
    pub async fn fetch(&self, max: usize, wait: Duration) -> Result<Vec<Delivery>, BusError> {
        let started = tokio::time::Instant::now();
        let mut batch = self
            .inner
            .fetch()
            .max_messages(max.max(1))
            .expires(wait)
            .messages()
            .await
            .map_err(BusError::unavailable(format!(
                "fetching from {}",
                self.name
            )))?;
        let mut out = Vec::new();
        while let Some(next) = batch.next().await {
            match next {
                Ok(message) => out.push(delivery(message)?),
                // A status ends the request (such as 409 when too many messages are pending):
                // keep what came; with nothing, wait out `wait` so callers do not spin.
                Err(error) => {
                    tracing::debug!(%error, "fetch ended with a status");
                    if out.is_empty() {
                        tokio::time::sleep_until(started + wait).await;
                    }
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Acknowledges every delivery of `batch` (after the caller committed its effects).
    ///
    /// # Errors
    /// The server unreachable: the messages will be delivered again after the ack wait.
    pub async fn ack(&self, batch: &[Delivery]) -> Result<(), BusError> {
        self.reply(batch, AckKind::Ack).await
    }

    /// Asks for every delivery of `batch` to be delivered again after `delay`.
    ///
    /// # Errors
    /// The server unreachable: the messages will be delivered again after the ack wait.
    pub async fn nak(&self, batch: &[Delivery], delay: Duration) -> Result<(), BusError> {
        self.reply(batch, AckKind::Nak(Some(delay))).await
    }

    async fn reply(&self, batch: &[Delivery], kind: AckKind) -> Result<(), BusError> {
        for delivery in batch {
            delivery
                .acker
                .ack_with(kind)
                .await
                .map_err(BusError::unavailable("acknowledging"))?;
        }
        self.client
            .flush()
            .await
            .map_err(BusError::unavailable("flushing acknowledgements"))
    }
}

fn delivery(message: async_nats::jetstream::Message) -> Result<Delivery, BusError> {
    let (sequence, delivered) = message
        .info()
        .map(|info| (info.stream_sequence, info.delivered))
        .map_err(BusError::rejected("a delivery without metadata"))?;
    let (message, acker) = message.split();
    Ok(Delivery {
        message: StoredMessage {
            sequence,
            subject: message.subject.to_string(),
            headers: message.headers.as_ref().map(headers_of).unwrap_or_default(),
            payload: message.payload,
        },
        delivered,
        acker,
    })
}

fn consumer_error(error: async_nats::jetstream::stream::ConsumerError) -> BusError {
    use async_nats::jetstream::stream::ConsumerErrorKind;
    match error.kind() {
        ConsumerErrorKind::JetStream(e) if e.error_code().0 == STREAM_NOT_FOUND => {
            BusError::StreamNotFound(error.into())
        }
        ConsumerErrorKind::TimedOut | ConsumerErrorKind::Request => {
            BusError::unavailable("creating the consumer")(error)
        }
        _ => BusError::rejected("creating the consumer")(error),
    }
}
