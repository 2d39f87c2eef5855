use rust_decimal::Decimal;

use super::*;
use crate::invoice::InvoiceEvent;
use crate::testing::{factura_a, money, requested, rich_request};

fn content_of(request: crate::invoice::RequestInvoice) -> FiscalContent {
    match requested(request).remove(0) {
        InvoiceEvent::Requested(event) => FiscalContent::of_request(&event),
        other => panic!("expected invoice.requested, got {other:?}"),
    }
}

#[test]
fn writes_the_canonical_text_in_the_documented_order_with_normalised_numbers() {
    let text = content_of(factura_a()).canonical_text();
    assert_eq!(
        text,
        "arca-fiscal-content-v1\nissuer_cuit=20267565393\npoint_of_sale=1\nvoucher_type=1\n\
         concept=1\nreceiver_doc_type=80\nreceiver_doc_number=30000000007\nissue_date=20250701\n\
         not_taxed=0\nnet=1000\nexempt=0\ntributes=0\niva=210\ntotal=1210\ncurrency=PES\n\
         exchange_rate=1\niva_line=5|1000|210\nservice_period=\n"
    );
}

#[test]
fn the_hashes_are_stable_sha256_of_the_documented_texts() {
    let content = content_of(factura_a());
    assert_eq!(
        content.digest().to_string(),
        "3457b9f35db51ce9a2a357eec0f6ee9c4ba058888bab09f8e9069c60f258c11f"
    );
    assert_eq!(
        content.fingerprint(7).to_string(),
        "83a085d522da159876198a09c4dab67c5bd3f98a740f6b6aec1531cea7b5b118"
    );
}

#[test]
fn covers_tributes_service_dates_and_associated_vouchers() {
    let text = content_of(rich_request()).canonical_text();
    for line in [
        "voucher_type=3\n",
        "concept=2\n",
        "currency=DOL\n",
        "exchange_rate=1050.5\n",
        "tribute=99|Impuesto municipal|1000|1|10\n",
        "service_period=20250601|20250630|20250701\n",
        "associated=1|1|123|20267565393|20250628\n",
        "iva_line=4|90|9.45\n",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn fingerprints_122_00_and_122_alike() {
    let content = content_of(factura_a());
    let mut echoed = content.clone();
    echoed.totals.total = money("1210");
    echoed.exchange_rate = Decimal::new(1000, 3);
    echoed.iva[0].base = crate::values::Money::parse("1000.0").unwrap();
    assert_eq!(echoed.digest(), content.digest());
    assert_eq!(echoed.fingerprint(7), content.fingerprint(7));
}

#[test]
fn the_order_arca_echoes_lists_in_does_not_matter() {
    let content = content_of(rich_request());
    let mut echoed = content.clone();
    echoed.iva.reverse();
    assert_ne!(echoed.iva, content.iva);
    assert_eq!(echoed.digest(), content.digest());
}

#[test]
fn any_change_of_fiscal_content_changes_the_fingerprint() {
    let content = content_of(rich_request());
    let mut changes: Vec<FiscalContent> = Vec::new();
    let mut push = |change: fn(&mut FiscalContent)| {
        let mut c = content.clone();
        change(&mut c);
        changes.push(c);
    };
    push(|c| c.point_of_sale = 2);
    push(|c| c.receiver_doc_number = 20111111112);
    push(|c| c.issue_date = c.issue_date.previous_day().unwrap());
    push(|c| c.totals.total = money("1394.46"));
    push(|c| c.exchange_rate = Decimal::new(10506, 1));
    push(|c| c.tributes[0].amount = money("10.01"));
    push(|c| c.service_period = None);
    push(|c| c.associated[0].number = 124);
    for changed in changes {
        assert_ne!(changed.fingerprint(9), content.fingerprint(9));
    }
}

#[test]
fn fingerprints_a_requested_invoice_through_its_fiscal_content() {
    let InvoiceEvent::Requested(event) = requested(factura_a()).remove(0) else {
        panic!("expected invoice.requested");
    };
    let content = FiscalContent::of_request(&event);
    assert_eq!(ContentDigest::of_request(&event), content.digest());
    assert_eq!(Fingerprint::of_request(&event, 7), content.fingerprint(7));
    assert_eq!(Fingerprint::of_request(&event, 7), content.digest().at(7));
}

#[test]
fn the_same_content_at_another_number_has_another_fingerprint() {
    let digest = content_of(factura_a()).digest();
    assert_ne!(digest.at(7), digest.at(8));
    assert_eq!(digest.at(7), content_of(factura_a()).fingerprint(7));
}

#[test]
fn a_description_cannot_forge_another_field() {
    let mut content = content_of(rich_request());
    content.tributes[0].description = Some("x|1000".to_owned());
    let text = content.canonical_text();
    assert!(text.contains("tribute=99|x\\|1000|1000|1|10\n"), "{text}");
}

#[test]
fn parses_only_64_lowercase_hex_digits() {
    let hex = digest(0xab).to_string();
    assert_eq!(hex, "ab".repeat(32));
    assert_eq!(ContentDigest::parse(&hex), Some(digest(0xab)));
    assert_eq!(Fingerprint::parse(&"AB".repeat(32)), None);
    assert_eq!(Fingerprint::parse(&"ab".repeat(31)), None);
    assert_eq!(Fingerprint::parse(&"g".repeat(64)), None);
}
