//! Drawing on a page in points from its top-left corner, as ARCA's layout is measured: text on a
//! baseline (left, right or centre aligned), rectangles and lines.

use krilla::{
    color::luma,
    geom::{Path, PathBuilder, Point, Rect, Transform},
    num::NormalizedF32,
    paint::{Fill, FillRule, Stroke},
    surface::Surface,
};

use crate::text::{Fonts, Weight};

/// Where `x` sits on a line of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
    Centre,
}

/// A font weight and size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    pub(crate) weight: Weight,
    pub(crate) size: f32,
}

/// Regular text at `size` points.
pub(crate) const fn regular(size: f32) -> Style {
    Style {
        weight: Weight::Regular,
        size,
    }
}

/// Bold text at `size` points.
pub(crate) const fn bold(size: f32) -> Style {
    Style {
        weight: Weight::Bold,
        size,
    }
}

/// A page's surface with the fonts to write on it.
pub(crate) struct Canvas<'s, 'p> {
    surface: &'s mut Surface<'p>,
    pub(crate) fonts: &'static Fonts,
}

impl<'s, 'p> Canvas<'s, 'p> {
    pub(crate) fn new(surface: &'s mut Surface<'p>, fonts: &'static Fonts) -> Self {
        Self { surface, fonts }
    }

    /// Writes `text` on the baseline `y`; returns the x where it ends.
    pub(crate) fn text(&mut self, x: f32, y: f32, text: &str, style: Style, align: Align) -> f32 {
        let face = self.fonts.face(style.weight);
        let width = face.width(text, style.size);
        let start = match align {
            Align::Left => x,
            Align::Right => x - width,
            Align::Centre => x - width / 2.0,
        };
        if !text.is_empty() {
            self.surface.set_fill(Some(gray(0)));
            self.surface.set_stroke(None);
            self.surface.draw_glyphs(
                Point::from_xy(start, y),
                &face.glyphs(text),
                face.font.clone(),
                text,
                style.size,
                false,
            );
        }
        start + width
    }

    /// Left-aligned text.
    pub(crate) fn left(&mut self, x: f32, y: f32, text: &str, style: Style) -> f32 {
        self.text(x, y, text, style, Align::Left)
    }

    /// Right-aligned text ending at `x`.
    pub(crate) fn right(&mut self, x: f32, y: f32, text: &str, style: Style) {
        self.text(x, y, text, style, Align::Right);
    }

    /// Lines of text, the first on the baseline `y`, each `leading` points below the last.
    pub(crate) fn paragraph(
        &mut self,
        x: f32,
        y: f32,
        lines: &[String],
        style: Style,
        leading: f32,
    ) {
        for (index, line) in lines.iter().enumerate() {
            self.left(x, y + leading * index as f32, line, style);
        }
    }

    /// A bold label and, after a space, its regular value; returns the x where the value ends.
    pub(crate) fn pair(&mut self, x: f32, y: f32, label: &str, value: &str, size: f32) -> f32 {
        let end = self.left(x, y, label, bold(size));
        self.left(end + size * 0.3, y, value, regular(size))
    }

    /// The outline of the rectangle from (x0, y0) to (x1, y1).
    pub(crate) fn frame(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, line_width: f32) {
        if let Some(path) = rect_path(x0, y0, x1, y1) {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                width: line_width,
                ..Stroke::default()
            }));
            self.surface.draw_path(&path);
        }
    }

    /// The rectangle from (x0, y0) to (x1, y1), filled with a gray (0 black, 255 white) and
    /// outlined.
    pub(crate) fn shaded(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, lightness: u8) {
        if let Some(path) = rect_path(x0, y0, x1, y1) {
            self.surface.set_fill(Some(gray(lightness)));
            self.surface.set_stroke(Some(Stroke {
                width: 0.5,
                ..Stroke::default()
            }));
            self.surface.draw_path(&path);
        }
    }

    /// A straight line.
    pub(crate) fn line(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, line_width: f32) {
        let mut builder = PathBuilder::new();
        builder.move_to(x0, y0);
        builder.line_to(x1, y1);
        if let Some(path) = builder.finish() {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                width: line_width,
                ..Stroke::default()
            }));
            self.surface.draw_path(&path);
        }
    }

    /// Fills a path black with no outline, its units `scale` points, its origin at (x, y): the
    /// QR's modules, drawn in whole modules so the content stream stays small.
    pub(crate) fn fill_black(&mut self, path: &Path, x: f32, y: f32, scale: f32) {
        self.surface
            .push_transform(&Transform::from_row(scale, 0.0, 0.0, scale, x, y));
        self.surface.set_fill(Some(gray(0)));
        self.surface.set_stroke(None);
        self.surface.draw_path(path);
        self.surface.pop();
    }
}

fn gray(lightness: u8) -> Fill {
    Fill {
        paint: luma::Color::new(lightness).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

fn rect_path(x0: f32, y0: f32, x1: f32, y1: f32) -> Option<Path> {
    let mut builder = PathBuilder::new();
    builder.push_rect(Rect::from_ltrb(x0, y0, x1, y1)?);
    builder.finish()
}
