//! The ticket broker on the real Postgres: many brokers starting at once share one ticket and
//! cause exactly one loginCms; a restarted broker reuses the stored ticket.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use arca_ws::broker::TicketBroker;
use arca_ws::sim::{SimConfig, Simulator};
use arca_ws::wsaa::WsaaClient;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../schemas/migrations");

#[sqlx::test(migrator = "MIGRATOR")]
async fn concurrent_brokers_share_one_ticket_and_restarts_reuse_it(pool: PgPool) {
    let cfg = SimConfig {
        trust: vec![common::bundle().ca.cert.clone()],
        ..SimConfig::default()
    };
    let sim = Simulator::new(cfg)
        .unwrap()
        .start("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let creds = Arc::new(common::bundle().leaf.clone());
    let mut brokers = Vec::new();
    for _ in 0..6 {
        // A pool of its own per broker, as separate processes would have.
        let own = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(pool.connect_options().as_ref().clone())
            .await
            .unwrap();
        let wsaa = WsaaClient::new(sim.wsaa_url(), Duration::from_secs(20)).unwrap();
        brokers.push(
            TicketBroker::new(own, common::keyring(), wsaa, creds.clone(), "wsfe", "sim").unwrap(),
        );
    }
    let results = futures::future::join_all(brokers.iter().map(|b| b.ticket())).await;
    let tickets: Vec<_> = results
        .into_iter()
        .map(|r| r.expect("every broker gets the ticket"))
        .collect();
    assert!(tickets.iter().all(|t| t.token == tickets[0].token));
    assert_eq!(
        sim.sim.login_count(),
        1,
        "exactly one loginCms for the whole cluster"
    );

    // A fresh process (new broker, empty memory) reuses the stored ticket.
    let wsaa = WsaaClient::new(sim.wsaa_url(), Duration::from_secs(20)).unwrap();
    let restarted = TicketBroker::new(
        pool.clone(),
        common::keyring(),
        wsaa,
        creds.clone(),
        "wsfe",
        "sim",
    )
    .unwrap();
    assert_eq!(restarted.ticket().await.unwrap().token, tickets[0].token);
    assert_eq!(sim.sim.login_count(), 1);

    // Another environment is another ticket... which the simulator refuses while one is valid.
    let wsaa = WsaaClient::new(sim.wsaa_url(), Duration::from_secs(20)).unwrap();
    let other_env =
        TicketBroker::new(pool, common::keyring(), wsaa, creds, "wsfe", "homologacion").unwrap();
    let err = other_env.ticket().await.unwrap_err();
    assert!(
        err.to_string().contains("coe.alreadyAuthenticated"),
        "{err}"
    );
}
