//! Sanitisation: PHI planted outside the page content (Info, XMP, annotations, form field
//! values and appearances, an embedded file, JavaScript, bookmarks) must be nowhere in the
//! output — not in extracted text, not in any decompressed stream or string.

mod common;

use common::*;
use deid_devtools::testpdf::{self, DocSpec, FontKind, Line, PageSpec};

fn contains(h: &[u8], n: &str) -> bool {
    let n = n.to_ascii_lowercase();
    h.windows(n.len()).any(|w| w == n.as_bytes())
}

#[test]
fn metadata_annotations_forms_files_scripts_outlines_are_removed() {
    let secret = "Quentin Abernathy-Rolle";
    let spec = DocSpec {
        pages: vec![PageSpec {
            lines: vec![
                Line::new("Clinic note", 72.0, 740.0, 16.0, FontKind::HelveticaBold),
                Line::new(
                    "The visit was uneventful and the wound is healing.",
                    72.0,
                    700.0,
                    11.0,
                    FontKind::Helvetica,
                ),
            ],
            kerned_tj: false,
        }],
        info_title: Some(format!("Record of {secret}")),
        info_author: Some(secret.into()),
        xmp: Some(format!("Patient {secret}")),
        annotation_text: Some(secret.into()),
        form_field_value: Some(secret.into()),
        attachment_text: Some(format!("{secret} lab export")),
        javascript: Some(format!("app.alert('{secret}');")),
        outline_title: Some(secret.into()),
        ..DocSpec::default()
    };
    let input = testpdf::build(&spec);
    assert!(
        contains(&everything(&input), "Abernathy"),
        "fixture must carry the PHI"
    );
    let p = process(input);
    let out = p.output.bytes();
    let everything = everything(out);
    assert!(
        !contains(&everything, "Abernathy"),
        "PHI survived somewhere in the output"
    );
    assert!(!contains(&everything, "Quentin"));
    for key in [
        "/Info",
        "/Metadata",
        "/Annots",
        "/AcroForm",
        "/EmbeddedFile",
        "/JavaScript",
        "/Outlines",
        "/OpenAction",
    ] {
        assert!(!contains(out, key), "{key} still in the output");
    }
    assert_kept(
        &text_of(&extract(out)),
        &["Clinic note", "the wound is healing"],
    );
    assert!(p.report.sanitize.info_removed);
    assert!(p.report.sanitize.annotations_removed >= 1);
}

#[test]
fn output_is_a_single_revision_with_a_fresh_id() {
    let (bytes, _) = testpdf::clinical_letter(3);
    let out = process(bytes.clone()).output.into_bytes();
    let count = |h: &[u8], n: &[u8]| h.windows(n.len()).filter(|w| *w == n).count();
    assert_eq!(count(&out, b"%%EOF"), 1);
    let id_in = lopdf::Document::load_mem(&bytes)
        .expect("in")
        .trailer
        .get(b"ID")
        .cloned()
        .ok();
    let id_out = lopdf::Document::load_mem(&out)
        .expect("out")
        .trailer
        .get(b"ID")
        .cloned()
        .ok();
    assert!(id_out.is_some());
    assert_ne!(id_in, id_out);
}

/// Moved from a unit test of `deid_core::sanitize` (the ICC builder lives in deid-devtools).
#[test]
fn icc_text_tags_are_blanked_and_the_tag_table_kept() {
    use deid_core::sanitize::blank_icc_text;

    let name = "Wilhelmina Castellanos";
    let icc = testpdf::icc_profile_with_text(name);
    let out = blank_icc_text(&icc).expect("blanked");
    assert_eq!(out.len(), icc.len());
    assert_eq!(out[..132 + 36], icc[..132 + 36], "header and tag table");
    let has = |d: &[u8], n: &[u8]| d.windows(n.len()).any(|w| w == n);
    assert!(has(&icc, name.as_bytes()));
    assert!(!has(&out, b"Castellanos") && !has(&out, b"Copyright"));
    let utf16: Vec<u8> = "Castellanos"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    assert!(has(&icc, &utf16) && !has(&out, &utf16));
    // the type signatures stay
    assert!(has(&out, b"desc") && has(&out, b"text") && has(&out, b"mluc"));
    assert!(blank_icc_text(&out).is_none(), "nothing left to blank");
    assert!(blank_icc_text(b"not an icc profile").is_none());
}
