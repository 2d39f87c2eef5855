//! The one error type of the adapter. Business answers (ARCA `Errors`, `Observaciones`,
//! `Events`) are never errors: they come back as data inside `Ok(...)`.

use time::OffsetDateTime;

/// A failure talking to ARCA (or to the simulator).
#[derive(Debug, thiserror::Error)]
pub enum ArcaError {
    /// The call did not complete at the HTTP level (connect, timeout, I/O, unexpected status).
    #[error("transport error in {operation}: {message}")]
    Transport {
        operation: &'static str,
        message: String,
        /// True when repeating the call cannot cause a second effect at ARCA: the request
        /// never left, or the operation only reads.
        retry_safe: bool,
        /// No answer came within the call's timeout (as opposed to a refused or broken
        /// connection, or an unexpected HTTP status).
        timed_out: bool,
    },
    /// A SOAP fault (WSAA reports every problem this way; WSFEv1 only for broken requests).
    #[error("SOAP fault in {operation}: {code}: {message}")]
    Fault {
        operation: &'static str,
        /// The fault code without its namespace prefix, e.g. `coe.alreadyAuthenticated`.
        code: String,
        message: String,
        retry_safe: bool,
    },
    /// The access ticket is past its expiration time; get a new one.
    #[error("access ticket expired at {expires_at}")]
    TicketExpired { expires_at: OffsetDateTime },
    /// The answer is not what the WSDL says it should be.
    #[error("malformed answer to {operation}: {message}")]
    Malformed {
        operation: &'static str,
        message: String,
    },
    /// Certificate, key or request data we were given is unusable; nothing was sent.
    #[error("invalid input: {0}")]
    Invalid(String),
}

/// WSAA fault codes after which the spec says to wait and try again.
const TRANSIENT_WSAA_FAULTS: &[&str] =
    &["wsaa.unavailable", "wsaa.internalError", "wsn.unavailable"];

impl ArcaError {
    /// Whether sending the same request again is safe and may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { retry_safe, .. } | Self::Fault { retry_safe, .. } => *retry_safe,
            Self::TicketExpired { .. } => true,
            Self::Malformed { .. } | Self::Invalid(_) => false,
        }
    }

    /// The WSAA fault code, when this is a fault.
    pub fn fault_code(&self) -> Option<&str> {
        match self {
            Self::Fault { code, .. } => Some(code),
            _ => None,
        }
    }

    pub(crate) fn malformed(operation: &'static str, message: impl Into<String>) -> Self {
        Self::Malformed {
            operation,
            message: message.into(),
        }
    }

    /// Builds a fault, deciding retry safety from the code and the operation's idempotency.
    pub(crate) fn fault(
        operation: &'static str,
        code: &str,
        message: String,
        idempotent: bool,
    ) -> Self {
        let code = code.rsplit(':').next().unwrap_or(code).to_owned();
        let transient = TRANSIENT_WSAA_FAULTS.contains(&code.as_str());
        Self::Fault {
            operation,
            retry_safe: transient || (idempotent && code != "coe.alreadyAuthenticated"),
            code,
            message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn already_authenticated_is_not_retryable_but_unavailable_is() {
        let a = ArcaError::fault(
            "loginCms",
            "ns1:coe.alreadyAuthenticated",
            String::new(),
            false,
        );
        assert_eq!(a.fault_code(), Some("coe.alreadyAuthenticated"));
        assert!(!a.is_retryable());
        let b = ArcaError::fault("loginCms", "ns1:wsaa.unavailable", String::new(), false);
        assert!(b.is_retryable());
        let c = ArcaError::fault("FECAESolicitar", "soap:Server", String::new(), false);
        assert!(!c.is_retryable());
        let d = ArcaError::fault("FECompConsultar", "soap:Server", String::new(), true);
        assert!(d.is_retryable());
    }
}
