//! Document keys: `/`-separated segments of ASCII letters, digits, `-`, `_` and `.`, the same on
//! a disk, in a bucket and in an event, with nothing to escape. Keys are the caller's;
//! [`VoucherKey`] builds the one an authorized voucher's PDF is stored under.

use std::fmt;

use crate::StoreError;

/// S3's limit on a key's length, in bytes.
const MAX_LEN: usize = 1024;

/// A key a document is stored under, checked to hold only safe characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentKey(String);

impl DocumentKey {
    /// `key` if it is one or more non-empty segments joined by `/`, each of ASCII letters,
    /// digits, `-`, `_` and `.` and not starting with `.`, 1024 bytes at most.
    pub fn parse(key: &str) -> Result<Self, StoreError> {
        let invalid = |reason| StoreError::InvalidKey {
            key: key.to_owned(),
            reason,
        };
        if key.len() > MAX_LEN {
            return Err(invalid("longer than 1024 bytes"));
        }
        for segment in key.split('/') {
            check_segment(segment).map_err(invalid)?;
        }
        Ok(Self(key.to_owned()))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocumentKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_segment(segment: &str) -> Result<(), &'static str> {
    if segment.is_empty() {
        return Err("an empty segment (a leading, trailing or doubled '/')");
    }
    if segment.starts_with('.') {
        return Err("a segment starts with '.'");
    }
    let safe = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if !segment.chars().all(safe) {
        return Err("a character other than ASCII letters, digits, '-', '_', '.' and '/'");
    }
    Ok(())
}

/// The PDF of one authorized voucher, named by its series, number and template version:
/// `{tenant}/{environment}/{cuit}/{point_of_sale:05}-{voucher_type:03}-{number:08}.v{template}.pdf`,
/// such as `0192f0c4-…/produccion/20267565393/00001-006-00000042.v1.pdf`; a newer template's
/// rendering is a new object beside the old one, never a conflict with it. The series comes in the
/// order of its stream's name (`series-{env}-{cuit}-{pos}-{type}`); the tenant comes first
/// because two tenants may issue for the same CUIT, each in a series of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoucherKey<'a> {
    /// The tenant's id.
    pub tenant: &'a str,
    /// The ARCA environment (`sim`, `homologacion`, `produccion`).
    pub environment: &'a str,
    /// The issuer's CUIT, 11 digits.
    pub cuit: u64,
    /// The point of sale (`PtoVta`).
    pub point_of_sale: u32,
    /// The voucher type's code (`CbteTipo`).
    pub voucher_type: u16,
    /// The voucher's number.
    pub number: u64,
    /// The template version it was rendered with (`1`).
    pub template: &'a str,
}

impl VoucherKey<'_> {
    /// The key; fails if the tenant or environment is not one safe segment.
    pub fn key(&self) -> Result<DocumentKey, StoreError> {
        for part in [self.tenant, self.environment, self.template] {
            check_segment(part).map_err(|reason| StoreError::InvalidKey {
                key: part.to_owned(),
                reason,
            })?;
        }
        DocumentKey::parse(&format!(
            "{}/{}/{}/{:05}-{:03}-{:08}.v{}.pdf",
            self.tenant,
            self.environment,
            self.cuit,
            self.point_of_sale,
            self.voucher_type,
            self.number,
            self.template
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_voucher_key_names_its_series_and_number() {
        let key = VoucherKey {
            tenant: "0192f0c4-7a3e-7c41-9d2b-5f0e8a1b2c3d",
            environment: "produccion",
            cuit: 20_267_565_393,
            point_of_sale: 1,
            voucher_type: 6,
            number: 42,
            template: "1",
        }
        .key()
        .map(|key| key.to_string());
        assert_eq!(
            key.ok().as_deref(),
            Some(
                "0192f0c4-7a3e-7c41-9d2b-5f0e8a1b2c3d/produccion/20267565393/00001-006-00000042.v1.pdf"
            )
        );
    }

    #[test]
    fn a_tenant_that_would_add_a_segment_is_refused() {
        for tenant in ["a/b", "..", "", "tenant x", "ñandú"] {
            let key = VoucherKey {
                tenant,
                environment: "sim",
                cuit: 20_267_565_393,
                point_of_sale: 1,
                voucher_type: 11,
                number: 1,
                template: "1",
            };
            assert!(
                matches!(key.key(), Err(StoreError::InvalidKey { .. })),
                "{tenant:?}"
            );
        }
    }

    #[test]
    fn keys_hold_only_safe_segments() {
        for bad in [
            "", "/a", "a/", "a//b", "a/../b", ".hidden", "a/b c", "a\\b", "a#1", "a?b", "%2e",
        ] {
            assert!(DocumentKey::parse(bad).is_err(), "{bad:?} was accepted");
        }
        for good in ["a", "a/b.pdf", "t-1/sim/20267565393/00001-011-00000001.pdf"] {
            assert!(DocumentKey::parse(good).is_ok(), "{good:?} was refused");
        }
        assert!(DocumentKey::parse(&"a".repeat(1025)).is_err());
    }
}
