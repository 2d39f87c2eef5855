//! Inbound notifications: is this request really from the platform, and what does it point at?
//!
//! Every check works on the raw body bytes exactly as received (never on re-serialized JSON) and
//! compares signatures in constant time ([`hmac::Mac::verify_slice`]). A body that passes is still
//! only a hint: the order is always fetched from the platform's API with the seller's token.

mod mercadolibre;
mod shopify;
mod tiendanube;

pub use mercadolibre::{MlHint, MlNotification, verify_mercadolibre};
pub use shopify::{SHOPIFY_HMAC_HEADER, SHOPIFY_HMAC_HEADER_EVENTS, verify_shopify};
pub use tiendanube::{TIENDANUBE_HMAC_HEADER, verify_tiendanube};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a notification is refused. Every variant is a `401`-class refusal except the ones about
/// the body's shape; [`VerifyError::code`] is stable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The signature header is absent or empty.
    #[error("the notification carries no {header} header")]
    MissingSignature {
        /// The header that was expected.
        header: &'static str,
    },
    /// The header is not base64 (Shopify) or hex (Tienda Nube) of 32 bytes.
    #[error("the {header} header is not a well-formed signature")]
    MalformedSignature {
        /// The header that was read.
        header: &'static str,
    },
    /// The signature does not match the body under any of our secrets.
    #[error("the notification's signature does not match its body")]
    SignatureMismatch,
    /// No secret is configured, so nothing can be verified (refused, never waved through).
    #[error("no secret is configured to verify this notification")]
    NoSecret,
    /// Mercado Libre: `application_id` is not our application.
    #[error("the notification is for application {got}, not ours")]
    WrongApplication {
        /// The application id the body names.
        got: u64,
    },
    /// Mercado Libre: `user_id` is not a seller connected to us.
    #[error("seller {user_id} is not connected")]
    UnknownSeller {
        /// The seller the body names.
        user_id: u64,
    },
    /// The body is not the JSON the platform sends.
    #[error("the notification body is malformed: {0}")]
    MalformedBody(String),
    /// Mercado Libre: an `orders_v2` resource that is not `/orders/{id}`.
    #[error("resource `{resource}` is not a {topic} resource")]
    MalformedResource {
        /// The topic the body names.
        topic: String,
        /// The resource it names.
        resource: String,
    },
}

impl VerifyError {
    /// Stable snake_case code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingSignature { .. } => "missing_signature",
            Self::MalformedSignature { .. } => "malformed_signature",
            Self::SignatureMismatch => "signature_mismatch",
            Self::NoSecret => "no_secret_configured",
            Self::WrongApplication { .. } => "wrong_application",
            Self::UnknownSeller { .. } => "unknown_seller",
            Self::MalformedBody(_) => "malformed_notification",
            Self::MalformedResource { .. } => "malformed_resource",
        }
    }
}

/// Whether `tag` is HMAC-SHA256(secret, body) under any of `secrets`, compared in constant time.
/// Every secret is tried (no early exit that would tell which one matched by timing).
fn matches_any(body: &[u8], tag: &[u8], secrets: &[&[u8]]) -> Result<(), VerifyError> {
    if secrets.is_empty() || secrets.iter().all(|s| s.is_empty()) {
        return Err(VerifyError::NoSecret);
    }
    let mut ok = false;
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let mut mac = match Hmac::<Sha256>::new_from_slice(secret) {
            Ok(mac) => mac,
            Err(_) => continue,
        };
        mac.update(body);
        ok |= mac.verify_slice(tag).is_ok();
    }
    if ok {
        Ok(())
    } else {
        Err(VerifyError::SignatureMismatch)
    }
}

/// The header's value, trimmed, or [`VerifyError::MissingSignature`].
fn present<'a>(header: &'static str, value: Option<&'a [u8]>) -> Result<&'a [u8], VerifyError> {
    match value.map(<[u8]>::trim_ascii) {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(VerifyError::MissingSignature { header }),
    }
}
