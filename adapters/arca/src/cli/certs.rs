//! `arca certs csr|dev`: keys are always written encrypted. The passphrase comes from
//! `--passphrase-env` (default `ARCA_KEY_PASSPHRASE`); without one a random passphrase is
//! generated and written to a 0600 `.pass` file beside the key. It is never printed.

use std::path::{Path, PathBuf};

use crate::certs::{KeyPassphrase, pass_file_for};

/// `arca certs …`.
#[derive(Debug, clap::Subcommand)]
pub enum CertsCommand {
    /// A private key (encrypted) and a CSR with the subject ARCA expects.
    Csr {
        #[arg(long)]
        cuit: String,
        #[arg(long)]
        alias: String,
        #[arg(long, default_value = "Empresa")]
        org: String,
        #[arg(long, default_value = ".")]
        out: PathBuf,
        /// Environment variable with the key's passphrase; unset: a generated one in `ALIAS.pass`.
        #[arg(long, default_value = "ARCA_KEY_PASSPHRASE")]
        passphrase_env: String,
    },
    /// A development CA (ca.pem) and a certificate (cert.pem, key.pem encrypted) for a CUIT.
    Dev {
        #[arg(long)]
        cuit: String,
        #[arg(long, default_value = "dev")]
        alias: String,
        #[arg(long)]
        out: PathBuf,
        /// Environment variable with the key's passphrase; unset: a generated one in `key.pass`.
        #[arg(long, default_value = "ARCA_KEY_PASSPHRASE")]
        passphrase_env: String,
    },
}

/// The passphrase from `env_var`, or a generated one (`true`).
fn passphrase(env_var: &str) -> (KeyPassphrase, bool) {
    match KeyPassphrase::from_env(env_var) {
        Some(p) => (p, false),
        None => (KeyPassphrase::generate(), true),
    }
}

/// Writes the encrypted key (0600) and, for a generated passphrase, its `.pass` file (0600).
/// Returns the `.pass` file written, if any.
fn write_key(
    key_path: &Path,
    key_pem: &str,
    pass: &KeyPassphrase,
    generated: bool,
) -> anyhow::Result<Option<PathBuf>> {
    super::conn::write_private(key_path, key_pem)?;
    if !generated {
        return Ok(None);
    }
    let pass_path = pass_file_for(key_path);
    super::conn::write_private(&pass_path, &format!("{}\n", pass.expose()))?;
    eprintln!(
        "{} is encrypted with a generated passphrase stored in {} (mode 0600): keep both together, or set a passphrase with --passphrase-env",
        key_path.display(),
        pass_path.display()
    );
    Ok(Some(pass_path))
}

/// Runs one `arca certs` command; the JSON to print names the files, never a secret.
pub fn run(c: CertsCommand) -> anyhow::Result<serde_json::Value> {
    match c {
        CertsCommand::Csr {
            cuit,
            alias,
            org,
            out,
            passphrase_env,
        } => {
            let (pass, generated) = passphrase(&passphrase_env);
            let (key, csr) = crate::certs::csr(&cuit, &alias, &org, &pass)?;
            std::fs::create_dir_all(&out)?;
            let key_path = out.join(format!("{alias}.key"));
            let pass_file = write_key(&key_path, &key, &pass, generated)?;
            std::fs::write(out.join(format!("{alias}.csr")), &csr)?;
            Ok(serde_json::json!({
                "csr": out.join(format!("{alias}.csr")), "key": key_path, "key_encrypted": true,
                "passphrase_file": pass_file,
            }))
        }
        CertsCommand::Dev {
            cuit,
            alias,
            out,
            passphrase_env,
        } => {
            let (pass, generated) = passphrase(&passphrase_env);
            let b = crate::certs::dev_bundle(&cuit, &alias, Some(pass.expose()))?;
            std::fs::create_dir_all(&out)?;
            std::fs::write(out.join("ca.pem"), &b.ca_pem)?;
            std::fs::write(out.join("cert.pem"), &b.cert_pem)?;
            let pass_file = write_key(&out.join("key.pem"), &b.key_pem, &pass, generated)?;
            Ok(serde_json::json!({
                "dir": out, "files": ["ca.pem", "cert.pem", "key.pem"], "key_encrypted": true,
                "passphrase_file": pass_file,
            }))
        }
    }
}
