//! The taxpayer aggregate: an issuer (CUIT) of a tenant, its IVA condition, points of sale and
//! ARCA certificates.
//!
//! Stream `taxpayer-{tenant simple hex}-{cuit}`. The invoice aggregate does not read this stream:
//! the caller passes an [`IssuerSnapshot`] built from it ([`Taxpayer::snapshot`]).

mod certificate;
#[cfg(test)]
mod certificate_tests;
mod commands;
mod error;
mod events;
mod snapshot;
mod state;
#[cfg(test)]
mod tests;

pub use certificate::{
    CertificateExpiring, CertificateFacts, CertificateInstalled, CertificateKey,
    CertificateRequested, Certificates, EXPIRY_NOTICE, InstallCertificate, InstalledCertificate,
    NoteCertificateExpiry, RequestCertificate,
};
pub use commands::{AddPointOfSale, RegisterTaxpayer, TaxpayerCommand};
pub use error::TaxpayerError;
pub use events::{PointOfSaleAdded, TaxpayerEvent, TaxpayerRegistered, TaxpayerRegisteredV1};
pub use snapshot::IssuerSnapshot;
pub use state::{PointOfSale, Taxpayer, TaxpayerProfile};

/// The points of sale ARCA accepts (`PtoVta` 1..=99998).
pub const POINT_OF_SALE_RANGE: std::ops::RangeInclusive<u32> = 1..=99_998;
