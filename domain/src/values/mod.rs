//! Value objects: parsed once at the edge, valid by construction afterwards.
//!
//! Every ARCA code table is an enum with its numeric codes in one place; every parse error is a
//! small error type with a stable `code()`.

mod code_table;
pub mod concept;
pub mod cuit;
pub mod currency;
pub mod date;
pub mod decimal;
pub mod doc_type;
pub mod email;
pub mod exchange_rate;
pub mod issuer_iva_condition;
pub mod iva_condition;
pub mod iva_rate;
pub mod iva_treatment;
pub mod money;
pub mod tribute_kind;
pub mod voucher_type;

pub use code_table::UnknownCode;
pub use concept::Concept;
pub use cuit::{Cuit, CuitError};
pub use currency::{Currency, CurrencyError};
pub use doc_type::DocType;
pub use email::{EmailAddress, EmailError, MAX_EMAIL_LEN};
pub use exchange_rate::{ExchangeRate, ExchangeRateError};
pub use issuer_iva_condition::IssuerIvaCondition;
pub use iva_condition::IvaCondition;
pub use iva_rate::{IvaRate, IvaRateError};
pub use iva_treatment::IvaTreatment;
pub use money::{Money, MoneyError, round_half_even};
pub use tribute_kind::TributeKind;
pub use voucher_type::{VoucherClass, VoucherKind, VoucherType};

use schemars::schema::{InstanceType, Metadata, Schema, SchemaObject, StringValidation};

/// A string schema with a pattern and a description.
fn string_schema(pattern: &str, description: &str) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        string: Some(Box::new(StringValidation {
            pattern: Some(pattern.to_owned()),
            ..Default::default()
        })),
        metadata: Some(Box::new(Metadata {
            description: Some(description.to_owned()),
            ..Default::default()
        })),
        ..Default::default()
    }
    .into()
}

/// A string schema allowing only the given values.
fn string_enum_schema<'a>(values: impl Iterator<Item = &'a str>, description: &str) -> Schema {
    SchemaObject {
        instance_type: Some(InstanceType::String.into()),
        enum_values: Some(values.map(serde_json::Value::from).collect()),
        metadata: Some(Box::new(Metadata {
            description: Some(description.to_owned()),
            ..Default::default()
        })),
        ..Default::default()
    }
    .into()
}
