//! What a taxpayer can be asked to do.

use serde::{Deserialize, Serialize};
use time::Date;

use super::certificate::{InstallCertificate, NoteCertificateExpiry, RequestCertificate};
use crate::values::{Cuit, IssuerIvaCondition};

/// Registers an issuer for a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterTaxpayer {
    /// The issuer's CUIT.
    pub cuit: Cuit,
    /// Razón social, 1–200 characters.
    pub legal_name: String,
    /// Domicilio comercial, printed on vouchers (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// How the issuer is registered towards IVA; decides the letters it issues.
    pub iva_condition: IssuerIvaCondition,
    /// Número de Ingresos Brutos, printed on vouchers (at most 50 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_income_number: Option<String>,
    /// Inicio de actividades, printed on vouchers.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::values::date::option"
    )]
    pub activity_start_date: Option<Date>,
}

/// Adds a web-service point of sale (registered at ARCA as RECE) to the issuer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddPointOfSale {
    /// `PtoVta`, 1..=99998.
    pub number: u32,
    /// A description for humans (at most 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Every taxpayer command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaxpayerCommand {
    /// See [`RegisterTaxpayer`].
    Register(RegisterTaxpayer),
    /// See [`AddPointOfSale`].
    AddPointOfSale(AddPointOfSale),
    /// See [`RequestCertificate`].
    RequestCertificate(RequestCertificate),
    /// See [`InstallCertificate`].
    InstallCertificate(InstallCertificate),
    /// See [`NoteCertificateExpiry`].
    NoteCertificateExpiry(NoteCertificateExpiry),
}

impl From<RegisterTaxpayer> for TaxpayerCommand {
    fn from(c: RegisterTaxpayer) -> Self {
        Self::Register(c)
    }
}

impl From<AddPointOfSale> for TaxpayerCommand {
    fn from(c: AddPointOfSale) -> Self {
        Self::AddPointOfSale(c)
    }
}

impl From<RequestCertificate> for TaxpayerCommand {
    fn from(c: RequestCertificate) -> Self {
        Self::RequestCertificate(c)
    }
}

impl From<InstallCertificate> for TaxpayerCommand {
    fn from(c: InstallCertificate) -> Self {
        Self::InstallCertificate(c)
    }
}

impl From<NoteCertificateExpiry> for TaxpayerCommand {
    fn from(c: NoteCertificateExpiry) -> Self {
        Self::NoteCertificateExpiry(c)
    }
}
