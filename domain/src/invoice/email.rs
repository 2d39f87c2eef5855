//! Deciding on a [`RecordEmailOutcome`]: an invoice is emailed at most once, and a failure is
//! recorded once per round of attempts.

use super::commands::RecordEmailOutcome;
use super::error::InvoiceError;
use super::events::InvoiceEvent;
use super::state::Invoice;

/// The outcome's event, unless the invoice was emailed already (a second send, a retried
/// record) or this failure is recorded already. A failure after a success changes nothing.
pub(super) fn record(
    invoice: &Invoice,
    outcome: RecordEmailOutcome,
) -> Result<Vec<InvoiceEvent>, InvoiceError> {
    match outcome {
        RecordEmailOutcome::Sent(sent) => {
            if sent.message_id.trim().is_empty() || sent.attempts == 0 {
                return Err(InvoiceError::InvalidEmailOutcome);
            }
            if invoice.emailed() {
                return Ok(vec![]);
            }
            Ok(vec![InvoiceEvent::Emailed(sent)])
        }
        RecordEmailOutcome::Failed(failed) => {
            if failed.last_error.trim().is_empty() || failed.attempts == 0 {
                return Err(InvoiceError::InvalidEmailOutcome);
            }
            if invoice.emailed() || invoice.email_failed_after() == Some(failed.attempts) {
                return Ok(vec![]);
            }
            Ok(vec![InvoiceEvent::EmailFailed(failed)])
        }
    }
}
