//! The invoice's state, its status and how events change it.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::Date;

use super::commands::InvoiceCommand;
use super::error::InvoiceError;
use super::events::{ArcaMessage, DocumentIssued, InvoiceEvent, InvoiceRejected, InvoiceRequested};
use super::{decide, lifecycle};
use crate::aggregate::{Aggregate, Context};
use crate::envelope::StreamId;
use crate::ids::InvoiceId;

/// Where an invoice is in its life. Serialized in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Validated, waiting for a number.
    Requested,
    /// Numbered in its series, waiting to be sent.
    Numbered,
    /// Sent to ARCA, waiting for the answer.
    Submitted,
    /// ARCA granted a CAE (final).
    Authorized,
    /// ARCA refused it (final).
    Rejected,
    /// ARCA's answer was lost; to be reconciled.
    OutcomeUnknown,
}

impl InvoiceStatus {
    /// Every status, in the order an invoice can go through them.
    pub const ALL: [Self; 6] = [
        Self::Requested,
        Self::Numbered,
        Self::Submitted,
        Self::Authorized,
        Self::Rejected,
        Self::OutcomeUnknown,
    ];

    /// What the status means, in one line, as the APIs document it.
    pub const fn summary(self) -> &'static str {
        match self {
            Self::Requested => "Validated, waiting for a number.",
            Self::Numbered => "Numbered, waiting to be sent.",
            Self::Submitted => "Sent to ARCA, waiting for the answer.",
            Self::Authorized => "ARCA granted a CAE.",
            Self::Rejected => "ARCA refused it.",
            Self::OutcomeUnknown => "ARCA's answer was lost; being reconciled.",
        }
    }

    /// The status called `name` (snake_case, as [`InvoiceStatus::as_str`] writes it).
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// The snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Numbered => "numbered",
            Self::Submitted => "submitted",
            Self::Authorized => "authorized",
            Self::Rejected => "rejected",
            Self::OutcomeUnknown => "outcome_unknown",
        }
    }
}

impl fmt::Display for InvoiceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The CAE an invoice got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// 14 digits.
    pub cae: String,
    /// `CAEFchVto`.
    pub cae_due_date: Date,
    /// ARCA's observations.
    pub observations: Vec<ArcaMessage>,
}

/// An invoice: what was requested and how far it got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invoice {
    request: Option<Box<InvoiceRequested>>,
    status: Option<InvoiceStatus>,
    number: Option<u64>,
    request_hash: Option<String>,
    authorization: Option<Authorization>,
    rejection: Option<InvoiceRejected>,
    /// Webhook delivery rounds whose final outcome is recorded: (delivery, attempts made by the
    /// end of the round). A manual redelivery starts a new round, whose outcome is recorded too.
    webhook_outcomes: Vec<(uuid::Uuid, u32)>,
    /// The printable documents recorded, oldest first (one per template version).
    documents: Vec<DocumentIssued>,
    /// Whether the voucher was emailed to its receiver.
    emailed: bool,
    /// Attempts made by the last recorded email failure.
    email_failed_after: Option<u32>,
}

impl Invoice {
    /// The stream of an invoice: `invoice-{uuid}`.
    pub fn stream_id(id: InvoiceId) -> StreamId {
        StreamId::new(format!("invoice-{}", id.as_uuid()))
    }

    /// Whether the final outcome of webhook delivery `delivery_id` after `attempts` attempts is
    /// recorded.
    pub fn webhook_outcome_recorded(&self, delivery_id: uuid::Uuid, attempts: u32) -> bool {
        self.webhook_outcomes.contains(&(delivery_id, attempts))
    }

    /// The document recorded for `template_version`, if any.
    pub fn document(&self, template_version: &str) -> Option<&DocumentIssued> {
        self.documents
            .iter()
            .find(|d| d.template_version == template_version)
    }

    /// Whether the voucher was emailed to its receiver.
    pub fn emailed(&self) -> bool {
        self.emailed
    }

    /// Attempts made by the last recorded email failure, if one is recorded.
    pub fn email_failed_after(&self) -> Option<u32> {
        self.email_failed_after
    }

    /// The status, once requested.
    pub fn status(&self) -> Option<InvoiceStatus> {
        self.status
    }

    /// The invoice's id, once requested.
    pub fn id(&self) -> Option<InvoiceId> {
        self.request.as_ref().map(|r| r.invoice_id)
    }

    /// What was requested.
    pub fn request(&self) -> Option<&InvoiceRequested> {
        self.request.as_deref()
    }

    /// The voucher number, once assigned.
    pub fn number(&self) -> Option<u64> {
        self.number
    }

    /// Hash of the last request sent to ARCA.
    pub fn request_hash(&self) -> Option<&str> {
        self.request_hash.as_deref()
    }

    /// The CAE, once authorized.
    pub fn authorization(&self) -> Option<&Authorization> {
        self.authorization.as_ref()
    }

    /// ARCA's reasons, once rejected.
    pub fn rejection(&self) -> Option<&InvoiceRejected> {
        self.rejection.as_ref()
    }
}

impl Aggregate for Invoice {
    type Command = InvoiceCommand;
    type Event = InvoiceEvent;
    type Error = InvoiceError;

    fn decide(
        &self,
        command: InvoiceCommand,
        ctx: &Context,
    ) -> Result<Vec<InvoiceEvent>, InvoiceError> {
        match command {
            InvoiceCommand::Request(cmd) if self.status.is_none() => decide::request(*cmd, ctx),
            InvoiceCommand::Request(_) => Err(InvoiceError::AlreadyRequested),
            other => lifecycle::decide(self, other, ctx),
        }
    }

    fn evolve(mut self, event: &InvoiceEvent) -> Self {
        match event {
            InvoiceEvent::Requested(e) => {
                self.request = Some(e.clone());
                self.status = Some(InvoiceStatus::Requested);
            }
            InvoiceEvent::NumberAssigned(e) => {
                self.number = Some(e.number);
                self.status = Some(InvoiceStatus::Numbered);
            }
            InvoiceEvent::Submitted(e) => {
                self.number = Some(e.number);
                self.request_hash = Some(e.request_hash.clone());
                self.status = Some(InvoiceStatus::Submitted);
            }
            InvoiceEvent::CaeGranted(e) => {
                self.number = Some(e.number);
                self.authorization = Some(Authorization {
                    cae: e.cae.clone(),
                    cae_due_date: e.cae_due_date,
                    observations: e.observations.clone(),
                });
                self.status = Some(InvoiceStatus::Authorized);
            }
            InvoiceEvent::Rejected(e) => {
                self.rejection = Some(e.clone());
                self.status = Some(InvoiceStatus::Rejected);
            }
            InvoiceEvent::OutcomeUnknown(_) => self.status = Some(InvoiceStatus::OutcomeUnknown),
            InvoiceEvent::NumberReleased(_) => {
                self.number = None;
                self.request_hash = None;
                self.status = Some(InvoiceStatus::Requested);
            }
            InvoiceEvent::WebhookDelivered(e) => {
                self.webhook_outcomes.push((e.delivery_id, e.attempts));
            }
            InvoiceEvent::WebhookDeliveryFailed(e) => {
                self.webhook_outcomes.push((e.delivery_id, e.attempts));
            }
            InvoiceEvent::DocumentIssued(e) => self.documents.push(e.clone()),
            InvoiceEvent::Emailed(_) => self.emailed = true,
            InvoiceEvent::EmailFailed(e) => self.email_failed_after = Some(e.attempts),
        }
        self
    }
}
