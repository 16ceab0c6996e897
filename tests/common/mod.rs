//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use deid_core::pdfium::{self, ExtractLimits, Extracted, PdfiumService};
use deid_core::types::Glyph;
use deid_core::verify::normalise;
use deid_core::{Config, Engine, Processed};

pub const LIMITS: ExtractLimits = ExtractLimits {
    max_pages: 1000,
    max_chars_per_page: 1_000_000,
};

pub fn pdfium() -> PdfiumService {
    pdfium::service(None).expect("libpdfium.so: run scripts/setup.sh first")
}

pub fn engine() -> Engine {
    Engine::new(Config::safe_harbor(), 2).expect("engine")
}

pub fn extract(bytes: &[u8]) -> Extracted {
    pdfium()
        .extract(Arc::new(bytes.to_vec()), None, LIMITS)
        .expect("extract")
}

pub fn text_of(ex: &Extracted) -> String {
    ex.pages
        .iter()
        .map(|p| p.glyphs.iter().map(|g| g.ch).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn process(bytes: Vec<u8>) -> Processed {
    engine().process_pdf(&pdfium(), bytes).expect("process")
}

/// Assert the PHI is gone from the re-extracted output (normalised, word boundaries).
pub fn assert_gone(out_text: &str, phi: &[String]) {
    let hay = format!(" {} ", normalise(out_text));
    for p in phi {
        let n = normalise(p);
        assert!(
            !hay.contains(&format!(" {n} ")),
            "planted PHI #{} survived in the output",
            phi.iter().position(|x| x == p).unwrap_or(0)
        );
    }
}

/// Assert every listed non-PHI word is still in the output.
pub fn assert_kept(out_text: &str, words: &[&str]) {
    let hay = normalise(out_text);
    for w in words {
        assert!(hay.contains(&normalise(w)), "non-PHI text '{w}' was lost");
    }
}

/// Every glyph of the output is found, in order, in the input at the same position (±0.01 pt).
pub fn assert_survivors_unmoved(before: &Extracted, after: &Extracted) {
    assert_eq!(before.pages.len(), after.pages.len());
    for (b, a) in before.pages.iter().zip(&after.pages) {
        let real = |g: &&Glyph| !g.generated && !g.ch.is_whitespace();
        let bs: Vec<&Glyph> = b.glyphs.iter().filter(real).collect();
        let as_: Vec<&Glyph> = a.glyphs.iter().filter(real).collect();
        assert!(
            !as_.is_empty() || bs.is_empty(),
            "page {} lost all its text",
            b.index
        );
        let mut i = 0;
        for g in as_ {
            let same = |o: &Glyph| {
                o.ch == g.ch
                    && (o.loose.x0 - g.loose.x0).abs() < 0.01
                    && (o.loose.y0 - g.loose.y0).abs() < 0.01
            };
            while i < bs.len() && !same(bs[i]) {
                i += 1;
            }
            assert!(
                i < bs.len(),
                "page {}: output glyph {:?} is not at any input position (moved or new)",
                b.index,
                g.ch
            );
            i += 1;
        }
    }
}

pub fn corpus_dir() -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if p.is_dir() {
        Some(p)
    } else {
        println!("NOTICE: ../shared/corpus not found; corpus tests skipped");
        None
    }
}
