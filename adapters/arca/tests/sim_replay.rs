//! Replays every recorded WSFEv1 request against the simulator, in recording order, with the
//! simulator's clock set to the recorded server time and its ledger seeded with the history
//! the recordings imply, and compares each answer with the recorded one: same structure, same
//! codes, same values (only CAEs and processing timestamps may differ).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::str::FromStr;

use arca_ws::sim::{RunningSim, SimConfig, Simulator, VatConditionRule};
use arca_ws::soap::compare::{CompareOptions, diff};
use arca_ws::soap::{Body, Element, SoapVersion, envelope, parse_message, xml};
use arca_ws::wsaa::tra::parse_xsd_datetime;
use arca_ws::wsfe::codec::read_detail;
use arca_ws::wsfe::request_parse::read_auth;
use arca_ws::wsfe::{CaeRequest, FEV1_NS, Request};
use rust_decimal::Decimal;
use time::macros::date;

const CUIT: u64 = 20_267_565_393;

fn payload(text: &str) -> Option<Element> {
    match parse_message(text).unwrap().body {
        Body::Payload(p) => p,
        Body::Fault(f) => panic!("fault {f:?}"),
    }
}

fn recorded_time(case: &str) -> time::OffsetDateTime {
    let resp = parse_message(&common::sample(&format!("wsfev1/{case}.response.xml"))).unwrap();
    let fecha = resp
        .header
        .unwrap()
        .path(&["FEHeaderInfo", "fecha"])
        .unwrap()
        .text()
        .to_owned();
    parse_xsd_datetime(&fecha).unwrap()
}

async fn post(sim: &RunningSim, op: &str, body: String) -> (u16, String) {
    let resp = reqwest::Client::new()
        .post(sim.wsfe_url())
        .header("Content-Type", "text/xml; charset=\"UTF-8\"")
        .header("SOAPAction", format!("\"{FEV1_NS}{op}\""))
        .body(body)
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

/// ARCA prints the token's GenTime oddly (`20:19:49` shows as `8:19:19 PM`); keep the epoch
/// numbers and NowUTC, drop the two human renderings.
fn normalize_msgs(el: &mut Element) {
    if el.name == "Msg"
        && el
            .text
            .starts_with("ValidacionDeToken: No validaron las fechas")
    {
        let mut out = String::new();
        let mut depth = 0;
        for ch in el.text.chars() {
            match ch {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ if depth == 0 => out.push(ch),
                _ => {}
            }
        }
        el.text = out;
    }
    el.children.iter_mut().for_each(normalize_msgs);
}

/// Authorizes one voucher through the simulator (history the recordings imply but did not record).
async fn authorize_history(sim: &RunningSim, template_case: &str, number: u64) {
    let consult = payload(&common::sample(&format!(
        "wsfev1/{template_case}.response.xml"
    )))
    .unwrap();
    let mut d = read_detail(
        consult
            .path(&["FECompConsultarResult", "ResultGet"])
            .unwrap(),
    )
    .unwrap();
    d.number_from = number;
    d.number_to = number;
    let req_el = payload(&common::sample(&format!(
        "wsfev1/{template_case}.request.xml"
    )))
    .unwrap();
    let auth = read_auth(&req_el).unwrap().unwrap();
    let req = Request::Authorize(CaeRequest {
        point_of_sale: 4000,
        voucher_type: 1,
        details: vec![d],
    });
    let (status, text) = post(
        sim,
        "FECAESolicitar",
        envelope(SoapVersion::V11, None, &req.body(&auth)),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        text.contains("<Resultado>A</Resultado>"),
        "history voucher {number} not approved: {text}"
    );
}

#[tokio::test]
async fn every_recorded_request_gets_the_recorded_answer() {
    let mut cases = common::wsfe_cases();
    cases.sort_by_key(|c| recorded_time(c));
    let trusted: Vec<(String, String)> = cases
        .iter()
        .filter_map(|c| payload(&common::sample(&format!("wsfev1/{c}.request.xml"))))
        .filter_map(|p| read_auth(&p).unwrap())
        .map(|a| (a.token, a.sign))
        .collect();
    let cfg = SimConfig {
        trusted_tickets: trusted,
        vat_condition: VatConditionRule::Off,
        rates: HashMap::from([("DOL".to_owned(), Decimal::from_str("101.202").unwrap())]),
        points_of_sale: vec![3, 4, 6],
        ..SimConfig::default()
    };
    let sim = Simulator::new(cfg)
        .unwrap()
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let s = &sim.sim;
    s.seed((CUIT, 4000, 1), 1835, Some(date!(2021 - 07 - 01)))
        .unwrap();
    s.seed((CUIT, 3, 203), 44, Some(date!(2021 - 07 - 01)))
        .unwrap();

    let opts = CompareOptions {
        ignore_text_of: &[
            "CAE",
            "CodAutorizacion",
            "FchProceso",
            "ambiente",
            "fecha",
            "id",
        ],
        skip_subtree: &[],
        namespaces: true,
    };
    let mut caes: HashMap<&str, String> = HashMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let op = case.split('.').next().unwrap();
        let at = recorded_time(case);
        match case.as_str() {
            "FECompConsultar.found-concepto3" => {
                s.clock().set(at - time::Duration::seconds(1));
                authorize_history(&sim, case, 1837).await;
                authorize_history(&sim, case, 1838).await;
            }
            "FECAESolicitar.rejected-err10016-numero-o-fecha" => s
                .seed((CUIT, 3, 3), 503, Some(date!(2021 - 07 - 22)))
                .unwrap(),
            "FECAESolicitar.batch250-rejected-err10016" => s
                .seed((CUIT, 3, 3), 1007, Some(date!(2021 - 07 - 22)))
                .unwrap(),
            _ => {}
        }
        s.clock().set(at);
        let (status, text) = post(
            &sim,
            op,
            common::sample(&format!("wsfev1/{case}.request.xml")),
        )
        .await;
        assert_eq!(status, 200, "{case}: {text}");
        let ours = parse_message(&text).unwrap();
        let theirs =
            parse_message(&common::sample(&format!("wsfev1/{case}.response.xml"))).unwrap();
        let (Body::Payload(Some(mut a)), Body::Payload(Some(mut b))) = (theirs.body, ours.body)
        else {
            panic!("{case}: no payload")
        };
        normalize_msgs(&mut a);
        normalize_msgs(&mut b);
        let mut d = diff(&a, &b, &opts);
        d.extend(diff(
            theirs.header.as_ref().unwrap(),
            ours.header.as_ref().unwrap(),
            &opts,
        ));
        if !d.is_empty() {
            failures.push(format!("{case}:\n  {}", d.join("\n  ")));
        }
        let cae = |x: &Element, name: &str| {
            fn find<'e>(e: &'e Element, n: &str) -> Option<&'e Element> {
                if e.name == n {
                    Some(e)
                } else {
                    e.children.iter().find_map(|c| find(c, n))
                }
            }
            find(x, name).map(|e| e.text().to_owned())
        };
        if let Some(c) = cae(&b, "CAE").filter(|c| !c.is_empty()) {
            assert_eq!(c.len(), 14, "{case}: CAE {c}");
            caes.insert(case.as_str(), c);
        }
        if case == "FECompConsultar.reproceso-3-found-after-resend" {
            assert_eq!(
                cae(&b, "CodAutorizacion"),
                caes.get("FECAESolicitar.reproceso-1-first-send-approved")
                    .cloned(),
                "FECompConsultar must return the CAE of the first send"
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let report = s.ledger_report();
    let series = report
        .iter()
        .find(|r| (r.point_of_sale, r.voucher_type) == (4000, 1))
        .unwrap();
    assert_eq!((series.count, series.last), (4, 1839));
    assert!(series.gaps.is_empty() && series.duplicates.is_empty());
    let _ = xml::parse;
}
