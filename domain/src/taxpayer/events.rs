//! What happened to a taxpayer.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::aggregate::{DecodeError, Payload, decode, domain_events};
use crate::values::{Cuit, IssuerIvaCondition};

use super::certificate::{CertificateExpiring, CertificateInstalled, CertificateRequested};

/// `taxpayer.registered` v2: an issuer was registered for the tenant owning the stream, with what
/// its printed vouchers show of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TaxpayerRegistered {
    /// The issuer's CUIT.
    pub cuit: Cuit,
    /// Razón social.
    pub legal_name: String,
    /// Domicilio comercial, printed on vouchers; `null` for issuers registered in version 1.
    #[serde(default)]
    pub address: Option<String>,
    /// How the issuer is registered towards IVA.
    pub iva_condition: IssuerIvaCondition,
    /// Número de Ingresos Brutos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_income_number: Option<String>,
    /// Inicio de actividades.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::values::date::option"
    )]
    #[schemars(schema_with = "crate::values::date::option::schema")]
    pub activity_start_date: Option<Date>,
    /// When it was registered.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub registered_at: OffsetDateTime,
}

/// `taxpayer.registered` v1, as released before issuers had an address: read back as version 2
/// with no address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(
    title = "TaxpayerRegistered",
    description = "`taxpayer.registered` v1: an issuer was registered for the tenant owning the stream."
)]
pub struct TaxpayerRegisteredV1 {
    /// The issuer's CUIT.
    pub cuit: Cuit,
    /// Razón social.
    pub legal_name: String,
    /// How the issuer is registered towards IVA.
    pub iva_condition: IssuerIvaCondition,
    /// Número de Ingresos Brutos.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_income_number: Option<String>,
    /// Inicio de actividades.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::values::date::option"
    )]
    #[schemars(schema_with = "crate::values::date::option::schema")]
    pub activity_start_date: Option<Date>,
    /// When it was registered.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub registered_at: OffsetDateTime,
}

impl From<TaxpayerRegisteredV1> for TaxpayerRegistered {
    fn from(v1: TaxpayerRegisteredV1) -> Self {
        Self {
            cuit: v1.cuit,
            legal_name: v1.legal_name,
            address: None,
            iva_condition: v1.iva_condition,
            gross_income_number: v1.gross_income_number,
            activity_start_date: v1.activity_start_date,
            registered_at: v1.registered_at,
        }
    }
}

impl Payload for TaxpayerRegistered {
    const VERSION: u16 = 2;

    fn decode(
        event_type: &str,
        version: u16,
        data: &serde_json::Value,
    ) -> Result<Self, DecodeError> {
        match version {
            1 => decode::<TaxpayerRegisteredV1>(event_type, 1, 1, data).map(Self::from),
            _ => decode(event_type, version, Self::VERSION, data),
        }
    }

    fn json_schemas() -> Vec<(u16, schemars::schema::RootSchema)> {
        vec![
            (1, schemars::schema_for!(TaxpayerRegisteredV1)),
            (Self::VERSION, schemars::schema_for!(Self)),
        ]
    }
}

/// `taxpayer.point_of_sale_added` v1: the issuer may now issue from this point of sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PointOfSaleAdded {
    /// The issuer's CUIT.
    pub cuit: Cuit,
    /// `PtoVta`, 1..=99998.
    pub number: u32,
    /// A description for humans.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

domain_events! {
    /// Every taxpayer event.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum TaxpayerEvent {
        /// See [`TaxpayerRegistered`].
        Registered(TaxpayerRegistered) = "taxpayer.registered" upcast,
        /// See [`PointOfSaleAdded`].
        PointOfSaleAdded(PointOfSaleAdded) = "taxpayer.point_of_sale_added",
        /// See [`CertificateRequested`].
        CertificateRequested(CertificateRequested) = "taxpayer.certificate_requested",
        /// See [`CertificateInstalled`].
        CertificateInstalled(CertificateInstalled) = "taxpayer.certificate_installed",
        /// See [`CertificateExpiring`].
        CertificateExpiring(CertificateExpiring) = "taxpayer.certificate_expiring",
    }
}
