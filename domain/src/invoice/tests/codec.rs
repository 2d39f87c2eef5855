use serde_json::json;

use super::*;
use crate::aggregate::DomainEvent;
use crate::testing::{factura_a, invoice_events, requested};

#[test]
fn every_event_round_trips_through_its_stored_form() {
    let events = invoice_events();
    let mut types: Vec<_> = events.iter().map(DomainEvent::event_type).collect();
    types.sort_unstable();
    let mut expected = InvoiceEvent::TYPES.to_vec();
    expected.sort_unstable();
    assert_eq!(types, expected);
    for event in events {
        let version = event.schema_version();
        let expected = u16::from(event.event_type() == "invoice.requested") + 1;
        assert_eq!(version, expected, "{}", event.event_type());
        let back =
            InvoiceEvent::from_stored(event.event_type(), version, &event.to_data()).unwrap();
        assert_eq!(back, event);
    }
}

#[test]
fn a_version_1_request_reads_back_with_no_receiver_email_or_address() {
    let v1 = crate::testing::invoice_requested_v1();
    let Ok(InvoiceEvent::Requested(read)) = InvoiceEvent::from_stored("invoice.requested", 1, &v1)
    else {
        panic!("a version 1 invoice.requested does not read back");
    };
    assert_eq!(read.receiver.email, None);
    assert_eq!(read.receiver.address, None);
    assert_eq!(read.receiver.name.as_deref(), Some("Cliente SA"));
    let mut v2 = v1;
    v2["receiver"]["email"] = json!("compras@cliente.com.ar");
    let Ok(InvoiceEvent::Requested(read)) = InvoiceEvent::from_stored("invoice.requested", 2, &v2)
    else {
        panic!("a version 2 invoice.requested does not read back");
    };
    assert_eq!(
        read.receiver.email.map(|e| e.to_string()).as_deref(),
        Some("compras@cliente.com.ar")
    );
    assert!(InvoiceEvent::from_stored("invoice.requested", 3, &v2).is_err());
}

#[test]
fn stores_amounts_as_strings_codes_as_numbers_and_dates_as_iso() {
    let data = requested(factura_a()).remove(0).to_data();
    assert_eq!(data["voucher_type"], json!(1));
    assert_eq!(data["concept"], json!(1));
    assert_eq!(data["issue_date"], json!("2025-07-01"));
    assert_eq!(data["issuer_cuit"], json!("20267565393"));
    assert_eq!(
        data["receiver"],
        json!({"document_type": 80, "document_number": 30000000007u64, "name": "Cliente SA", "iva_condition": 1})
    );
    assert_eq!(data["currency"], json!("PES"));
    assert_eq!(data["exchange_rate"], json!("1"));
    assert_eq!(data["items"][0]["iva_rate"], json!("21"));
    assert_eq!(data["items"][0]["quantity"], json!("1"));
    assert_eq!(
        data["iva"],
        json!([{"rate": "21", "base": "1000.00", "amount": "210.00"}])
    );
    assert_eq!(data["totals"]["total"], json!("1210.00"));
    assert_eq!(data["requested_at"], json!("2025-07-01T15:00:00Z"));
}

#[test]
fn reads_a_request_with_numbers_for_amounts() {
    let mut body = serde_json::to_value(factura_a()).unwrap();
    body["items"][0]["unit_price"] = json!(1000);
    body["items"][0]["quantity"] = json!(1.5);
    body["exchange_rate"] = json!(1);
    let request: RequestInvoice = serde_json::from_value(body).unwrap();
    assert_eq!(request.items[0].unit_price.to_string(), "1000.00");
    assert_eq!(request.items[0].quantity.to_string(), "1.5");
}

#[test]
fn every_status_is_listed_once_and_reads_back_from_its_stored_name() {
    let names: Vec<&str> = InvoiceStatus::ALL.iter().map(|s| s.as_str()).collect();
    let mut distinct = names.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), names.len());
    for status in InvoiceStatus::ALL {
        assert_eq!(InvoiceStatus::parse(status.as_str()), Some(status));
        assert_eq!(
            serde_json::to_value(status).unwrap(),
            json!(status.as_str())
        );
        assert!(status.summary().ends_with('.'));
    }
    assert_eq!(InvoiceStatus::parse("paid"), None);
}
