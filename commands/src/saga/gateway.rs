//! The saga's port to ARCA's WSFEv1 (implemented by `workers::saga` over the `arca-ws` client, its
//! ticket broker and the issuers' certificates).

use async_trait::async_trait;
use domain::TenantId;
use domain::invoice::InvoiceRequested;
use domain::series::{Finding, NumberOutcome, SeriesKey, UncertainReason};

/// One voucher of a batch: the number it goes out with and what was requested.
#[derive(Debug, Clone, PartialEq)]
pub struct Voucher {
    /// The reserved number (`CbteDesde` = `CbteHasta`).
    pub number: u64,
    /// The invoice as requested.
    pub request: InvoiceRequested,
}

/// ARCA's answer to one `FECAESolicitar`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchAnswer {
    /// SHA-256 (hex) of the response as received.
    pub response_hash: String,
    /// One outcome per voucher, ascending by number.
    pub results: Vec<NumberOutcome>,
}

/// Why a call gave no usable answer.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    /// Nothing reached ARCA (no connection, no ticket, circuit open): the same call can be made
    /// again as is.
    #[error("ARCA was not reached: {0}")]
    NotSent(String),
    /// The request may have reached ARCA, but no answer came back: the outcome is unknown.
    #[error("ARCA's answer was lost ({reason:?}): {detail}")]
    Uncertain {
        /// What went wrong.
        reason: UncertainReason,
        /// Details for the logs.
        detail: String,
    },
    /// ARCA answered with a failure that says nothing of the vouchers (a SOAP fault, HTTP 5xx
    /// with a fault body, an authentication error): for an authorization, treat as uncertain.
    #[error("ARCA failed: {0}")]
    Failed(String),
    /// Nothing was sent: the issuer has no certificate for this environment. Its series waits
    /// until one is installed.
    #[error("{0}")]
    NoCertificate(String),
    /// Nothing was sent: WSAA refused the issuer's certificate (expired, revoked, not
    /// authorized for WSFEv1). Its series waits until a certificate WSAA accepts is installed.
    #[error("{0}")]
    CertificateRefused(String),
}

impl GatewayError {
    /// Whether nothing reached ARCA, so the call can be made again as is.
    pub fn not_sent(&self) -> bool {
        matches!(
            self,
            Self::NotSent(_) | Self::NoCertificate(_) | Self::CertificateRefused(_)
        )
    }
}

/// The calls the saga makes, each on behalf of the tenant whose issuer's certificate signs it.
#[async_trait]
pub trait ArcaGateway: Send + Sync {
    /// Whether a call would be attempted now: `false` while ARCA is taken to be down (the
    /// circuit is open), when every call fails at once with [`GatewayError::NotSent`].
    fn accepting(&self) -> bool {
        true
    }

    /// Whether the issuer can sign calls now (a valid ticket, from its certificate): checked
    /// before an intent is recorded, so an issuer without a usable certificate never leaves a
    /// submission in doubt.
    async fn ready(&self, _tenant: TenantId, _key: &SeriesKey) -> Result<(), GatewayError> {
        Ok(())
    }

    /// `FECompUltimoAutorizado`: the last number ARCA authorized in the series (0 when none).
    async fn last_authorized(&self, tenant: TenantId, key: &SeriesKey)
    -> Result<u64, GatewayError>;

    /// SHA-256 (hex) of the `FECAESolicitar` body [`ArcaGateway::authorize`] sends for `batch`,
    /// without the ticket: the intent's evidence, computed before the call.
    fn request_hash(&self, key: &SeriesKey, batch: &[Voucher]) -> String;

    /// `FECAESolicitar` for `batch` (consecutive numbers of one series, at most 250).
    async fn authorize(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        batch: &[Voucher],
    ) -> Result<BatchAnswer, GatewayError>;

    /// `FECompConsultar` at `number`: what ARCA holds there, fingerprinted like our requests.
    async fn consult(
        &self,
        tenant: TenantId,
        key: &SeriesKey,
        number: u64,
    ) -> Result<Finding, GatewayError>;
}
