//! A development CA and certificates it signs (trusted by the simulator), and CSRs.

use std::str::FromStr;
use std::time::Duration;

use der::EncodePem;
use der::pem::LineEnding;
use rsa::pkcs1v15::{Signature, SigningKey};
use sha2::Sha256;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::builder::{Builder, CertificateBuilder, Profile, RequestBuilder};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::time::Validity;

use super::keys::{Credentials, cert_pem, encrypt_key_pem, generate_key};
use super::passphrase::KeyPassphrase;
use super::serial_number_for;
use crate::error::ArcaError;

/// What `arca certs dev` writes: the CA certificate, a certificate for a CUIT and its key.
#[derive(Clone)]
pub struct DevBundle {
    pub ca_pem: String,
    pub cert_pem: String,
    /// Encrypted PKCS#8 PEM (PBES2), never the key in the clear.
    pub key_pem: String,
    /// The passphrase of `key_pem`: the one given, or a generated one.
    pub key_passphrase: KeyPassphrase,
    /// The CA itself (certificate + key), to sign more certificates in tests.
    pub ca: Credentials,
    pub leaf: Credentials,
}

impl std::fmt::Debug for DevBundle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevBundle")
            .field("ca", &self.ca)
            .field("leaf", &self.leaf)
            .finish()
    }
}

fn name(s: &str) -> Result<Name, ArcaError> {
    Name::from_str(s).map_err(|e| ArcaError::Invalid(format!("name {s}: {e}")))
}

fn random_serial() -> Result<SerialNumber, ArcaError> {
    let mut bytes: [u8; 8] = rand::random();
    bytes[0] &= 0x7f;
    bytes[0] |= 0x01;
    SerialNumber::new(&bytes).map_err(|e| ArcaError::Invalid(e.to_string()))
}

fn spki(key: &rsa::RsaPrivateKey) -> Result<SubjectPublicKeyInfoOwned, ArcaError> {
    SubjectPublicKeyInfoOwned::from_key(key.to_public_key())
        .map_err(|e| ArcaError::Invalid(e.to_string()))
}

fn validity(from_now: Duration) -> Result<Validity, ArcaError> {
    // Start an hour back so clocks a little behind still accept it.
    validity_from(
        std::time::SystemTime::now() - Duration::from_secs(3600),
        from_now,
    )
}

fn validity_from(start: std::time::SystemTime, from_now: Duration) -> Result<Validity, ArcaError> {
    Ok(Validity {
        not_before: x509_cert::time::Time::try_from(start)
            .map_err(|e| ArcaError::Invalid(e.to_string()))?,
        not_after: x509_cert::time::Time::try_from(start + from_now)
            .map_err(|e| ArcaError::Invalid(e.to_string()))?,
    })
}

/// Signs a leaf certificate `CN=alias, serialNumber=CUIT n` for `key` with the CA.
pub fn issue_leaf(
    ca: &Credentials,
    cuit: &str,
    alias: &str,
    key: &rsa::RsaPrivateKey,
    lifetime: Duration,
) -> Result<x509_cert::Certificate, ArcaError> {
    let signer = SigningKey::<Sha256>::new(ca.key.clone());
    let subject = name(&format!(
        "serialNumber={},CN={alias}",
        serial_number_for(cuit)
    ))?;
    let profile = Profile::Leaf {
        issuer: ca.cert.tbs_certificate.subject.clone(),
        enable_key_agreement: false,
        enable_key_encipherment: true,
    };
    let builder = CertificateBuilder::new(
        profile,
        random_serial()?,
        validity(lifetime)?,
        subject,
        spki(key)?,
        &signer,
    )
    .map_err(|e| ArcaError::Invalid(e.to_string()))?;
    builder
        .build::<Signature>()
        .map_err(|e| ArcaError::Invalid(e.to_string()))
}

/// A development CA (`CN=Computadores Dev, O=AFIP, C=AR`) and a 2-year certificate for `cuit`,
/// its key encrypted with `passphrase` (or a generated one, see [`DevBundle::key_passphrase`]).
pub fn dev_bundle(
    cuit: &str,
    alias: &str,
    passphrase: Option<&str>,
) -> Result<DevBundle, ArcaError> {
    if !super::valid_cuit(cuit) {
        return Err(ArcaError::Invalid(format!("{cuit} is not a valid CUIT")));
    }
    let ca = dev_ca()?;
    let year = Duration::from_secs(365 * 24 * 3600);
    let key_passphrase = match passphrase {
        Some(p) => KeyPassphrase::new(p)?,
        None => KeyPassphrase::generate(),
    };
    let leaf_key = generate_key(2048)?;
    let leaf_cert = issue_leaf(&ca, cuit, alias, &leaf_key, 2 * year)?;
    Ok(DevBundle {
        ca_pem: cert_pem(&ca.cert)?,
        cert_pem: cert_pem(&leaf_cert)?,
        key_pem: encrypt_key_pem(&leaf_key, &key_passphrase)?,
        key_passphrase,
        leaf: Credentials {
            cert: leaf_cert,
            key: leaf_key,
        },
        ca,
    })
}

/// A new key and a CSR with subject `C=AR, O=org, CN=alias, serialNumber=CUIT n`: what ARCA's
/// certificate page asks for. Returns (encrypted key PEM, CSR PEM).
pub fn csr(
    cuit: &str,
    alias: &str,
    org: &str,
    passphrase: &KeyPassphrase,
) -> Result<(String, String), ArcaError> {
    let key = generate_key(2048)?;
    let (pem, _) = csr_for_key(&key, cuit, alias, org)?;
    Ok((encrypt_key_pem(&key, passphrase)?, pem))
}

/// A CSR for `key` with subject `C=AR, O=org, CN=alias, serialNumber=CUIT n`. Returns (CSR PEM,
/// subject as text).
pub fn csr_for_key(
    key: &rsa::RsaPrivateKey,
    cuit: &str,
    alias: &str,
    org: &str,
) -> Result<(String, String), ArcaError> {
    if !super::valid_cuit(cuit) {
        return Err(ArcaError::Invalid(format!("{cuit} is not a valid CUIT")));
    }
    let signer = SigningKey::<Sha256>::new(key.clone());
    let escape = |s: &str| {
        s.replace('\\', "\\\\")
            .replace(',', "\\,")
            .replace('+', "\\+")
            .replace('=', "\\=")
    };
    let text = format!(
        "serialNumber={},CN={},O={},C=AR",
        serial_number_for(cuit),
        escape(alias),
        escape(org)
    );
    let subject = name(&text)?;
    let builder =
        RequestBuilder::new(subject, &signer).map_err(|e| ArcaError::Invalid(e.to_string()))?;
    let req = builder
        .build::<Signature>()
        .map_err(|e| ArcaError::Invalid(e.to_string()))?;
    let pem = req
        .to_pem(LineEnding::LF)
        .map_err(|e| ArcaError::Invalid(e.to_string()))?;
    Ok((pem, text))
}

/// A fresh development CA (`CN=Computadores Dev, O=AFIP, C=AR`, ten years), the kind the
/// simulator is told to trust.
pub fn dev_ca() -> Result<Credentials, ArcaError> {
    dev_ca_named(DEV_CA_NAME)
}

/// The name of every development CA [`dev_ca`] makes: no certificate ARCA signs carries it.
pub const DEV_CA_NAME: &str = "CN=Computadores Dev,O=AFIP,C=AR";

/// Whether `issuer` is the name of a development CA.
pub fn is_dev_ca_name(issuer: &Name) -> bool {
    name(DEV_CA_NAME).is_ok_and(|dev| &dev == issuer)
}

/// A fresh CA named `ca_name` (tests make CAs that are not the development one).
pub fn dev_ca_named(ca_name: &str) -> Result<Credentials, ArcaError> {
    let ca_key = generate_key(2048)?;
    let signer = SigningKey::<Sha256>::new(ca_key.clone());
    let ca_name = name(ca_name)?;
    let year = Duration::from_secs(365 * 24 * 3600);
    let builder = CertificateBuilder::new(
        Profile::Root,
        random_serial()?,
        validity(10 * year)?,
        ca_name,
        spki(&ca_key)?,
        &signer,
    )
    .map_err(|e| ArcaError::Invalid(e.to_string()))?;
    let cert = builder
        .build::<Signature>()
        .map_err(|e| ArcaError::Invalid(e.to_string()))?;
    Ok(Credentials { cert, key: ca_key })
}

/// Signs a CSR with a development CA, as ARCA's certificate page would: the subject and public key
/// of the request, valid for `lifetime` from an hour ago. Returns the certificate's PEM.
pub fn sign_request(
    ca: &Credentials,
    csr_pem: &str,
    lifetime: Duration,
) -> Result<String, ArcaError> {
    let start = std::time::SystemTime::now() - Duration::from_secs(3600);
    sign_request_at(ca, csr_pem, start, lifetime)
}

/// [`sign_request`] valid from `start` (tests that pin the clock).
pub fn sign_request_at(
    ca: &Credentials,
    csr_pem: &str,
    start: std::time::SystemTime,
    lifetime: Duration,
) -> Result<String, ArcaError> {
    use der::DecodePem;
    let req = x509_cert::request::CertReq::from_pem(csr_pem.trim().as_bytes())
        .map_err(|e| ArcaError::Invalid(format!("CSR PEM: {e}")))?;
    let signer = SigningKey::<Sha256>::new(ca.key.clone());
    let profile = Profile::Leaf {
        issuer: ca.cert.tbs_certificate.subject.clone(),
        enable_key_agreement: false,
        enable_key_encipherment: true,
    };
    let builder = CertificateBuilder::new(
        profile,
        random_serial()?,
        validity_from(start, lifetime)?,
        req.info.subject,
        req.info.public_key,
        &signer,
    )
    .map_err(|e| ArcaError::Invalid(e.to_string()))?;
    let cert = builder
        .build::<Signature>()
        .map_err(|e| ArcaError::Invalid(e.to_string()))?;
    cert_pem(&cert)
}

/// A fresh key and a leaf certificate for `cuit` signed by the development CA `ca`: the
/// credentials a simulated issuer logs in with (the simulator trusts `ca`).
pub fn dev_credentials(
    ca: &Credentials,
    cuit: &str,
    alias: &str,
) -> Result<Credentials, ArcaError> {
    if !super::valid_cuit(cuit) {
        return Err(ArcaError::Invalid(format!("{cuit} is not a valid CUIT")));
    }
    let key = generate_key(2048)?;
    let cert = issue_leaf(
        ca,
        cuit,
        alias,
        &key,
        Duration::from_secs(2 * 365 * 24 * 3600),
    )?;
    Ok(Credentials { cert, key })
}
