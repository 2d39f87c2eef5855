//! Fault injection per operation (`FECAESolicitar`, `loginCms`, … or `*` for all).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::wsfe::Code;

/// What to do to calls of one operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultMode {
    /// Answer normally (latency and events still apply).
    #[default]
    None,
    /// Never answer (the client's timeout fires); nothing is processed.
    Timeout,
    /// HTTP 500 with an HTML body, nothing processed.
    Http500,
    /// HTTP 500 with a SOAP `Server` fault, nothing processed.
    SoapFault,
    /// Process and commit (a CAE is granted), then never answer.
    DropResponse,
    /// HTTP 503, nothing processed (for WSAA: fault `wsaa.unavailable`).
    Down,
}

/// A fault and how often it applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultSpec {
    #[serde(default)]
    pub mode: FaultMode,
    /// Added before answering, in milliseconds.
    #[serde(default)]
    pub latency_ms: u64,
    /// Apply to this many calls, then clear (`None`: until removed).
    #[serde(default)]
    pub times: Option<u32>,
    /// Events (`Evt`) to add to every WSFEv1 result.
    #[serde(default)]
    pub events: Vec<Code>,
}

/// The table of faults in force: per operation, a queue of specs applied in turn (the next one
/// once the one in front has been applied its `times`), so a schedule such as "5 calls answered,
/// then one dropped, then 5 answered, then one timeout" is a queue of counted specs.
#[derive(Debug, Default)]
pub struct Faults(Mutex<HashMap<String, VecDeque<FaultSpec>>>);

impl Faults {
    /// Replaces the faults of `operation` with `spec`.
    pub fn set(&self, operation: &str, spec: FaultSpec) {
        self.lock()
            .insert(operation.to_owned(), VecDeque::from([spec]));
    }

    /// Queues `spec` after the faults `operation` already has (a spec without `times` never
    /// makes way for the ones behind it).
    pub fn push(&self, operation: &str, spec: FaultSpec) {
        self.lock()
            .entry(operation.to_owned())
            .or_default()
            .push_back(spec);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    /// The fault in force for each operation (the front of its queue).
    pub fn list(&self) -> HashMap<String, FaultSpec> {
        self.lock()
            .iter()
            .filter_map(|(op, queue)| Some((op.clone(), queue.front()?.clone())))
            .collect()
    }

    /// The fault for one call of `operation` (specific entry first, then `*`), counting it.
    pub fn take(&self, operation: &str) -> Option<FaultSpec> {
        let mut map = self.lock();
        let key = if map.contains_key(operation) {
            operation
        } else {
            "*"
        };
        let queue = map.get_mut(key)?;
        let spec = queue.front_mut()?;
        let out = spec.clone();
        if let Some(n) = spec.times.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                queue.pop_front();
                if queue.is_empty() {
                    map.remove(key);
                }
            }
        }
        Some(out)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<FaultSpec>>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(mode: FaultMode, times: u32) -> FaultSpec {
        FaultSpec {
            mode,
            times: Some(times),
            ..FaultSpec::default()
        }
    }

    #[test]
    fn queued_faults_apply_in_turn_then_clear() {
        let faults = Faults::default();
        faults.push("FECAESolicitar", counted(FaultMode::None, 2));
        faults.push("FECAESolicitar", counted(FaultMode::DropResponse, 1));
        faults.push("FECAESolicitar", counted(FaultMode::Timeout, 1));
        let modes: Vec<Option<FaultMode>> = (0..5)
            .map(|_| faults.take("FECAESolicitar").map(|s| s.mode))
            .collect();
        assert_eq!(
            modes,
            [
                Some(FaultMode::None),
                Some(FaultMode::None),
                Some(FaultMode::DropResponse),
                Some(FaultMode::Timeout),
                None
            ]
        );
        assert!(faults.list().is_empty());
    }

    #[test]
    fn set_replaces_the_queue() {
        let faults = Faults::default();
        faults.push("FECompConsultar", counted(FaultMode::Http500, 3));
        faults.set("FECompConsultar", counted(FaultMode::Timeout, 1));
        assert_eq!(
            faults.take("FECompConsultar").map(|s| s.mode),
            Some(FaultMode::Timeout)
        );
        assert_eq!(faults.take("FECompConsultar"), None);
    }
}
