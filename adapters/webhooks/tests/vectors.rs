//! Every case of `vectors.json` through our signer and verifier.
//!
//! `tests/vectors.json` is a copy of the project's shared reference file
//! `reference/webhooks/vectors.json`: fixed vectors from the Standard Webhooks reference libraries'
//! own unit tests (standard-webhooks/standard-webhooks at b2fa7b87, MIT) plus two derived cases
//! checked with the PyPI `standardwebhooks` 1.1.0 package. It is copied so CI needs nothing else.

use serde_json::Value;
use webhooks::{Secret, signature, verify};

fn vectors() -> Vec<Value> {
    let text = include_str!("vectors.json");
    let file: Value = serde_json::from_str(text).expect("vectors.json parses");
    file["vectors"]
        .as_array()
        .expect("a list of vectors")
        .clone()
}

fn field<'a>(case: &'a Value, name: &str) -> &'a str {
    case[name]
        .as_str()
        .unwrap_or_else(|| panic!("{}: no {name}", case["name"]))
}

#[test]
fn our_signer_and_verifier_agree_with_every_vector() {
    let cases = vectors();
    assert_eq!(cases.len(), 7, "the file's seven cases");
    for case in &cases {
        let name = field(case, "name");
        let secret = Secret::parse(field(case, "secret")).expect("vector secret");
        let (msg_id, body) = (field(case, "msg_id"), field(case, "body").as_bytes());
        let valid = case["expect_valid"].as_bool().expect("expect_valid");
        // The Rust library's negative case has no timestamp: it is wrong for any; try two.
        let timestamps = match case["timestamp"].as_i64() {
            Some(ts) => vec![ts],
            None => vec![0, 1_649_367_553],
        };
        for ts in timestamps {
            if let Some(expected) = case["expected_signature"].as_str() {
                assert_eq!(
                    signature(&secret, msg_id, ts, body),
                    expected,
                    "{name}: sign"
                );
            }
            if let Some(computed) = case["signature_of_this_body"].as_str() {
                assert_eq!(
                    signature(&secret, msg_id, ts, body),
                    computed,
                    "{name}: sign"
                );
            }
            let header = case["header_signature"]
                .as_str()
                .or(case["rotation_header_example"].as_str())
                .or(case["expected_signature"].as_str())
                .expect("a header to verify");
            assert_eq!(
                verify(&secret, header, msg_id, ts, body),
                valid,
                "{name}: verify"
            );
        }
    }
}

#[test]
fn during_a_rotation_the_header_verifies_under_the_old_secret_too() {
    let cases = vectors();
    let rotation = cases
        .iter()
        .find(|c| c["name"] == "rotation-same-message-signed-with-second-secret")
        .expect("rotation case");
    let sign_1 = cases
        .iter()
        .find(|c| c["name"] == "sign-1")
        .expect("sign-1");
    let header = field(rotation, "rotation_header_example");
    let old = Secret::parse(field(sign_1, "secret")).expect("old secret");
    let new = Secret::parse(field(rotation, "secret")).expect("new secret");
    let body = field(rotation, "body").as_bytes();
    let ours = webhooks::sign(
        &[new, old.clone()],
        field(rotation, "msg_id"),
        "t",
        1_614_265_330,
        body,
    )
    .expect("keys");
    assert_eq!(ours.get(webhooks::WEBHOOK_SIGNATURE), Some(header));
    assert!(verify(
        &old,
        header,
        field(rotation, "msg_id"),
        1_614_265_330,
        body
    ));
}
