//! The flows that mint a signing secret: create a subscription, rotate its secret.
//!
//! Order of writes, so that a crash between them leaves nothing usable dangling: the command is
//! first decided against the current state without writing anything (so bad input or a missing
//! subscription never stores a key); then the sealed key is stored under a fresh `key_id`; then
//! the event that references that `key_id` is appended. A key becomes the one that signs only
//! when an appended event names it (the subscriptions projection switches keys on
//! `webhook.subscription_created` / `webhook.secret_rotated`). A crash or a lost race after the
//! key is stored and before the append leaves an orphan key row that no event references: it is
//! never used to sign, never shown again, and harmless.

use std::sync::Arc;

use domain::{
    EventMetadata, SubscriptionId,
    aggregate::{Aggregate, Context},
    webhook::{CreateSubscription, RotateSecret, Subscription, SubscriptionCommand},
};
use eventstore::EventStore;
use secrecy::SecretString;
use uuid::Uuid;

use super::{SecretFailure, SigningSecrets};
use crate::{
    handler::{self, Command, CommandError, EventIds, Executed},
    metrics::CommandMetrics,
};

/// What the secret-minting flows need.
#[derive(Clone, Copy)]
pub struct SecretDeps<'a> {
    /// The event store.
    pub store: &'a Arc<dyn EventStore>,
    /// Where commands are counted.
    pub metrics: &'a CommandMetrics,
    /// The vault.
    pub secrets: &'a dyn SigningSecrets,
}

/// Why a flow did not complete.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionFlowError {
    /// The vault failed.
    #[error(transparent)]
    Secret(#[from] SecretFailure),
    /// The subscription refused the command, or the store failed.
    #[error(transparent)]
    Command(#[from] CommandError),
}

/// The new subscription, and its secret (to be shown once).
pub type Minted = (Executed<Subscription>, SecretString);

/// Creates a subscription with a fresh secret. `request` carries the URL (already checked
/// against the URL rules), event types and description; its ids are replaced by fresh ones.
///
/// # Errors
/// The domain's refusal, or a vault or store failure.
pub async fn create_subscription(
    deps: SecretDeps<'_>,
    ctx: &Context,
    metadata: EventMetadata,
    request: CreateSubscription,
) -> Result<Minted, SubscriptionFlowError> {
    let id = SubscriptionId(Uuid::now_v7());
    let key_id = Uuid::now_v7();
    let command = SubscriptionCommand::Create(CreateSubscription {
        subscription_id: id,
        key_id,
        ..request
    });
    // Refuse bad input before a key is stored.
    Subscription::default()
        .decide(command.clone(), ctx)
        .map_err(CommandError::rejected)?;
    let secret = deps.secrets.issue(metadata.tenant_id, id, key_id).await?;
    let executed = run(deps, ctx, metadata, id, command, true).await?;
    Ok((executed, secret))
}

/// Rotates the secret of `id`: the previous one keeps signing for `grace_seconds`.
///
/// # Errors
/// The domain's refusal (unknown or deleted subscription, grace too long), or a vault or store
/// failure.
pub async fn rotate_secret(
    deps: SecretDeps<'_>,
    ctx: &Context,
    metadata: EventMetadata,
    id: SubscriptionId,
    grace_seconds: u32,
) -> Result<Minted, SubscriptionFlowError> {
    let key_id = Uuid::now_v7();
    let command = SubscriptionCommand::RotateSecret(RotateSecret {
        key_id,
        grace_seconds,
    });
    let stream = Subscription::stream_id(id);
    let (state, _) = handler::load::<Subscription>(deps.store, metadata.tenant_id, &stream).await?;
    // Refuse before a key is stored; the append below decides again on the latest state.
    state
        .decide(command.clone(), ctx)
        .map_err(CommandError::rejected)?;
    let secret = deps.secrets.issue(metadata.tenant_id, id, key_id).await?;
    let executed = run(deps, ctx, metadata, id, command, false).await?;
    Ok((executed, secret))
}

async fn run(
    deps: SecretDeps<'_>,
    ctx: &Context,
    metadata: EventMetadata,
    id: SubscriptionId,
    command: SubscriptionCommand,
    fresh_stream: bool,
) -> Result<Executed<Subscription>, CommandError> {
    let command = Command::<Subscription> {
        stream: Subscription::stream_id(id),
        command,
        metadata,
        expected: None,
        fresh_stream,
        event_ids: EventIds::Fresh,
    };
    handler::execute(deps.store, deps.metrics, ctx, command).await
}
