//! The voucher a customer receives: an authorized invoice or note rendered as a PDF with ARCA's
//! layout and its RG 4892 QR. Rendering is a pure function of a [`Voucher`] (plain data the
//! caller maps from the read model) and a [`Template`]: no database, no IO, no clock, no random
//! source, so the same input gives byte-identical PDFs and any stored document can be rendered
//! again from the event log to check it.
//!
//! The same bytes need the same build: the template, the fonts compiled in (Liberation Sans, SIL
//! OFL 1.1, see `fonts/OFL.txt`) and the locked versions of krilla and its deflate backend. A test
//! pins the digests of template 1, so a change that would alter stored documents is noticed.
//!
//! Depends on no workspace crate (DESIGN allows `domain`'s values; none is needed) and never on
//! the application (commands, projections, api, workers), the event store, a database driver, an
//! async runtime or an HTTP stack.

#![warn(missing_docs)]

mod canvas;
pub mod format;
pub mod labels;
mod layout;
mod qr;
mod text;
mod voucher;

pub use voucher::{
    AssociatedVoucher, Authorization, Currency, Issuer, Item, IvaLine, LineIva, Period, Receiver,
    ServicePeriod, Totals, Tribute, Voucher,
};

/// The version of the current template, to record with each stored PDF.
pub const TEMPLATE_VERSION: &str = Template::CURRENT.version();

/// A layout. A stored PDF records the version it was rendered with, so that it can be rendered
/// again, byte for byte, after newer versions exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Template {
    /// ARCA's "Comprobantes en línea" layout on A4.
    V1,
}

impl Template {
    /// The template new documents are rendered with.
    pub const CURRENT: Template = Template::V1;

    /// Its version, as recorded with a stored PDF.
    pub const fn version(self) -> &'static str {
        match self {
            Template::V1 => "1",
        }
    }

    /// The template of a recorded version.
    pub fn from_version(version: &str) -> Option<Self> {
        match version {
            "1" => Some(Template::V1),
            _ => None,
        }
    }
}

impl Default for Template {
    fn default() -> Self {
        Self::CURRENT
    }
}

/// Why a voucher could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The voucher type is not one ARCA authorizes through WSFEv1.
    #[error("unknown voucher type code {0}")]
    UnknownVoucherType(u16),
    /// The issuer's or receiver's IVA condition is not in ARCA's table.
    #[error("unknown iva condition code {0}")]
    UnknownIvaCondition(u16),
    /// The receiver's document type is not in ARCA's table.
    #[error("unknown document type code {0}")]
    UnknownDocumentType(u16),
    /// The QR URL is too long for a QR code.
    #[error("the qr url cannot be encoded")]
    Qr(#[source] qrcode::types::QrError),
    /// An item or the totals are taller than a page.
    #[error("an item or the totals do not fit on a page")]
    DoesNotFit,
    /// The compiled-in fonts could not be read.
    #[error("the embedded fonts cannot be read")]
    Fonts,
    /// The PDF could not be written.
    #[error("the pdf cannot be written")]
    Pdf(#[source] krilla::error::KrillaError),
}

/// Renders `voucher` with `template` as a PDF.
///
/// # Errors
/// A code the voucher's tables do not know, an item or totals block taller than a page, or a
/// QR URL too long to encode.
pub fn render(voucher: &Voucher, template: Template) -> Result<Vec<u8>, RenderError> {
    let fonts = text::Fonts::get().ok_or(RenderError::Fonts)?;
    match template {
        Template::V1 => layout::render(voucher, fonts),
    }
}
