//! After the request: numbering, submission to ARCA and its outcome.
//!
//! ```text
//! requested ─assign_number→ numbered ─mark_submitted→ submitted ─record_cae→ authorized
//! requested ────────────mark_submitted (with its number)→ │  │ └─record_rejection→ rejected
//!                                                      │  └─record_unknown_outcome→ outcome_unknown
//!                                 outcome_unknown ─record_cae / record_rejection→ authorized / rejected
//!                                 outcome_unknown ─mark_submitted (reconciled: missing)→ submitted
//!        numbered / submitted / outcome_unknown ─release_number→ requested
//! ```
//!
//! The saga numbers an invoice as it submits it (one event, `submitted`, carrying the number its
//! series reserved); `assign_number` stays for streams that recorded the number on its own.
//!
//! `release_number` follows the series: it releases the numbers of a refused or not processed
//! request, and those of a halted series an operator resumed (where the invoice is still
//! `outcome_unknown`, ARCA holding other content at its number). `mark_submitted` from
//! `outcome_unknown` re-sends the same number once `FECompConsultar` found nothing there.

use super::commands::{
    AssignNumber, InvoiceCommand, MarkSubmitted, RecordCae, RecordDocument, RecordRejection,
    RecordWebhookOutcome, ReleaseNumber,
};
use super::error::InvoiceError;
use super::events::SubmissionOutcomeUnknown;
use super::events::{
    CaeGranted, InvoiceEvent, InvoiceNumberAssigned, InvoiceNumberReleased, InvoiceRejected,
    InvoiceSubmitted,
};
use super::state::{Invoice, InvoiceStatus};
use crate::aggregate::Context;

/// The largest voucher number (`CbteDesde` 1..=99999999).
pub const MAX_VOUCHER_NUMBER: u64 = 99_999_999;

/// Decides a lifecycle command (anything but the request).
pub(super) fn decide(
    invoice: &Invoice,
    command: InvoiceCommand,
    ctx: &Context,
) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    use InvoiceStatus::*;
    let name = command.name();
    let Some(status) = invoice.status() else {
        return Err(InvoiceError::NotRequested { command: name });
    };
    match (status, command) {
        (_, InvoiceCommand::Request(_)) => Err(InvoiceError::AlreadyRequested),
        (_, InvoiceCommand::RecordWebhookOutcome(outcome)) => Ok(webhook_outcome(invoice, outcome)),
        (Authorized, InvoiceCommand::RecordDocument(cmd)) => document(invoice, cmd),
        (Authorized, InvoiceCommand::RecordEmailOutcome(cmd)) => super::email::record(invoice, cmd),
        (Requested, InvoiceCommand::AssignNumber(cmd)) => assign(cmd),
        (Requested | Numbered | OutcomeUnknown, InvoiceCommand::MarkSubmitted(cmd)) => {
            submit(invoice, cmd, ctx)
        }
        (Submitted | OutcomeUnknown, InvoiceCommand::RecordCae(cmd)) => grant(invoice, cmd),
        (Authorized, InvoiceCommand::RecordCae(cmd)) => regrant(invoice, &cmd),
        (Submitted | OutcomeUnknown, InvoiceCommand::RecordRejection(cmd)) => reject(cmd),
        (Submitted, InvoiceCommand::RecordUnknownOutcome(cmd)) => {
            Ok(vec![InvoiceEvent::OutcomeUnknown(
                SubmissionOutcomeUnknown { reason: cmd.reason },
            )])
        }
        (Numbered | Submitted | OutcomeUnknown, InvoiceCommand::ReleaseNumber(cmd)) => {
            release(invoice, cmd)
        }
        (from, _) => Err(InvoiceError::InvalidTransition {
            from,
            command: name,
        }),
    }
}

/// The outcome's event, unless that round's outcome is already recorded (a retried record). A
/// redelivery by hand ends with more attempts made, so its outcome is a new record.
fn webhook_outcome(invoice: &Invoice, outcome: RecordWebhookOutcome) -> Vec<InvoiceEvent> {
    let (round, event) = match outcome {
        RecordWebhookOutcome::Delivered(e) => (
            (e.delivery_id, e.attempts),
            InvoiceEvent::WebhookDelivered(e),
        ),
        RecordWebhookOutcome::Failed(e) => (
            (e.delivery_id, e.attempts),
            InvoiceEvent::WebhookDeliveryFailed(e),
        ),
    };
    if invoice.webhook_outcome_recorded(round.0, round.1) {
        vec![]
    } else {
        vec![event]
    }
}

/// The document's event, unless that template version's document is already recorded.
fn document(invoice: &Invoice, cmd: RecordDocument) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    let RecordDocument(issued) = cmd;
    let hex = issued.sha256.len() == 64
        && issued
            .sha256
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !hex
        || issued.bytes == 0
        || issued.key.trim().is_empty()
        || issued.template_version.trim().is_empty()
    {
        return Err(InvoiceError::InvalidDocument);
    }
    match invoice.document(&issued.template_version) {
        Some(recorded) if recorded.sha256 == issued.sha256 => Ok(vec![]),
        Some(_) => Err(InvoiceError::DocumentMismatch {
            template_version: issued.template_version,
        }),
        None => Ok(vec![InvoiceEvent::DocumentIssued(issued)]),
    }
}

fn assign(cmd: AssignNumber) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    if !(1..=MAX_VOUCHER_NUMBER).contains(&cmd.number) {
        return Err(InvoiceError::InvalidVoucherNumber(cmd.number));
    }
    Ok(vec![InvoiceEvent::NumberAssigned(InvoiceNumberAssigned {
        number: cmd.number,
    })])
}

fn submit(
    invoice: &Invoice,
    cmd: MarkSubmitted,
    ctx: &Context,
) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    if cmd.request_hash.trim().is_empty() {
        return Err(InvoiceError::InvalidRequestHash);
    }
    if !(1..=MAX_VOUCHER_NUMBER).contains(&cmd.number) {
        return Err(InvoiceError::InvalidVoucherNumber(cmd.number));
    }
    if let Some(assigned) = invoice.number()
        && assigned != cmd.number
    {
        return Err(InvoiceError::NumberMismatch {
            assigned,
            got: cmd.number,
        });
    }
    Ok(vec![InvoiceEvent::Submitted(InvoiceSubmitted {
        number: cmd.number,
        request_hash: cmd.request_hash,
        submitted_at: ctx.now,
    })])
}

fn grant(invoice: &Invoice, cmd: RecordCae) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    let assigned = assigned_number(invoice, "record_cae")?;
    if cmd.number != assigned {
        return Err(InvoiceError::NumberMismatch {
            assigned,
            got: cmd.number,
        });
    }
    if cmd.cae.len() != 14 || !cmd.cae.bytes().all(|b| b.is_ascii_digit()) {
        return Err(InvoiceError::InvalidCae);
    }
    Ok(vec![InvoiceEvent::CaeGranted(CaeGranted {
        number: cmd.number,
        cae: cmd.cae,
        cae_due_date: cmd.cae_due_date,
        observations: cmd.observations,
    })])
}

/// The same CAE again changes nothing (a saga retrying); any other CAE is refused.
fn regrant(invoice: &Invoice, cmd: &RecordCae) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    let same = invoice.authorization().is_some_and(|a| a.cae == cmd.cae)
        && invoice.number() == Some(cmd.number);
    if same {
        Ok(vec![])
    } else {
        Err(InvoiceError::AlreadyAuthorized)
    }
}

fn reject(cmd: RecordRejection) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    if cmd.errors.is_empty() && cmd.observations.is_empty() {
        return Err(InvoiceError::RejectionReasonRequired);
    }
    Ok(vec![InvoiceEvent::Rejected(InvoiceRejected {
        errors: cmd.errors,
        observations: cmd.observations,
    })])
}

fn release(invoice: &Invoice, cmd: ReleaseNumber) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    if cmd.reason.trim().is_empty() {
        return Err(InvoiceError::ReleaseReasonRequired);
    }
    let number = assigned_number(invoice, "release_number")?;
    Ok(vec![InvoiceEvent::NumberReleased(InvoiceNumberReleased {
        number,
        reason: cmd.reason,
    })])
}

fn assigned_number(invoice: &Invoice, command: &'static str) -> Result<u64, InvoiceError> {
    invoice
        .number()
        .ok_or(InvoiceError::NotRequested { command })
}
