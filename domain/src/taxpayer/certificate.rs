//! The issuer's ARCA certificates: a request (a key made for it, its CSR taken to ARCA), the
//! installed certificate of each environment, and the notice that one is about to expire.
//!
//! Nothing here holds key material: a key is named by the id of the encrypted row that holds it
//! (see `DESIGN.md`, "Secrets … never go into events"). Parsing the certificate happens outside
//! the domain; the domain gets its facts ([`CertificateFacts`]) and applies the rules.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::error::TaxpayerError;
use crate::series::Environment;
use crate::values::Cuit;

/// How long before its expiry a certificate is reported as expiring.
pub const EXPIRY_NOTICE: Duration = Duration::days(30);

/// `taxpayer.certificate_requested` v1: a key was made server-side for a CSR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CertificateRequested {
    /// The issuer's CUIT.
    pub cuit: Cuit,
    /// The reference of the encrypted key (never the key itself).
    pub key_id: Uuid,
    /// The CSR's subject (`C=AR, O=…, CN=alias, serialNumber=CUIT n`).
    pub subject: String,
    /// Hex SHA-256 of the key's public part (DER SubjectPublicKeyInfo): how the certificate
    /// ARCA signs is matched back to this request.
    pub public_key_sha256: String,
    /// When it was requested.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub requested_at: OffsetDateTime,
}

/// `taxpayer.certificate_installed` v1: the issuer signs its ARCA logins in `environment` with
/// this certificate from now on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CertificateInstalled {
    /// The issuer's CUIT.
    pub cuit: Cuit,
    /// The reference of the encrypted key that belongs to the certificate.
    pub key_id: Uuid,
    /// Hex SHA-256 of the certificate's DER.
    pub fingerprint_sha256: String,
    /// The certificate's serial number, hex.
    pub serial: String,
    /// The certificate's subject.
    pub subject: String,
    /// Valid from.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub not_before: OffsetDateTime,
    /// Valid until.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub not_after: OffsetDateTime,
    /// The ARCA environment the certificate is for.
    pub environment: Environment,
    /// When it was installed.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub installed_at: OffsetDateTime,
}

/// `taxpayer.certificate_expiring` v1: an installed certificate expires within 30 days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CertificateExpiring {
    /// The issuer's CUIT.
    pub cuit: Cuit,
    /// Hex SHA-256 of the certificate's DER.
    pub fingerprint_sha256: String,
    /// Valid until.
    #[serde(with = "time::serde::rfc3339")]
    #[schemars(schema_with = "crate::values::date::timestamp_schema")]
    pub not_after: OffsetDateTime,
    /// Whole days left when it was noticed.
    pub days_left: u32,
}

/// Records that a key was made for a certificate request (the key is stored already).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestCertificate {
    /// The reference of the encrypted key.
    pub key_id: Uuid,
    /// The CSR's subject.
    pub subject: String,
    /// Hex SHA-256 of the key's public part.
    pub public_key_sha256: String,
}

/// What was read from a certificate (outside the domain).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    /// Hex SHA-256 of its DER.
    pub fingerprint_sha256: String,
    /// Serial number, hex.
    pub serial: String,
    /// Subject, as text.
    pub subject: String,
    /// The CUIT in the subject's `serialNumber=CUIT n`, if there is one.
    pub subject_cuit: Option<Cuit>,
    /// Hex SHA-256 of its public key (DER SubjectPublicKeyInfo).
    pub public_key_sha256: String,
    /// Valid from.
    pub not_before: OffsetDateTime,
    /// Valid until.
    pub not_after: OffsetDateTime,
}

/// Where the private key of a certificate being installed comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertificateKey {
    /// The key of one of the issuer's pending requests (matched by public key).
    FromRequest,
    /// The user brought it; it is stored already under this reference and was checked to
    /// belong to the certificate.
    Supplied(Uuid),
}

/// Installs a certificate for an environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallCertificate {
    /// What the certificate says.
    pub certificate: CertificateFacts,
    /// Where its key is.
    pub key: CertificateKey,
    /// The environment it is for.
    pub environment: Environment,
}

/// Notes, once, that the certificate with this fingerprint expires within [`EXPIRY_NOTICE`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteCertificateExpiry {
    /// Hex SHA-256 of the certificate's DER.
    pub fingerprint_sha256: String,
}

/// An installed certificate, as the taxpayer's state keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledCertificate {
    /// The reference of its encrypted key.
    pub key_id: Uuid,
    /// Hex SHA-256 of its DER.
    pub fingerprint_sha256: String,
    /// Serial number, hex.
    pub serial: String,
    /// Subject.
    pub subject: String,
    /// Valid from.
    pub not_before: OffsetDateTime,
    /// Valid until.
    pub not_after: OffsetDateTime,
    /// Whether `certificate_expiring` was recorded for it.
    pub expiry_noted: bool,
}

/// The certificate part of a taxpayer's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Certificates {
    /// Pending requests: public key hash → key reference.
    pending: BTreeMap<String, Uuid>,
    /// The installed certificate of each environment.
    installed: BTreeMap<Environment, InstalledCertificate>,
    /// Fingerprints whose expiry was noted.
    noted: BTreeSet<String>,
}

impl Certificates {
    /// The installed certificate of `environment`.
    pub fn installed(&self, environment: Environment) -> Option<&InstalledCertificate> {
        self.installed.get(&environment)
    }

    /// Every installed certificate, by environment.
    pub fn all_installed(&self) -> impl Iterator<Item = (Environment, &InstalledCertificate)> {
        self.installed.iter().map(|(env, cert)| (*env, cert))
    }

    /// Whether a request is waiting for the certificate of this public key.
    pub fn is_pending(&self, public_key_sha256: &str) -> bool {
        self.pending.contains_key(public_key_sha256)
    }

    pub(super) fn request(
        cuit: Cuit,
        cmd: RequestCertificate,
        now: OffsetDateTime,
    ) -> CertificateRequested {
        CertificateRequested {
            cuit,
            key_id: cmd.key_id,
            subject: cmd.subject,
            public_key_sha256: cmd.public_key_sha256,
            requested_at: now,
        }
    }

    pub(super) fn install(
        &self,
        cuit: Cuit,
        cmd: InstallCertificate,
        now: OffsetDateTime,
    ) -> Result<Option<CertificateInstalled>, TaxpayerError> {
        let cert = cmd.certificate;
        if cert.subject_cuit != Some(cuit) {
            return Err(TaxpayerError::CertificateSubjectMismatch);
        }
        if cert.not_after <= now {
            return Err(TaxpayerError::CertificateExpired);
        }
        if cert.not_before > now {
            return Err(TaxpayerError::CertificateNotYetValid);
        }
        if self
            .installed(cmd.environment)
            .is_some_and(|c| c.fingerprint_sha256 == cert.fingerprint_sha256)
        {
            return Ok(None);
        }
        let key_id = match cmd.key {
            CertificateKey::Supplied(key_id) => key_id,
            CertificateKey::FromRequest => *self
                .pending
                .get(&cert.public_key_sha256)
                .ok_or(TaxpayerError::CertificateKeyUnknown)?,
        };
        Ok(Some(CertificateInstalled {
            cuit,
            key_id,
            fingerprint_sha256: cert.fingerprint_sha256,
            serial: cert.serial,
            subject: cert.subject,
            not_before: cert.not_before,
            not_after: cert.not_after,
            environment: cmd.environment,
            installed_at: now,
        }))
    }

    pub(super) fn note_expiry(
        &self,
        cuit: Cuit,
        cmd: &NoteCertificateExpiry,
        now: OffsetDateTime,
    ) -> Option<CertificateExpiring> {
        if self.noted.contains(&cmd.fingerprint_sha256) {
            return None;
        }
        let cert = self
            .installed
            .values()
            .find(|c| c.fingerprint_sha256 == cmd.fingerprint_sha256)?;
        let left = cert.not_after - now;
        if left > EXPIRY_NOTICE {
            return None;
        }
        Some(CertificateExpiring {
            cuit,
            fingerprint_sha256: cert.fingerprint_sha256.clone(),
            not_after: cert.not_after,
            days_left: u32::try_from(left.whole_days().max(0)).unwrap_or(0),
        })
    }

    pub(super) fn requested(&mut self, e: &CertificateRequested) {
        self.pending.insert(e.public_key_sha256.clone(), e.key_id);
    }

    pub(super) fn installed_now(&mut self, e: &CertificateInstalled) {
        self.pending.retain(|_, key_id| *key_id != e.key_id);
        let cert = InstalledCertificate {
            key_id: e.key_id,
            fingerprint_sha256: e.fingerprint_sha256.clone(),
            serial: e.serial.clone(),
            subject: e.subject.clone(),
            not_before: e.not_before,
            not_after: e.not_after,
            expiry_noted: self.noted.contains(&e.fingerprint_sha256),
        };
        self.installed.insert(e.environment, cert);
    }

    pub(super) fn expiring(&mut self, e: &CertificateExpiring) {
        self.noted.insert(e.fingerprint_sha256.clone());
        for cert in self.installed.values_mut() {
            if cert.fingerprint_sha256 == e.fingerprint_sha256 {
                cert.expiry_noted = true;
            }
        }
    }
}
