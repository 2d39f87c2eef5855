//! The relay and the audit on the real Postgres (a fresh database per test, `DATABASE_URL`) with
//! an in-memory bus that has JetStream's publish semantics. The root package's `tests/relay_nats.rs`
//! runs the same relay against the real JetStream.

mod audit;
mod cases;
mod support;
