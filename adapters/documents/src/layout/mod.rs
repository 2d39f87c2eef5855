//! Template 1: ARCA's own "Comprobantes en línea" layout on A4, in points from the top-left
//! corner. Every page repeats the header (ORIGINAL, the letter box, issuer, voucher data, service
//! period and receiver) and the items table's heading; the last page closes with the totals, the
//! QR and the CAE. Items that do not fit go on to the next page.

mod closing;
mod footer;
mod header;
mod items;

use std::ops::Range;

use krilla::{Document, metadata::Metadata, page::PageSettings};

use crate::{
    RenderError,
    canvas::Canvas,
    format,
    labels::{self, VoucherName},
    text::Fonts,
    voucher::Voucher,
};

/// A4 in points.
const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
/// The frame's left and right edges.
const LEFT: f32 = 15.0;
const RIGHT: f32 = 581.0;
/// Where the first item row starts, under the table's heading.
const ITEMS_TOP: f32 = 281.0;
/// Where the QR and CAE block starts.
const FOOTER_TOP: f32 = 700.0;
/// How far item rows may reach on a page that the totals do not close.
const BODY_BOTTOM: f32 = FOOTER_TOP - 22.0;

/// A voucher with the printed names of its codes, checked once.
pub(crate) struct Sheet<'v> {
    pub(crate) voucher: &'v Voucher,
    pub(crate) name: VoucherName,
    pub(crate) issuer_condition: &'static str,
    pub(crate) receiver_condition: &'static str,
    /// The receiver's document's name, unless the receiver is unidentified.
    pub(crate) document: Option<&'static str>,
    pub(crate) fonts: &'static Fonts,
}

impl<'v> Sheet<'v> {
    fn new(voucher: &'v Voucher, fonts: &'static Fonts) -> Result<Self, RenderError> {
        let name = labels::voucher_name(voucher.voucher_type)
            .ok_or(RenderError::UnknownVoucherType(voucher.voucher_type))?;
        let condition =
            |code| labels::iva_condition(code).ok_or(RenderError::UnknownIvaCondition(code));
        let receiver = &voucher.receiver;
        let unidentified = receiver.doc_type == labels::NO_DOCUMENT && receiver.doc_number == 0;
        let document = if unidentified {
            None
        } else {
            Some(
                labels::document_type(receiver.doc_type)
                    .ok_or(RenderError::UnknownDocumentType(receiver.doc_type))?,
            )
        };
        Ok(Self {
            voucher,
            name,
            issuer_condition: condition(voucher.issuer.iva_condition)?,
            receiver_condition: condition(receiver.iva_condition)?,
            document,
            fonts,
        })
    }

    /// Classes A and M show IVA per line and per rate.
    pub(crate) fn itemizes_iva(&self) -> bool {
        matches!(self.name.letter, 'A' | 'M')
    }

    /// Class B prints prices with their IVA included.
    pub(crate) fn includes_iva(&self) -> bool {
        self.name.letter == 'B'
    }

    /// What precedes an amount: `$` for pesos, else the currency (`USD`, `EUR` or ARCA's code).
    pub(crate) fn currency_sign(&self) -> &str {
        match self.voucher.currency.code.as_str() {
            "PES" => "$",
            "DOL" => "USD",
            "060" => "EUR",
            other => other,
        }
    }

    /// `FACTURA B 00001-00000042`.
    pub(crate) fn reference(&self) -> String {
        format!(
            "{} {} {}",
            self.name.title,
            self.name.letter,
            format::voucher_number(self.voucher.point_of_sale, self.voucher.number)
        )
    }
}

/// Lays the voucher out on as many pages as its items need and serializes the PDF.
pub(crate) fn render(voucher: &Voucher, fonts: &'static Fonts) -> Result<Vec<u8>, RenderError> {
    let sheet = Sheet::new(voucher, fonts)?;
    let rows = items::rows(&sheet);
    let closing = closing::Closing::new(&sheet);
    let heights: Vec<f32> = rows.iter().map(|row| row.height).collect();
    let pages = paginate(&heights, BODY_BOTTOM, FOOTER_TOP - 6.0 - closing.height)
        .ok_or(RenderError::DoesNotFit)?;
    let mut document = Document::new();
    document.set_metadata(metadata(&sheet));
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or(RenderError::DoesNotFit)?;
    let count = pages.len();
    for (index, range) in pages.into_iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        let mut canvas = Canvas::new(&mut surface, fonts);
        header::draw(&mut canvas, &sheet);
        items::draw(&mut canvas, &sheet, &rows[range]);
        if index + 1 == count {
            closing.draw(&mut canvas);
            footer::authorization(&mut canvas, &sheet)?;
        } else {
            footer::continued(&mut canvas);
        }
        footer::page_number(&mut canvas, &sheet, index + 1, count);
        surface.finish();
        page.finish();
    }
    document.finish().map_err(RenderError::Pdf)
}

/// Title, language and a document id drawn from the voucher itself, and no dates: the same
/// voucher gives the same bytes.
fn metadata(sheet: &Sheet<'_>) -> Metadata {
    let voucher = sheet.voucher;
    Metadata::new()
        .title(sheet.reference())
        .language("es-AR".to_owned())
        .creator(format!("documents, template {}", crate::TEMPLATE_VERSION))
        .document_id(format!(
            "{}-{:03}-{}",
            voucher.issuer.cuit,
            voucher.voucher_type,
            format::voucher_number(voucher.point_of_sale, voucher.number)
        ))
}

/// Splits rows of `heights` into pages: each page's rows end above `body_bottom`, and the last
/// page's above `closing_top`, where the totals start. `None` when a row or the totals cannot fit
/// on any page.
fn paginate(heights: &[f32], body_bottom: f32, closing_top: f32) -> Option<Vec<Range<usize>>> {
    if closing_top < ITEMS_TOP || heights.iter().any(|h| ITEMS_TOP + h > body_bottom) {
        return None;
    }
    let mut pages = Vec::new();
    let (mut start, mut y) = (0, ITEMS_TOP);
    for (index, height) in heights.iter().enumerate() {
        if y + height > body_bottom {
            pages.push(start..index);
            (start, y) = (index, ITEMS_TOP);
        }
        y += height;
    }
    // The last page also holds the totals. When its rows would run into them, it goes on without
    // them and its last rows move to a page the totals close (all of them, if none fits there).
    let room = closing_top - ITEMS_TOP;
    if heights[start..].iter().sum::<f32>() > room {
        let (mut cut, mut used) = (heights.len(), 0.0);
        while cut > start + 1 && used + heights[cut - 1] <= room {
            used += heights[cut - 1];
            cut -= 1;
        }
        pages.push(start..cut);
        start = cut;
    }
    pages.push(start..heights.len());
    Some(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn puts_rows_on_one_page_when_they_fit_above_the_totals() {
        let one_page: Vec<Range<usize>> = std::iter::once(0..10).collect();
        assert_eq!(paginate(&[14.0; 10], 678.0, 500.0), Some(one_page));
    }

    #[test]
    fn breaks_pages_at_the_body_bottom_and_keeps_the_totals_clear() {
        // 397 points of body hold 28 rows of 14; the totals leave 219 points (15 rows) on the
        // last page.
        let pages = paginate(&[14.0; 40], 678.0, 500.0).unwrap_or_default();
        assert_eq!(pages, vec![0..28, 28..40]);
        let pages = paginate(&[14.0; 50], 678.0, 500.0).unwrap_or_default();
        assert_eq!(pages, vec![0..28, 28..35, 35..50]);
    }

    #[test]
    fn moves_the_rows_the_totals_would_cover_to_a_last_page() {
        // 119 points above the totals hold 8 rows of 14.
        let pages = paginate(&[14.0; 20], 678.0, 400.0).unwrap_or_default();
        assert_eq!(pages, vec![0..12, 12..20]);
    }

    #[test]
    fn refuses_what_no_page_can_hold() {
        assert_eq!(paginate(&[500.0], 678.0, 500.0), None);
        assert_eq!(paginate(&[14.0], 678.0, 200.0), None);
        let empty: Vec<Range<usize>> = std::iter::once(0..0).collect();
        assert_eq!(paginate(&[], 678.0, 500.0), Some(empty));
    }
}
