//! The ticket broker's renew-ahead path on the real Postgres: a broker that finds the shared
//! ticket due for renewal, while WSAA still holds it valid or another broker is renewing it,
//! keeps using the still-valid ticket instead of failing or waiting.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use arca_ws::broker::TicketBroker;
use arca_ws::certs::Credentials;
use arca_ws::sim::{FaultMode, FaultSpec, RunningSim};
use arca_ws::wsaa::WsaaClient;
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../schemas/migrations");

/// Renew when less than 13 hours are left: a fresh 12-hour ticket is already due.
const EAGER: time::Duration = time::Duration::hours(13);

/// The credentials as a host would load them: from the encrypted key on disk and its `.pass`.
fn credentials_from_disk() -> Arc<Credentials> {
    let b = common::bundle();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cert.pem"), &b.cert_pem).unwrap();
    std::fs::write(dir.path().join("key.pem"), &b.key_pem).unwrap();
    std::fs::write(dir.path().join("key.pass"), b.key_passphrase.expose()).unwrap();
    let creds = Credentials::open(
        &dir.path().join("cert.pem"),
        &dir.path().join("key.pem"),
        None,
        Some("ARCA_TEST_UNSET_VAR"),
    )
    .unwrap();
    Arc::new(creds)
}

async fn broker(
    pool: &PgPool,
    sim: &RunningSim,
    creds: &Arc<Credentials>,
    wsaa_timeout: Duration,
) -> TicketBroker {
    // A pool of its own, as a separate process would have.
    let own = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    let wsaa = WsaaClient::new(sim.wsaa_url(), wsaa_timeout).unwrap();
    TicketBroker::new(own, common::keyring(), wsaa, creds.clone(), "wsfe", "sim").unwrap()
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn a_broker_refused_with_already_authenticated_keeps_the_still_valid_ticket(pool: PgPool) {
    let sim = common::start_sim().await;
    let creds = credentials_from_disk();
    let first = broker(&pool, &sim, &creds, Duration::from_secs(20)).await;
    let stored = first.ticket().await.unwrap();

    // A second broker thinks the ticket is due, logs in, and WSAA refuses (the ticket lives).
    let second = broker(&pool, &sim, &creds, Duration::from_secs(20))
        .await
        .renew_before(EAGER);
    let got = second.ticket().await.expect("keeps the valid ticket");
    assert_eq!(got.token, stored.token);
    assert_eq!(sim.sim.login_count(), 1, "no second ticket was issued");
}

#[sqlx::test(migrator = "MIGRATOR")]
async fn while_one_broker_renews_another_keeps_using_the_stored_ticket(pool: PgPool) {
    let sim = common::start_sim().await;
    let creds = credentials_from_disk();
    let stored = broker(&pool, &sim, &creds, Duration::from_secs(20))
        .await
        .ticket()
        .await
        .unwrap();

    // The renewer's loginCms never returns: it holds the renewal lock for as long as we like.
    sim.sim.faults().set(
        "loginCms",
        FaultSpec {
            mode: FaultMode::Timeout,
            ..FaultSpec::default()
        },
    );
    let renewer = broker(&pool, &sim, &creds, Duration::from_secs(120))
        .await
        .renew_before(EAGER);
    let renewing = tokio::spawn(async move { renewer.ticket().await });
    let mut held = false;
    for _ in 0..2000 {
        held = sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_database d ON d.oid = l.database
             WHERE d.datname = current_database() AND l.locktype = 'advisory'
               AND l.classid = 1095910209 AND l.granted)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if held {
            break;
        }
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(held, "the renewer took the renewal lock");

    let waiter = broker(&pool, &sim, &creds, Duration::from_secs(20))
        .await
        .renew_before(EAGER);
    let got = tokio::time::timeout(Duration::from_secs(60), waiter.ticket())
        .await
        .expect("does not wait for the renewer")
        .unwrap();
    assert_eq!(got.token, stored.token);
    assert!(!renewing.is_finished());
    renewing.abort();
    assert_eq!(sim.sim.login_count(), 1);
}
