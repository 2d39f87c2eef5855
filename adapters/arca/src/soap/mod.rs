//! SOAP 1.1/1.2 envelopes: building them around a body and reading the body or fault back.

pub mod compare;
pub mod http;
pub mod xml;

pub use xml::{Element, XmlError};

/// SOAP 1.1 envelope namespace.
pub const SOAP11_NS: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.2 envelope namespace.
pub const SOAP12_NS: &str = "http://www.w3.org/2003/05/soap-envelope";

/// Which SOAP version a message uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoapVersion {
    V11,
    V12,
}

impl SoapVersion {
    pub fn namespace(self) -> &'static str {
        match self {
            Self::V11 => SOAP11_NS,
            Self::V12 => SOAP12_NS,
        }
    }

    /// The Content-Type for a request or response carrying `action`.
    pub fn content_type(self, action: Option<&str>) -> String {
        match (self, action) {
            (Self::V11, _) => "text/xml; charset=utf-8".to_owned(),
            (Self::V12, Some(a)) => format!("application/soap+xml; charset=utf-8; action=\"{a}\""),
            (Self::V12, None) => "application/soap+xml; charset=utf-8".to_owned(),
        }
    }
}

/// Wraps body content (already serialized) in an envelope, optionally with header content.
pub fn envelope(version: SoapVersion, header: Option<&str>, body: &str) -> String {
    let ns = version.namespace();
    let mut out = String::with_capacity(body.len() + 400);
    out.push_str(r#"<?xml version="1.0" encoding="utf-8"?>"#);
    out.push_str(r#"<soap:Envelope xmlns:soap=""#);
    out.push_str(ns);
    out.push_str(r#"" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">"#);
    if let Some(h) = header {
        out.push_str("<soap:Header>");
        out.push_str(h);
        out.push_str("</soap:Header>");
    }
    out.push_str("<soap:Body>");
    out.push_str(body);
    out.push_str("</soap:Body></soap:Envelope>");
    out
}

/// A SOAP fault read from a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The code as written, e.g. `ns1:coe.alreadyAuthenticated` or `soap:Client`.
    pub code: String,
    pub message: String,
}

/// What a SOAP message body holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// The first element inside `Body` (None when the body is empty).
    Payload(Option<Element>),
    Fault(Fault),
}

/// A parsed envelope: version, header children and body.
#[derive(Debug, Clone)]
pub struct Message {
    pub version: SoapVersion,
    pub header: Option<Element>,
    pub body: Body,
}

/// Reads an envelope of either SOAP version.
pub fn parse_message(text: &str) -> Result<Message, XmlError> {
    let root = xml::parse(text)?;
    if root.name != "Envelope" {
        return Err(XmlError(format!(
            "root element is {}, not Envelope",
            root.name
        )));
    }
    let version = match root.ns.as_deref() {
        Some(SOAP11_NS) => SoapVersion::V11,
        Some(SOAP12_NS) => SoapVersion::V12,
        other => return Err(XmlError(format!("unknown envelope namespace {other:?}"))),
    };
    let header = root.child("Header").cloned();
    let body = root
        .child("Body")
        .ok_or_else(|| XmlError("envelope without Body".into()))?;
    let first = body.children.first().cloned();
    let body = match first {
        Some(f) if f.name == "Fault" => Body::Fault(read_fault(&f)),
        other => Body::Payload(other),
    };
    Ok(Message {
        version,
        header,
        body,
    })
}

fn read_fault(f: &Element) -> Fault {
    // SOAP 1.1: faultcode/faultstring. SOAP 1.2: Code/Value, Reason/Text.
    let code = f
        .child_text("faultcode")
        .or_else(|| f.path(&["Code", "Value"]).map(Element::text))
        .unwrap_or_default();
    let message = f
        .child_text("faultstring")
        .or_else(|| f.path(&["Reason", "Text"]).map(Element::text))
        .unwrap_or_default();
    Fault {
        code: code.to_owned(),
        message: message.to_owned(),
    }
}

/// Serializes a SOAP 1.1 or 1.2 fault body element.
pub fn fault_body(version: SoapVersion, code: &str, message: &str) -> String {
    match version {
        SoapVersion::V11 => format!(
            "<soap:Fault><faultcode>{}</faultcode><faultstring>{}</faultstring><detail /></soap:Fault>",
            xml::esc(code),
            xml::esc(message)
        ),
        SoapVersion::V12 => format!(
            "<soap:Fault><soap:Code><soap:Value>{}</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang=\"en\">{}</soap:Text></soap:Reason></soap:Fault>",
            xml::esc(code),
            xml::esc(message)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_payload_and_faults_in_both_versions() {
        for v in [SoapVersion::V11, SoapVersion::V12] {
            let m = parse_message(&envelope(v, None, "<X xmlns=\"urn:a\"><Y>1</Y></X>")).unwrap();
            assert_eq!(m.version, v);
            match m.body {
                Body::Payload(Some(e)) => assert_eq!(e.child_text("Y"), Some("1")),
                other => panic!("unexpected {other:?}"),
            }
            let f =
                parse_message(&envelope(v, None, &fault_body(v, "soap:Server", "boom"))).unwrap();
            assert_eq!(
                f.body,
                Body::Fault(Fault {
                    code: "soap:Server".into(),
                    message: "boom".into()
                })
            );
        }
        assert!(parse_message("<Envelope/>").is_err());
    }
}
