//! Rate limits shared by every instance: a GCRA ("generic cell rate algorithm", a token bucket
//! kept as one instant) per subject in Postgres.
//!
//! Each subject (an API key, a client address) has a theoretical arrival time (`tat`): the instant
//! its bucket would be full again. A request at `now` moves it to `max(tat, now) + interval`,
//! and is allowed when that is no further than `burst × interval` ahead of `now`. One upsert per
//! request does it atomically on `api_access.rate_buckets` (unlogged) with the database's clock,
//! so instances share the state and never disagree on time.

use std::time::Duration;

use anyhow::Context as _;
use sqlx::PgPool;

/// A limit: one request per `interval` on average, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Time between requests at the sustained rate.
    pub interval: Duration,
    /// Requests allowed at once (the bucket's size), at least 1.
    pub burst: u32,
}

impl Quota {
    /// `per_second` requests a second on average, `burst` at once.
    pub fn per_second(per_second: u32, burst: u32) -> Self {
        Self {
            interval: Duration::from_secs(1) / per_second.max(1),
            burst: burst.max(1),
        }
    }

    /// `count` requests a minute, all of them at once if need be.
    pub fn per_minute(count: u32) -> Self {
        Self {
            interval: Duration::from_secs(60) / count.max(1),
            burst: count.max(1),
        }
    }

    /// How long a full bucket takes to refill: the quota's window.
    pub fn window(&self) -> Duration {
        self.interval * self.burst
    }
}

/// The answer to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the request may go on.
    pub allowed: bool,
    /// Requests that could still be made right now.
    pub remaining: u32,
    /// Until the bucket is full again.
    pub reset: Duration,
    /// When refused, until the next request would be allowed.
    pub retry_after: Duration,
}

impl Decision {
    fn from_ahead(quota: Quota, allowed: bool, ahead_seconds: f64) -> Self {
        let ahead = Duration::try_from_secs_f64(ahead_seconds.max(0.0)).unwrap_or_default();
        let window = quota.window();
        let room = window.saturating_sub(ahead);
        let remaining =
            (room.as_nanos() / quota.interval.as_nanos().max(1)).min(u128::from(u32::MAX));
        let retry_after = if allowed {
            Duration::ZERO
        } else {
            (ahead + quota.interval).saturating_sub(window)
        };
        Self {
            allowed,
            remaining: u32::try_from(remaining).unwrap_or(u32::MAX),
            reset: ahead,
            retry_after,
        }
    }
}

/// The limiter over `api_access.rate_buckets`.
#[derive(Debug, Clone)]
pub struct PgRateLimiter {
    pool: PgPool,
}

/// One statement: the bucket moves only when the request is allowed (`ok` says which), and the
/// answer is how far its `tat` is ahead of the statement's `now()`.
const TAKE: &str = "\
insert into api_access.rate_buckets as b (id, tat, ok) \
values ($1, now() + make_interval(secs => $2), true) \
on conflict (id) do update set \
  tat = case when greatest(b.tat, now()) + make_interval(secs => $2) - now() <= make_interval(secs => $3) \
             then greatest(b.tat, now()) + make_interval(secs => $2) else b.tat end, \
  ok = greatest(b.tat, now()) + make_interval(secs => $2) - now() <= make_interval(secs => $3) \
returning ok, extract(epoch from (tat - now()))::float8";

impl PgRateLimiter {
    /// A limiter on `pool`'s database.
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    /// Takes one request from `subject`'s bucket under `quota`.
    ///
    /// # Errors
    /// The database failed or is unreachable.
    pub async fn take(&self, subject: &str, quota: Quota) -> anyhow::Result<Decision> {
        let (allowed, ahead): (bool, f64) = sqlx::query_as(TAKE)
            .bind(subject)
            .bind(quota.interval.as_secs_f64())
            .bind(quota.window().as_secs_f64())
            .fetch_one(&self.pool)
            .await
            .context("taking from a rate bucket")?;
        Ok(Decision::from_ahead(quota, allowed, ahead))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_says_when_the_next_request_fits() {
        let quota = Quota::per_second(10, 5);
        let full = Decision::from_ahead(quota, false, 0.5);
        assert_eq!(full.remaining, 0);
        assert_eq!(full.retry_after, Duration::from_millis(100));
        let fresh = Decision::from_ahead(quota, true, 0.1);
        assert_eq!((fresh.remaining, fresh.retry_after), (4, Duration::ZERO));
    }
}
