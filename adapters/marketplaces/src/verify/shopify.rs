//! Shopify: `X-Shopify-Hmac-Sha256` = base64(HMAC-SHA256(app client secret, raw body))
//! (MARKETPLACES.md §3).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{VerifyError, matches_any, present};

/// The header of classic webhooks.
pub const SHOPIFY_HMAC_HEADER: &str = "X-Shopify-Hmac-Sha256";
/// The header of the newer "Events" deliveries (no `X-` prefix).
pub const SHOPIFY_HMAC_HEADER_EVENTS: &str = "Shopify-Hmac-Sha256";

/// Verifies a Shopify webhook. `signature` is the value of [`SHOPIFY_HMAC_HEADER`] (or
/// [`SHOPIFY_HMAC_HEADER_EVENTS`]); `secrets` holds the current client secret and, for the hour
/// after a rotation during which Shopify may still sign with it, the previous one.
pub fn verify_shopify(
    body: &[u8],
    signature: Option<&[u8]>,
    secrets: &[&[u8]],
) -> Result<(), VerifyError> {
    let header = SHOPIFY_HMAC_HEADER;
    let value = present(header, signature)?;
    let tag = STANDARD
        .decode(value)
        .map_err(|_| VerifyError::MalformedSignature { header })?;
    if tag.len() != 32 {
        return Err(VerifyError::MalformedSignature { header });
    }
    matches_any(body, &tag, secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MARKETPLACES.md §6.
    const SECRET: &[u8] = b"test-client-secret-not-real";
    const BODY: &[u8] = br#"{"id":450789469,"financial_status":"paid","currency":"ARS"}"#;
    const SIGNATURE: &[u8] = b"O9yPD5CR7E61WsUVX5MsHMq3yLF1mo2sNJwpFgNntfk=";

    #[test]
    fn accepts_the_vector_of_marketplaces_section_6() {
        assert_eq!(verify_shopify(BODY, Some(SIGNATURE), &[SECRET]), Ok(()));
    }

    #[test]
    fn accepts_the_previous_secret_during_a_rotation() {
        let secrets: [&[u8]; 2] = [b"the-new-secret", SECRET];
        assert_eq!(verify_shopify(BODY, Some(SIGNATURE), &secrets), Ok(()));
    }

    #[test]
    fn refuses_a_body_changed_by_one_byte() {
        let forged = br#"{"id":450789469,"financial_status":"paid","currency":"USD"}"#;
        let err = verify_shopify(forged, Some(SIGNATURE), &[SECRET]).unwrap_err();
        assert_eq!(err.code(), "signature_mismatch");
    }

    #[test]
    fn refuses_a_body_reserialized_with_spaces() {
        let spaced = br#"{"id": 450789469, "financial_status": "paid", "currency": "ARS"}"#;
        assert_eq!(
            verify_shopify(spaced, Some(SIGNATURE), &[SECRET]),
            Err(VerifyError::SignatureMismatch)
        );
    }

    #[test]
    fn refuses_the_wrong_secret() {
        let wrong: [&[u8]; 1] = [b"test-client-secret-not-reaL"];
        assert_eq!(
            verify_shopify(BODY, Some(SIGNATURE), &wrong),
            Err(VerifyError::SignatureMismatch)
        );
    }

    #[test]
    fn refuses_a_truncated_signature() {
        let truncated = &SIGNATURE[..20];
        assert_eq!(
            verify_shopify(BODY, Some(truncated), &[SECRET])
                .unwrap_err()
                .code(),
            "malformed_signature"
        );
        // 24 bytes of valid base64 is still not a SHA-256 tag.
        let short = b"O9yPD5CR7E61WsUVX5MsHMq3yLF1mo2s";
        assert_eq!(
            verify_shopify(BODY, Some(short), &[SECRET])
                .unwrap_err()
                .code(),
            "malformed_signature"
        );
    }

    #[test]
    fn refuses_the_hex_form_of_the_right_tag() {
        let hex = b"3bdc8f0f9091ec4eb55ac5155f932c1ccab7c8b1759a8dac349c29160367b5f9";
        assert!(verify_shopify(BODY, Some(hex), &[SECRET]).is_err());
    }

    #[test]
    fn refuses_a_missing_or_empty_header() {
        for header in [None, Some(&b""[..]), Some(&b"  "[..])] {
            assert_eq!(
                verify_shopify(BODY, header, &[SECRET]).unwrap_err().code(),
                "missing_signature"
            );
        }
    }

    #[test]
    fn refuses_everything_when_no_secret_is_configured() {
        assert_eq!(
            verify_shopify(BODY, Some(SIGNATURE), &[]),
            Err(VerifyError::NoSecret)
        );
        assert_eq!(
            verify_shopify(BODY, Some(SIGNATURE), &[b""]),
            Err(VerifyError::NoSecret)
        );
    }
}
