//! The Debian tools that read a PDF as a person would: `pdftotext` and `pdftoppm` (poppler-utils),
//! `zbarimg` (zbar-tools) and `qpdf`, installed by `ops/lib.sh`'s `ensure_pdf_tools`. When one
//! is missing the test says so and returns, unless `ARCA_REQUIRE_PDF_TOOLS=1` (as `ops/test`
//! sets), which makes it fail.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use documents::{Template, Voucher};
use tempfile::TempDir;

/// Whether every tool in `tools` runs here; fails when they are required.
pub fn available(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|tool| Command::new(tool).arg("-v").output().is_err())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let required = std::env::var("ARCA_REQUIRE_PDF_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "ARCA_REQUIRE_PDF_TOOLS=1 but {missing:?} cannot run (run ops/test, or \
         `. ops/lib.sh; ensure_pdf_tools`)"
    );
    eprintln!(
        "{missing:?} not installed: skipped (ops/test installs poppler-utils, zbar-tools, qpdf)"
    );
    false
}

/// A rendered voucher written to a scratch directory.
pub struct Rendered {
    pub path: PathBuf,
    dir: TempDir,
}

pub fn render(voucher: &Voucher) -> Rendered {
    let bytes = documents::render(voucher, Template::CURRENT).expect("the voucher renders");
    let dir = tempfile::tempdir().expect("a scratch directory");
    let path = dir.path().join("voucher.pdf");
    std::fs::write(&path, &bytes).expect("the pdf is written");
    Rendered { path, dir }
}

fn run(command: &mut Command) -> String {
    let output = command.output().expect("the tool runs");
    assert!(
        output.status.success(),
        "{command:?} failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the tool writes utf-8")
}

impl Rendered {
    /// The text of every page, laid out as on paper (`pdftotext -layout`).
    pub fn text(&self) -> String {
        run(Command::new("pdftotext")
            .arg("-layout")
            .arg(&self.path)
            .arg("-"))
    }

    /// The text of one page (1-based).
    pub fn page_text(&self, page: usize) -> String {
        let page = page.to_string();
        run(Command::new("pdftotext")
            .args(["-layout", "-f", &page, "-l", &page])
            .arg(&self.path)
            .arg("-"))
    }

    /// How many pages it has, as pdftotext counts them (a form feed ends each page).
    pub fn pages(&self) -> usize {
        self.text().matches('\u{c}').count()
    }

    /// Page `page` as a PNG at `dpi`, written to `out` (without its `.png`).
    pub fn png(&self, page: usize, dpi: u32, out: &Path) -> PathBuf {
        let page = page.to_string();
        run(Command::new("pdftoppm")
            .args([
                "-r",
                &dpi.to_string(),
                "-png",
                "-singlefile",
                "-f",
                &page,
                "-l",
                &page,
            ])
            .arg(&self.path)
            .arg(out));
        out.with_extension("png")
    }

    /// What `zbarimg` reads on page `page`, rasterized at 150 dpi.
    pub fn qr_codes(&self, page: usize) -> Vec<String> {
        let png = self.png(page, 150, &self.dir.path().join(format!("page-{page}")));
        run(Command::new("zbarimg").args(["--raw", "-q"]).arg(png))
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// `qpdf --check`'s verdict.
    pub fn check(&self) -> String {
        run(Command::new("qpdf").arg("--check").arg(&self.path))
    }

    /// Page 1's words with their boxes (`pdftotext -bbox`), in reading order.
    pub fn words(&self) -> Vec<Word> {
        let html = run(Command::new("pdftotext")
            .args(["-bbox", "-f", "1", "-l", "1"])
            .arg(&self.path)
            .arg("-"));
        html.split("<word ")
            .skip(1)
            .filter_map(Word::parse)
            .collect()
    }
}

/// A word on the page and its box, in points from the top-left corner.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Word {
    pub text: String,
    pub x_min: f64,
    pub y_min: f64,
    pub x_max: f64,
    pub y_max: f64,
}

impl Word {
    /// Reads `xMin="…" yMin="…" xMax="…" yMax="…">text</word>`.
    fn parse(tag: &str) -> Option<Self> {
        let attribute = |name: &str| -> Option<f64> {
            let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
            let end = start + tag[start..].find('"')?;
            tag[start..end].parse().ok()
        };
        let text_start = tag.find('>')? + 1;
        let text_end = text_start + tag[text_start..].find("</word>")?;
        let round = |value: f64| (value * 10.0).round() / 10.0;
        Some(Self {
            text: unescape(&tag[text_start..text_end]),
            x_min: round(attribute("xMin")?),
            y_min: round(attribute("yMin")?),
            x_max: round(attribute("xMax")?),
            y_max: round(attribute("yMax")?),
        })
    }
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}
