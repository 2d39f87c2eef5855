use rust_decimal::Decimal;
use time::macros::datetime;

use super::*;
use crate::testing::{
    NOW, TODAY, cuit, factura_a, factura_b, factura_c, money, mono_issuer, requested,
};
use crate::values::{
    Concept, Currency, DocType, ExchangeRate, IssuerIvaCondition, IvaCondition, IvaRate,
    IvaTreatment, VoucherClass, VoucherType,
};

#[test]
fn accepts_factura_a_from_a_responsable_inscripto_to_a_registered_receiver() {
    let request = factura_a();
    let expected = InvoiceRequested {
        invoice_id: request.invoice_id,
        issuer_cuit: cuit("20267565393"),
        issuer_iva_condition: IssuerIvaCondition::ResponsableInscripto,
        point_of_sale: 1,
        voucher_type: VoucherType::FacturaA,
        concept: Concept::Products,
        issue_date: TODAY,
        receiver: request.receiver.clone(),
        service_period: None,
        currency: Currency::PES,
        exchange_rate: ExchangeRate::ONE,
        items: vec![InvoiceLine {
            description: "Producto".to_owned(),
            quantity: Decimal::ONE,
            unit_price: money("1000.00"),
            discount: None,
            iva: Some(IvaTreatment::Taxed(IvaRate::TwentyOne)),
            net: money("1000.00"),
        }],
        iva: vec![IvaLine {
            rate: IvaRate::TwentyOne,
            base: money("1000.00"),
            amount: money("210.00"),
        }],
        tributes: vec![],
        associated: vec![],
        associated_period: None,
        totals: Totals {
            not_taxed: money("0"),
            net: money("1000.00"),
            exempt: money("0"),
            tributes: money("0"),
            iva: money("210.00"),
            total: money("1210.00"),
        },
        requested_at: NOW,
    };
    let state = Scenario::<Invoice>::given([])
        .when(request)
        .then([InvoiceEvent::Requested(Box::new(expected))]);
    assert_eq!(state.status(), Some(InvoiceStatus::Requested));
    assert_eq!(
        state.request().map(|r| r.totals.total),
        Some(money("1210.00"))
    );
}

#[test]
fn accepts_factura_b_to_a_final_consumer_and_factura_c_from_a_monotributista() {
    assert_eq!(accepted(factura_b()).totals.total, money("1210.00"));
    let c = accepted(factura_c());
    assert_eq!(
        (c.totals.net, c.totals.iva, c.totals.total),
        (money("1000"), money("0"), money("1000"))
    );
    assert!(c.iva.is_empty());
}

#[test]
fn refuses_to_request_an_invoice_twice() {
    Scenario::<Invoice>::given(requested(factura_a()))
        .when(factura_a())
        .then_err(InvoiceError::AlreadyRequested);
}

#[test]
fn rejects_a_point_of_sale_the_issuer_does_not_have() {
    let err = refused(RequestInvoice {
        point_of_sale: 3,
        ..factura_a()
    });
    assert_eq!(err, InvoiceError::UnknownPointOfSale(3));
    assert_code(&err, "unknown_point_of_sale", Some("point_of_sale"));
}

#[test]
fn rejects_factura_a_from_a_monotributista() {
    let err = refused(RequestInvoice {
        issuer: mono_issuer(),
        ..factura_a()
    });
    assert_eq!(
        err,
        InvoiceError::LetterNotAllowedForIssuer {
            class: VoucherClass::A,
            issuer: IssuerIvaCondition::Monotributo
        }
    );
    assert_code(&err, "letter_not_allowed_for_issuer", Some("voucher_type"));
}

#[test]
fn rejects_factura_c_from_a_responsable_inscripto() {
    let err = refused(RequestInvoice {
        issuer: crate::testing::ri_issuer(),
        ..factura_c()
    });
    assert_code(&err, "letter_not_allowed_for_issuer", Some("voucher_type"));
}

#[test]
fn rejects_class_m_because_no_issuer_is_flagged_for_it() {
    let err = refused(RequestInvoice {
        voucher_type: VoucherType::FacturaM,
        ..factura_a()
    });
    assert_eq!(
        err,
        InvoiceError::LetterNotAllowedForIssuer {
            class: VoucherClass::M,
            issuer: IssuerIvaCondition::ResponsableInscripto
        }
    );
}

#[test]
fn rejects_factura_a_to_a_final_consumer() {
    let mut request = factura_a();
    request.receiver.iva_condition = IvaCondition::ConsumidorFinal;
    let err = refused(request);
    assert_eq!(
        err,
        InvoiceError::LetterNotAllowedForReceiver {
            class: VoucherClass::A,
            receiver: IvaCondition::ConsumidorFinal
        }
    );
    assert_code(
        &err,
        "letter_not_allowed_for_receiver",
        Some("receiver.iva_condition"),
    );
}

#[test]
fn rejects_factura_b_to_a_responsable_inscripto() {
    let mut request = factura_b();
    request.receiver = factura_a().receiver;
    let err = refused(request);
    assert_code(
        &err,
        "letter_not_allowed_for_receiver",
        Some("receiver.iva_condition"),
    );
}

#[test]
fn a_monotributista_issues_c_to_a_responsable_inscripto() {
    let request = RequestInvoice {
        receiver: factura_a().receiver,
        ..factura_c()
    };
    assert_eq!(accepted(request).receiver.doc_type, DocType::Cuit);
}

#[test]
fn records_when_it_was_requested() {
    let ctx = crate::aggregate::Context::new(datetime!(2025-07-01 20:00 UTC));
    let events = Scenario::<Invoice>::given([])
        .at(ctx)
        .when(factura_a())
        .events();
    assert!(
        matches!(&events[0], InvoiceEvent::Requested(e) if e.requested_at == datetime!(2025-07-01 20:00 UTC))
    );
}
