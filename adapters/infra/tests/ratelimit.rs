//! Rate limits on a real Postgres: instances that take allowances from one shared bucket never
//! hand out more than the quota between them, and a slow limit is taken one request at a time.

use std::time::{Duration, Instant};

use infra::{PgRateLimiter, Quota};
use sqlx::PgPool;

async fn buckets(pool: &PgPool) {
    sqlx::raw_sql(include_str!(
        "../../../schemas/migrations/20261207000300_api_access.sql"
    ))
    .execute(pool)
    .await
    .expect("the api_access tables");
}

#[sqlx::test]
async fn instances_taking_allowances_never_exceed_the_quota_between_them(pool: PgPool) {
    buckets(&pool).await;
    // 200 a second, 100 at once: each instance takes 10 at a time. The requests come far
    // faster than that, so most must be refused.
    let quota = Quota::per_second(200, 100);
    let instances = [
        PgRateLimiter::new(pool.clone()),
        PgRateLimiter::new(pool.clone()),
    ];
    let started = Instant::now();
    let mut allowed = 0u64;
    for i in 0..3_000 {
        let decision = instances[i % 2].take("key:shared", quota).await.unwrap();
        if decision.allowed {
            allowed += 1;
        } else {
            assert!(decision.retry_after > Duration::ZERO, "{decision:?}");
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    // The burst, the rate over the run, and what the two instances may hold taken but unused.
    let most = 100.0 + 200.0 * elapsed + 2.0 * 10.0;
    assert!(
        (allowed as f64) <= most,
        "{allowed} allowed in {elapsed:.3} s, at most {most:.0}"
    );
    assert!(
        most < 3_000.0,
        "the run was too slow to tell anything ({elapsed:.3} s)"
    );
    assert!(allowed >= 100, "the burst was honoured: {allowed}");
}

#[sqlx::test]
async fn a_slow_limit_is_taken_one_request_at_a_time(pool: PgPool) {
    buckets(&pool).await;
    let quota = Quota::per_second(1, 3);
    let here = PgRateLimiter::new(pool.clone());
    let there = PgRateLimiter::new(pool.clone());
    let answers = [
        here.take("key:slow", quota).await.unwrap(),
        there.take("key:slow", quota).await.unwrap(),
        here.take("key:slow", quota).await.unwrap(),
        there.take("key:slow", quota).await.unwrap(),
    ];
    let allowed: Vec<bool> = answers.iter().map(|d| d.allowed).collect();
    assert_eq!(allowed, [true, true, true, false]);
    assert_eq!(answers[0].remaining, 2);
}

#[sqlx::test]
async fn what_is_left_never_reads_above_the_burst(pool: PgPool) {
    buckets(&pool).await;
    // 1,000 a second, 80 at once: 10 taken at a time; the bucket refills while they are held.
    let quota = Quota::per_second(1_000, 80);
    let limiter = PgRateLimiter::new(pool.clone());
    for _ in 0..3 {
        let decision = limiter.take("key:held", quota).await.unwrap();
        assert!(decision.allowed);
        assert!(decision.remaining <= 80, "{decision:?}");
        tokio::time::sleep(Duration::from_millis(120)).await;
    }
}
