//! Why a taxpayer command was refused.

use std::borrow::Cow;

use crate::aggregate::{ErrorCode, RejectionKind};

/// A refused taxpayer command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxpayerError {
    /// The taxpayer is registered already.
    #[error("the taxpayer is already registered")]
    AlreadyRegistered,
    /// The taxpayer is not registered.
    #[error("the taxpayer is not registered")]
    NotRegistered,
    /// Empty or longer than 200 characters.
    #[error("the legal name must have 1 to 200 characters")]
    InvalidLegalName,
    /// Longer than 200 characters.
    #[error("the address must have at most 200 characters")]
    InvalidAddress,
    /// Longer than 50 characters.
    #[error("the gross income number must have at most 50 characters")]
    InvalidGrossIncomeNumber,
    /// Outside 1..=99998.
    #[error("point of sale {0} is outside 1..=99998")]
    InvalidPointOfSale(u32),
    /// Longer than 200 characters.
    #[error("the point of sale name must have at most 200 characters")]
    InvalidPointOfSaleName,
    /// The point of sale was added already.
    #[error("point of sale {0} already exists")]
    PointOfSaleExists(u32),
    /// The certificate's subject does not carry the taxpayer's CUIT (`serialNumber=CUIT n`).
    #[error("the certificate's subject is not for this taxpayer's CUIT")]
    CertificateSubjectMismatch,
    /// The certificate's validity has ended.
    #[error("the certificate has expired")]
    CertificateExpired,
    /// The certificate's validity has not started yet.
    #[error("the certificate is not valid yet")]
    CertificateNotYetValid,
    /// The certificate matches no pending request's key, and no key came with it.
    #[error("the certificate matches no pending certificate request; send its private key with it")]
    CertificateKeyUnknown,
}

impl TaxpayerError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AlreadyRegistered => "already_registered",
            Self::NotRegistered => "not_registered",
            Self::InvalidLegalName => "invalid_legal_name",
            Self::InvalidAddress => "invalid_address",
            Self::InvalidGrossIncomeNumber => "invalid_gross_income_number",
            Self::InvalidPointOfSale(_) => "invalid_point_of_sale",
            Self::InvalidPointOfSaleName => "invalid_point_of_sale_name",
            Self::PointOfSaleExists(_) => "point_of_sale_exists",
            Self::CertificateSubjectMismatch => "certificate_subject_mismatch",
            Self::CertificateExpired => "certificate_expired",
            Self::CertificateNotYetValid => "certificate_not_yet_valid",
            Self::CertificateKeyUnknown => "certificate_key_unknown",
        }
    }

    /// The request field at fault, if any.
    pub fn field(&self) -> Option<Cow<'static, str>> {
        let field = match self {
            Self::AlreadyRegistered | Self::NotRegistered => return None,
            Self::InvalidLegalName => "legal_name",
            Self::InvalidAddress => "address",
            Self::InvalidGrossIncomeNumber => "gross_income_number",
            Self::InvalidPointOfSale(_) | Self::PointOfSaleExists(_) => "number",
            Self::InvalidPointOfSaleName => "name",
            Self::CertificateSubjectMismatch
            | Self::CertificateExpired
            | Self::CertificateNotYetValid => "certificate",
            Self::CertificateKeyUnknown => "private_key",
        };
        Some(Cow::Borrowed(field))
    }
}

impl ErrorCode for TaxpayerError {
    fn kind(&self) -> RejectionKind {
        match self {
            Self::AlreadyRegistered | Self::PointOfSaleExists(_) => RejectionKind::Conflict,
            Self::NotRegistered => RejectionKind::NotFound,
            _ => RejectionKind::Invalid,
        }
    }

    fn code(&self) -> &'static str {
        TaxpayerError::code(self)
    }

    fn field(&self) -> Option<Cow<'static, str>> {
        TaxpayerError::field(self)
    }
}
