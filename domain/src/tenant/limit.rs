//! How many requests a tenant's keys may make: a rate and a burst.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Requests per second each of a tenant's API keys may make on average, and how many it may make
/// at once after a quiet spell (the bucket's size).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct RateLimit {
    /// Sustained requests per second, 1 to 1,000,000.
    pub per_second: u32,
    /// Requests allowed at once, 1 to 1,000,000.
    pub burst: u32,
}

impl RateLimit {
    /// The largest rate or burst a limit may name.
    pub const MAX: u32 = 1_000_000;

    /// Whether both figures are within 1..=[`RateLimit::MAX`].
    pub fn is_valid(self) -> bool {
        (1..=Self::MAX).contains(&self.per_second) && (1..=Self::MAX).contains(&self.burst)
    }
}
