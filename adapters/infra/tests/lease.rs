//! Leases and the lock namespaces on a real Postgres: a lease excludes every other session until
//! it is released or its holder's connection goes, and each namespace takes the key the system
//! has always taken (so an instance of an older build and one of this build exclude each other).

use infra::lease::{self, Leases, LockSpace};
use std::time::{Duration, Instant};

use sqlx::{Connection as _, PgConnection, PgPool};

async fn other_session(pool: &PgPool) -> PgConnection {
    PgConnection::connect_with(&pool.connect_options())
        .await
        .expect("a second session")
}

/// Whether another session could take the lock the older builds took with `sql`.
async fn free_as_before(pool: &PgPool, sql: &str) -> bool {
    let mut conn = other_session(pool).await;
    let free: bool = sqlx::query_scalar(sql)
        .fetch_one(&mut conn)
        .await
        .expect("a try-lock");
    conn.close().await.expect("closed");
    free
}

#[sqlx::test]
async fn a_lease_excludes_every_other_session_until_released(pool: PgPool) {
    let leases = Leases::new(pool.clone());
    let others = Leases::new(pool.clone());
    let held = leases
        .try_lead(LockSpace::Series, "series-sim-20267565393-1-6")
        .await
        .unwrap()
        .expect("free");
    assert!(
        others
            .try_lead(LockSpace::Series, "series-sim-20267565393-1-6")
            .await
            .unwrap()
            .is_none(),
        "held by another session"
    );
    assert!(
        others
            .try_lead(LockSpace::Series, "series-sim-20267565393-2-6")
            .await
            .unwrap()
            .is_some(),
        "another series is free"
    );
    held.release().await;
    assert!(
        others
            .try_lead(LockSpace::Series, "series-sim-20267565393-1-6")
            .await
            .unwrap()
            .is_some()
    );
}

#[sqlx::test]
async fn a_series_lease_dropped_without_release_frees_the_series(pool: PgPool) {
    let key = "series-sim-20267565393-1-1";
    // Two processes, each with its own connections, kept while idle (as a server's pool does).
    let process = || async {
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(2)
            .idle_timeout(None)
            .connect_with((*pool.connect_options()).clone())
            .await
            .unwrap();
        Leases::new(pool)
    };
    let (mine, theirs) = (process().await, process().await);

    let held = mine
        .try_lead(LockSpace::Series, key)
        .await
        .unwrap()
        .unwrap();
    assert!(
        theirs
            .try_lead(LockSpace::Series, key)
            .await
            .unwrap()
            .is_none()
    );
    // A drive cancelled mid-way drops its lease without releasing it.
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(lease) = theirs.try_lead(LockSpace::Series, key).await.unwrap() {
            lease.release().await;
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the dropped lease still holds the series"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[sqlx::test]
async fn a_lease_found_taken_leaves_its_connection_open_in_the_pool(pool: PgPool) {
    let key = "series-sim-20267565393-1-1";
    let one_connection = || {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .connect_lazy_with((*pool.connect_options()).clone())
    };
    let mine = Leases::new(one_connection());
    let theirs_pool = one_connection();
    let theirs = Leases::new(theirs_pool.clone());
    let backend = || async {
        sqlx::query_scalar::<_, i32>("select pg_backend_pid()")
            .fetch_one(&theirs_pool)
            .await
            .unwrap()
    };
    let before = backend().await;

    let held = mine
        .try_lead(LockSpace::Series, key)
        .await
        .unwrap()
        .unwrap();
    for _ in 0..3 {
        assert!(
            theirs
                .try_lead(LockSpace::Series, key)
                .await
                .unwrap()
                .is_none()
        );
    }
    assert_eq!(
        backend().await,
        before,
        "a lease found taken must not cost a new connection"
    );
    held.release().await;
    let lease = theirs
        .try_lead(LockSpace::Series, key)
        .await
        .unwrap()
        .unwrap();
    lease.release().await;
    assert_eq!(backend().await, before, "a released lease keeps it too");
}

#[sqlx::test]
async fn every_namespace_takes_the_key_older_builds_took(pool: PgPool) {
    let leases = Leases::new(pool.clone());
    let stream = "series-sim-20111111112-3-1";
    let _series = leases.try_lead(LockSpace::Series, stream).await.unwrap();
    let series =
        format!("select pg_try_advisory_lock(hashtextextended('arca.series:{stream}', 0))");
    assert!(!free_as_before(&pool, &series).await, "series lease");
    let _intake = leases.try_lead(LockSpace::SagaIntake, "").await.unwrap();
    let intake = "select pg_try_advisory_lock(hashtextextended('arca.saga.intake', 0))";
    assert!(!free_as_before(&pool, intake).await, "intake lease");
    let _relay = leases.try_lead(LockSpace::Relay, "").await.unwrap();
    let relay = "select pg_try_advisory_lock(hashtext('es.relay'), 0)";
    assert!(!free_as_before(&pool, relay).await, "relay election");
    let _rebuild = leases
        .try_lead(LockSpace::Rebuild, "invoices")
        .await
        .unwrap();
    let rebuild = "select pg_try_advisory_lock(hashtext('rm.rebuild'), hashtext('invoices'))";
    assert!(!free_as_before(&pool, rebuild).await, "rebuild lock");
}

#[sqlx::test]
async fn the_namespaces_of_two_keys_differ_in_their_first(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let mut firsts = Vec::new();
    for space in LockSpace::ALL.into_iter().filter(|s| s.is_pair()) {
        let sql = format!(
            "select ({})::int4",
            space.key_sql().split(", ").next().unwrap()
        );
        let first: i32 = sqlx::query_scalar(&sql)
            .bind("name")
            .bind(7_i32)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        assert!(!firsts.contains(&first), "{space:?} shares its first key");
        firsts.push(first);
    }
    assert_eq!(firsts.len(), 4);
}

#[sqlx::test]
async fn transaction_scoped_namespaces_are_not_leases(pool: PgPool) {
    let mut conn = pool.acquire().await.unwrap();
    let refused = lease::try_lock(&mut conn, LockSpace::StreamAppends, "invoice-1").await;
    assert!(matches!(refused, Err(sqlx::Error::Configuration(_))));
}
