//! The same clinic letter (fabricated PHI) written by five PDF producers —
//! Chromium "print to PDF" (Skia), LibreOffice, wkhtmltopdf (Qt), reportlab and
//! groff → Ghostscript (`scripts/make-producer-fixtures.sh`; the planted PHI and the
//! clinical text that must stay are in `tests/fixtures/producers/manifest.json`).
//! Each must come out as a true PDF: no page rasterised, every planted identifier gone
//! from the re-extracted text, the clinical text still there and unmoved.

mod common;

use common::{assert_gone, assert_kept, assert_survivors_within, extract, process, text_of};

fn fixtures() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/producers")
}

fn manifest() -> serde_json::Value {
    let m = std::fs::read(fixtures().join("manifest.json")).expect("manifest");
    serde_json::from_slice(&m).expect("manifest json")
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| s.as_str().expect("string").to_string())
        .collect()
}

fn check(file: &str) {
    let m = manifest();
    let phi = strings(&m["phi"]);
    let kept = strings(&m["kept"]);
    let kept: Vec<&str> = kept.iter().map(String::as_str).collect();
    let pdf = std::fs::read(fixtures().join(file)).expect("fixture");
    let before = extract(&pdf);
    // the fixture really holds what the test removes
    let input = text_of(&before);
    assert_kept(&input, &kept);
    let p = process(pdf);
    assert!(
        p.report.rasterised_pages.is_empty(),
        "{file}: pages written as images: {:?}",
        p.report.raster_reasons
    );
    let after = extract(p.output.bytes());
    let text = text_of(&after);
    assert_gone(&text, &phi);
    assert_kept(&text, &kept);
    // the gate's tolerance (see `assert_survivors_within` on pdfium's whole-unit widths)
    assert_survivors_within(&before, &after, &[], 0.5);
}

#[test]
fn chromium_skia() {
    check("chromium-skia.pdf");
}

#[test]
fn libreoffice() {
    check("libreoffice.pdf");
}

#[test]
fn wkhtmltopdf_qt() {
    check("wkhtmltopdf.pdf");
}

#[test]
fn reportlab() {
    check("reportlab.pdf");
}

#[test]
fn ghostscript() {
    check("ghostscript.pdf");
}

/// The manifest names each file's producer, and the files were written by them.
#[test]
fn fixtures_come_from_five_producers() {
    let m = manifest();
    let producers = m["producers"].as_object().expect("producers");
    assert_eq!(producers.len(), 5);
    for (file, producer) in producers {
        let bytes = std::fs::read(fixtures().join(file)).expect("fixture");
        // the Info dictionary's /Producer: plain, UTF-16BE, or UTF-16BE as a hex string
        let want = producer.as_str().expect("string");
        let utf16: Vec<u8> = want.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let hex: String = std::iter::once("FEFF".to_string())
            .chain(utf16.iter().map(|b| format!("{b:02X}")))
            .collect();
        let has = |n: &[u8]| bytes.windows(n.len()).any(|w| w == n);
        assert!(
            has(want.as_bytes()) || has(&utf16) || has(hex.as_bytes()),
            "{file} does not name its producer"
        );
    }
}
