//! Mechanisms every role of the system shares, each written once: Postgres advisory locks and
//! leases with the one table of lock namespaces ([`lease`]), the retry loops' [`Backoff`], the
//! Prometheus exporter whose readings are taken just before a scrape ([`Exporter`]) and the
//! shutdown signal many tasks wait on ([`Shutdown`]), and the log lines' view of an error with its
//! chain of causes ([`Causes`]), the rate limits every API instance shares ([`ratelimit`]), the
//! API keys' last-use stamps ([`PgLastUsed`]) and the rule by which a Postgres failure means
//! "unavailable, retry later" ([`unavailable`]).
//!
//! Depends on no crate of the workspace: no domain type, no port, no adapter. Whatever needs one
//! of these mechanisms (the event store's relay, the read side, the workers, the API) uses it from
//! here rather than keeping a copy of its own.
#![warn(missing_docs)]

pub mod backoff;
pub mod causes;
pub mod last_used;
pub mod lease;
pub mod metrics;
pub mod ratelimit;
pub mod shutdown;
pub mod unavailable;

pub use backoff::Backoff;
pub use causes::Causes;
pub use last_used::PgLastUsed;
pub use lease::{Lease, Leases, LockSpace};
pub use metrics::Exporter;
pub use ratelimit::{Decision, PgRateLimiter, Quota};
pub use shutdown::Shutdown;
