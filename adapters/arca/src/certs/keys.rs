//! Loading and writing RSA keys and X.509 certificates.

use std::fmt;

use der::referenced::OwnedToRef;
use der::{Encode, EncodePem, pem::LineEnding};
use pkcs8::{DecodePrivateKey, EncodePrivateKey};
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use sha2::{Digest, Sha256};
use x509_cert::Certificate;

use super::passphrase::KeyPassphrase;
use crate::error::ArcaError;

const ENCRYPTED_HEADER: &str = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

/// A certificate and its private key: what signs a WSAA login.
#[derive(Clone)]
pub struct Credentials {
    pub cert: Certificate,
    pub(crate) key: RsaPrivateKey,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("subject", &self.cert.tbs_certificate.subject.to_string())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Credentials {
    /// Reads a PEM certificate and a PEM key (`passphrase` for `ENCRYPTED PRIVATE KEY`).
    pub fn from_pem(
        cert_pem: &str,
        key_pem: &str,
        passphrase: Option<&str>,
    ) -> Result<Self, ArcaError> {
        let cert = load_cert_pem(cert_pem)?;
        let key = read_key_pem(key_pem, passphrase)?;
        let spki_key = rsa::RsaPublicKey::try_from(
            cert.tbs_certificate.subject_public_key_info.owned_to_ref(),
        )
        .map_err(|e| ArcaError::Invalid(format!("certificate key is not RSA: {e}")))?;
        if spki_key != key.to_public_key() {
            return Err(ArcaError::Invalid(
                "the key does not belong to the certificate".into(),
            ));
        }
        Ok(Self { cert, key })
    }

    /// Reads both files. Without `passphrase`, an encrypted key is opened with the `.pass` file
    /// beside it (`key.pem` → `key.pass`), as `arca certs` writes it.
    pub fn load(
        cert_path: &std::path::Path,
        key_path: &std::path::Path,
        passphrase: Option<&str>,
    ) -> Result<Self, ArcaError> {
        let beside = match passphrase {
            Some(_) => None,
            None => KeyPassphrase::resolve(key_path, None, None)?,
        };
        let pass = passphrase.or(beside.as_ref().map(KeyPassphrase::expose));
        Self::open_with(cert_path, key_path, pass)
    }

    /// Reads both files, the passphrase from `pass_file`, else environment variable `env_var`,
    /// else the `.pass` file beside the key. What the CLI and the broker's hosts use.
    pub fn open(
        cert_path: &std::path::Path,
        key_path: &std::path::Path,
        pass_file: Option<&std::path::Path>,
        env_var: Option<&str>,
    ) -> Result<Self, ArcaError> {
        let pass = KeyPassphrase::resolve(key_path, pass_file, env_var)?;
        Self::open_with(
            cert_path,
            key_path,
            pass.as_ref().map(KeyPassphrase::expose),
        )
    }

    fn open_with(
        cert_path: &std::path::Path,
        key_path: &std::path::Path,
        passphrase: Option<&str>,
    ) -> Result<Self, ArcaError> {
        let read = |p: &std::path::Path| {
            std::fs::read_to_string(p)
                .map_err(|e| ArcaError::Invalid(format!("reading {}: {e}", p.display())))
        };
        let key_pem = read(key_path)?;
        if !key_pem.trim_start().starts_with(ENCRYPTED_HEADER) {
            tracing::warn!(key = %key_path.display(), "the private key is not encrypted at rest");
        }
        Self::from_pem(&read(cert_path)?, &key_pem, passphrase)
    }

    /// DER of the certificate.
    pub fn cert_der(&self) -> Result<Vec<u8>, ArcaError> {
        self.cert
            .to_der()
            .map_err(|e| ArcaError::Invalid(e.to_string()))
    }

    /// Hex SHA-256 of the certificate DER: a stable id for "this certificate".
    pub fn fingerprint(&self) -> Result<String, ArcaError> {
        Ok(hex_lower(&Sha256::digest(self.cert_der()?)))
    }

    /// The CUIT in the subject's `serialNumber=CUIT n`, if present.
    pub fn subject_cuit(&self) -> Option<String> {
        cuit_in_name(&self.cert.tbs_certificate.subject)
    }
}

/// Finds `serialNumber=CUIT nnnnnnnnnnn` in a name.
pub(crate) fn cuit_in_name(name: &x509_cert::name::Name) -> Option<String> {
    for rdn in name.0.iter() {
        for atv in rdn.0.iter() {
            if atv.oid == const_oid_serial() {
                let raw = atv.value.value();
                let s = String::from_utf8_lossy(raw);
                if let Some(c) = s.strip_prefix("CUIT ") {
                    return Some(c.trim().to_owned());
                }
            }
        }
    }
    None
}

fn const_oid_serial() -> der::oid::ObjectIdentifier {
    der::oid::ObjectIdentifier::new_unwrap("2.5.4.5")
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses one PEM certificate.
pub fn load_cert_pem(pem: &str) -> Result<Certificate, ArcaError> {
    use der::DecodePem;
    Certificate::from_pem(pem.trim().as_bytes())
        .map_err(|e| ArcaError::Invalid(format!("certificate PEM: {e}")))
}

/// Parses a private key in PKCS#1 (`RSA PRIVATE KEY`), PKCS#8 (`PRIVATE KEY`) or encrypted
/// PKCS#8 (`ENCRYPTED PRIVATE KEY`, needs the passphrase).
pub fn read_key_pem(pem: &str, passphrase: Option<&str>) -> Result<RsaPrivateKey, ArcaError> {
    let pem = pem.trim();
    let bad = |e: &dyn fmt::Display| ArcaError::Invalid(format!("private key PEM: {e}"));
    if pem.starts_with("-----BEGIN RSA PRIVATE KEY-----") {
        RsaPrivateKey::from_pkcs1_pem(pem).map_err(|e| bad(&e))
    } else if pem.starts_with(ENCRYPTED_HEADER) {
        let pass = passphrase.ok_or_else(|| {
            ArcaError::Invalid("the private key is encrypted: a passphrase is needed".into())
        })?;
        // Parsed once: its KDF checked before the derivation `decrypt` runs.
        let (_, der) = der::Document::from_pem(pem).map_err(|e| bad(&e))?;
        let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_bytes()).map_err(|e| bad(&e))?;
        super::kdf::check_kdf(&info)?;
        let plain = info.decrypt(pass).map_err(|e| bad(&e))?;
        RsaPrivateKey::from_pkcs8_der(plain.as_bytes()).map_err(|e| bad(&e))
    } else if pem.starts_with("-----BEGIN PRIVATE KEY-----") {
        RsaPrivateKey::from_pkcs8_pem(pem).map_err(|e| bad(&e))
    } else {
        Err(ArcaError::Invalid("private key PEM: unknown header (expected RSA PRIVATE KEY, PRIVATE KEY or ENCRYPTED PRIVATE KEY)".into()))
    }
}

/// A fresh RSA key (2048 bits for anything ARCA sees).
pub fn generate_key(bits: usize) -> Result<RsaPrivateKey, ArcaError> {
    let mut rng = rand_core06::OsRng;
    RsaPrivateKey::new(&mut rng, bits)
        .map_err(|e| ArcaError::Invalid(format!("generating key: {e}")))
}

/// PBKDF2 rounds for keys written encrypted.
const KDF_ITERATIONS: u32 = 100_000;

/// PEM of a key, always encrypted (PKCS#8 + PBES2): keys are never written in the clear.
pub fn encrypt_key_pem(
    key: &RsaPrivateKey,
    passphrase: &KeyPassphrase,
) -> Result<String, ArcaError> {
    let bad = |e: &dyn fmt::Display| ArcaError::Invalid(format!("encoding key: {e}"));
    // PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, readable by `openssl pkey`.
    let (salt, iv): ([u8; 16], [u8; 16]) = (rand::random(), rand::random());
    let params =
        pkcs8::pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(KDF_ITERATIONS, &salt, &iv)
            .map_err(|e| bad(&e))?;
    let plain = key.to_pkcs8_der().map_err(|e| bad(&e))?;
    let info = pkcs8::PrivateKeyInfo::try_from(plain.as_bytes()).map_err(|e| bad(&e))?;
    let doc = info
        .encrypt_with_params(params, passphrase.expose())
        .map_err(|e| bad(&e))?;
    Ok(doc
        .to_pem("ENCRYPTED PRIVATE KEY", LineEnding::LF)
        .map_err(|e| bad(&e))?
        .to_string())
}

/// PEM of a certificate.
pub(crate) fn cert_pem(cert: &Certificate) -> Result<String, ArcaError> {
    cert.to_pem(LineEnding::LF)
        .map_err(|e| ArcaError::Invalid(e.to_string()))
}

/// Hex SHA-256 of a certificate's DER.
pub(crate) fn fingerprint_of(cert: &Certificate) -> String {
    cert.to_der()
        .map(|d| hex_lower(&Sha256::digest(d)))
        .unwrap_or_default()
}
