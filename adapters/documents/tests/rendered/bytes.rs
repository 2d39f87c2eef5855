//! The same voucher always gives the same bytes, and qpdf finds nothing wrong with them.

use std::path::PathBuf;

use documents::{Template, Voucher};
use sha2::{Digest as _, Sha256};

use crate::{tools, vouchers};

fn all() -> [(&'static str, Voucher); 7] {
    [
        ("factura A", vouchers::factura_a()),
        ("factura B", vouchers::factura_b()),
        ("factura C", vouchers::factura_c()),
        ("credit note", vouchers::credit_note()),
        ("dollar invoice", vouchers::usd_invoice()),
        ("services invoice", vouchers::services_invoice()),
        ("long invoice", vouchers::long_invoice()),
    ]
}

#[test]
fn rendering_a_voucher_twice_gives_identical_bytes() {
    for (name, voucher) in all() {
        let first = documents::render(&voucher, Template::CURRENT).expect("renders");
        let second = documents::render(&voucher.clone(), Template::V1).expect("renders");
        assert!(first == second, "{name}: two renderings differ");
    }
}

#[test]
fn another_voucher_gives_other_bytes_and_another_document_id() {
    let a = documents::render(&vouchers::factura_a(), Template::CURRENT).expect("renders");
    let mut other = vouchers::factura_a();
    other.number += 1;
    let b = documents::render(&other, Template::CURRENT).expect("renders");
    assert_ne!(a, b);
    let id = |pdf: &[u8]| {
        let text = String::from_utf8_lossy(pdf).into_owned();
        let start = text.find("/ID[").expect("a file id");
        text[start..start + 60].to_owned()
    };
    assert_ne!(id(&a), id(&b));
}

#[test]
fn the_pdf_has_no_creation_date() {
    let pdf = documents::render(&vouchers::factura_b(), Template::CURRENT).expect("renders");
    let text = String::from_utf8_lossy(&pdf);
    assert!(
        !text.contains("/CreationDate") && !text.contains("CreateDate"),
        "{text}"
    );
}

#[test]
fn qpdf_finds_every_voucher_well_formed() {
    if !tools::available(&["qpdf"]) {
        return;
    }
    for (name, voucher) in all() {
        let report = tools::render(&voucher).check();
        assert!(
            report.contains("No syntax or stream encoding errors found"),
            "{name}: {report}"
        );
    }
}

#[test]
fn a_voucher_with_a_code_no_table_knows_is_refused() {
    let mut voucher = vouchers::factura_a();
    voucher.voucher_type = 14;
    assert!(matches!(
        documents::render(&voucher, Template::CURRENT),
        Err(documents::RenderError::UnknownVoucherType(14))
    ));
    let mut voucher = vouchers::factura_a();
    voucher.receiver.iva_condition = 2;
    assert!(matches!(
        documents::render(&voucher, Template::CURRENT),
        Err(documents::RenderError::UnknownIvaCondition(2))
    ));
}

#[test]
fn the_template_version_names_the_current_template() {
    assert_eq!(documents::TEMPLATE_VERSION, "1");
    assert_eq!(
        Template::from_version(documents::TEMPLATE_VERSION),
        Some(Template::CURRENT)
    );
    assert_eq!(Template::from_version("0"), None);
}

/// Template 1's bytes for one voucher of each letter, committed as `sha256sum` lines. Documents
/// are stored with their template version and must render again to the same bytes, so a change
/// here (code, fonts, krilla or its deflate backend) means: render the old version as before and
/// put the change in a new template version, unless no document was stored with this one yet.
/// Regenerate with `UPDATE_SCHEMAS=1 cargo test -p documents digests`.
#[test]
fn the_digests_of_template_1_are_the_committed_ones() {
    let committed =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/documents/template-1.sha256");
    let digests: String = [
        ("factura_a", vouchers::factura_a()),
        ("factura_b", vouchers::factura_b()),
        ("factura_c", vouchers::factura_c()),
    ]
    .iter()
    .map(|(name, voucher)| {
        let pdf = documents::render(voucher, Template::V1).expect("renders");
        let digest: String = Sha256::digest(&pdf)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("{digest}  {name}.pdf\n")
    })
    .collect();
    if std::env::var_os("UPDATE_SCHEMAS").is_some() {
        std::fs::write(&committed, &digests).expect("the digests are written");
    }
    let on_disk = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        on_disk == digests,
        "template 1 no longer renders the committed bytes:\n{digests}\
         see this test's comment before running UPDATE_SCHEMAS=1 cargo test -p documents digests"
    );
}
