//! Typed data handed from stage to stage. Geometry is PDF user space (origin bottom-left,
//! before `/Rotate`), in points. Text offsets are UTF-8 byte offsets into the owning
//! paragraph's `text` unless a field says otherwise.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Axis-aligned rectangle in PDF user space (`x0 <= x1`, `y0 <= y1`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Rect {
    pub x0: f32,
    pub y0: f32,
    pub x1: f32,
    pub y1: f32,
}

impl Rect {
    pub fn new(x0: f32, y0: f32, x1: f32, y1: f32) -> Self {
        Rect {
            x0: x0.min(x1),
            y0: y0.min(y1),
            x1: x0.max(x1),
            y1: y0.max(y1),
        }
    }
    pub fn width(&self) -> f32 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> f32 {
        self.y1 - self.y0
    }
    pub fn is_empty(&self) -> bool {
        self.width() <= 0.0 || self.height() <= 0.0
    }
    pub fn union(&self, o: &Rect) -> Rect {
        Rect {
            x0: self.x0.min(o.x0),
            y0: self.y0.min(o.y0),
            x1: self.x1.max(o.x1),
            y1: self.y1.max(o.y1),
        }
    }
    pub fn pad(&self, p: f32) -> Rect {
        Rect {
            x0: self.x0 - p,
            y0: self.y0 - p,
            x1: self.x1 + p,
            y1: self.y1 + p,
        }
    }
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x0 < o.x1 && o.x0 < self.x1 && self.y0 < o.y1 && o.y0 < self.y1
    }
    pub fn contains_point(&self, x: f32, y: f32) -> bool {
        x >= self.x0 && x <= self.x1 && y >= self.y0 && y <= self.y1
    }
    pub fn center(&self) -> (f32, f32) {
        ((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }
}

/// One character as pdfium extracted it, owned (no pdfium handle survives the owner thread).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Glyph {
    pub ch: char,
    /// Ascent/descent box; same height along a line. Empty for generated characters.
    pub loose: Rect,
    /// Baseline origin.
    pub origin: (f32, f32),
    /// `Tf` size, before the text matrix.
    pub size: f32,
    /// Font name with any subset prefix (`ABCDEF+`) stripped.
    pub font: String,
    /// pdfium inserted it (synthetic space or line break): text only, no geometry.
    pub generated: bool,
    /// Text render mode 3/7 (invisible, e.g. an OCR layer). Still PHI, still redacted.
    pub invisible: bool,
    /// Rotation of the glyph in degrees (0 for horizontal text).
    pub angle: f32,
    /// Read from the page's pixels by OCR (no text object behind it): redacting it means
    /// redacting pixels.
    #[serde(default)]
    pub ocr: bool,
}

/// All glyphs of one page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PageText {
    /// 0-based page index.
    pub index: usize,
    pub width: f32,
    pub height: f32,
    pub glyphs: Vec<Glyph>,
    /// The page draws at least one image.
    pub has_images: bool,
}

/// Where a glyph lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GlyphRef {
    pub page: usize,
    pub idx: usize,
}

/// A paragraph in reading order, with a map from every byte of `text` back to its glyph.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Paragraph {
    /// Index in the document's paragraph list (reading order).
    pub id: usize,
    pub page: usize,
    pub bbox: Rect,
    pub text: String,
    /// For each `char` of `text` (by char index): the glyph it came from, or `None` for
    /// separators the layout inserted (spaces between words, line joins).
    pub char_glyphs: Vec<Option<GlyphRef>>,
    /// Byte offset of each char of `text` (same length as `char_glyphs`).
    pub char_offsets: Vec<usize>,
    /// Median font size of the paragraph.
    pub font_size: f32,
    pub bold: bool,
    pub line_count: usize,
    /// Vertical gap above the first line, in points (0 for the first paragraph on a page).
    pub gap_above: f32,
    /// Heading score from layout features; `is_heading` once over the threshold.
    pub heading_score: f32,
    pub is_heading: bool,
    /// DepFlag: sits under the same heading as the previous paragraph.
    pub dep_flag: bool,
    /// Running header or footer (near the top/bottom edge, repeated on several pages).
    /// Still searched for PHI, but kept out of the blobs of the body text.
    pub furniture: bool,
}

/// The paragraphs under one heading (the heading itself is the first member if present).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeadingBlob {
    pub id: usize,
    /// Paragraph ids, in reading order.
    pub paragraphs: Vec<usize>,
}

/// PHI category. Patient ID, Subject ID and MRN are one category (`Id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    Name,
    Date,
    Age,
    Id,
    Ssn,
    Phone,
    Fax,
    Email,
    Url,
    Ip,
    Address,
    Zip,
    Location,
    Organization,
}

impl Category {
    pub const ALL: [Category; 14] = [
        Category::Name,
        Category::Date,
        Category::Age,
        Category::Id,
        Category::Ssn,
        Category::Phone,
        Category::Fax,
        Category::Email,
        Category::Url,
        Category::Ip,
        Category::Address,
        Category::Zip,
        Category::Location,
        Category::Organization,
    ];
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::Name => "NAME",
            Category::Date => "DATE",
            Category::Age => "AGE",
            Category::Id => "ID",
            Category::Ssn => "SSN",
            Category::Phone => "PHONE",
            Category::Fax => "FAX",
            Category::Email => "EMAIL",
            Category::Url => "URL",
            Category::Ip => "IP",
            Category::Address => "ADDRESS",
            Category::Zip => "ZIP",
            Category::Location => "LOCATION",
            Category::Organization => "ORGANIZATION",
        }
    }
    pub fn parse(s: &str) -> Option<Category> {
        Category::ALL
            .iter()
            .copied()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }
    /// Identifiers and places worth propagating through the whole document once found.
    pub fn propagates(&self) -> bool {
        matches!(
            self,
            Category::Name
                | Category::Id
                | Category::Ssn
                | Category::Email
                | Category::Phone
                | Category::Fax
                | Category::Location
        )
    }
}

/// A span found by one detector in one text unit (byte offsets into that unit's text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub category: Category,
    pub score: f32,
    pub detector: String,
}

/// A byte range of a text, to embed in its context.
#[derive(Debug, Clone, Copy)]
pub struct SpanRef<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

/// The fill painted where text was removed. Either way the glyphs are gone; white leaves
/// no visible trace of where (the `.deid.json` report still lists the boxes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    Black,
    White,
    /// Black boxes, each detection's first box carrying its category and a keyed
    /// pseudonym ("NAME-3F2A1"), the same for the same text across a batch.
    Label,
}

impl Mark {
    pub fn parse(s: &str) -> Option<Mark> {
        match s {
            "black" => Some(Mark::Black),
            "white" => Some(Mark::White),
            "label" => Some(Mark::Label),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Mark::Black => "black",
            Mark::White => "white",
            Mark::Label => "label",
        }
    }
    /// Grey level of the fill, 0 (black) to 255.
    pub fn grey(self) -> u8 {
        match self {
            Mark::Black | Mark::Label => 0,
            Mark::White => 255,
        }
    }
}

/// What the plan stage hands to redaction and verification: rectangles per page and the
/// redacted strings (plaintext, in memory only).
#[derive(Debug, Clone, Default)]
pub struct PagePlan {
    pub rects: Vec<Rect>,
    /// `Mark::Label`: a rectangle of `rects` and the pseudonym drawn in it.
    pub labels: Vec<(Rect, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct RedactionPlan {
    /// Page index → rectangles to remove and black out.
    pub pages: BTreeMap<usize, PagePlan>,
    /// Redacted strings (never logged), for the verification gate.
    pub strings: Vec<String>,
    /// Every glyph scheduled for removal.
    pub glyphs: Vec<GlyphRef>,
}

impl RedactionPlan {
    pub fn rects(&self, page: usize) -> &[Rect] {
        self.pages
            .get(&page)
            .map(|p| p.rects.as_slice())
            .unwrap_or(&[])
    }
    pub fn add_rect(&mut self, page: usize, r: Rect) {
        self.pages.entry(page).or_default().rects.push(r);
    }
}

/// Seconds since the Unix epoch now (0 if the clock is before it).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64
}

/// UTC civil date of a Unix timestamp: (year, month, day, seconds into the day).
pub fn civil_utc(secs: i64) -> (i64, i64, i64, i64) {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil-from-days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem)
}
