//! Tienda Nube: `x-linkedstore-hmac-sha256` = lowercase hex HMAC-SHA256(app secret, raw body)
//! (MARKETPLACES.md §4). The official example compares with `==`; we compare in constant time.

use super::{VerifyError, matches_any, present};

/// The signature header (some frameworks rename it `HTTP_X_LINKEDSTORE_HMAC_SHA256`).
pub const TIENDANUBE_HMAC_HEADER: &str = "x-linkedstore-hmac-sha256";

/// Verifies a Tienda Nube webhook. Upper-case hex is accepted (decoding is case-insensitive);
/// base64 or a truncated digest is not.
pub fn verify_tiendanube(
    body: &[u8],
    signature: Option<&[u8]>,
    secrets: &[&[u8]],
) -> Result<(), VerifyError> {
    let header = TIENDANUBE_HMAC_HEADER;
    let value = present(header, signature)?;
    if value.len() != 64 {
        return Err(VerifyError::MalformedSignature { header });
    }
    let tag = hex::decode(value).map_err(|_| VerifyError::MalformedSignature { header })?;
    matches_any(body, &tag, secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MARKETPLACES.md §6.
    const SECRET: &[u8] = b"test-app-secret-not-real";
    const BODY: &[u8] = br#"{"store_id":5665778,"event":"order/paid","id":1639882221}"#;
    const SIGNATURE: &[u8] = b"782ea9e0a413cea3b8f289b04b4cb2dbe4f33e4cbe05a6952891a59520a778e3";

    #[test]
    fn accepts_the_vector_of_marketplaces_section_6() {
        assert_eq!(verify_tiendanube(BODY, Some(SIGNATURE), &[SECRET]), Ok(()));
    }

    #[test]
    fn accepts_the_vector_written_in_upper_case() {
        let upper = SIGNATURE.to_ascii_uppercase();
        assert_eq!(verify_tiendanube(BODY, Some(&upper), &[SECRET]), Ok(()));
    }

    #[test]
    fn refuses_a_forged_event() {
        let forged = br#"{"store_id":5665778,"event":"order/paid","id":1639882222}"#;
        assert_eq!(
            verify_tiendanube(forged, Some(SIGNATURE), &[SECRET]),
            Err(VerifyError::SignatureMismatch)
        );
    }

    #[test]
    fn refuses_the_wrong_secret() {
        let wrong: [&[u8]; 1] = [b"test-client-secret-not-real"];
        assert_eq!(
            verify_tiendanube(BODY, Some(SIGNATURE), &wrong),
            Err(VerifyError::SignatureMismatch)
        );
    }

    #[test]
    fn refuses_a_truncated_or_non_hex_signature() {
        for bad in [
            &SIGNATURE[..63],
            &SIGNATURE[..32],
            b"782ea9e0a413cea3b8f289b04b4cb2dbe4f33e4cbe05a6952891a59520a778eZ",
            b"eC6p4KQTzqO48omwS0yy2+TzPky+BaaVKJGllSCneOM=",
        ] {
            assert_eq!(
                verify_tiendanube(BODY, Some(bad), &[SECRET])
                    .unwrap_err()
                    .code(),
                "malformed_signature",
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn refuses_a_missing_header() {
        assert_eq!(
            verify_tiendanube(BODY, None, &[SECRET]),
            Err(VerifyError::MissingSignature {
                header: TIENDANUBE_HMAC_HEADER
            })
        );
    }

    #[test]
    fn refuses_everything_when_no_secret_is_configured() {
        assert_eq!(
            verify_tiendanube(BODY, Some(SIGNATURE), &[]),
            Err(VerifyError::NoSecret)
        );
    }
}
