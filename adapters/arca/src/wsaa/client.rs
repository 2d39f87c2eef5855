//! The `loginCms` call.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use super::ticket::{Ticket, parse_login_ticket_response};
use super::{Tra, WSAA_NS, cms};
use crate::certs::Credentials;
use crate::error::ArcaError;
use crate::soap::http::{Call, http_client, post};
use crate::soap::xml::esc;
use crate::soap::{Body, SoapVersion, envelope};

const OP: &str = "loginCms";

/// A WSAA client for one endpoint.
#[derive(Debug, Clone)]
pub struct WsaaClient {
    http: reqwest::Client,
    url: String,
    timeout: Duration,
}

/// The body of a `loginCms` request carrying Base64 CMS.
pub fn login_cms_body(cms_b64: &str) -> String {
    format!(
        r#"<ser:loginCms xmlns:ser="{WSAA_NS}"><in0>{}</in0></ser:loginCms>"#,
        esc(cms_b64)
    )
}

impl WsaaClient {
    pub fn new(url: impl Into<String>, timeout: Duration) -> Result<Self, ArcaError> {
        Ok(Self {
            http: http_client()?,
            url: url.into(),
            timeout,
        })
    }

    /// Same, sharing an existing HTTP client.
    pub fn with_http(http: reqwest::Client, url: impl Into<String>, timeout: Duration) -> Self {
        Self {
            http,
            url: url.into(),
            timeout,
        }
    }

    /// Builds and signs a TRA for `service` and logs in.
    pub async fn login(&self, creds: &Credentials, service: &str) -> Result<Ticket, ArcaError> {
        let tra = Tra::new(service, OffsetDateTime::now_utc());
        let der = cms::sign_attached(tra.to_xml().as_bytes(), creds)?;
        self.login_cms(&STANDARD.encode(der)).await
    }

    /// Sends an already signed, Base64 CMS. The span never carries the CMS or the ticket.
    #[tracing::instrument(name = "wsaa.call", skip_all, fields(operation = "loginCms"))]
    pub async fn login_cms(&self, cms_b64: &str) -> Result<Ticket, ArcaError> {
        let call = Call {
            operation: OP,
            url: &self.url,
            soap_action: "",
            version: SoapVersion::V11,
            timeout: self.timeout,
            idempotent: false,
        };
        let msg = post(
            &self.http,
            call,
            envelope(SoapVersion::V11, None, &login_cms_body(cms_b64)),
        )
        .await?;
        parse_login_cms_response(msg.body)
    }
}

/// Reads the ticket from a `loginCmsResponse` body.
pub fn parse_login_cms_response(body: Body) -> Result<Ticket, ArcaError> {
    match body {
        Body::Fault(f) => Err(ArcaError::fault(OP, &f.code, f.message, false)),
        Body::Payload(Some(el)) if el.name == "loginCmsResponse" => {
            let ret = el
                .child("loginCmsReturn")
                .ok_or_else(|| ArcaError::malformed(OP, "no loginCmsReturn"))?;
            parse_login_ticket_response(&ret.text).map_err(|e| ArcaError::malformed(OP, e))
        }
        Body::Payload(other) => Err(ArcaError::malformed(
            OP,
            format!("unexpected body {:?}", other.map(|e| e.name)),
        )),
    }
}
