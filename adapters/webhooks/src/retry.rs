//! When to try a delivery again, and which answers are worth another try.

use std::time::Duration;

/// What an attempt's result means for the delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx: delivered.
    Success,
    /// 5xx, 408, 409, 425, 429, 3xx (redirects are not followed), timeouts and network errors:
    /// try again on the schedule.
    Retry,
    /// Any other 4xx, or an address the policy refuses: no further attempt.
    Final,
    /// 410 Gone: no further attempt, and the subscription is disabled.
    Gone,
}

/// Classifies an attempt: `status` is the HTTP status when one came back, `blocked` says the
/// address was refused before connecting.
#[must_use]
pub fn classify(status: Option<u16>, blocked: bool) -> Outcome {
    match status {
        Some(200..=299) => Outcome::Success,
        Some(410) => Outcome::Gone,
        Some(408 | 409 | 425 | 429) => Outcome::Retry,
        Some(400..=499) => Outcome::Final,
        Some(_) => Outcome::Retry,
        None if blocked => Outcome::Final,
        None => Outcome::Retry,
    }
}

/// A schedule text that does not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScheduleError {
    /// An entry is not a number followed by ms, s, m, h or d.
    #[error("webhook_retry_schedule: `{0}` is not a delay such as 0s, 500ms, 5m, 1h or 1d")]
    Entry(String),
    /// No entries.
    #[error("webhook_retry_schedule must list at least one delay")]
    Empty,
}

/// Delays before each attempt: the first entry before attempt 1 (usually 0s), the n-th before
/// attempt n. The number of entries is the number of attempts. Each delay gets ±20 % jitter, and
/// a `Retry-After` answer moves it within [delay, 2 × delay].
#[derive(Debug, Clone, PartialEq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
    jitter: f64,
}

/// The issue's schedule: immediately, then 1 min, 5 min, 15 min, 1 h, 6 h, 24 h.
pub const DEFAULT_SCHEDULE: &str = "0s,1m,5m,15m,1h,6h,24h";

impl Default for RetrySchedule {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        Self {
            delays: vec![
                Duration::ZERO,
                minutes(1),
                minutes(5),
                minutes(15),
                minutes(60),
                minutes(360),
                minutes(1440),
            ],
            jitter: 0.2,
        }
    }
}

fn parse_delay(text: &str) -> Option<Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().ok()?;
    let millis = match unit {
        "ms" => n,
        "s" => n.checked_mul(1_000)?,
        "m" => n.checked_mul(60_000)?,
        "h" => n.checked_mul(3_600_000)?,
        "d" => n.checked_mul(86_400_000)?,
        _ => return None,
    };
    Some(Duration::from_millis(millis))
}

impl RetrySchedule {
    /// Reads `"0s,1m,5m"` (units ms, s, m, h, d).
    ///
    /// # Errors
    /// [`ScheduleError`] for an empty list or an entry that does not parse.
    pub fn parse(text: &str) -> Result<Self, ScheduleError> {
        let delays = text
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| parse_delay(entry).ok_or_else(|| ScheduleError::Entry(entry.to_owned())))
            .collect::<Result<Vec<_>, _>>()?;
        if delays.is_empty() {
            return Err(ScheduleError::Empty);
        }
        Ok(Self {
            delays,
            jitter: 0.2,
        })
    }

    /// The same delays without jitter (tests that count attempts).
    #[must_use]
    pub fn without_jitter(mut self) -> Self {
        self.jitter = 0.0;
        self
    }

    /// How many attempts a delivery gets.
    #[must_use]
    pub fn attempts(&self) -> u32 {
        u32::try_from(self.delays.len()).unwrap_or(u32::MAX)
    }

    /// The delay before attempt 1.
    #[must_use]
    pub fn first_delay(&self) -> Duration {
        self.delays.first().copied().unwrap_or_default()
    }

    /// The wait before the next attempt once `attempts_made` attempts failed, or `None` when the
    /// schedule is exhausted. `retry_after` is the receiver's `Retry-After`, if any.
    #[must_use]
    pub fn next_delay(
        &self,
        attempts_made: u32,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        self.delay_with(attempts_made, retry_after, rand::random::<f64>())
    }

    /// [`Self::next_delay`] with the random draw `unit` ∈ [0, 1) given.
    #[must_use]
    pub fn delay_with(
        &self,
        attempts_made: u32,
        retry_after: Option<Duration>,
        unit: f64,
    ) -> Option<Duration> {
        let base = *self.delays.get(usize::try_from(attempts_made).ok()?)?;
        if let Some(asked) = retry_after {
            return Some(asked.clamp(base, base.saturating_mul(2)));
        }
        let factor = 1.0 + self.jitter * (2.0 * unit.clamp(0.0, 1.0) - 1.0);
        Some(base.mul_f64(factor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_answers_as_the_issue_says() {
        assert_eq!(classify(Some(200), false), Outcome::Success);
        assert_eq!(classify(Some(204), false), Outcome::Success);
        assert_eq!(classify(Some(301), false), Outcome::Retry);
        for retried in [408, 409, 425, 429, 500, 502, 503] {
            assert_eq!(classify(Some(retried), false), Outcome::Retry, "{retried}");
        }
        for last in [400, 401, 403, 404, 413, 422] {
            assert_eq!(classify(Some(last), false), Outcome::Final, "{last}");
        }
        assert_eq!(classify(Some(410), false), Outcome::Gone);
        assert_eq!(
            classify(None, false),
            Outcome::Retry,
            "timeouts and network errors"
        );
        assert_eq!(classify(None, true), Outcome::Final, "a refused address");
    }

    #[test]
    fn the_default_schedule_is_the_issues_and_parses_from_its_text() {
        let schedule = RetrySchedule::parse(DEFAULT_SCHEDULE).expect("default");
        assert_eq!(schedule, RetrySchedule::default());
        assert_eq!(schedule.attempts(), 7);
        assert_eq!(schedule.first_delay(), Duration::ZERO);
        let exact = schedule.without_jitter();
        assert_eq!(exact.next_delay(1, None), Some(Duration::from_secs(60)));
        assert_eq!(exact.next_delay(6, None), Some(Duration::from_secs(86_400)));
        assert_eq!(
            exact.next_delay(7, None),
            None,
            "exhausted after the 7th attempt"
        );
        assert_eq!(
            RetrySchedule::parse("0s, 250ms,2d").map(|s| s.delay_with(2, None, 0.5)),
            Ok(Some(Duration::from_secs(172_800)))
        );
        assert_eq!(RetrySchedule::parse(""), Err(ScheduleError::Empty));
        assert_eq!(
            RetrySchedule::parse("1m,5x"),
            Err(ScheduleError::Entry("5x".into()))
        );
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        let schedule = RetrySchedule::default();
        let minute = Duration::from_secs(60);
        assert_eq!(schedule.delay_with(1, None, 0.0), Some(minute.mul_f64(0.8)));
        assert_eq!(schedule.delay_with(1, None, 1.0), Some(minute.mul_f64(1.2)));
        for _ in 0..200 {
            let delay = schedule.next_delay(1, None).expect("scheduled");
            assert!(
                delay >= minute.mul_f64(0.8) && delay <= minute.mul_f64(1.2),
                "{delay:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_between_the_delay_and_twice_it() {
        let schedule = RetrySchedule::default();
        let five = Duration::from_secs(300);
        let asked = |secs| schedule.delay_with(2, Some(Duration::from_secs(secs)), 0.9);
        assert_eq!(asked(1), Some(five), "never sooner than scheduled");
        assert_eq!(asked(420), Some(Duration::from_secs(420)));
        assert_eq!(
            asked(86_400),
            Some(five * 2),
            "never later than twice the delay"
        );
    }
}
