//! How long a retry loop waits after failures in a row: doubling from a first pause up to a cap,
//! optionally spread at random so that instances failing together do not retry in step. The one
//! schedule of the relay, the projection feeds and runner, and the saga's loops.

use std::time::Duration;

/// A doubling pause: `first · 2^(failures − 1)`, at most `cap`, times a random factor in
/// `[low, high]` when jittered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    first: Duration,
    cap: Duration,
    spread: Option<(f64, f64)>,
}

/// Doublings past this many add nothing a cap would not cut anyway.
const MAX_DOUBLINGS: u32 = 20;

impl Backoff {
    /// From `first` after one failure, doubling up to `cap`, without jitter.
    pub const fn new(first: Duration, cap: Duration) -> Self {
        Self {
            first,
            cap,
            spread: None,
        }
    }

    /// The same, each pause multiplied by a random factor in `[low, high]` (such as `0.8..=1.2`
    /// for ±20 %, or `0.5..=1.0` for a point in the upper half).
    #[must_use]
    pub const fn jittered(self, low: f64, high: f64) -> Self {
        Self {
            spread: Some((low, high)),
            ..self
        }
    }

    /// The pause after `failures` failures in a row (`0` counts as the first).
    pub fn delay(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(1).min(MAX_DOUBLINGS);
        let base = self.first.saturating_mul(1 << doublings).min(self.cap);
        match self.spread {
            Some((low, high)) if high > low => base.mul_f64(rand::random_range(low..=high)),
            Some((factor, _)) => base.mul_f64(factor),
            None => base,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn doubles_from_the_first_pause_up_to_the_cap() {
        let backoff = Backoff::new(100 * MS, 1000 * MS);
        let pauses: Vec<_> = (1..=6).map(|n| backoff.delay(n)).collect();
        assert_eq!(
            pauses,
            [100 * MS, 200 * MS, 400 * MS, 800 * MS, 1000 * MS, 1000 * MS]
        );
        assert_eq!(backoff.delay(0), 100 * MS);
        assert_eq!(backoff.delay(u32::MAX), 1000 * MS, "no overflow");
    }

    #[test]
    fn jitter_stays_within_its_factors() {
        let backoff = Backoff::new(1000 * MS, 10_000 * MS).jittered(0.8, 1.2);
        for _ in 0..200 {
            let pause = backoff.delay(2);
            assert!((1600 * MS..=2400 * MS).contains(&pause), "{pause:?}");
        }
        let upper_half = Backoff::new(1000 * MS, 1000 * MS).jittered(0.5, 1.0);
        let pauses: Vec<_> = (0..200).map(|_| upper_half.delay(9)).collect();
        assert!(pauses.iter().all(|p| (500 * MS..=1000 * MS).contains(p)));
        assert!(pauses.iter().any(|p| *p != pauses[0]), "jitter varies");
    }
}
