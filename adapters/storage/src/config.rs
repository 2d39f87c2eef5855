//! Where documents are kept: a directory, or a bucket of an S3-compatible server.

use std::{path::PathBuf, time::Duration};

use secrecy::SecretString;

/// Which store, with its settings.
#[derive(Debug, Clone)]
pub enum StoreConfig {
    /// Files under `dir` (made if absent), one per key, `/` in keys making subdirectories.
    Local {
        /// The root directory.
        dir: PathBuf,
    },
    /// Objects in a bucket of an S3-compatible server, addressed path-style.
    S3(S3Config),
}

/// An S3-compatible bucket. `Debug` never shows the secret key.
#[derive(Debug, Clone)]
pub struct S3Config {
    /// The server's base URL, such as `http://127.0.0.1:8333` (no bucket in it).
    pub endpoint: String,
    /// The bucket, which must exist.
    pub bucket: String,
    /// The region requests are signed for (`us-east-1` for most self-hosted servers).
    pub region: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretString,
    /// Whether a plain-HTTP endpoint is allowed (a server on loopback); HTTPS otherwise.
    pub allow_http: bool,
    /// Whether the server honours `If-None-Match: *` on PUT, making a put create-only in one
    /// request. When off, a put reads the key first and writes only when it is absent, which
    /// leaves a window in which two writers of different bytes could both write.
    pub conditional_put: bool,
    /// The longest one request (and one connection attempt) may take.
    pub timeout: Duration,
    /// How many times the client repeats a request that failed in a way that may pass.
    pub max_retries: usize,
    /// The longest the client goes on repeating one request.
    pub retry_timeout: Duration,
}

impl S3Config {
    /// A bucket at `endpoint` with these credentials, over HTTPS, region `us-east-1`,
    /// conditional puts, 30 s per request and up to 3 retries within 30 s.
    pub fn new(
        endpoint: impl Into<String>,
        bucket: impl Into<String>,
        access_key_id: impl Into<String>,
        secret_access_key: SecretString,
    ) -> Self {
        Self {
            endpoint: endpoint.into(),
            bucket: bucket.into(),
            region: "us-east-1".to_owned(),
            access_key_id: access_key_id.into(),
            secret_access_key,
            allow_http: false,
            conditional_put: true,
            timeout: Duration::from_secs(30),
            max_retries: 3,
            retry_timeout: Duration::from_secs(30),
        }
    }
}
