//! The documents engine: every authorized invoice and note rendered as a PDF
//! ([`documents::render`]), stored once ([`storage::DocumentStore`]) and recorded on the
//! invoice's stream (`invoice.document_issued`), so that any stored PDF can be checked against
//! the log.

use domain::series::Environment;
use storage::StoreConfig;

/// How documents are rendered and where they are stored.
#[derive(Debug, Clone)]
pub struct DocumentsConfig {
    /// Where PDFs are stored.
    pub store: StoreConfig,
    /// The ARCA environment (a segment of every key).
    pub environment: Environment,
    /// The URL the printed QR starts with.
    pub qr_base_url: String,
    /// PDFs rendered and stored at once, per instance.
    pub concurrency: usize,
}
