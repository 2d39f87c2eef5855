//! WSAA on the client side: the CMS we produce verifies with openssl against the dev CA, the
//! TRA inside is what we built, and the recorded ticket and fault parse.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;

use arca_ws::soap::parse_message;
use arca_ws::wsaa::client::parse_login_cms_response;
use arca_ws::wsaa::{Tra, cms};
use time::OffsetDateTime;

#[test]
fn openssl_cms_verify_accepts_our_signed_tra() {
    let b = common::bundle();
    let dir = tempfile::tempdir().unwrap();
    let tra = Tra::new("wsfe", OffsetDateTime::now_utc()).to_xml();
    let der = cms::sign_attached(tra.as_bytes(), &b.leaf).unwrap();
    std::fs::write(dir.path().join("ca.pem"), &b.ca_pem).unwrap();
    std::fs::write(dir.path().join("tra.cms"), &der).unwrap();
    let out = Command::new("openssl")
        .args([
            "cms", "-verify", "-inform", "DER", "-purpose", "any", "-CAfile",
        ])
        .arg(dir.path().join("ca.pem"))
        .arg("-in")
        .arg(dir.path().join("tra.cms"))
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), tra);

    // The structure matches the recorded, accepted CMS: sha256, attached data, one cert.
    let print = Command::new("openssl")
        .args(["cms", "-cmsout", "-print", "-inform", "DER", "-in"])
        .arg(dir.path().join("tra.cms"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&print.stdout);
    assert!(text.contains("sha256"), "{text}");
    assert!(
        text.contains("signingTime") && text.contains("messageDigest"),
        "{text}"
    );
    assert!(
        text.contains("serialNumber=CUIT 20267565393")
            || text.contains("serialNumber=CUIT 20267565393".to_lowercase().as_str()),
        "{text}"
    );
}

#[test]
fn openssl_rejects_the_cms_under_a_foreign_ca() {
    let b = common::bundle();
    let other = arca_ws::certs::dev_bundle("30000000007", "other", None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let der = cms::sign_attached(b"<x/>", &b.leaf).unwrap();
    std::fs::write(dir.path().join("ca.pem"), &other.ca_pem).unwrap();
    std::fs::write(dir.path().join("tra.cms"), &der).unwrap();
    let out = Command::new("openssl")
        .args([
            "cms", "-verify", "-inform", "DER", "-purpose", "any", "-CAfile",
        ])
        .arg(dir.path().join("ca.pem"))
        .arg("-in")
        .arg(dir.path().join("tra.cms"))
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn parses_the_recorded_ticket_with_times_and_relations() {
    let msg = parse_message(&common::sample("wsaa/loginCms.response.ok.xml")).unwrap();
    let t = parse_login_cms_response(msg.body).unwrap();
    assert_eq!(t.service, "wsfe");
    assert_eq!(t.relations, vec!["20267565393".to_owned()]);
    assert_eq!(
        t.expiration_time.unix_timestamp() - t.generation_time.unix_timestamp(),
        12 * 3600
    );
    assert_eq!(t.expiration_time.unix_timestamp(), 1_627_345_320);
    assert!(t.token.starts_with("PD94bWwg"));
    assert_eq!(
        t.destination,
        "SERIALNUMBER=CUIT 20267565393, CN=reingart2021"
    );
    assert!(
        !format!("{t:?}").contains("PD94bWwg"),
        "Debug must not print the token"
    );
}

#[test]
fn the_recorded_already_authenticated_fault_is_typed_and_not_retryable() {
    let msg = parse_message(&common::sample(
        "wsaa/loginCms.fault.coe.alreadyAuthenticated.http500.xml",
    ))
    .unwrap();
    let e = parse_login_cms_response(msg.body).unwrap_err();
    assert_eq!(e.fault_code(), Some("coe.alreadyAuthenticated"));
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("El CEE ya posee un TA valido"));
}

#[test]
fn the_recorded_request_decodes_to_the_recorded_tra() {
    use base64::Engine;
    let msg = parse_message(&common::sample("wsaa/loginCms.request.xml")).unwrap();
    let arca_ws::soap::Body::Payload(Some(el)) = msg.body else {
        panic!("no payload")
    };
    let b64: String = el
        .child("in0")
        .unwrap()
        .text
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    let tra = arca_ws::sim::cms_verify::content_unverified(&der).unwrap();
    assert_eq!(
        String::from_utf8(tra).unwrap(),
        common::sample("wsaa/loginCms.request.TRA.decoded.xml").trim_end()
    );
}
