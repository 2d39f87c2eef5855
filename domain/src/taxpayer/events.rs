//! What happened to a taxpayer.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use crate::aggregate::domain_events;
use crate::values::{Cuit, IssuerIvaCondition};

use super::certificate::{CertificateExpiring, CertificateInstalled, CertificateRequested};

/// `taxpayer.registered` v1: an issuer was registered for the tenant owning the stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TaxpayerRegistered {
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
        Registered(TaxpayerRegistered) = "taxpayer.registered",
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
