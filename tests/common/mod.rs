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

/// Every byte a reader could get at, lower-cased: the raw file, every string (UTF-16BE
/// text strings decoded too), every name and key, every decompressed stream.
pub fn everything(pdf: &[u8]) -> Vec<u8> {
    use lopdf::Object;
    let doc = lopdf::Document::load_mem(pdf).expect("output parses");
    let mut out = pdf.to_vec();
    fn walk(o: &Object, out: &mut Vec<u8>) {
        match o {
            Object::String(s, _) => {
                out.extend_from_slice(s);
                if s.len() >= 2 && s[0] == 0xFE && s[1] == 0xFF {
                    let u: Vec<u16> = s[2..]
                        .chunks_exact(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]))
                        .collect();
                    out.extend(String::from_utf16_lossy(&u).bytes());
                }
            }
            Object::Name(n) => out.extend_from_slice(n),
            Object::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Object::Dictionary(d) => d.iter().for_each(|(k, v)| {
                out.extend_from_slice(k);
                walk(v, out)
            }),
            Object::Stream(s) => {
                s.dict.iter().for_each(|(_, v)| walk(v, out));
                out.extend(
                    s.decompressed_content()
                        .unwrap_or_else(|_| s.content.clone()),
                );
            }
            _ => {}
        }
    }
    for o in doc.objects.values() {
        walk(o, &mut out);
    }
    out.to_ascii_lowercase()
}
