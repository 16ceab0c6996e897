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

/// A test that cannot run here. Without `PDF_DEID_REQUIRE` naming `resource` it prints a
/// notice past the test harness's capture (so a skip is visible in `cargo test` output) and
/// returns; when the variable names it (`make test` sets it for every resource it expects:
/// `corpus`, `encoder`, `netns`, `tmpfs`, `e2e`) the skip is a failure.
pub fn skip(resource: &str, why: &str) {
    use std::io::Write;
    let required = std::env::var("PDF_DEID_REQUIRE").unwrap_or_default();
    if required.split(',').any(|r| r.trim() == resource) {
        panic!("PDF_DEID_REQUIRE={required} names '{resource}', but {why}");
    }
    let _ = writeln!(std::io::stderr(), "NOTICE: test skipped: {why}");
}

/// Where scripts/setup.sh puts the NER base encoder.
pub fn encoder_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/minilm")
}

/// Whether the NER base encoder was fetched (scripts/setup.sh).
pub fn encoder_present() -> bool {
    encoder_path().join("model.safetensors").is_file()
}

/// The engine `pdf-deid run` uses by default: rules + the learned heading classifier + the
/// NER model (the combined detector), built once per test binary. Without the fetched
/// encoder it is the rules + headings engine, after a `skip("encoder")` notice.
pub fn engine() -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| {
        let ner = if encoder_present() {
            None
        } else {
            skip(
                "encoder",
                "models/minilm missing (run scripts/setup.sh): the rules-only detector stands in for the default",
            );
            Some("none")
        };
        deid_core::engine::engine_with_models(Config::safe_harbor(), 2, None, ner)
            .expect("default engine")
    })
}

/// Rules only (no heading model, no NER): for tests labelled as checking the rule
/// detector alone.
pub fn rules_engine() -> Engine {
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

/// [`text_of`] with every run of white space one space, and a space at each end (so
/// `" 2021 "` matches a whole word).
pub fn spaced_text(ex: &Extracted) -> String {
    format!(
        " {} ",
        text_of(ex).split_whitespace().collect::<Vec<_>>().join(" ")
    )
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
    assert_survivors_unmoved_except(before, after, &[]);
}

/// [`assert_survivors_unmoved`] on every page not listed in `rasterised` (a rasterised
/// page has no text layer to compare).
pub fn assert_survivors_unmoved_except(
    before: &Extracted,
    after: &Extracted,
    rasterised: &[usize],
) {
    assert_survivors_within(before, after, rasterised, 0.01);
}

/// [`assert_survivors_unmoved_except`] with a tolerance in points. pdfium keeps a simple
/// or CID font's widths as whole thousandths of an em while the rewriter removes a run
/// with the exact `/Widths` numbers (as the PDF specification and other readers do): for
/// fonts with fractional widths (reportlab's and Skia's embedded subsets) pdfium places a
/// glyph after a removed run up to 1/1000 em per removed glyph away from where it
/// placed it before. The verification gate allows 0.5 pt.
pub fn assert_survivors_within(
    before: &Extracted,
    after: &Extracted,
    rasterised: &[usize],
    tolerance: f32,
) {
    assert_eq!(before.pages.len(), after.pages.len());
    for (b, a) in before.pages.iter().zip(&after.pages) {
        if rasterised.contains(&b.index) {
            continue;
        }
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
                    && (o.loose.x0 - g.loose.x0).abs() < tolerance
                    && (o.loose.y0 - g.loose.y0).abs() < tolerance
            };
            while i < bs.len() && !same(bs[i]) {
                i += 1;
            }
            assert!(
                i < bs.len(),
                "page {}: output glyph {:?} at ({:.2}, {:.2}) is not at any input position (moved or new)",
                b.index,
                g.ch,
                g.loose.x0,
                g.loose.y0
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
        skip("corpus", "../shared/corpus not found");
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

/// A one-page letter whose lines each policy treats differently (name, date, UK
/// address and postcode, UK phone, US town and ZIP, a facility, clinical text).
pub fn policy_letter() -> Vec<u8> {
    use deid_devtools::testpdf::{self, DocSpec, FontKind, Line, PageSpec};
    let f = FontKind::Helvetica;
    let lines = [
        "Patient: Margaret Okafor",
        "Date of visit: 03/14/2021",
        "Address: 14 Elmfield Row, Harrogate HG1 4PQ",
        "Tel: 01632 960634",
        "Previously lived in Springfield, IL 62704.",
        "Handed over to Bellweather at the change of shift.",
        "Transferred from Mercy Hospital for chest pain.",
        "The patient reports chest pain and was given aspirin.",
    ];
    let lines = lines
        .iter()
        .enumerate()
        .map(|(i, t)| Line::new(*t, 72.0, 720.0 - 16.0 * i as f32, 11.0, f))
        .collect();
    testpdf::build(&DocSpec {
        pages: vec![PageSpec {
            lines,
            kerned_tj: false,
        }],
        ..DocSpec::default()
    })
}
