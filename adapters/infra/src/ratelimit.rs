//! Rate limits shared by every instance: a GCRA ("generic cell rate algorithm", a token bucket
//! kept as one instant) per subject in Postgres.
//!
//! Each subject (an API key, a client address) has a theoretical arrival time (`tat`): the instant
//! its bucket would be full again. Taking `n` requests at `now` moves it to
//! `max(tat, now) + n × interval`, allowed when that is no further than `burst × interval` ahead
//! of `now`. One upsert does it atomically on `api_access.rate_buckets` (unlogged) with the
//! database's clock, so instances share the state and never disagree on time.
//!
//! So that a busy key does not cost a database round trip per request (every instance's requests
//! for one key would queue on its row), an instance takes a few requests' worth at once — about
//! 50 ms of the key's rate, at most an eighth of its burst, at least one — and hands them out
//! locally until they are used. What is taken is paid for in the shared bucket when it is taken,
//! so the instances together never exceed the quota; an instance holds back at most one such
//! allowance per key. Slow limits (under 20 a second) take one request at a time, exactly.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

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
    /// The decision with `held` more requests this instance holds for the subject counted as
    /// remaining. They were paid for, but a bucket that refilled meanwhile counts them again:
    /// never more than the burst.
    fn holding(mut self, held: u32, quota: Quota) -> Self {
        self.remaining = self.remaining.saturating_add(held).min(quota.burst);
        self
    }

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

/// The limiter over `api_access.rate_buckets`, with this instance's allowances; clones share
/// them.
#[derive(Debug, Clone)]
pub struct PgRateLimiter {
    pool: PgPool,
    held: Arc<Mutex<HashMap<String, Held>>>,
}

/// Requests of one subject taken from the shared bucket and not handed out yet.
#[derive(Debug, Clone, Copy)]
struct Held {
    quota: Quota,
    left: u32,
    /// How far the bucket's `tat` was ahead of `now` right after they were taken, and when.
    ahead: Duration,
    at: Instant,
}

/// How much of a key's rate an instance takes at once.
const ALLOWANCE: Duration = Duration::from_millis(50);

/// Subjects an instance keeps allowances for at most; past it they are forgotten (what they held
/// is lost to their subjects, which only ever errs on the side of the limit).
const HELD_SUBJECTS: usize = 100_000;

/// One statement: takes as many of `$4` requests as the bucket has room for (none: refused),
/// answering how many it took and how far its `tat` is then ahead of the statement's `now()`.
/// `$2` is the interval and `$3` the window, in seconds; `$5` the burst (a new bucket's room).
/// The `set` expressions all read the row as it was, locked by the upsert.
const TAKE: &str = "\
insert into api_access.rate_buckets as b (id, tat, ok, taken) \
values ($1, now() + make_interval(secs => $2 * least($4, $5)), true, least($4, $5)) \
on conflict (id) do update set \
  taken = greatest(0, least($4, floor(($3 - extract(epoch from (greatest(b.tat, now()) - now()))) \
          / $2 + 1e-6)::int)), \
  tat = greatest(b.tat, now()) + make_interval(secs => $2 * greatest(0, least($4, \
          floor(($3 - extract(epoch from (greatest(b.tat, now()) - now()))) / $2 + 1e-6)::int))), \
  ok = least($4, floor(($3 - extract(epoch from (greatest(b.tat, now()) - now()))) \
          / $2 + 1e-6)::int) > 0 \
returning taken, extract(epoch from (tat - now()))::float8";

impl PgRateLimiter {
    /// A limiter on `pool`'s database.
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            held: Arc::default(),
        }
    }

    /// Takes one request from `subject`'s bucket under `quota`: from what this instance holds
    /// for it, or from the shared bucket (with an allowance for the next ones).
    ///
    /// # Errors
    /// The database failed or is unreachable.
    pub async fn take(&self, subject: &str, quota: Quota) -> anyhow::Result<Decision> {
        if let Some(decision) = self.hand_out(subject, quota) {
            return Ok(decision);
        }
        let wanted = allowance(quota);
        let (taken, ahead): (i32, f64) = sqlx::query_as(TAKE)
            .bind(subject)
            .bind(quota.interval.as_secs_f64())
            .bind(quota.window().as_secs_f64())
            .bind(i32::try_from(wanted).unwrap_or(i32::MAX))
            .bind(i32::try_from(quota.burst).unwrap_or(i32::MAX))
            .fetch_one(&self.pool)
            .await
            .context("taking from a rate bucket")?;
        let taken = u32::try_from(taken).unwrap_or_default();
        let allowed = taken > 0;
        let mut decision = Decision::from_ahead(quota, allowed, ahead);
        if allowed {
            // What was taken beyond this request is held here for the next ones.
            let left = taken - 1;
            let lead = Duration::try_from_secs_f64(ahead.max(0.0)).unwrap_or_default();
            self.keep(subject, quota, left, lead);
            decision = decision.holding(left, quota);
        }
        Ok(decision)
    }

    /// One of the requests held for `subject` under the same `quota`, if any is left.
    fn hand_out(&self, subject: &str, quota: Quota) -> Option<Decision> {
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = held
            .get_mut(subject)
            .filter(|h| h.quota == quota && h.left > 0)?;
        entry.left -= 1;
        let ahead = entry.ahead.saturating_sub(entry.at.elapsed());
        Some(Decision::from_ahead(quota, true, ahead.as_secs_f64()).holding(entry.left, quota))
    }

    /// Holds `left` more requests for `subject` (what is held under another quota is dropped),
    /// with the bucket's lead `ahead` as of now.
    fn keep(&self, subject: &str, quota: Quota, left: u32, ahead: Duration) {
        if left == 0 {
            return;
        }
        let mut held = self.held.lock().unwrap_or_else(PoisonError::into_inner);
        if held.len() >= HELD_SUBJECTS && !held.contains_key(subject) {
            held.clear();
        }
        let before = held
            .get(subject)
            .filter(|h| h.quota == quota)
            .map_or(0, |h| h.left);
        held.insert(
            subject.to_owned(),
            Held {
                quota,
                left: before.saturating_add(left),
                ahead,
                at: Instant::now(),
            },
        );
    }
}

/// Requests taken at once for `quota`: about [`ALLOWANCE`] of its rate, at most an eighth of its
/// burst, at least one.
fn allowance(quota: Quota) -> u32 {
    let per_allowance = ALLOWANCE.as_nanos() / quota.interval.as_nanos().max(1);
    let cap = (quota.burst / 8).max(1);
    u32::try_from(per_allowance)
        .unwrap_or(u32::MAX)
        .clamp(1, cap)
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
