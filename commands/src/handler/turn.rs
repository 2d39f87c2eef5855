//! Several commands on one stream at once: decided in turn, each on the state the ones before it
//! left, and appended together — one append where [`execute`](super::execute) would make one per
//! command, one after the other.

use std::sync::Arc;

use domain::aggregate::{Aggregate, Context};
use domain::{NewEvent, StreamId};
use eventstore::{EventStore, ExpectedVersion, StoreError};

use super::{Command, CommandError, MAX_ATTEMPTS, catch_up, command_name, to_new_events};
use crate::metrics::{CommandMetrics, Outcome};

/// Runs `commands` (all on one stream of one tenant, without `If-Match`) in turn and appends
/// their events together, starting from `known` when given (as
/// [`execute_from`](super::execute_from) does). Each answers for itself: a refused command
/// adds nothing and the others go on; a refusal on a state taken on trust is asked again on the
/// stream as it is. A lost race decides them all again on the stream as it is now.
///
/// # Errors
/// The commands do not share one stream and tenant or carry `If-Match`, the store failed, or
/// [`CommandError::Contended`] after too many lost races: then none was stored.
pub async fn execute_in_turn<A>(
    store: &Arc<dyn EventStore>,
    metrics: &CommandMetrics,
    ctx: &Context,
    commands: Vec<Command<A>>,
    known: Option<(A, Option<u64>)>,
) -> Result<Vec<Result<(), CommandError>>, CommandError>
where
    A: Aggregate,
    A::Command: Clone,
{
    let Some(first) = commands.first() else {
        return Ok(Vec::new());
    };
    let (stream, tenant) = (first.stream.clone(), first.metadata.tenant_id);
    if commands
        .iter()
        .any(|c| c.stream != stream || c.metadata.tenant_id != tenant || c.expected.is_some())
    {
        return Err(CommandError::Unexpected(anyhow::anyhow!(
            "execute_in_turn: one stream and tenant, and no If-Match"
        )));
    }
    let result = in_turn(store, ctx, &stream, &commands, known).await;
    let name = command_name::<A>();
    match &result {
        Ok(answers) => answers
            .iter()
            .for_each(|answer| metrics.record(&name, super::outcome(answer))),
        Err(error) => {
            let outcome = match error {
                CommandError::Contended => Outcome::Conflict,
                _ => Outcome::Error,
            };
            commands.iter().for_each(|_| metrics.record(&name, outcome));
        }
    }
    result
}

async fn in_turn<A>(
    store: &Arc<dyn EventStore>,
    ctx: &Context,
    stream: &StreamId,
    commands: &[Command<A>],
    known: Option<(A, Option<u64>)>,
) -> Result<Vec<Result<(), CommandError>>, CommandError>
where
    A: Aggregate,
    A::Command: Clone,
{
    let tenant = commands[0].metadata.tenant_id;
    let mut read = known.is_none();
    let (mut state, mut version) = known.unwrap_or_default();
    let mut lost = 0;
    loop {
        if read {
            (state, version) = catch_up(store, tenant, stream, state, version).await?;
        }
        let (answers, events) = decide_all(&state, version, ctx, commands);
        if !read && answers.iter().any(Result::is_err) {
            read = true;
            continue;
        }
        if events.is_empty() {
            return Ok(answers);
        }
        let expected = version.map_or(ExpectedVersion::NoStream, ExpectedVersion::Exact);
        match store.append(stream, expected, &events).await {
            Ok(_) => return Ok(answers),
            Err(StoreError::Conflict { .. }) => {
                lost += 1;
                if lost >= MAX_ATTEMPTS {
                    return Err(CommandError::Contended);
                }
                let pause = rand::random_range(0..=lost * 2);
                tokio::time::sleep(std::time::Duration::from_millis(u64::from(pause))).await;
                read = true;
            }
            Err(other) => return Err(other.into()),
        }
    }
}

/// Each command decided on the state the ones before it left: the answers, and every new event.
fn decide_all<A>(
    state: &A,
    version: Option<u64>,
    ctx: &Context,
    commands: &[Command<A>],
) -> (Vec<Result<(), CommandError>>, Vec<NewEvent>)
where
    A: Aggregate,
    A::Command: Clone,
{
    let mut next = state.clone();
    let mut answers = Vec::with_capacity(commands.len());
    let mut events: Vec<NewEvent> = Vec::new();
    for cmd in commands {
        match next.decide(cmd.command.clone(), ctx) {
            Ok(decided) => {
                let added = u64::try_from(events.len()).unwrap_or(u64::MAX);
                let at = match (version, added) {
                    (version, 0) => version,
                    (None, n) => Some(n - 1),
                    (Some(v), n) => Some(v + n),
                };
                events.extend(to_new_events(&decided, at, &cmd.metadata, cmd.event_ids));
                next = decided.iter().fold(next, A::evolve);
                answers.push(Ok(()));
            }
            Err(refusal) => answers.push(Err(CommandError::rejected(refusal))),
        }
    }
    (answers, events)
}

#[cfg(test)]
mod tests {
    use domain::tenant::{CreateTenant, IssueApiKey, Tenant};
    use domain::{ApiKeyId, EventMetadata, TenantId};
    use eventstore::{InMemoryEventStore, ReadOptions};
    use prometheus::Registry;
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;
    use crate::handler::{EventIds, load};

    fn command(
        tenant: TenantId,
        command: impl Into<domain::tenant::TenantCommand>,
    ) -> Command<Tenant> {
        Command {
            stream: Tenant::stream_id(tenant),
            command: command.into(),
            metadata: EventMetadata::for_tenant(tenant),
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

    #[tokio::test]
    async fn commands_decided_in_turn_are_appended_together_and_a_refusal_skips_only_itself() {
        let metrics = CommandMetrics::register(&Registry::new()).unwrap();
        let store: Arc<dyn EventStore> = Arc::new(InMemoryEventStore::new());
        let ctx = Context::new(datetime!(2026-11-23 15:00 UTC));
        let tenant = TenantId(Uuid::now_v7());
        let create = CreateTenant {
            tenant_id: tenant,
            name: "acme".to_owned(),
        };
        let commands = vec![
            command(tenant, create.clone()),
            command(tenant, issue(1)),
            // Created by the first: refused on the state the first left.
            command(tenant, create),
            command(tenant, issue(2)),
        ];
        let answers = execute_in_turn(&store, &metrics, &ctx, commands, None)
            .await
            .unwrap();
        assert!(answers[0].is_ok() && answers[1].is_ok() && answers[3].is_ok());
        assert!(
            matches!(answers[2], Err(CommandError::Rejected { .. })),
            "{answers:?}"
        );
        let read = store
            .read_stream(tenant, &Tenant::stream_id(tenant), ReadOptions::default())
            .await
            .unwrap();
        assert_eq!(read.len(), 3);
        assert_eq!(
            read.iter()
                .map(|e| e.position.position)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            3
        );
        let first_tx = read[0].position.tx_id;
        assert!(
            read.iter().all(|e| e.position.tx_id == first_tx),
            "one append"
        );
        assert_eq!(metrics.count("tenant", Outcome::Ok), 3);
        assert_eq!(metrics.count("tenant", Outcome::Rejected), 1);

        // Kept from before a writer slipped in: decided again on the stream as it is.
        let (kept, version) = load::<Tenant>(&store, tenant, &Tenant::stream_id(tenant))
            .await
            .unwrap();
        crate::handler::execute(&store, &metrics, &ctx, command(tenant, issue(3)))
            .await
            .unwrap();
        let answers = execute_in_turn(
            &store,
            &metrics,
            &ctx,
            vec![command(tenant, issue(4)), command(tenant, issue(5))],
            Some((kept, version)),
        )
        .await
        .unwrap();
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
        let (_, version) = load::<Tenant>(&store, tenant, &Tenant::stream_id(tenant))
            .await
            .unwrap();
        assert_eq!(version, Some(5));
    }
}
