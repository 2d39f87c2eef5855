//! Certificates and keys: loading the computer certificate ARCA issued (PEM, PKCS#1 or PKCS#8,
//! encrypted or not), making a CSR with the subject ARCA expects, and a development CA whose
//! certificates the simulator trusts. Keys are only ever written encrypted (PKCS#8, PBES2), with
//! the passphrase from the environment or a generated one in a 0600 `.pass` file beside the key.
//! Private keys and passphrases never appear in `Debug` output or logs, nor in command output.

mod ca_dir;
mod dev;
mod kdf;
mod keys;
mod passphrase;
pub(crate) mod keys_util {
    pub(crate) use super::keys::{cuit_in_name, fingerprint_of};
}

pub use ca_dir::{CA_CERT_FILE, CA_KEY_FILE, load_dev_ca, load_or_create_dev_ca, save_dev_ca};
pub use dev::{
    DEV_CA_NAME, DevBundle, csr, csr_for_key, dev_bundle, dev_ca, dev_ca_named, dev_credentials,
    is_dev_ca_name, issue_leaf, sign_request, sign_request_at,
};
pub use keys::{Credentials, encrypt_key_pem, generate_key, load_cert_pem, read_key_pem};
pub use passphrase::{KeyPassphrase, pass_file_for};

/// The `serialNumber` attribute value ARCA puts in subjects: `CUIT nnnnnnnnnnn`.
pub fn serial_number_for(cuit: &str) -> String {
    format!("CUIT {cuit}")
}

/// Checks an 11-digit CUIT with its mod-11 check digit.
pub fn valid_cuit(cuit: &str) -> bool {
    const W: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    let d: Vec<u32> = cuit.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 11 || cuit.len() != 11 {
        return false;
    }
    let s: u32 = d.iter().zip(W).map(|(a, b)| a * b).sum();
    let v = match 11 - (s % 11) {
        11 => 0,
        10 => return false,
        v => v,
    };
    d[10] == v
}

#[cfg(test)]
mod tests {
    use super::valid_cuit;

    #[test]
    fn cuit_check_digit_matches_the_reference_table() {
        for ok in [
            "20267565393",
            "33693450239",
            "30000000007",
            "20111111112",
            "23000000000",
            "20123456786",
        ] {
            assert!(valid_cuit(ok), "{ok}");
        }
        for bad in [
            "20123456789",
            "20123456783",
            "20100000050",
            "2026756539",
            "2026756539x",
        ] {
            assert!(!valid_cuit(bad), "{bad}");
        }
    }
}
