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

mod documents;
mod keyring;
mod mail;

use keyring::{secret_list, text_or_number};
pub use mail::{SmtpSettings, SmtpTls};

const DEFAULTS: &str = include_str!("defaults.toml");

/// The public seed of the `sim` environment's credentials key (used only when env = sim, as the
/// key `default` when no configured key has that id).
pub const SIM_CREDENTIALS_SEED: &str = "arca sim environment: not a secret";

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
#[derive(Clone, Deserialize)]
pub struct Settings {
    /// Postgres URL (may hold a password: never printed).
    pub database_url: SecretString,
    /// Postgres pool size.
    pub db_max_connections: u32,
    /// Group-commit writers (each holds a connection while it stores a batch).
    pub db_group_commit_writers: usize,
    /// Most appends one group commit carries.
    pub db_group_commit_max_batch: usize,
    /// The API's separate pool for reads (never takes a connection appends need).
    pub db_read_max_connections: u32,
    /// Longest statement of a read (Postgres `statement_timeout`), milliseconds.
    pub db_read_statement_timeout_ms: u64,
    /// Longest an HTTP request may take, milliseconds.
    pub http_request_timeout_ms: u64,
    /// Longest a client may take to send a request's head (line and headers), milliseconds.
    pub http_header_read_timeout_ms: u64,
    /// NATS URL.
    pub nats_url: String,
    /// A NATS `.creds` file or nkey seed file (empty: none).
    pub nats_credentials: String,
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
    /// Requests per second each API key may make on average unless its tenant has a limit of its
    /// own (0: no default limit).
    pub rate_limit_per_second: u32,
    /// Requests each API key may make at once after a quiet spell.
    pub rate_limit_burst: u32,
    /// Failed authentications per minute a client address may make before it is answered 429
    /// (0: unlimited).
    pub auth_failures_per_minute: u32,
    /// Issuer snapshot cache lifetime.
    pub issuer_cache_seconds: u64,
    /// Longest wait of a read for `ARCA-Read-After`, in milliseconds.
    pub read_wait_ms: u64,
    /// Where the built-in ARCA simulator listens when `env = "sim"` (workers start it).
    pub sim_addr: SocketAddr,
    /// The simulator's ledger journal, kept across restarts (empty: memory only).
    pub sim_ledger: String,
    /// Folder of the simulator's development CA (`ca.pem`, `ca-key.pem`) shared by processes:
    /// workers that start the simulator make it there (or reuse it); workers pointed at a running
    /// simulator (`arca_wsaa_url` and `arca_wsfe_url` set) sign in with it. Empty: a CA per run.
    pub sim_ca_dir: String,
    /// How long a call to ARCA may take before its answer counts as lost, in seconds.
    pub arca_timeout_seconds: u64,
    /// Consecutive failed calls to ARCA (no connection, timeout, HTTP 5xx, SOAP fault) after
    /// which the circuit opens and calls are held back until a probe succeeds.
    pub arca_breaker_failures: u32,
    /// The circuit's first cool-down before a probe, in milliseconds; doubles per failed probe.
    pub arca_breaker_cooldown_ms: u64,
    /// The longest cool-down, in milliseconds.
    pub arca_breaker_max_cooldown_ms: u64,
    /// WSAA's `LoginCms` URL; empty: the environment's own (the simulator's in `sim`).
    pub arca_wsaa_url: String,
    /// WSFEv1's URL; empty: the environment's own (the simulator's in `sim`).
    pub arca_wsfe_url: String,
    /// Log format.
    pub log_format: LogFormat,
    /// Whether `GET /graphql` serves GraphiQL.
    pub graphiql: bool,
    /// Deepest GraphQL query accepted.
    pub graphql_max_depth: usize,
    /// Costliest GraphQL query accepted (fields, lists counted by their `first`).
    pub graphql_max_complexity: usize,
    /// Base64 of the 32-byte AES-256-GCM key sealing secrets at rest, the keyring's key
    /// `default` (see [`Settings::keyring`]).
    #[serde(default)]
    pub credentials_key: Option<SecretString>,
    /// The keyring: `id:base64,id:base64,…` (or a TOML array of `id:base64`), the first
    /// current unless `credentials_key_current` names another (see [`Settings::keyring`]).
    #[serde(default, deserialize_with = "secret_list")]
    pub credentials_keys: Option<SecretString>,
    /// The id of the key that seals (default: the first of `credentials_keys`, else `default`).
    #[serde(default, deserialize_with = "text_or_number")]
    pub credentials_key_current: Option<String>,
    /// Non-public networks webhooks may be delivered to (CIDRs; empty: public addresses only).
    #[serde(deserialize_with = "list_or_commas")]
    pub webhook_allow_cidrs: Vec<String>,
    /// Whether webhooks may go to public addresses; `false` leaves only `webhook_allow_cidrs`
    /// (a fuzzing run, whose webhooks must not leave the machine).
    pub webhook_allow_public: bool,
    /// Longest a webhook attempt may take, in seconds.
    pub webhook_timeout_seconds: u64,
    /// Delays before each webhook attempt (`0s,1m,5m,…`).
    pub webhook_retry_schedule: String,
    /// Hours without a 2xx, while attempts keep failing, before a subscription is disabled.
    pub webhook_disable_after_hours: u64,
    /// Webhook requests in flight at once per subscription (per instance).
    pub webhook_concurrency_per_endpoint: usize,
    /// Webhook requests in flight at once per destination host, whoever's (per instance).
    pub webhook_concurrency_per_host: usize,
    /// Webhook attempts in flight at once per tenant (per instance).
    pub webhook_concurrency_per_tenant: usize,
    /// Webhook subscriptions a tenant may have at once.
    pub webhook_subscriptions_per_tenant: u32,
    /// How often the workers look for tables of the system to vacuum, in seconds (0: never).
    pub vacuum_interval_seconds: u64,
    /// Dead rows that make a table of the system due for a vacuum.
    pub vacuum_min_dead_rows: u64,
    /// Directory of the rendered documents when no S3 endpoint is set.
    pub documents_dir: String,
    /// An S3-compatible server's base URL; empty: documents live in `documents_dir`.
    pub documents_s3_endpoint: String,
    /// The bucket (which must exist).
    pub documents_s3_bucket: String,
    /// The region requests are signed for.
    pub documents_s3_region: String,
    /// The access key id.
    pub documents_s3_access_key_id: String,
    /// The secret access key (never printed).
    #[serde(default)]
    pub documents_s3_secret_access_key: Option<SecretString>,
    /// Whether the server honours `If-None-Match: *` on PUT.
    pub documents_s3_conditional_put: bool,
    /// The URL the QR printed on a PDF starts with (followed by the Base64 of its JSON).
    pub documents_qr_base_url: String,
    /// Documents rendered and stored at once, per instance.
    pub documents_concurrency: usize,
    /// The SMTP server email goes through (`smtp_*`; off while `smtp_host` is empty).
    #[serde(flatten)]
    pub smtp: SmtpSettings,
}

/// A list given as a TOML array or as one comma-separated string (as environment variables are).
fn list_or_commas<'de, D: serde::Deserializer<'de>>(de: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        Many(Vec<String>),
        One(String),
    }
    Ok(match List::deserialize(de)? {
        List::Many(items) => items,
        List::One(text) => text
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
    })
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
            .field("db_read_max_connections", &self.db_read_max_connections)
            .field(
                "db_read_statement_timeout_ms",
                &self.db_read_statement_timeout_ms,
            )
            .field("http_request_timeout_ms", &self.http_request_timeout_ms)
            .field(
                "http_header_read_timeout_ms",
                &self.http_header_read_timeout_ms,
            )
            .field("db_group_commit_max_batch", &self.db_group_commit_max_batch)
            .field("nats_url", &nats_bus::redacted_url(&self.nats_url))
            .field("nats_credentials", &self.nats_credentials)
            .field("nats_stream", &self.nats_stream)
            .field("nats_subject_prefix", &self.nats_subject_prefix)
            .field("projection_feed", &self.projection_feed)
            .field("http_addr", &self.http_addr)
            .field("env", &self.env)
            .field("body_limit_bytes", &self.body_limit_bytes)
            .field("final_consumer_threshold", &self.final_consumer_threshold)
            .field("api_key_cache_seconds", &self.api_key_cache_seconds)
            .field("rate_limit_per_second", &self.rate_limit_per_second)
            .field("rate_limit_burst", &self.rate_limit_burst)
            .field("auth_failures_per_minute", &self.auth_failures_per_minute)
            .field("issuer_cache_seconds", &self.issuer_cache_seconds)
            .field("read_wait_ms", &self.read_wait_ms)
            .field("sim_addr", &self.sim_addr)
            .field("sim_ledger", &self.sim_ledger)
            .field("sim_ca_dir", &self.sim_ca_dir)
            .field("arca_timeout_seconds", &self.arca_timeout_seconds)
            .field("arca_breaker_failures", &self.arca_breaker_failures)
            .field("arca_breaker_cooldown_ms", &self.arca_breaker_cooldown_ms)
            .field(
                "arca_breaker_max_cooldown_ms",
                &self.arca_breaker_max_cooldown_ms,
            )
            .field("arca_wsaa_url", &self.arca_wsaa_url)
            .field("arca_wsfe_url", &self.arca_wsfe_url)
            .field("log_format", &self.log_format)
            .field("graphiql", &self.graphiql)
            .field("graphql_max_depth", &self.graphql_max_depth)
            .field("graphql_max_complexity", &self.graphql_max_complexity)
            .field(
                "credentials_key",
                &self.credentials_key.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "credentials_keys",
                &self.credentials_keys.as_ref().map(|_| "<redacted>"),
            )
            .field("credentials_key_current", &self.credentials_key_current)
            .field("webhook_allow_cidrs", &self.webhook_allow_cidrs)
            .field("webhook_allow_public", &self.webhook_allow_public)
            .field("webhook_timeout_seconds", &self.webhook_timeout_seconds)
            .field("webhook_retry_schedule", &self.webhook_retry_schedule)
            .field(
                "webhook_disable_after_hours",
                &self.webhook_disable_after_hours,
            )
            .field(
                "webhook_concurrency_per_endpoint",
                &self.webhook_concurrency_per_endpoint,
            )
            .field(
                "webhook_concurrency_per_host",
                &self.webhook_concurrency_per_host,
            )
            .field(
                "webhook_concurrency_per_tenant",
                &self.webhook_concurrency_per_tenant,
            )
            .field(
                "webhook_subscriptions_per_tenant",
                &self.webhook_subscriptions_per_tenant,
            )
            .field("vacuum_interval_seconds", &self.vacuum_interval_seconds)
            .field("vacuum_min_dead_rows", &self.vacuum_min_dead_rows)
            .field("documents_dir", &self.documents_dir)
            .field("documents_s3_endpoint", &self.documents_s3_endpoint)
            .field("documents_s3_bucket", &self.documents_s3_bucket)
            .field("documents_s3_region", &self.documents_s3_region)
            .field(
                "documents_s3_access_key_id",
                &self.documents_s3_access_key_id,
            )
            .field(
                "documents_s3_secret_access_key",
                &self
                    .documents_s3_secret_access_key
                    .as_ref()
                    .map(|_| "<redacted>"),
            )
            .field(
                "documents_s3_conditional_put",
                &self.documents_s3_conditional_put,
            )
            .field("documents_qr_base_url", &self.documents_qr_base_url)
            .field("documents_concurrency", &self.documents_concurrency)
            .field("smtp", &self.smtp)
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
        if !(1..=512).contains(&self.db_read_max_connections) {
            bail!("db_read_max_connections must be between 1 and 512");
        }
        if !(100..=600_000).contains(&self.db_read_statement_timeout_ms) {
            bail!("db_read_statement_timeout_ms must be between 100 and 600000");
        }
        if !(31_000..=600_000).contains(&self.http_request_timeout_ms) {
            bail!(
                "http_request_timeout_ms must be between 31000 (longer than the longest \
                 `Prefer: wait`) and 600000"
            );
        }
        if !(100..=120_000).contains(&self.http_header_read_timeout_ms) {
            bail!("http_header_read_timeout_ms must be between 100 and 120000");
        }
        if !(1..=1000).contains(&self.db_group_commit_max_batch) {
            bail!("db_group_commit_max_batch must be between 1 and 1000");
        }
        if !(1..=300).contains(&self.arca_timeout_seconds) {
            bail!("arca_timeout_seconds must be between 1 and 300");
        }
        if !(1..=1000).contains(&self.arca_breaker_failures) {
            bail!("arca_breaker_failures must be between 1 and 1000");
        }
        if self.arca_breaker_cooldown_ms == 0
            || self.arca_breaker_max_cooldown_ms < self.arca_breaker_cooldown_ms
        {
            bail!(
                "arca_breaker_cooldown_ms must be positive and at most arca_breaker_max_cooldown_ms"
            );
        }
        if self.rate_limit_per_second > 1_000_000
            || !(1..=1_000_000).contains(&self.rate_limit_burst)
        {
            bail!("rate_limit_per_second must be 0 to 1000000 and rate_limit_burst 1 to 1000000");
        }
        if self.read_wait_ms > 30_000 {
            bail!("read_wait_ms must be at most 30000");
        }
        if self.body_limit_bytes < 1024 {
            bail!("body_limit_bytes must be at least 1024");
        }
        if self.graphql_max_depth < 2 || self.graphql_max_complexity < 10 {
            bail!("graphql_max_depth must be at least 2 and graphql_max_complexity at least 10");
        }
        self.threshold()?;
        self.keyring()?;
        if self.env == ArcaEnv::Sim && self.sim_external() && self.sim_ca_dir.trim().is_empty() {
            bail!(
                "with env = sim and arca_wsaa_url/arca_wsfe_url set, the workers use that simulator \
                 and need its development CA: set sim_ca_dir (ARCA_SIM_CA_DIR) to the folder it \
                 was written to (`arca sim --ca-dir`, or the workers that started the simulator)"
            );
        }
        self.webhook_policy()?;
        self.webhook_schedule()?;
        if !(1..=300).contains(&self.webhook_timeout_seconds) {
            bail!("webhook_timeout_seconds must be between 1 and 300");
        }
        if !(1..=64).contains(&self.webhook_concurrency_per_endpoint) {
            bail!("webhook_concurrency_per_endpoint must be between 1 and 64");
        }
        if !(1..=256).contains(&self.webhook_concurrency_per_host) {
            bail!("webhook_concurrency_per_host must be between 1 and 256");
        }
        if !(1..=256).contains(&self.webhook_concurrency_per_tenant) {
            bail!("webhook_concurrency_per_tenant must be between 1 and 256");
        }
        if !(1..=10_000).contains(&self.webhook_subscriptions_per_tenant) {
            bail!("webhook_subscriptions_per_tenant must be between 1 and 10000");
        }
        if self.webhook_disable_after_hours == 0 {
            bail!("webhook_disable_after_hours must be at least 1");
        }
        if self.vacuum_min_dead_rows == 0 {
            bail!("vacuum_min_dead_rows must be at least 1");
        }
        self.document_store()?;
        self.qr_base_url()?;
        if !(1..=64).contains(&self.documents_concurrency) {
            bail!("documents_concurrency must be between 1 and 64");
        }
        self.mail()?;
        Ok(())
    }

    /// The addresses webhooks may go to: public ones (unless `webhook_allow_public` is off) plus
    /// `webhook_allow_cidrs` (logged loudly when set).
    ///
    /// # Errors
    /// An entry that is not a CIDR or an address.
    pub fn webhook_policy(&self) -> anyhow::Result<webhooks::AddressPolicy> {
        let policy = webhooks::AddressPolicy::with_allow_list(&self.webhook_allow_cidrs)?;
        Ok(if self.webhook_allow_public {
            policy
        } else {
            policy.without_public()
        })
    }

    /// The webhook retry schedule.
    ///
    /// # Errors
    /// A schedule that does not parse.
    pub fn webhook_schedule(&self) -> anyhow::Result<webhooks::RetrySchedule> {
        Ok(webhooks::RetrySchedule::parse(
            &self.webhook_retry_schedule,
        )?)
    }

    /// Whether, in `sim`, the workers talk to a simulator someone else runs (both ARCA URLs set)
    /// instead of starting their own.
    pub fn sim_external(&self) -> bool {
        !self.arca_wsaa_url.trim().is_empty() && !self.arca_wsfe_url.trim().is_empty()
    }

    /// The ARCA environment as the domain names it.
    pub fn environment(&self) -> domain::series::Environment {
        match self.env {
            ArcaEnv::Sim => domain::series::Environment::Sim,
            ArcaEnv::Homologacion => domain::series::Environment::Homologacion,
            ArcaEnv::Produccion => domain::series::Environment::Produccion,
        }
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

    /// The built-in defaults with `pairs` set over them, as a file or variables would.
    pub(super) fn with(pairs: &[(&str, &str)]) -> Settings {
        let mut figment = Figment::from(Toml::string(DEFAULTS));
        for (key, value) in pairs {
            figment = figment.merge((*key, *value));
        }
        figment.extract().expect("settings")
    }

    #[test]
    fn built_in_defaults_are_complete_and_valid() {
        let settings: Settings = Figment::from(Toml::string(DEFAULTS))
            .extract()
            .expect("defaults parse");
        settings.validate().expect("defaults are valid");
        assert_eq!(settings.env, ArcaEnv::Sim);
        assert_eq!(settings.http_addr.port(), 8080);
        assert_eq!(settings.projection_feed, ProjectionFeed::Jetstream);
        assert!(settings.webhook_allow_cidrs.is_empty());
        assert_eq!(settings.webhook_concurrency_per_endpoint, 8);
    }

    #[test]
    fn the_webhook_allow_list_reads_from_a_comma_separated_variable_and_refuses_garbage() {
        let settings: Settings = Figment::from(Toml::string(DEFAULTS))
            .merge(("webhook_allow_cidrs", "127.0.0.0/8, ::1"))
            .extract()
            .expect("settings");
        assert_eq!(settings.webhook_allow_cidrs, ["127.0.0.0/8", "::1"]);
        let policy = settings.webhook_policy().expect("valid");
        assert!(policy.is_allowed("127.0.0.1".parse().expect("ip")));
        assert!(policy.is_allowed("8.8.8.8".parse().expect("ip")));
        let loopback_only: Settings = Figment::from(Toml::string(DEFAULTS))
            .merge(("webhook_allow_cidrs", "127.0.0.0/8"))
            .merge(("webhook_allow_public", false))
            .extract()
            .expect("settings");
        let policy = loopback_only.webhook_policy().expect("valid");
        assert!(policy.is_allowed("127.0.0.1".parse().expect("ip")));
        assert!(!policy.is_allowed("8.8.8.8".parse().expect("ip")));
        let bad: Settings = Figment::from(Toml::string(DEFAULTS))
            .merge(("webhook_retry_schedule", "0s,soon"))
            .extract()
            .expect("settings");
        assert!(bad.validate().is_err());
    }

    #[test]
    fn a_credentials_key_is_required_outside_sim_and_never_printed() {
        let mut settings: Settings = Figment::from(Toml::string(DEFAULTS))
            .extract()
            .expect("defaults parse");
        assert!(settings.keyring().is_ok(), "sim has a dev key");
        settings.env = ArcaEnv::Produccion;
        let err = settings.validate().expect_err("no key in produccion");
        assert!(err.to_string().contains("ARCA_CREDENTIALS_KEYS"), "{err}");
        settings.credentials_key = Some("c2hvcnQ=".into());
        assert!(settings.validate().is_err(), "a short key is refused");
        let key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        settings.credentials_key = Some(key.into());
        settings.validate().expect("a 32-byte key");
        assert!(!format!("{settings:?}").contains(key));
    }

    #[test]
    fn an_external_simulator_needs_the_folder_of_its_ca() {
        let mut settings: Settings = Figment::from(Toml::string(DEFAULTS))
            .extract()
            .expect("defaults parse");
        assert!(!settings.sim_external());
        settings.arca_wsaa_url = "http://127.0.0.1:9/ws/services/LoginCms".into();
        assert!(!settings.sim_external(), "one URL is not a simulator");
        settings.arca_wsfe_url = "http://127.0.0.1:9/wsfev1/service.asmx".into();
        assert!(settings.sim_external());
        let err = settings.validate().expect_err("no CA folder");
        assert!(err.to_string().contains("sim_ca_dir"), "{err}");
        settings.sim_ca_dir = "/tmp/ca".into();
        settings
            .validate()
            .expect("an external simulator with its CA");
    }

    #[test]
    fn debug_never_prints_the_database_password() {
        assert_eq!(
            redact_url("postgres://arca:s3cret@db:5432/arca"),
            "postgres://arca:***@db:5432/arca"
        );
    }
}
