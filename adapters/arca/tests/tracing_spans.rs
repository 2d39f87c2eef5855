//! The client's SOAP calls and the broker's acquire run in spans named by operation, and
//! nothing they log carries a token, a sign, a key or its passphrase.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arca_ws::broker::TicketBroker;
use arca_ws::cli::demo::consumer_batch;
use arca_ws::sim::{SimConfig, Simulator};
use arca_ws::wsaa::WsaaClient;
use arca_ws::wsfe::{Auth, WsfeClient};
use sqlx::PgPool;
use tracing_subscriber::fmt::format::FmtSpan;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../schemas/migrations");

/// Everything the subscriber writes, in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn soap_calls_and_ticket_acquisition_are_spans_without_secrets(pool: PgPool) {
    let out = Captured::default();
    let writer = out.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(FmtSpan::CLOSE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let b = common::bundle();
    let cfg = SimConfig {
        trust: vec![b.ca.cert.clone()],
        ..SimConfig::default()
    };
    let sim = Simulator::new(cfg)
        .unwrap()
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let wsaa = WsaaClient::new(sim.wsaa_url(), Duration::from_secs(20)).unwrap();
    let broker = TicketBroker::new(
        pool,
        common::keyring(),
        wsaa,
        Arc::new(b.leaf.clone()),
        "wsfe",
        "sim",
    )
    .unwrap();
    let ticket = broker.ticket().await.unwrap();
    let auth = Auth::from_ticket(&ticket, common::CUIT.parse().unwrap()).unwrap();
    let c = WsfeClient::new(sim.wsfe_url(), Duration::from_secs(20)).unwrap();
    c.authorize(&auth, &consumer_batch(1, 1, 2)).await.unwrap();
    c.last_authorized(&auth, 1, 6).await.unwrap();
    drop(_guard);

    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    for span in [
        "broker.acquire{operation=\"acquire\" service=wsfe environment=sim outcome=\"renewed\"}",
        "wsaa.call{operation=\"loginCms\"}",
        "wsfe.call{operation=\"FECAESolicitar\"}",
        "wsfe.call{operation=\"FECompUltimoAutorizado\"}",
    ] {
        assert!(text.contains(span), "no {span} in:\n{text}");
    }
    for secret in [
        ticket.token.as_str(),
        ticket.sign.as_str(),
        b.key_passphrase.expose(),
        "PRIVATE KEY",
    ] {
        assert!(!text.contains(secret), "a secret was logged:\n{text}");
    }
}
