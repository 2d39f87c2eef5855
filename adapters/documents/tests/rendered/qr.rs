//! `zbarimg` reads the QR off the printed page: the URL the caller gave, whose `p` parameter is
//! the RG 4892 JSON of the voucher.

use base64::Engine as _;
use documents::Voucher;
use serde_json::Value;

use crate::{tools, vouchers};

fn assert_qr_reads_back(voucher: &Voucher) {
    if !tools::available(&["pdftoppm", "zbarimg"]) {
        return;
    }
    let rendered = tools::render(voucher);
    let last = if tools::available(&["pdftotext"]) {
        rendered.pages()
    } else {
        1
    };
    let codes = rendered.qr_codes(last);
    assert_eq!(codes, std::slice::from_ref(&voucher.authorization.qr_url));

    let encoded = codes[0]
        .strip_prefix(vouchers::QR_BASE)
        .expect("ARCA's QR address");
    let json = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .expect("standard base64");
    let json: Value = serde_json::from_slice(&json).expect("a JSON object");
    assert_eq!(json["ver"], 1);
    assert_eq!(json["fecha"], voucher.issue_date.to_string());
    assert_eq!(json["cuit"], voucher.issuer.cuit);
    assert_eq!(json["ptoVta"], voucher.point_of_sale);
    assert_eq!(json["tipoCmp"], voucher.voucher_type);
    assert_eq!(json["nroCmp"], voucher.number);
    assert_eq!(
        json["importe"].to_string(),
        voucher.totals.total.normalize().to_string()
    );
    assert_eq!(json["moneda"], voucher.currency.code.as_str());
    assert_eq!(json["tipoCodAut"], "E");
    assert_eq!(json["codAut"].to_string(), voucher.authorization.cae);
}

#[test]
fn the_qr_of_a_factura_a_reads_back_as_its_url_and_json() {
    assert_qr_reads_back(&vouchers::factura_a());
}

#[test]
fn the_qr_of_a_factura_b_reads_back_as_its_url_and_json() {
    assert_qr_reads_back(&vouchers::factura_b());
}

#[test]
fn the_qr_of_a_factura_c_to_an_unidentified_receiver_has_no_receiver_document() {
    let voucher = vouchers::factura_c();
    assert_qr_reads_back(&voucher);
    assert!(!vouchers::qr_json(&voucher).contains("DocRec"));
}

#[test]
fn the_qr_of_a_credit_note_reads_back() {
    assert_qr_reads_back(&vouchers::credit_note());
}

#[test]
fn the_qr_of_a_dollar_invoice_carries_currency_and_exchange_rate() {
    let voucher = vouchers::usd_invoice();
    assert_qr_reads_back(&voucher);
    assert!(vouchers::qr_json(&voucher).contains(r#""moneda":"DOL","ctz":1050.5,"#));
}

#[test]
fn the_qr_of_a_services_invoice_reads_back() {
    assert_qr_reads_back(&vouchers::services_invoice());
}

#[test]
fn the_qr_of_a_long_invoice_is_on_its_last_page_only() {
    let voucher = vouchers::long_invoice();
    assert_qr_reads_back(&voucher);
    if tools::available(&["pdftoppm", "zbarimg"]) {
        let rendered = tools::render(&voucher);
        let output = std::process::Command::new("zbarimg")
            .args(["--raw", "-q"])
            .arg(rendered.png(1, 150, &rendered.path.with_file_name("first")))
            .output()
            .expect("zbarimg runs");
        assert!(output.stdout.is_empty(), "a QR on page 1");
    }
}
