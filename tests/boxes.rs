//! Detection boxes sit on the glyphs they cover: for PDFs from several producers and a
//! generated letter (and the JSL clinical PDFs when the shared corpus is present), every
//! glyph whose centre lies in a reported detection box has all its ink — pdfium's tight
//! glyph box — inside that box (0.5 pt of tolerance), so no box stops inside a letter.
//! The reports come from `pdf-deid run` (its own process); this process reads the
//! originals with pdfium directly.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use pdfium_render::prelude::*;

/// Run the CLI over `inputs` (copied into one folder) and return (input, report) pairs.
fn reports(inputs: &[PathBuf], dir: &Path) -> Vec<(PathBuf, serde_json::Value)> {
    let input = dir.join("in");
    std::fs::create_dir_all(&input).expect("mkdir");
    for (i, f) in inputs.iter().enumerate() {
        std::fs::copy(f, input.join(format!("{i:03}.pdf"))).expect("copy");
    }
    let out = dir.join("out");
    let r = Command::new(env!("CARGO_BIN_EXE_pdf-deid"))
        .arg("run")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .args(["--ner-model", "none", "--json"])
        .output()
        .expect("run");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    (0..inputs.len())
        .filter_map(|i| {
            let rep = out.join(format!("{i:03}.pdf.deid.json"));
            let v = serde_json::from_slice(&std::fs::read(rep).ok()?).ok()?;
            Some((input.join(format!("{i:03}.pdf")), v))
        })
        .collect()
}

/// Glyphs checked and the worst overshoot (points) of a glyph's ink beyond the box that
/// holds its centre, with where it happened.
fn check(pdfium: &Pdfium, pdf: &Path, report: &serde_json::Value) -> (usize, f32, String) {
    let doc = pdfium.load_pdf_from_file(pdf, None).expect("open");
    let (mut checked, mut worst, mut at) = (0, 0f32, String::new());
    let entities = report["report"]["entities"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (pi, page) in doc.pages().iter().enumerate() {
        let text = page.text().expect("text");
        let chars = text.chars();
        let boxes: Vec<[f32; 4]> = entities
            .iter()
            .filter(|e| e["page"].as_u64() == Some(pi as u64))
            .flat_map(|e| e["rects"].as_array().cloned().unwrap_or_default())
            .map(|r| {
                let f = |k: &str| r[k].as_f64().unwrap_or(0.0) as f32;
                [f("x0"), f("y0"), f("x1"), f("y1")]
            })
            .collect();
        for ch in chars.iter() {
            if ch.is_generated().unwrap_or(true)
                || ch.unicode_char().is_none_or(char::is_whitespace)
            {
                continue;
            }
            let Ok(t) = ch.tight_bounds() else { continue };
            let (l, b, r, tp) = (
                t.left().value,
                t.bottom().value,
                t.right().value,
                t.top().value,
            );
            let (cx, cy) = ((l + r) / 2.0, (b + tp) / 2.0);
            for bx in &boxes {
                if bx[0] <= cx && cx <= bx[2] && bx[1] <= cy && cy <= bx[3] {
                    checked += 1;
                    let over = (bx[0] - l).max(r - bx[2]).max(bx[1] - b).max(tp - bx[3]);
                    if over > worst {
                        worst = over;
                        at = format!("{} page {pi}", pdf.display());
                    }
                }
            }
        }
    }
    (checked, worst, at)
}

#[test]
fn detection_boxes_cover_the_ink_of_their_glyphs() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/producers"),
    )
    .expect("fixtures")
    .filter_map(|e| e.ok().map(|e| e.path()))
    .filter(|p| p.extension().is_some_and(|x| x == "pdf"))
    .collect();
    let letter = dir.path().join("letter.pdf");
    std::fs::write(&letter, deid_devtools::testpdf::clinical_letter(7).0).expect("w");
    inputs.push(letter);
    match common::corpus_dir() {
        Some(c) => inputs.extend(
            std::fs::read_dir(c.join("deid/jsl-text"))
                .expect("jsl")
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "pdf")),
        ),
        None => common::skip("corpus", "../shared/corpus missing: JSL PDFs not checked"),
    }
    inputs.sort();
    let lib = deid_core::pdfium::find_library(None).expect("libpdfium (scripts/setup.sh)");
    let pdfium = Pdfium::new(Pdfium::bind_to_library(&lib).expect("bind"));
    let done = reports(&inputs, dir.path());
    assert_eq!(done.len(), inputs.len(), "a document failed");
    let (mut checked, mut worst, mut at) = (0, 0f32, String::new());
    for (pdf, report) in &done {
        let (n, w, a) = check(&pdfium, pdf, report);
        checked += n;
        if w > worst {
            (worst, at) = (w, a);
        }
    }
    println!("{checked} glyphs under detection boxes, worst overshoot {worst:.2} pt");
    assert!(checked > 100, "only {checked} glyphs under detection boxes");
    assert!(
        worst <= 0.5,
        "a glyph's ink runs {worst:.2} pt beyond its detection box ({at}); {checked} glyphs checked"
    );
}
