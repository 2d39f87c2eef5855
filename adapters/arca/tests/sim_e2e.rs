//! Client against the in-process simulator on loopback: WSAA login rules, WSFEv1 numbering,
//! CAEs, 10016, FECompConsultar, ledger, SOAP 1.2 and injected faults.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use arca_ws::cli::demo::consumer_batch;

use std::time::Duration;

use arca_ws::sim::{FaultMode, FaultSpec, RunningSim, SimConfig, Simulator};
use arca_ws::wsaa::WsaaClient;
use arca_ws::wsfe::*;
use rust_decimal::Decimal;
use time::OffsetDateTime;

const T: Duration = Duration::from_secs(10);

async fn login(sim: &RunningSim) -> Auth {
    let wsaa = WsaaClient::new(sim.wsaa_url(), T).unwrap();
    let ticket = wsaa.login(&common::bundle().leaf, "wsfe").await.unwrap();
    assert_eq!(
        ticket.expiration_time - ticket.generation_time,
        time::Duration::hours(12)
    );
    assert!(ticket.represents(common::CUIT));
    Auth::from_ticket(&ticket, common::CUIT.parse().unwrap()).unwrap()
}

fn batch(from: u64, n: u64) -> CaeRequest {
    consumer_batch(1, from, n)
}

#[tokio::test]
async fn a_second_login_while_the_ticket_is_valid_gets_already_authenticated() {
    let sim = common::start_sim().await;
    login(&sim).await;
    let wsaa = WsaaClient::new(sim.wsaa_url(), T).unwrap();
    let err = wsaa
        .login(&common::bundle().leaf, "wsfe")
        .await
        .unwrap_err();
    assert_eq!(err.fault_code(), Some("coe.alreadyAuthenticated"));
    assert!(!err.is_retryable());
    assert_eq!(sim.sim.login_count(), 1);
}

#[tokio::test]
async fn a_certificate_from_another_ca_is_untrusted() {
    let sim = common::start_sim().await;
    let other = arca_ws::certs::dev_bundle("30000000007", "intruso", None).unwrap();
    let wsaa = WsaaClient::new(sim.wsaa_url(), T).unwrap();
    let err = wsaa.login(&other.leaf, "wsfe").await.unwrap_err();
    assert_eq!(err.fault_code(), Some("cms.cert.untrusted"));
}

#[tokio::test]
async fn numbering_cae_and_query_follow_arca() {
    let sim = common::start_sim().await;
    let auth = login(&sim).await;
    let c = WsfeClient::new(sim.wsfe_url(), T).unwrap();
    assert_eq!(c.dummy().await.unwrap().app_server, "OK");
    assert_eq!(
        c.last_authorized(&auth, 1, 6)
            .await
            .unwrap()
            .data
            .unwrap()
            .number,
        0
    );

    let a = c.authorize(&auth, &batch(1, 10)).await.unwrap();
    let r = a.data.unwrap();
    assert_eq!(
        r.header.unwrap().outcome,
        Outcome::Approved,
        "{:?}",
        r.details[0].observations
    );
    for d in &r.details {
        let cae = d.code.as_deref().unwrap();
        assert!(
            cae.len() == 14 && cae.chars().all(|ch| ch.is_ascii_digit()),
            "{cae}"
        );
        assert_eq!(d.code_due, d.date.map(|x| x + time::Duration::days(10)));
    }
    assert_eq!(
        c.last_authorized(&auth, 1, 6)
            .await
            .unwrap()
            .data
            .unwrap()
            .number,
        10
    );

    // Re-sending number 10 (or skipping to 12) is Err 10016, as recorded.
    for wrong in [10, 12] {
        let a = c.authorize(&auth, &batch(wrong, 1)).await.unwrap();
        assert!(a.has_error(10016));
        assert_eq!(a.data.unwrap().details[0].outcome, Outcome::Rejected);
    }
    let q = c.query(&auth, 1, 6, 7).await.unwrap().data.unwrap();
    assert_eq!(q.authorization_code, r.details[6].code.clone().unwrap());
    assert_eq!(q.detail.total, Decimal::from(121));
    assert!(c.query(&auth, 1, 6, 11).await.unwrap().has_error(602));

    let report = sim.sim.ledger_report();
    assert_eq!(report.len(), 1);
    assert_eq!((report[0].count, report[0].last), (10, 10));
    assert!(report[0].gaps.is_empty() && report[0].duplicates.is_empty());
}

#[tokio::test]
async fn rules_reject_with_observations_as_data() {
    let sim = common::start_sim().await;
    let auth = login(&sim).await;
    let c = WsfeClient::new(sim.wsfe_url(), T).unwrap().soap12();
    let mut bad_total = batch(1, 1);
    bad_total.details[0].total = Decimal::from(130);
    let a = c.authorize(&auth, &bad_total).await.unwrap();
    let d = &a.data.unwrap().details[0];
    assert_eq!(
        (d.outcome, d.observations[0].code),
        (Outcome::Rejected, 10048)
    );

    let mut no_condition = batch(1, 1);
    no_condition.details[0].receiver_vat_condition = None;
    let a = c.authorize(&auth, &no_condition).await.unwrap();
    assert_eq!(a.data.unwrap().details[0].observations[0].code, 10246);

    let mut unknown = batch(1, 1);
    unknown.details[0].receiver_vat_condition = Some(99);
    let a = c.authorize(&auth, &unknown).await.unwrap();
    assert_eq!(a.data.unwrap().details[0].observations[0].code, 10242);
    assert_eq!(
        c.last_authorized(&auth, 1, 6)
            .await
            .unwrap()
            .data
            .unwrap()
            .number,
        0
    );
}

#[tokio::test]
async fn foreign_or_tampered_tokens_get_600_and_other_cuits_601() {
    let sim = common::start_sim().await;
    let auth = login(&sim).await;
    let c = WsfeClient::new(sim.wsfe_url(), T).unwrap();
    let tampered = Auth {
        sign: "AAAA".into(),
        ..auth.clone()
    };
    assert!(
        c.last_authorized(&tampered, 1, 6)
            .await
            .unwrap()
            .has_error(600)
    );
    let other_cuit = Auth {
        cuit: 30_000_000_007,
        ..auth
    };
    assert!(
        c.last_authorized(&other_cuit, 1, 6)
            .await
            .unwrap()
            .has_error(601)
    );
}

#[tokio::test]
async fn a_dropped_response_leaves_a_cae_that_fecompconsultar_finds() {
    let sim = common::start_sim().await;
    let auth = login(&sim).await;
    let c = WsfeClient::new(sim.wsfe_url(), Duration::from_millis(500)).unwrap();
    sim.sim.faults().set(
        "FECAESolicitar",
        FaultSpec {
            mode: FaultMode::DropResponse,
            times: Some(1),
            ..FaultSpec::default()
        },
    );
    let err = c.authorize(&auth, &batch(1, 1)).await.unwrap_err();
    assert!(matches!(err, arca_ws::ArcaError::Transport { .. }));
    assert!(
        !err.is_retryable(),
        "FECAESolicitar after a lost answer must be reconciled, not resent"
    );
    let found = c.query(&auth, 1, 6, 1).await.unwrap();
    assert_eq!(found.data.unwrap().authorization_code.len(), 14);

    sim.sim.faults().set(
        "FECompUltimoAutorizado",
        FaultSpec {
            mode: FaultMode::Http500,
            times: Some(1),
            ..FaultSpec::default()
        },
    );
    let err = c.last_authorized(&auth, 1, 6).await.unwrap_err();
    assert!(err.is_retryable(), "reads may be retried");
    assert_eq!(
        c.last_authorized(&auth, 1, 6)
            .await
            .unwrap()
            .data
            .unwrap()
            .number,
        1
    );

    sim.sim.faults().set(
        "*",
        FaultSpec {
            mode: FaultMode::SoapFault,
            times: Some(1),
            ..FaultSpec::default()
        },
    );
    assert!(matches!(
        c.max_batch(&auth).await.unwrap_err(),
        arca_ws::ArcaError::Fault { .. }
    ));
}

#[tokio::test]
async fn the_ledger_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.jsonl");
    let cfg = SimConfig {
        trust: vec![common::bundle().ca.cert.clone()],
        ledger_path: Some(path.clone()),
        ..SimConfig::default()
    };
    let sim = Simulator::new(cfg.clone())
        .unwrap()
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let auth = login(&sim).await;
    let c = WsfeClient::new(sim.wsfe_url(), T).unwrap();
    c.authorize(&auth, &batch(1, 3)).await.unwrap();
    drop(sim);
    let again = Simulator::new(cfg).unwrap();
    let report = again.ledger_report();
    assert_eq!((report[0].count, report[0].last), (3, 3));
}

#[tokio::test]
async fn wsaa_time_and_certificate_rules_give_their_typed_faults() {
    let sim = common::start_sim().await;
    let wsaa = WsaaClient::new(sim.wsaa_url(), T).unwrap();
    let now = OffsetDateTime::now_utc();
    // Server clock 30 minutes behind: our TRA (generated 10 minutes ago) is in its future.
    sim.sim.clock().set(now - time::Duration::minutes(30));
    let err = wsaa
        .login(&common::bundle().leaf, "wsfe")
        .await
        .unwrap_err();
    assert_eq!(err.fault_code(), Some("xml.generationTime.invalid"));
    // Three years on, the two-year certificate has expired.
    sim.sim.clock().set(now + time::Duration::days(3 * 365));
    let err = wsaa
        .login(&common::bundle().leaf, "wsfe")
        .await
        .unwrap_err();
    assert_eq!(err.fault_code(), Some("cms.cert.expired"));
    // An unknown service.
    sim.sim.clock().reset();
    let err = wsaa
        .login(&common::bundle().leaf, "wsfev1")
        .await
        .unwrap_err();
    assert_eq!(err.fault_code(), Some("wsn.notFound"));
    assert_eq!(sim.sim.login_count(), 0);
}

#[tokio::test]
async fn an_expired_token_gets_600_with_arca_s_dates_message() {
    let sim = common::start_sim().await;
    let auth = login(&sim).await;
    let c = WsfeClient::new(sim.wsfe_url(), T).unwrap();
    sim.sim
        .clock()
        .set(OffsetDateTime::now_utc() + time::Duration::hours(13));
    let a = c.last_authorized(&auth, 1, 6).await.unwrap();
    assert!(a.has_error(600));
    assert!(
        a.errors[0].msg.starts_with(
            "ValidacionDeToken: No validaron las fechas del token GenTime, ExpTime, NowUTC: "
        ),
        "{}",
        a.errors[0].msg
    );
    assert_eq!(a.data.unwrap().number, 0);
}

#[tokio::test]
async fn a_recorded_call_hands_back_the_exchange_with_the_ticket_redacted() {
    let sim = common::start_sim().await;
    let auth = login(&sim).await;
    let c = WsfeClient::new(sim.wsfe_url(), T).unwrap();
    let req = batch(1, 2);
    let (answer, recorded) = c.authorize_recorded(&auth, &req).await;
    assert!(answer.unwrap().data.is_some());
    let recorded = recorded.unwrap();
    assert_eq!(
        recorded.request,
        c.redacted_request(&Request::Authorize(req), auth.cuit)
    );
    assert!(!recorded.request.contains(&auth.token));
    assert!(!recorded.request.contains(&auth.sign));
    assert!(recorded.request.contains("<Token>[redacted]</Token>"));
    let response = recorded.response.unwrap();
    assert!(response.contains("FECAESolicitarResponse"), "{response}");
    assert!(response.contains("<CAE>"), "{response}");
    assert_eq!(sim.sim.call_count("FECAESolicitar"), 1);
}

#[tokio::test]
async fn a_lost_answer_is_recorded_without_a_response() {
    let sim = common::start_sim().await;
    let auth = login(&sim).await;
    let drop = FaultSpec {
        mode: FaultMode::DropResponse,
        times: Some(1),
        ..FaultSpec::default()
    };
    sim.sim.faults().set("FECompConsultar", drop);
    let c = WsfeClient::new(sim.wsfe_url(), Duration::from_millis(300)).unwrap();
    let (answer, recorded) = c.query_recorded(&auth, 1, 6, 1).await;
    assert!(answer.is_err());
    assert_eq!(recorded.response, None);
    assert!(recorded.request.contains("<CbteNro>1</CbteNro>"));
    let (answer, recorded) = c.query_recorded(&auth, 1, 6, 1).await;
    assert!(answer.unwrap().has_error(602));
    assert!(
        recorded
            .response
            .unwrap()
            .contains("FECompConsultarResponse")
    );
    assert_eq!(sim.sim.call_count("FECompConsultar"), 2);
    assert_eq!(sim.sim.call_count("*"), 2);
}
