//! WSAA: sign a TRA as CMS, call `loginCms`, read the access ticket.

pub mod client;
pub mod cms;
pub mod ticket;
pub mod tra;

pub use client::WsaaClient;
pub use ticket::Ticket;
pub use tra::Tra;

/// The WSAA service id of WSFEv1 (`wsfe`, never `wsfev1`).
pub const SERVICE_WSFE: &str = "wsfe";
/// The message namespace of the WSAA WSDL.
pub const WSAA_NS: &str = "http://wsaa.view.sua.dvadac.desein.afip.gov";
