//! Posting a SOAP envelope with a deadline and turning HTTP failures into [`ArcaError`]s.

use std::time::Duration;

use crate::error::ArcaError;

use super::{Body, Message, SoapVersion, parse_message};

/// One SOAP call's parameters.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub operation: &'static str,
    pub url: &'a str,
    pub soap_action: &'a str,
    pub version: SoapVersion,
    pub timeout: Duration,
    /// Read-only operations may be repeated after an unknown outcome.
    pub idempotent: bool,
}

/// A client with connection pooling; one per process is enough.
pub fn http_client() -> Result<reqwest::Client, ArcaError> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .map_err(|e| ArcaError::Invalid(format!("building HTTP client: {e}")))
}

/// Posts `envelope` and returns the parsed answer. SOAP faults become `ArcaError::Fault`.
pub async fn post(
    http: &reqwest::Client,
    call: Call<'_>,
    envelope: String,
) -> Result<Message, ArcaError> {
    exchange(http, call, envelope).await.0
}

/// Like [`post`], and also hands back the response body as received (`None` when none came).
pub async fn exchange(
    http: &reqwest::Client,
    call: Call<'_>,
    envelope: String,
) -> (Result<Message, ArcaError>, Option<String>) {
    let mut req = http.post(call.url).timeout(call.timeout).header(
        reqwest::header::CONTENT_TYPE,
        call.version.content_type(Some(call.soap_action)),
    );
    if call.version == SoapVersion::V11 {
        req = req.header("SOAPAction", format!("\"{}\"", call.soap_action));
    }
    let transport = |e: reqwest::Error| ArcaError::Transport {
        operation: call.operation,
        retry_safe: e.is_connect() || call.idempotent,
        timed_out: e.is_timeout(),
        message: if e.is_timeout() {
            format!("no answer within {:?}", call.timeout)
        } else {
            e.to_string()
        },
    };
    let resp = match req.body(envelope).send().await {
        Ok(resp) => resp,
        Err(e) => return (Err(transport(e)), None),
    };
    let status = resp.status();
    let text = match resp.text().await {
        Ok(text) => text,
        Err(e) => return (Err(transport(e)), None),
    };
    (interpret(call, status, &text), Some(text))
}

/// The answer `text` came with `status`: a message, a fault or a failure.
fn interpret(
    call: Call<'_>,
    status: reqwest::StatusCode,
    text: &str,
) -> Result<Message, ArcaError> {
    match parse_message(text) {
        Ok(Message {
            body: Body::Fault(f),
            ..
        }) => Err(ArcaError::fault(
            call.operation,
            &f.code,
            f.message,
            call.idempotent,
        )),
        Ok(m) if status.is_success() => Ok(m),
        _ if !status.is_success() => Err(ArcaError::Transport {
            operation: call.operation,
            retry_safe: call.idempotent,
            timed_out: false,
            message: format!(
                "HTTP {status}: {}",
                text.chars().take(200).collect::<String>()
            ),
        }),
        Err(e) => Err(ArcaError::malformed(call.operation, e.to_string())),
        Ok(m) => Ok(m),
    }
}
