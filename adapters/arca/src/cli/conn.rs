//! Connection settings shared by `arca wsaa` and `arca wsfe`: endpoints per environment, the
//! certificate, and a ticket cache file so that separate invocations reuse one ticket.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use time::OffsetDateTime;

use crate::certs::Credentials;
use crate::wsaa::{SERVICE_WSFE, Ticket, WsaaClient};
use crate::wsfe::{Auth, WsfeClient};

/// Which ARCA to talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Env {
    Sim,
    Homologacion,
    Produccion,
}

impl Env {
    /// (WSAA, WSFEv1) endpoints.
    pub fn urls(self) -> (&'static str, &'static str) {
        match self {
            Self::Sim => (
                "http://127.0.0.1:8090/ws/services/LoginCms",
                "http://127.0.0.1:8090/wsfev1/service.asmx",
            ),
            Self::Homologacion => (
                "https://wsaahomo.afip.gov.ar/ws/services/LoginCms",
                "https://wswhomo.afip.gov.ar/wsfev1/service.asmx",
            ),
            Self::Produccion => (
                "https://wsaa.afip.gov.ar/ws/services/LoginCms",
                "https://servicios1.afip.gov.ar/wsfev1/service.asmx",
            ),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Sim => "sim",
            Self::Homologacion => "homologacion",
            Self::Produccion => "produccion",
        }
    }
}

/// `--env`, URLs, certificate, key and CUIT.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnArgs {
    #[arg(long, value_enum, env = "ARCA_ENV", default_value = "sim")]
    pub env: Env,
    /// Overrides the WSAA endpoint of `--env`.
    #[arg(long, env = "ARCA_WSAA_URL")]
    pub wsaa_url: Option<String>,
    /// Overrides the WSFEv1 endpoint of `--env`.
    #[arg(long, env = "ARCA_WSFE_URL")]
    pub wsfe_url: Option<String>,
    #[arg(long, env = "ARCA_CERT")]
    pub cert: Option<PathBuf>,
    #[arg(long, env = "ARCA_KEY")]
    pub key: Option<PathBuf>,
    /// Name of the environment variable holding the key's passphrase (encrypted keys).
    #[arg(long, default_value = "ARCA_KEY_PASSPHRASE")]
    pub passphrase_env: String,
    /// File holding the key's passphrase (default: the variable above, else `KEY.pass` beside
    /// the key, as `arca certs` writes it).
    #[arg(long, env = "ARCA_KEY_PASSPHRASE_FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// The CUIT acted for (defaults to the certificate's).
    #[arg(long, env = "ARCA_CUIT")]
    pub cuit: Option<u64>,
    /// Seconds before a call is abandoned.
    #[arg(long, default_value_t = 30)]
    pub timeout_secs: u64,
    /// Directory of cached tickets (default `$HOME/.cache/arca`).
    #[arg(long, env = "ARCA_TICKET_CACHE")]
    pub ticket_cache: Option<PathBuf>,
}

impl ConnArgs {
    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_secs)
    }

    pub fn wsfe(&self) -> anyhow::Result<WsfeClient> {
        let url = self
            .wsfe_url
            .clone()
            .unwrap_or_else(|| self.env.urls().1.to_owned());
        Ok(WsfeClient::new(url, self.timeout())?)
    }

    pub fn wsaa(&self) -> anyhow::Result<WsaaClient> {
        let url = self
            .wsaa_url
            .clone()
            .unwrap_or_else(|| self.env.urls().0.to_owned());
        Ok(WsaaClient::new(url, self.timeout())?)
    }

    pub fn credentials(&self) -> anyhow::Result<Credentials> {
        let cert = self
            .cert
            .as_ref()
            .context("--cert (or ARCA_CERT) is required")?;
        let key = self
            .key
            .as_ref()
            .context("--key (or ARCA_KEY) is required")?;
        Ok(Credentials::open(
            cert,
            key,
            self.passphrase_file.as_deref(),
            Some(&self.passphrase_env),
        )?)
    }

    fn cache_file(&self, creds: &Credentials) -> anyhow::Result<PathBuf> {
        let dir = match &self.ticket_cache {
            Some(d) => d.clone(),
            None => PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| ".".into()))
                .join(".cache/arca"),
        };
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(dir.join(format!(
            "TA-{}-{SERVICE_WSFE}-{}.json",
            &creds.fingerprint()?[..16],
            self.env.name()
        )))
    }

    /// A valid ticket: the cached one, or a new login (then cached, mode 0600).
    pub async fn ticket(&self, force: bool) -> anyhow::Result<Ticket> {
        let creds = self.credentials()?;
        let file = self.cache_file(&creds)?;
        if !force
            && let Ok(text) = std::fs::read_to_string(&file)
            && let Ok(t) = serde_json::from_str::<Ticket>(&text)
            && t.valid_at(OffsetDateTime::now_utc(), time::Duration::minutes(5))
        {
            return Ok(t);
        }
        let t = self.wsaa()?.login(&creds, SERVICE_WSFE).await?;
        write_private(&file, &serde_json::to_string(&t)?)?;
        Ok(t)
    }

    /// Auth for WSFEv1 calls.
    pub async fn auth(&self) -> anyhow::Result<Auth> {
        let t = self.ticket(false).await?;
        let cuit = match self.cuit {
            Some(c) => c,
            None => t
                .relations
                .first()
                .and_then(|c| c.parse().ok())
                .context("--cuit is required")?,
        };
        Ok(Auth::from_ticket(&t, cuit)?)
    }
}

/// Writes a file readable by its owner only.
pub fn write_private(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())?;
    Ok(())
}
