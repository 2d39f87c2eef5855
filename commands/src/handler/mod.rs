//! The generic command handler: load an aggregate from its stream, decide, append with the
//! expected version, and retry on a concurrent write.

use std::sync::Arc;

use domain::{
    DomainError, EventMetadata, NewEvent, RecordedEvent, StreamId, TenantId,
    aggregate::{Aggregate, Context, DomainEvent},
};
use eventstore::{AppendOutcome, EventStore, ExpectedVersion, ReadOptions, StoreError};
use uuid::Uuid;

use crate::metrics::{CommandMetrics, Outcome};

mod many;
mod turn;

pub use many::{Known, execute_many};
pub use turn::execute_in_turn;

/// How many times a command is decided in all. Every lost race means another writer won, so with
/// up to this many writers racing on one stream every one of them lands.
const MAX_ATTEMPTS: u32 = 12;

/// Why a command did not produce events.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The domain refused the command: a business rule, not a failure. Callers match the
    /// domain's variants (`DomainError::Series(SeriesError::AlreadyOpened)`), never its code text.
    #[error("{code}: {0}", code = .0.code())]
    Rejected(DomainError),
    /// The caller's expected version (`If-Match`) is not the stream's.
    #[error("stale expected version {expected}")]
    StaleVersion {
        /// What the caller expected.
        expected: u64,
        /// What the stream is at.
        actual: Option<u64>,
    },
    /// Other writers kept winning the race for the stream.
    #[error("the stream kept changing while the command was retried")]
    Contended,
    /// The store is unreachable; retrying later is safe.
    #[error("event store unavailable")]
    Unavailable(#[source] anyhow::Error),
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl CommandError {
    /// Wraps a domain rejection.
    pub fn rejected(err: impl Into<DomainError>) -> Self {
        Self::Rejected(err.into())
    }
}

/// The `outcome` label of a command's result.
pub(crate) fn outcome<T>(result: &Result<T, CommandError>) -> Outcome {
    match result {
        Ok(_) => Outcome::Ok,
        Err(CommandError::Rejected(_)) => Outcome::Rejected,
        Err(CommandError::StaleVersion { .. } | CommandError::Contended) => Outcome::Conflict,
        Err(CommandError::Unavailable(_) | CommandError::Unexpected(_)) => Outcome::Error,
    }
}

impl From<StoreError> for CommandError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(e) => {
                Self::Unavailable(anyhow::Error::new(e).context("event store"))
            }
            other => Self::Unexpected(anyhow::Error::new(other).context("event store")),
        }
    }
}

/// How the ids of new events are chosen.
#[derive(Debug, Clone, Copy)]
pub enum EventIds {
    /// Fresh time-ordered ids (UUIDv7).
    Fresh,
    /// Ids derived from a key and the event's stream version (UUIDv5), so the same decision
    /// appended twice is stored once.
    DerivedFrom(Uuid),
}

/// A command ready to run against one stream.
pub struct Command<A: Aggregate> {
    /// The stream of the aggregate.
    pub stream: StreamId,
    /// What to decide.
    pub command: A::Command,
    /// Metadata stamped on every new event.
    pub metadata: EventMetadata,
    /// `If-Match`: the version the caller saw; a mismatch is reported, never retried.
    pub expected: Option<u64>,
    /// The caller has just minted the stream's id (or seen it empty), so the first attempt decides
    /// on the empty aggregate without reading the stream; if the stream exists after all, the
    /// append conflicts and the command is decided again on what was read.
    pub fresh_stream: bool,
    /// How to name new events.
    pub event_ids: EventIds,
}

/// What a command did.
#[derive(Debug)]
pub struct Executed<A> {
    /// The aggregate after the new events.
    pub state: A,
    /// The new events (empty if the command changed nothing).
    pub events: Vec<NewEvent>,
    /// Where they were stored; `None` when nothing was appended.
    pub outcome: Option<AppendOutcome>,
    /// Stream version after the command.
    pub version: Option<u64>,
}

/// Loads, folds and decides, appending with optimistic concurrency; on a conflict with another
/// writer the command is decided again on the fresh state, up to [`MAX_ATTEMPTS`] times.
///
/// Each call is counted in `metrics` as `commands_total{command = <aggregate>, outcome}`.
///
/// # Errors
/// [`CommandError::Rejected`] when the domain refuses, [`CommandError::StaleVersion`] when the
/// caller's expected version is outdated, [`CommandError::Contended`] after too many lost races,
/// and store failures.
#[tracing::instrument(skip_all, fields(stream = %cmd.stream))]
pub async fn execute<A>(
    store: &Arc<dyn EventStore>,
    metrics: &CommandMetrics,
    ctx: &Context,
    cmd: Command<A>,
) -> Result<Executed<A>, CommandError>
where
    A: Aggregate,
    A::Command: Clone,
{
    execute_from(store, metrics, ctx, cmd, None).await
}

/// As [`execute`], starting from `known`: the stream's state folded up to a version, kept by
/// the caller from an earlier read or command. The first attempt decides on it without reading
/// the stream; if the stream moved on since, the append conflicts and only the events after
/// that version are read before deciding again. (With `If-Match`, the stream is read first.)
///
/// # Errors
/// As [`execute`].
#[tracing::instrument(skip_all, fields(stream = %cmd.stream))]
pub async fn execute_from<A>(
    store: &Arc<dyn EventStore>,
    metrics: &CommandMetrics,
    ctx: &Context,
    cmd: Command<A>,
    known: Option<(A, Option<u64>)>,
) -> Result<Executed<A>, CommandError>
where
    A: Aggregate,
    A::Command: Clone,
{
    let result = decide_and_append(store, ctx, cmd, known).await;
    metrics.record(&command_name::<A>(), outcome(&result));
    result
}

/// The metric name of an aggregate's commands: its type's name in lower case (`invoice`,
/// `taxpayer`, `tenant`), a handful of values.
pub fn command_name<A>() -> String {
    let name = std::any::type_name::<A>();
    name.rsplit("::")
        .next()
        .unwrap_or(name)
        .to_ascii_lowercase()
}

async fn decide_and_append<A>(
    store: &Arc<dyn EventStore>,
    ctx: &Context,
    cmd: Command<A>,
    known: Option<(A, Option<u64>)>,
) -> Result<Executed<A>, CommandError>
where
    A: Aggregate,
    A::Command: Clone,
{
    let tenant = cmd.metadata.tenant_id;
    // Whether to read the stream before deciding: not on a first attempt the caller vouched for.
    let mut read = !(cmd.fresh_stream || (known.is_some() && cmd.expected.is_none()));
    let (mut state, mut version) = known.unwrap_or_default();
    let mut lost = 0;
    loop {
        if read {
            (state, version) = catch_up(store, tenant, &cmd.stream, state, version).await?;
        }
        match decide_on(store, ctx, &cmd, state, version).await? {
            Decided::Done(done) => return Ok(done),
            Decided::Refused { error, .. } if read => return Err(error),
            // A refusal is final only on the stream as it is now: a state taken on trust is
            // brought up to date and asked again.
            Decided::Refused { seen, at, .. } => (state, version) = (seen, at),
            Decided::Lost { seen, at } => {
                lost += 1;
                if lost >= MAX_ATTEMPTS {
                    return Err(CommandError::Contended);
                }
                // A short random pause spreads the losers out so they do not collide again.
                let pause = rand::random_range(0..=lost * 2);
                tokio::time::sleep(std::time::Duration::from_millis(u64::from(pause))).await;
                (state, version) = (seen, at);
            }
        }
        read = true;
    }
}

/// How one attempt at a command ended.
enum Decided<A> {
    /// Decided and appended (or nothing to append).
    Done(Executed<A>),
    /// Another writer appended first: the state the attempt decided on, at its version.
    Lost { seen: A, at: Option<u64> },
    /// The domain refused on that state.
    Refused {
        seen: A,
        at: Option<u64>,
        error: CommandError,
    },
}

/// Decides `cmd` on the stream's state at `version` and appends at that version.
async fn decide_on<A>(
    store: &Arc<dyn EventStore>,
    ctx: &Context,
    cmd: &Command<A>,
    state: A,
    version: Option<u64>,
) -> Result<Decided<A>, CommandError>
where
    A: Aggregate,
    A::Command: Clone,
{
    if let Some(expected) = cmd.expected
        && version != Some(expected)
    {
        return Err(CommandError::StaleVersion {
            expected,
            actual: version,
        });
    }
    let decided = match state.decide(cmd.command.clone(), ctx) {
        Ok(decided) => decided,
        Err(refusal) => {
            return Ok(Decided::Refused {
                error: CommandError::rejected(refusal),
                seen: state,
                at: version,
            });
        }
    };
    if decided.is_empty() {
        return Ok(Decided::Done(Executed {
            state,
            events: Vec::new(),
            outcome: None,
            version,
        }));
    }
    let events = to_new_events(&decided, version, &cmd.metadata, cmd.event_ids);
    let expected = version.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
    match store.append(&cmd.stream, expected, &events).await {
        Ok(outcome) => Ok(Decided::Done(Executed {
            state: decided.iter().fold(state, A::evolve),
            events,
            outcome: Some(outcome),
            version: Some(outcome.last_version),
        })),
        Err(StoreError::Conflict { .. }) => {
            tracing::debug!(stream = %cmd.stream, "lost a race for the stream; deciding again");
            Ok(Decided::Lost {
                seen: state,
                at: version,
            })
        }
        Err(other) => Err(other.into()),
    }
}

/// Reads a stream and folds it into the aggregate; returns the version of its last event.
///
/// # Errors
/// Store failures, or a stored event this build cannot decode.
pub async fn load<A: Aggregate>(
    store: &Arc<dyn EventStore>,
    tenant: TenantId,
    stream: &StreamId,
) -> Result<(A, Option<u64>), CommandError> {
    catch_up(store, tenant, stream, A::default(), None).await
}

/// Brings `state`, folded up to `version` (`None`: nothing folded yet), to the stream's last
/// event, reading only the events after `version`.
///
/// # Errors
/// Store failures, or a stored event this build cannot decode.
pub async fn catch_up<A: Aggregate>(
    store: &Arc<dyn EventStore>,
    tenant: TenantId,
    stream: &StreamId,
    state: A,
    version: Option<u64>,
) -> Result<(A, Option<u64>), CommandError> {
    let options = ReadOptions {
        after_version: version,
        ..ReadOptions::default()
    };
    let recorded = store.read_stream(tenant, stream, options).await?;
    fold_onto(state, version, &recorded)
}

/// Folds recorded events into the aggregate.
///
/// # Errors
/// A stored event this build cannot decode.
pub fn fold<A: Aggregate>(recorded: &[RecordedEvent]) -> Result<(A, Option<u64>), CommandError> {
    fold_onto(A::default(), None, recorded)
}

/// Folds recorded events, the ones right after `version`, onto `state`.
fn fold_onto<A: Aggregate>(
    mut state: A,
    mut version: Option<u64>,
    recorded: &[RecordedEvent],
) -> Result<(A, Option<u64>), CommandError> {
    for event in recorded {
        let decoded = A::Event::from_stored(&event.event_type, event.schema_version, &event.data)
            .map_err(|e| {
            anyhow::anyhow!(
                "decoding {} v{} at {}#{}: {e}",
                event.event_type,
                event.schema_version,
                event.stream_id,
                event.stream_version
            )
        })?;
        state = state.evolve(&decoded);
        version = Some(event.stream_version);
    }
    Ok((state, version))
}

fn to_new_events<E: DomainEvent>(
    decided: &[E],
    version: Option<u64>,
    metadata: &EventMetadata,
    ids: EventIds,
) -> Vec<NewEvent> {
    let first = version.map_or(0, |v| v + 1);
    decided
        .iter()
        .enumerate()
        .map(|(i, event)| NewEvent {
            event_id: match ids {
                EventIds::Fresh => Uuid::now_v7(),
                EventIds::DerivedFrom(key) => Uuid::new_v5(&key, &(first + i as u64).to_be_bytes()),
            },
            event_type: event.event_type().to_owned(),
            schema_version: event.schema_version(),
            data: event.to_data(),
            metadata: metadata.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;
    use domain::{
        ApiKeyId, GlobalPosition,
        tenant::{CreateTenant, IssueApiKey, Tenant},
    };
    use eventstore::{InMemoryEventStore, StoreDouble};
    use prometheus::Registry;
    use time::macros::datetime;

    use super::*;

    fn create(tenant_id: TenantId, name: &str, expected: Option<u64>) -> Command<Tenant> {
        Command {
            stream: Tenant::stream_id(tenant_id),
            command: CreateTenant {
                tenant_id,
                name: name.to_owned(),
            }
            .into(),
            metadata: EventMetadata::for_tenant(tenant_id),
            expected,
            fresh_stream: expected.is_none(),
            event_ids: EventIds::Fresh,
        }
    }

    /// A store whose every call fails.
    #[derive(Default)]
    struct Broken(InMemoryEventStore);

    #[async_trait]
    impl StoreDouble for Broken {
        fn store(&self) -> &InMemoryEventStore {
            &self.0
        }

        async fn append(
            &self,
            _: &StreamId,
            _: ExpectedVersion,
            _: &[NewEvent],
        ) -> Result<AppendOutcome, StoreError> {
            Err(StoreError::Invalid("broken".to_owned()))
        }

        async fn read_stream(
            &self,
            _: TenantId,
            _: &StreamId,
            _: ReadOptions,
        ) -> Result<Vec<RecordedEvent>, StoreError> {
            Err(StoreError::Invalid("broken".to_owned()))
        }

        async fn read_streams(
            &self,
            _: TenantId,
            _: &[StreamId],
        ) -> Result<Vec<Vec<RecordedEvent>>, StoreError> {
            Err(StoreError::Invalid("broken".to_owned()))
        }

        async fn read_all(
            &self,
            _: GlobalPosition,
            _: usize,
        ) -> Result<Vec<RecordedEvent>, StoreError> {
            Err(StoreError::Invalid("broken".to_owned()))
        }
    }

    /// The in-memory store, noting where each stream read started.
    #[derive(Default)]
    struct Noting {
        inner: InMemoryEventStore,
        reads: std::sync::Mutex<Vec<Option<u64>>>,
    }

    #[async_trait]
    impl StoreDouble for Noting {
        fn store(&self) -> &InMemoryEventStore {
            &self.inner
        }

        async fn read_stream(
            &self,
            tenant: TenantId,
            stream: &StreamId,
            options: ReadOptions,
        ) -> Result<Vec<RecordedEvent>, StoreError> {
            self.reads.lock().unwrap().push(options.after_version);
            self.inner.read_stream(tenant, stream, options).await
        }
    }

    fn issue(tenant_id: TenantId, key: u128) -> Command<Tenant> {
        Command {
            stream: Tenant::stream_id(tenant_id),
            command: IssueApiKey {
                key_id: ApiKeyId(Uuid::from_u128(key)),
                secret_hash: "ab".repeat(32),
                label: format!("key {key}"),
                secret_prefix: "abababab".to_owned(),
                scopes: vec![domain::tenant::Scope::Admin],
                expires_at: None,
            }
            .into(),
            metadata: EventMetadata::for_tenant(tenant_id),
            expected: None,
            fresh_stream: false,
            event_ids: EventIds::Fresh,
        }
    }

    #[tokio::test]
    async fn a_state_kept_from_before_another_writer_catches_up_on_only_what_came_later() {
        let metrics = CommandMetrics::register(&Registry::new()).unwrap();
        let noting = Arc::new(Noting::default());
        let store: Arc<dyn EventStore> = noting.clone();
        let ctx = Context::new(datetime!(2026-11-23 15:00 UTC));
        let tenant = TenantId(Uuid::now_v7());
        let created = execute(&store, &metrics, &ctx, create(tenant, "acme", None))
            .await
            .unwrap();
        let kept = (created.state, created.version);
        execute(&store, &metrics, &ctx, issue(tenant, 1))
            .await
            .unwrap();
        noting.reads.lock().unwrap().clear();

        let done = execute_from(&store, &metrics, &ctx, issue(tenant, 2), Some(kept))
            .await
            .unwrap();
        assert_eq!(done.version, Some(2));
        assert_eq!(
            *noting.reads.lock().unwrap(),
            [Some(0)],
            "decided on trust, then read only after version 0"
        );
        let (reloaded, version) = load::<Tenant>(&store, tenant, &Tenant::stream_id(tenant))
            .await
            .unwrap();
        assert_eq!(version, Some(2));
        assert_eq!(format!("{reloaded:?}"), format!("{:?}", done.state));
    }

    #[tokio::test]
    async fn a_refusal_on_a_state_kept_from_before_is_asked_again_on_the_stream() {
        let metrics = CommandMetrics::register(&Registry::new()).unwrap();
        let store: Arc<dyn EventStore> = Arc::new(InMemoryEventStore::new());
        let ctx = Context::new(datetime!(2026-11-23 15:00 UTC));
        let tenant = TenantId(Uuid::now_v7());
        execute(&store, &metrics, &ctx, create(tenant, "acme", None))
            .await
            .unwrap();
        // Kept before the tenant was created: there, issuing a key is refused.
        let stale = Some((Tenant::default(), None));
        let done = execute_from(&store, &metrics, &ctx, issue(tenant, 1), stale).await;
        assert_eq!(done.unwrap().version, Some(1));
        // A refusal that stands on the stream as it is still comes back.
        let kept = load::<Tenant>(&store, tenant, &Tenant::stream_id(tenant))
            .await
            .unwrap();
        let again = execute_from(
            &store,
            &metrics,
            &ctx,
            create(tenant, "acme", None),
            Some(kept),
        )
        .await;
        assert!(
            matches!(again, Err(CommandError::Rejected { .. })),
            "{again:?}"
        );
    }

    #[tokio::test]
    async fn counts_every_command_by_aggregate_and_outcome() {
        let registry = Registry::new();
        let metrics = CommandMetrics::register(&registry).unwrap();
        let store: Arc<dyn EventStore> = Arc::new(InMemoryEventStore::new());
        let ctx = Context::new(datetime!(2026-11-23 15:00 UTC));
        let tenant = TenantId(Uuid::now_v7());

        let created = execute(&store, &metrics, &ctx, create(tenant, "acme", None)).await;
        assert!(created.is_ok(), "{created:?}");
        // The tenant exists: creating it again is refused by the domain.
        let again = execute(&store, &metrics, &ctx, create(tenant, "acme", Some(0))).await;
        assert!(
            matches!(again, Err(CommandError::Rejected { .. })),
            "{again:?}"
        );
        // A stale `If-Match` is a conflict.
        let stale = execute(&store, &metrics, &ctx, create(tenant, "acme", Some(7))).await;
        assert!(
            matches!(stale, Err(CommandError::StaleVersion { .. })),
            "{stale:?}"
        );
        let broken: Arc<dyn EventStore> = Arc::new(Broken::default());
        let failed = execute(&broken, &metrics, &ctx, create(tenant, "acme", Some(0))).await;
        assert!(
            matches!(failed, Err(CommandError::Unexpected(_))),
            "{failed:?}"
        );

        assert_eq!(command_name::<Tenant>(), "tenant");
        for (outcome, count) in [
            (Outcome::Ok, 1),
            (Outcome::Rejected, 1),
            (Outcome::Conflict, 1),
            (Outcome::Error, 1),
        ] {
            assert_eq!(metrics.count("tenant", outcome), count, "{outcome:?}");
        }
        let families = registry.gather();
        let total: u64 = families
            .iter()
            .filter(|f| f.name() == "commands_total")
            .flat_map(|f| f.get_metric())
            .map(|m| m.get_counter().get_value() as u64)
            .sum();
        assert_eq!(total, 4);
    }
}
