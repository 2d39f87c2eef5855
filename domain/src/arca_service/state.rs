//! ARCA's availability and its decide/evolve.

use time::OffsetDateTime;

use super::commands::{ArcaServiceCommand, MarkAvailable, MarkUnavailable};
use super::error::ArcaServiceError;
use super::events::{ArcaAvailable, ArcaServiceEvent, ArcaUnavailable};
use crate::aggregate::{Aggregate, Context};
use crate::envelope::StreamId;
use crate::series::Environment;

/// The most characters of a failure's description an event keeps.
const MAX_REASON: usize = 500;

/// One ARCA environment: available unless an outage is open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArcaService {
    environment: Option<Environment>,
    /// When the open outage started.
    down_since: Option<OffsetDateTime>,
}

impl ArcaService {
    /// The stream of an environment: `arca-{environment}`.
    pub fn stream_id(environment: Environment) -> StreamId {
        StreamId::new(format!("arca-{}", environment.as_str()))
    }

    /// Whether ARCA is taken to answer (no outage open).
    pub fn is_available(&self) -> bool {
        self.down_since.is_none()
    }

    /// When the open outage started, if one is open.
    pub fn unavailable_since(&self) -> Option<OffsetDateTime> {
        self.down_since
    }

    fn mark_unavailable(
        &self,
        cmd: &MarkUnavailable,
    ) -> Result<Vec<ArcaServiceEvent>, ArcaServiceError> {
        if let Some(stream) = self.environment.filter(|e| *e != cmd.environment) {
            return Err(ArcaServiceError::WrongEnvironment {
                stream: stream.as_str(),
                reported: cmd.environment.as_str(),
            });
        }
        if cmd.failures == 0 {
            return Err(ArcaServiceError::NoFailures);
        }
        if !self.is_available() {
            return Ok(vec![]);
        }
        Ok(vec![ArcaServiceEvent::Unavailable(ArcaUnavailable {
            environment: cmd.environment,
            since: cmd.since,
            reason: without_cuits(cmd.reason.trim())
                .chars()
                .take(MAX_REASON)
                .collect(),
            consecutive_failures: cmd.failures,
        })])
    }

    fn mark_available(&self, cmd: MarkAvailable) -> Vec<ArcaServiceEvent> {
        let (Some(environment), Some(since)) = (self.environment, self.down_since) else {
            return vec![];
        };
        let downtime = (cmd.at - since).whole_milliseconds().max(0);
        vec![ArcaServiceEvent::Available(ArcaAvailable {
            environment,
            unavailable_since: since,
            at: cmd.at,
            downtime_ms: u64::try_from(downtime).unwrap_or(u64::MAX),
        })]
    }
}

/// `text` with every CUIT-shaped number (11 digits, bare or as `20-12345678-6`) replaced by
/// `[cuit]`: an outage is every tenant's news, and the failure that opened it may have come from
/// one tenant's issuer.
fn without_cuits(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run of digits and inner dashes that starts here, ending on a digit.
        let mut end = i;
        let mut j = i;
        while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '-') {
            if chars[j].is_ascii_digit() {
                end = j + 1;
            }
            j += 1;
        }
        let run = &chars[i..end];
        let digits = run.iter().filter(|c| c.is_ascii_digit()).count();
        if digits == 11 {
            out.push_str("[cuit]");
        } else {
            out.extend(run);
        }
        i = end;
    }
    out
}

impl Aggregate for ArcaService {
    type Command = ArcaServiceCommand;
    type Event = ArcaServiceEvent;
    type Error = ArcaServiceError;

    fn decide(
        &self,
        command: ArcaServiceCommand,
        _ctx: &Context,
    ) -> Result<Vec<ArcaServiceEvent>, ArcaServiceError> {
        match command {
            ArcaServiceCommand::MarkUnavailable(cmd) => self.mark_unavailable(&cmd),
            ArcaServiceCommand::MarkAvailable(cmd) => Ok(self.mark_available(cmd)),
        }
    }

    fn evolve(mut self, event: &ArcaServiceEvent) -> Self {
        match event {
            ArcaServiceEvent::Unavailable(e) => {
                self.environment = Some(e.environment);
                self.down_since = Some(e.since);
            }
            ArcaServiceEvent::Available(e) => {
                self.environment = Some(e.environment);
                self.down_since = None;
            }
        }
        self
    }
}
