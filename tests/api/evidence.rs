//! The evidence of an invoice, end to end: every exchange with ARCA about its number, with the
//! request XML as sent (ticket redacted) and the response XML as received, hashing to what its
//! intent and outcome events recorded; through REST and GraphQL, within the tenant only.

use std::sync::Arc;
use std::time::Duration;

use arca_ws::sim::{FaultMode, FaultSpec};
use commands::ports::SystemClock;
use domain::series::{Environment, SeriesKey};
use domain::values::{Cuit, VoucherType};
use eventstore::ReadOptions;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use sqlx::PgPool;

use crate::graphql::graphql;
use crate::helpers::{RI_CUIT, TestApp, factura_b, keyring};
use crate::saga::{arca, request, settle};

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

async fn evidence(app: &TestApp, id: &str) -> Vec<Value> {
    let answer = app.get(&format!("/v1/invoices/{id}/evidence")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body["exchanges"].as_array().unwrap().clone()
}

/// The `data` of the invoice's events of `event_type`.
async fn invoice_events(app: &TestApp, id: &str, event_type: &str) -> Vec<Value> {
    let answer = app.get(&format!("/v1/invoices/{id}/events")).await;
    answer.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == event_type)
        .map(|e| e["data"].clone())
        .collect()
}

/// The response hashes the series of Factura B recorded.
async fn series_response_hashes(app: &TestApp) -> Vec<String> {
    let key = SeriesKey {
        environment: Environment::Sim,
        cuit: Cuit::parse(RI_CUIT).unwrap(),
        point_of_sale: 1,
        voucher_type: VoucherType::FacturaB,
    };
    let tenant = app.tenant().await;
    app.store
        .read_stream(tenant, &key.stream_for(tenant), ReadOptions::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event_type == "series.submission_completed")
        .map(|e| e.data["response_hash"].as_str().unwrap().to_owned())
        .collect()
}

/// Every WSAA token the broker holds.
async fn tokens(app: &TestApp) -> Vec<String> {
    arca_ws::broker::stored_tickets(&app.pool, &keyring())
        .await
        .unwrap()
        .iter()
        .map(|ticket| ticket.token.clone())
        .collect()
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn an_authorized_invoice_shows_its_request_and_response_as_exchanged(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    let mut arca = arca(&app, Duration::from_secs(10)).await;
    let id = request(&app, factura_b()).await;
    settle(&app, &mut arca.worker, std::slice::from_ref(&id)).await;

    let exchanges = evidence(&app, &id).await;
    assert_eq!(exchanges.len(), 1, "{exchanges:?}");
    let x = &exchanges[0];
    assert_eq!(x["operation"], "FECAESolicitar");
    let request_xml = x["request_xml"].as_str().unwrap();
    assert!(
        request_xml.contains("<CbteDesde>1</CbteDesde>"),
        "{request_xml}"
    );
    assert!(
        request_xml.contains("<Token>[redacted]</Token>"),
        "{request_xml}"
    );
    assert!(
        request_xml.contains("<Sign>[redacted]</Sign>"),
        "{request_xml}"
    );
    let tokens = tokens(&app).await;
    assert!(!tokens.is_empty());
    for token in tokens {
        assert!(!request_xml.contains(&token), "the ticket leaked");
    }
    let submitted = invoice_events(&app, &id, "invoice.submitted").await;
    assert_eq!(x["request_hash"], submitted[0]["request_hash"]);
    assert_eq!(sha256(request_xml), submitted[0]["request_hash"]);
    let response_xml = x["response_xml"].as_str().unwrap();
    assert!(response_xml.contains("FECAESolicitarResponse"));
    assert_eq!(sha256(response_xml), series_response_hashes(&app).await[0]);
    assert_eq!(
        x["response_hash"].as_str(),
        Some(sha256(response_xml).as_str())
    );
    assert!(x["error"].is_null());

    // The same through GraphQL.
    let query = format!(
        "{{ invoice(id: \"{id}\") {{ evidence {{ operation at requestHash responseHash \
         requestXml responseXml error }} }} }}"
    );
    let answer = graphql(&app, &app.key, &query).await;
    let nodes = answer["data"]["invoice"]["evidence"].as_array().unwrap();
    assert_eq!(nodes.len(), 1, "{answer}");
    assert_eq!(nodes[0]["requestXml"].as_str(), Some(request_xml));
    assert_eq!(nodes[0]["requestHash"], submitted[0]["request_hash"]);
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn another_tenant_gets_no_evidence(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    let mut arca = arca(&app, Duration::from_secs(10)).await;
    let id = request(&app, factura_b()).await;
    settle(&app, &mut arca.worker, std::slice::from_ref(&id)).await;
    let other = TestApp::new_tenant(&app.store, "intruder").await;
    let path = format!("/v1/invoices/{id}/evidence");
    let answer = app.call_as(&other, Method::GET, &path, None, &[]).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    assert_eq!(answer.code(), "not_found");
    let query = format!("{{ invoice(id: \"{id}\") {{ evidence {{ requestXml }} }} }}");
    let theirs = graphql(&app, &other, &query).await;
    assert!(theirs["data"]["invoice"].is_null(), "{theirs}");
}

#[sqlx::test(migrator = "eventstore::MIGRATOR")]
async fn a_lost_answer_shows_the_request_with_its_error_then_the_consultation(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Arc::new(SystemClock)).await;
    app.register_issuer(&app.key, RI_CUIT, "responsable_inscripto")
        .await;
    let mut arca = arca(&app, Duration::from_secs(1)).await;
    let drop_once = FaultSpec {
        mode: FaultMode::DropResponse,
        times: Some(1),
        ..FaultSpec::default()
    };
    arca.sim.sim.faults().set("FECAESolicitar", drop_once);
    let id = request(&app, factura_b()).await;
    settle(&app, &mut arca.worker, std::slice::from_ref(&id)).await;

    let exchanges = evidence(&app, &id).await;
    let operations: Vec<&str> = exchanges
        .iter()
        .map(|x| x["operation"].as_str().unwrap())
        .collect();
    assert_eq!(
        operations[..2],
        ["FECAESolicitar", "FECompConsultar"],
        "{exchanges:?}"
    );
    let lost = &exchanges[0];
    assert!(lost["response_xml"].is_null() && lost["response_hash"].is_null());
    assert!(!lost["error"].as_str().unwrap().is_empty());
    assert!(
        lost["request_xml"]
            .as_str()
            .unwrap()
            .contains("<CbteDesde>1</CbteDesde>")
    );
    let submitted = invoice_events(&app, &id, "invoice.submitted").await;
    assert_eq!(lost["request_hash"], submitted[0]["request_hash"]);
    let consulted = &exchanges[1];
    assert!(
        consulted["request_xml"]
            .as_str()
            .unwrap()
            .contains("<CbteNro>1</CbteNro>")
    );
    assert!(
        consulted["response_xml"]
            .as_str()
            .unwrap()
            .contains("FECompConsultarResponse")
    );
    assert!(consulted["error"].is_null());
}
