//! Raster fallback: a page the interpreter cannot handle is replaced by an image of itself
//! rendered by pdfium, with the redaction rectangles burnt in as black pixels. The page's
//! old content and resources are dropped, so nothing of its text survives; [`add_text_layer`]
//! then puts the words outside the rectangles back as invisible text at their positions,
//! so the page stays searchable and the gate checks that text like any other.

use std::io::Write;

use flate2::write::ZlibEncoder;
use flate2::Compression;
use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, Stream};

use crate::pdfium::Rendered;
use crate::types::Rect;

/// Map a user-space rect to pixel bounds (x0, y0, x1, y1) in the rendered bitmap.
fn to_pixels(
    r: &Rect,
    visible: &Rect,
    rotate: i64,
    img: &Rendered,
) -> (usize, usize, usize, usize) {
    let view = crate::geometry::PageView {
        visible: *visible,
        rotate,
        width_px: img.width,
        height_px: img.height,
    };
    let b = view.to_px(r);
    let clamp = |v: f32, max: usize| (v.max(0.0) as usize).min(max);
    (
        clamp(b[0].floor(), img.width),
        clamp(b[1].floor(), img.height),
        clamp(b[2].ceil(), img.width),
        clamp(b[3].ceil(), img.height),
    )
}

/// Replace the page with `img` (its own rendering) with `rects` burnt in black.
pub fn rasterise_page(
    doc: &mut Document,
    page_id: ObjectId,
    img: &Rendered,
    rects: &[Rect],
    mark: crate::types::Mark,
) -> Result<(), &'static str> {
    let (visible, rotate) = crate::pdf::page_geometry(doc, page_id);
    let mut rgb = Vec::with_capacity(img.width * img.height * 3);
    for px in img.bgra.chunks_exact(4) {
        rgb.extend_from_slice(&[px[2], px[1], px[0]]);
    }
    if rgb.len() != img.width * img.height * 3 {
        return Err("rendered bitmap has an unexpected size");
    }
    for r in rects {
        let (x0, y0, x1, y1) = to_pixels(&r.pad(1.0), &visible, rotate, img);
        for y in y0..y1 {
            let row = y * img.width * 3;
            rgb[row + x0 * 3..row + x1 * 3].fill(mark.grey());
        }
    }
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
    enc.write_all(&rgb)
        .map_err(|_| "image compression failed")?;
    let data = enc.finish().map_err(|_| "image compression failed")?;
    let image = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Image",
            "Width" => img.width as i64,
            "Height" => img.height as i64,
            "ColorSpace" => "DeviceRGB",
            "BitsPerComponent" => 8,
            "Filter" => "FlateDecode",
        },
        data,
    );
    let image_id = doc.add_object(Object::Stream(image));
    let (dw, dh) = if rotate == 90 || rotate == 270 {
        (visible.height(), visible.width())
    } else {
        (visible.width(), visible.height())
    };
    let content = format!("q {dw:.4} 0 0 {dh:.4} 0 0 cm /RdImg Do Q\n").into_bytes();
    let content_id = doc.add_object(Object::Stream(Stream::new(Dictionary::new(), content)));
    let page = doc
        .get_dictionary_mut(page_id)
        .map_err(|_| "page dictionary missing")?;
    page.set(
        "MediaBox",
        vec![0.into(), 0.into(), Object::Real(dw), Object::Real(dh)],
    );
    page.remove(b"CropBox");
    page.remove(b"BleedBox");
    page.remove(b"TrimBox");
    page.remove(b"ArtBox");
    page.set("Rotate", 0);
    page.set("Contents", Object::Reference(content_id));
    page.set(
        "Resources",
        dictionary! { "XObject" => dictionary! { "RdImg" => Object::Reference(image_id) } },
    );
    page.remove(b"Group");
    Ok(())
}

/// Where a point of the original page (user space before `/Rotate`) lands on the
/// rasterised page (no rotation, origin at the bottom left of the visible box).
fn to_display(x: f32, y: f32, visible: &Rect, rotate: i64) -> (f32, f32) {
    let (w, h) = (visible.width(), visible.height());
    let (u, v) = (x - visible.x0, y - visible.y0);
    match rotate {
        90 => (v, w - u),
        180 => (w - u, h - v),
        270 => (h - v, u),
        _ => (u, v),
    }
}

/// WinAnsi code of a character Helvetica can show (ASCII and Latin-1), if any.
fn win_ansi(c: char) -> Option<u8> {
    let n = c as u32;
    ((0x20..0x7F).contains(&n) || (0xA0..=0xFF).contains(&n)).then_some(n as u8)
}

/// The glyphs a text layer keeps: those whose box is clear of every rectangle by 2 pt
/// (pdfium's generated spaces and line breaks, which have no box, included).
fn kept_glyphs<'a>(
    glyphs: &'a [crate::types::Glyph],
    rects: &'a [Rect],
) -> impl Iterator<Item = &'a crate::types::Glyph> + 'a {
    glyphs
        .iter()
        .filter(move |g| !rects.iter().any(|r| r.pad(2.0).intersects(&g.loose)))
}

/// The text [`add_text_layer`] would write reads none of `strings` (the plan's redacted
/// strings), matched as the verification gate matches page text.
pub fn text_layer_is_clean(
    glyphs: &[crate::types::Glyph],
    rects: &[Rect],
    strings: &[String],
) -> bool {
    use crate::text::{normalise, WordMatcher};
    let kept: String = kept_glyphs(glyphs, rects).map(|g| g.ch).collect();
    let needles: Vec<String> = strings.iter().map(|s| normalise(s)).collect();
    !WordMatcher::new(&needles).any_in(&normalise(&kept))
}

/// Put the glyphs of `glyphs` that lie outside every rectangle (by 2 pt) back on a
/// rasterised page as invisible text (render mode 3, Helvetica, WinAnsi), each at its own
/// position, size and angle. Characters Helvetica cannot show are left out. Returns how
/// many glyphs were written. Call after [`rasterise_page`]; `visible` and `rotate` are the
/// page's geometry before it.
pub fn add_text_layer(
    doc: &mut Document,
    page_id: ObjectId,
    glyphs: &[crate::types::Glyph],
    rects: &[Rect],
    visible: &Rect,
    rotate: i64,
) -> Result<usize, &'static str> {
    let mut ops = String::from("BT 3 Tr\n100 Tz\n");
    let mut n = 0;
    let show = |ops: &mut String, g: &crate::types::Glyph, codes: &str, tz: f32| {
        let (x, y) = to_display(g.origin.0, g.origin.1, visible, rotate);
        let a = (g.angle - rotate as f32).to_radians();
        let (c, s) = (a.cos() * g.size, a.sin() * g.size);
        ops.push_str(&format!(
            "{tz:.2} Tz /RdF 1 Tf {c:.4} {s:.4} {:.4} {c:.4} {x:.3} {y:.3} Tm [{codes}] TJ\n",
            -s
        ));
    };
    // OCR words are written whole, Helvetica scaled (Tz) to the word's box, so readers
    // join its letters and see the gaps between words; other glyphs one by one. Each
    // character is its own one-byte string inside a TJ array, so no run of kept letters
    // spells a redacted string in the raw bytes the gate scans ("Park" in "Parkinson")
    let helvetica = super::fonts::core14_for("Helvetica");
    let mut word: Vec<&crate::types::Glyph> = Vec::new();
    let flush = |ops: &mut String, word: &mut Vec<&crate::types::Glyph>, n: &mut usize| {
        let (Some(first), Some(last)) = (word.first(), word.last()) else {
            return;
        };
        let codes: String = word
            .iter()
            .filter_map(|g| win_ansi(g.ch))
            .map(|c| format!("<{c:02x}>"))
            .collect();
        let em: f32 = word
            .iter()
            .filter_map(|g| helvetica.and_then(|f| super::fonts::core14_width(f, g.ch)))
            .sum();
        let span = first.loose.union(&last.loose);
        let extent = if rotate % 180 == 0 {
            span.width()
        } else {
            span.height()
        };
        let tz = if em > 0.0 && first.size > 0.0 {
            (100.0 * extent / (em / 1000.0 * first.size)).clamp(1.0, 1000.0)
        } else {
            100.0
        };
        show(ops, first, &codes, tz);
        *n += word.len();
        word.clear();
    };
    let keep = |g: &crate::types::Glyph| !rects.iter().any(|r| r.pad(2.0).intersects(&g.loose));
    for g in glyphs {
        let drawable = !g.generated
            && !g.ch.is_whitespace()
            && g.size > 0.0
            && !g.loose.is_empty()
            && keep(g)
            && win_ansi(g.ch).is_some();
        if g.ocr && drawable {
            word.push(g);
            continue;
        }
        flush(&mut ops, &mut word, &mut n);
        if g.ocr || !drawable {
            continue;
        }
        if let Some(code) = win_ansi(g.ch) {
            show(&mut ops, g, &format!("<{code:02x}>"), 100.0);
            n += 1;
        }
    }
    flush(&mut ops, &mut word, &mut n);
    ops.push_str("ET\n");
    if n == 0 {
        return Ok(0);
    }
    let content_id = doc.add_object(Object::Stream(Stream::new(
        Dictionary::new(),
        ops.into_bytes(),
    )));
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let page = doc
        .get_dictionary_mut(page_id)
        .map_err(|_| "page dictionary missing")?;
    let first = page
        .get(b"Contents")
        .cloned()
        .map_err(|_| "page content missing")?;
    page.set(
        "Contents",
        Object::Array(vec![first, Object::Reference(content_id)]),
    );
    let res = page
        .get_mut(b"Resources")
        .and_then(Object::as_dict_mut)
        .map_err(|_| "page resources missing")?;
    res.set("Font", dictionary! { "RdF" => Object::Reference(font_id) });
    Ok(n)
}
