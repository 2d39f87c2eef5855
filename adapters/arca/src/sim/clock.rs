//! The simulator's clock: real time, or a set instant that then advances with real time.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use time::OffsetDateTime;

/// A shared, settable clock.
#[derive(Debug, Clone, Default)]
pub struct Clock(Arc<Mutex<Option<(OffsetDateTime, Instant)>>>);

impl Clock {
    /// The current simulated time.
    pub fn now(&self) -> OffsetDateTime {
        match *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            Some((t, at)) => t + at.elapsed(),
            None => OffsetDateTime::now_utc(),
        }
    }

    /// From now on, time runs from `t`.
    pub fn set(&self, t: OffsetDateTime) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((t, Instant::now()));
    }

    /// Back to real time.
    pub fn reset(&self) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}
