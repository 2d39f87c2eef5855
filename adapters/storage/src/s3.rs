//! The S3-compatible backend: `object_store`'s client with path-style addressing (what SeaweedFS,
//! MinIO and Garage expect), conditional puts (`If-None-Match: *`), bounded retries, and an HTTP
//! layer that turns a server in trouble (5xx, 429) into a typed transport error.
//!
//! Why that layer: `object_store` retries 5xx answers itself, then reports them through an error
//! type it does not export, so a caller could only tell "unavailable" from "refused" by reading
//! the message. Answering a 5xx (but 501) as [`HttpErrorKind::Request`] keeps its retries (that kind is
//! retried like a 5xx, for every method) and leaves [`ServerBusy`] in the error's causes, where
//! `StoreError::from_store` finds it.

use std::{fmt, sync::Arc};

use object_store::{
    BackoffConfig, ClientOptions, ObjectStore, RetryConfig,
    aws::{AmazonS3Builder, S3ConditionalPut},
    client::{
        HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpResponse,
        HttpService, ReqwestConnector,
    },
};
use secrecy::ExposeSecret as _;

use crate::{S3Config, StoreError};

/// Builds the client for `config`. Installs the ring crypto provider first if the process has
/// none, since the HTTP client cannot be built without one (see [`crate::install_crypto_provider`]).
pub(crate) fn open(config: &S3Config) -> Result<Arc<dyn ObjectStore>, StoreError> {
    crate::install_crypto_provider();
    let conditional_put = if config.conditional_put {
        S3ConditionalPut::ETagMatch
    } else {
        S3ConditionalPut::Disabled
    };
    // Client options first: `with_client_options` replaces what `with_allow_http` would set.
    let store = AmazonS3Builder::new()
        .with_client_options(
            ClientOptions::new()
                .with_allow_http(config.allow_http)
                .with_content_type_for_suffix("pdf", "application/pdf")
                .with_timeout(config.timeout)
                .with_connect_timeout(config.timeout),
        )
        .with_endpoint(&config.endpoint)
        .with_virtual_hosted_style_request(false)
        .with_bucket_name(&config.bucket)
        .with_region(&config.region)
        .with_access_key_id(&config.access_key_id)
        .with_secret_access_key(config.secret_access_key.expose_secret())
        .with_conditional_put(conditional_put)
        .with_retry(RetryConfig {
            backoff: BackoffConfig::default(),
            max_retries: config.max_retries,
            retry_timeout: config.retry_timeout,
        })
        .with_http_connector(FlagServerTrouble)
        .build()
        .map_err(|source| StoreError::Config {
            what: format!("the S3 bucket {} at {}", config.bucket, config.endpoint),
            source: Box::new(source),
        })?;
    Ok(Arc::new(store))
}

/// The server answered with a status that says "later": a 5xx but 501 (Not Implemented, which
/// later will not change), or 429 (Too Many Requests).
#[derive(Debug)]
pub(crate) struct ServerBusy {
    status: u16,
}

impl fmt::Display for ServerBusy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the server answered {}", self.status)
    }
}

impl std::error::Error for ServerBusy {}

/// `object_store`'s reqwest client, wrapped in [`ServerTrouble`].
#[derive(Debug)]
struct FlagServerTrouble;

impl HttpConnector for FlagServerTrouble {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        let inner = ReqwestConnector::default().connect(options)?;
        Ok(HttpClient::new(ServerTrouble(inner)))
    }
}

#[derive(Debug)]
struct ServerTrouble(HttpClient);

#[async_trait::async_trait]
impl HttpService for ServerTrouble {
    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let response = self.0.execute(request).await?;
        let status = response.status();
        let code = status.as_u16();
        if (status.is_server_error() && code != 501) || code == 429 {
            let busy = ServerBusy { status: code };
            return Err(HttpError::new(HttpErrorKind::Request, busy));
        }
        Ok(response)
    }
}
