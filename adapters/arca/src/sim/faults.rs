//! Fault injection per operation (`FECAESolicitar`, `loginCms`, … or `*` for all).

use std::collections::HashMap;
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

/// The table of faults in force.
#[derive(Debug, Default)]
pub struct Faults(Mutex<HashMap<String, FaultSpec>>);

impl Faults {
    pub fn set(&self, operation: &str, spec: FaultSpec) {
        self.lock().insert(operation.to_owned(), spec);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    pub fn list(&self) -> HashMap<String, FaultSpec> {
        self.lock().clone()
    }

    /// The fault for one call of `operation` (specific entry first, then `*`), counting it.
    pub fn take(&self, operation: &str) -> Option<FaultSpec> {
        let mut map = self.lock();
        let key = if map.contains_key(operation) {
            operation
        } else {
            "*"
        };
        let spec = map.get_mut(key)?;
        let out = spec.clone();
        if let Some(n) = spec.times.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(key);
            }
        }
        Some(out)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, FaultSpec>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
