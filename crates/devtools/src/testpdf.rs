//! Synthetic PDF builder for tests, benches and sample files.
//!
//! Every input here is one of our own constants, so the `expect()` calls can only fire on a bug
//! in this generator; that is the one place in the crate where panicking is accepted.
//!
//! Standard-14 fonts are written the way many real-world files do it: a bare Type1 dictionary
//! with `/WinAnsiEncoding` and no `/Widths`. `EmbeddedTrueType` and `Type0Identity` embed
//! DejaVuSans (see [`DEJAVU_SANS`]); when that file is missing both fall back to Helvetica
//! (see [`truetype_available`]). Output is deterministic: the same spec gives the same bytes.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::OnceLock;

use flate2::write::ZlibEncoder;
use flate2::Compression;
use lopdf::xref::XrefType;
use lopdf::{
    dictionary, Dictionary, Document, EncryptionState, EncryptionVersion, Object, ObjectId,
    Permissions, Stream, StringFormat,
};

/// The TrueType font embedded for [`FontKind::EmbeddedTrueType`] and [`FontKind::Type0Identity`].
pub const DEJAVU_SANS: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const PAGE_W: i64 = 612;
const PAGE_H: i64 = 792;
/// The `/ID` written into every file (fixed so that output stays deterministic).
const FILE_ID: &[u8; 16] = b"pdf-deid-testpdf";

/// A paragraph/line of text to place. A `\n` in `text` starts a new line 1.2 × `size` lower.
#[derive(Debug, Clone)]
pub struct Line {
    pub text: String,
    pub x: f32,
    pub y: f32,
    pub size: f32,
    pub font: FontKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FontKind {
    Helvetica,
    HelveticaBold,
    TimesRoman,
    Courier,
    EmbeddedTrueType,
    Type0Identity,
}

impl FontKind {
    fn resource_name(self) -> &'static str {
        match self {
            FontKind::Helvetica => "F1",
            FontKind::HelveticaBold => "F2",
            FontKind::TimesRoman => "F3",
            FontKind::Courier => "F4",
            FontKind::EmbeddedTrueType => "F5",
            FontKind::Type0Identity => "F6",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PageSpec {
    pub lines: Vec<Line>,
    /// Draw via TJ arrays with kerning numbers between some glyphs inside words.
    pub kerned_tj: bool,
}

#[derive(Debug, Clone, Default)]
pub struct DocSpec {
    pub pages: Vec<PageSpec>,
    /// `/Info` dictionary entries.
    pub info_title: Option<String>,
    pub info_author: Option<String>,
    /// Text put into an XMP `/Metadata` stream on the catalog (as `dc:description`, uncompressed).
    pub xmp: Option<String>,
    /// A `/Text` annotation with `/Contents` on page 1 plus a `/Link` whose `/URI` contains it.
    pub annotation_text: Option<String>,
    /// An AcroForm text field with `/V` and a widget whose `/AP` shows it.
    pub form_field_value: Option<String>,
    /// An embedded file (`/Names /EmbeddedFiles`, Flate-compressed) containing it.
    pub attachment_text: Option<String>,
    /// JavaScript source (used verbatim) in `/Names /JavaScript` and the `/OpenAction`.
    pub javascript: Option<String>,
    /// `/Outlines` with one bookmark titled this.
    pub outline_title: Option<String>,
    /// A Form XObject drawing this text (Helvetica 9, bottom of the page), used on every page.
    pub shared_form_xobject: Option<String>,
}

/// Whether DejaVuSans could be read and parsed; when false, the embedded kinds draw in Helvetica.
pub fn truetype_available() -> bool {
    ttf().is_some()
}

/// Builds the complete PDF described by `spec`.
pub fn build(spec: &DocSpec) -> Vec<u8> {
    save(build_doc(spec, ttf()))
}

impl Line {
    pub fn new(text: impl Into<String>, x: f32, y: f32, size: f32, font: FontKind) -> Line {
        Line {
            text: text.into(),
            x,
            y,
            size,
            font,
        }
    }
}

/// A page with each `(text, x, y)` drawn in `font` at `size`.
pub fn simple_page(lines: &[(&str, f32, f32)], font: FontKind, size: f32) -> PageSpec {
    let lines = lines
        .iter()
        .map(|&(t, x, y)| Line::new(t, x, y, size, font))
        .collect();
    PageSpec {
        lines,
        kerned_tj: false,
    }
}

fn one_page(lines: Vec<Line>, title: Option<&str>) -> DocSpec {
    let page = PageSpec {
        lines,
        kerned_tj: false,
    };
    doc_spec(vec![page], title)
}

fn doc_spec(pages: Vec<PageSpec>, title: Option<&str>) -> DocSpec {
    let info_title = title.map(str::to_string);
    DocSpec {
        pages,
        info_title,
        ..DocSpec::default()
    }
}

/// A one-page clinical letter in Helvetica with planted synthetic PHI (patient name, DOB, MRN,
/// phone, address, doctor). Returns the bytes and the planted PHI strings.
pub fn clinical_letter(seed: u64) -> (Vec<u8>, Vec<String>) {
    let mut rng = Lcg(seed);
    let name = rng.pick(
        "Margaret Ellison|Jonathan Pryce|Aisha Rahman|Carlos Mendoza|Ingrid Solberg|\
         Tobias Whitfield",
    );
    let dob = rng.pick("03/14/1962|11/02/1948|07/29/1975|01/05/1990|09/17/1983");
    let mrn = format!("{:08}", rng.next_u64() % 100_000_000);
    let (exchange, line) = (200 + rng.next_u64() % 800, rng.next_u64() % 10_000);
    let phone = format!("(555) {exchange:03}-{line:04}");
    let address = rng.pick(
        "42 Elm Street, Springfield, IL 62704|1187 Maple Avenue, Apt 3B, Dayton, OH 45402|\
         9 Harbor View Road, Portland, ME 04101|560 Cedar Lane, Boulder, CO 80302",
    );
    let doctor = rng.pick("Helen Okafor|Samuel Brandt|Mei Lin Zhou|Rafael Ortega");
    let body = format!(
        "Riverside Community Health Clinic\nDepartment of Internal Medicine\n\
         CLINICAL SUMMARY LETTER\nPatient: {name}\nDate of Birth: {dob}\nMRN: {mrn}\n\
         Phone: {phone}\nAddress: {address}\nTo whom it may concern,\n\
         I saw {name} in clinic today for follow-up of hypertension and\n\
         type 2 diabetes. Blood pressure was well controlled and HbA1c has\n\
         improved on metformin. No medication changes were made at this visit.\n\
         Please contact the clinic if you have any questions about this patient.\n\
         Sincerely,\nDr. {doctor}, MD\nAttending Physician"
    );
    let ys = [
        740., 724., 690., 660., 644., 628., 612., 596., 560., 540., 525., 510., 480., 440., 410.,
        396.,
    ];
    let lines = body.lines().zip(ys);
    let lines = lines.enumerate().map(|(i, (text, y))| match i {
        0 => Line::new(text, 72.0, y, 16.0, FontKind::HelveticaBold),
        2 => Line::new(text, 72.0, y, 12.0, FontKind::HelveticaBold),
        _ => Line::new(text, 72.0, y, 11.0, FontKind::Helvetica),
    });
    let spec = one_page(lines.collect(), Some("Clinical summary letter"));
    let planted = [name, dob, &mrn, &phone, address, doctor].map(str::to_string);
    (build(&spec), planted.to_vec())
}

/// A two-column page (left block drawn first, then the right block, each a bold heading and
/// lines 14 pt apart). Returns the bytes and the planted PHI strings, each on a single line.
pub fn two_column() -> (Vec<u8>, Vec<String>) {
    let left = "HISTORY\nPatient Daniel Whitaker is a 67 year\n\
        old man with chronic kidney disease,\nstage 3, and long-standing gout.\n\
        He was admitted on 02/11/2024 with\nfatigue and reduced urine output.\n\
        MRN 5521983 was verified at intake.";
    let right = "PLAN\nFollow up with Dr. Priya Natarajan\n\
        in the nephrology clinic in 4 weeks.\nRepeat renal panel before the visit.\n\
        Emergency contact: Laura Whitaker\nContact phone: (555) 862-4410\n\
        Lives at 77 Birch Road, Salem, MA";
    let mut lines = Vec::new();
    for (x, block) in [(72.0, left), (324.0, right)] {
        for (i, text) in block.lines().enumerate() {
            let font = [FontKind::HelveticaBold, FontKind::Helvetica][usize::from(i > 0)];
            lines.push(Line::new(text, x, 720.0 - 14.0 * i as f32, 10.0, font));
        }
    }
    let planted = "Daniel Whitaker|02/11/2024|5521983|Priya Natarajan|Laura Whitaker|\
                   (555) 862-4410|77 Birch Road, Salem, MA";
    let planted = planted.split('|').map(str::to_string).collect();
    (build(&one_page(lines, None)), planted)
}

/// Headings (Helvetica-Bold 16) followed by body paragraphs, on three pages (body in
/// Helvetica, Times-Roman and a Courier lab table respectively).
pub fn with_headings() -> Vec<u8> {
    let sections = [
        (
            "Discharge Summary",
            FontKind::Helvetica,
            "Patient Rosa Delgado was admitted for community acquired pneumonia.\n\
             She received intravenous antibiotics for three days and improved.\n\
             Oxygen was weaned to room air before discharge.",
        ),
        (
            "Medications",
            FontKind::TimesRoman,
            "Amoxicillin 875 mg by mouth twice daily for five more days.\n\
             Continue lisinopril 10 mg daily. Stop ibuprofen.\nPrescribed by Dr. Victor Lindqvist.",
        ),
        (
            "Laboratory Results",
            FontKind::Courier,
            "WBC        11.2   (4.0-10.5)\nHemoglobin 12.9   (12.0-16.0)\n\
             Creatinine  0.9   (0.6-1.1)",
        ),
    ];
    let sections = sections.map(|(heading, font, body)| {
        let heading = Line::new(heading, 72.0, 720.0, 16.0, FontKind::HelveticaBold);
        PageSpec {
            lines: vec![heading, Line::new(body, 72.0, 690.0, 11.0, font)],
            kerned_tj: false,
        }
    });
    build(&doc_spec(sections.to_vec(), Some("Discharge summary")))
}

/// A one-page file encrypted with the standard security handler, RC4 128-bit (V2, R3), owner
/// password `owner-pass`. Use `"secret"` for a file that needs a password and `""` for one that
/// opens without one. The page shows "Patient: Evelyn Hartley" and "MRN: 7730215".
pub fn encrypted(user_password: &str) -> Vec<u8> {
    let text = [
        ("Patient: Evelyn Hartley", 72.0, 700.0),
        ("MRN: 7730215", 72.0, 684.0),
    ];
    let lines = simple_page(&text, FontKind::Helvetica, 12.0).lines;
    let mut doc = build_doc(
        &one_page(lines, Some("Encrypted record for Evelyn Hartley")),
        ttf(),
    );
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner-pass",
        user_password,
        key_length: 128,
        permissions: Permissions::all(),
    })
    .expect("testpdf: encryption state");
    doc.encrypt(&state).expect("testpdf: encrypt");
    save(doc)
}

/// A valid PDF (the clinical letter for seed 0) cut in half.
pub fn truncated() -> Vec<u8> {
    let (mut bytes, _) = clinical_letter(0);
    bytes.truncate(bytes.len() / 2);
    bytes
}

/// A tiny deterministic LCG (Knuth's MMIX constants), shared by the generators and tests.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005);
        self.0 = self.0.wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// One of the `|`-separated items of `list`.
    fn pick<'a>(&mut self, list: &'a str) -> &'a str {
        let items: Vec<&str> = list.split('|').collect();
        items[self.below(items.len())]
    }
}

/// Saves with a classic cross-reference table (lopdf defaults to an xref stream).
fn save(mut doc: Document) -> Vec<u8> {
    doc.reference_table.cross_reference_type = XrefType::CrossReferenceTable;
    let mut out = Vec::new();
    doc.save_to(&mut out).expect("testpdf: save");
    out
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut enc = ZlibEncoder::new(Vec::new(), Compression::default());
    enc.write_all(data).expect("testpdf: deflate");
    enc.finish().expect("testpdf: deflate")
}

fn flate_stream(mut dict: Dictionary, data: &str) -> Stream {
    dict.set("Filter", "FlateDecode");
    Stream::new(dict, deflate(data.as_bytes()))
}

fn lit(s: &str) -> Object {
    Object::string_literal(s)
}

fn rect(r: [i64; 4]) -> Object {
    r.map(Object::Integer).to_vec().into()
}

/// A PDF text string: ASCII as is, anything else as UTF-16BE with a byte order mark.
fn text_string(s: &str) -> Object {
    if s.is_ascii() {
        return lit(s);
    }
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(s.encode_utf16().flat_map(u16::to_be_bytes));
    Object::String(bytes, StringFormat::Hexadecimal)
}

/// Maps a char to its WinAnsiEncoding byte; `?` where it has none.
fn win_ansi(c: char) -> u8 {
    // 0x80..=0x9F; NUL marks the unassigned codes.
    const HIGH: &str = "€\0‚ƒ„…†‡ˆ‰Š‹Œ\0Ž\0\0‘’“”•–—˜™š›œ\0žŸ";
    match c as u32 {
        0x20..=0x7E | 0xA0..=0xFF => c as u8,
        0 => b'?',
        _ => HIGH
            .chars()
            .position(|h| h == c)
            .map_or(b'?', |i| 0x80 + i as u8),
    }
}

/// A literal string operand: parentheses and backslashes escaped, other bytes outside
/// printable ASCII as octal escapes.
fn literal(bytes: impl IntoIterator<Item = u8>) -> String {
    let mut s = String::from("(");
    for b in bytes {
        match b {
            b'(' | b')' | b'\\' => s.extend(['\\', b as char]),
            0x20..=0x7E => s.push(b as char),
            _ => s.push_str(&format!("\\{b:03o}")),
        }
    }
    s + ")"
}

/// The parts of DejaVuSans this generator needs, parsed once.
struct Ttf {
    raw_len: usize,
    compressed: Vec<u8>,
    units_per_em: f32,
    bbox: [i16; 4],
    ascent: i16,
    descent: i16,
    cap_height: i16,
    advances: Vec<u16>,
    cmap: BTreeMap<u16, u16>,
}

impl Ttf {
    fn glyph(&self, c: char) -> u16 {
        let code = u16::try_from(u32::from(c)).ok();
        code.and_then(|c| self.cmap.get(&c).copied()).unwrap_or(0)
    }

    /// A glyph's advance in PDF glyph space (1000 units per em).
    fn width(&self, gid: u16) -> i64 {
        let advance = self.advances.get(usize::from(gid)).copied().unwrap_or(0);
        (f32::from(advance) * 1000.0 / self.units_per_em).round() as i64
    }

    fn scale(&self, v: i16) -> i64 {
        (f32::from(v) * 1000.0 / self.units_per_em).round() as i64
    }
}

fn ttf() -> Option<&'static Ttf> {
    static TTF: OnceLock<Option<Ttf>> = OnceLock::new();
    let load = || std::fs::read(DEJAVU_SANS).ok().and_then(|d| parse_ttf(&d));
    TTF.get_or_init(load).as_ref()
}

fn rd16(d: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_be_bytes(d.get(o..o + 2)?.try_into().ok()?))
}

fn rd32(d: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_be_bytes(d.get(o..o + 4)?.try_into().ok()?))
}

/// A minimal TrueType parser: table directory, head, hhea, maxp, hmtx, OS/2 and cmap format 4.
fn parse_ttf(d: &[u8]) -> Option<Ttf> {
    let mut tables = BTreeMap::new();
    for i in 0..usize::from(rd16(d, 4)?) {
        let rec = 12 + 16 * i;
        tables.insert(d.get(rec..rec + 4)?, rd32(d, rec + 8)? as usize);
    }
    let table = |tag: &[u8]| tables.get(tag).copied();
    let i16_at = |o: usize| rd16(d, o).map(|v| v as i16);
    let (head, hhea, hmtx) = (table(b"head")?, table(b"hhea")?, table(b"hmtx")?);
    let bbox = [36, 38, 40, 42].map(|o| i16_at(head + o).unwrap_or(0));
    let ascent = i16_at(hhea + 4)?;
    let num_hmetrics = usize::from(rd16(d, hhea + 34)?).max(1);
    let num_glyphs = usize::from(rd16(d, table(b"maxp")? + 4)?);
    let cap_height = match table(b"OS/2") {
        Some(os2) if rd16(d, os2)? >= 2 => i16_at(os2 + 88)?,
        _ => ascent * 7 / 10,
    };
    let advances = (0..num_glyphs).map(|g| rd16(d, hmtx + 4 * g.min(num_hmetrics - 1)));
    let advances = advances.collect::<Option<Vec<_>>>()?;

    // The Windows Unicode BMP subtable (3,1), format 4.
    let cmap = table(b"cmap")?;
    let sub = (0..usize::from(rd16(d, cmap + 2)?)).find_map(|i| {
        let rec = cmap + 4 + 8 * i;
        let off = cmap + rd32(d, rec + 4)? as usize;
        (rd16(d, rec)? == 3 && rd16(d, rec + 2)? == 1 && rd16(d, off)? == 4).then_some(off)
    })?;
    let seg_x2 = usize::from(rd16(d, sub + 6)?);
    let [ends, starts, deltas, offsets] = [14, 16 + seg_x2, 16 + 2 * seg_x2, 16 + 3 * seg_x2];
    let mut map = BTreeMap::new();
    for s in (0..seg_x2).step_by(2) {
        let [end, start, delta, ro] = [ends, starts, deltas, offsets].map(|a| rd16(d, sub + a + s));
        let (end, start, delta, ro) = (end?, start?, delta?, usize::from(ro?));
        for c in start..=end.min(0xFFFE) {
            let gid = match ro {
                0 => c.wrapping_add(delta),
                _ => match rd16(d, sub + offsets + s + ro + 2 * usize::from(c - start))? {
                    0 => 0,
                    g => g.wrapping_add(delta),
                },
            };
            if gid != 0 {
                map.insert(c, gid);
            }
        }
    }
    let units_per_em = f32::from(rd16(d, head + 18)?);
    let descent = i16_at(hhea + 6)?;
    let (raw_len, compressed) = (d.len(), deflate(d));
    Some(Ttf {
        raw_len,
        compressed,
        units_per_em,
        bbox,
        ascent,
        descent,
        cap_height,
        advances,
        cmap: map,
    })
}

/// Document-wide state while building: font objects are created at the end, once every glyph
/// the Type0 font needs is known.
#[derive(Default)]
struct Builder {
    doc: Document,
    ttf: Option<&'static Ttf>,
    fonts: BTreeMap<FontKind, ObjectId>,
    type0_glyphs: BTreeMap<u16, char>,
}

impl Builder {
    /// The kind actually drawn (embedded kinds fall back to Helvetica) and its reserved object id.
    fn font(&mut self, kind: FontKind) -> (FontKind, ObjectId) {
        let kind = match kind {
            FontKind::EmbeddedTrueType | FontKind::Type0Identity if self.ttf.is_none() => {
                FontKind::Helvetica
            }
            k => k,
        };
        if let Some(&id) = self.fonts.get(&kind) {
            return (kind, id);
        }
        let id = self.doc.new_object_id();
        self.fonts.insert(kind, id);
        (kind, id)
    }

    /// Draws `lines`; returns the content operators and the /Font resources they use.
    fn draw(&mut self, lines: &[Line], kerned: bool) -> (String, Dictionary) {
        let (mut out, mut fonts) = (String::new(), Dictionary::new());
        for line in lines {
            let (kind, id) = self.font(line.font);
            let (res, size) = (kind.resource_name(), line.size);
            fonts.set(res, id);
            out.push_str(&format!("BT\n/{res} {size} Tf\n{} {} Td\n", line.x, line.y));
            for (i, text) in line.text.split('\n').enumerate() {
                if i > 0 {
                    out.push_str(&format!("0 {} Td\n", -size * 1.2));
                }
                let chars: Vec<char> = text.chars().collect();
                if !kerned {
                    out.push_str(&format!("{} Tj\n", self.encode(kind, &chars)));
                    continue;
                }
                // Chunks of three glyphs, so kerning falls inside words: -20, 15, -35, ….
                out.push('[');
                for (j, chunk) in chars.chunks(3).enumerate() {
                    if j > 0 {
                        out.push_str(&format!(" {} ", [-35, -20, 15][j % 3]));
                    }
                    out.push_str(&self.encode(kind, chunk));
                }
                out.push_str("] TJ\n");
            }
            out.push_str("ET\n");
        }
        (out, fonts)
    }

    /// Encodes chars as a string operand for `kind`.
    fn encode(&mut self, kind: FontKind, chars: &[char]) -> String {
        let ascii = |c: char| u8::try_from(c).ok().filter(|b| (0x20..0x7F).contains(b));
        match (kind, self.ttf) {
            (FontKind::Type0Identity, Some(ttf)) => {
                let mut hex = String::from("<");
                for &c in chars {
                    let gid = Some(ttf.glyph(c)).filter(|&g| g != 0);
                    let gid = gid.unwrap_or_else(|| ttf.glyph('?'));
                    self.type0_glyphs.entry(gid).or_insert(c);
                    hex.push_str(&format!("{gid:04X}"));
                }
                hex + ">"
            }
            (FontKind::EmbeddedTrueType, _) => {
                literal(chars.iter().map(|&c| ascii(c).unwrap_or(b'?')))
            }
            _ => literal(chars.iter().map(|&c| win_ansi(c))),
        }
    }

    /// Creates every font object reserved by [`Builder::font`].
    fn finish_fonts(&mut self) {
        let mut descriptor = None;
        for (kind, id) in std::mem::take(&mut self.fonts) {
            let base = match kind {
                FontKind::Helvetica => "Helvetica",
                FontKind::HelveticaBold => "Helvetica-Bold",
                FontKind::TimesRoman => "Times-Roman",
                FontKind::Courier => "Courier",
                FontKind::EmbeddedTrueType | FontKind::Type0Identity => {
                    let ttf = self.ttf.expect("testpdf: embedded kinds only with a font");
                    let desc = *descriptor.get_or_insert_with(|| self.descriptor(ttf));
                    let font = if kind == FontKind::EmbeddedTrueType {
                        self.truetype(ttf, desc)
                    } else {
                        self.type0(ttf, desc)
                    };
                    self.doc.objects.insert(id, font.into());
                    continue;
                }
            };
            let font = dictionary! {
                "Type" => "Font", "Subtype" => "Type1", "BaseFont" => base,
                "Encoding" => "WinAnsiEncoding",
            };
            self.doc.objects.insert(id, font.into());
        }
    }

    fn descriptor(&mut self, ttf: &Ttf) -> ObjectId {
        let dict = dictionary! { "Length1" => ttf.raw_len as i64, "Filter" => "FlateDecode" };
        let file_id = self
            .doc
            .add_object(Stream::new(dict, ttf.compressed.clone()));
        let bbox: Vec<Object> = ttf.bbox.iter().map(|&v| ttf.scale(v).into()).collect();
        self.doc.add_object(dictionary! {
            "Type" => "FontDescriptor", "FontName" => "DejaVuSans", "Flags" => 32,
            "FontBBox" => bbox, "ItalicAngle" => 0, "StemV" => 80, "FontFile2" => file_id,
            "Ascent" => ttf.scale(ttf.ascent), "Descent" => ttf.scale(ttf.descent),
            "CapHeight" => ttf.scale(ttf.cap_height),
        })
    }

    fn truetype(&mut self, ttf: &Ttf, desc: ObjectId) -> Dictionary {
        let widths = (32u8..=126).map(|c| ttf.width(ttf.glyph(c.into())).into());
        dictionary! {
            "Type" => "Font", "Subtype" => "TrueType", "BaseFont" => "DejaVuSans",
            "FirstChar" => 32, "LastChar" => 126, "Widths" => widths.collect::<Vec<Object>>(),
            "Encoding" => "WinAnsiEncoding", "FontDescriptor" => desc,
        }
    }

    fn type0(&mut self, ttf: &Ttf, desc: ObjectId) -> Dictionary {
        // /W as runs of consecutive glyph ids: `first [w1 w2 …]`.
        let mut w: Vec<Object> = Vec::new();
        let mut prev: Option<u16> = None;
        for &gid in self.type0_glyphs.keys() {
            if prev.is_none_or(|p| p + 1 != gid) {
                w.extend([i64::from(gid).into(), Object::Array(Vec::new())]);
            }
            if let Some(Object::Array(run)) = w.last_mut() {
                run.push(ttf.width(gid).into());
            }
            prev = Some(gid);
        }
        let mut cmap = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<(&u16, &char)> = self.type0_glyphs.iter().collect();
        for block in entries.chunks(100) {
            cmap.push_str(&format!("{} beginbfchar\n", block.len()));
            for (gid, c) in block {
                let mut buf = [0; 2];
                let utf16: String = c
                    .encode_utf16(&mut buf)
                    .iter()
                    .map(|u| format!("{u:04X}"))
                    .collect();
                cmap.push_str(&format!("<{gid:04X}> <{utf16}>\n"));
            }
            cmap.push_str("endbfchar\n");
        }
        cmap.push_str("endcmap\nCMapName currentdict /CMapResource defineresource pop\nend\nend\n");
        let to_unicode = self.doc.add_object(flate_stream(dictionary! {}, &cmap));
        let system_info = dictionary! {
            "Registry" => lit("Adobe"), "Ordering" => lit("Identity"), "Supplement" => 0,
        };
        let cid = self.doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "CIDFontType2", "BaseFont" => "DejaVuSans",
            "CIDSystemInfo" => system_info, "FontDescriptor" => desc, "DW" => 1000, "W" => w,
            "CIDToGIDMap" => "Identity",
        });
        dictionary! {
            "Type" => "Font", "Subtype" => "Type0", "BaseFont" => "DejaVuSans",
            "Encoding" => "Identity-H", "DescendantFonts" => vec![cid.into()],
            "ToUnicode" => to_unicode,
        }
    }

    /// A Form XObject drawing `line` in Helvetica, wrapped in `before`/`after` operators.
    fn form(&mut self, line: Line, bbox: [i64; 4], before: &str, after: &str) -> ObjectId {
        let (ops, fonts) = self.draw(&[line], false);
        let dict = dictionary! {
            "Type" => "XObject", "Subtype" => "Form", "BBox" => rect(bbox),
            "Resources" => dictionary! { "Font" => fonts },
        };
        self.doc
            .add_object(flate_stream(dict, &format!("{before}{ops}{after}")))
    }
}

/// Builds the document; `ttf` is `None` when the embedded kinds must fall back to Helvetica.
fn build_doc(spec: &DocSpec, ttf: Option<&'static Ttf>) -> Document {
    let mut b = Builder {
        doc: Document::with_version("1.7"),
        ttf,
        ..Builder::default()
    };
    let pages_id = b.doc.new_object_id();
    let blank = [PageSpec::default()];
    let page_specs = if spec.pages.is_empty() {
        &blank[..]
    } else {
        &spec.pages[..]
    };
    let page_ids: Vec<ObjectId> = page_specs.iter().map(|_| b.doc.new_object_id()).collect();
    let first_page = page_ids[0];

    let shared = spec.shared_form_xobject.as_ref().map(|text| {
        let line = Line::new(text, 72.0, 30.0, 9.0, FontKind::Helvetica);
        b.form(line, [0, 0, PAGE_W, PAGE_H], "", "")
    });
    let mut pages: Vec<Dictionary> = Vec::new();
    for page in page_specs {
        let (mut ops, fonts) = b.draw(&page.lines, page.kerned_tj);
        let mut resources = dictionary! { "Font" => fonts };
        if let Some(form) = shared {
            ops.push_str("q 1 0 0 1 0 0 cm /Fx0 Do Q\n");
            resources.set("XObject", dictionary! { "Fx0" => form });
        }
        let contents = b.doc.add_object(flate_stream(dictionary! {}, &ops));
        pages.push(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "MediaBox" => rect([0, 0, PAGE_W, PAGE_H]),
            "Contents" => contents, "Resources" => resources,
        });
    }

    let mut catalog = dictionary! { "Type" => "Catalog", "Pages" => pages_id };
    let mut annots: Vec<Object> = Vec::new();
    if let Some(text) = &spec.annotation_text {
        let note = dictionary! {
            "Type" => "Annot", "Subtype" => "Text", "Rect" => rect([500, 700, 520, 720]),
            "Contents" => text_string(text), "T" => lit("Reviewer"), "P" => first_page,
        };
        let uri = format!("https://records.example.invalid/lookup?q={text}");
        let link = dictionary! {
            "Type" => "Annot", "Subtype" => "Link", "Rect" => rect([72, 100, 300, 115]),
            "Border" => vec![0.into(), 0.into(), 0.into()], "P" => first_page,
            "A" => dictionary! { "S" => "URI", "URI" => lit(&uri) },
        };
        annots.extend([b.doc.add_object(note).into(), b.doc.add_object(link).into()]);
    }
    if let Some(value) = &spec.form_field_value {
        let (_, helv) = b.font(FontKind::Helvetica);
        let line = Line::new(value, 2.0, 6.0, 10.0, FontKind::Helvetica);
        let ap = b.form(line, [0, 0, 250, 20], "/Tx BMC\nq\n", "Q\nEMC\n");
        let field = b.doc.add_object(dictionary! {
            "Type" => "Annot", "Subtype" => "Widget", "FT" => "Tx", "T" => lit("patient_name"),
            "V" => text_string(value), "DA" => lit("/Helv 10 Tf 0 g"), "F" => 4, "P" => first_page,
            "Rect" => rect([72, 140, 322, 160]), "AP" => dictionary! { "N" => ap },
        });
        annots.push(field.into());
        let acro_form = dictionary! {
            "Fields" => vec![field.into()], "DA" => lit("/Helv 10 Tf 0 g"),
            "DR" => dictionary! { "Font" => dictionary! { "Helv" => helv } },
        };
        catalog.set("AcroForm", acro_form);
    }
    if !annots.is_empty() {
        pages[0].set("Annots", annots);
    }
    for (page, &id) in pages.into_iter().zip(&page_ids) {
        b.doc.objects.insert(id, page.into());
    }
    let kids: Vec<Object> = page_ids.iter().map(|&id| id.into()).collect();
    let count = kids.len() as i64;
    let pages = dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count };
    b.doc.objects.insert(pages_id, pages.into());

    let mut names = Dictionary::new();
    if let Some(text) = &spec.attachment_text {
        let params = dictionary! { "Size" => text.len() as i64 };
        let file =
            dictionary! { "Type" => "EmbeddedFile", "Subtype" => "text/plain", "Params" => params };
        let file_id = b.doc.add_object(flate_stream(file, text));
        let filespec = b.doc.add_object(dictionary! {
            "Type" => "Filespec", "F" => lit("notes.txt"), "UF" => lit("notes.txt"),
            "EF" => dictionary! { "F" => file_id },
        });
        let tree = vec![lit("notes.txt"), filespec.into()];
        names.set("EmbeddedFiles", dictionary! { "Names" => tree });
    }
    if let Some(js) = &spec.javascript {
        let action =
            dictionary! { "Type" => "Action", "S" => "JavaScript", "JS" => text_string(js) };
        let action = b.doc.add_object(action);
        names.set(
            "JavaScript",
            dictionary! { "Names" => vec![lit("init"), action.into()] },
        );
        catalog.set("OpenAction", action);
    }
    if !names.is_empty() {
        catalog.set("Names", names);
    }
    if let Some(title) = &spec.outline_title {
        let outlines = b.doc.new_object_id();
        let item = b.doc.add_object(dictionary! {
            "Title" => text_string(title), "Parent" => outlines,
            "Dest" => vec![first_page.into(), "XYZ".into(), 0.into(), PAGE_H.into(), 0.into()],
        });
        let root =
            dictionary! { "Type" => "Outlines", "First" => item, "Last" => item, "Count" => 1 };
        b.doc.objects.insert(outlines, root.into());
        catalog.set("Outlines", outlines);
    }
    if let Some(text) = &spec.xmp {
        let text = text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        let xmp = format!(
            "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
             <x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\
             <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
             <rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n\
             <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{text}</rdf:li></rdf:Alt>\
             </dc:description>\n</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"w\"?>"
        );
        let dict = dictionary! { "Type" => "Metadata", "Subtype" => "XML" };
        catalog.set(
            "Metadata",
            b.doc.add_object(Stream::new(dict, xmp.into_bytes())),
        );
    }
    b.finish_fonts();
    let catalog_id = b.doc.add_object(catalog);
    b.doc.trailer.set("Root", catalog_id);

    let mut info = dictionary! { "Producer" => lit("pdf-deid testpdf") };
    if let Some(title) = &spec.info_title {
        info.set("Title", text_string(title));
    }
    if let Some(author) = &spec.info_author {
        info.set("Author", text_string(author));
    }
    let info_id = b.doc.add_object(info);
    b.doc.trailer.set("Info", info_id);
    let file_id = Object::String(FILE_ID.to_vec(), StringFormat::Hexadecimal);
    b.doc.trailer.set("ID", vec![file_id.clone(), file_id]);
    b.doc
}

/// The glyphs of the first occurrence of `word` on page `page` of an extraction (tests find
/// a word's boxes on an output with it).
pub fn word_glyphs<'a>(
    ex: &'a deid_core::pdfium::Extracted,
    page: usize,
    word: &str,
) -> Option<&'a [deid_core::types::Glyph]> {
    let g = &ex.pages.get(page)?.glyphs;
    let w: Vec<char> = word.chars().collect();
    if w.is_empty() {
        return None;
    }
    let at = g
        .windows(w.len())
        .position(|run| run.iter().map(|g| g.ch).eq(w.iter().copied()))?;
    Some(&g[at..at + w.len()])
}

/// A minimal ICC profile holding `name` in its text tags: header, tag table, a v2 `desc`
/// (description), a `text` (copyright) and a v4 `mluc` (device model), for tests.
pub fn icc_profile_with_text(name: &str) -> Vec<u8> {
    let mut tags: Vec<(&[u8; 4], Vec<u8>)> = Vec::new();
    let mut desc = b"desc\0\0\0\0".to_vec();
    desc.extend((name.len() as u32 + 1).to_be_bytes());
    desc.extend(name.as_bytes());
    desc.push(0);
    desc.extend([0u8; 8]); // Unicode language + count 0
    desc.extend([0u8; 70]); // ScriptCode part
    tags.push((b"desc", desc));
    let mut text = b"text\0\0\0\0".to_vec();
    text.extend(format!("Copyright {name}").as_bytes());
    tags.push((b"cprt", text));
    let utf16: Vec<u8> = name.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let mut mluc = b"mluc\0\0\0\0".to_vec();
    mluc.extend(1u32.to_be_bytes());
    mluc.extend(12u32.to_be_bytes());
    mluc.extend(b"enUS");
    mluc.extend((utf16.len() as u32).to_be_bytes());
    mluc.extend(28u32.to_be_bytes());
    mluc.extend(&utf16);
    tags.push((b"dmdd", mluc));
    let mut data = vec![0u8; 128];
    data[36..40].copy_from_slice(b"acsp");
    data.extend((tags.len() as u32).to_be_bytes());
    let mut offset = 132 + 12 * tags.len();
    let mut bodies: Vec<u8> = Vec::new();
    for (sig, body) in &tags {
        data.extend(sig.as_slice());
        data.extend((offset as u32).to_be_bytes());
        data.extend((body.len() as u32).to_be_bytes());
        offset += body.len();
        bodies.extend(body);
    }
    data.extend(bodies);
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(bytes: &[u8]) -> Document {
        Document::load_mem(bytes).expect("generated PDF loads")
    }

    /// All decoded page content streams of a document, concatenated.
    fn page_content(doc: &Document) -> String {
        let pages = doc.get_pages().into_values();
        pages
            .map(|id| String::from_utf8_lossy(&doc.get_page_content(id)).into_owned())
            .collect()
    }

    fn name<'a>(d: &'a Dictionary, key: &[u8]) -> Option<&'a [u8]> {
        d.get(key).and_then(Object::as_name).ok()
    }

    fn dicts(doc: &Document) -> impl Iterator<Item = &Dictionary> {
        doc.objects.values().filter_map(|o| o.as_dict().ok())
    }

    fn full_spec() -> DocSpec {
        use FontKind::*;
        let l = |text: &str, y: f32, font| Line::new(text, 72.0, y, 12.0, font);
        let first = vec![
            l("Patient: Ann (Lee) \\ Smith", 700.0, Helvetica),
            l("Bold heading", 650.0, HelveticaBold),
            l("Times body\nsecond line", 620.0, TimesRoman),
            l("Courier 123", 580.0, Courier),
            l("TrueType Ulrich Meyer", 560.0, EmbeddedTrueType),
            l("Type0 Zoë Ångström", 540.0, Type0Identity),
        ];
        let kerned = vec![l("Patient Bartholomew Quist", 700.0, Helvetica)];
        let kerned0 = vec![l("Wilhelmina Osei", 700.0, Type0Identity)];
        let page = |lines, kerned_tj| PageSpec { lines, kerned_tj };
        let s = |t: &str| Some(t.to_string());
        DocSpec {
            pages: vec![page(first, false), page(kerned, true), page(kerned0, true)],
            info_title: s("Record of Ann Smith"),
            info_author: s("Dr. Müller"),
            xmp: s("XMP mentions Ann Smith"),
            annotation_text: s("Annot Ann Smith"),
            form_field_value: s("Field Ann Smith"),
            attachment_text: s("Attached note about Ann Smith"),
            javascript: s("app.alert('Ann Smith');"),
            outline_title: s("Bookmark Ann Smith"),
            shared_form_xobject: s("Footer Ann Smith"),
        }
    }

    #[test]
    fn full_spec_loads_with_every_feature() {
        let bytes = build(&full_spec());
        assert_eq!(bytes, build(&full_spec()), "deterministic");
        let doc = load(&bytes);
        assert_eq!(doc.get_pages().len(), 3);
        let catalog = doc.catalog().expect("catalog");
        for key in ["Metadata", "AcroForm", "Names", "OpenAction", "Outlines"] {
            assert!(catalog.has(key.as_bytes()), "catalog lacks {key}");
        }
        let content = page_content(&doc);
        assert!(
            content.contains("(Patient: Ann \\(Lee\\) \\\\ Smith) Tj"),
            "{content}"
        );
        assert!(content.contains("/Fx0 Do"));
        assert!(
            content.contains("[(Pat) -20 (ien) 15 (t B) -35 (art)"),
            "{content}"
        );
        let subtypes: Vec<&[u8]> = dicts(&doc)
            .filter(|d| name(d, b"Type") == Some(b"Font"))
            .filter_map(|d| name(d, b"Subtype"))
            .collect();
        let type1 = subtypes.iter().filter(|&&s| s == b"Type1").count();
        assert_eq!(type1, 4, "Helvetica(-Bold), Times-Roman and Courier");
        if truetype_available() {
            for subtype in [b"TrueType".as_slice(), b"Type0", b"CIDFontType2"] {
                assert!(subtypes.contains(&subtype));
            }
        }
    }

    #[test]
    fn streams_are_compressed_and_standard_fonts_have_no_widths() {
        let doc = load(&build(&full_spec()));
        for o in doc.objects.values() {
            if let Object::Stream(s) = o {
                let xmp = name(&s.dict, b"Subtype") == Some(b"XML");
                assert!(
                    xmp || name(&s.dict, b"Filter") == Some(b"FlateDecode"),
                    "{:?}",
                    s.dict
                );
            }
        }
        for d in dicts(&doc).filter(|d| name(d, b"Subtype") == Some(b"Type1")) {
            assert!(!d.has(b"Widths"));
            assert_eq!(name(d, b"Encoding"), Some(b"WinAnsiEncoding".as_slice()));
        }
    }

    #[test]
    fn truetype_widths_come_from_hmtx() {
        let Some(ttf) = ttf() else { return };
        // DejaVuSans: 2048 units per em, space advance 651 -> 318, 'A' 1401 -> 684.
        assert_eq!(ttf.units_per_em, 2048.0);
        assert_eq!(ttf.width(ttf.glyph(' ')), 318);
        assert_eq!(ttf.width(ttf.glyph('A')), 684);
        assert_ne!(ttf.glyph('ë'), 0);
        let doc = load(&build(&full_spec()));
        let tt = dicts(&doc)
            .find(|d| name(d, b"Subtype") == Some(b"TrueType"))
            .expect("TrueType");
        let widths = tt
            .get(b"Widths")
            .and_then(Object::as_array)
            .expect("Widths");
        assert_eq!(widths.len(), 95);
        assert_eq!(widths[0].as_i64().ok(), Some(318));
    }

    #[test]
    fn type0_text_is_hex_glyph_ids() {
        let page = simple_page(&[("AB", 72.0, 700.0)], FontKind::Type0Identity, 12.0);
        let content = page_content(&load(&build(&doc_spec(vec![page], None))));
        let expected = match ttf() {
            Some(ttf) => format!("<{:04X}{:04X}> Tj", ttf.glyph('A'), ttf.glyph('B')),
            None => "(AB) Tj".to_string(),
        };
        assert!(content.contains(&expected), "{content}");
    }

    #[test]
    fn embedded_kinds_fall_back_to_helvetica_without_the_font() {
        assert!(parse_ttf(b"not a font").is_none());
        let page = simple_page(&[("AB", 72.0, 700.0)], FontKind::Type0Identity, 12.0);
        let page2 = simple_page(&[("CD", 72.0, 600.0)], FontKind::EmbeddedTrueType, 12.0);
        let doc = load(&save(build_doc(&doc_spec(vec![page, page2], None), None)));
        let content = page_content(&doc);
        assert!(
            content.contains("/F1 12 Tf") && content.contains("(AB) Tj"),
            "{content}"
        );
        assert!(
            content.contains("(CD) Tj") && !content.contains("/F5") && !content.contains("/F6")
        );
        let fonts = dicts(&doc).filter(|d| name(d, b"Type") == Some(b"Font"));
        let base_fonts: Vec<&[u8]> = fonts.filter_map(|d| name(d, b"BaseFont")).collect();
        assert_eq!(base_fonts, [b"Helvetica".as_slice()]);
    }

    #[test]
    fn winansi_encoding() {
        assert_eq!(win_ansi('A'), b'A');
        assert_eq!(win_ansi('é'), 0xE9);
        assert_eq!(win_ansi('€'), 0x80);
        assert_eq!(win_ansi('Ÿ'), 0x9F);
        assert_eq!(win_ansi('Ł'), b'?');
        assert_eq!(literal(*b"a(b)\\\xE9"), "(a\\(b\\)\\\\\\351)");
    }

    #[test]
    fn empty_spec_gives_one_blank_page() {
        assert_eq!(load(&build(&DocSpec::default())).get_pages().len(), 1);
    }

    #[test]
    fn letters_and_layouts_contain_their_planted_phi() {
        let (bytes, planted) = clinical_letter(7);
        assert_eq!(planted.len(), 6);
        assert_eq!(bytes, clinical_letter(7).0);
        let names: std::collections::BTreeSet<String> =
            (0..20).map(|s| clinical_letter(s).1[0].clone()).collect();
        assert!(names.len() > 1, "the seed changes the name");
        for (bytes, planted) in [(bytes, planted), two_column()] {
            let content = page_content(&load(&bytes));
            for phi in &planted {
                let escaped = phi.replace('(', "\\(").replace(')', "\\)");
                assert!(content.contains(&escaped), "{phi} missing");
            }
        }
        let doc = load(&with_headings());
        assert_eq!(doc.get_pages().len(), 3);
        assert!(page_content(&doc).contains("(Discharge Summary) Tj"));
    }

    #[test]
    fn encrypted_needs_its_password() {
        let bytes = encrypted("secret");
        assert!(load(&bytes).is_encrypted());
        let with = |password: &str| {
            let options = lopdf::LoadOptions {
                password: Some(password.to_string()),
                ..Default::default()
            };
            Document::load_mem_with_options(&bytes, options)
        };
        assert!(with("wrong").is_err());
        let doc = with("secret").expect("opens with the password");
        assert!(page_content(&doc).contains("(Patient: Evelyn Hartley) Tj"));
        // An empty user password: lopdf decrypts it on load.
        let bytes = encrypted("");
        assert!(bytes.windows(8).any(|w| w == b"/Encrypt"));
        assert!(page_content(&load(&bytes)).contains("(MRN: 7730215) Tj"));
    }

    #[test]
    fn truncated_is_a_cut_pdf() {
        let bytes = truncated();
        assert!(bytes.starts_with(b"%PDF-"));
        assert_eq!(bytes.len(), clinical_letter(0).0.len() / 2);
        // lopdf may rebuild the xref; either way the letter's page tree does not survive whole.
        if let Ok(doc) = Document::load_mem(&bytes) {
            assert!(doc.get_pages().len() <= 1);
        }
    }
}
