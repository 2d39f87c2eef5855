//! The simulator's WSFEv1: dispatch on SOAPAction (SOAP 1.1) or the `action` of the
//! Content-Type (SOAP 1.2), falling back to the body's first element; answer in the version
//! asked; business errors with HTTP 200, broken requests with ASMX-style faults.

mod auth;
mod fce;
mod ops;
mod rules;
mod solicitar;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::macros::format_description;

use super::faults::{FaultMode, FaultSpec};
use super::{SimState, hang};
use crate::soap::{self, Body, SoapVersion, envelope, fault_body};
use crate::wsaa::tra::AR_OFFSET;
use crate::wsfe::request_parse::{parse_request, read_auth};
use crate::wsfe::{Code, FEV1_NS, ParamTable};

const OPERATIONS: &[&str] = &[
    "FEDummy",
    "FECompUltimoAutorizado",
    "FECAESolicitar",
    "FECompConsultar",
    "FECompTotXRequest",
    "FEParamGetPtosVenta",
    "FEParamGetCotizacion",
    "FEParamGetCondicionIvaReceptor",
    "FECAEASolicitar",
    "FECAEAConsultar",
    "FECAEARegInformativo",
    "FECAEASinMovimientoInformar",
];

fn known(op: &str) -> bool {
    OPERATIONS.contains(&op) || ParamTable::from_operation(op).is_some()
}

fn action_from_headers(headers: &HeaderMap) -> Option<String> {
    let raw = headers
        .get("SOAPAction")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| {
            let ct = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
            ct.split(';')
                .find_map(|p| p.trim().strip_prefix("action=").map(str::to_owned))
        })?;
    let a = raw.trim().trim_matches('"');
    (!a.is_empty()).then(|| a.rsplit('/').next().unwrap_or(a).to_owned())
}

fn reply(version: SoapVersion, status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, version.content_type(None))],
        body,
    )
        .into_response()
}

fn fault(version: SoapVersion, client: bool, message: &str) -> Response {
    let code = match (version, client) {
        (SoapVersion::V11, true) => "soap:Client",
        (SoapVersion::V11, false) => "soap:Server",
        (SoapVersion::V12, true) => "soap:Sender",
        (SoapVersion::V12, false) => "soap:Receiver",
    };
    reply(
        version,
        StatusCode::INTERNAL_SERVER_ERROR,
        envelope(version, None, &fault_body(version, code, message)),
    )
}

fn header_info(sim: &SimState) -> String {
    let f = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:7]-03:00"
    );
    let now = sim
        .clock
        .now()
        .to_offset(AR_OFFSET)
        .format(&f)
        .unwrap_or_default();
    format!(
        r#"<FEHeaderInfo xmlns="{FEV1_NS}"><ambiente>{}</ambiente><fecha>{now}</fecha><id>4.3.0.0</id></FEHeaderInfo>"#,
        crate::soap::xml::esc(&sim.config.environment_label)
    )
}

/// `POST /wsfev1/service.asmx`.
pub async fn handle(
    State(sim): State<Arc<SimState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let Ok(msg) = soap::parse_message(&body) else {
        return (StatusCode::BAD_REQUEST, "").into_response();
    };
    let version = msg.version;
    let payload = match msg.body {
        Body::Payload(p) => p,
        Body::Fault(_) => return fault(version, true, "Server was unable to read request."),
    };
    let op = action_from_headers(&headers).or_else(|| payload.as_ref().map(|p| p.name.clone()));
    let Some(op) = op.filter(|o| known(o)) else {
        let shown = action_from_headers(&headers).unwrap_or_default();
        return fault(
            version,
            true,
            &format!(
                "Server did not recognize the value of HTTP Header SOAPAction: {FEV1_NS}{shown}."
            ),
        );
    };
    sim.count_call(&op);
    let injected = sim.faults.take(&op).unwrap_or_default();
    if injected.latency_ms > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(injected.latency_ms)).await;
    }
    match injected.mode {
        FaultMode::Timeout => hang().await,
        FaultMode::Http500 => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "<html><body>Runtime Error</body></html>",
            )
                .into_response();
        }
        FaultMode::SoapFault => {
            return fault(
                version,
                false,
                "Server was unable to process request. ---> Simulated fault",
            );
        }
        FaultMode::Down => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "<html><body>Service Unavailable</body></html>",
            )
                .into_response();
        }
        FaultMode::None | FaultMode::DropResponse => {}
    }
    let req = match parse_request(&op, payload.as_ref()) {
        Ok(r) => r,
        Err(e) => {
            return fault(
                version,
                true,
                &format!("Server was unable to read request. ---> {e}"),
            );
        }
    };
    let auth = payload
        .as_ref()
        .map(read_auth)
        .transpose()
        .ok()
        .flatten()
        .flatten();
    let result = ops::execute(&sim, &op, &req, auth.as_ref(), &injected);
    let answer = format!(
        r#"<{op}Response xmlns="{FEV1_NS}"><{op}Result>{result}</{op}Result></{op}Response>"#
    );
    let out = reply(
        version,
        StatusCode::OK,
        envelope(version, Some(&header_info(&sim)), &answer),
    );
    if injected.mode == FaultMode::DropResponse {
        hang().await;
    }
    out
}

/// Events and errors at the end of a result.
pub(crate) fn tail(out: &mut String, spec: &FaultSpec, errors: &[Code]) {
    crate::wsfe::codec::write_codes(out, "Events", "Evt", &spec.events);
    crate::wsfe::codec::write_codes(out, "Errors", "Err", errors);
}
