//! The embedded fonts (Liberation Sans, metric-compatible with the Arial of ARCA's own vouchers)
//! and text set on one line: a glyph per character with the font's advances, no kerning, so that
//! what is measured is exactly what is drawn.

use std::sync::LazyLock;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::{
    FontRef, MetadataProvider as _, charmap::Charmap, instance::LocationRef,
    instance::Size as FontSize, metrics::GlyphMetrics,
};

static REGULAR_TTF: &[u8] = include_bytes!("../fonts/LiberationSans-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../fonts/LiberationSans-Bold.ttf");

/// Regular or bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One font: krilla's handle to embed it, and its character map and advances to set text.
pub(crate) struct Face {
    pub(crate) font: Font,
    charmap: Charmap<'static>,
    metrics: GlyphMetrics<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Option<Self> {
        let font_ref = FontRef::new(data).ok()?;
        let units_per_em = f32::from(
            font_ref
                .metrics(FontSize::unscaled(), LocationRef::default())
                .units_per_em,
        );
        Some(Self {
            font: Font::new(data.into(), 0)?,
            charmap: font_ref.charmap(),
            metrics: font_ref.glyph_metrics(FontSize::unscaled(), LocationRef::default()),
            units_per_em,
        })
    }

    /// A glyph per character (the font's `.notdef` where it has none), advances in ems.
    pub(crate) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .map(|(start, c)| {
                let id = self.charmap.map(c).unwrap_or_default();
                let advance = self.metrics.advance_width(id).unwrap_or_default();
                KrillaGlyph {
                    glyph_id: GlyphId::new(id.to_u32()),
                    text_range: start..start + c.len_utf8(),
                    x_advance: advance / self.units_per_em,
                    x_offset: 0.0,
                    y_offset: 0.0,
                    y_advance: 0.0,
                    location: None,
                }
            })
            .collect()
    }

    /// The width of `text` at `size` points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| {
                let id = self.charmap.map(c).unwrap_or_default();
                self.metrics.advance_width(id).unwrap_or_default()
            })
            .sum();
        units / self.units_per_em * size
    }
}

/// Both weights, loaded once per process.
pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
}

static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(|| {
    Some(Fonts {
        regular: Face::load(REGULAR_TTF)?,
        bold: Face::load(BOLD_TTF)?,
    })
});

impl Fonts {
    /// The embedded fonts; `None` only if the committed font files were damaged.
    pub(crate) fn get() -> Option<&'static Fonts> {
        FONTS.as_ref()
    }

    pub(crate) fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// The width of `text` in `weight` at `size` points.
    pub(crate) fn width(&self, text: &str, weight: Weight, size: f32) -> f32 {
        self.face(weight).width(text, size)
    }

    /// `text` broken into lines no wider than `width`, between words where it can and inside a
    /// word too long for a line. Control characters count as spaces.
    pub(crate) fn wrap(&self, text: &str, weight: Weight, size: f32, width: f32) -> Vec<String> {
        let face = self.face(weight);
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
            if word.is_empty() {
                continue;
            }
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if face.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            line = self.break_word(word, face, size, width, &mut lines);
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }

    /// [`Fonts::wrap`], keeping at most `max` lines; the last one ends with an ellipsis when text
    /// was left out.
    pub(crate) fn lines(
        &self,
        text: &str,
        weight: Weight,
        size: f32,
        width: f32,
        max: usize,
    ) -> Vec<String> {
        let mut lines = self.wrap(text, weight, size, width);
        if lines.len() > max {
            lines.truncate(max);
            if let Some(last) = lines.last_mut() {
                last.push('…');
            }
        }
        lines
    }

    /// Pushes the full-width pieces of a word wider than a line; returns what is left of it.
    fn break_word(
        &self,
        word: &str,
        face: &Face,
        size: f32,
        width: f32,
        lines: &mut Vec<String>,
    ) -> String {
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if face.width(&piece, size) > width && piece.chars().count() > 1 {
                piece.pop();
                lines.push(std::mem::take(&mut piece));
                piece.push(c);
            }
        }
        piece
    }

    /// The largest size up to `max` at which `text` fits in `width`.
    pub(crate) fn fit(&self, text: &str, weight: Weight, max: f32, width: f32) -> f32 {
        let at_max = self.width(text, weight, max);
        if at_max <= width || at_max <= 0.0 {
            max
        } else {
            max * width / at_max
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fonts() -> &'static Fonts {
        Fonts::get().expect("the committed fonts load")
    }

    #[test]
    fn measures_with_the_fonts_advances() {
        let fonts = fonts();
        // Liberation Sans, like Arial: digits are 0.556 em wide; bold is wider than regular.
        let digits = fonts.width("0123456789", Weight::Regular, 10.0);
        assert!((digits - 55.6).abs() < 0.1, "{digits}");
        assert!(
            fonts.width("Factura", Weight::Bold, 9.0)
                > fonts.width("Factura", Weight::Regular, 9.0)
        );
    }

    #[test]
    fn wraps_between_words_and_inside_words_too_long_for_a_line() {
        let fonts = fonts();
        let lines = fonts.wrap("uno dos tres cuatro", Weight::Regular, 10.0, 45.0);
        assert_eq!(lines, ["uno dos", "tres", "cuatro"]);
        let long = fonts.wrap("abcdefghijklmnopqrstuvwxyz", Weight::Regular, 10.0, 40.0);
        assert!(
            long.len() > 1 && long.concat() == "abcdefghijklmnopqrstuvwxyz",
            "{long:?}"
        );
        assert_eq!(fonts.wrap("  ", Weight::Regular, 10.0, 40.0), [""]);
        let cut = fonts.lines("uno dos tres cuatro", Weight::Regular, 10.0, 45.0, 2);
        assert_eq!(cut, ["uno dos", "tres…"]);
    }

    #[test]
    fn shrinks_text_to_fit() {
        let fonts = fonts();
        let size = fonts.fit("NOTA DE CRÉDITO", Weight::Bold, 18.0, 100.0);
        assert!(size < 18.0);
        assert!(fonts.width("NOTA DE CRÉDITO", Weight::Bold, size) <= 100.01);
        assert_eq!(fonts.fit("A", Weight::Bold, 18.0, 100.0), 18.0);
    }
}
