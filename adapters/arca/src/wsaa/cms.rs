//! CMS SignedData over the TRA: content attached, SHA-256 with RSA (PKCS#1 v1.5), the signer's
//! certificate included, signed attributes contentType, signingTime and messageDigest.
//! Equivalent to `openssl cms -sign -nodetach -md sha256 -outform DER`.

use cms::builder::{SignedDataBuilder, SignerInfoBuilder, create_signing_time_attribute};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::asn1::OctetString;
use der::oid::ObjectIdentifier;
use der::{Any, Encode};
use rsa::pkcs1v15::{Signature, SigningKey};
use sha2::Sha256;
use spki::AlgorithmIdentifierOwned;

use crate::certs::Credentials;
use crate::error::ArcaError;

/// `id-data`.
pub const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// `id-signedData`.
pub const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// `id-sha256`.
pub const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");

fn bad(e: impl std::fmt::Display) -> ArcaError {
    ArcaError::Invalid(format!("building CMS: {e}"))
}

/// Signs `content` and returns the DER of the ContentInfo.
pub fn sign_attached(content: &[u8], creds: &Credentials) -> Result<Vec<u8>, ArcaError> {
    let octets = OctetString::new(content.to_vec()).map_err(bad)?;
    let econtent = Any::encode_from(&octets).map_err(bad)?;
    let eci = EncapsulatedContentInfo {
        econtent_type: ID_DATA,
        econtent: Some(econtent),
    };
    let digest = AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    };
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: creds.cert.tbs_certificate.issuer.clone(),
        serial_number: creds.cert.tbs_certificate.serial_number.clone(),
    });
    let signer = SigningKey::<Sha256>::new(creds.key.clone());
    let mut sib = SignerInfoBuilder::new(&signer, sid, digest.clone(), &eci, None).map_err(bad)?;
    sib.add_signed_attribute(create_signing_time_attribute().map_err(bad)?)
        .map_err(bad)?;
    let content_info = SignedDataBuilder::new(&eci)
        .add_digest_algorithm(digest)
        .map_err(bad)?
        .add_certificate(CertificateChoices::Certificate(creds.cert.clone()))
        .map_err(bad)?
        .add_signer_info::<SigningKey<Sha256>, Signature>(sib)
        .map_err(bad)?
        .build()
        .map_err(bad)?;
    content_info.to_der().map_err(bad)
}
