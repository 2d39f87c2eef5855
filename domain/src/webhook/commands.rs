//! What a webhook subscription can be asked to do.

use uuid::Uuid;

use super::events::DisableReason;
use crate::ids::SubscriptionId;

/// Creates a subscription whose secret is already sealed under `key_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSubscription {
    /// The new subscription's id (chosen by the caller).
    pub subscription_id: SubscriptionId,
    /// The endpoint, already checked against the URL rules by the caller.
    pub url: String,
    /// Public event types to receive (see [`super::EVENT_TYPES`]); empty means all.
    pub event_types: Vec<String>,
    /// A note for humans.
    pub description: Option<String>,
    /// The signing key's reference.
    pub key_id: Uuid,
}

/// Changes the endpoint, its event types or its description; absent fields stay as they are.
/// An empty description removes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateSubscription {
    /// New endpoint.
    pub url: Option<String>,
    /// New event types (empty means all).
    pub event_types: Option<Vec<String>>,
    /// New description.
    pub description: Option<String>,
}

/// Stops deliveries until resumed (they are recorded as skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PauseSubscription;

/// Resumes a paused subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResumeSubscription;

/// Deletes the subscription for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteSubscription;

/// Replaces the signing key with `key_id` (already sealed); the previous one keeps signing for
/// `grace_seconds` (0: revoked at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotateSecret {
    /// The new key's reference.
    pub key_id: Uuid,
    /// How long the previous key stays valid, at most [`super::MAX_GRACE_SECONDS`].
    pub grace_seconds: u32,
}

/// Disables a failing endpoint (issued by the delivery engine). Disabling a disabled
/// subscription changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisableSubscription {
    /// Why.
    pub reason: DisableReason,
    /// Since when the endpoint has been failing (or when it answered 410).
    pub since: time::OffsetDateTime,
}

/// Re-enables a disabled subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnableSubscription;

/// Asks for a `webhook.test` delivery to this subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestTest {
    /// The test's id (chosen by the caller).
    pub test_id: Uuid,
}

/// Every subscription command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionCommand {
    /// See [`CreateSubscription`].
    Create(CreateSubscription),
    /// See [`UpdateSubscription`].
    Update(UpdateSubscription),
    /// See [`PauseSubscription`].
    Pause,
    /// See [`ResumeSubscription`].
    Resume,
    /// See [`DeleteSubscription`].
    Delete,
    /// See [`RotateSecret`].
    RotateSecret(RotateSecret),
    /// See [`DisableSubscription`].
    Disable(DisableSubscription),
    /// See [`EnableSubscription`].
    Enable,
    /// See [`RequestTest`].
    RequestTest(RequestTest),
}

macro_rules! from_command {
    ($($ty:ident => $variant:ident),+ $(,)?) => {$(
        impl From<$ty> for SubscriptionCommand {
            fn from(c: $ty) -> Self {
                Self::$variant(c)
            }
        }
    )+};
}

from_command!(
    CreateSubscription => Create,
    UpdateSubscription => Update,
    RotateSecret => RotateSecret,
    DisableSubscription => Disable,
    RequestTest => RequestTest,
);

macro_rules! from_unit_command {
    ($($ty:ident => $variant:ident),+ $(,)?) => {$(
        impl From<$ty> for SubscriptionCommand {
            fn from(_: $ty) -> Self {
                Self::$variant
            }
        }
    )+};
}

from_unit_command!(
    PauseSubscription => Pause,
    ResumeSubscription => Resume,
    DeleteSubscription => Delete,
    EnableSubscription => Enable,
);
