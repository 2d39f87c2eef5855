use super::lifecycle::{authorized, submitted};
use super::*;
use crate::testing::factura_b;
use crate::values::EmailAddress;

fn to() -> EmailAddress {
    EmailAddress::parse("cliente@example.com").unwrap()
}

fn sent(attempts: u32) -> InvoiceEmailed {
    InvoiceEmailed {
        to: to(),
        message_id: "<invoice-1@arca.invalid>".to_owned(),
        template_version: Some("1".to_owned()),
        attempts,
    }
}

fn failed(attempts: u32) -> InvoiceEmailFailed {
    InvoiceEmailFailed {
        to: to(),
        attempts,
        last_error: "connection refused".to_owned(),
    }
}

#[test]
fn an_authorized_invoice_is_emailed_at_most_once() {
    Scenario::<Invoice>::given(authorized())
        .when(RecordEmailOutcome::Sent(sent(1)))
        .then(vec![InvoiceEvent::Emailed(sent(1))]);
    let mut history = authorized();
    history.push(InvoiceEvent::Emailed(sent(1)));
    Scenario::<Invoice>::given(history.clone())
        .when(RecordEmailOutcome::Sent(sent(2)))
        .then(vec![]);
    Scenario::<Invoice>::given(history)
        .when(RecordEmailOutcome::Failed(failed(3)))
        .then(vec![]);
}

#[test]
fn a_failure_is_recorded_once_per_round_and_a_later_success_still_counts() {
    Scenario::<Invoice>::given(authorized())
        .when(RecordEmailOutcome::Failed(failed(5)))
        .then(vec![InvoiceEvent::EmailFailed(failed(5))]);
    let mut history = authorized();
    history.push(InvoiceEvent::EmailFailed(failed(5)));
    Scenario::<Invoice>::given(history.clone())
        .when(RecordEmailOutcome::Failed(failed(5)))
        .then(vec![]);
    Scenario::<Invoice>::given(history)
        .when(RecordEmailOutcome::Sent(sent(6)))
        .then(vec![InvoiceEvent::Emailed(sent(6))]);
}

#[test]
fn only_an_authorized_invoice_is_emailed() {
    Scenario::<Invoice>::given(submitted())
        .when(RecordEmailOutcome::Sent(sent(1)))
        .then_err(InvoiceError::InvalidTransition {
            from: InvoiceStatus::Submitted,
            command: "record_email_outcome",
        });
}

#[test]
fn an_email_outcome_needs_its_message_id_reason_and_attempts() {
    for bad in [
        RecordEmailOutcome::Sent(InvoiceEmailed {
            message_id: " ".to_owned(),
            ..sent(1)
        }),
        RecordEmailOutcome::Sent(sent(0)),
        RecordEmailOutcome::Failed(InvoiceEmailFailed {
            last_error: String::new(),
            ..failed(1)
        }),
        RecordEmailOutcome::Failed(failed(0)),
    ] {
        Scenario::<Invoice>::given(authorized())
            .when(bad)
            .then_err(InvoiceError::InvalidEmailOutcome);
    }
}

#[test]
fn a_request_carries_the_receivers_email_and_address_into_its_event() {
    let mut request = factura_b();
    request.receiver.email = Some(to());
    request.receiver.address = Some("Calle 1 234, La Plata".to_owned());
    let event = accepted(request);
    assert_eq!(event.receiver.email, Some(to()));
    assert_eq!(
        event.receiver.address.as_deref(),
        Some("Calle 1 234, La Plata")
    );
}

#[test]
fn refuses_a_receiver_address_longer_than_the_printed_voucher_holds() {
    let mut request = factura_b();
    request.receiver.address = Some("x".repeat(MAX_ADDRESS_LEN));
    accepted(request.clone());
    request.receiver.address = Some("x".repeat(MAX_ADDRESS_LEN + 1));
    let error = refused(request);
    assert_eq!(error, InvoiceError::ReceiverAddressTooLong(MAX_ADDRESS_LEN));
    assert_eq!(error.code(), "invalid_address");
    assert_eq!(error.field().as_deref(), Some("receiver.address"));
}
