//! Font metrics for the content-stream interpreter: glyph advance widths and vertical
//! extent for simple fonts (with `/Widths`, or the compiled-in standard-14 AFM tables),
//! Type3 fonts (widths through their font matrix) and Type0 fonts with Identity-H. Anything else is reported as unsupported, which makes the
//! redactor rasterise the page instead of guessing.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object};

use super::core14_data::{
    Core14Font, CORE14, GLYPH_NAMES, MAC_ROMAN_ENCODING, STANDARD_ENCODING, WIN_ANSI_ENCODING,
};

#[derive(Debug, Clone)]
enum Widths {
    /// Per code (0..=255), in 1/1000 em; `None` = unknown.
    Simple(Box<[Option<f32>; 256]>),
    /// CID → width, default width.
    Cid(HashMap<u32, f32>, f32),
}

/// What the interpreter needs to know about a font.
#[derive(Debug, Clone)]
pub struct FontMetrics {
    pub two_byte: bool,
    widths: Widths,
    pub ascent: f32,
    pub descent: f32,
    /// `None` when glyphs of this font can be positioned; otherwise why not.
    pub unsupported: Option<&'static str>,
    /// The font's kind and encoding from its dictionary ("TrueType, WinAnsiEncoding,
    /// embedded"; "Type0/CIDFontType2, Identity-H, embedded"), for raster reasons. Never
    /// the font's name.
    pub kind: String,
}

impl FontMetrics {
    pub fn unsupported(reason: &'static str) -> Self {
        FontMetrics {
            two_byte: false,
            widths: Widths::Simple(Box::new([None; 256])),
            ascent: 800.0,
            descent: -200.0,
            unsupported: Some(reason),
            kind: String::new(),
        }
    }

    /// Advance width of `code` in 1/1000 em, if known.
    pub fn width(&self, code: u32) -> Option<f32> {
        match &self.widths {
            Widths::Simple(w) => w.get(code as usize).copied().flatten(),
            Widths::Cid(m, dw) => Some(m.get(&code).copied().unwrap_or(*dw)),
        }
    }
}

fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
}

fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

fn dict_num(doc: &Document, d: &Dictionary, key: &[u8]) -> Option<f32> {
    d.get(key).ok().map(|o| resolve(doc, o)).and_then(num)
}

fn name_of<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
    d.get(key)
        .ok()
        .map(|o| resolve(doc, o))
        .and_then(|o| o.as_name().ok())
}

fn dict_of<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Dictionary> {
    d.get(key)
        .ok()
        .map(|o| resolve(doc, o))
        .and_then(|o| o.as_dict().ok())
}

fn array_of<'a>(doc: &'a Document, d: &'a Dictionary, key: &[u8]) -> Option<&'a Vec<Object>> {
    d.get(key)
        .ok()
        .map(|o| resolve(doc, o))
        .and_then(|o| o.as_array().ok())
}

/// Map a base font name to one of the standard 14 (with the usual aliases).
pub fn core14_for(base: &str) -> Option<&'static Core14Font> {
    let base = match base.split_once('+') {
        Some((tag, rest)) if tag.len() == 6 => rest,
        _ => base,
    };
    let norm = base.replace([' ', '-', ','], "").to_ascii_lowercase();
    let bold = norm.contains("bold");
    let italic = norm.contains("italic") || norm.contains("oblique");
    let family = if norm.starts_with("helvetica") || norm.starts_with("arial") {
        "Helvetica"
    } else if norm.starts_with("times") {
        "Times"
    } else if norm.starts_with("courier") {
        "Courier"
    } else if norm.starts_with("symbol") {
        return CORE14.iter().find(|f| f.name == "Symbol");
    } else if norm.starts_with("zapfdingbats") {
        return CORE14.iter().find(|f| f.name == "ZapfDingbats");
    } else {
        return None;
    };
    let name = match (family, bold, italic) {
        ("Times", false, false) => "Times-Roman".to_string(),
        ("Times", true, false) => "Times-Bold".to_string(),
        ("Times", false, true) => "Times-Italic".to_string(),
        ("Times", true, true) => "Times-BoldItalic".to_string(),
        (f, false, false) => f.to_string(),
        (f, true, false) => format!("{f}-Bold"),
        (f, false, true) => format!("{f}-Oblique"),
        (f, true, true) => format!("{f}-BoldOblique"),
    };
    CORE14.iter().find(|f| f.name == name)
}

pub(crate) fn core14_width(f: &Core14Font, c: char) -> Option<f32> {
    f.widths
        .binary_search_by(|(k, _)| k.cmp(&c))
        .ok()
        .map(|i| f.widths[i].1 as f32)
}

pub fn glyph_name_char(name: &str) -> Option<char> {
    if let Ok(i) = GLYPH_NAMES.binary_search_by(|(k, _)| k.cmp(&name)) {
        return Some(GLYPH_NAMES[i].1);
    }
    if let Some(hex) = name.strip_prefix("uni") {
        if hex.len() == 4 {
            return u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
        }
    }
    None
}

/// Code → character map of a simple font's encoding (base encoding + `/Differences`).
fn simple_encoding(doc: &Document, font: &Dictionary) -> [Option<char>; 256] {
    let mut table = STANDARD_ENCODING;
    let enc = font.get(b"Encoding").ok().map(|o| resolve(doc, o));
    let base_name = match enc {
        Some(Object::Name(n)) => Some(n.as_slice()),
        Some(Object::Dictionary(d)) => name_of(doc, d, b"BaseEncoding"),
        _ => None,
    };
    match base_name {
        Some(b"WinAnsiEncoding") => table = WIN_ANSI_ENCODING,
        Some(b"MacRomanEncoding") => table = MAC_ROMAN_ENCODING,
        _ => {}
    }
    if let Some(Object::Dictionary(d)) = enc {
        if let Some(diffs) = array_of(doc, d, b"Differences") {
            let mut code: usize = 0;
            for item in diffs {
                match item {
                    Object::Integer(i) => code = (*i).clamp(0, 255) as usize,
                    Object::Name(n) => {
                        if code < 256 {
                            table[code] = std::str::from_utf8(n).ok().and_then(glyph_name_char);
                        }
                        code += 1;
                    }
                    _ => {}
                }
            }
        }
    }
    table
}

fn descriptor_extent(doc: &Document, d: Option<&Dictionary>) -> (Option<f32>, Option<f32>) {
    match d {
        Some(fd) => (
            dict_num(doc, fd, b"Ascent").filter(|a| *a > 0.0),
            dict_num(doc, fd, b"Descent").filter(|d| *d < 0.0),
        ),
        None => (None, None),
    }
}

/// Load metrics for a font dictionary.
pub fn load(doc: &Document, font: &Dictionary) -> FontMetrics {
    let subtype = name_of(doc, font, b"Subtype").unwrap_or(b"");
    let mut m = match subtype {
        b"Type0" => load_type0(doc, font),
        b"Type3" => load_type3(doc, font),
        _ => load_simple(doc, font),
    };
    m.kind = describe(doc, font);
    m
}

/// Kind, encoding and whether the program is embedded, from the font dictionary.
pub fn describe(doc: &Document, font: &Dictionary) -> String {
    let name = |d: &Dictionary, k: &[u8]| {
        name_of(doc, d, k).map(|n| String::from_utf8_lossy(n).into_owned())
    };
    let mut kind = name(font, b"Subtype").unwrap_or_else(|| "no subtype".into());
    let descendant = array_of(doc, font, b"DescendantFonts")
        .and_then(|a| a.first())
        .map(|o| resolve(doc, o))
        .and_then(|o| o.as_dict().ok());
    if let Some(sub) = descendant.and_then(|d| name(d, b"Subtype")) {
        kind = format!("{kind}/{sub}");
    }
    let encoding = match font.get(b"Encoding").ok().map(|o| resolve(doc, o)) {
        Some(Object::Name(n)) => String::from_utf8_lossy(n).into_owned(),
        Some(Object::Stream(_)) => "embedded CMap".into(),
        Some(Object::Dictionary(d)) => match name(d, b"BaseEncoding") {
            Some(b) => format!("{b} with Differences"),
            None => "Differences".into(),
        },
        _ => "built-in encoding".into(),
    };
    let fd = dict_of(doc, descendant.unwrap_or(font), b"FontDescriptor");
    let program = fd.and_then(|fd| {
        [&b"FontFile"[..], b"FontFile2", b"FontFile3"]
            .into_iter()
            .find(|k| fd.has(k))
    });
    let embedded = match program {
        Some(b"FontFile2") => ", embedded TrueType program",
        Some(b"FontFile3") => ", embedded CFF/OpenType program",
        Some(_) => ", embedded Type1 program",
        None => ", not embedded",
    };
    format!("{kind}, {encoding}{embedded}")
}

/// A simple font's `/Widths` array from `/FirstChar` on, each times `scale`, by code.
fn widths_from(
    doc: &Document,
    font: &Dictionary,
    w: &[Object],
    scale: f32,
) -> Box<[Option<f32>; 256]> {
    let first = dict_num(doc, font, b"FirstChar").unwrap_or(0.0).max(0.0) as usize;
    let mut widths: Box<[Option<f32>; 256]> = Box::new([None; 256]);
    for (i, o) in w.iter().enumerate() {
        if let Some(slot) = widths.get_mut(first + i) {
            *slot = num(resolve(doc, o)).map(|v| v * scale);
        }
    }
    widths
}

/// Type3 (icon fonts, some browsers' and TeX's bitmap fonts): one-byte codes, `/Widths`
/// in glyph space scaled by `/FontMatrix`, vertical extent from `/FontBBox`. Only a
/// scale-only font matrix is positioned (a sheared, rotated or mirrored one is unsupported;
/// a vertically flipped one is fine).
fn load_type3(doc: &Document, font: &Dictionary) -> FontMetrics {
    let Some(fm) = array_of(doc, font, b"FontMatrix")
        .map(|a| {
            a.iter()
                .map(|o| num(resolve(doc, o)))
                .collect::<Option<Vec<f32>>>()
        })
        .and_then(|m| m.filter(|m| m.len() == 6))
    else {
        return FontMetrics::unsupported("Type3 font without a font matrix");
    };
    let (sx, sy) = (fm[0] * 1000.0, fm[3] * 1000.0);
    let scale_only = fm[1].abs() < 1e-9 && fm[2].abs() < 1e-9;
    // glyphs drawn upside down in glyph space (a negative vertical scale, as some
    // producers write) are fine; mirrored advances are not
    if !scale_only || !sx.is_finite() || !sy.is_finite() || sx <= 0.0 || sy == 0.0 {
        return FontMetrics::unsupported("Type3 font with a sheared or mirrored font matrix");
    }
    let Some(w) = array_of(doc, font, b"Widths") else {
        return FontMetrics::unsupported("Type3 font without widths");
    };
    let widths = widths_from(doc, font, w, sx);
    let bbox = array_of(doc, font, b"FontBBox")
        .map(|a| {
            a.iter()
                .filter_map(|o| num(resolve(doc, o)))
                .collect::<Vec<f32>>()
        })
        .filter(|b| b.len() == 4);
    let (descent, ascent) = match bbox {
        Some(b) if (b[3] - b[1]).abs() > 0.0 => {
            let (y0, y1) = (b[1] * sy, b[3] * sy);
            (y0.min(y1).min(0.0), y0.max(y1).max(1.0))
        }
        _ => (-200.0, 800.0),
    };
    FontMetrics {
        two_byte: false,
        widths: Widths::Simple(widths),
        ascent,
        descent,
        unsupported: None,
        kind: String::new(),
    }
}

fn load_simple(doc: &Document, font: &Dictionary) -> FontMetrics {
    let base = name_of(doc, font, b"BaseFont")
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let fd = dict_of(doc, font, b"FontDescriptor");
    let (asc, desc) = descriptor_extent(doc, fd);
    let core = core14_for(&base);
    let mut widths: Box<[Option<f32>; 256]> = Box::new([None; 256]);
    if let Some(w) = array_of(doc, font, b"Widths") {
        let missing = fd.and_then(|fd| dict_num(doc, fd, b"MissingWidth"));
        widths = widths_from(doc, font, w, 1.0);
        for slot in widths.iter_mut() {
            if slot.is_none() {
                *slot = missing.or(Some(0.0));
            }
        }
    } else if let Some(cf) = core {
        if cf.name == "Symbol" || cf.name == "ZapfDingbats" {
            return FontMetrics::unsupported("symbolic standard font without widths");
        }
        let enc = simple_encoding(doc, font);
        for (code, ch) in enc.iter().enumerate() {
            widths[code] = ch.and_then(|c| core14_width(cf, c));
        }
    } else {
        return FontMetrics::unsupported("simple font without widths");
    }
    FontMetrics {
        two_byte: false,
        widths: Widths::Simple(widths),
        ascent: asc.or(core.map(|c| c.ascent)).unwrap_or(800.0),
        descent: desc.or(core.map(|c| c.descent)).unwrap_or(-200.0),
        unsupported: None,
        kind: String::new(),
    }
}

fn load_type0(doc: &Document, font: &Dictionary) -> FontMetrics {
    match font.get(b"Encoding").ok().map(|o| resolve(doc, o)) {
        Some(Object::Name(n)) if n == b"Identity-H" => {}
        Some(Object::Name(n)) if n == b"Identity-V" => {
            return FontMetrics::unsupported("vertical writing")
        }
        _ => return FontMetrics::unsupported("Type0 font with a non-Identity CMap"),
    }
    let Some(desc_font) = array_of(doc, font, b"DescendantFonts")
        .and_then(|a| a.first())
        .map(|o| resolve(doc, o))
        .and_then(|o| o.as_dict().ok())
    else {
        return FontMetrics::unsupported("Type0 font without descendant");
    };
    let dw = dict_num(doc, desc_font, b"DW").unwrap_or(1000.0);
    let mut map = HashMap::new();
    if let Some(w) = array_of(doc, desc_font, b"W") {
        let mut i = 0;
        while i < w.len() {
            let Some(c0) = num(resolve(doc, &w[i])) else {
                return FontMetrics::unsupported("malformed /W");
            };
            let c0 = c0.max(0.0) as u32;
            match w.get(i + 1).map(|o| resolve(doc, o)) {
                Some(Object::Array(list)) => {
                    for (k, o) in list.iter().enumerate() {
                        if let Some(v) = num(resolve(doc, o)) {
                            map.insert(c0 + k as u32, v);
                        }
                    }
                    i += 2;
                }
                Some(o) => {
                    let (Some(c1), Some(v)) =
                        (num(o), w.get(i + 2).map(|o| resolve(doc, o)).and_then(num))
                    else {
                        return FontMetrics::unsupported("malformed /W");
                    };
                    let c1 = (c1.max(0.0) as u32).min(c0 + 65_536);
                    for c in c0..=c1 {
                        map.insert(c, v);
                    }
                    i += 3;
                }
                None => break,
            }
        }
    }
    let (asc, desc) = descriptor_extent(doc, dict_of(doc, desc_font, b"FontDescriptor"));
    FontMetrics {
        two_byte: true,
        widths: Widths::Cid(map, dw),
        ascent: asc.unwrap_or(900.0),
        descent: desc.unwrap_or(-250.0),
        unsupported: None,
        kind: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core14_aliases_and_widths() {
        let h = core14_for("Helvetica").expect("helvetica");
        assert_eq!(core14_width(h, 'A'), Some(667.0));
        assert_eq!(
            core14_for("Arial,Bold").map(|f| f.name),
            Some("Helvetica-Bold")
        );
        assert_eq!(
            core14_for("ABCDEF+TimesNewRoman").map(|f| f.name),
            Some("Times-Roman")
        );
        assert!(core14_for("DejaVuSans").is_none());
        assert_eq!(glyph_name_char("eacute"), Some('é'));
        assert_eq!(glyph_name_char("uni0041"), Some('A'));
    }

    #[test]
    fn helvetica_without_widths_uses_afm() {
        let doc = Document::with_version("1.7");
        let mut d = Dictionary::new();
        d.set("Type", Object::Name(b"Font".to_vec()));
        d.set("Subtype", Object::Name(b"Type1".to_vec()));
        d.set("BaseFont", Object::Name(b"Helvetica".to_vec()));
        d.set("Encoding", Object::Name(b"WinAnsiEncoding".to_vec()));
        let m = load(&doc, &d);
        assert!(m.unsupported.is_none());
        assert_eq!(m.width(b'A' as u32), Some(667.0));
        assert_eq!(m.width(b' ' as u32), Some(278.0));
    }
}
