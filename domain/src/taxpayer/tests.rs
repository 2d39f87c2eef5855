use time::macros::date;
use uuid::Uuid;

use super::*;
use crate::aggregate::{Aggregate, DomainEvent};
use crate::ids::TenantId;
use crate::testing::{NOW, Scenario, cuit, ri_taxpayer_events, taxpayer_events};
use crate::values::{IssuerIvaCondition, IvaCondition, VoucherClass};

fn register() -> RegisterTaxpayer {
    RegisterTaxpayer {
        cuit: cuit("20267565393"),
        legal_name: " Empresa de Prueba SA ".to_owned(),
        address: Some(" Av. Corrientes 1234, CABA ".to_owned()),
        iva_condition: IssuerIvaCondition::ResponsableInscripto,
        gross_income_number: Some("901-123456-7".to_owned()),
        activity_start_date: Some(date!(2010 - 01 - 01)),
    }
}

fn registered() -> TaxpayerEvent {
    ri_taxpayer_events().remove(0)
}

fn monotributista() -> TaxpayerEvent {
    TaxpayerEvent::Registered(TaxpayerRegistered {
        cuit: cuit("20111111112"),
        legal_name: "Monotributista".to_owned(),
        address: None,
        iva_condition: IssuerIvaCondition::Monotributo,
        gross_income_number: None,
        activity_start_date: None,
        registered_at: NOW,
    })
}

fn add(number: u32) -> AddPointOfSale {
    AddPointOfSale {
        number,
        name: Some("Web".to_owned()),
    }
}

#[test]
fn registers_a_taxpayer() {
    let state = Scenario::<Taxpayer>::given([])
        .when(register())
        .then([TaxpayerEvent::Registered(TaxpayerRegistered {
            cuit: cuit("20267565393"),
            legal_name: "Empresa de Prueba SA".to_owned(),
            address: Some("Av. Corrientes 1234, CABA".to_owned()),
            iva_condition: IssuerIvaCondition::ResponsableInscripto,
            gross_income_number: Some("901-123456-7".to_owned()),
            activity_start_date: Some(date!(2010 - 01 - 01)),
            registered_at: NOW,
        })]);
    assert_eq!(state.cuit(), Some(cuit("20267565393")));
    assert_eq!(
        state.profile().map(|p| p.legal_name.as_str()),
        Some("Empresa de Prueba SA")
    );
}

#[test]
fn refuses_to_register_twice() {
    Scenario::<Taxpayer>::given([registered()])
        .when(register())
        .then_err(TaxpayerError::AlreadyRegistered);
}

#[test]
fn refuses_an_empty_legal_name() {
    Scenario::<Taxpayer>::given([])
        .when(RegisterTaxpayer {
            legal_name: "".to_owned(),
            ..register()
        })
        .then_err(TaxpayerError::InvalidLegalName);
}

#[test]
fn refuses_an_overlong_gross_income_number() {
    Scenario::<Taxpayer>::given([])
        .when(RegisterTaxpayer {
            gross_income_number: Some("9".repeat(51)),
            ..register()
        })
        .then_err(TaxpayerError::InvalidGrossIncomeNumber);
}

#[test]
fn adds_a_point_of_sale() {
    let state = Scenario::<Taxpayer>::given([registered()])
        .when(add(4000))
        .then([TaxpayerEvent::PointOfSaleAdded(PointOfSaleAdded {
            cuit: cuit("20267565393"),
            number: 4000,
            name: Some("Web".to_owned()),
        })]);
    assert!(state.has_point_of_sale(4000));
    assert_eq!(state.points_of_sale().count(), 1);
}

#[test]
fn refuses_a_point_of_sale_before_registration() {
    Scenario::<Taxpayer>::given([])
        .when(add(1))
        .then_err(TaxpayerError::NotRegistered);
}

#[test]
fn refuses_a_point_of_sale_twice() {
    Scenario::<Taxpayer>::given(ri_taxpayer_events())
        .when(add(1))
        .then_err(TaxpayerError::PointOfSaleExists(1));
}

#[test]
fn refuses_points_of_sale_outside_1_to_99998() {
    for number in [0, 99_999] {
        let err = Scenario::<Taxpayer>::given([registered()])
            .when(add(number))
            .error();
        assert_eq!(err, TaxpayerError::InvalidPointOfSale(number));
        assert_eq!(
            (err.code(), err.field().as_deref()),
            ("invalid_point_of_sale", Some("number"))
        );
    }
    Scenario::<Taxpayer>::given([registered()])
        .when(add(99_998))
        .events();
}

#[test]
fn a_responsable_inscripto_issues_a_or_b_by_receiver() {
    let state = Taxpayer::replay(&ri_taxpayer_events());
    assert_eq!(state.allowed_classes(), &[VoucherClass::A, VoucherClass::B]);
    assert_eq!(
        state.letter_for(IvaCondition::Monotributo),
        Some(VoucherClass::A)
    );
    assert_eq!(
        state.letter_for(IvaCondition::ConsumidorFinal),
        Some(VoucherClass::B)
    );
    assert_eq!(
        state.letter_for(IvaCondition::Exento),
        Some(VoucherClass::B)
    );
}

#[test]
fn a_monotributista_issues_c_to_everyone() {
    let state = Taxpayer::replay(&[monotributista()]);
    assert_eq!(state.allowed_classes(), &[VoucherClass::C]);
    assert_eq!(
        state.letter_for(IvaCondition::ResponsableInscripto),
        Some(VoucherClass::C)
    );
}

#[test]
fn an_unregistered_taxpayer_issues_nothing() {
    let state = Taxpayer::default();
    assert!(state.allowed_classes().is_empty());
    assert_eq!(state.letter_for(IvaCondition::ConsumidorFinal), None);
    assert_eq!(state.snapshot(), None);
}

#[test]
fn its_snapshot_carries_cuit_condition_and_points_of_sale() {
    let snapshot = Taxpayer::replay(&ri_taxpayer_events()).snapshot().unwrap();
    assert_eq!(snapshot.cuit, cuit("20267565393"));
    assert_eq!(
        snapshot.iva_condition,
        IssuerIvaCondition::ResponsableInscripto
    );
    assert!(snapshot.has_point_of_sale(1) && !snapshot.has_point_of_sale(2));
}

#[test]
fn names_its_stream_after_tenant_and_cuit() {
    let tenant = TenantId(Uuid::from_u128(0xAB));
    let id = Taxpayer::stream_id(tenant, &cuit("20-26756539-3"));
    assert_eq!(
        id.as_str(),
        "taxpayer-000000000000000000000000000000ab-20267565393"
    );
    assert_eq!(id.category(), "taxpayer");
}

#[test]
fn every_event_round_trips_through_its_stored_form() {
    let events = taxpayer_events();
    assert_eq!(events.len(), TaxpayerEvent::TYPES.len());
    for event in events {
        let back = TaxpayerEvent::from_stored(
            event.event_type(),
            event.schema_version(),
            &event.to_data(),
        )
        .unwrap();
        assert_eq!(back, event);
    }
}

#[test]
fn a_registration_stored_at_version_one_reads_back_without_an_address() {
    let TaxpayerEvent::Registered(mut current) = registered() else {
        panic!("not a registration");
    };
    let mut v1 = serde_json::to_value(&current).expect("serializes");
    if let Some(fields) = v1.as_object_mut() {
        fields.remove("address");
    }
    let read = TaxpayerEvent::from_stored("taxpayer.registered", 1, &v1).expect("v1 reads");
    current.address = None;
    assert_eq!(read, TaxpayerEvent::Registered(current));
    assert_eq!(registered().schema_version(), 2);
}

#[test]
fn refuses_an_overlong_address() {
    Scenario::<Taxpayer>::given([])
        .when(RegisterTaxpayer {
            address: Some("x".repeat(201)),
            ..register()
        })
        .then_err(TaxpayerError::InvalidAddress);
}
