//! Leak corpus: the same fake PHI planted in places where redaction tools are known to
//! leak. For each mode the output must hold the PHI nowhere: not in the re-extracted text,
//! not in any string or decompressed stream, not in metadata.
//!
//! Modes covered here: text under a black rectangle (overlay); an un-applied /Redact
//! annotation; an earlier revision of an incrementally updated file; a page thumbnail;
//! the structure tree (Alt) and marked content (ActualText); an invisible text layer
//! (render mode 3) over an image; an optional-content group switched off; white and tiny
//! text; a digital signature field. (Info/XMP, annotations, form values, embedded files,
//! JavaScript and bookmarks: tests/sanitize.rs.)

mod common;

use common::*;
use deid_devtools::testpdf::{self, DocSpec, FontKind, Line, PageSpec};
use lopdf::{dictionary, Document, Object, Stream};

const PHI: &str = "Wilhelmina Castellanos";

fn base(extra_line: Option<&str>) -> Document {
    let mut lines = vec![
        Line::new("Clinic note", 72.0, 740.0, 16.0, FontKind::HelveticaBold),
        Line::new(
            format!("Patient: {PHI}"),
            72.0,
            700.0,
            11.0,
            FontKind::Helvetica,
        ),
        Line::new(
            "The wound is healing and the sutures were removed.",
            72.0,
            684.0,
            11.0,
            FontKind::Helvetica,
        ),
    ];
    if let Some(t) = extra_line {
        lines.push(Line::new(t, 72.0, 668.0, 11.0, FontKind::Helvetica));
    }
    let spec = DocSpec {
        pages: vec![PageSpec {
            lines,
            kerned_tj: false,
        }],
        ..DocSpec::default()
    };
    Document::load_mem(&testpdf::build(&spec)).expect("fixture")
}

fn page_id(doc: &Document) -> lopdf::ObjectId {
    *doc.get_pages().values().next().expect("page")
}

fn catalog_id(doc: &Document) -> lopdf::ObjectId {
    doc.trailer
        .get(b"Root")
        .and_then(|o| o.as_reference())
        .expect("root")
}

fn append_content(doc: &mut Document, ops: &str) {
    let pid = page_id(doc);
    let id = doc.add_object(Stream::new(dictionary! {}, ops.as_bytes().to_vec()));
    let page = doc.get_dictionary_mut(pid).expect("page");
    let mut contents = match page.get(b"Contents").cloned() {
        Ok(Object::Array(a)) => a,
        Ok(o) => vec![o],
        Err(_) => vec![],
    };
    contents.push(Object::Reference(id));
    page.set("Contents", Object::Array(contents));
}

fn save(mut doc: Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("save");
    out
}

fn assert_nowhere(out: &[u8], needle: &str) {
    let n = needle.to_ascii_lowercase();
    let all = everything(out);
    assert!(
        !all.windows(n.len()).any(|w| w == n.as_bytes()),
        "'{needle}' found in the output bytes"
    );
    let t = text_of(&extract(out));
    assert_gone(&t, &[needle.to_string()]);
}

fn run(doc: Document) -> deid_core::Processed {
    let bytes = save(doc);
    assert!(
        everything(&bytes).windows(8).any(|w| w == b"castella"),
        "the fixture must carry the PHI"
    );
    process(bytes)
}

#[test]
fn overlay_text_under_a_black_rectangle() {
    let mut doc = base(None);
    append_content(&mut doc, "q 0 g 110 697 130 14 re f Q");
    let p = run(doc);
    assert_nowhere(p.output.bytes(), "Castellanos");
}

#[test]
fn unapplied_redact_annotation_is_applied() {
    let mut doc = base(Some("Internal code ZQX-5531 for billing."));
    let pid = page_id(&doc);
    let annot = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Redact",
        "Rect" => vec![150.into(), 664.into(), 200.into(), 678.into()],
    });
    doc.get_dictionary_mut(pid)
        .expect("page")
        .set("Annots", vec![Object::Reference(annot)]);
    let p = run(doc);
    let t = text_of(&extract(p.output.bytes()));
    assert!(
        !t.contains("ZQX"),
        "text under the redaction annotation survived: {t}"
    );
    assert!(t.contains("Internal code"));
    assert_nowhere(p.output.bytes(), "Castellanos");
}

#[test]
fn earlier_revision_of_an_incremental_update_is_dropped() {
    // revision 1 says a name; revision 2 replaces the page content with a neutral text
    let first = save(base(None));
    let mut doc = Document::load_mem(&first).expect("load");
    let pid = page_id(&doc);
    let font_res = doc
        .get_dictionary(pid)
        .expect("page")
        .get(b"Resources")
        .cloned()
        .expect("res");
    let id = doc.add_object(Stream::new(
        dictionary! {},
        b"BT /F1 11 Tf 72 700 Td (Follow-up in two weeks.) Tj ET".to_vec(),
    ));
    let page = doc.get_dictionary_mut(pid).expect("page");
    page.set("Contents", Object::Reference(id));
    page.set("Resources", font_res);
    let mut second = Vec::new();
    let mut inc = lopdf::IncrementalDocument::create_from(
        first.clone(),
        Document::load_mem(&first).expect("prev"),
    );
    inc.new_document = doc;
    inc.save_to(&mut second).expect("incremental save");
    assert!(
        second.len() > first.len() && second.starts_with(&first),
        "an incremental update"
    );
    let p = process(second);
    assert_nowhere(p.output.bytes(), "Castellanos");
}

#[test]
fn thumbnail_and_structure_tree_and_actual_text() {
    let mut doc = base(None);
    let pid = page_id(&doc);
    let thumb = doc.add_object(Stream::new(
        dictionary! { "Width" => 1, "Height" => 1, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
        format!("thumb {PHI}").into_bytes(),
    ));
    let elem = doc.add_object(
        dictionary! { "S" => "Figure", "Alt" => Object::string_literal(format!("Photo of {PHI}")) },
    );
    let root =
        doc.add_object(dictionary! { "Type" => "StructTreeRoot", "K" => Object::Reference(elem) });
    doc.get_dictionary_mut(pid)
        .expect("page")
        .set("Thumb", Object::Reference(thumb));
    let cat = catalog_id(&doc);
    doc.get_dictionary_mut(cat)
        .expect("catalog")
        .set("StructTreeRoot", Object::Reference(root));
    append_content(
        &mut doc,
        &format!("/Span << /ActualText ({PHI}) >> BDC EMC"),
    );
    let p = run(doc);
    assert_nowhere(p.output.bytes(), "Castellanos");
}

#[test]
fn invisible_ocr_layer_over_an_image_is_removed_and_rasterised() {
    let mut doc = base(None);
    // a grey "scan" image covering the text area, with an invisible text layer over it
    let scan = Stream::new(
        dictionary! { "Type" => "XObject", "Subtype" => "Image", "Width" => 4, "Height" => 4, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8 },
        vec![200u8; 16],
    );
    add_image(&mut doc, "Scan", scan, "500 0 0 200 50 500");
    append_content(
        &mut doc,
        "BT 3 Tr /F1 11 Tf 72 600 Td (Scanned: Ignatius Blackwood-Ferreira) Tj ET",
    );
    let p = run(doc);
    assert_nowhere(p.output.bytes(), "Blackwood");
    assert_nowhere(p.output.bytes(), "Castellanos");
    assert!(
        !p.report.rasterised_pages.is_empty(),
        "an image under a redaction forces the raster fallback"
    );
}

#[test]
fn optional_content_switched_off() {
    let mut doc = base(None);
    let pid = page_id(&doc);
    let ocg = doc.add_object(dictionary! { "Type" => "OCG", "Name" => "Hidden" });
    let cat = catalog_id(&doc);
    doc.get_dictionary_mut(cat).expect("catalog").set(
        "OCProperties",
        dictionary! { "OCGs" => vec![Object::Reference(ocg)], "D" => dictionary! { "OFF" => vec![Object::Reference(ocg)] } },
    );
    let mut res = doc
        .get_dictionary(pid)
        .expect("page")
        .get(b"Resources")
        .and_then(|o| o.as_dict())
        .cloned()
        .expect("res");
    res.set(
        "Properties",
        dictionary! { "oc1" => Object::Reference(ocg) },
    );
    doc.get_dictionary_mut(pid)
        .expect("page")
        .set("Resources", res);
    append_content(&mut doc, "/OC /oc1 BDC BT /F1 11 Tf 72 600 Td (Hidden layer. Patient: Ottoline Marchetti-Vance) Tj ET EMC");
    let p = run(doc);
    assert_nowhere(p.output.bytes(), "Marchetti");
}

#[test]
fn white_and_tiny_text() {
    let mut doc = base(None);
    append_content(
        &mut doc,
        "BT 1 1 1 rg /F1 11 Tf 72 600 Td (Patient: Bartholomew Quenneville) Tj ET BT /F1 1 Tf 72 590 Td (Patient: Bartholomew Quenneville) Tj ET",
    );
    let p = run(doc);
    assert_nowhere(p.output.bytes(), "Quenneville");
}

#[test]
fn digital_signature_is_removed_and_reported() {
    let mut doc = base(None);
    let sig = doc.add_object(dictionary! {
        "Type" => "Sig", "Filter" => "Adobe.PPKLite", "Name" => Object::string_literal(PHI),
        "Contents" => Object::String(vec![0u8; 64], lopdf::StringFormat::Hexadecimal),
    });
    let field = doc.add_object(dictionary! { "FT" => "Sig", "T" => Object::string_literal("Signature1"), "V" => Object::Reference(sig) });
    let cat = catalog_id(&doc);
    doc.get_dictionary_mut(cat).expect("catalog").set(
        "AcroForm",
        dictionary! { "Fields" => vec![Object::Reference(field)], "SigFlags" => 3 },
    );
    let p = run(doc);
    assert_nowhere(p.output.bytes(), "Castellanos");
    assert!(p.report.sanitize.signatures_removed);
    assert!(p.report.warnings.iter().any(|w| w.contains("signature")));
}

/// The base document with a line drawn in a Type3 font whose glyphs are little squares
/// (with a ToUnicode map, so the text is extractable and detectable), `matrix` its
/// `/FontMatrix`.
fn with_type3_line(matrix: [f32; 6]) -> Document {
    let mut doc = base(None);
    let pid = page_id(&doc);
    // a Type3 font whose glyphs are little squares, with a ToUnicode map so the text is
    // extractable (and detectable)
    let proc_a = doc.add_object(Stream::new(
        dictionary! {},
        b"600 0 0 0 600 700 d1 0 0 600 700 re f".to_vec(),
    ));
    let cmap = "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /T3 def 1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfrange <20> <7E> <0020> endbfrange endcmap CMapName currentdict /CMap defineresource pop end end";
    let tou = doc.add_object(Stream::new(dictionary! {}, cmap.as_bytes().to_vec()));
    let mut diffs = vec![Object::Integer(32)];
    diffs.extend((32u8..127).map(|_| Object::Name(b"sq".to_vec())));
    let t3 = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type3",
        "FontBBox" => vec![0.into(), 0.into(), 600.into(), 700.into()],
        "FontMatrix" => matrix.iter().map(|v| Object::Real(*v)).collect::<Vec<_>>(),
        "CharProcs" => dictionary! { "sq" => Object::Reference(proc_a) },
        "Encoding" => dictionary! { "Type" => "Encoding", "Differences" => diffs },
        "FirstChar" => 32, "LastChar" => 126,
        "Widths" => (32..127).map(|_| Object::Integer(600)).collect::<Vec<_>>(),
        "ToUnicode" => Object::Reference(tou),
        "Resources" => dictionary! {},
    });
    let mut res = doc
        .get_dictionary(pid)
        .expect("page")
        .get(b"Resources")
        .and_then(|o| o.as_dict())
        .cloned()
        .expect("res");
    let mut fonts = res
        .get(b"Font")
        .and_then(|o| o.as_dict())
        .cloned()
        .expect("fonts");
    fonts.set("T3", Object::Reference(t3));
    res.set("Font", fonts);
    doc.get_dictionary_mut(pid)
        .expect("page")
        .set("Resources", res);
    append_content(
        &mut doc,
        "BT /T3 11 Tf 72 600 Td (Patient: Leopoldine Vasquez-Harrow) Tj ET",
    );
    doc
}

/// Type3 glyphs are positioned through the font matrix like any simple font's: the page
/// is rewritten, not rasterised, and the name is gone from the text and the bytes.
#[test]
fn type3_font_text_is_rewritten() {
    check_type3_rewritten([0.001, 0.0, 0.0, 0.001, 0.0, 0.0]);
}

/// The same with glyphs drawn upside down in glyph space (a negative vertical scale).
#[test]
fn type3_font_with_a_flipped_matrix_is_rewritten() {
    check_type3_rewritten([0.001, 0.0, 0.0, -0.001, 0.0, 0.0]);
}

fn check_type3_rewritten(matrix: [f32; 6]) {
    let doc = with_type3_line(matrix);
    let before = extract(&save(doc.clone()));
    let p = run(doc);
    assert!(
        p.report.rasterised_pages.is_empty(),
        "{:?}",
        p.report.raster_reasons
    );
    let after = extract(p.output.bytes());
    let t = text_of(&after);
    assert!(t.contains("Patient:") && t.contains("sutures"), "{t}");
    assert!(!t.contains("Vasquez") && !t.contains("Leopoldine"), "{t}");
    assert_nowhere(p.output.bytes(), "Vasquez-Harrow");
    assert_survivors_unmoved(&before, &after);
}

#[test]
fn type3_font_with_a_sheared_matrix_forces_the_raster_fallback() {
    let doc = with_type3_line([0.001, 0.0, 0.0003, 0.001, 0.0, 0.0]);
    let p = run(doc);
    assert!(
        !p.report.rasterised_pages.is_empty(),
        "Type3 glyphs under a box must rasterise the page"
    );
    // every rasterised page says why, with the font's kind (never its name or the text)
    assert_eq!(p.report.raster.len(), p.report.rasterised_pages.len());
    let r = &p.report.raster[0];
    assert_eq!(r.code, "unsupported", "{r:?}");
    assert!(
        r.detail
            .starts_with("Type3 font with a sheared or mirrored font matrix (Type3, "),
        "{r:?}"
    );
    assert!(!r.detail.contains("Vasquez"), "{r:?}");
    assert_eq!(p.report.raster_reasons, vec![r.to_string()]);
    // the rasterised page keeps its other words as invisible text, where they were
    let before = extract(&save(base(None)));
    let after = extract(p.output.bytes());
    let t = text_of(&after);
    assert!(t.contains("sutures") && t.contains("healing"), "{t}");
    let first_s = |e: &deid_core::pdfium::Extracted| {
        let g = &e.pages[0].glyphs;
        let i = g
            .windows(7)
            .position(|w| w.iter().map(|x| x.ch).collect::<String>() == "sutures")
            .expect("sutures");
        g[i].origin
    };
    let (a, b) = (first_s(&before), first_s(&after));
    assert!(
        (a.0 - b.0).abs() < 0.5 && (a.1 - b.1).abs() < 0.5,
        "{a:?} → {b:?}"
    );
    assert!(
        after.pages[0]
            .glyphs
            .iter()
            .all(|g| g.generated || g.invisible),
        "only invisible text"
    );
    assert_nowhere(p.output.bytes(), "Vasquez-Harrow");
    assert_nowhere(p.output.bytes(), "Castellanos");
}

#[test]
fn glyph_position_side_channel_one_adjustment_per_removed_run() {
    // kerned TJ: the removed name must leave exactly one number where it was, so neither
    // its character count nor its per-glyph advances or kerning pairs can be read back
    let spec = DocSpec {
        pages: vec![PageSpec {
            lines: vec![Line::new(
                format!("Patient: {PHI} was seen today."),
                72.0,
                700.0,
                11.0,
                FontKind::Helvetica,
            )],
            kerned_tj: true,
        }],
        ..DocSpec::default()
    };
    let p = process(testpdf::build(&spec));
    let doc = Document::load_mem(p.output.bytes()).expect("parse");
    let pid = page_id(&doc);
    let content = lopdf::content::Content::decode(&doc.get_page_content(pid)).expect("content");
    let arrays: Vec<&Vec<Object>> = content
        .operations
        .iter()
        .filter(|o| o.operator == "TJ")
        .filter_map(|o| o.operands.first().and_then(|a| a.as_array().ok()))
        .collect();
    // find the array whose strings read "Patient: " ... " was seen today."
    let text_of_arr = |a: &Vec<Object>| -> String {
        a.iter()
            .filter_map(|x| x.as_str().ok())
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .collect()
    };
    let line = arrays
        .iter()
        .find(|a| text_of_arr(a).contains("was seen today"))
        .expect("the line is still drawn with TJ");
    let joined = text_of_arr(line);
    assert!(!joined.contains("Castellanos") && !joined.contains("Wilhelmina"));
    // between the last kept glyph before the name and the first kept glyph after it there
    // is exactly one number
    let mut seen_label = false;
    let mut numbers_in_gap = 0;
    for item in line.iter() {
        match item {
            Object::String(s, _) => {
                let t = String::from_utf8_lossy(s);
                if seen_label && !t.trim().is_empty() && numbers_in_gap > 0 {
                    break;
                }
                if t.contains(':') {
                    seen_label = true;
                    numbers_in_gap = 0;
                }
            }
            _ if seen_label => numbers_in_gap += 1,
            _ => {}
        }
    }
    assert_eq!(
        numbers_in_gap, 1,
        "removed run left {numbers_in_gap} numbers: {line:?}"
    );
}

/// The first page's resources dictionary (its own object or inline in the page).
fn page_resources(doc: &mut Document) -> &mut lopdf::Dictionary {
    let pid = page_id(doc);
    let res = doc
        .get_dictionary(pid)
        .expect("page")
        .get(b"Resources")
        .cloned()
        .expect("resources");
    match res {
        Object::Reference(r) => doc.get_dictionary_mut(r).expect("resources"),
        _ => doc
            .get_dictionary_mut(pid)
            .expect("page")
            .get_mut(b"Resources")
            .and_then(Object::as_dict_mut)
            .expect("resources"),
    }
}

/// Put an image XObject on the page as `/name`, drawn with `placement` (a `cm` matrix).
fn add_image(doc: &mut Document, name: &str, image: Stream, placement: &str) {
    let id = doc.add_object(Object::Stream(image));
    let res_dict = page_resources(doc);
    if !res_dict.has(b"XObject") {
        res_dict.set("XObject", dictionary! {});
    }
    res_dict
        .get_mut(b"XObject")
        .and_then(Object::as_dict_mut)
        .expect("xobjects")
        .set(name, Object::Reference(id));
    append_content(doc, &format!("q {placement} cm /{name} Do Q"));
}

/// Mean grey level of the rendered output inside a user-space box (page 0, 72 dpi).
fn mean_grey(pdf: &[u8], x0: usize, y0: usize, x1: usize, y1: usize) -> f32 {
    let img = pdfium()
        .render(std::sync::Arc::new(pdf.to_vec()), None, 0, 72.0)
        .expect("render");
    let h = img.height;
    let mut sum = 0u64;
    let mut n = 0u64;
    for y in (h - y1)..(h - y0) {
        for x in x0..x1 {
            let p = &img.bgra[(y * img.width + x) * 4..][..3];
            sum += p.iter().map(|c| u64::from(*c)).sum::<u64>() / 3;
            n += 1;
        }
    }
    sum as f32 / n.max(1) as f32
}

fn text_only(doc: Document) -> deid_core::Processed {
    deid_core::Engine::new(deid_core::Config::text_only(), 1)
        .expect("engine")
        .process_pdf(&pdfium(), save(doc))
        .expect("text-only output")
}

/// PHI inside an image (here its pixel bytes spell the name, and a dark band stands for a
/// picture of it): the default policy cannot read pixels; `text-only` replaces every image
/// with one grey pixel, so neither the bytes nor the picture survive.
#[test]
fn phi_in_an_image_is_removed_by_the_text_only_policy() {
    let mut doc = base(None);
    let (w, h) = (64usize, 16usize);
    let mut pixels: Vec<u8> = format!("{PHI} ")
        .into_bytes()
        .into_iter()
        .cycle()
        .take(w * h)
        .collect();
    for p in pixels.iter_mut().skip(w * 4).take(w * 8) {
        *p = 0; // a dark band
    }
    let image = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64,
            "Height" => h as i64, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
        },
        pixels,
    );
    add_image(&mut doc, "ImPHI", image, "256 0 0 64 300 500");
    // the default policy keeps images; here the gate still finds the name's bytes in the
    // image stream and fails closed (pixels that only *show* a name would pass unseen)
    match engine().process_pdf(&pdfium(), save(doc.clone())) {
        Err(e) => assert_eq!(e.code(), "verification_failed"),
        Ok(_) => panic!("an image holding the name's bytes passed the default gate"),
    }
    let p = text_only(doc);
    let out = p.output.bytes();
    assert_nowhere(out, PHI);
    let g = mean_grey(out, 300, 500, 556, 564);
    assert!(
        (f32::from(deid_core::redact::strip::IMAGE_GREY) - g).abs() < 4.0,
        "the image area is one grey, mean {g}"
    );
    assert!(p.report.warnings.iter().any(|w| w.contains("text-only")));
    assert_kept(&text_of(&extract(out)), &["wound is healing"]);
}

/// Text drawn as vector outlines (no font, no text operator): the default policy cannot
/// see it; `text-only` paints no paths, so the area is blank.
#[test]
fn text_as_vector_paths_is_removed_by_the_text_only_policy() {
    let mut doc = base(None);
    // a crude "W" as a filled outline, 60 × 40 pt
    append_content(
        &mut doc,
        "q 0 g 300 560 m 315 520 l 330 550 l 345 520 l 360 560 l 352 560 l 345 535 l 330 565 l 315 535 l 308 560 l h f Q",
    );
    let before = save(doc.clone());
    assert!(
        mean_grey(&before, 300, 520, 360, 560) < 200.0,
        "the fixture draws ink"
    );
    let default_out = run(doc.clone());
    assert!(
        mean_grey(default_out.output.bytes(), 300, 520, 360, 560) < 200.0,
        "the default policy keeps vector graphics"
    );
    let p = text_only(doc);
    let out = p.output.bytes();
    assert!(
        mean_grey(out, 300, 520, 360, 560) > 250.0,
        "no ink left where the outlines were"
    );
    assert_nowhere(out, PHI);
    assert_survivors_unmoved(&extract(&before), &extract(out));
}

/// A page that is only a picture OCR cannot read (no text layer, no legible word: here
/// noise): the page is listed in `image_only_pages` and the document is flagged for review;
/// a page with text and an image is not. (A legible scan is read by OCR: tests/ocr.rs.)
#[test]
fn image_only_page_flags_the_document_for_review() {
    let picture = |doc: &mut Document| {
        let (w, h) = (32usize, 32usize);
        let pixels = (0..w * h).map(|i| (i * 7 % 251) as u8).collect();
        let image = Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image", "Width" => w as i64,
                "Height" => h as i64, "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8,
            },
            pixels,
        );
        add_image(doc, "ImScan", image, "400 0 0 500 100 150");
    };
    let spec = DocSpec {
        pages: vec![PageSpec {
            lines: vec![],
            kerned_tj: false,
        }],
        ..DocSpec::default()
    };
    let mut scan = Document::load_mem(&testpdf::build(&spec)).expect("fixture");
    picture(&mut scan);
    let p = process(save(scan));
    assert_eq!(p.report.image_only_pages, vec![0]);
    assert!(
        p.report.review,
        "an image-only page must send the document to review"
    );
    assert!(
        p.report.warnings.iter().any(|w| w.contains("image")),
        "{:?}",
        p.report.warnings
    );

    let mut mixed = base(None);
    picture(&mut mixed);
    let p = process(save(mixed));
    assert!(p.report.image_only_pages.is_empty());
}

/// An 8×8 grey baseline JPEG (one block: DC 0, end of block), with `extra` segments
/// (each `(marker, payload)`) after the JFIF header.
fn tiny_jpeg(extra: &[(u8, &[u8])]) -> Vec<u8> {
    let mut j = vec![0xFF, 0xD8];
    j.extend_from_slice(&[
        0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
    ]);
    for (marker, payload) in extra {
        let len = (payload.len() + 2) as u16;
        j.extend_from_slice(&[0xFF, *marker]);
        j.extend_from_slice(&len.to_be_bytes());
        j.extend_from_slice(payload);
    }
    j.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
    j.extend_from_slice(&[1u8; 64]);
    j.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 8, 0, 8, 0, 8, 1, 1, 0x11, 0]);
    for class in [0x00u8, 0x10] {
        j.extend_from_slice(&[0xFF, 0xC4, 0x00, 0x14, class, 1]);
        j.extend_from_slice(&[0u8; 15]);
        j.push(0);
    }
    j.extend_from_slice(&[
        0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0, 0x3F, 0xFF, 0xD9,
    ]);
    j
}

#[test]
fn jpeg_exif_and_comment_segments_are_stripped_not_refused() {
    let mut doc = base(None);
    let exif = format!("Exif\0\0Patient {PHI}");
    let jpeg = tiny_jpeg(&[(0xE1, exif.as_bytes()), (0xFE, PHI.as_bytes())]);
    let image = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 8, "Height" => 8,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
        },
        jpeg,
    );
    add_image(&mut doc, "Im9", image, "40 0 0 40 400 500");
    let p = run(doc);
    assert!(
        p.report.sanitize.image_metadata_removed >= 2,
        "{:?}",
        p.report.sanitize
    );
    assert_nowhere(p.output.bytes(), "Castellanos");
    // the image itself is still there, as a JPEG with its JFIF header and scan
    let out = Document::load_mem(p.output.bytes()).expect("output");
    let jpeg_left = out.objects.values().any(|o| {
        o.as_stream().is_ok_and(|s| {
            s.content.starts_with(&[0xFF, 0xD8, 0xFF, 0xE0]) && s.content.ends_with(&[0xFF, 0xD9])
        })
    });
    assert!(jpeg_left, "the JPEG image was kept");
}

/// The base document with a private catalog entry naming the patient and a Text
/// annotation hung on the page under a private key.
fn with_private_entries() -> Document {
    let mut doc = base(None);
    let cat = catalog_id(&doc);
    doc.get_dictionary_mut(cat).expect("catalog").set(
        "PrivateNote",
        Object::string_literal(format!("Patient {PHI}")),
    );
    let note = doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Text", "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
        "Contents" => Object::string_literal(PHI),
    });
    let pid = page_id(&doc);
    doc.get_dictionary_mut(pid)
        .expect("page")
        .set("VendorData", Object::Reference(note));
    doc
}

#[test]
fn private_keys_in_the_catalog_and_on_pages_are_removed_not_refused() {
    let doc = with_private_entries();
    let p = run(doc);
    assert!(
        p.report
            .sanitize
            .catalog_keys_removed
            .contains(&"PrivateNote".to_string()),
        "{:?}",
        p.report.sanitize
    );
    assert!(
        p.report.sanitize.page_keys_removed >= 1,
        "{:?}",
        p.report.sanitize
    );
    assert_nowhere(p.output.bytes(), "Castellanos");
}

#[test]
fn an_unused_xobject_resource_is_removed_not_refused() {
    let mut doc = base(None);
    let form = doc.add_object(Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), 300.into(), 50.into()],
        },
        format!("BT /F1 11 Tf 0 10 Td (Patient {PHI}) Tj ET").into_bytes(),
    ));
    page_resources(&mut doc).set(
        "XObject",
        dictionary! { "Hidden" => Object::Reference(form) },
    );
    let p = run(doc);
    assert_eq!(
        p.report.sanitize.unused_xobjects_removed, 1,
        "{:?}",
        p.report.sanitize
    );
    assert_nowhere(p.output.bytes(), "Castellanos");
}

/// The same hiding places (a private catalog entry, a Text annotation hung on the page
/// under a private key), but inside compressed object streams with a cross-reference
/// stream, as modern writers store them: sanitised and verified, not refused.
#[test]
fn private_entries_inside_object_streams_are_removed_not_refused() {
    let mut doc = with_private_entries();
    let mut bytes = Vec::new();
    let options = lopdf::SaveOptions::builder()
        .use_object_streams(true)
        .use_xref_streams(true)
        .compression_level(6)
        .build();
    doc.save_with_options(&mut bytes, options).expect("save");
    // the fixture really keeps them compressed: not in the raw bytes, but in the objects
    assert!(bytes.windows(6).any(|w| w == b"ObjStm"), "no object stream");
    assert!(
        bytes.windows(4).any(|w| w == b"XRef"),
        "no cross-reference stream"
    );
    // (the catalog and the page, which hold the private keys, are compressed away)
    let parsed = everything(&bytes); // lower case
    for key in [&b"PrivateNote"[..], b"VendorData"] {
        assert!(!bytes.windows(key.len()).any(|w| w == key));
        let lower = key.to_ascii_lowercase();
        assert!(parsed.windows(key.len()).any(|w| w == lower.as_slice()));
    }
    let p = process(bytes);
    assert!(p
        .report
        .sanitize
        .catalog_keys_removed
        .contains(&"PrivateNote".to_string()));
    assert_nowhere(p.output.bytes(), "Castellanos");
}

/// An ICC colour profile whose description, copyright and device model name the patient
/// (a profile made on the patient's own scanner): the profile's text is blanked by the
/// sanitiser and the document verifies, instead of being refused.
#[test]
fn icc_profile_text_is_blanked_not_refused() {
    let mut doc = base(None);
    let profile = doc.add_object(Stream::new(
        dictionary! { "N" => 3, "Alternate" => "DeviceRGB" },
        testpdf::icc_profile_with_text(PHI),
    ));
    page_resources(&mut doc).set(
        "ColorSpace",
        dictionary! { "CS0" => vec![Object::Name(b"ICCBased".to_vec()), Object::Reference(profile)] },
    );
    append_content(&mut doc, "q /CS0 cs 0.2 0.4 0.6 sc 72 600 100 20 re f Q");
    let p = run(doc);
    assert_eq!(
        p.report.sanitize.icc_profiles_blanked, 1,
        "{:?}",
        p.report.sanitize
    );
    assert!(p.report.rasterised_pages.is_empty());
    assert_nowhere(p.output.bytes(), "Castellanos");
    // the colour space and its profile are still there
    let out = Document::load_mem(p.output.bytes()).expect("parse");
    assert!(out
        .objects
        .values()
        .any(|o| o.as_stream().is_ok_and(|s| s.dict.has(b"N"))));
}
