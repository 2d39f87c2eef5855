//! An invoice's evidence through GraphQL: the exchanges with ARCA about its numbers, with the
//! request (ticket redacted) and response XML.

use async_graphql::{Context, Object, Result};
use domain::InvoiceId;
use domain::aggregate::DomainEvent as _;
use domain::arca_service::ExchangeScope;
use domain::invoice::InvoiceEvent;
use time::OffsetDateTime;

use super::{errors, scope};
use crate::ProjectionError;
use crate::query::{self, ExchangeRow};

/// One call to ARCA about an invoice's number.
pub struct Exchange(pub ExchangeRow);

#[Object]
impl Exchange {
    /// `FECAESolicitar` or `FECompConsultar`.
    async fn operation(&self) -> &str {
        &self.0.operation
    }

    /// When the call started.
    async fn at(&self) -> OffsetDateTime {
        self.0.started_at
    }

    /// When its answer (or its failure) came.
    async fn finished_at(&self) -> OffsetDateTime {
        self.0.finished_at
    }

    /// The first number the request was about.
    async fn number_from(&self) -> i64 {
        self.0.number_from
    }

    /// The last number the request was about.
    async fn number_to(&self) -> i64 {
        self.0.number_to
    }

    /// SHA-256 (hex) of `requestXml`: the intent's request hash for an authorization.
    async fn request_hash(&self) -> &str {
        &self.0.request_hash
    }

    /// SHA-256 (hex) of `responseXml`, when a response came.
    async fn response_hash(&self) -> Option<&str> {
        self.0.response_hash.as_deref()
    }

    /// The SOAP envelope sent, with the ticket's token and sign as `[redacted]`.
    async fn request_xml(&self) -> &str {
        &self.0.request_xml
    }

    /// The response body as received; null when it was lost.
    async fn response_xml(&self) -> Option<&str> {
        self.0.response_xml.as_deref()
    }

    /// Why the call gave no usable answer, if it did not.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
}

/// The exchanges about invoice `id` of the caller's tenant, oldest first.
pub async fn of(ctx: &Context<'_>, id: InvoiceId) -> Result<Vec<Exchange>> {
    let (tenant, read) = scope(ctx)?;
    let recorded = read
        .history
        .events(tenant, id, None)
        .await
        .map_err(|e| errors::failed(&e))?;
    let events = recorded
        .iter()
        .map(|e| {
            InvoiceEvent::from_stored(&e.event_type, e.schema_version, &e.data).map_err(|d| {
                ProjectionError::Decode {
                    event_id: e.event_id,
                    event_type: e.event_type.clone(),
                    message: d.to_string(),
                }
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| errors::failed(&e))?;
    let Some(scope) = ExchangeScope::of(&events) else {
        return Ok(Vec::new());
    };
    let rows = query::evidence(&read.pool, tenant, &scope)
        .await
        .map_err(|e| errors::failed(&e))?;
    Ok(rows.into_iter().map(Exchange).collect())
}
