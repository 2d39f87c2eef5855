//! A development CA kept in a folder, so the simulator and saga workers in other processes share
//! it: `ca.pem`, `ca-key.pem` (encrypted PKCS#8) and `ca-key.pass` (its generated passphrase,
//! mode 0600). Whoever starts the simulator writes it; the workers read it.

use std::io::Write as _;
use std::path::Path;

use super::keys::{Credentials, cert_pem, encrypt_key_pem};
use super::passphrase::{KeyPassphrase, pass_file_for};
use crate::error::ArcaError;

/// The CA certificate's file in the folder.
pub const CA_CERT_FILE: &str = "ca.pem";
/// The CA key's file in the folder (its passphrase is beside it, see [`pass_file_for`]).
pub const CA_KEY_FILE: &str = "ca-key.pem";

/// Writes `ca` into `dir` (created when missing), the key encrypted with a fresh passphrase.
/// The certificate is written last, so a reader that finds it finds the key too.
pub fn save_dev_ca(ca: &Credentials, dir: &Path) -> Result<(), ArcaError> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, &e))?;
    let passphrase = KeyPassphrase::generate();
    let key_path = dir.join(CA_KEY_FILE);
    write_private(
        &pass_file_for(&key_path),
        &format!("{}\n", passphrase.expose()),
    )?;
    write_private(&key_path, &encrypt_key_pem(&ca.key, &passphrase)?)?;
    let cert_path = dir.join(CA_CERT_FILE);
    let staged = dir.join(format!("{CA_CERT_FILE}.tmp"));
    std::fs::write(&staged, cert_pem(&ca.cert)?).map_err(|e| io(&staged, &e))?;
    std::fs::rename(&staged, &cert_path).map_err(|e| io(&cert_path, &e))
}

/// The CA [`save_dev_ca`] wrote into `dir`.
pub fn load_dev_ca(dir: &Path) -> Result<Credentials, ArcaError> {
    Credentials::load(&dir.join(CA_CERT_FILE), &dir.join(CA_KEY_FILE), None)
}

/// The CA in `dir`, or a new one written there when the folder holds none.
pub fn load_or_create_dev_ca(dir: &Path) -> Result<Credentials, ArcaError> {
    if dir.join(CA_CERT_FILE).exists() {
        return load_dev_ca(dir);
    }
    let ca = super::dev_ca()?;
    save_dev_ca(&ca, dir)?;
    Ok(ca)
}

fn write_private(path: &Path, text: &str) -> Result<(), ArcaError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| io(path, &e))?;
    file.write_all(text.as_bytes()).map_err(|e| io(path, &e))
}

fn io(path: &Path, error: &std::io::Error) -> ArcaError {
    ArcaError::Invalid(format!("{}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_ca_loads_back_with_its_key_and_is_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let made = load_or_create_dev_ca(dir.path()).expect("created");
        let loaded = load_dev_ca(dir.path()).expect("loaded");
        assert_eq!(made.fingerprint().ok(), loaded.fingerprint().ok());
        assert_eq!(made.key, loaded.key);
        let again = load_or_create_dev_ca(dir.path()).expect("reused");
        assert_eq!(made.fingerprint().ok(), again.fingerprint().ok());
        let key = std::fs::read_to_string(dir.path().join(CA_KEY_FILE)).expect("key file");
        assert!(key.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    }

    #[test]
    fn an_empty_folder_has_no_ca_to_load() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(load_dev_ca(dir.path()).is_err());
    }
}
