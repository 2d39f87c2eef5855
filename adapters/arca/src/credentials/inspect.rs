//! What a certificate says (fingerprint, serial, subject and its CUIT, public key, validity), and
//! the key + CSR of a new certificate request.

use der::referenced::OwnedToRef;
use der::{Encode, EncodePem, pem::LineEnding};
use rsa::pkcs8::EncodePublicKey;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::CredentialError;
use crate::certs::{csr_for_key, generate_key, load_cert_pem, read_key_pem};

/// The public facts of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Hex SHA-256 of the DER.
    pub fingerprint_sha256: String,
    /// Serial number, hex.
    pub serial: String,
    /// Subject, RFC 4514 text.
    pub subject: String,
    /// The CUIT of the subject's `serialNumber=CUIT n`, if any.
    pub subject_cuit: Option<String>,
    /// Hex SHA-256 of the public key (DER SubjectPublicKeyInfo).
    pub public_key_sha256: String,
    /// Valid from.
    pub not_before: OffsetDateTime,
    /// Valid until.
    pub not_after: OffsetDateTime,
    /// The certificate re-encoded as PEM (what is stored).
    pub pem: String,
    /// Its issuer, RFC 4514 text.
    pub issuer: String,
    /// Whether a development CA ([`crate::certs::DEV_CA_NAME`]) issued it: the only
    /// certificates the simulator takes, and never one ARCA signed.
    pub from_dev_ca: bool,
}

/// Reads a PEM certificate.
///
/// # Errors
/// [`CredentialError::InvalidCertificate`] when it is not one RSA certificate in PEM.
pub fn inspect_certificate(pem: &str) -> Result<CertificateInfo, CredentialError> {
    let bad = |e: &dyn std::fmt::Display| CredentialError::InvalidCertificate(e.to_string());
    let cert = load_cert_pem(pem).map_err(|e| bad(&e))?;
    let tbs = &cert.tbs_certificate;
    let public = RsaPublicKey::try_from(tbs.subject_public_key_info.owned_to_ref())
        .map_err(|e| bad(&format!("the certificate's key is not RSA: {e}")))?;
    let der = cert.to_der().map_err(|e| bad(&e))?;
    let time = |t: x509_cert::time::Time| {
        let secs = i64::try_from(t.to_unix_duration().as_secs()).map_err(|e| bad(&e))?;
        OffsetDateTime::from_unix_timestamp(secs).map_err(|e| bad(&e))
    };
    Ok(CertificateInfo {
        fingerprint_sha256: hex(&Sha256::digest(&der)),
        serial: hex(tbs.serial_number.as_bytes()),
        // RFC 4514 text, with the attribute ARCA documents spelled as ARCA spells it.
        subject: tbs
            .subject
            .to_string()
            .replace("SERIALNUMBER=", "serialNumber="),
        subject_cuit: crate::certs::keys_util::cuit_in_name(&tbs.subject),
        public_key_sha256: public_key_sha256(&public)?,
        not_before: time(tbs.validity.not_before)?,
        not_after: time(tbs.validity.not_after)?,
        pem: cert.to_pem(LineEnding::LF).map_err(|e| bad(&e))?,
        issuer: tbs.issuer.to_string(),
        from_dev_ca: crate::certs::is_dev_ca_name(&tbs.issuer),
    })
}

/// Hex SHA-256 of a public key's DER SubjectPublicKeyInfo.
///
/// # Errors
/// Only if the key cannot be encoded.
pub fn public_key_sha256(key: &RsaPublicKey) -> Result<String, CredentialError> {
    let der = key
        .to_public_key_der()
        .map_err(|e| CredentialError::InvalidKey(e.to_string()))?;
    Ok(hex(&Sha256::digest(der.as_bytes())))
}

/// Reads a private key the user brings (PKCS#1, PKCS#8 or encrypted PKCS#8 with `passphrase`)
/// and checks that it belongs to the certificate.
///
/// # Errors
/// [`CredentialError::InvalidKey`] for an unreadable key, [`CredentialError::KeyMismatch`] for
/// the key of another certificate.
pub fn key_for(
    certificate: &CertificateInfo,
    key_pem: &str,
    passphrase: Option<&str>,
) -> Result<RsaPrivateKey, CredentialError> {
    let key = read_key_pem(key_pem, passphrase)
        .map_err(|e| CredentialError::InvalidKey(e.to_string()))?;
    if public_key_sha256(&key.to_public_key())? != certificate.public_key_sha256 {
        return Err(CredentialError::KeyMismatch);
    }
    Ok(key)
}

/// A new RSA 2048 key and its CSR, before anything is stored.
pub struct NewRequest {
    /// The key (kept in memory only until it is sealed).
    pub key: RsaPrivateKey,
    /// The CSR to take to ARCA.
    pub csr_pem: String,
    /// The CSR's subject.
    pub subject: String,
    /// Hex SHA-256 of the key's public part.
    pub public_key_sha256: String,
}

impl std::fmt::Debug for NewRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewRequest")
            .field("subject", &self.subject)
            .field("key", &"<redacted>")
            .finish()
    }
}

/// Makes a key and a CSR with subject `C=AR, O=organization, CN=alias, serialNumber=CUIT n`.
///
/// # Errors
/// An invalid CUIT or a name that cannot be encoded.
pub fn new_request(
    cuit: &str,
    alias: &str,
    organization: &str,
) -> Result<NewRequest, CredentialError> {
    let key = generate_key(2048).map_err(|e| CredentialError::Invalid(e.to_string()))?;
    let (csr_pem, subject) = csr_for_key(&key, cuit, alias, organization)
        .map_err(|e| CredentialError::Invalid(e.to_string()))?;
    Ok(NewRequest {
        public_key_sha256: public_key_sha256(&key.to_public_key())?,
        key,
        csr_pem,
        subject,
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
