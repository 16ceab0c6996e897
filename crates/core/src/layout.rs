//! Layout: glyphs of a page → lines → paragraphs in reading order, each paragraph keeping
//! a map from every character of its text back to the glyph it came from.
//!
//! Lines are built from non-generated glyphs on a common baseline; a line is split where a
//! horizontal gap is wider than a few font sizes (columns, table cells). A line with three
//! or more cells is a table row and stays one paragraph; two cells are two columns.
//! Paragraphs group consecutive lines of one column with a similar size and a small
//! vertical gap. Reading order: full-width blocks act as separators; between them the left
//! column is read before the right one, top to bottom.

use crate::types::{GlyphRef, PageText, Paragraph, Rect};

/// Tunables of the layout stage.
#[derive(Debug, Clone)]
pub struct LayoutConfig {
    /// A gap wider than this many font sizes splits a line into cells.
    pub cell_gap_em: f32,
    /// A gap wider than this many font sizes inserts a space between glyphs.
    pub space_gap_em: f32,
    /// Largest vertical gap between lines of one paragraph, in line heights.
    pub para_gap_lines: f32,
}

impl LayoutConfig {
    pub fn standard() -> Self {
        LayoutConfig {
            cell_gap_em: 2.5,
            space_gap_em: 0.2,
            para_gap_lines: 0.9,
        }
    }
}

#[derive(Debug, Clone)]
struct Segment {
    glyphs: Vec<usize>,
    bbox: Rect,
    size: f32,
    baseline: f32,
    bold: bool,
    /// Part of a table row (joined with other cells of the same line).
    row: Option<usize>,
}

fn is_bold(font: &str) -> bool {
    let f = font.to_ascii_lowercase();
    ["bold", "black", "heavy", "semibold", "demi"]
        .iter()
        .any(|k| f.contains(k))
}

/// Split a page into line segments (cells).
fn segments(page: &PageText, cfg: &LayoutConfig) -> Vec<Vec<Segment>> {
    // Collect runs of real glyphs; pdfium emits generated CR/LF between lines.
    let mut lines: Vec<Vec<usize>> = Vec::new();
    let mut cur: Vec<usize> = Vec::new();
    let mut last: Option<usize> = None;
    for (i, g) in page.glyphs.iter().enumerate() {
        if g.generated {
            if g.ch == '\n' || g.ch == '\r' {
                if !cur.is_empty() {
                    lines.push(std::mem::take(&mut cur));
                }
                last = None;
            }
            continue;
        }
        if g.loose.is_empty() && g.ch.is_whitespace() {
            continue;
        }
        if let Some(l) = last {
            let p = &page.glyphs[l];
            let tol = 0.5 * p.size.max(g.size).max(1.0);
            let back = g.origin.0 < p.loose.x0 - 2.0 * g.size.max(1.0);
            if (g.origin.1 - p.origin.1).abs() > tol || back {
                lines.push(std::mem::take(&mut cur));
            }
        }
        cur.push(i);
        last = Some(i);
    }
    if !cur.is_empty() {
        lines.push(cur);
    }

    let mut out = Vec::new();
    for mut line in lines {
        line.sort_by(|a, b| {
            page.glyphs[*a]
                .loose
                .x0
                .partial_cmp(&page.glyphs[*b].loose.x0)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut cells: Vec<Vec<usize>> = vec![Vec::new()];
        let mut prev_x1: Option<f32> = None;
        for &i in &line {
            let g = &page.glyphs[i];
            if let Some(px) = prev_x1 {
                if g.loose.x0 - px > cfg.cell_gap_em * g.size.max(1.0) {
                    cells.push(Vec::new());
                }
            }
            if let Some(c) = cells.last_mut() {
                c.push(i);
            }
            prev_x1 = Some(g.loose.x1);
        }
        let cells: Vec<Vec<usize>> = cells.into_iter().filter(|c| !c.is_empty()).collect();
        let row = (cells.len() >= 3).then_some(out.len());
        let segs: Vec<Segment> = cells
            .into_iter()
            .map(|c| segment_of(page, c, row))
            .collect();
        out.push(segs);
    }
    out
}

fn segment_of(page: &PageText, glyphs: Vec<usize>, row: Option<usize>) -> Segment {
    let mut bbox = page.glyphs[glyphs[0]].loose;
    let mut sizes: Vec<f32> = Vec::with_capacity(glyphs.len());
    let mut bold = 0usize;
    for &i in &glyphs {
        let g = &page.glyphs[i];
        bbox = bbox.union(&g.loose);
        sizes.push(g.size);
        if is_bold(&g.font) {
            bold += 1;
        }
    }
    sizes.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let size = sizes[sizes.len() / 2];
    let baseline = page.glyphs[glyphs[0]].origin.1;
    let nb = glyphs.len();
    Segment {
        glyphs,
        bbox,
        size,
        baseline,
        bold: bold * 2 > nb,
        row,
    }
}

struct Block {
    segs: Vec<Segment>,
    bbox: Rect,
    gap_above: f32,
}

/// Lay out one page into paragraphs (ids are assigned by the caller).
pub fn page_paragraphs(page: &PageText, cfg: &LayoutConfig) -> Vec<Paragraph> {
    let lines = segments(page, cfg);
    let mut blocks: Vec<Block> = Vec::new();
    for line in lines {
        if line.first().and_then(|s| s.row).is_some() {
            // table row: one block for the whole row
            let mut bbox = line[0].bbox;
            for s in &line {
                bbox = bbox.union(&s.bbox);
            }
            blocks.push(Block {
                segs: line,
                bbox,
                gap_above: 0.0,
            });
            continue;
        }
        for seg in line {
            // attach to an open block directly above in the same column
            let lh = seg.size.max(1.0) * 1.2;
            let mut attached = false;
            for b in blocks.iter_mut().rev().take(4) {
                let Some(lastseg) = b.segs.last() else {
                    continue;
                };
                if lastseg.row.is_some() {
                    continue;
                }
                let dy = lastseg.baseline - seg.baseline;
                let same_col = (lastseg.bbox.x0 - seg.bbox.x0).abs() < 3.0 * seg.size.max(1.0)
                    || (seg.bbox.x0 >= lastseg.bbox.x0 - 1.0 && seg.bbox.x0 <= lastseg.bbox.x1);
                let similar = (lastseg.size - seg.size).abs() <= 0.15 * seg.size.max(1.0)
                    && lastseg.bold == seg.bold;
                if same_col && similar && dy > 0.0 && dy <= lh * (1.0 + cfg.para_gap_lines) {
                    b.bbox = b.bbox.union(&seg.bbox);
                    b.segs.push(seg.clone());
                    attached = true;
                    break;
                }
            }
            if !attached {
                blocks.push(Block {
                    bbox: seg.bbox,
                    segs: vec![seg],
                    gap_above: 0.0,
                });
            }
        }
    }
    order_blocks(&mut blocks, page.width);
    for i in 1..blocks.len() {
        let g = blocks[i - 1].bbox.y0 - blocks[i].bbox.y1;
        blocks[i].gap_above = g.max(0.0);
    }
    blocks
        .into_iter()
        .map(|b| block_paragraph(page, b, cfg))
        .collect()
}

/// Reading order: full-width blocks split the page into bands; inside a band the left
/// column comes first, each column top to bottom.
fn order_blocks(blocks: &mut Vec<Block>, page_w: f32) {
    let mid = page_w / 2.0;
    let wide = |b: &Block| b.bbox.x0 < mid && b.bbox.x1 > mid;
    let mut items: Vec<Block> = std::mem::take(blocks);
    items.sort_by(|a, b| {
        b.bbox
            .y1
            .partial_cmp(&a.bbox.y1)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut band: Vec<Block> = Vec::new();
    let flush = |band: &mut Vec<Block>, out: &mut Vec<Block>| {
        band.sort_by(|a, b| {
            let ca = (a.bbox.x0 >= mid) as u8;
            let cb = (b.bbox.x0 >= mid) as u8;
            ca.cmp(&cb).then(
                b.bbox
                    .y1
                    .partial_cmp(&a.bbox.y1)
                    .unwrap_or(std::cmp::Ordering::Equal),
            )
        });
        out.append(band);
    };
    for b in items {
        if wide(&b) {
            flush(&mut band, blocks);
            blocks.push(b);
        } else {
            band.push(b);
        }
    }
    flush(&mut band, blocks);
}

fn block_paragraph(page: &PageText, b: Block, cfg: &LayoutConfig) -> Paragraph {
    let mut text = String::new();
    let mut map: Vec<Option<GlyphRef>> = Vec::new();
    let mut offs: Vec<usize> = Vec::new();
    let mut push = |text: &mut String, c: char, g: Option<usize>| {
        offs.push(text.len());
        text.push(c);
        map.push(g.map(|idx| GlyphRef {
            page: page.index,
            idx,
        }));
    };
    let mut sizes: Vec<f32> = Vec::new();
    let mut bold = 0usize;
    let mut lines = 0usize;
    let mut prev_baseline: Option<f32> = None;
    for (si, seg) in b.segs.iter().enumerate() {
        if si > 0 {
            let new_line = prev_baseline.is_none_or(|pb| (pb - seg.baseline).abs() > 0.5);
            push(&mut text, if new_line { '\n' } else { '\t' }, None);
        }
        if prev_baseline.is_none_or(|pb| (pb - seg.baseline).abs() > 0.5) {
            lines += 1;
        }
        prev_baseline = Some(seg.baseline);
        sizes.push(seg.size);
        if seg.bold {
            bold += 1;
        }
        let mut prev: Option<usize> = None;
        for &i in &seg.glyphs {
            let g = &page.glyphs[i];
            if let Some(p) = prev {
                let pg = &page.glyphs[p];
                let gap = g.loose.x0 - pg.loose.x1;
                // a space between the two glyphs in the page's text — written by the
                // producer (a whitespace glyph without a box, skipped by `segments`) or
                // inserted by pdfium at a word break — separates words whatever the gap:
                // Qt (wkhtmltopdf) draws no space glyphs and scales its text, so its word
                // gaps are smaller than the font size suggests
                let written_space = p < i
                    && i - p <= 4
                    && page.glyphs[p + 1..i]
                        .iter()
                        .any(|w| w.ch == ' ' || (!w.generated && w.ch.is_whitespace()));
                if (written_space || gap > cfg.space_gap_em * g.size.max(1.0))
                    && !pg.ch.is_whitespace()
                    && !g.ch.is_whitespace()
                {
                    push(&mut text, ' ', None);
                }
            }
            let c = if g.ch.is_whitespace() { ' ' } else { g.ch };
            push(&mut text, c, Some(i));
            prev = Some(i);
        }
    }
    sizes.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    Paragraph {
        id: 0,
        page: page.index,
        bbox: b.bbox,
        text,
        char_glyphs: map,
        char_offsets: offs,
        font_size: sizes.get(sizes.len() / 2).copied().unwrap_or(0.0),
        bold: bold * 2 > b.segs.len(),
        line_count: lines,
        gap_above: b.gap_above,
        heading_score: 0.0,
        is_heading: false,
        dep_flag: false,
        furniture: false,
    }
}

/// Lay out all pages; paragraph ids are their index in the returned list.
pub fn paragraphs(pages: &[PageText], cfg: &LayoutConfig) -> Vec<Paragraph> {
    let mut out = Vec::new();
    for p in pages {
        for mut para in page_paragraphs(p, cfg) {
            para.id = out.len();
            out.push(para);
        }
    }
    mark_furniture(&mut out, pages);
    out
}

/// Running headers and footers: paragraphs in the top or bottom 8 % of the page whose
/// text, with digits ignored (page numbers, dates), appears on at least two pages.
fn mark_furniture(paras: &mut [Paragraph], pages: &[PageText]) {
    if pages.len() < 2 {
        return;
    }
    let key = |p: &Paragraph| -> Option<String> {
        let h = pages.get(p.page)?.height;
        let edge = 0.08 * h;
        let page_y0 = pages
            .get(p.page)?
            .glyphs
            .iter()
            .filter(|g| !g.generated)
            .map(|g| g.loose.y0)
            .fold(f32::INFINITY, f32::min);
        let page_y1 = pages
            .get(p.page)?
            .glyphs
            .iter()
            .filter(|g| !g.generated)
            .map(|g| g.loose.y1)
            .fold(f32::NEG_INFINITY, f32::max);
        let near = p.bbox.y1 >= page_y1 - edge || p.bbox.y0 <= page_y0 + edge;
        near.then(|| {
            p.text
                .chars()
                .filter(|c| !c.is_ascii_digit() && !c.is_whitespace())
                .collect()
        })
    };
    let mut seen: std::collections::HashMap<String, std::collections::BTreeSet<usize>> =
        std::collections::HashMap::new();
    for p in paras.iter() {
        if let Some(k) = key(p).filter(|k| !k.is_empty()) {
            seen.entry(k).or_default().insert(p.page);
        }
    }
    for p in paras.iter_mut() {
        if let Some(k) = key(p) {
            p.furniture = seen.get(&k).is_some_and(|pages| pages.len() >= 2);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Glyph;

    fn glyphs_for(text: &str, x: f32, y: f32, size: f32, font: &str) -> Vec<Glyph> {
        let w = size * 0.5;
        text.chars()
            .enumerate()
            .map(|(i, ch)| {
                let x0 = x + i as f32 * w;
                Glyph {
                    ch,
                    loose: Rect::new(x0, y - 0.2 * size, x0 + w, y + 0.8 * size),
                    origin: (x0, y),
                    size,
                    font: font.into(),
                    generated: false,
                    invisible: false,
                    angle: 0.0,
                    ocr: false,
                }
            })
            .collect()
    }

    fn page(lines: &[(&str, f32, f32)]) -> PageText {
        let mut glyphs = Vec::new();
        for (t, x, y) in lines {
            glyphs.extend(glyphs_for(t, *x, *y, 10.0, "Helvetica"));
            glyphs.push(Glyph {
                ch: '\n',
                loose: Rect::default(),
                origin: (0.0, 0.0),
                size: 0.0,
                font: String::new(),
                generated: true,
                invisible: false,
                angle: 0.0,
                ocr: false,
            });
        }
        PageText {
            index: 0,
            width: 612.0,
            height: 792.0,
            glyphs,
            has_images: false,
        }
    }

    #[test]
    fn lines_join_into_one_paragraph_and_map_back() {
        let p = page(&[("Hello world", 72.0, 700.0), ("second line", 72.0, 688.0)]);
        let paras = page_paragraphs(&p, &LayoutConfig::standard());
        assert_eq!(paras.len(), 1);
        assert_eq!(paras[0].text, "Hello world\nsecond line");
        assert_eq!(paras[0].char_glyphs.len(), paras[0].text.chars().count());
        assert_eq!(paras[0].char_glyphs[0], Some(GlyphRef { page: 0, idx: 0 }));
        assert_eq!(paras[0].char_glyphs[11], None);
    }

    #[test]
    fn big_gap_starts_new_paragraph() {
        let p = page(&[("First block", 72.0, 700.0), ("Second block", 72.0, 640.0)]);
        let paras = page_paragraphs(&p, &LayoutConfig::standard());
        assert_eq!(paras.len(), 2);
        assert!(paras[1].gap_above > 20.0);
    }

    #[test]
    fn two_columns_read_left_then_right() {
        let p = page(&[
            ("left one", 72.0, 700.0),
            ("right one", 320.0, 700.0),
            ("left two", 72.0, 688.0),
            ("right two", 320.0, 688.0),
        ]);
        let paras = page_paragraphs(&p, &LayoutConfig::standard());
        let texts: Vec<&str> = paras.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(texts, vec!["left one\nleft two", "right one\nright two"]);
    }

    #[test]
    fn repeated_edge_lines_are_furniture() {
        let mk = |i: usize, footer: &str| {
            let mut p = page(&[
                ("Clinic header line", 72.0, 760.0),
                ("Body text that differs", 72.0 + i as f32, 500.0),
                (footer, 72.0, 30.0),
            ]);
            p.index = i;
            p
        };
        let pages = vec![mk(0, "Page 1"), mk(1, "Page 2")];
        let paras = paragraphs(&pages, &LayoutConfig::standard());
        let f: Vec<(String, bool)> = paras
            .iter()
            .map(|p| (p.text.clone(), p.furniture))
            .collect();
        assert!(
            f.iter()
                .filter(|(t, _)| t.starts_with("Page"))
                .all(|(_, x)| *x),
            "{f:?}"
        );
        assert!(
            f.iter()
                .filter(|(t, _)| t.starts_with("Clinic"))
                .all(|(_, x)| *x),
            "{f:?}"
        );
        assert!(
            f.iter()
                .filter(|(t, _)| t.starts_with("Body"))
                .all(|(_, x)| !*x),
            "{f:?}"
        );
    }

    #[test]
    fn table_row_stays_together() {
        let mut p = page(&[]);
        let mut g = glyphs_for("Name", 72.0, 700.0, 10.0, "Helvetica");
        g.extend(glyphs_for("Smith", 200.0, 700.0, 10.0, "Helvetica"));
        g.extend(glyphs_for("MRN", 350.0, 700.0, 10.0, "Helvetica"));
        p.glyphs = g;
        let paras = page_paragraphs(&p, &LayoutConfig::standard());
        assert_eq!(paras.len(), 1);
        assert_eq!(paras[0].text, "Name\tSmith\tMRN");
    }
}
