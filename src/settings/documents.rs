//! The documents settings: where rendered PDFs are stored (a directory, or an S3-compatible
//! bucket) and the QR base URL printed on them.

use std::{path::PathBuf, time::Duration};

use anyhow::{Context as _, bail};
use secrecy::{ExposeSecret as _, SecretString};
use storage::{S3Config, StoreConfig};

use super::Settings;

/// Longest one request to the S3 server may take.
const S3_TIMEOUT: Duration = Duration::from_secs(30);

impl Settings {
    /// Where documents are stored: the bucket of `documents_s3_endpoint` when it is set, the
    /// directory `documents_dir` otherwise.
    ///
    /// # Errors
    /// An endpoint that is not an `http(s)://` URL, or one without a bucket or credentials.
    pub fn document_store(&self) -> anyhow::Result<StoreConfig> {
        let endpoint = self.documents_s3_endpoint.trim().trim_end_matches('/');
        if endpoint.is_empty() {
            let dir = self.documents_dir.trim();
            if dir.is_empty() {
                bail!("documents_dir must name a directory when documents_s3_endpoint is empty");
            }
            return Ok(StoreConfig::Local {
                dir: PathBuf::from(dir),
            });
        }
        let plain = endpoint.starts_with("http://");
        if !plain && !endpoint.starts_with("https://") {
            bail!("documents_s3_endpoint must start with https:// (or http://), got {endpoint:?}");
        }
        let bucket = self.documents_s3_bucket.trim();
        if bucket.is_empty() {
            bail!("documents_s3_bucket must name a bucket");
        }
        let key_id = self.documents_s3_access_key_id.trim();
        let secret = self
            .documents_s3_secret_access_key
            .as_ref()
            .filter(|s| !s.expose_secret().trim().is_empty())
            .context(
                "documents_s3_endpoint is set: set documents_s3_access_key_id and \
                 ARCA_DOCUMENTS_S3_SECRET_ACCESS_KEY too",
            )?;
        if key_id.is_empty() {
            bail!("documents_s3_endpoint is set: set documents_s3_access_key_id too");
        }
        let mut s3 = S3Config::new(
            endpoint,
            bucket,
            key_id,
            SecretString::from(secret.expose_secret().trim().to_owned()),
        );
        s3.region = self.documents_s3_region.trim().to_owned();
        s3.allow_http = plain;
        s3.conditional_put = self.documents_s3_conditional_put;
        s3.timeout = S3_TIMEOUT;
        Ok(StoreConfig::S3(s3))
    }

    /// The URL the QR printed on a PDF starts with.
    ///
    /// # Errors
    /// One that is not an `http(s)://` URL.
    pub fn qr_base_url(&self) -> anyhow::Result<String> {
        let base = self.documents_qr_base_url.trim();
        if !(base.starts_with("https://") || base.starts_with("http://")) || base.contains(' ') {
            bail!("documents_qr_base_url must be an http(s) URL, got {base:?}");
        }
        Ok(base.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::with;
    use super::*;

    #[test]
    fn documents_live_in_a_directory_unless_an_s3_endpoint_is_set() {
        let local = with(&[]).document_store().expect("default");
        assert!(
            matches!(&local, StoreConfig::Local { dir } if dir == &PathBuf::from(".arca-documents")),
            "{local:?}"
        );
        let s3 = with(&[
            ("documents_s3_endpoint", "http://127.0.0.1:8333/"),
            ("documents_s3_bucket", "pdfs"),
            ("documents_s3_access_key_id", "id"),
            ("documents_s3_secret_access_key", "hunter2"),
        ]);
        let StoreConfig::S3(config) = s3.document_store().expect("s3") else {
            panic!("not s3");
        };
        assert_eq!(
            (config.endpoint.as_str(), config.bucket.as_str()),
            ("http://127.0.0.1:8333", "pdfs")
        );
        assert!(config.allow_http && config.conditional_put);
        assert!(!format!("{s3:?}").contains("hunter2"));
    }

    #[test]
    fn an_s3_endpoint_without_credentials_or_scheme_is_refused_at_start_up() {
        let no_secret = with(&[
            ("documents_s3_endpoint", "https://s3.example.com"),
            ("documents_s3_access_key_id", "id"),
        ]);
        let err = no_secret.validate().expect_err("no secret");
        assert!(
            err.to_string()
                .contains("ARCA_DOCUMENTS_S3_SECRET_ACCESS_KEY"),
            "{err}"
        );
        let no_scheme = with(&[
            ("documents_s3_endpoint", "s3.example.com"),
            ("documents_s3_access_key_id", "id"),
            ("documents_s3_secret_access_key", "x"),
        ]);
        assert!(no_scheme.validate().is_err());
        assert!(
            with(&[("documents_qr_base_url", "afip")])
                .validate()
                .is_err()
        );
    }
}
