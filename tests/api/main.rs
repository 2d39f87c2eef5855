//! End-to-end tests: the real router over HTTP on 127.0.0.1:0, the real Postgres event store with a
//! fresh database per test.

#![allow(clippy::unwrap_used)] // test helpers panic on set-up failures by design

mod api_keys;
mod auth;
mod breaker;
mod certificates;
mod drafts;
mod evidence;
mod graphql;
mod helpers;
mod invoices;
mod metrics;
mod nul;
mod openapi;
mod pdf;
mod problems;
#[path = "../common/prom.rs"]
mod prom;
mod rate_limits;
mod read_pool;
mod reads;
mod receiver_contact;
mod reseal;
mod saga;
mod series;
mod taxpayers;
mod trace_context;
mod unavailable;
mod webhook_deliveries;
mod webhook_secrets;
mod webhook_subscriptions;
