//! Text as pixels: scanned and faxed pages, text drawn as an image beside a text layer.
//! Fixtures are made here: a generated letter with planted PHI is rendered by pdfium and
//! put back as an image (grey scan at 150 dpi, or 1-bit fax at 100 dpi with speckle).
//! Each output is OCR'd again here, independently of the pipeline's own pixel gate.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use common::{assert_gone, assert_kept, extract, pdfium, process, skip, text_of};
use deid_core::ocr;
use deid_core::pdfium::Rendered;
use lopdf::{dictionary, Document, Object, Stream};

fn tesseract() -> Option<std::path::PathBuf> {
    match ocr::engine() {
        Ok(b) => Some(b),
        Err(_) => {
            skip(
                "ocr",
                "tesseract with English data is not installed (scripts/setup.sh)",
            );
            None
        }
    }
}

/// Grey pixels of page 0 of `pdf` at `dpi` (BGRA → one byte per pixel).
fn grey(pdf: &[u8], dpi: f32) -> (usize, usize, Vec<u8>) {
    let img = pdfium()
        .render(Arc::new(pdf.to_vec()), None, 0, dpi)
        .expect("render");
    let g = img
        .bgra
        .chunks_exact(4)
        .map(|p| ((p[0] as u32 + p[1] as u32 + p[2] as u32) / 3) as u8)
        .collect();
    (img.width, img.height, g)
}

/// A one-page Letter PDF drawing the grey image over the whole page, with an optional line
/// of real text at the top.
fn image_pdf(w: usize, h: usize, pixels: Vec<u8>, text: Option<&str>) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let image = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image",
            "Width" => w as i64, "Height" => h as i64,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
        },
        pixels,
    );
    let image_id = doc.add_object(image);
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let mut content = String::from("q 612 0 0 792 0 0 cm /Im0 Do Q\n");
    if let Some(t) = text {
        content.push_str(&format!("BT /F1 10 Tf 72 772 Td ({t}) Tj ET\n"));
    }
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.into_bytes()));
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
        "Contents" => content_id,
        "Resources" => dictionary! {
            "XObject" => dictionary! { "Im0" => image_id },
            "Font" => dictionary! { "F1" => font_id },
        },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page_id.into()], "Count" => 1,
        }),
    );
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog_id);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

/// The generated letter as a grey scan at 150 dpi, and its planted PHI.
fn scanned_letter(seed: u64) -> (Vec<u8>, Vec<String>) {
    let (pdf, phi) = deid_devtools::testpdf::clinical_letter(seed);
    let (w, h, g) = grey(&pdf, 150.0);
    (image_pdf(w, h, g, None), phi)
}

/// The letter as a fax: 100 dpi, black and white, with speckle.
fn faxed_letter(seed: u64) -> (Vec<u8>, Vec<String>) {
    let (pdf, phi) = deid_devtools::testpdf::clinical_letter(seed);
    let (w, h, g) = grey(&pdf, 100.0);
    let mut state = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    let bw = g
        .into_iter()
        .map(|v| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let speck = (state >> 33).is_multiple_of(400);
            if (v < 160) ^ speck {
                0
            } else {
                255
            }
        })
        .collect();
    (image_pdf(w, h, bw, None), phi)
}

/// Every word Tesseract reads on page 0 of `pdf` at 300 dpi.
fn ocr_text(bin: &std::path::Path, pdf: &[u8]) -> String {
    let img: Rendered = pdfium()
        .render(Arc::new(pdf.to_vec()), None, 0, 300.0)
        .expect("render");
    ocr::recognise(bin, &img, (300.0, 0), Duration::from_secs(120))
        .expect("ocr")
        .iter()
        .map(|w| w.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The pipeline OCR'd the page for `reason`, redacted it in its pixels, and neither the
/// output's text layer nor an independent OCR of its pixels reads any planted PHI.
fn check_redacted_in_pixels(bin: &std::path::Path, pdf: Vec<u8>, phi: &[String], reason: &str) {
    // the planted PHI reads from the input's pixels: the fixture is a fair test
    let before = ocr_text(bin, &pdf);
    assert!(
        phi.iter()
            .any(|p| deid_core::verify::normalise(&before)
                .contains(&deid_core::verify::normalise(p))),
        "OCR reads none of the planted PHI in the input"
    );
    let out = process(pdf);
    let r = &out.report;
    assert_eq!(r.ocr_pages.len(), 1, "{:?}", r.ocr_pages);
    assert_eq!(r.ocr_pages[0].reason, reason);
    assert!(r.ocr_pages[0].words > 30 && r.ocr_pages[0].mean_confidence > 60.0);
    assert_eq!(r.rasterised_pages, vec![0], "{:?}", r.raster_reasons);
    assert!(r.pixel_checked_pages.contains(&0));
    assert!(
        r.image_only_pages.is_empty(),
        "an OCR'd page counts as searched"
    );
    let bytes = out.output.into_bytes();
    // the invisible text layer: searchable, without the redacted words
    let layer = text_of(&extract(&bytes));
    assert_gone(&layer, phi);
    assert_kept(&layer, &["hypertension", "metformin", "medication"]);
    // the pixels: an independent OCR of the output
    let after = ocr_text(bin, &bytes);
    assert_gone(&after, phi);
    assert_kept(&after, &["hypertension", "metformin"]);
}

#[test]
fn scanned_letter_is_ocrd_redacted_in_its_pixels_and_stays_searchable() {
    let Some(bin) = tesseract() else { return };
    let (pdf, phi) = scanned_letter(3);
    check_redacted_in_pixels(&bin, pdf, &phi, "scan");
}

#[test]
fn faxed_letter_is_ocrd_and_redacted_in_its_pixels() {
    let Some(bin) = tesseract() else { return };
    let (pdf, phi) = faxed_letter(5);
    check_redacted_in_pixels(&bin, pdf, &phi, "scan");
}

#[test]
fn text_drawn_as_an_image_beside_a_text_layer_is_found() {
    let Some(bin) = tesseract() else { return };
    let (pdf, phi) = deid_devtools::testpdf::clinical_letter(4);
    let (w, h, g) = grey(&pdf, 150.0);
    let pdf = image_pdf(w, h, g, Some("Attachment received by the records office"));
    check_redacted_in_pixels(&bin, pdf, &phi, "image");
}

#[test]
fn the_pixel_gate_reads_a_string_back_from_pixels() {
    let Some(_) = tesseract() else { return };
    let (pdf, phi) = scanned_letter(3);
    // a plan that redacts the patient's name, checked against the unredacted scan
    let mut plan = deid_core::plan::RedactionPlan::default();
    plan.strings.push(phi[0].clone());
    let geo = ocr::geometry(&pdf, None).expect("geometry");
    let hits = ocr::read_back(
        &ocr::OcrConfig::standard(),
        &pdfium(),
        &pdf,
        &geo,
        &BTreeSet::from([0]),
        &plan,
    )
    .expect("gate");
    assert_eq!(hits.len(), 1, "the name must read back from the scan");
    let (page, boxes) = &hits[0];
    assert_eq!(*page, 0);
    // the name is on two lines of the letter; its boxes sit on the page
    assert!(boxes.len() >= 2);
    assert!(boxes
        .iter()
        .all(|b| b.x0 >= 0.0 && b.x1 <= 612.0 && b.y0 >= 0.0 && b.y1 <= 792.0));
}

#[test]
fn text_drawn_as_vector_outlines_is_ocrd_and_redacted() {
    let Some(bin) = tesseract() else { return };
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let pdf = std::fs::read(dir.join("outlines/letter-outlines.pdf")).expect("fixture");
    let m: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("producers/manifest.json")).expect("manifest"),
    )
    .expect("manifest json");
    let list = |k: &str| -> Vec<String> {
        m[k].as_array()
            .expect("list")
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    };
    let (phi, kept) = (list("phi"), list("kept"));
    // no text layer: only the pixels hold the letter
    assert!(text_of(&extract(&pdf)).trim().is_empty());
    let out = process(pdf);
    let r = &out.report;
    assert_eq!(r.ocr_pages.len(), 2, "{:?}", r.ocr_pages);
    assert!(r
        .ocr_pages
        .iter()
        .all(|o| o.reason == "vector" && o.mean_confidence > 80.0));
    let bytes = out.output.into_bytes();
    let mut read = String::new();
    for page in 0..2 {
        let img = pdfium()
            .render(Arc::new(bytes.clone()), None, page, 300.0)
            .expect("render");
        for w in ocr::recognise(&bin, &img, (300.0, 0), Duration::from_secs(120)).expect("ocr") {
            read.push_str(&w.text);
            read.push(' ');
        }
    }
    assert_gone(&read, &phi);
    let kept: Vec<&str> = kept.iter().map(String::as_str).collect();
    assert_kept(&read, &kept);
}

/// A one-page letter with a text layer and `paths` drawn below it: `(content, count)`.
fn letter_with_paths(content: &str) -> Vec<u8> {
    let (pdf, _) = deid_devtools::testpdf::clinical_letter(5);
    let mut doc = Document::load_mem(&pdf).expect("letter");
    let page = *doc.get_pages().values().next().expect("page");
    let extra = doc.add_object(Stream::new(dictionary! {}, content.as_bytes().to_vec()));
    let dict = doc.get_dictionary_mut(page).expect("page dict");
    let mut contents = match dict.get(b"Contents").expect("contents").clone() {
        Object::Array(a) => a,
        one => vec![one],
    };
    contents.push(extra.into());
    dict.set("Contents", contents);
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

/// A table's grid (rules and cell borders: one rectangle or line per path) does not make
/// a page with a text layer look like text drawn as outlines; curved paths still do.
#[test]
fn table_borders_do_not_send_a_text_page_to_ocr_but_curves_do() {
    let Some(_) = tesseract() else { return };
    let mut grid = String::from("0.5 w\n");
    for row in 0..12 {
        for col in 0..6 {
            let (x, y) = (72 + col * 78, 100 + row * 14);
            grid.push_str(&format!("{x} {y} 78 14 re S\n"));
        }
        grid.push_str(&format!(
            "72 {} m 540 {} l S\n",
            100 + row * 14,
            100 + row * 14
        ));
    }
    let out = process(letter_with_paths(&grid));
    assert!(
        out.report.ocr_pages.is_empty(),
        "{:?}",
        out.report.ocr_pages
    );
    // 60 small curved shapes (what letters drawn as outlines are made of) are searched
    let mut curves = String::new();
    for i in 0..60 {
        let (x, y) = (72 + (i % 20) * 20, 100 + (i / 20) * 20);
        curves.push_str(&format!(
            "{x} {y} m {} {} {} {} {} {y} c f\n",
            x + 2,
            y + 12,
            x + 10,
            y + 12,
            x + 12
        ));
    }
    let out = process(letter_with_paths(&curves));
    assert_eq!(out.report.ocr_pages.len(), 1, "{:?}", out.report.ocr_pages);
    assert_eq!(out.report.ocr_pages[0].reason, "vector");
}
