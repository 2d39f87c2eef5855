//! The simulator's admin endpoints over HTTP on loopback: faults per operation, the clock,
//! seeds and the ledger, each observed through the WSFEv1 client.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use arca_ws::cli::demo::consumer_batch;
use arca_ws::sim::RunningSim;
use arca_ws::wsaa::WsaaClient;
use arca_ws::wsfe::{Auth, Outcome, WsfeClient};
use reqwest::StatusCode;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

const T: Duration = Duration::from_secs(10);

async fn login(sim: &RunningSim) -> Auth {
    let wsaa = WsaaClient::new(sim.wsaa_url(), T).unwrap();
    let ticket = wsaa.login(&common::bundle().leaf, "wsfe").await.unwrap();
    Auth::from_ticket(&ticket, common::CUIT.parse().unwrap()).unwrap()
}

#[tokio::test]
async fn admin_endpoints_drive_faults_clock_seeds_and_expose_the_ledger() {
    let sim = common::start_sim().await;
    let auth = login(&sim).await;
    let c = WsfeClient::new(sim.wsfe_url(), T).unwrap();
    let admin = reqwest::Client::builder().timeout(T).build().unwrap();
    let url = |p: &str| format!("http://{}/admin/{p}", sim.addr);

    // Seed point of sale 3 as if 41 Facturas B had been authorized before.
    let r = admin
        .post(url("seed"))
        .json(&json!({ "cuit": 20267565393u64, "point_of_sale": 3, "voucher_type": 6, "last": 41 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let last = c.last_authorized(&auth, 3, 6).await.unwrap();
    assert_eq!(last.data.unwrap().number, 41);

    // "Service down" for FECAESolicitar only: HTTP 503, nothing authorized.
    let r = admin
        .put(url("faults/FECAESolicitar"))
        .json(&json!({ "mode": "down" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let listed: Value = admin
        .get(url("faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["FECAESolicitar"]["mode"], "down");
    let err = c
        .authorize(&auth, &consumer_batch(3, 42, 1))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("503"), "{err}");
    assert_eq!(
        c.last_authorized(&auth, 3, 6)
            .await
            .unwrap()
            .data
            .unwrap()
            .number,
        41
    );
    let r = admin.delete(url("faults")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let ok = c.authorize(&auth, &consumer_batch(3, 42, 1)).await.unwrap();
    assert_eq!(ok.data.unwrap().details[0].outcome, Outcome::Approved);

    // The clock: 13 hours on, the 12-hour token has expired (600); back to real time, it works.
    let later = (OffsetDateTime::now_utc() + time::Duration::hours(13))
        .format(&Rfc3339)
        .unwrap();
    let r = admin
        .put(url("clock"))
        .json(&json!({ "now": later }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(c.last_authorized(&auth, 3, 6).await.unwrap().has_error(600));
    let r = admin.delete(url("clock")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let last = c.last_authorized(&auth, 3, 6).await.unwrap();
    assert!(last.errors.is_empty(), "{:?}", last.errors);
    assert_eq!(last.data.unwrap().number, 42);

    // The ledger as JSON: the seeded series continued without gaps or duplicates.
    let r = admin.get(url("ledger")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ledger: Value = r.json().await.unwrap();
    let series = ledger
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["point_of_sale"] == 3 && s["voucher_type"] == 6)
        .unwrap_or_else(|| panic!("{ledger}"));
    assert_eq!(series["cuit"], 20267565393u64);
    assert_eq!(series["last"], 42);
    assert_eq!(series["gaps"], json!([]));
    assert_eq!(series["duplicates"], json!([]));
}
