//! Write-side metrics: `commands_total{command, outcome}`. Registered once per process in the
//! registry the API serves on `/metrics`; labels are low-cardinality names, never an id or a CUIT.

use prometheus::{IntCounterVec, Opts, Registry};

/// How a command ended, as the `outcome` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Decided (and appended, when it produced events).
    Ok,
    /// Refused by the domain.
    Rejected,
    /// Lost to a concurrent writer: stale `If-Match`, or too many lost races.
    Conflict,
    /// The store failed, or something unexpected happened.
    Error,
}

impl Outcome {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Rejected => "rejected",
            Self::Conflict => "conflict",
            Self::Error => "error",
        }
    }
}

/// Counts commands by name and outcome; cheap to clone.
#[derive(Debug, Clone)]
pub struct CommandMetrics {
    commands: IntCounterVec,
}

impl CommandMetrics {
    /// Creates the counters and registers them in `registry`.
    ///
    /// # Errors
    /// A metric of the same name is already registered.
    pub fn register(registry: &Registry) -> prometheus::Result<Self> {
        let metrics = Self::detached();
        registry.register(Box::new(metrics.commands.clone()))?;
        Ok(metrics)
    }

    /// Counters registered nowhere, for one-shot commands (the CLI) that are never scraped.
    ///
    /// # Panics
    /// Never: the name and labels are valid constants.
    pub fn detached() -> Self {
        let commands = IntCounterVec::new(
            Opts::new("commands_total", "Commands handled, by command and outcome"),
            &["command", "outcome"],
        )
        .expect("valid metric definition");
        Self { commands }
    }

    /// Counts one command.
    pub fn record(&self, command: &str, outcome: Outcome) {
        self.commands
            .with_label_values(&[command, outcome.as_str()])
            .inc();
    }

    /// How many commands were counted with these labels.
    pub fn count(&self, command: &str, outcome: Outcome) -> u64 {
        self.commands
            .with_label_values(&[command, outcome.as_str()])
            .get()
    }
}
