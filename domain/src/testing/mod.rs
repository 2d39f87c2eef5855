//! Test support, for this crate and (with feature `testing`) for others: a given/when/then
//! harness over any [`Aggregate`] at a fixed [`Context`], example issuers and requests, and one
//! example of every event type.
//!
//! ```ignore
//! let request = RequestInvoice { items: vec![], ..factura_a() };
//! Scenario::<Invoice>::given([]).when(request).then_err(InvoiceError::NoItems);
//! ```

mod builders;
mod examples;

use std::fmt::Debug;

use time::macros::{date, datetime};
use time::{Date, OffsetDateTime};

pub use builders::*;
pub use examples::*;

use crate::aggregate::{Aggregate, Context};

/// The fixed instant of every scenario: 2025-07-01 12:00 in Argentina.
pub const NOW: OffsetDateTime = datetime!(2025-07-01 15:00 UTC);
/// Today in Argentina at [`NOW`].
pub const TODAY: Date = date!(2025 - 07 - 01);

/// The fixed context: [`NOW`] and the default policy.
pub fn context() -> Context {
    Context::new(NOW)
}

/// A decision to check: the state built from past events, and the context.
pub struct Scenario<A: Aggregate> {
    state: A,
    ctx: Context,
}

/// The outcome of [`Scenario::when`], to assert on.
pub struct Outcome<A: Aggregate> {
    state: A,
    result: Result<Vec<A::Event>, A::Error>,
}

impl<A: Aggregate> Scenario<A>
where
    A::Event: Debug + PartialEq,
    A::Error: Debug + PartialEq,
{
    /// The aggregate after `events`, at the fixed [`context`].
    pub fn given(events: impl IntoIterator<Item = A::Event>) -> Self {
        let state = events.into_iter().fold(A::default(), |s, e| s.evolve(&e));
        Self {
            state,
            ctx: context(),
        }
    }

    /// Decides at another context (another day, another policy).
    pub fn at(mut self, ctx: Context) -> Self {
        self.ctx = ctx;
        self
    }

    /// Decides on `command`.
    pub fn when(self, command: impl Into<A::Command>) -> Outcome<A> {
        let result = self.state.decide(command.into(), &self.ctx);
        Outcome {
            state: self.state,
            result,
        }
    }
}

impl<A: Aggregate> Outcome<A>
where
    A::Event: Debug + PartialEq,
    A::Error: Debug + PartialEq,
{
    /// Asserts the events, and returns the state after the given and the new events.
    #[track_caller]
    pub fn then(self, expected: impl IntoIterator<Item = A::Event>) -> A {
        let expected: Vec<_> = expected.into_iter().collect();
        let state = self.state.clone();
        let events = self.events();
        assert_eq!(events, expected, "unexpected events");
        events.iter().fold(state, |s, e| s.evolve(e))
    }

    /// Asserts the refusal.
    #[track_caller]
    #[allow(clippy::needless_pass_by_value)] // `then_err(error)` reads like `then(events)`
    pub fn then_err(self, expected: A::Error) {
        assert_eq!(self.error(), expected, "unexpected error");
    }

    /// The events, asserting there was no refusal.
    #[track_caller]
    pub fn events(self) -> Vec<A::Event> {
        match self.result {
            Ok(events) => events,
            Err(e) => panic!("expected events, got error {e:?}"),
        }
    }

    /// The refusal, asserting there was one.
    #[track_caller]
    pub fn error(self) -> A::Error {
        match self.result {
            Ok(events) => panic!("expected an error, got events {events:?}"),
            Err(e) => e,
        }
    }

    /// The state the command was decided against.
    pub fn state(&self) -> &A {
        &self.state
    }
}
