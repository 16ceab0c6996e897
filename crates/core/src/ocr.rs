//! OCR of page pixels with Tesseract (the Debian `tesseract-ocr` package, English data),
//! run as a child process: a crash, hang or bad page in the OCR engine cannot take the
//! pipeline down with it, its time is bounded, and nothing is downloaded at run time.
//! A rendered page goes in as a PPM on stdin; Tesseract's TSV (word boxes, line numbers and
//! confidences) comes back on stdout. Words become glyphs marked `ocr` so layout,
//! detection, propagation and risk treat them like any other text; a page whose plan
//! touches OCR glyphs is redacted in its pixels (rasterised with the boxes burnt in), never
//! with a box drawn over an intact image.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use wait_timeout::ChildExt;

use crate::error::{Error, Result};
use crate::geometry::PageView;
use crate::pdfium::{Extracted, PdfiumService, Rendered};
use crate::types::{Glyph, PageText, Rect};

/// Environment variable naming the `tesseract` program (a file path).
pub const TESSERACT_ENV: &str = "PDF_DEID_TESSERACT";

/// When and how pages are OCR'd.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrConfig {
    /// OCR pages that need it (no text layer, large images, vector-drawn text).
    pub enabled: bool,
    /// Rendering resolution for OCR (docs/accuracy.md: chosen by measuring).
    pub dpi: f32,
    /// An image covering at least this share of the page is searched for text.
    pub min_image_share: f32,
    /// A page with at least this many vector paths is searched for drawn text.
    pub min_vector_paths: usize,
    /// Words below this confidence (0–100) next to a redaction are redacted too.
    pub low_confidence: f32,
    /// Tesseract's binarisation (`thresholding_method`): 0 global Otsu (default), 1 adaptive
    /// Otsu, 2 Sauvola (docs/benchmarks.md: compared on the scans and faxes).
    pub thresholding: u8,
    /// Time limit of one Tesseract run.
    pub timeout_s: u64,
    /// Seconds added to a document's time limit per page read (twice: input and gate).
    pub timeout_per_page_s: u64,
}

impl OcrConfig {
    pub fn standard() -> OcrConfig {
        OcrConfig {
            enabled: true,
            dpi: 300.0,
            min_image_share: 0.02,
            min_vector_paths: 40,
            low_confidence: 60.0,
            thresholding: 0,
            timeout_s: 120,
            timeout_per_page_s: 15,
        }
    }
}

/// Largest rendering handed to Tesseract, in pixels: a page larger than Letter/A4 is read
/// at a lower resolution rather than rendered at hundreds of megapixels.
const MAX_OCR_PIXELS: f32 = 40e6;

/// The resolution a page of `w` × `h` points is rendered at for OCR.
pub fn dpi_for(cfg: &OcrConfig, w: f32, h: f32) -> f32 {
    let inches = (w / 72.0).max(0.01) * (h / 72.0).max(0.01);
    cfg.dpi.min((MAX_OCR_PIXELS / inches).sqrt()).max(36.0)
}

/// One word Tesseract read: its text, pixel box `[x0, y0, x1, y1]` (top-left origin), the
/// box of its line, its confidence (0–100) and which line it is on.
#[derive(Debug, Clone, PartialEq)]
pub struct OcrWord {
    pub text: String,
    pub px: [f32; 4],
    pub line_px: [f32; 4],
    pub conf: f32,
    pub line: (u32, u32, u32),
}

/// The `tesseract` program: `PDF_DEID_TESSERACT`, else the first on `PATH`.
pub fn find_tesseract() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(TESSERACT_ENV) {
        let p = PathBuf::from(p);
        return p.is_file().then_some(p);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join("tesseract"))
        .find(|p| p.is_file())
}

/// Whether the English model is installed for `bin` (`tesseract --list-langs`).
pub fn has_english(bin: &Path) -> bool {
    Command::new(bin)
        .arg("--list-langs")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l.trim() == "eng")
        })
        .unwrap_or(false)
}

fn ppm(img: &Rendered) -> Vec<u8> {
    let mut out = format!("P6\n{} {}\n255\n", img.width, img.height).into_bytes();
    out.reserve(img.width * img.height * 3);
    for px in img.bgra.chunks_exact(4) {
        out.extend_from_slice(&[px[2], px[1], px[0]]);
    }
    out
}

/// Read the words of a rendered page. Errors name the failure, never any text.
pub fn recognise(
    bin: &Path,
    img: &Rendered,
    (dpi, thresholding): (f32, u8),
    timeout: Duration,
) -> Result<Vec<OcrWord>> {
    let fail = |why: String| Error::Ocr(why);
    let mut child = Command::new(bin)
        .args(["stdin", "stdout", "--psm", "3", "-l", "eng", "--dpi"])
        .arg(format!("{}", dpi.round() as u32))
        .args(["-c", &format!("thresholding_method={thresholding}")])
        .arg("tsv")
        // one thread per run: the pipeline already runs documents side by side
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| fail(format!("cannot start tesseract: {}", e.kind())))?;
    let input = ppm(img);
    let mut stdin = child.stdin.take().ok_or_else(|| fail("no stdin".into()))?;
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let mut stdout = child
        .stdout
        .take()
        .ok_or_else(|| fail("no stdout".into()))?;
    let reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        stdout.read_to_end(&mut s).map(|_| s)
    });
    let status = match child.wait_timeout(timeout) {
        Ok(Some(s)) => s,
        Ok(None) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(fail(format!("tesseract ran over {} s", timeout.as_secs())));
        }
        Err(e) => return Err(fail(format!("waiting for tesseract: {}", e.kind()))),
    };
    let _ = writer.join();
    let out = reader
        .join()
        .map_err(|_| fail("reading tesseract's output failed".into()))?
        .map_err(|e| fail(format!("reading tesseract's output: {}", e.kind())))?;
    if !status.success() {
        return Err(fail(format!("tesseract exited with {status}")));
    }
    Ok(parse_tsv(&String::from_utf8_lossy(&out)))
}

/// Words of Tesseract's TSV output (level 5 rows with text), each with its line's box.
pub fn parse_tsv(tsv: &str) -> Vec<OcrWord> {
    let mut lines: std::collections::HashMap<(u32, u32, u32), [f32; 4]> = Default::default();
    let mut words = Vec::new();
    for row in tsv.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        if f.len() < 12 {
            continue;
        }
        let n = |i: usize| f[i].trim().parse::<f32>().unwrap_or(0.0);
        let key = (n(2) as u32, n(3) as u32, n(4) as u32);
        let b = [n(6), n(7), n(6) + n(8), n(7) + n(9)];
        match f[0] {
            "4" => {
                lines.insert(key, b);
            }
            "5" => {
                let text = f[11].trim();
                if !text.is_empty() && n(10) >= 0.0 {
                    words.push(OcrWord {
                        text: text.to_string(),
                        px: b,
                        line_px: b,
                        conf: n(10),
                        line: key,
                    });
                }
            }
            _ => {}
        }
    }
    for w in &mut words {
        if let Some(l) = lines.get(&w.line) {
            w.line_px = *l;
        }
    }
    words
}

/// Glyphs for OCR words on a page seen through `view`: each word's characters share its
/// box evenly, on its line's baseline, with generated spaces between words and a generated
/// line break after each line, so layout reads them like a text layer.
pub fn to_glyphs(words: &[OcrWord], view: &PageView) -> Vec<Glyph> {
    let mut out = Vec::new();
    let mut prev_line = None;
    for w in words {
        if let Some(p) = prev_line {
            out.push(separator(if p == w.line { ' ' } else { '\n' }));
        }
        prev_line = Some(w.line);
        let chars: Vec<char> = w.text.chars().collect();
        let n = chars.len().max(1) as f32;
        // Tesseract's word boxes hug the ink: widen them by a tenth of the line height on
        // either side, so a box burnt over the word leaves no stroke of its edge letters
        let pad = (w.line_px[3] - w.line_px[1]) * 0.1;
        let (left, right) = (w.px[0] - pad, w.px[2] + pad);
        let step = (right - left) / n;
        for (i, &ch) in chars.iter().enumerate() {
            let x0 = left + step * i as f32;
            let r = view.from_px([x0, w.line_px[1], x0 + step, w.line_px[3]]);
            out.push(Glyph {
                ch,
                loose: r,
                origin: (r.x0, r.y0 + r.height() * 0.2),
                size: r.height() * 0.8,
                font: "OCR".into(),
                generated: false,
                invisible: false,
                angle: 0.0,
                ocr: true,
            });
        }
    }
    out
}

/// Why a page is OCR'd: no text layer (a scan or fax), a large image, or many vector
/// paths (text drawn as outlines).
pub fn reason(
    cfg: &OcrConfig,
    page: &PageText,
    images: &[Rect],
    paths: usize,
) -> Option<&'static str> {
    let text = page
        .glyphs
        .iter()
        .any(|g| !g.generated && !g.ch.is_whitespace());
    let area = (page.width * page.height).max(1.0);
    let image_area: f32 = images.iter().map(|r| r.width() * r.height()).sum();
    if page.has_images && !text {
        Some("scan")
    } else if image_area / area >= cfg.min_image_share {
        Some("image")
    } else if paths >= cfg.min_vector_paths {
        Some("vector")
    } else {
        None
    }
}

/// One OCR'd page: why, the words read and how pixels map to the page's user space.
#[derive(Debug, Clone)]
pub struct OcrPage {
    pub page: usize,
    pub reason: &'static str,
    pub words: Vec<OcrWord>,
    pub view: PageView,
}

/// What the report, job log and UI show of an OCR'd page (no text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OcrPageReport {
    /// 0-based page index.
    pub page: usize,
    /// `scan`, `image` or `vector`.
    pub reason: String,
    /// Words read from the pixels (on `image`/`vector` pages: outside the text layer).
    pub words: usize,
    /// Mean Tesseract confidence of those words, 0–100.
    pub mean_confidence: f32,
}

impl std::fmt::Display for OcrPageReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "page {}: {} words read by OCR ({}), mean confidence {:.0}",
            self.page + 1,
            self.words,
            self.reason,
            self.mean_confidence
        )
    }
}

impl OcrPage {
    pub fn report(&self) -> OcrPageReport {
        OcrPageReport {
            page: self.page,
            reason: self.reason.to_string(),
            words: self.words.len(),
            mean_confidence: mean_confidence(&self.words),
        }
    }
}

/// The page geometry (visible box, `/Rotate`) of every page of `input`, for mapping pixels
/// of a rendering back to user space.
pub fn geometry(input: &[u8], password: Option<&str>) -> Result<Vec<(Rect, i64)>> {
    let opts = lopdf::LoadOptions {
        password: password.map(str::to_string),
        ..lopdf::LoadOptions::default()
    };
    let doc = lopdf::Document::load_mem_with_options(input, opts)
        .map_err(|_| Error::Damaged("lopdf cannot read the page geometry".into()))?;
    Ok(doc
        .get_pages()
        .into_values()
        .map(|id| crate::pdf::page_geometry(&doc, id))
        .collect())
}

/// The `tesseract` program with English data, or the error a page that needs OCR gets.
pub fn engine() -> Result<PathBuf> {
    let bin = find_tesseract().ok_or_else(|| {
        Error::OcrMissing(
            "a page needs OCR and tesseract is not installed (run scripts/setup.sh)".into(),
        )
    })?;
    if !has_english(&bin) {
        return Err(Error::OcrMissing(
            "a page needs OCR and tesseract has no English data (tesseract-ocr-eng)".into(),
        ));
    }
    Ok(bin)
}

/// OCR every page that needs it and add the words to its glyphs (marked `ocr`). On pages
/// with a text layer only the words outside it are added (text drawn as an image or as
/// outlines). Pages are rendered by the pdfium thread and read one after the other.
pub fn ocr_document(
    cfg: &OcrConfig,
    pdfium: &PdfiumService,
    input: &Arc<Vec<u8>>,
    password: Option<&str>,
    extracted: &mut Extracted,
) -> Result<Vec<OcrPage>> {
    if !cfg.enabled {
        return Ok(Vec::new());
    }
    let todo: Vec<(usize, &'static str)> = extracted
        .pages
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let imgs = extracted.images.get(i).map_or(&[][..], Vec::as_slice);
            let paths = extracted.paths.get(i).copied().unwrap_or(0);
            reason(cfg, p, imgs, paths).map(|r| (i, r))
        })
        .collect();
    if todo.is_empty() {
        return Ok(Vec::new());
    }
    let bin = engine()?;
    let geo = geometry(input, password)?;
    // pages are rendered one at a time by the pdfium thread and read side by side
    let read: Vec<(usize, &'static str, PageView, Vec<OcrWord>)> = todo
        .par_iter()
        .map(|&(i, why)| {
            let (view, words) = read_page(cfg, &bin, pdfium, input, password, &geo, i)?;
            Ok((i, why, view, words))
        })
        .collect::<Result<_>>()?;
    let mut out = Vec::new();
    for (i, why, view, mut words) in read {
        let page = &mut extracted.pages[i];
        if why != "scan" {
            // keep what the text layer does not already hold
            let text: Vec<Rect> = page
                .glyphs
                .iter()
                .filter(|g| !g.generated && !g.ch.is_whitespace())
                .map(|g| g.loose)
                .collect();
            words.retain(|w| {
                let r = view.from_px(w.px);
                !text.iter().any(|t| {
                    let (cx, cy) = ((t.x0 + t.x1) / 2.0, (t.y0 + t.y1) / 2.0);
                    cx >= r.x0 && cx <= r.x1 && cy >= r.y0 && cy <= r.y1
                })
            });
        }
        let mut glyphs = to_glyphs(&words, &view);
        if !glyphs.is_empty() && !page.glyphs.is_empty() {
            glyphs.insert(0, separator('\n'));
        }
        page.glyphs.extend(glyphs);
        out.push(OcrPage {
            page: i,
            reason: why,
            words,
            view,
        });
    }
    Ok(out)
}

/// Boxes (input user space) of OCR words redacted generously: words that sit next to a
/// redaction on their line and were read with low confidence (a misread neighbour may be
/// part of the identifier), and words of six or more digits (a date, phone number or ID
/// whose separators OCR garbled: "1032024", "S08/2024" stay unreadable to the rules).
pub fn low_confidence_neighbours(cfg: &OcrConfig, page: &OcrPage, rects: &[Rect]) -> Vec<Rect> {
    let boxes: Vec<Rect> = page.words.iter().map(|w| page.view.from_px(w.px)).collect();
    let hit: Vec<bool> = boxes
        .iter()
        .map(|b| rects.iter().any(|r| r.intersects(b)))
        .collect();
    let mut out = Vec::new();
    for (j, w) in page.words.iter().enumerate() {
        if hit[j] {
            continue;
        }
        let digits = w.text.chars().filter(char::is_ascii_digit).count();
        if digits >= 6 {
            out.push(boxes[j]);
            continue;
        }
        if w.conf >= cfg.low_confidence {
            continue;
        }
        let near = |k: Option<usize>| {
            k.and_then(|k| page.words.get(k).map(|o| (k, o)))
                .is_some_and(|(k, o)| o.line == w.line && hit[k])
        };
        if near(j.checked_sub(1)) || near(Some(j + 1)) {
            out.push(boxes[j]);
        }
    }
    out
}

/// The pixel gate: render each of `pages` of the candidate output, OCR it, and return, per
/// page, the boxes (input user space) where a redacted string of `plan` reads back.
pub fn read_back(
    cfg: &OcrConfig,
    pdfium: &PdfiumService,
    output: &[u8],
    geometry: &[(Rect, i64)],
    pages: &std::collections::BTreeSet<usize>,
    plan: &crate::types::RedactionPlan,
) -> Result<Vec<(usize, Vec<Rect>)>> {
    if pages.is_empty() || plan.strings.is_empty() {
        return Ok(Vec::new());
    }
    let bin = engine()?;
    let bytes = Arc::new(output.to_vec());
    let pages: Vec<usize> = pages.iter().copied().collect();
    let read: Vec<(usize, PageView, Vec<OcrWord>)> = pages
        .par_iter()
        .map(|&i| {
            let (view, words) = read_page(cfg, &bin, pdfium, &bytes, None, geometry, i)?;
            Ok((i, view, words))
        })
        .collect::<Result<_>>()?;
    let mut out = Vec::new();
    for (i, view, words) in read {
        let hits = crate::text::unplanned_occurrences(&to_glyphs(&words, &view), plan);
        if !hits.is_empty() {
            out.push((i, hits));
        }
    }
    Ok(out)
}

/// Render page `i` of `bytes` at the OCR resolution and read it; with the pixel ↔ user
/// space mapping of the page (`geometry`: the input's visible box and rotation).
fn read_page(
    cfg: &OcrConfig,
    bin: &Path,
    pdfium: &PdfiumService,
    bytes: &Arc<Vec<u8>>,
    password: Option<&str>,
    geometry: &[(Rect, i64)],
    i: usize,
) -> Result<(PageView, Vec<OcrWord>)> {
    let (visible, rotate) = geometry
        .get(i)
        .copied()
        .ok_or(Error::Internal("page geometry"))?;
    let dpi = dpi_for(cfg, visible.width(), visible.height());
    let img = pdfium.render(bytes.clone(), password.map(str::to_string), i, dpi)?;
    let view = PageView {
        visible,
        rotate,
        width_px: img.width,
        height_px: img.height,
    };
    let words = recognise(
        bin,
        &img,
        (dpi, cfg.thresholding),
        Duration::from_secs(cfg.timeout_s),
    )?;
    Ok((view, words))
}

fn separator(ch: char) -> Glyph {
    Glyph {
        ch,
        loose: Rect::default(),
        origin: (0.0, 0.0),
        size: 0.0,
        font: String::new(),
        generated: true,
        invisible: false,
        angle: 0.0,
        ocr: true,
    }
}

/// Mean confidence of `words` (0 when there are none).
pub fn mean_confidence(words: &[OcrWord]) -> f32 {
    if words.is_empty() {
        return 0.0;
    }
    words.iter().map(|w| w.conf).sum::<f32>() / words.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
1\t1\t0\t0\t0\t0\t0\t0\t1200\t300\t-1\t\n\
4\t1\t1\t1\t1\t0\t44\t48\t831\t38\t-1\t\n\
5\t1\t1\t1\t1\t1\t44\t48\t144\t30\t96.4\tPatient:\n\
5\t1\t1\t1\t1\t2\t210\t49\t175\t37\t91.0\tMargaret\n\
4\t1\t2\t1\t1\t0\t43\t148\t720\t38\t-1\t\n\
5\t1\t2\t1\t1\t1\t43\t148\t94\t30\t45.5\tSeen\n\
5\t1\t2\t1\t1\t2\t150\t148\t94\t30\t-1\t \n";

    #[test]
    fn low_confidence_words_next_to_a_redaction_go_too() {
        let view = PageView {
            visible: Rect::new(0.0, 0.0, 288.0, 72.0),
            rotate: 0,
            width_px: 1200,
            height_px: 300,
        };
        let word = |x: f32, conf: f32, line: u32| OcrWord {
            text: "w".into(),
            px: [x, 100.0, x + 80.0, 130.0],
            line_px: [0.0, 100.0, 1200.0, 130.0],
            conf,
            line: (1, 1, line),
        };
        // line 1: [redacted] [low] [low, not adjacent]; line 2: [low] alone
        let words = vec![
            word(100.0, 95.0, 1),
            word(200.0, 30.0, 1),
            word(300.0, 20.0, 1),
            word(500.0, 10.0, 2),
        ];
        let page = OcrPage {
            page: 0,
            reason: "scan",
            words,
            view,
        };
        let redacted = view.from_px([100.0, 100.0, 180.0, 130.0]);
        let cfg = OcrConfig::standard();
        let extra = low_confidence_neighbours(&cfg, &page, &[redacted]);
        assert_eq!(extra, vec![view.from_px([200.0, 100.0, 280.0, 130.0])]);
        // confident neighbours stay; a word of six digits goes wherever it is
        let mut sure = page.clone();
        sure.words[1].conf = 90.0;
        assert!(low_confidence_neighbours(&cfg, &sure, &[redacted]).is_empty());
        sure.words[3].text = "1032024".into();
        sure.words[3].conf = 99.0;
        let extra = low_confidence_neighbours(&cfg, &sure, &[redacted]);
        assert_eq!(extra, vec![view.from_px([500.0, 100.0, 580.0, 130.0])]);
    }

    #[test]
    fn large_pages_are_read_at_a_lower_resolution() {
        let cfg = OcrConfig::standard();
        assert_eq!(dpi_for(&cfg, 612.0, 792.0), 300.0);
        let big = dpi_for(&cfg, 72.0 * 100.0, 72.0 * 100.0);
        assert!((big - 63.25).abs() < 0.1, "{big}");
        assert_eq!(dpi_for(&cfg, 1e6, 1e6), 36.0);
    }

    #[test]
    fn tsv_words_carry_their_line_box_and_confidence() {
        let w = parse_tsv(TSV);
        assert_eq!(w.len(), 3);
        assert_eq!(w[1].text, "Margaret");
        assert_eq!(w[1].px, [210.0, 49.0, 385.0, 86.0]);
        assert_eq!(w[1].line_px, [44.0, 48.0, 875.0, 86.0]);
        assert_eq!(w[2].conf, 45.5);
        assert_ne!(w[0].line, w[2].line);
        assert!((mean_confidence(&w) - 77.633).abs() < 0.01);
    }

    #[test]
    fn glyphs_split_words_evenly_with_spaces_and_line_breaks() {
        let w = parse_tsv(TSV);
        // 1200 x 300 px for a 288 x 72 pt page: 1 px = 0.24 pt
        let view = PageView {
            visible: Rect::new(0.0, 0.0, 288.0, 72.0),
            rotate: 0,
            width_px: 1200,
            height_px: 300,
        };
        let g = to_glyphs(&w, &view);
        let text: String = g.iter().map(|g| g.ch).collect();
        assert_eq!(text, "Patient: Margaret\nSeen");
        assert!(g.iter().all(|g| g.ocr));
        let m = &g[9]; // 'M'
        assert!(
            (m.loose.x0 - (210.0 - 3.8) * 0.24).abs() < 0.01,
            "{:?}",
            m.loose
        );
        // the line's box, in user space (y up): top 48 px → 72 - 11.52
        assert!((m.loose.y1 - (72.0 - 48.0 * 0.24)).abs() < 0.01);
        assert!((m.loose.y0 - (72.0 - 86.0 * 0.24)).abs() < 0.01);
    }
}
