//! The simulator's WSAA: `loginCms` as Apache Axis answers it.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use time::{Duration, OffsetDateTime};

use super::cms_verify::{WsaaFault, fault, verify};
use super::faults::FaultMode;
use super::token::{TokenFacts, make_token, sign};
use super::{Issued, SimState, hang};
use crate::certs::keys_util::{cuit_in_name, fingerprint_of};
use crate::soap::xml::esc;
use crate::soap::{Body, parse_message};
use crate::wsaa::Tra;
use crate::wsaa::tra::format_ar_millis;

const SOURCE: &str = "CN=wsaasim, O=AFIP, C=AR, SERIALNUMBER=CUIT 33693450239";
const KNOWN_SERVICES: &[&str] = &[
    "wsfe",
    "wsfex",
    "wsmtxca",
    "wsbfev1",
    "wsct",
    "ws_sr_padron_a4",
    "ws_sr_padron_a5",
    "ws_sr_padron_a13",
    "ws_sr_constancia_inscripcion",
];

fn xml_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/xml;charset=utf-8")],
        body,
    )
        .into_response()
}

/// An Axis fault, HTTP 500, as recorded.
fn fault_response(f: &WsaaFault) -> Response {
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode xmlns:ns1="http://xml.apache.org/axis/">ns1:{}</faultcode><faultstring>{}</faultstring><detail><ns2:exceptionName xmlns:ns2="http://xml.apache.org/axis/">gov.afip.desein.dvadac.sua.view.wsaa.LoginFault</ns2:exceptionName><ns3:hostname xmlns:ns3="http://xml.apache.org/axis/">wsaasim</ns3:hostname></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#,
        f.code,
        esc(&f.message)
    );
    xml_response(StatusCode::INTERNAL_SERVER_ERROR, body)
}

/// `POST /ws/services/LoginCms`.
pub async fn login_cms(State(sim): State<Arc<SimState>>, body: String) -> Response {
    let injected = sim.faults.take("loginCms");
    if let Some(f) = &injected {
        if f.latency_ms > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(f.latency_ms)).await;
        }
        match f.mode {
            FaultMode::Timeout => hang().await,
            FaultMode::Http500 => {
                return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
                    .into_response();
            }
            FaultMode::Down | FaultMode::SoapFault => {
                return fault_response(&fault("wsaa.unavailable", "Servicio no disponible"));
            }
            FaultMode::None | FaultMode::DropResponse => {}
        }
    }
    let answer = match login(&sim, &body) {
        Ok(xml) => xml_response(StatusCode::OK, xml),
        Err(f) => fault_response(&f),
    };
    if injected.is_some_and(|f| f.mode == FaultMode::DropResponse) {
        hang().await;
    }
    answer
}

fn login(sim: &SimState, body: &str) -> Result<String, WsaaFault> {
    let xml_bad = || fault("xml.bad", "El XML de entrada no es valido");
    let msg = parse_message(body).map_err(|_| xml_bad())?;
    let Body::Payload(Some(el)) = msg.body else {
        return Err(xml_bad());
    };
    if el.name != "loginCms" {
        return Err(xml_bad());
    }
    let ns = el
        .ns
        .clone()
        .unwrap_or_else(|| crate::wsaa::WSAA_NS.to_owned());
    let b64: String = el
        .child("in0")
        .map(|i| i.text.chars().filter(|c| !c.is_whitespace()).collect())
        .unwrap_or_default();
    let der = STANDARD
        .decode(b64)
        .map_err(|_| fault("cms.bad.base64", "No se puede decodificar el BASE64"))?;
    let now = sim.clock.now();
    let verified = verify(&der, &sim.config.trust, now)?;
    let text = String::from_utf8(verified.content).map_err(|_| xml_bad())?;
    let tra = Tra::parse(&text).map_err(|_| fault("xml.bad", "El TRA no es valido"))?;
    check_times(&tra, now)?;
    if !KNOWN_SERVICES.contains(&tra.service.as_str()) {
        return Err(fault("wsn.notFound", "No se encontro el WSN solicitado"));
    }
    let subject = &verified.signer.tbs_certificate.subject;
    let cuit = cuit_in_name(subject).ok_or_else(|| {
        fault(
            "coe.notAuthorized",
            "Computador no autorizado a acceder al servicio",
        )
    })?;
    let key = (fingerprint_of(&verified.signer), tra.service.clone());
    let mut issued = sim
        .issued
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(prev) = issued.get(&key) {
        let guard_over = sim
            .config
            .reissue_after
            .is_some_and(|g| now >= prev.issued_at + g);
        if now < prev.expires_at && !guard_over {
            return Err(fault(
                "coe.alreadyAuthenticated",
                "El CEE ya posee un TA valido para el acceso al WSN solicitado",
            ));
        }
    }
    let gen_time = now
        .replace_nanosecond(now.millisecond() as u32 * 1_000_000)
        .unwrap_or(now);
    let exp = gen_time + Duration::hours(12);
    issued.insert(
        key,
        Issued {
            issued_at: gen_time,
            expires_at: exp,
        },
    );
    drop(issued);
    sim.logins.fetch_add(1, Ordering::SeqCst);
    let cn = common_name(subject).unwrap_or_default();
    let uid = format!("SERIALNUMBER=CUIT {cuit}, CN={cn}");
    let token = make_token(&TokenFacts {
        source: SOURCE,
        unique_id: rand::random(),
        gen_time: gen_time.unix_timestamp() - 60,
        exp_time: exp.unix_timestamp(),
        service: &tra.service,
        uid: &uid,
        cuit: &cuit,
    });
    let sign = sign(&sim.token_key, &token);
    let ta = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<loginTicketResponse version=\"1.0\">\n    <header>\n        <source>{SOURCE}</source>\n        <destination>{}</destination>\n        <uniqueId>{}</uniqueId>\n        <generationTime>{}</generationTime>\n        <expirationTime>{}</expirationTime>\n    </header>\n    <credentials>\n        <token>{token}</token>\n        <sign>{sign}</sign>\n    </credentials>\n</loginTicketResponse>\n",
        esc(&uid),
        rand::random::<u32>(),
        format_ar_millis(gen_time),
        format_ar_millis(exp),
    );
    Ok(format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><loginCmsResponse xmlns="{}"><loginCmsReturn>{}</loginCmsReturn></loginCmsResponse></soapenv:Body></soapenv:Envelope>"#,
        esc(&ns),
        esc(&ta)
    ))
}

fn check_times(tra: &Tra, now: OffsetDateTime) -> Result<(), WsaaFault> {
    let gen_bad = || {
        fault(
            "xml.generationTime.invalid",
            "generationTime posee formato o dato inválido (ej: en el futuro o más de 24 horas de antigüedad)",
        )
    };
    if tra.generation_time > now || tra.generation_time < now - Duration::hours(24) {
        return Err(gen_bad());
    }
    if tra.expiration_time < now {
        return Err(fault(
            "xml.expirationTime.expired",
            "expirationTime expirado",
        ));
    }
    if tra.expiration_time > now + Duration::hours(24) || tra.expiration_time <= tra.generation_time
    {
        return Err(fault(
            "xml.expirationTime.invalid",
            "expirationTime posee formato o dato inválido",
        ));
    }
    Ok(())
}

fn common_name(name: &x509_cert::name::Name) -> Option<String> {
    let cn = der::oid::ObjectIdentifier::new_unwrap("2.5.4.3");
    name.0
        .iter()
        .flat_map(|r| r.0.iter())
        .find(|a| a.oid == cn)
        .map(|a| String::from_utf8_lossy(a.value.value()).into_owned())
}
