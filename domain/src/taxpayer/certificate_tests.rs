//! Scenarios of certificate requests, installation and expiry.

use time::Duration;
use uuid::Uuid;

use super::*;
use crate::aggregate::Context;
use crate::series::Environment;
use crate::testing::{NOW, Scenario, cuit, ri_taxpayer_events};

const KEY: Uuid = Uuid::from_u128(0x4E1);
const OWN_KEY: Uuid = Uuid::from_u128(0x4E2);

fn public_key() -> String {
    "11".repeat(32)
}

fn requested() -> TaxpayerEvent {
    TaxpayerEvent::CertificateRequested(CertificateRequested {
        cuit: cuit("20267565393"),
        key_id: KEY,
        subject: "serialNumber=CUIT 20267565393,CN=facturacion,O=Empresa,C=AR".to_owned(),
        public_key_sha256: public_key(),
        requested_at: NOW,
    })
}

fn facts(days_left: i64) -> CertificateFacts {
    CertificateFacts {
        fingerprint_sha256: "f0".repeat(32),
        serial: "0a0b".to_owned(),
        subject: "serialNumber=CUIT 20267565393,CN=facturacion".to_owned(),
        subject_cuit: Some(cuit("20267565393")),
        public_key_sha256: public_key(),
        not_before: NOW - Duration::days(1),
        not_after: NOW + Duration::days(days_left),
    }
}

fn install(certificate: CertificateFacts, key: CertificateKey) -> InstallCertificate {
    InstallCertificate {
        certificate,
        key,
        environment: Environment::Homologacion,
    }
}

fn installed(days_left: i64, key_id: Uuid) -> CertificateInstalled {
    let f = facts(days_left);
    CertificateInstalled {
        cuit: cuit("20267565393"),
        key_id,
        fingerprint_sha256: f.fingerprint_sha256,
        serial: f.serial,
        subject: f.subject,
        not_before: f.not_before,
        not_after: f.not_after,
        environment: Environment::Homologacion,
        installed_at: NOW,
    }
}

fn given_installed(days_left: i64) -> Vec<TaxpayerEvent> {
    let mut events = ri_taxpayer_events();
    events.push(requested());
    events.push(TaxpayerEvent::CertificateInstalled(installed(
        days_left, KEY,
    )));
    events
}

fn note() -> NoteCertificateExpiry {
    NoteCertificateExpiry {
        fingerprint_sha256: "f0".repeat(32),
    }
}

#[test]
fn a_request_records_the_key_reference_and_subject() {
    let cmd = RequestCertificate {
        key_id: KEY,
        subject: "serialNumber=CUIT 20267565393,CN=facturacion,O=Empresa,C=AR".to_owned(),
        public_key_sha256: public_key(),
    };
    let state = Scenario::<Taxpayer>::given(ri_taxpayer_events())
        .when(cmd)
        .then([requested()]);
    assert!(state.certificates().is_pending(&public_key()));
}

#[test]
fn refuses_a_request_before_registration() {
    let cmd = RequestCertificate {
        key_id: KEY,
        subject: String::new(),
        public_key_sha256: public_key(),
    };
    Scenario::<Taxpayer>::given([])
        .when(cmd)
        .then_err(TaxpayerError::NotRegistered);
}

#[test]
fn installs_the_certificate_signed_for_a_pending_request() {
    let mut given = ri_taxpayer_events();
    given.push(requested());
    let state = Scenario::<Taxpayer>::given(given)
        .when(install(facts(700), CertificateKey::FromRequest))
        .then([TaxpayerEvent::CertificateInstalled(installed(700, KEY))]);
    let cert = state.certificates().installed(Environment::Homologacion);
    assert_eq!(cert.map(|c| c.key_id), Some(KEY));
    assert!(!state.certificates().is_pending(&public_key()));
    assert!(
        state
            .certificates()
            .installed(Environment::Produccion)
            .is_none()
    );
}

#[test]
fn installs_a_certificate_that_comes_with_its_own_key() {
    Scenario::<Taxpayer>::given(ri_taxpayer_events())
        .when(install(facts(700), CertificateKey::Supplied(OWN_KEY)))
        .then([TaxpayerEvent::CertificateInstalled(installed(700, OWN_KEY))]);
}

#[test]
fn refuses_a_certificate_whose_key_matches_no_request() {
    let err = Scenario::<Taxpayer>::given(ri_taxpayer_events())
        .when(install(facts(700), CertificateKey::FromRequest))
        .error();
    assert_eq!(err, TaxpayerError::CertificateKeyUnknown);
    assert_eq!(err.code(), "certificate_key_unknown");
}

#[test]
fn refuses_a_certificate_for_another_cuit() {
    let mut given = ri_taxpayer_events();
    given.push(requested());
    for subject_cuit in [Some(cuit("20111111112")), None] {
        let certificate = CertificateFacts {
            subject_cuit,
            ..facts(700)
        };
        let err = Scenario::<Taxpayer>::given(given.clone())
            .when(install(certificate, CertificateKey::FromRequest))
            .error();
        assert_eq!(err.code(), "certificate_subject_mismatch");
    }
}

#[test]
fn refuses_an_expired_certificate_and_one_not_valid_yet() {
    let mut given = ri_taxpayer_events();
    given.push(requested());
    Scenario::<Taxpayer>::given(given.clone())
        .when(install(facts(0), CertificateKey::FromRequest))
        .then_err(TaxpayerError::CertificateExpired);
    let future = CertificateFacts {
        not_before: NOW + Duration::hours(1),
        ..facts(700)
    };
    Scenario::<Taxpayer>::given(given)
        .when(install(future, CertificateKey::FromRequest))
        .then_err(TaxpayerError::CertificateNotYetValid);
}

#[test]
fn installing_the_same_certificate_again_changes_nothing() {
    Scenario::<Taxpayer>::given(given_installed(700))
        .when(install(facts(700), CertificateKey::Supplied(OWN_KEY)))
        .then([]);
}

#[test]
fn notes_a_certificate_expiring_within_30_days_once() {
    let expiring = TaxpayerEvent::CertificateExpiring(CertificateExpiring {
        cuit: cuit("20267565393"),
        fingerprint_sha256: "f0".repeat(32),
        not_after: NOW + Duration::days(12),
        days_left: 12,
    });
    let state = Scenario::<Taxpayer>::given(given_installed(12))
        .when(note())
        .then([expiring.clone()]);
    let cert = state.certificates().installed(Environment::Homologacion);
    assert_eq!(cert.map(|c| c.expiry_noted), Some(true));
    let mut given = given_installed(12);
    given.push(expiring);
    Scenario::<Taxpayer>::given(given).when(note()).then([]);
}

#[test]
fn does_not_note_a_certificate_with_more_than_30_days_left() {
    Scenario::<Taxpayer>::given(given_installed(31))
        .when(note())
        .then([]);
    // The same certificate, seen two days later, is inside the window.
    let later = Context::new(NOW + Duration::days(2));
    let events = Scenario::<Taxpayer>::given(given_installed(31))
        .at(later)
        .when(note())
        .events();
    assert!(
        matches!(&events[..], [TaxpayerEvent::CertificateExpiring(e)] if e.days_left == 29),
        "{events:?}"
    );
}

#[test]
fn does_not_note_a_certificate_that_was_replaced() {
    let other = NoteCertificateExpiry {
        fingerprint_sha256: "99".repeat(32),
    };
    Scenario::<Taxpayer>::given(given_installed(3))
        .when(other)
        .then([]);
}
