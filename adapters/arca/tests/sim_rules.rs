//! Simulator rules of ARCA.md §6 beyond numbering and amounts: web-service points of sale
//! (10005), a future CbteFch in N's month (10152), associated voucher types (10040) and the
//! Factura de Crédito Electrónica receiver (10163/10176/10177). Client against the in-process
//! simulator on loopback.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use arca_ws::cli::demo::consumer_invoice;
use arca_ws::sim::{RunningSim, SimConfig, Simulator};
use arca_ws::wsaa::{Tra, WsaaClient, cms};
use arca_ws::wsfe::*;
use base64::Engine;
use time::{Date, Month, OffsetDateTime, Time, macros::offset};

const T: Duration = Duration::from_secs(10);

async fn start(cfg: SimConfig) -> RunningSim {
    let cfg = SimConfig {
        trust: vec![common::bundle().ca.cert.clone()],
        ..cfg
    };
    Simulator::new(cfg)
        .unwrap()
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

/// Logs in at the simulator's current time (which tests may have moved).
async fn login(sim: &RunningSim) -> Auth {
    let tra = Tra::new("wsfe", sim.sim.clock().now());
    let der = cms::sign_attached(tra.to_xml().as_bytes(), &common::bundle().leaf).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let ticket = WsaaClient::new(sim.wsaa_url(), T)
        .unwrap()
        .login_cms(&b64)
        .await
        .unwrap();
    Auth::from_ticket(&ticket, common::CUIT.parse().unwrap()).unwrap()
}

fn one(point_of_sale: u32, voucher_type: u16, d: VoucherDetail) -> CaeRequest {
    CaeRequest {
        point_of_sale,
        voucher_type,
        details: vec![d],
    }
}

/// The first observation code of the only detail, and its outcome.
async fn verdict(c: &WsfeClient, auth: &Auth, req: &CaeRequest) -> (Outcome, Option<i32>) {
    let a = c.authorize(auth, req).await.unwrap();
    assert!(a.errors.is_empty(), "{:?}", a.errors);
    let d = &a.data.unwrap().details[0];
    (d.outcome, d.observations.first().map(|o| o.code))
}

#[tokio::test]
async fn a_point_of_sale_not_registered_for_web_services_gets_10005_when_enforced() {
    let sim = start(SimConfig {
        points_of_sale: vec![1, 2],
        enforce_points_of_sale: true,
        ..SimConfig::default()
    })
    .await;
    let auth = login(&sim).await;
    let c = WsfeClient::new(sim.wsfe_url(), T).unwrap();
    let a = c
        .authorize(&auth, &one(9, 6, consumer_invoice(1)))
        .await
        .unwrap();
    assert!(a.has_error(10005), "{:?}", a.errors);
    assert_eq!(a.data.unwrap().details[0].outcome, Outcome::Rejected);
    assert!(sim.sim.ledger_report().is_empty(), "nothing was authorized");
    let ok = verdict(&c, &auth, &one(2, 6, consumer_invoice(1))).await;
    assert_eq!(ok, (Outcome::Approved, None));

    // By default any point of sale counts as registered (the recordings use many).
    let open = start(SimConfig::default()).await;
    let auth = login(&open).await;
    let c = WsfeClient::new(open.wsfe_url(), T).unwrap();
    let ok = verdict(&c, &auth, &one(9, 6, consumer_invoice(1))).await;
    assert_eq!(ok, (Outcome::Approved, None));
}

#[tokio::test]
async fn a_future_date_for_products_must_stay_in_the_month_of_the_request() {
    let sim = start(SimConfig::default()).await;
    // N = the last day of next month, noon in Argentina: always after the certificate's start.
    let n = last_day_of_next_month(OffsetDateTime::now_utc().to_offset(offset!(-3)).date());
    sim.sim.clock().set(
        n.with_time(Time::from_hms(12, 0, 0).unwrap())
            .assume_offset(offset!(-3)),
    );
    let auth = login(&sim).await;
    let c = WsfeClient::new(sim.wsfe_url(), T).unwrap();

    let mut next_month = consumer_invoice(1);
    next_month.date = Some(n + time::Duration::days(2));
    let rejected = verdict(&c, &auth, &one(1, 6, next_month.clone())).await;
    assert_eq!(rejected, (Outcome::Rejected, Some(10152)));

    let mut same_day = consumer_invoice(1);
    same_day.date = Some(n);
    assert_eq!(
        verdict(&c, &auth, &one(1, 6, same_day)).await,
        (Outcome::Approved, None)
    );
    // Services (concepto 2) may be dated into the next month within their window.
    let mut services = consumer_invoice(2);
    services.date = next_month.date;
    services.concept = 2;
    services.service_from = Some(n);
    services.service_to = Some(n);
    services.payment_due = Some(n + time::Duration::days(5));
    assert_eq!(
        verdict(&c, &auth, &one(1, 6, services)).await,
        (Outcome::Approved, None)
    );
}

fn last_day_of_next_month(d: Date) -> Date {
    let (year, month) = match d.month() {
        Month::December => (d.year() + 1, Month::January),
        m => (d.year(), m.next()),
    };
    Date::from_calendar_date(year, month, month.length(year)).unwrap()
}

fn invoice_a(number: u64) -> VoucherDetail {
    let mut d = consumer_invoice(number);
    d.doc_type = 80;
    d.doc_number = 20_111_111_112;
    d.receiver_vat_condition = Some(1);
    d
}

#[tokio::test]
async fn a_credit_note_may_only_reference_vouchers_of_its_own_class() {
    let sim = start(SimConfig::default()).await;
    let auth = login(&sim).await;
    let c = WsfeClient::new(sim.wsfe_url(), T).unwrap();
    let assoc = |voucher_type| AssociatedVoucher {
        voucher_type,
        point_of_sale: 1,
        number: 1,
        cuit: None,
        date: None,
    };
    let mut note = invoice_a(1);
    note.associated = vec![assoc(6)];
    assert_eq!(
        verdict(&c, &auth, &one(1, 3, note.clone())).await,
        (Outcome::Rejected, Some(10040))
    );
    note.associated = vec![assoc(1)];
    assert_eq!(
        verdict(&c, &auth, &one(1, 3, note)).await,
        (Outcome::Approved, None)
    );
}

#[tokio::test]
async fn a_factura_de_credito_electronica_needs_a_buyer_identified_by_a_valid_cuit() {
    let sim = start(SimConfig::default()).await;
    let auth = login(&sim).await;
    let c = WsfeClient::new(sim.wsfe_url(), T).unwrap();
    let today = OffsetDateTime::now_utc().to_offset(offset!(-3)).date();
    let mut fce = invoice_a(1);
    fce.payment_due = Some(today + time::Duration::days(30));

    let mut no_due = fce.clone();
    no_due.payment_due = None;
    assert_eq!(
        verdict(&c, &auth, &one(1, 201, no_due)).await,
        (Outcome::Rejected, Some(10163))
    );
    let mut by_dni = fce.clone();
    (by_dni.doc_type, by_dni.doc_number) = (96, 30_111_222);
    assert_eq!(
        verdict(&c, &auth, &one(1, 201, by_dni)).await,
        (Outcome::Rejected, Some(10176))
    );
    let mut bad_cuit = fce.clone();
    bad_cuit.doc_number = 20_123_456_789;
    assert_eq!(
        verdict(&c, &auth, &one(1, 201, bad_cuit)).await,
        (Outcome::Rejected, Some(10177))
    );
    assert_eq!(
        verdict(&c, &auth, &one(1, 201, fce)).await,
        (Outcome::Approved, None)
    );
}
