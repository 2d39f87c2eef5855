//! Golden tests over every recorded WSFEv1 sample: the client parses every response, and the
//! requests it builds match the recorded ones element by element.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::str::FromStr;

use arca_ws::soap::compare::{CompareOptions, diff};
use arca_ws::soap::{Body, Element, parse_message, xml};
use arca_ws::wsfe::request_parse::{parse_request, read_auth};
use arca_ws::wsfe::*;
use rust_decimal::Decimal;
use time::macros::date;

fn op_of(case: &str) -> &str {
    case.split('.').next().unwrap()
}

fn payload(text: &str) -> Option<Element> {
    match parse_message(text).unwrap().body {
        Body::Payload(p) => p,
        Body::Fault(f) => panic!("fault {f:?}"),
    }
}

fn parse_case(case: &str) -> Response {
    let el = payload(&common::sample(&format!("wsfev1/{case}.response.xml"))).expect("payload");
    parse_response(op_of(case), &el).unwrap_or_else(|e| panic!("{case}: {e}"))
}

#[test]
fn client_parses_every_recorded_response() {
    let cases = common::wsfe_cases();
    assert!(
        cases.len() >= 29,
        "expected the full sample set, found {}",
        cases.len()
    );
    for case in &cases {
        parse_case(case);
    }
}

#[test]
fn parsed_responses_carry_the_recorded_values() {
    let Response::LastAuthorized(a) = parse_case("FECompUltimoAutorizado.ok") else {
        panic!()
    };
    assert_eq!(a.data.unwrap().number, 1835);
    let Response::LastAuthorized(a) = parse_case("FECompUltimoAutorizado.err600-token-expired")
    else {
        panic!()
    };
    assert!(a.has_error(600));
    assert_eq!(a.data.unwrap().number, 0);

    let Response::Authorize(a) = parse_case("FECAESolicitar.approved-with-obs10217") else {
        panic!()
    };
    let r = a.data.unwrap();
    assert_eq!(r.header.unwrap().outcome, Outcome::Approved);
    assert_eq!(r.details[0].code.as_deref(), Some("71263951827464"));
    assert_eq!(r.details[0].code_due, Some(date!(2021 - 07 - 11)));
    assert_eq!(r.details[0].observations[0].code, 10217);

    let Response::Authorize(a) = parse_case("FECAESolicitar.batch250-rejected-err10016") else {
        panic!()
    };
    let r = a.data.unwrap();
    assert_eq!(r.details.len(), 250);
    assert!(
        r.details
            .iter()
            .all(|d| d.outcome == Outcome::Rejected && d.code.is_none())
    );
    assert!(a.errors.iter().any(|e| e.code == 10016));

    let Response::Authorize(a) = parse_case("FECAESolicitar.err600-token-expired") else {
        panic!()
    };
    assert!(a.data.is_none() && a.has_error(600));

    let Response::Query(q) = parse_case("FECompConsultar.found-concepto3") else {
        panic!()
    };
    let rec = q.data.unwrap();
    assert_eq!(rec.authorization_code, "71263951827477");
    assert_eq!(rec.detail.total, Decimal::from(122));
    assert_eq!(rec.detail.service_from, Some(date!(2021 - 07 - 01)));
    let Response::Query(q) = parse_case("FECompConsultar.notfound-err602") else {
        panic!()
    };
    assert!(q.data.is_none() && q.has_error(602));

    let Response::MaxBatch(m) = parse_case("FECompTotXRequest") else {
        panic!()
    };
    assert_eq!(m.data, Some(250));
    let Response::ExchangeRate(x) = parse_case("FEParamGetCotizacion.DOL") else {
        panic!()
    };
    assert_eq!(x.data.unwrap().rate, Decimal::from_str("101.202").unwrap());
    let Response::Param(p) = parse_case("FEParamGetTiposMonedas") else {
        panic!()
    };
    assert_eq!(p.data.unwrap().len(), 50);
    let Response::PointsOfSale(p) = parse_case("FEParamGetPtosVenta") else {
        panic!()
    };
    assert_eq!(
        p.data.unwrap().iter().map(|x| x.number).collect::<Vec<_>>(),
        vec![3, 4, 6]
    );
    let Response::Dummy(d) = parse_case("FEDummy") else {
        panic!()
    };
    assert_eq!(d.app_server, "OK");
}

const OPTS: CompareOptions<'static> = CompareOptions {
    ignore_text_of: &[],
    skip_subtree: &[],
    namespaces: true,
};

#[test]
fn requests_built_for_every_recorded_case_match_element_by_element() {
    for case in common::wsfe_cases() {
        let op = op_of(&case);
        let recorded = payload(&common::sample(&format!("wsfev1/{case}.request.xml")));
        let req = parse_request(op, recorded.as_ref()).unwrap_or_else(|e| panic!("{case}: {e}"));
        assert_eq!(req.operation(), op);
        let auth = recorded
            .as_ref()
            .and_then(|r| read_auth(r).unwrap())
            .unwrap_or(Auth {
                token: String::new(),
                sign: String::new(),
                cuit: 0,
            });
        let built = req.body(&auth);
        match &recorded {
            None => assert!(
                built.is_empty(),
                "{case}: FEDummy is sent with an empty body"
            ),
            Some(rec) => {
                let ours = xml::parse(&built).unwrap();
                let d = diff(rec, &ours, &OPTS);
                assert!(d.is_empty(), "{case}:\n{}", d.join("\n"));
            }
        }
    }
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

#[test]
fn a_hand_built_factura_a_matches_the_recorded_approved_request() {
    let d = VoucherDetail {
        concept: 3,
        doc_type: 80,
        doc_number: 30_000_000_007,
        number_from: 1836,
        number_to: 1836,
        date: Some(date!(2021 - 07 - 01)),
        total: dec("122"),
        untaxed: Decimal::ZERO,
        net: dec("100"),
        exempt: Decimal::ZERO,
        other_taxes_total: dec("1"),
        vat_total: dec("21"),
        service_from: Some(date!(2021 - 07 - 01)),
        service_to: Some(date!(2021 - 07 - 01)),
        payment_due: Some(date!(2021 - 07 - 01)),
        currency: "PES".into(),
        exchange_rate: Some(Decimal::ONE),
        paid_in_same_currency: None,
        receiver_vat_condition: None,
        associated: vec![],
        other_taxes: vec![OtherTax {
            id: 99,
            description: Some("Impuesto Municipal Matanza".into()),
            base: Some(dec("100")),
            rate: Some(dec("1")),
            amount: dec("1"),
        }],
        vat: vec![VatLine {
            id: 5,
            base: dec("100"),
            amount: dec("21"),
        }],
        optionals: vec![],
        buyers: vec![],
        associated_period: None,
        activities: vec![],
    };
    let req = Request::Authorize(CaeRequest {
        point_of_sale: 4000,
        voucher_type: 1,
        details: vec![d.clone()],
    });
    let recorded = payload(&common::sample(
        "wsfev1/FECAESolicitar.approved-with-obs10217.request.xml",
    ))
    .unwrap();
    let auth = read_auth(&recorded).unwrap().unwrap();
    let ours = xml::parse(&req.body(&auth)).unwrap();
    let diffs = diff(&recorded, &ours, &OPTS);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));

    // And a wrong number is caught by the comparison.
    let mut wrong = d;
    wrong.number_to = 1837;
    let req = Request::Authorize(CaeRequest {
        point_of_sale: 4000,
        voucher_type: 1,
        details: vec![wrong],
    });
    assert_eq!(
        diff(&recorded, &xml::parse(&req.body(&auth)).unwrap(), &OPTS).len(),
        1
    );
}

#[test]
fn a_factura_a_built_from_domain_values_matches_the_recorded_request() {
    use ::domain::values::{
        Concept, Currency, DocType, ExchangeRate, IvaRate, Money, TributeKind, VoucherType,
    };
    use arca_ws::wsfe::domain::{DomainTribute, DomainVat, DomainVoucher};
    let m = |s: &str| Money::parse(s).unwrap();
    let v = DomainVoucher {
        concept: Concept::from_code(3).unwrap(),
        receiver_doc_type: DocType::from_code(80).unwrap(),
        receiver_doc_number: 30_000_000_007,
        number: 1836,
        date: date!(2021 - 07 - 01),
        untaxed: Money::default(),
        exempt: Money::default(),
        net_without_vat: Money::default(),
        vat: vec![DomainVat {
            rate: IvaRate::from_id(5).unwrap(),
            base: m("100"),
            amount: m("21"),
        }],
        tributes: vec![DomainTribute {
            kind: TributeKind::from_code(99).unwrap(),
            description: Some("Impuesto Municipal Matanza".into()),
            base: m("100"),
            rate: Decimal::ONE,
            amount: m("1"),
        }],
        service: Some((
            date!(2021 - 07 - 01),
            date!(2021 - 07 - 01),
            date!(2021 - 07 - 01),
        )),
        currency: Currency::parse("PES").unwrap(),
        exchange_rate: ExchangeRate::new(Decimal::ONE).unwrap(),
        receiver_iva_condition: None,
        associated: vec![],
    };
    let req = CaeRequest::from_domain(4000, VoucherType::from_code(1).unwrap(), &[v]);
    let recorded = payload(&common::sample(
        "wsfev1/FECAESolicitar.approved-with-obs10217.request.xml",
    ))
    .unwrap();
    let auth = read_auth(&recorded).unwrap().unwrap();
    let ours = xml::parse(&Request::Authorize(req).body(&auth)).unwrap();
    let diffs = diff(&recorded, &ours, &OPTS);
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
