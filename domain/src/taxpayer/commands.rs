//! What a taxpayer can be asked to do.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::values::{Cuit, IssuerIvaCondition};

/// Registers an issuer for a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterTaxpayer {
    /// The issuer's CUIT.
    pub cuit: Cuit,
    /// Razón social, 1–200 characters.
    pub legal_name: String,
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
