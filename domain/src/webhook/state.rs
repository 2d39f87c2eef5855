//! The subscription's state and its decide/evolve.

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::commands::{
    CreateSubscription, DisableSubscription, RequestTest, RotateSecret, SubscriptionCommand,
    UpdateSubscription,
};
use super::error::SubscriptionError;
use super::events::{
    DisableReason, SecretRotated, SubscriptionCreated, SubscriptionDeleted, SubscriptionDisabled,
    SubscriptionEnabled, SubscriptionEvent, SubscriptionPaused, SubscriptionResumed,
    SubscriptionUpdated, TestRequested,
};
use super::{EVENT_TYPES, MAX_DESCRIPTION_LEN, MAX_GRACE_SECONDS, MAX_URL_LEN};
use crate::aggregate::{Aggregate, Context};
use crate::envelope::StreamId;
use crate::ids::SubscriptionId;

/// Where a subscription stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubscriptionStatus {
    /// Delivers.
    Active,
    /// Stopped by its owner; deliveries are recorded as skipped.
    Paused,
    /// Stopped by the delivery engine after failing; deliveries are recorded as skipped.
    Disabled,
    /// Gone.
    Deleted,
}

impl SubscriptionStatus {
    /// The stored name (`active`, `paused`, `disabled`, `deleted`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Paused => "paused",
            Self::Disabled => "disabled",
            Self::Deleted => "deleted",
        }
    }
}

/// A webhook subscription.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subscription {
    id: Option<SubscriptionId>,
    url: String,
    event_types: Vec<String>,
    description: Option<String>,
    key_id: Uuid,
    status: Option<SubscriptionStatus>,
    disabled: Option<(DisableReason, OffsetDateTime)>,
}

impl Subscription {
    /// The stream of a subscription: `webhook-subscription-{uuid}`.
    pub fn stream_id(id: SubscriptionId) -> StreamId {
        StreamId::new(format!("webhook-subscription-{}", id.as_uuid()))
    }

    /// The id, once created.
    pub fn id(&self) -> Option<SubscriptionId> {
        self.id
    }

    /// The status; `None` before creation.
    pub fn status(&self) -> Option<SubscriptionStatus> {
        self.status
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The event types it receives; empty means all.
    pub fn event_types(&self) -> &[String] {
        &self.event_types
    }

    /// The description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The current signing key's reference.
    pub fn key_id(&self) -> Uuid {
        self.key_id
    }

    /// Why and since when it is disabled, while it is.
    pub fn disabled(&self) -> Option<(DisableReason, OffsetDateTime)> {
        self.disabled
    }

    /// The live status: `NotFound` before creation and after deletion.
    fn live(&self) -> Result<SubscriptionStatus, SubscriptionError> {
        match self.status {
            None | Some(SubscriptionStatus::Deleted) => Err(SubscriptionError::NotFound),
            Some(status) => Ok(status),
        }
    }

    fn create(&self, cmd: CreateSubscription) -> Result<Vec<SubscriptionEvent>, SubscriptionError> {
        if self.status.is_some() {
            return Err(SubscriptionError::AlreadyCreated);
        }
        let url = check_url(&cmd.url)?;
        let event_types = check_event_types(cmd.event_types)?;
        let description = check_description(cmd.description)?.filter(|d| !d.is_empty());
        Ok(vec![SubscriptionEvent::Created(SubscriptionCreated {
            subscription_id: cmd.subscription_id,
            url,
            event_types,
            description,
            key_id: cmd.key_id,
        })])
    }

    fn update(&self, cmd: UpdateSubscription) -> Result<Vec<SubscriptionEvent>, SubscriptionError> {
        self.live()?;
        let url = cmd.url.as_deref().map(check_url).transpose()?;
        let event_types = cmd.event_types.map(check_event_types).transpose()?;
        let description = check_description(cmd.description)?;
        let changed = SubscriptionUpdated {
            url: url.filter(|u| *u != self.url),
            event_types: event_types.filter(|t| *t != self.event_types),
            description: description
                .filter(|d| Some(d.as_str()) != self.description.as_deref().or(Some(""))),
        };
        if changed == SubscriptionUpdated::default() {
            return Ok(vec![]);
        }
        Ok(vec![SubscriptionEvent::Updated(changed)])
    }

    fn transition(
        &self,
        cmd: &SubscriptionCommand,
    ) -> Result<Vec<SubscriptionEvent>, SubscriptionError> {
        use SubscriptionStatus::{Active, Disabled, Paused};
        let status = self.live()?;
        let event = match (cmd, status) {
            (SubscriptionCommand::Pause, Active) => {
                SubscriptionEvent::Paused(SubscriptionPaused {})
            }
            (SubscriptionCommand::Pause, Paused) => return Err(SubscriptionError::AlreadyPaused),
            (SubscriptionCommand::Resume, Paused) => {
                SubscriptionEvent::Resumed(SubscriptionResumed {})
            }
            (SubscriptionCommand::Resume, Active) => return Err(SubscriptionError::NotPaused),
            (SubscriptionCommand::Pause | SubscriptionCommand::Resume, Disabled) => {
                return Err(SubscriptionError::Disabled);
            }
            (SubscriptionCommand::Enable, Disabled) => {
                SubscriptionEvent::Enabled(SubscriptionEnabled {})
            }
            (SubscriptionCommand::Enable, _) => return Err(SubscriptionError::NotDisabled),
            (SubscriptionCommand::Delete, _) => SubscriptionEvent::Deleted(SubscriptionDeleted {}),
            _ => return Ok(vec![]),
        };
        Ok(vec![event])
    }

    fn rotate(
        &self,
        cmd: RotateSecret,
        ctx: &Context,
    ) -> Result<Vec<SubscriptionEvent>, SubscriptionError> {
        self.live()?;
        if cmd.grace_seconds > MAX_GRACE_SECONDS {
            return Err(SubscriptionError::InvalidGracePeriod);
        }
        if cmd.key_id == self.key_id {
            return Err(SubscriptionError::KeyInUse);
        }
        Ok(vec![SubscriptionEvent::SecretRotated(SecretRotated {
            key_id: cmd.key_id,
            previous_key_id: self.key_id,
            previous_valid_until: ctx.now + Duration::seconds(i64::from(cmd.grace_seconds)),
        })])
    }

    fn disable(
        &self,
        cmd: DisableSubscription,
    ) -> Result<Vec<SubscriptionEvent>, SubscriptionError> {
        if self.live()? == SubscriptionStatus::Disabled {
            return Ok(vec![]);
        }
        Ok(vec![SubscriptionEvent::Disabled(SubscriptionDisabled {
            reason: cmd.reason,
            since: cmd.since,
        })])
    }

    fn test(&self, cmd: RequestTest) -> Result<Vec<SubscriptionEvent>, SubscriptionError> {
        match self.live()? {
            SubscriptionStatus::Active => {}
            SubscriptionStatus::Disabled => return Err(SubscriptionError::Disabled),
            _ => return Err(SubscriptionError::NotActive),
        }
        let subscription_id = self.id.ok_or(SubscriptionError::NotFound)?;
        Ok(vec![SubscriptionEvent::TestRequested(TestRequested {
            subscription_id,
            test_id: cmd.test_id,
        })])
    }
}

fn check_url(url: &str) -> Result<String, SubscriptionError> {
    let url = url.trim();
    if url.is_empty() || url.len() > MAX_URL_LEN || url.chars().any(char::is_control) {
        return Err(SubscriptionError::InvalidUrl);
    }
    Ok(url.to_owned())
}

/// Every type must be public; duplicates are dropped, the first occurrence keeps its place.
fn check_event_types(types: Vec<String>) -> Result<Vec<String>, SubscriptionError> {
    let mut kept: Vec<String> = Vec::with_capacity(types.len());
    for (index, name) in types.into_iter().enumerate() {
        if !EVENT_TYPES.contains(&name.as_str()) {
            return Err(SubscriptionError::UnknownEventType { index, name });
        }
        if !kept.contains(&name) {
            kept.push(name);
        }
    }
    Ok(kept)
}

fn check_description(text: Option<String>) -> Result<Option<String>, SubscriptionError> {
    let Some(text) = text else { return Ok(None) };
    let text = text.trim();
    if text.chars().count() > MAX_DESCRIPTION_LEN || text.chars().any(char::is_control) {
        return Err(SubscriptionError::InvalidDescription);
    }
    Ok(Some(text.to_owned()))
}

impl Aggregate for Subscription {
    type Command = SubscriptionCommand;
    type Event = SubscriptionEvent;
    type Error = SubscriptionError;

    fn decide(
        &self,
        command: SubscriptionCommand,
        ctx: &Context,
    ) -> Result<Vec<SubscriptionEvent>, SubscriptionError> {
        match command {
            SubscriptionCommand::Create(cmd) => self.create(cmd),
            SubscriptionCommand::Update(cmd) => self.update(cmd),
            SubscriptionCommand::RotateSecret(cmd) => self.rotate(cmd, ctx),
            SubscriptionCommand::Disable(cmd) => self.disable(cmd),
            SubscriptionCommand::RequestTest(cmd) => self.test(cmd),
            other => self.transition(&other),
        }
    }

    fn evolve(mut self, event: &SubscriptionEvent) -> Self {
        match event {
            SubscriptionEvent::Created(e) => {
                self.id = Some(e.subscription_id);
                self.url.clone_from(&e.url);
                self.event_types.clone_from(&e.event_types);
                self.description.clone_from(&e.description);
                self.key_id = e.key_id;
                self.status = Some(SubscriptionStatus::Active);
            }
            SubscriptionEvent::Updated(e) => {
                if let Some(url) = &e.url {
                    self.url.clone_from(url);
                }
                if let Some(types) = &e.event_types {
                    self.event_types.clone_from(types);
                }
                if let Some(description) = &e.description {
                    self.description = Some(description.clone()).filter(|d| !d.is_empty());
                }
            }
            SubscriptionEvent::Paused(_) => self.status = Some(SubscriptionStatus::Paused),
            SubscriptionEvent::Resumed(_) | SubscriptionEvent::Enabled(_) => {
                self.status = Some(SubscriptionStatus::Active);
                self.disabled = None;
            }
            SubscriptionEvent::Deleted(_) => self.status = Some(SubscriptionStatus::Deleted),
            SubscriptionEvent::SecretRotated(e) => self.key_id = e.key_id,
            SubscriptionEvent::Disabled(e) => {
                self.status = Some(SubscriptionStatus::Disabled);
                self.disabled = Some((e.reason, e.since));
            }
            SubscriptionEvent::TestRequested(_) | SubscriptionEvent::DeliveryExhausted(_) => {}
        }
        self
    }
}
