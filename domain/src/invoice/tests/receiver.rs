use rust_decimal::Decimal;

use super::*;
use crate::aggregate::{Context, Policy};
use crate::testing::{NOW, factura_a, factura_b, item, money};
use crate::values::{
    CuitError, Currency, DocType, IvaCondition, IvaRate, IvaTreatment, VoucherType,
};

fn b_for(doc_type: DocType, doc_number: u64) -> RequestInvoice {
    let mut request = factura_b();
    request.receiver.doc_type = doc_type;
    request.receiver.doc_number = doc_number;
    request
}

fn b_with_price(doc_type: DocType, doc_number: u64, price: &str) -> RequestInvoice {
    let mut request = b_for(doc_type, doc_number);
    request.items = vec![item(
        1,
        price,
        Some(IvaTreatment::Taxed(IvaRate::TwentyOne)),
    )];
    request
}

#[test]
fn requires_a_cuit_for_class_a() {
    let mut request = factura_a();
    request.receiver.doc_type = DocType::Dni;
    request.receiver.doc_number = 12_345_678;
    let err = refused(request);
    assert_eq!(
        err,
        InvoiceError::ReceiverCuitRequired(VoucherType::FacturaA)
    );
    assert_code(
        &err,
        "receiver_cuit_required",
        Some("receiver.document_type"),
    );
}

#[test]
fn requires_a_cuit_for_fce_vouchers_of_any_letter() {
    let mut request = b_for(DocType::Dni, 12_345_678);
    request.voucher_type = VoucherType::FceFacturaB;
    request.receiver.iva_condition = IvaCondition::Exento;
    assert_eq!(
        refused(request),
        InvoiceError::ReceiverCuitRequired(VoucherType::FceFacturaB)
    );
}

#[test]
fn rejects_a_receiver_cuit_with_a_wrong_check_digit() {
    let mut request = factura_a();
    request.receiver.doc_number = 30_000_000_008;
    let err = refused(request);
    assert_eq!(
        err,
        InvoiceError::InvalidReceiverCuit {
            doc_type: DocType::Cuit,
            error: CuitError::CheckDigit
        }
    );
    assert_code(&err, "invalid_cuit", Some("receiver.document_number"));
}

#[test]
fn checks_the_digit_of_cuil_and_cdi_too() {
    let err = refused(b_for(DocType::Cuil, 20_123_456_789));
    assert_code(&err, "invalid_cuit", Some("receiver.document_number"));
    assert_code(
        &refused(b_for(DocType::Cdi, 20_123_456_783)),
        "invalid_cuit",
        Some("receiver.document_number"),
    );
    assert_eq!(
        accepted(b_for(DocType::Cuil, 20_123_456_786))
            .receiver
            .doc_number,
        20_123_456_786
    );
}

#[test]
fn requires_number_zero_for_an_unidentified_receiver() {
    let err = refused(b_for(DocType::Otro, 5));
    assert_eq!(err, InvoiceError::InvalidDocumentNumber(DocType::Otro));
    assert_code(
        &err,
        "invalid_document_number",
        Some("receiver.document_number"),
    );
}

#[test]
fn requires_a_number_for_identified_receivers() {
    assert_eq!(
        refused(b_for(DocType::Dni, 0)),
        InvoiceError::InvalidDocumentNumber(DocType::Dni)
    );
}

#[test]
fn rejects_the_issuer_as_its_own_receiver() {
    let mut request = factura_a();
    request.receiver.doc_number = 20_267_565_393;
    let err = refused(request);
    assert_eq!(err, InvoiceError::ReceiverIsIssuer);
    assert_code(&err, "receiver_is_issuer", Some("receiver.document_number"));
}

#[test]
fn requires_identification_for_class_b_at_the_threshold() {
    // 8 264 462.81 + 21 % = 10 000 000.00, the default threshold.
    let err = refused(b_with_price(DocType::Otro, 0, "8264462.81"));
    assert_eq!(
        err,
        InvoiceError::ReceiverIdentificationRequired {
            threshold: money("10000000.00"),
            amount: Decimal::new(1_000_000_000, 2),
        }
    );
    assert_code(
        &err,
        "receiver_identification_required",
        Some("receiver.document_type"),
    );
}

#[test]
fn accepts_an_unidentified_receiver_just_below_the_threshold() {
    let event = accepted(b_with_price(DocType::Otro, 0, "8264462.80"));
    assert_eq!(event.totals.total, money("9999999.99"));
}

#[test]
fn accepts_an_identified_receiver_above_the_threshold() {
    assert_eq!(
        accepted(b_with_price(DocType::Dni, 12_345_678, "9000000.00"))
            .totals
            .total,
        money("10890000.00")
    );
}

#[test]
fn compares_the_threshold_in_pesos_through_the_exchange_rate() {
    let mut request = b_with_price(DocType::Otro, 0, "10000.00");
    request.currency = Currency::DOL;
    request.exchange_rate = Decimal::from(1000);
    let err = refused(request);
    assert!(
        matches!(err, InvoiceError::ReceiverIdentificationRequired { amount, .. } if amount == Decimal::from(12_100_000))
    );
}

#[test]
fn takes_the_threshold_from_the_policy() {
    let ctx = Context {
        now: NOW,
        policy: Policy {
            final_consumer_id_threshold: money("1000.00"),
        },
    };
    let err = Scenario::<Invoice>::given([])
        .at(ctx.clone())
        .when(factura_b())
        .error();
    assert_code(
        &err,
        "receiver_identification_required",
        Some("receiver.document_type"),
    );
    Scenario::<Invoice>::given([])
        .at(ctx)
        .when(b_for(DocType::Dni, 12_345_678))
        .events();
}
