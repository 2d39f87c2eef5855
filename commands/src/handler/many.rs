//! Many commands on many streams of one tenant at once: one read for the streams whose state
//! the caller does not hold, then every append at once, so the store's group commit stores them
//! in a few transactions. A command whose stream changed in between is run again on its own by
//! [`execute_from`](super::execute_from).

use std::sync::Arc;

use domain::aggregate::{Aggregate, Context};
use domain::{StreamId, TenantId};
use eventstore::EventStore;
use futures::future::join_all;

use super::{Command, CommandError, Decided, Executed, catch_up, decide_on, execute_from, fold};
use crate::metrics::CommandMetrics;

/// A stream's state folded up to a version (`None`: the stream is empty), as a caller kept it.
pub type Known<A> = Option<(A, Option<u64>)>;

/// Runs `commands` (all of `tenant`, each on its own stream) with the semantics of
/// [`execute`](super::execute), answering each in the order given. A command given its
/// stream's state (kept from an earlier command) is decided on it as
/// [`execute_from`](super::execute_from) does; the others' streams are read in one go.
/// `If-Match` expectations are honoured as there; `fresh_stream` hints are not needed.
///
/// # Errors
/// The read of the streams failing fails every command with it; otherwise each command answers
/// for itself.
pub async fn execute_many<A>(
    store: &Arc<dyn EventStore>,
    metrics: &CommandMetrics,
    ctx: &Context,
    tenant: TenantId,
    commands: Vec<(Command<A>, Known<A>)>,
) -> Result<Vec<Result<Executed<A>, CommandError>>, CommandError>
where
    A: Aggregate,
    A::Command: Clone,
{
    if commands.iter().any(|(c, _)| c.metadata.tenant_id != tenant) {
        return Err(CommandError::Unexpected(anyhow::anyhow!(
            "execute_many: every command must belong to the tenant read"
        )));
    }
    let unknown: Vec<StreamId> = commands
        .iter()
        .filter(|(_, known)| known.is_none())
        .map(|(c, _)| c.stream.clone())
        .collect();
    let mut read = if unknown.is_empty() {
        Vec::new()
    } else {
        store.read_streams(tenant, &unknown).await?
    }
    .into_iter();
    let attempts = commands.into_iter().map(|(cmd, known)| {
        let recorded = if known.is_none() { read.next() } else { None };
        async move {
            match known {
                Some(known) => execute_from(store, metrics, ctx, cmd, Some(known)).await,
                None => {
                    let recorded = recorded.unwrap_or_default();
                    first_attempt(store, metrics, ctx, cmd, recorded).await
                }
            }
        }
    });
    Ok(join_all(attempts).await)
}

/// Decides on the stream as read and appends at its version; a lost race goes to
/// [`execute_from`].
async fn first_attempt<A>(
    store: &Arc<dyn EventStore>,
    metrics: &CommandMetrics,
    ctx: &Context,
    cmd: Command<A>,
    recorded: Vec<domain::RecordedEvent>,
) -> Result<Executed<A>, CommandError>
where
    A: Aggregate,
    A::Command: Clone,
{
    let first = match fold::<A>(&recorded) {
        Ok((state, version)) => decide_on(store, ctx, &cmd, state, version).await,
        Err(error) => Err(error),
    };
    let result = match first {
        Ok(Decided::Done(done)) => Ok(done),
        // Brought up to date with only what the other writer appended, then decided again by
        // `execute_from` (which counts it) on that fresh state.
        Ok(Decided::Lost { seen, at }) => {
            let tenant = cmd.metadata.tenant_id;
            match catch_up(store, tenant, &cmd.stream, seen, at).await {
                Ok(fresh) => return execute_from(store, metrics, ctx, cmd, Some(fresh)).await,
                Err(error) => Err(error),
            }
        }
        Ok(Decided::Refused { error, .. }) | Err(error) => Err(error),
    };
    metrics.record(&super::command_name::<A>(), super::outcome(&result));
    result
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;
    use domain::ApiKeyId;
    use domain::tenant::{CreateTenant, IssueApiKey, Tenant, TenantCommand};
    use domain::{EventMetadata, NewEvent, RecordedEvent};
    use eventstore::{
        AppendOutcome, ExpectedVersion, InMemoryEventStore, ReadOptions, StoreDouble, StoreError,
    };
    use prometheus::Registry;
    use time::macros::datetime;
    use tokio::sync::Mutex;
    use uuid::Uuid;

    use super::*;
    use crate::handler::{EventIds, execute};

    const TENANT: TenantId = TenantId(Uuid::from_u128(7));

    fn command(stream: &str, command: impl Into<TenantCommand>) -> Command<Tenant> {
        Command {
            stream: StreamId::new(stream),
            command: command.into(),
            metadata: EventMetadata::for_tenant(TENANT),
            expected: None,
            fresh_stream: false,
            event_ids: EventIds::Fresh,
        }
    }

    fn issue(key: u128) -> IssueApiKey {
        IssueApiKey {
            key_id: ApiKeyId(Uuid::from_u128(key)),
            secret_hash: "ab".repeat(32),
            label: format!("key {key}"),
            secret_prefix: "abababab".to_owned(),
            scopes: vec![domain::tenant::Scope::Admin],
            expires_at: None,
        }
    }

    /// An in-memory store where another writer slips a command in right after the first
    /// `read_streams`.
    struct Racing {
        inner: Arc<InMemoryEventStore>,
        race: Mutex<Option<Command<Tenant>>>,
        metrics: CommandMetrics,
        /// The streams each `read_streams` asked for.
        asked: std::sync::Mutex<Vec<Vec<StreamId>>>,
        /// The stream of each append.
        appended: std::sync::Mutex<Vec<StreamId>>,
    }

    #[async_trait]
    impl StoreDouble for Racing {
        fn store(&self) -> &InMemoryEventStore {
            &self.inner
        }

        async fn append(
            &self,
            stream: &StreamId,
            expected: ExpectedVersion,
            events: &[NewEvent],
        ) -> Result<AppendOutcome, StoreError> {
            self.appended.lock().unwrap().push(stream.clone());
            self.inner.append(stream, expected, events).await
        }

        async fn read_streams(
            &self,
            tenant: TenantId,
            streams: &[StreamId],
        ) -> Result<Vec<Vec<RecordedEvent>>, StoreError> {
            self.asked.lock().unwrap().push(streams.to_vec());
            let read = self.inner.read_streams(tenant, streams).await?;
            if let Some(race) = self.race.lock().await.take() {
                let ctx = Context::new(datetime!(2026-11-23 12:00 UTC));
                let inner: Arc<dyn EventStore> = self.inner.clone();
                execute(&inner, &self.metrics, &ctx, race)
                    .await
                    .map_err(|e| StoreError::Invalid(e.to_string()))?;
            }
            Ok(read)
        }
    }

    #[tokio::test]
    async fn a_command_that_loses_a_race_is_decided_again_on_the_fresh_stream() {
        let metrics = CommandMetrics::register(&Registry::new()).unwrap();
        let ctx = Context::new(datetime!(2026-11-23 12:00 UTC));
        let memory = Arc::new(InMemoryEventStore::new());
        let inner: Arc<dyn EventStore> = memory.clone();
        let create = |stream| {
            command(
                stream,
                CreateTenant {
                    tenant_id: TENANT,
                    name: "acme".to_owned(),
                },
            )
        };
        for stream in ["tenant-a", "tenant-b"] {
            execute(&inner, &metrics, &ctx, create(stream))
                .await
                .unwrap();
        }
        let racing = Arc::new(Racing {
            inner: memory,
            race: Mutex::new(Some(command("tenant-b", issue(1)))),
            metrics: metrics.clone(),
            asked: std::sync::Mutex::default(),
            appended: std::sync::Mutex::default(),
        });
        let store: Arc<dyn EventStore> = racing.clone();

        let answers = execute_many(
            &store,
            &metrics,
            &ctx,
            TENANT,
            vec![
                (command("tenant-a", issue(2)), None),
                (command("tenant-b", issue(2)), None),
                (create("tenant-a"), None),
            ],
        )
        .await
        .unwrap();

        assert_eq!(answers[0].as_ref().unwrap().version, Some(1));
        // Decided again after the racing key landed: both keys are there.
        let raced = answers[1].as_ref().unwrap();
        assert_eq!(raced.version, Some(2));
        assert_eq!(raced.state.api_keys().count(), 2);
        let tries = racing
            .appended
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.as_str() == "tenant-b")
            .count();
        assert_eq!(
            tries, 2,
            "the lost append, then one on the caught-up stream"
        );
        assert!(
            matches!(answers[2], Err(CommandError::Rejected { .. })),
            "a refusal answers for its command only"
        );
        let b = inner
            .read_stream(TENANT, &StreamId::new("tenant-b"), ReadOptions::default())
            .await
            .unwrap();
        assert_eq!(b.len(), 3);
    }

    #[tokio::test]
    async fn only_the_streams_whose_state_is_not_given_are_read() {
        let metrics = CommandMetrics::register(&Registry::new()).unwrap();
        let ctx = Context::new(datetime!(2026-11-23 12:00 UTC));
        let memory = Arc::new(InMemoryEventStore::new());
        let inner: Arc<dyn EventStore> = memory.clone();
        let mut created = Vec::new();
        for stream in ["tenant-a", "tenant-b", "tenant-c"] {
            let create = CreateTenant {
                tenant_id: TENANT,
                name: "acme".to_owned(),
            };
            let done = execute(&inner, &metrics, &ctx, command(stream, create));
            created.push(done.await.unwrap());
        }
        let stale = created.pop().unwrap();
        let a = created.swap_remove(0);
        let store = Racing {
            inner: memory,
            race: Mutex::new(None),
            metrics: metrics.clone(),
            asked: std::sync::Mutex::default(),
            appended: std::sync::Mutex::default(),
        };
        let store = Arc::new(store);
        let dyn_store: Arc<dyn EventStore> = store.clone();
        // Another writer moves tenant-c on after its state was kept.
        execute(&inner, &metrics, &ctx, command("tenant-c", issue(9)))
            .await
            .unwrap();

        let answers = execute_many(
            &dyn_store,
            &metrics,
            &ctx,
            TENANT,
            vec![
                (command("tenant-a", issue(1)), Some((a.state, a.version))),
                (command("tenant-b", issue(1)), None),
                (
                    command("tenant-c", issue(1)),
                    Some((stale.state, stale.version)),
                ),
            ],
        )
        .await
        .unwrap();

        let versions: Vec<_> = answers
            .iter()
            .map(|a| a.as_ref().unwrap().version)
            .collect();
        assert_eq!(versions, [Some(1), Some(1), Some(2)]);
        assert_eq!(
            *store.asked.lock().unwrap(),
            [vec![StreamId::new("tenant-b")]],
            "the given states were decided on without reading"
        );
        // The stale one caught up with the key issued meanwhile.
        let c = answers[2].as_ref().unwrap();
        assert_eq!(c.state.api_keys().count(), 2);
    }

    #[tokio::test]
    async fn commands_of_another_tenant_are_refused_before_anything_is_read() {
        let metrics = CommandMetrics::register(&Registry::new()).unwrap();
        let ctx = Context::new(datetime!(2026-11-23 12:00 UTC));
        let store: Arc<dyn EventStore> = Arc::new(InMemoryEventStore::new());
        let mut theirs = command("tenant-a", issue(1));
        theirs.metadata = EventMetadata::for_tenant(TenantId(Uuid::from_u128(8)));
        let refused = execute_many(&store, &metrics, &ctx, TENANT, vec![(theirs, None)]).await;
        assert!(matches!(refused, Err(CommandError::Unexpected(_))));
    }
}
