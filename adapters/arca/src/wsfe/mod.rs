//! WSFEv1: requests built from typed values, answers parsed into typed results.

pub mod client;
pub mod codec;
pub mod domain;
pub mod request;
pub mod request_parse;
pub mod response;
pub(crate) mod types;

pub use client::{REDACTED, Recorded, WsfeClient};
pub use request::{ParamTable, Request};
pub use response::{Response, parse_response};
pub use types::*;

/// Namespace of every WSFEv1 element.
pub const FEV1_NS: &str = "http://ar.gov.afip.dif.FEV1/";
