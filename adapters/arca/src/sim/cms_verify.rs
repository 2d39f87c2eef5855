//! The simulator's check of a `loginCms` CMS: structure, trust chain, validity and signature,
//! each failure mapped to the WSAA fault code ARCA uses.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::OctetString;
use der::referenced::OwnedToRef;
use der::{Decode, Encode};
use rsa::RsaPublicKey;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::signature::Verifier;
use sha2::{Digest, Sha256, Sha512};
use time::OffsetDateTime;
use x509_cert::Certificate;

use crate::wsaa::cms::{ID_SHA256, ID_SIGNED_DATA};

/// A WSAA fault: code (without `ns1:`) and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsaaFault {
    pub code: &'static str,
    pub message: String,
}

pub(crate) fn fault(code: &'static str, message: impl Into<String>) -> WsaaFault {
    WsaaFault {
        code,
        message: message.into(),
    }
}

/// What a valid CMS carried.
#[derive(Debug, Clone)]
pub struct Verified {
    pub content: Vec<u8>,
    pub signer: Certificate,
}

fn cms_bad() -> WsaaFault {
    fault("cms.bad", "El CMS no es valido")
}

fn signed_data(der: &[u8]) -> Result<SignedData, WsaaFault> {
    let ci = ContentInfo::from_der(der).map_err(|_| cms_bad())?;
    if ci.content_type != ID_SIGNED_DATA {
        return Err(cms_bad());
    }
    ci.content.decode_as::<SignedData>().map_err(|_| cms_bad())
}

fn content(sd: &SignedData) -> Result<Vec<u8>, WsaaFault> {
    let any = sd
        .encap_content_info
        .econtent
        .as_ref()
        .ok_or_else(cms_bad)?;
    let octets: OctetString = any.decode_as().map_err(|_| cms_bad())?;
    Ok(octets.into_bytes())
}

/// The attached content, without any check (for reading recorded requests).
pub fn content_unverified(der: &[u8]) -> Result<Vec<u8>, WsaaFault> {
    content(&signed_data(der)?)
}

const SHA256_RSA: &str = "1.2.840.113549.1.1.11";
const SHA512_RSA: &str = "1.2.840.113549.1.1.13";
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const ID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";

fn public_key(cert: &Certificate) -> Option<RsaPublicKey> {
    RsaPublicKey::try_from(cert.tbs_certificate.subject_public_key_info.owned_to_ref()).ok()
}

fn verify_rsa(key: RsaPublicKey, alg: &str, msg: &[u8], sig: &[u8]) -> bool {
    let Ok(sig) = Signature::try_from(sig) else {
        return false;
    };
    match alg {
        SHA256_RSA | RSA_ENCRYPTION => VerifyingKey::<Sha256>::new(key).verify(msg, &sig).is_ok(),
        SHA512_RSA => VerifyingKey::<Sha512>::new(key).verify(msg, &sig).is_ok(),
        _ => false,
    }
}

fn issued_by(cert: &Certificate, ca: &Certificate) -> bool {
    if cert.tbs_certificate.issuer != ca.tbs_certificate.subject {
        return false;
    }
    let (Some(key), Ok(tbs)) = (public_key(ca), cert.tbs_certificate.to_der()) else {
        return false;
    };
    let Some(sig) = cert.signature.as_bytes() else {
        return false;
    };
    verify_rsa(key, &cert.signature_algorithm.oid.to_string(), &tbs, sig)
}

/// Verifies a CMS SignedData against the trust roots at `now`.
pub fn verify(
    der: &[u8],
    trust: &[Certificate],
    now: OffsetDateTime,
) -> Result<Verified, WsaaFault> {
    let sd = signed_data(der)?;
    let data = content(&sd)?;
    let cert = sd
        .certificates
        .as_ref()
        .and_then(|set| {
            set.0.iter().find_map(|c| match c {
                CertificateChoices::Certificate(c) => Some(c.clone()),
                _ => None,
            })
        })
        .ok_or_else(|| {
            fault(
                "cms.cert.notFound",
                "No se encontro certificado del firmante en el CMS",
            )
        })?;
    if !trust.iter().any(|ca| issued_by(&cert, ca)) {
        return Err(fault(
            "cms.cert.untrusted",
            "Certificado no emitido por AC de confianza",
        ));
    }
    let validity = &cert.tbs_certificate.validity;
    let now_st = std::time::SystemTime::UNIX_EPOCH
        + std::time::Duration::from_secs(u64::try_from(now.unix_timestamp()).unwrap_or(0));
    if now_st < validity.not_before.to_system_time() {
        return Err(fault("cms.cert.invalid", "Certificado aun no valido"));
    }
    if now_st > validity.not_after.to_system_time() {
        return Err(fault("cms.cert.expired", "Certificado expirado"));
    }
    let si = sd.signer_infos.0.iter().next().ok_or_else(cms_bad)?;
    if let SignerIdentifier::IssuerAndSerialNumber(ias) = &si.sid
        && ias.serial_number != cert.tbs_certificate.serial_number
    {
        return Err(fault(
            "cms.cert.notFound",
            "No se encontro certificado del firmante en el CMS",
        ));
    }
    let invalid = || {
        fault(
            "cms.sign.invalid",
            "Firma inválida o algoritmo no soportado",
        )
    };
    if si.digest_alg.oid != ID_SHA256 {
        return Err(invalid());
    }
    let key = public_key(&cert).ok_or_else(invalid)?;
    let signed = match &si.signed_attrs {
        Some(attrs) => {
            let md = attrs
                .iter()
                .find(|a| a.oid.to_string() == ID_MESSAGE_DIGEST)
                .and_then(|a| a.values.iter().next())
                .and_then(|v| v.decode_as::<OctetString>().ok())
                .ok_or_else(invalid)?;
            if md.as_bytes() != Sha256::digest(&data).as_slice() {
                return Err(invalid());
            }
            attrs.to_der().map_err(|_| invalid())?
        }
        None => data.clone(),
    };
    let alg = si.signature_algorithm.oid.to_string();
    if !verify_rsa(key, &alg, &signed, si.signature.as_bytes()) {
        return Err(invalid());
    }
    Ok(Verified {
        content: data,
        signer: cert,
    })
}
