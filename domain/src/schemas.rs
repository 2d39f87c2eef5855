//! The JSON Schema of every event type and version, committed as
//! `schemas/events/<event_type>.v<N>.json`; a test fails when the files drift from the code
//! (run it with `UPDATE_SCHEMAS=1` to rewrite them).

use crate::arca_service::ArcaServiceEvent;
use crate::invoice::InvoiceEvent;
use crate::series::SeriesEvent;
use crate::taxpayer::TaxpayerEvent;
use crate::tenant::TenantEvent;
use crate::webhook::SubscriptionEvent;

/// The schema of one event type at one version.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSchema {
    /// Stable type name (`invoice.requested`).
    pub event_type: &'static str,
    /// Payload version.
    pub version: u16,
    /// The JSON Schema (draft-07) of the payload.
    pub schema: serde_json::Value,
}

impl EventSchema {
    /// `<event_type>.v<N>.json`.
    pub fn file_name(&self) -> String {
        format!("{}.v{}.json", self.event_type, self.version)
    }

    /// The committed file's content: pretty JSON and a final newline.
    pub fn file_content(&self) -> String {
        let mut text = serde_json::to_string_pretty(&self.schema).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// Every event schema of the domain, sorted by type and version.
pub fn event_schemas() -> Vec<EventSchema> {
    let all = InvoiceEvent::json_schemas()
        .into_iter()
        .chain(SeriesEvent::json_schemas())
        .chain(TaxpayerEvent::json_schemas())
        .chain(TenantEvent::json_schemas())
        .chain(SubscriptionEvent::json_schemas())
        .chain(ArcaServiceEvent::json_schemas());
    let mut schemas: Vec<EventSchema> = all
        .map(|(event_type, version, root)| EventSchema {
            event_type,
            version,
            schema: serde_json::to_value(root).unwrap_or_default(),
        })
        .collect();
    schemas.sort_by(|a, b| (a.event_type, a.version).cmp(&(b.event_type, b.version)));
    schemas
}

#[cfg(test)]
mod tests;
