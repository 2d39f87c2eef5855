//! Limits on the key derivation an uploaded encrypted private key asks for.
//!
//! An `ENCRYPTED PRIVATE KEY` names its own KDF parameters, and deriving the key runs them before
//! anything else is checked: a key asking for a billion PBKDF2 iterations, or scrypt with gigabytes
//! of memory, would hold a thread (and the memory) for as long as it likes. Keys are refused before
//! any derivation when they ask for more than real keys do (OpenSSL's defaults: PBKDF2 with 2,048
//! iterations, scrypt with N = 16,384, r = 8, p = 1).

use pkcs8::EncryptedPrivateKeyInfo;
use pkcs8::pkcs5::{EncryptionScheme, pbes2::Kdf};

use crate::error::ArcaError;

/// The most PBKDF2 iterations accepted (about half a second of SHA-256 on one core).
const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;
/// The largest scrypt cost N accepted.
const MAX_SCRYPT_COST: u64 = 1 << 16;
/// The largest scrypt block size r accepted (N = 2^16 and r = 8 use 64 MiB).
const MAX_SCRYPT_BLOCK_SIZE: u16 = 8;
/// The largest scrypt parallelization p accepted.
const MAX_SCRYPT_PARALLELIZATION: u16 = 2;

/// Refuses an encrypted PKCS#8 key whose KDF would cost more than the limits above.
///
/// # Errors
/// [`ArcaError::Invalid`] naming the parameter over its limit.
pub(super) fn check_kdf(info: &EncryptedPrivateKeyInfo<'_>) -> Result<(), ArcaError> {
    let too_costly = |what: String| {
        Err(ArcaError::Invalid(format!(
            "private key PEM: the key's encryption asks for {what}; re-encrypt it with ordinary \
             settings (e.g. `openssl pkcs8 -topk8 -v2 aes-256-cbc`)"
        )))
    };
    let EncryptionScheme::Pbes2(params) = &info.encryption_algorithm else {
        // PBES1 counts its iterations in 16 bits: never costly.
        return Ok(());
    };
    match &params.kdf {
        Kdf::Pbkdf2(p) if p.iteration_count > MAX_PBKDF2_ITERATIONS => too_costly(format!(
            "{} PBKDF2 iterations, more than the {MAX_PBKDF2_ITERATIONS} accepted",
            p.iteration_count
        )),
        Kdf::Scrypt(s)
            if s.cost_parameter > MAX_SCRYPT_COST
                || s.block_size > MAX_SCRYPT_BLOCK_SIZE
                || s.parallelization > MAX_SCRYPT_PARALLELIZATION =>
        {
            too_costly(format!(
                "scrypt with N = {}, r = {}, p = {}, more than the N = {MAX_SCRYPT_COST}, \
                 r = {MAX_SCRYPT_BLOCK_SIZE}, p = {MAX_SCRYPT_PARALLELIZATION} accepted",
                s.cost_parameter, s.block_size, s.parallelization
            ))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use der::{EncodePem, pem::LineEnding};
    use pkcs8::pkcs5::pbes2::{self, ScryptParams};

    use super::*;
    use crate::certs::read_key_pem;

    const SALT: [u8; 16] = [7; 16];
    const IV: [u8; 16] = [9; 16];

    /// An encrypted key PEM with the given scheme and data that was never a key: refused before
    /// any derivation, it is never decrypted.
    fn pem(scheme: pbes2::Parameters<'_>) -> String {
        EncryptedPrivateKeyInfo {
            encryption_algorithm: EncryptionScheme::Pbes2(scheme),
            encrypted_data: &[0; 64],
        }
        .to_pem(LineEnding::LF)
        .expect("encodes")
    }

    fn refusal(pem: &str) -> String {
        match read_key_pem(pem, Some("secret")) {
            Err(ArcaError::Invalid(text)) => text,
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    #[test]
    fn a_key_asking_for_too_many_pbkdf2_iterations_is_refused_before_deriving() {
        let scheme =
            pbes2::Parameters::pbkdf2_sha256_aes256cbc(50_000_000, &SALT, &IV).expect("parameters");
        let text = refusal(&pem(scheme));
        assert!(text.contains("50000000 PBKDF2 iterations"), "{text}");
    }

    #[test]
    fn a_key_asking_for_too_much_scrypt_memory_is_refused_before_deriving() {
        let scheme = pbes2::Parameters {
            kdf: Kdf::Scrypt(ScryptParams {
                salt: &SALT,
                cost_parameter: 1 << 24,
                block_size: 64,
                parallelization: 1,
                key_length: Some(32),
            }),
            encryption: pbes2::EncryptionScheme::Aes256Cbc { iv: &IV },
        };
        let text = refusal(&pem(scheme));
        assert!(text.contains("scrypt with N = 16777216, r = 64"), "{text}");
    }

    #[test]
    fn ordinary_settings_pass_the_check() {
        let scheme =
            pbes2::Parameters::pbkdf2_sha256_aes256cbc(2048, &SALT, &IV).expect("parameters");
        let info = EncryptedPrivateKeyInfo {
            encryption_algorithm: EncryptionScheme::Pbes2(scheme),
            encrypted_data: &[0; 64],
        };
        assert!(check_kdf(&info).is_ok());
    }
}
