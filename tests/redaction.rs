//! Redaction end to end on generated fixtures. Each test re-extracts the output with
//! pdfium and checks that (1) the planted PHI is gone, (2) the other text is still there,
//! (3) surviving glyphs did not move, (4) the output passed the verification gate (it
//! exists at all only if it did).

mod common;

use common::*;
use deid_devtools::testpdf::{self, DocSpec, FontKind, Line, PageSpec};

fn letter_in(font: FontKind, kerned: bool) -> (Vec<u8>, Vec<String>) {
    let lines = vec![
        Line::new(
            "Discharge Summary",
            72.0,
            740.0,
            16.0,
            FontKind::HelveticaBold,
        ),
        Line::new("Patient: Margaret Ellison", 72.0, 700.0, 11.0, font),
        Line::new("MRN: 48293017   DOB: 03/14/1962", 72.0, 684.0, 11.0, font),
        Line::new(
            "Ms. Ellison was treated for pneumonia with amoxicillin.",
            72.0,
            668.0,
            11.0,
            font,
        ),
        Line::new(
            "Call (555) 201-7788 for questions.",
            72.0,
            652.0,
            11.0,
            font,
        ),
    ];
    let spec = DocSpec {
        pages: vec![PageSpec {
            lines,
            kerned_tj: kerned,
        }],
        ..DocSpec::default()
    };
    let phi = [
        "Margaret Ellison",
        "48293017",
        "03/14/1962",
        "Ellison",
        "(555) 201-7788",
    ];
    (testpdf::build(&spec), phi.map(String::from).to_vec())
}

fn check(bytes: Vec<u8>, phi: &[String], kept: &[&str]) -> deid_core::DocReport {
    let before = extract(&bytes);
    let p = process(bytes);
    let after = extract(p.output.bytes());
    let t = text_of(&after);
    assert_gone(&t, phi);
    assert_kept(&t, kept);
    // glyph stability on every page that kept its text layer
    assert_survivors_unmoved_except(&before, &after, &p.report.rasterised_pages);
    p.report
}

const KEPT: &[&str] = &[
    "Discharge Summary",
    "Patient",
    "was treated for pneumonia with amoxicillin",
    "for questions",
];

#[test]
fn standard14_tj() {
    let (b, phi) = letter_in(FontKind::Helvetica, false);
    let r = check(b, &phi, KEPT);
    assert!(r.removed_glyphs > 20);
    assert!(r.rasterised_pages.is_empty(), "{:?}", r.raster_reasons);
}

#[test]
fn standard14_kerned_tj() {
    let (b, phi) = letter_in(FontKind::TimesRoman, true);
    let r = check(b, &phi, KEPT);
    assert!(r.rasterised_pages.is_empty(), "{:?}", r.raster_reasons);
}

#[test]
fn embedded_truetype() {
    assert!(
        testpdf::truetype_available(),
        "DejaVuSans missing: run scripts/setup.sh"
    );
    let (b, phi) = letter_in(FontKind::EmbeddedTrueType, false);
    let r = check(b, &phi, KEPT);
    assert!(r.rasterised_pages.is_empty(), "{:?}", r.raster_reasons);
}

#[test]
fn type0_identity_h_kerned() {
    assert!(
        testpdf::truetype_available(),
        "DejaVuSans missing: run scripts/setup.sh"
    );
    let (b, phi) = letter_in(FontKind::Type0Identity, true);
    let r = check(b, &phi, KEPT);
    assert!(r.rasterised_pages.is_empty(), "{:?}", r.raster_reasons);
}

#[test]
fn form_xobject_shared_by_two_pages_is_copied_before_editing() {
    let page = |t: &str| PageSpec {
        lines: vec![Line::new(t, 72.0, 700.0, 11.0, FontKind::Helvetica)],
        kerned_tj: false,
    };
    let spec = DocSpec {
        pages: vec![
            page("Progress note, page one of the record."),
            page("Progress note, page two of the record."),
        ],
        shared_form_xobject: Some("Patient: Henrietta Vasquez-Oduya  MRN: 55120934".into()),
        ..DocSpec::default()
    };
    let bytes = testpdf::build(&spec);
    let phi = [
        "Henrietta Vasquez-Oduya".to_string(),
        "55120934".to_string(),
    ];
    let r = check(
        bytes,
        &phi,
        &["Progress note, page one", "page two of the record"],
    );
    assert!(r.rasterised_pages.is_empty(), "{:?}", r.raster_reasons);
    assert_eq!(r.pages, 2);
}

#[test]
fn two_columns() {
    let (bytes, phi) = testpdf::two_column();
    let r = check(
        bytes,
        &phi,
        &[
            "chronic kidney disease",
            "Repeat renal panel before the visit",
        ],
    );
    assert!(r.entities.len() >= phi.len());
    assert!(r.rasterised_pages.is_empty(), "{:?}", r.raster_reasons);
}

#[test]
fn headings_make_blobs() {
    let bytes = testpdf::with_headings();
    let phi = ["Rosa Delgado".to_string(), "Victor Lindqvist".to_string()];
    let r = check(
        bytes,
        &phi,
        &[
            "Discharge Summary",
            "Medications",
            "Amoxicillin 875 mg",
            "Hemoglobin",
        ],
    );
    assert!(r.headings >= 3, "headings found: {}", r.headings);
    assert!(r.blobs >= 3);
}

#[test]
fn every_sample_redacts_and_verifies() {
    for (name, bytes) in deid_devtools::samples::all() {
        let p = deid_core::Engine::new(deid_core::Config::safe_harbor(), 1)
            .expect("engine")
            .process_pdf(&pdfium(), bytes);
        assert!(p.is_ok(), "sample {name} failed: {:?}", p.err());
    }
}

#[test]
fn strict_raster_policy_rasterises_pages_with_phi() {
    let (b, phi) = letter_in(FontKind::Helvetica, false);
    let eng = deid_core::Engine::new(deid_core::Config::strict_raster(), 1).expect("engine");
    let p = eng.process_pdf(&pdfium(), b).expect("process");
    assert_eq!(p.report.rasterised_pages, vec![0]);
    let why: Vec<(usize, &str)> = p
        .report
        .raster
        .iter()
        .map(|r| (r.page, r.code.as_str()))
        .collect();
    assert_eq!(why, vec![(1, "policy")], "{:?}", p.report.raster_reasons);
    let after = extract(p.output.bytes());
    let t = text_of(&after);
    assert_gone(&t, &phi);
    assert!(t.trim().is_empty(), "a rasterised page has no text layer");
}

/// The default (combined) detector on a document of many blob batches gives the same
/// entities with one and with four threads.
#[test]
fn same_result_for_one_and_many_threads() {
    let bytes = deid_devtools::samples::long_record(20);
    let ner = if encoder_present() {
        None
    } else {
        Some("none")
    };
    let run = |n| {
        let e =
            deid_core::engine::engine_with_models(deid_core::Config::safe_harbor(), n, None, ner)
                .expect("engine");
        let p = e.process_pdf(&pdfium(), bytes.clone()).expect("process");
        (
            p.report.blobs,
            serde_json::to_string(&p.report.entities).expect("json"),
        )
    };
    let (blobs, one) = run(1);
    // blobs go to the detectors in batches of 8: this document spans many batches
    assert!(blobs > 3 * 8, "only {blobs} blobs");
    assert!(one.len() > 1000);
    assert_eq!((blobs, one), run(4));
}

#[test]
fn learned_heading_classifier_finds_the_sections() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let reg = deid_core::registry::Registry::load(&dir).expect("models/registry.json");
    let cfg =
        deid_core::engine::with_heading_model(deid_core::Config::safe_harbor(), &reg, "heading-lr")
            .expect("verified model");
    let eng = deid_core::Engine::new(cfg, 1).expect("engine");
    let p = eng
        .process_pdf(&pdfium(), testpdf::with_headings())
        .expect("process");
    assert!(p.report.headings >= 3, "headings: {}", p.report.headings);
    assert!(eng
        .detector_names()
        .iter()
        .any(|d| d.starts_with("heading-lr@")));
}

/// Mark mode: the removed text is painted over in black by default and in white with
/// `mark: white`; either way the text is gone.
#[test]
fn mark_mode_sets_the_box_colour() {
    use deid_core::review::PageView;
    use deid_core::types::Rect;
    let (pdf, phi) = deid_devtools::testpdf::clinical_letter(8);
    for (mark, want) in [("black", 0u8), ("white", 255u8)] {
        let cfg = deid_core::Settings {
            mark: Some(mark.into()),
            ..deid_core::Settings::default()
        }
        .into_config()
        .expect("config");
        let p = deid_core::Engine::new(cfg, 1)
            .expect("engine")
            .process_pdf(&pdfium(), pdf.clone())
            .expect("process");
        let out = p.output.bytes().to_vec();
        assert_gone(&text_of(&extract(&out)), &phi);
        let name = p
            .report
            .entities
            .iter()
            .find(|e| e.text == phi[0])
            .expect("patient name");
        let r = name.rects[0];
        let img = pdfium()
            .render(std::sync::Arc::new(out), None, 0, 72.0)
            .expect("render");
        let view = PageView {
            visible: Rect::new(0.0, 0.0, 612.0, 792.0),
            rotate: 0,
            width_px: img.width,
            height_px: img.height,
        };
        let b = view.to_px(&r);
        let (x, y) = (
            ((b[0] + b[2]) / 2.0) as usize,
            ((b[1] + b[3]) / 2.0) as usize,
        );
        let px = &img.bgra[(y * img.width + x) * 4..][..3];
        assert!(
            px.iter().all(|c| c.abs_diff(want) < 8),
            "{mark}: pixel {px:?} at the redacted name"
        );
    }
}
