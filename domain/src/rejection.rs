//! A refusal of any aggregate, as one type the command layer carries and its callers match on:
//! `DomainError::Series(SeriesError::AlreadyOpened)`, never the code string.

use std::borrow::Cow;

use crate::aggregate::{ErrorCode, RejectionKind};
use crate::arca_service::ArcaServiceError;
use crate::invoice::InvoiceError;
use crate::series::SeriesError;
use crate::taxpayer::TaxpayerError;
use crate::tenant::TenantError;
use crate::webhook::SubscriptionError;

/// Why an aggregate refused a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// A tenant refused it.
    #[error(transparent)]
    Tenant(#[from] TenantError),
    /// A taxpayer (issuer) refused it.
    #[error(transparent)]
    Taxpayer(#[from] TaxpayerError),
    /// An invoice refused it.
    #[error(transparent)]
    Invoice(#[from] InvoiceError),
    /// A numbering series refused it.
    #[error(transparent)]
    Series(#[from] SeriesError),
    /// A webhook subscription refused it.
    #[error(transparent)]
    Subscription(#[from] SubscriptionError),
    /// An ARCA environment's availability refused it.
    #[error(transparent)]
    ArcaService(#[from] ArcaServiceError),
}

impl DomainError {
    fn inner(&self) -> &dyn ErrorCode {
        match self {
            Self::Tenant(e) => e,
            Self::Taxpayer(e) => e,
            Self::Invoice(e) => e,
            Self::Series(e) => e,
            Self::Subscription(e) => e,
            Self::ArcaService(e) => e,
        }
    }
}

// The same three questions as `ErrorCode`, asked of whichever aggregate refused; inherent, so
// callers need no trait in scope.
impl DomainError {
    /// Stable snake_case code of the rule.
    pub fn code(&self) -> &'static str {
        self.inner().code()
    }

    /// What kind of refusal it is.
    pub fn kind(&self) -> RejectionKind {
        self.inner().kind()
    }

    /// The request field to blame, when there is one.
    pub fn field(&self) -> Option<Cow<'static, str>> {
        self.inner().field()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_keeps_its_code_kind_field_and_text() {
        let refusal = DomainError::from(TaxpayerError::AlreadyRegistered);
        assert_eq!(refusal.code(), "already_registered");
        assert_eq!(refusal.kind(), RejectionKind::Conflict);
        assert_eq!(
            refusal.to_string(),
            TaxpayerError::AlreadyRegistered.to_string()
        );
        let missing = DomainError::from(TenantError::NotCreated);
        assert_eq!(missing.kind(), RejectionKind::NotFound);
        assert!(matches!(
            DomainError::from(SeriesError::AlreadyOpened),
            DomainError::Series(SeriesError::AlreadyOpened)
        ));
    }
}
