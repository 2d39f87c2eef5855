//! The circuit breaker's state machine, pure: time comes in as an argument and randomness as a
//! jitter fraction, so tests drive it with a fake clock.
//!
//! Closed, it counts consecutive failures; at the threshold it opens for a cool-down. When the
//! cool-down is over it is half-open: one probe decides — success closes it, failure opens it
//! again for twice as long (up to the maximum). Jitter shortens each cool-down by up to a
//! quarter, so instances that tripped together do not probe together.

use std::time::{Duration, Instant};

/// When the circuit opens and how long it stays open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CircuitPolicy {
    /// Consecutive failures that open the circuit.
    pub threshold: u32,
    /// The first cool-down; each failed probe doubles it.
    pub cooldown: Duration,
    /// The longest cool-down.
    pub max_cooldown: Duration,
}

impl Default for CircuitPolicy {
    fn default() -> Self {
        Self {
            threshold: 5,
            cooldown: Duration::from_secs(1),
            max_cooldown: Duration::from_secs(60),
        }
    }
}

/// Where the circuit is, as the `arca_circuit_state` gauge reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Calls go through.
    Closed,
    /// One probe is deciding.
    HalfOpen,
    /// Calls fail at once.
    Open,
}

impl Phase {
    /// The gauge's value: 0 closed, 1 half-open, 2 open.
    pub fn gauge(self) -> i64 {
        match self {
            Self::Closed => 0,
            Self::HalfOpen => 1,
            Self::Open => 2,
        }
    }

    /// The label of a transition to this phase.
    pub fn label(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::HalfOpen => "half_open",
            Self::Open => "open",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant, cooldown: Duration },
    HalfOpen { cooldown: Duration },
}

/// The state machine.
#[derive(Debug, Clone)]
pub struct Circuit {
    policy: CircuitPolicy,
    state: State,
}

impl Circuit {
    /// A closed circuit.
    pub fn new(policy: CircuitPolicy) -> Self {
        Self {
            policy: CircuitPolicy {
                threshold: policy.threshold.max(1),
                max_cooldown: policy.max_cooldown.max(policy.cooldown),
                ..policy
            },
            state: State::Closed { failures: 0 },
        }
    }

    /// Where the circuit is.
    pub fn phase(&self) -> Phase {
        match self.state {
            State::Closed { .. } => Phase::Closed,
            State::Open { .. } => Phase::Open,
            State::HalfOpen { .. } => Phase::HalfOpen,
        }
    }

    /// Whether a call may go out now (only while closed).
    pub fn accepting(&self) -> bool {
        matches!(self.state, State::Closed { .. })
    }

    /// Consecutive failures counted while closed.
    pub fn failures(&self) -> u32 {
        match self.state {
            State::Closed { failures } => failures,
            State::Open { .. } | State::HalfOpen { .. } => 0,
        }
    }

    /// A call got an answer. Answers to calls that left before the circuit opened change
    /// nothing: only the probe closes an open circuit.
    pub fn succeeded(&mut self) {
        if let State::Closed { .. } = self.state {
            self.state = State::Closed { failures: 0 };
        }
    }

    /// A call failed at `now`: `true` when this failure opened the circuit.
    pub fn failed(&mut self, now: Instant, jitter: f64) -> bool {
        let State::Closed { failures } = self.state else {
            return false;
        };
        let failures = failures.saturating_add(1);
        if failures < self.policy.threshold {
            self.state = State::Closed { failures };
            return false;
        }
        self.open(now, self.policy.cooldown, jitter);
        true
    }

    /// How long until a probe is due (zero when it is), `None` unless open.
    pub fn probe_in(&self, now: Instant) -> Option<Duration> {
        match self.state {
            State::Open { until, .. } => Some(until.saturating_duration_since(now)),
            State::Closed { .. } | State::HalfOpen { .. } => None,
        }
    }

    /// Goes half-open when the cool-down is over: `true` when the caller is to probe now.
    pub fn start_probe(&mut self, now: Instant) -> bool {
        match self.state {
            State::Open { until, cooldown } if now >= until => {
                self.state = State::HalfOpen { cooldown };
                true
            }
            _ => false,
        }
    }

    /// The probe's outcome at `now`: closes the circuit, or opens it for twice as long.
    pub fn probed(&mut self, ok: bool, now: Instant, jitter: f64) {
        let State::HalfOpen { cooldown } = self.state else {
            return;
        };
        if ok {
            self.state = State::Closed { failures: 0 };
        } else {
            let longer = cooldown.saturating_mul(2).min(self.policy.max_cooldown);
            self.open(now, longer, jitter);
        }
    }

    fn open(&mut self, now: Instant, cooldown: Duration, jitter: f64) {
        // Whole thousandths, so the arithmetic stays exact: up to 250 of them are cut.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let cut = (jitter.clamp(0.0, 1.0) * 250.0) as u32;
        let shortened = cooldown * (1000 - cut) / 1000;
        self.state = State::Open {
            until: now + shortened,
            cooldown,
        };
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn policy() -> CircuitPolicy {
        CircuitPolicy {
            threshold: 3,
            cooldown: 100 * MS,
            max_cooldown: 350 * MS,
        }
    }

    /// A circuit opened at `t0` by three failures, without jitter.
    fn opened(t0: Instant) -> Circuit {
        let mut c = Circuit::new(policy());
        assert!(!c.failed(t0, 0.0));
        assert!(!c.failed(t0, 0.0));
        assert!(c.failed(t0, 0.0));
        c
    }

    #[test]
    fn opens_after_the_threshold_of_consecutive_failures() {
        let t0 = Instant::now();
        let mut c = Circuit::new(policy());
        c.failed(t0, 0.0);
        c.failed(t0, 0.0);
        assert!(c.accepting());
        assert_eq!(c.failures(), 2);
        assert!(c.failed(t0, 0.0));
        assert_eq!(c.phase(), Phase::Open);
        assert!(!c.accepting());
    }

    #[test]
    fn an_answer_resets_the_count() {
        let t0 = Instant::now();
        let mut c = Circuit::new(policy());
        c.failed(t0, 0.0);
        c.failed(t0, 0.0);
        c.succeeded();
        assert!(!c.failed(t0, 0.0));
        assert!(!c.failed(t0, 0.0));
        assert_eq!(c.phase(), Phase::Closed);
    }

    #[test]
    fn late_answers_and_failures_do_not_move_an_open_circuit() {
        let t0 = Instant::now();
        let mut c = opened(t0);
        c.succeeded();
        assert!(!c.failed(t0, 0.0));
        assert_eq!(c.phase(), Phase::Open);
        assert_eq!(c.probe_in(t0), Some(100 * MS));
    }

    #[test]
    fn one_probe_after_the_cool_down_and_success_closes() {
        let t0 = Instant::now();
        let mut c = opened(t0);
        assert!(!c.start_probe(t0 + 99 * MS));
        assert!(c.start_probe(t0 + 100 * MS));
        assert_eq!(c.phase(), Phase::HalfOpen);
        assert!(!c.accepting());
        assert!(!c.start_probe(t0 + 200 * MS), "only one probe at a time");
        c.probed(true, t0 + 110 * MS, 0.0);
        assert_eq!(c.phase(), Phase::Closed);
        assert!(c.accepting());
        assert_eq!(c.failures(), 0);
    }

    #[test]
    fn a_failed_probe_doubles_the_cool_down_up_to_the_maximum() {
        let t0 = Instant::now();
        let mut c = opened(t0);
        let mut now = t0;
        for expected in [200, 350, 350] {
            now += c.probe_in(now).unwrap();
            assert!(c.start_probe(now));
            c.probed(false, now, 0.0);
            assert_eq!(c.phase(), Phase::Open);
            assert_eq!(c.probe_in(now), Some(expected * MS));
        }
    }

    #[test]
    fn jitter_shortens_a_cool_down_by_at_most_a_quarter() {
        let t0 = Instant::now();
        let mut c = Circuit::new(CircuitPolicy {
            threshold: 1,
            ..policy()
        });
        assert!(c.failed(t0, 1.0));
        assert_eq!(c.probe_in(t0), Some(75 * MS));
        let mut d = Circuit::new(CircuitPolicy {
            threshold: 1,
            ..policy()
        });
        assert!(d.failed(t0, 0.5));
        assert_eq!(d.probe_in(t0), Some(87_500 * Duration::from_micros(1)));
    }

    #[test]
    fn the_phases_report_as_the_gauge_expects() {
        assert_eq!(
            [Phase::Closed, Phase::HalfOpen, Phase::Open].map(Phase::gauge),
            [0, 1, 2]
        );
    }
}
