//! One typed `Settings`: built-in defaults, then a TOML file, then `ARCA_*` environment variables;
//! validated once at start-up.

use std::{net::SocketAddr, path::Path, str::FromStr};

use anyhow::{Context as _, bail};
use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

const DEFAULTS: &str = include_str!("defaults.toml");

/// Which ARCA endpoints the system talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArcaEnv {
    /// The built-in simulator.
    Sim,
    /// ARCA's testing environment.
    Homologacion,
    /// ARCA's production environment.
    Produccion,
}

/// Where the live projections read events from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectionFeed {
    /// A durable JetStream consumer (after a catch-up from the store).
    Jetstream,
    /// Polling the store's global log.
    Store,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Pretty in a terminal, JSON otherwise.
    Auto,
    /// One JSON object per line.
    Json,
    /// Human-readable.
    Pretty,
}

/// Everything configurable. See `defaults.toml` for the meaning and default of each field.
#[derive(Deserialize)]
pub struct Settings {
    /// Postgres URL (may hold a password: never printed).
    pub database_url: SecretString,
    /// Postgres pool size.
    pub db_max_connections: u32,
    /// Group-commit writers (each holds a connection while it stores a batch).
    pub db_group_commit_writers: usize,
    /// Most appends one group commit carries.
    pub db_group_commit_max_batch: usize,
    /// NATS URL.
    pub nats_url: String,
    /// JetStream stream of events.
    pub nats_stream: String,
    /// Subject prefix of the events stream.
    pub nats_subject_prefix: String,
    /// Where the live projections read events from.
    pub projection_feed: ProjectionFeed,
    /// HTTP listen address.
    pub http_addr: SocketAddr,
    /// ARCA environment.
    pub env: ArcaEnv,
    /// Request body limit.
    pub body_limit_bytes: usize,
    /// Class B unidentified-receiver threshold, ARS.
    pub final_consumer_threshold: String,
    /// API key cache lifetime.
    pub api_key_cache_seconds: u64,
    /// Issuer snapshot cache lifetime.
    pub issuer_cache_seconds: u64,
    /// Longest wait of a read for `ARCA-Read-After`, in milliseconds.
    pub read_wait_ms: u64,
    /// Log format.
    pub log_format: LogFormat,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field(
                "database_url",
                &redact_url(self.database_url.expose_secret()),
            )
            .field("db_max_connections", &self.db_max_connections)
            .field("db_group_commit_writers", &self.db_group_commit_writers)
            .field("db_group_commit_max_batch", &self.db_group_commit_max_batch)
            .field("nats_url", &self.nats_url)
            .field("nats_stream", &self.nats_stream)
            .field("nats_subject_prefix", &self.nats_subject_prefix)
            .field("projection_feed", &self.projection_feed)
            .field("http_addr", &self.http_addr)
            .field("env", &self.env)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("final_consumer_threshold", &self.final_consumer_threshold)
            .field("api_key_cache_seconds", &self.api_key_cache_seconds)
            .field("issuer_cache_seconds", &self.issuer_cache_seconds)
            .field("read_wait_ms", &self.read_wait_ms)
            .field("log_format", &self.log_format)
            .finish()
    }
}

/// Hides the password of a URL such as `postgres://user:pw@host/db`.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

impl Settings {
    /// Loads defaults, then `file` (or `./arca.toml` when it exists), then `ARCA_*` variables.
    ///
    /// # Errors
    /// A file that does not parse, a value of the wrong type, or a value out of range.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        match file {
            Some(path) => {
                if !path.exists() {
                    bail!("configuration file {} does not exist", path.display());
                }
                figment = figment.merge(Toml::file(path));
            }
            None => figment = figment.merge(Toml::file("arca.toml")),
        }
        let settings: Self = figment
            .merge(Env::prefixed("ARCA_").ignore(&["config"]))
            .extract()
            .context("reading settings (defaults, file, ARCA_* variables)")?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !(1..=512).contains(&self.db_max_connections) {
            bail!("db_max_connections must be between 1 and 512");
        }
        if self.db_group_commit_writers == 0
            || self.db_group_commit_writers >= self.db_max_connections as usize
        {
            bail!("db_group_commit_writers must be at least 1 and below db_max_connections");
        }
        if !(1..=1000).contains(&self.db_group_commit_max_batch) {
            bail!("db_group_commit_max_batch must be between 1 and 1000");
        }
        if self.read_wait_ms > 30_000 {
            bail!("read_wait_ms must be at most 30000");
        }
        if self.body_limit_bytes < 1024 {
            bail!("body_limit_bytes must be at least 1024");
        }
        self.threshold()?;
        Ok(())
    }

    /// The class B threshold as a decimal amount.
    ///
    /// # Errors
    /// When the setting is not a non-negative decimal.
    pub fn threshold(&self) -> anyhow::Result<rust_decimal::Decimal> {
        let value = rust_decimal::Decimal::from_str(&self.final_consumer_threshold)
            .context("final_consumer_threshold must be a decimal amount such as \"10000000.00\"")?;
        if value.is_sign_negative() {
            bail!("final_consumer_threshold must not be negative");
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_defaults_are_complete_and_valid() {
        let settings: Settings = Figment::from(Toml::string(DEFAULTS))
            .extract()
            .expect("defaults parse");
        settings.validate().expect("defaults are valid");
        assert_eq!(settings.env, ArcaEnv::Sim);
        assert_eq!(settings.http_addr.port(), 8080);
        assert_eq!(settings.projection_feed, ProjectionFeed::Jetstream);
    }

    #[test]
    fn debug_never_prints_the_database_password() {
        assert_eq!(
            redact_url("postgres://arca:s3cret@db:5432/arca"),
            "postgres://arca:***@db:5432/arca"
        );
    }
}
