//! The RG 4892 QR, drawn as vector rectangles: one per run of dark modules in a row, all in one
//! path, so it prints sharp at any size and weighs a few kilobytes.

use krilla::geom::{Path, PathBuilder, Rect};
use qrcode::{Color, EcLevel, QrCode};

/// A rectangle of dark modules: left column, top row, columns after the last, rows below the last.
type Block = (usize, usize, usize, usize);

/// The dark modules of the QR for `data` as rectangles, in modules: each row's runs, a run merged
/// with the same run in the rows above it. Returns the code's width and the rectangles.
pub(crate) fn blocks(data: &str) -> Result<(usize, Vec<Block>), qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L)?;
    let width = code.width();
    let mut done = Vec::new();
    let mut open: Vec<Block> = Vec::new();
    for row in 0..width {
        let mut next = Vec::new();
        let mut column = 0;
        while column < width {
            if code[(column, row)] != Color::Dark {
                column += 1;
                continue;
            }
            let start = column;
            while column < width && code[(column, row)] == Color::Dark {
                column += 1;
            }
            let above = open.iter().position(|b| (b.0, b.2) == (start, column));
            next.push(match above {
                Some(index) => {
                    let block = open.swap_remove(index);
                    (block.0, block.1, block.2, row + 1)
                }
                None => (start, row, column, row + 1),
            });
        }
        done.append(&mut open);
        open = next;
    }
    done.append(&mut open);
    done.sort_unstable();
    Ok((width, done))
}

/// The QR for `data` as one path in modules, and its width in modules: the caller scales it to
/// the size it prints and leaves the quiet zone around it blank.
pub(crate) fn path(data: &str) -> Result<(usize, Option<Path>), qrcode::types::QrError> {
    let (width, blocks) = blocks(data)?;
    let mut builder = PathBuilder::new();
    for (left, top, right, bottom) in blocks {
        let [left, top, right, bottom] = [left, top, right, bottom].map(|n| n as f32);
        if let Some(rect) = Rect::from_ltrb(left, top, right, bottom) {
            builder.push_rect(rect);
        }
    }
    Ok((width, builder.finish()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://www.afip.gob.ar/fe/qr/?p=e30=";

    #[test]
    fn covers_exactly_the_dark_modules_once() {
        let (width, blocks) = blocks(URL).expect("a short url fits");
        assert_eq!((width - 17) % 4, 0, "a qr is 17 + 4 × version modules wide");
        let code = QrCode::with_error_correction_level(URL.as_bytes(), EcLevel::L).expect("fits");
        let mut covered = vec![0; width * width];
        for &(left, top, right, bottom) in &blocks {
            for row in top..bottom {
                for column in left..right {
                    covered[row * width + column] += 1;
                }
            }
        }
        for row in 0..width {
            for column in 0..width {
                let dark = usize::from(code[(column, row)] == Color::Dark);
                assert_eq!(
                    covered[row * width + column],
                    dark,
                    "module ({column}, {row})"
                );
            }
        }
        // The top-left finder pattern's outer ring: a 7-module bar on top, merged columns below.
        assert!(
            blocks.contains(&(0, 0, 7, 1)) && blocks.contains(&(0, 1, 1, 6)),
            "{blocks:?}"
        );
    }

    #[test]
    fn refuses_data_too_long_for_a_qr() {
        assert!(path(&"9".repeat(8000)).is_err());
    }
}
