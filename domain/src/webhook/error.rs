//! Why a subscription command was refused.

use std::borrow::Cow;

use crate::aggregate::{ErrorCode, RejectionKind};

/// A refused subscription command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubscriptionError {
    /// A subscription with this id exists already.
    #[error("the subscription already exists")]
    AlreadyCreated,
    /// No such subscription (or it was deleted).
    #[error("no such subscription")]
    NotFound,
    /// An event type that is not a public webhook type.
    #[error("`{name}` is not a webhook event type")]
    UnknownEventType {
        /// Its index in the request's list.
        index: usize,
        /// The type given.
        name: String,
    },
    /// An empty or overlong URL.
    #[error("the url must have 1 to 2048 characters")]
    InvalidUrl,
    /// An overlong description, or one with control characters.
    #[error("the description must have at most 500 characters and no control characters")]
    InvalidDescription,
    /// A grace period longer than 7 days.
    #[error("the grace period must be 0 to 604800 seconds")]
    InvalidGracePeriod,
    /// The new key is the current one.
    #[error("the signing key is already the subscription's")]
    KeyInUse,
    /// Pausing a paused subscription.
    #[error("the subscription is paused already")]
    AlreadyPaused,
    /// Resuming a subscription that is not paused.
    #[error("the subscription is not paused")]
    NotPaused,
    /// Pausing, resuming or testing a disabled subscription: enable it first.
    #[error("the subscription is disabled; enable it first")]
    Disabled,
    /// Enabling a subscription that is not disabled.
    #[error("the subscription is not disabled")]
    NotDisabled,
    /// A test of a subscription that does not deliver (paused).
    #[error("the subscription is not active")]
    NotActive,
}

impl SubscriptionError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlreadyCreated => "subscription_exists",
            Self::NotFound => "subscription_not_found",
            Self::UnknownEventType { .. } => "unknown_event_type",
            Self::InvalidUrl => "invalid_url",
            Self::InvalidDescription => "invalid_description",
            Self::InvalidGracePeriod => "invalid_grace_period",
            Self::KeyInUse => "signing_key_in_use",
            Self::AlreadyPaused => "subscription_already_paused",
            Self::NotPaused => "subscription_not_paused",
            Self::Disabled => "subscription_disabled",
            Self::NotDisabled => "subscription_not_disabled",
            Self::NotActive => "subscription_not_active",
        }
    }

    /// The request field at fault, if any.
    pub fn field(&self) -> Option<Cow<'static, str>> {
        let field = match self {
            Self::UnknownEventType { index, .. } => {
                return Some(Cow::Owned(format!("event_types[{index}]")));
            }
            Self::InvalidUrl => "url",
            Self::InvalidDescription => "description",
            Self::InvalidGracePeriod => "grace_period_seconds",
            _ => return None,
        };
        Some(Cow::Borrowed(field))
    }
}

impl ErrorCode for SubscriptionError {
    fn kind(&self) -> RejectionKind {
        match self {
            Self::AlreadyCreated
            | Self::KeyInUse
            | Self::AlreadyPaused
            | Self::NotPaused
            | Self::Disabled
            | Self::NotDisabled
            | Self::NotActive => RejectionKind::Conflict,
            Self::NotFound => RejectionKind::NotFound,
            _ => RejectionKind::Invalid,
        }
    }

    fn code(&self) -> &'static str {
        SubscriptionError::code(self)
    }

    fn field(&self) -> Option<Cow<'static, str>> {
        SubscriptionError::field(self)
    }
}
