//! The verification gate (fail closed). Runs on the exact candidate bytes:
//! 1. re-open with pdfium and re-extract every page: no real character whose centre lies
//!    inside a redaction rectangle;
//! 2. no redacted string survives in any page's text or the whole document's text
//!    (case-folded, NFKC, compared on word boundaries, also across line breaks);
//! 3. surviving glyphs did not move: on pages that were not rasterised, the output's
//!    characters are the input's characters minus the removed ones, in order, each within
//!    0.5 pt of where it was (plus 1/1000 em per glyph removed before it on its line:
//!    pdfium's whole-unit widths, [`rounding_per_glyph`]); every character that
//!    disappeared lay inside a rectangle;
//! 4. raw scan: every string and decompressed stream (font programs excepted) is searched
//!    for each redacted string as UTF-8, UTF-16BE and in PDF hex;
//! 5. structure: one xref section, one `%%EOF`, no info dictionary, none of the
//!    sanitised catalog/page keys.
//!
//! Only [`verify`] constructs a [`Verified`] value, and only a `Verified` can be written.

use std::collections::BTreeSet;
use std::sync::Arc;

use lopdf::{Document, Object};

use crate::error::Error;
use crate::pdf::{CATALOG_KEYS, PAGE_KEYS};
use crate::pdfium::{ExtractLimits, Extracted, PdfiumService};
pub use crate::text::{normalise, unplanned_occurrences, MIN_CHECKED_LEN};
use crate::text::{string_needles, WordMatcher};
use crate::types::RedactionPlan;
use crate::types::{Glyph, Rect};

/// Bytes that passed every check of the gate.
#[derive(Debug)]
pub struct Verified {
    bytes: Vec<u8>,
}

impl Verified {
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Largest move of a surviving glyph accepted, in points.
pub const MAX_GLYPH_SHIFT: f32 = 0.5;
/// Check 2's failure: a redacted string is still in a page's text.
pub const STRING_SURVIVES: &str = "a redacted string survives in the page text";
/// The pixel gate's failure: OCR of the rendered output page reads a redacted string.
pub const PIXELS_READ_BACK: &str = "a redacted string reads back from the page's pixels";

/// Why a page failed; lets the pipeline rasterise exactly those pages and retry.
#[derive(Debug, Clone, PartialEq)]
pub struct PageFailure {
    pub page: usize,
    pub check: &'static str,
}

fn page_text(glyphs: &[Glyph]) -> String {
    glyphs.iter().map(|g| g.ch).collect()
}

fn real(glyphs: &[Glyph]) -> Vec<&Glyph> {
    glyphs
        .iter()
        .filter(|g| !g.generated && !g.ch.is_whitespace() && !g.ocr)
        .collect()
}

/// How far pdfium may place a glyph from where it placed it before, per glyph removed
/// before it on its line: pdfium keeps a font's widths as whole thousandths of an em,
/// while the rewriter replaces a removed run by its exact advance (the `/Widths` numbers,
/// as the specification and other readers use them), so fractional widths (reportlab's and
/// Skia's subsets) leave up to 1/1000 em per removed glyph between the two. The glyph's
/// box height bounds the em from above.
fn rounding_per_glyph(g: &Glyph) -> f32 {
    (g.loose.y1 - g.loose.y0).abs().max(g.size.abs()) / 1000.0
}

fn in_rects(rects: &[Rect], g: &Glyph, pad: f32) -> bool {
    let (cx, cy) = g.loose.center();
    rects.iter().any(|r| r.pad(pad).contains_point(cx, cy))
}

/// Checks 1–3 for one page. `raster` pages only get check 1 and 2.
fn check_page(
    page: usize,
    before: &[Glyph],
    after: &[Glyph],
    rects: &[Rect],
    raster: bool,
) -> std::result::Result<(), PageFailure> {
    let fail = |check| Err(PageFailure { page, check });
    for g in real(after) {
        if in_rects(rects, g, 0.0) {
            return fail("text inside a redaction rectangle");
        }
    }
    if raster {
        return Ok(());
    }
    let b = real(before);
    let a = real(after);
    let mut j = 0;
    // glyphs removed so far on the current line (same baseline)
    let mut removed_on_line = 0usize;
    let mut line_y = f32::NAN;
    for g in b {
        if (g.origin.1 - line_y).abs() > MAX_GLYPH_SHIFT || line_y.is_nan() {
            line_y = g.origin.1;
            removed_on_line = 0;
        }
        let slack = MAX_GLYPH_SHIFT + removed_on_line as f32 * rounding_per_glyph(g);
        let same = a.get(j).is_some_and(|o| {
            o.ch == g.ch
                && (o.origin.0 - g.origin.0).abs() <= slack
                && (o.origin.1 - g.origin.1).abs() <= MAX_GLYPH_SHIFT
        });
        if same {
            j += 1;
        } else if in_rects(rects, g, 2.0) {
            removed_on_line += 1;
        } else {
            return fail("a glyph outside the rectangles was lost or moved");
        }
    }
    if j != a.len() {
        return fail("the output has glyphs the input did not have");
    }
    Ok(())
}

/// Byte patterns of the redacted strings, each with whether it must stand as a whole word:
/// the plain-text form of a string without digits ("exercise" inside "exercises" is not the
/// redacted word, as in the text check); IDs, dates and numbers, and the UTF-16 and hex
/// forms, match anywhere.
fn raw_needles(strings: &[String]) -> Vec<(Vec<u8>, bool)> {
    let mut out = Vec::new();
    for s in strings {
        let t = s.trim();
        if t.chars().filter(|c| c.is_alphanumeric()).count() < MIN_CHECKED_LEN {
            continue;
        }
        // words (letters only) must stand alone; anything with a digit matches anywhere
        let words_only = !t.chars().any(|c| c.is_ascii_digit());
        out.push((t.to_lowercase().into_bytes(), words_only));
        let u16: Vec<u8> = t.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        out.push((u16, false));
        let hex: String = t.bytes().map(|b| format!("{b:02x}")).collect();
        out.push((hex.into_bytes(), false));
    }
    out
}

fn is_font_program(d: &lopdf::Dictionary) -> bool {
    d.has(b"Length1")
        || d.has(b"Length2")
        || d.get(b"Subtype")
            .ok()
            .and_then(|o| o.as_name().ok())
            .is_some_and(|n| matches!(n, b"Type1C" | b"CIDFontType0C" | b"OpenType"))
}

/// A raw-scan hit: the check, which object holds it (kind, number, encoding of the match)
/// and the page the object belongs to. Never the string.
#[derive(Debug)]
struct RawHit {
    check: &'static str,
    object: String,
    page: Option<usize>,
}

/// The page (0-based) each content stream, annotation and XObject of a page belongs to.
fn object_pages(doc: &Document) -> std::collections::HashMap<lopdf::ObjectId, usize> {
    let mut out = std::collections::HashMap::new();
    let refs = |o: Option<&Object>| -> Vec<lopdf::ObjectId> {
        match o {
            Some(Object::Reference(id)) => match doc.get_object(*id) {
                Ok(Object::Array(a)) => a.iter().filter_map(|x| x.as_reference().ok()).collect(),
                _ => vec![*id],
            },
            Some(Object::Array(a)) => a.iter().filter_map(|x| x.as_reference().ok()).collect(),
            _ => Vec::new(),
        }
    };
    let dict = |o: Option<&Object>| -> Option<lopdf::Dictionary> {
        match o? {
            Object::Reference(id) => doc.get_dictionary(*id).ok().cloned(),
            Object::Dictionary(d) => Some(d.clone()),
            _ => None,
        }
    };
    for (i, (_, pid)) in doc.get_pages().into_iter().enumerate() {
        let Ok(page) = doc.get_dictionary(pid) else {
            continue;
        };
        for id in refs(page.get(b"Contents").ok())
            .into_iter()
            .chain(refs(page.get(b"Annots").ok()))
        {
            out.entry(id).or_insert(i);
        }
        let xobjects = dict(page.get(b"Resources").ok()).and_then(|r| dict(r.get(b"XObject").ok()));
        for (_, v) in xobjects.iter().flat_map(|x| x.iter()) {
            if let Ok(id) = v.as_reference() {
                out.entry(id).or_insert(i);
            }
        }
    }
    out
}

/// What kind of object holds a hit, from its dictionary ("image XObject", "XMP metadata
/// stream", "annotation /Text", "content stream").
fn object_kind(obj: &Object, is_content: bool) -> String {
    let name = |d: &lopdf::Dictionary, k: &[u8]| {
        d.get(k)
            .ok()
            .and_then(|o| o.as_name().ok())
            .map(|n| String::from_utf8_lossy(n).into_owned())
    };
    match obj {
        Object::Stream(s) => {
            let d = &s.dict;
            match (name(d, b"Type").as_deref(), name(d, b"Subtype").as_deref()) {
                (_, Some("Image")) => "image XObject".into(),
                (_, Some("Form")) => "form XObject".into(),
                (Some("Metadata"), _) => "XMP metadata stream".into(),
                (Some("ObjStm"), _) => "object stream".into(),
                (Some("EmbeddedFile"), _) => "embedded file".into(),
                (Some("XRef"), _) => "cross-reference stream".into(),
                _ if is_content => "content stream".into(),
                _ if d.has(b"N") && d.has(b"Alternate") || d.has(b"N") && !d.has(b"Subtype") => {
                    "ICC profile or other colour data".into()
                }
                (Some(t), _) => format!("stream /{t}"),
                _ => "stream".into(),
            }
        }
        Object::Dictionary(d) => match (name(d, b"Type").as_deref(), name(d, b"Subtype")) {
            (Some("Annot"), sub) | (None, sub @ Some(_)) if d.has(b"Rect") => {
                format!("annotation /{}", sub.unwrap_or_default())
            }
            (Some(t), _) => format!("dictionary /{t}"),
            _ => "dictionary".into(),
        },
        Object::String(..) => "string object".into(),
        Object::Array(_) => "array".into(),
        _ => "object".into(),
    }
}

fn raw_scan(
    doc: &Document,
    needles: &[(Vec<u8>, bool)],
    own_images: &BTreeSet<lopdf::ObjectId>,
) -> std::result::Result<(), RawHit> {
    if needles.is_empty() {
        return Ok(());
    }
    let ac = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(needles.iter().map(|(n, _)| n))
        .map_err(|_| RawHit {
            check: "cannot build the raw-scan automaton",
            object: String::new(),
            page: None,
        })?;
    let word = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    // the form of the first match: raw_needles writes plain, UTF-16BE and hex per string
    let scan = |bytes: &[u8]| -> Option<&'static str> {
        ac.find_overlapping_iter(bytes)
            .find(|m| {
                let (pattern, bounded) = &needles[m.pattern().as_usize()];
                let edges_are_word = pattern.first().is_some_and(u8::is_ascii_alphanumeric)
                    && pattern.last().is_some_and(u8::is_ascii_alphanumeric);
                !bounded
                    || !edges_are_word
                    || !(word(m.start().checked_sub(1).and_then(|i| bytes.get(i)))
                        || word(bytes.get(m.end())))
            })
            .map(|m| match m.pattern().as_usize() % 3 {
                0 => "as plain text",
                1 => "as UTF-16",
                _ => "as hex",
            })
    };
    fn strings<'a>(o: &'a Object, out: &mut Vec<&'a [u8]>, depth: usize) {
        if depth > 32 {
            return;
        }
        match o {
            Object::String(s, _) => out.push(s),
            Object::Array(a) => a.iter().for_each(|x| strings(x, out, depth + 1)),
            Object::Dictionary(d) => d.iter().for_each(|(_, v)| strings(v, out, depth + 1)),
            Object::Stream(s) => s.dict.iter().for_each(|(_, v)| strings(v, out, depth + 1)),
            _ => {}
        }
    }
    let mut pages = None;
    let mut hit = |check: &'static str, id: &lopdf::ObjectId, obj: &Object, form: &str| {
        let pages = pages.get_or_insert_with(|| object_pages(doc));
        let page = pages.get(id).copied();
        RawHit {
            check,
            object: format!(
                "{} {} {}, found {form}",
                object_kind(obj, page.is_some()),
                id.0,
                id.1
            ),
            page: page.map(|p| p + 1),
        }
    };
    for (id, obj) in &doc.objects {
        let mut ss = Vec::new();
        strings(obj, &mut ss, 0);
        if let Some(form) = ss.into_iter().find_map(scan) {
            return Err(hit(
                "a redacted string is still present in a PDF string",
                id,
                obj,
                form,
            ));
        }
        if let Object::Stream(s) = obj {
            // font programs, and the pixels this build rendered for a rasterised page (a
            // run of grey levels can spell any number; the pixel gate reads those pages)
            if is_font_program(&s.dict) || own_images.contains(id) {
                continue;
            }
            let data = s
                .decompressed_content_with_limit(256 << 20)
                .unwrap_or_else(|_| s.content.clone());
            if let Some(form) = scan(&data) {
                return Err(hit(
                    "a redacted string is still present in a stream",
                    id,
                    obj,
                    form,
                ));
            }
        }
    }
    Ok(())
}

/// Structural checks; a failure names its check and, for a page key, the 1-based page.
fn structure(
    bytes: &[u8],
    doc: &Document,
) -> std::result::Result<(), (&'static str, Option<usize>)> {
    // A full rewrite has one cross-reference section: no /Prev, and the file ends with the
    // single trailer lopdf wrote (stream data may contain anything, so only the tail counts).
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    let in_tail = |n: &[u8]| tail.windows(n.len()).filter(|w| *w == n).count();
    if doc.trailer.has(b"Prev") || in_tail(b"%%EOF") != 1 || in_tail(b"startxref") != 1 {
        return Err(("more than one revision in the output", None));
    }
    if doc.trailer.has(b"Info") || doc.trailer.has(b"Encrypt") {
        return Err(("trailer still has Info or Encrypt", None));
    }
    let root = doc
        .trailer
        .get(b"Root")
        .and_then(|o| o.as_reference())
        .and_then(|id| doc.get_dictionary(id))
        .map_err(|_| ("catalog missing", None))?;
    if CATALOG_KEYS.iter().any(|k| root.has(k)) {
        return Err(("catalog still has a sanitised key", None));
    }
    for (n, pid) in doc.get_pages() {
        let page = doc
            .get_dictionary(pid)
            .map_err(|_| ("page missing", Some(n as usize)))?;
        if PAGE_KEYS.iter().any(|k| page.has(k)) {
            return Err(("a page still has a sanitised key", Some(n as usize)));
        }
    }
    Ok(())
}

/// The image each rasterised page draws (`/RdImg`, written by `redact::raster`).
fn rasterised_images(doc: &Document, raster_pages: &BTreeSet<usize>) -> BTreeSet<lopdf::ObjectId> {
    doc.get_pages()
        .into_iter()
        .filter(|(n, _)| raster_pages.contains(&(*n as usize).saturating_sub(1)))
        .filter_map(|(_, pid)| {
            let page = doc.get_dictionary(pid).ok()?;
            let res = page.get(b"Resources").ok()?.as_dict().ok()?;
            let xo = res.get(b"XObject").ok()?.as_dict().ok()?;
            let id = xo.get(b"RdImg").ok()?.as_reference().ok()?;
            let img = doc.get_object(id).ok()?.as_stream().ok()?;
            let is_image = img.dict.get(b"Subtype").ok()?.as_name().ok()? == b"Image";
            is_image.then_some(id)
        })
        .collect()
}

/// Run the gate. On a page-level failure returns `Err(Ok(failures))` so the caller can
/// rasterise those pages and retry; on a document-level failure `Err(Err(error))`.
pub fn verify(
    pdfium: &PdfiumService,
    candidate: Vec<u8>,
    before: &Extracted,
    plan: &RedactionPlan,
    raster_pages: &BTreeSet<usize>,
    limits: ExtractLimits,
) -> std::result::Result<Verified, std::result::Result<Vec<PageFailure>, Error>> {
    let bytes = Arc::new(candidate);
    let after = pdfium.extract(bytes.clone(), None, limits).map_err(|_| {
        Err(Error::Verification {
            check: "output does not reopen",
            page: None,
            object: None,
        })
    })?;
    if after.pages.len() != before.pages.len() {
        return Err(Err(Error::Verification {
            check: "page count changed",
            page: None,
            object: None,
        }));
    }
    let mut failures = Vec::new();
    for (i, (b, a)) in before.pages.iter().zip(&after.pages).enumerate() {
        if let Err(f) = check_page(
            i,
            &b.glyphs,
            &a.glyphs,
            plan.rects(i),
            raster_pages.contains(&i),
        ) {
            failures.push(f);
        }
    }
    // check 2: strings, per page and across the document
    let needles = string_needles(plan);
    let matcher = WordMatcher::new(&needles);
    let mut whole = String::new();
    for (i, a) in after.pages.iter().enumerate() {
        let t = normalise(&page_text(&a.glyphs));
        if matcher.any_in(&t) && !failures.iter().any(|f| f.page == i) {
            failures.push(PageFailure {
                page: i,
                check: STRING_SURVIVES,
            });
        }
        whole.push_str(&t);
        whole.push(' ');
    }
    if !failures.is_empty() {
        return Err(Ok(failures));
    }
    if matcher.any_in(&whole) {
        return Err(Err(Error::Verification {
            check: "a redacted string survives across pages",
            page: None,
            object: None,
        }));
    }
    let doc = Document::load_mem(&bytes).map_err(|_| {
        Err(Error::Verification {
            check: "output does not parse",
            page: None,
            object: None,
        })
    })?;
    structure(&bytes, &doc).map_err(|(check, page)| {
        Err(Error::Verification {
            check,
            page,
            object: None,
        })
    })?;
    let own_images = rasterised_images(&doc, raster_pages);
    raw_scan(&doc, &raw_needles(&plan.strings), &own_images).map_err(|h| {
        Err(Error::Verification {
            check: h.check,
            page: h.page,
            object: (!h.object.is_empty()).then_some(h.object),
        })
    })?;
    drop(doc);
    let bytes = Arc::try_unwrap(bytes).unwrap_or_else(|a| (*a).clone());
    Ok(Verified { bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A document of `pages` (their `/Parent` set here) under a page tree and a catalog.
    fn doc_of(mut d: Document, pages: Vec<lopdf::Dictionary>) -> Document {
        let pages_id = d.new_object_id();
        let kids: Vec<Object> = pages
            .into_iter()
            .map(|mut p| {
                p.set("Parent", Object::Reference(pages_id));
                Object::Reference(d.add_object(p))
            })
            .collect();
        let mut tree = lopdf::Dictionary::new();
        tree.set("Type", Object::Name(b"Pages".to_vec()));
        tree.set("Count", Object::Integer(kids.len() as i64));
        tree.set("Kids", Object::Array(kids));
        d.objects.insert(pages_id, Object::Dictionary(tree));
        let mut cat = lopdf::Dictionary::new();
        cat.set("Type", Object::Name(b"Catalog".to_vec()));
        cat.set("Pages", Object::Reference(pages_id));
        let cat_id = d.add_object(cat);
        d.trailer.set("Root", Object::Reference(cat_id));
        d
    }

    fn glyph(ch: char, x: f32) -> Glyph {
        Glyph {
            ch,
            loose: Rect {
                x0: x,
                y0: 98.0,
                x1: x + 6.0,
                y1: 110.0,
            },
            origin: (x, 100.0),
            size: 12.0,
            font: "F".into(),
            generated: false,
            invisible: false,
            angle: 0.0,
            ocr: false,
        }
    }

    /// After 30 removed glyphs a kept one may sit up to 0.5 pt + 30/1000 em away (pdfium's
    /// whole-unit widths), not further; before any removal 0.5 pt holds.
    #[test]
    fn glyph_shift_allows_pdfium_width_rounding_per_removed_glyph() {
        let mut before: Vec<Glyph> = (0..30).map(|i| glyph('x', 10.0 + i as f32 * 6.0)).collect();
        before.insert(0, glyph('a', 0.0));
        before.push(glyph('b', 200.0));
        let rect = Rect {
            x0: 9.0,
            y0: 95.0,
            x1: 191.0,
            y1: 112.0,
        };
        let after = |a_x: f32, b_x: f32| vec![glyph('a', a_x), glyph('b', b_x)];
        let check = |a: Vec<Glyph>| check_page(0, &before, &a, &[rect], false);
        assert!(check(after(0.0, 200.7)).is_ok());
        assert!(check(after(0.0, 199.4)).is_ok());
        assert!(check(after(0.0, 201.5)).is_err());
        assert!(check(after(0.7, 200.0)).is_err());
    }

    /// Occurrences of a redacted string the plan did not mark are found the way check 2
    /// finds them (case, punctuation and spacing folded, on word boundaries), and only
    /// their glyphs' boxes come back.
    #[test]
    fn unplanned_occurrences_are_found_like_check_two() {
        let line = |text: &str, x0: f32| -> Vec<Glyph> {
            text.chars()
                .enumerate()
                .map(|(i, c)| glyph(c, x0 + i as f32 * 6.0))
                .collect()
        };
        let plan = RedactionPlan {
            strings: vec!["Quernsby Mill".into(), "ab".into()],
            ..RedactionPlan::default()
        };
        let glyphs = line("see QUERNSBY-mill, not quernsbymill; ab", 0.0);
        let boxes = unplanned_occurrences(&glyphs, &plan);
        // "QUERNSBY-mill": its 12 letters from x = 24 (the hyphen between them stays)
        assert_eq!(boxes.len(), 12, "{boxes:?}");
        assert_eq!(boxes[0].x0, 24.0);
        assert_eq!(boxes[11].x0, 24.0 + 12.0 * 6.0);
        assert!(
            !boxes.iter().any(|b| b.x0 == 24.0 + 8.0 * 6.0),
            "hyphen kept"
        );
        // too short to check ("ab"), or inside a longer word: nothing
        let none = unplanned_occurrences(&line("quernsbymill ab", 0.0), &plan);
        assert!(none.is_empty());
    }

    #[test]
    fn a_sanitised_key_left_on_a_page_names_the_page() {
        let pages = [false, true]
            .into_iter()
            .map(|thumb| {
                let mut page = lopdf::Dictionary::new();
                page.set("Type", Object::Name(b"Page".to_vec()));
                if thumb {
                    page.set("Thumb", Object::Integer(0));
                }
                page
            })
            .collect();
        let mut d = doc_of(Document::with_version("1.7"), pages);
        let mut bytes = Vec::new();
        d.save_to(&mut bytes).expect("save");
        let doc = Document::load_mem(&bytes).expect("load");
        assert_eq!(
            structure(&bytes, &doc),
            Err(("a page still has a sanitised key", Some(2)))
        );
    }

    #[test]
    fn raw_scan_whole_words_for_words_anywhere_for_numbers() {
        let doc_with = |text: &[u8]| {
            let mut d = Document::with_version("1.7");
            d.add_object(lopdf::Stream::new(lopdf::Dictionary::new(), text.to_vec()));
            d
        };
        let needles = raw_needles(&["Exercise".to_string(), "12345678".to_string()]);
        assert!(raw_scan(
            &doc_with(b"BT (exercises daily) Tj ET"),
            &needles,
            &BTreeSet::new()
        )
        .is_ok());
        assert!(raw_scan(
            &doc_with(b"BT (no EXERCISE) Tj ET"),
            &needles,
            &BTreeSet::new()
        )
        .is_err());
        assert!(raw_scan(
            &doc_with(b"BT (MRNA12345678B) Tj ET"),
            &needles,
            &BTreeSet::new()
        )
        .is_err());
        assert!(raw_scan(&doc_with(b"<4578657263697365>"), &needles, &BTreeSet::new()).is_err());
    }

    #[test]
    fn raw_scan_names_the_object_kind_number_page_and_form_never_the_string() {
        let mut d = Document::with_version("1.7");
        let mut img = lopdf::Dictionary::new();
        img.set("Type", Object::Name(b"XObject".to_vec()));
        img.set("Subtype", Object::Name(b"Image".to_vec()));
        let img_id = d.add_object(lopdf::Stream::new(img, b"xx Exercise xx".to_vec()));
        let content = d.add_object(lopdf::Stream::new(
            lopdf::Dictionary::new(),
            b"q Q".to_vec(),
        ));
        let mut xo = lopdf::Dictionary::new();
        xo.set("Im0", Object::Reference(img_id));
        let mut res = lopdf::Dictionary::new();
        res.set("XObject", Object::Dictionary(xo));
        let mut page = lopdf::Dictionary::new();
        page.set("Type", Object::Name(b"Page".to_vec()));
        page.set("Contents", Object::Reference(content));
        page.set("Resources", Object::Dictionary(res));
        let d = doc_of(d, vec![page]);

        let hit = raw_scan(
            &d,
            &raw_needles(&["Exercise".to_string()]),
            &BTreeSet::new(),
        )
        .expect_err("found");
        assert_eq!(hit.page, Some(1));
        assert_eq!(
            hit.object,
            format!("image XObject {} 0, found as plain text", img_id.0)
        );
        let msg = Error::Verification {
            check: hit.check,
            page: hit.page,
            object: Some(hit.object),
        }
        .to_string();
        assert!(
            msg.contains("image XObject") && msg.contains("page 1"),
            "{msg}"
        );
        assert!(!msg.to_lowercase().contains("exercise"), "{msg}");
    }

    #[test]
    fn normalise_and_word_match() {
        assert_eq!(normalise("  Dr. JOHN\n  Smith, MD "), "dr john smith md");
        let m = WordMatcher::new(&["john smith".to_string(), "ian".to_string()]);
        assert!(m.any_in("seen by john smith today"));
        assert!(m.any_in("ian"));
        assert!(!m.any_in("johnsmithson"));
        assert!(!m.any_in("christian"));
        assert!(!WordMatcher::new(&[]).any_in("anything"));
    }
}
