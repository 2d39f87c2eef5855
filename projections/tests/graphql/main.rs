//! The GraphQL read API on the real Postgres: invoices projected from the real event store by the
//! real projector, queried through the schema as a tenant.

mod analytics;
mod invoices;
mod limits;
mod nul;
mod support;
