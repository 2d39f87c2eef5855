//! ARCA's availability as this service sees it, one aggregate per environment.
//!
//! Stream `arca-{environment}` (`arca-sim`, `arca-homologacion`, `arca-produccion`), owned by
//! [`TenantId::SYSTEM`](crate::TenantId::SYSTEM): it belongs to no customer, and the webhook
//! engine fans its events out to every tenant subscribed to `arca.unavailable` or
//! `arca.available`. Every saga instance's circuit breaker reports here; since an outage can only
//! start while ARCA is available and end while it is unavailable, the instances whose breakers
//! trip over one outage record it once between them (the append's expected version settles
//! the race, and the losers' decisions come out empty).

mod commands;
mod error;
mod events;
mod evidence;
mod state;
#[cfg(test)]
mod tests;

pub use commands::{ArcaServiceCommand, MarkAvailable, MarkUnavailable};
pub use error::ArcaServiceError;
pub use events::{ArcaAvailable, ArcaServiceEvent, ArcaUnavailable};
pub use evidence::ExchangeScope;
pub use state::ArcaService;
