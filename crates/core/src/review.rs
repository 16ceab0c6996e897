//! Reviewer decisions: what a person changed after looking at the detections of one
//! document. Rejections name entity texts by their HMAC (so decisions can be stored and
//! passed around without plaintext); added terms are plaintext the reviewer typed (kept in
//! memory and handed to a worker on its stdin, never on a command line or on disk); added
//! boxes are page rectangles. The pipeline applies them between detection and planning:
//! rejected texts are dropped before and after the hybrid search (every occurrence of a
//! rejected text is kept, so the verification gate stays strict for everything else; a
//! rejected *occurrence* keeps only the detection at that place, named by its paragraph and
//! offset together with its text's HMAC),
//! added terms are redacted wherever they occur, added boxes remove every glyph under them.

use serde::{Deserialize, Serialize};

use crate::entity::{Entity, Source};
pub use crate::geometry::PageView;
use crate::joblog::HmacKey;
use crate::types::{Category, PageText, Paragraph, Rect};

pub use crate::detector::{BOX_SOURCE, REVIEWER};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Decisions {
    /// HMACs (installation key) of entity texts the reviewer rejected.
    #[serde(default)]
    pub rejected: Vec<String>,
    /// Terms to redact wherever they occur (case-insensitive, whole words).
    #[serde(default)]
    pub added_terms: Vec<AddedTerm>,
    /// Rectangles to redact, PDF user space of the page.
    #[serde(default)]
    pub added_boxes: Vec<AddedBox>,
    /// Single occurrences the reviewer rejected (the text elsewhere stays redacted).
    #[serde(default)]
    pub rejected_at: Vec<RejectedAt>,
}

/// Where a detection sits in the document's text: paragraph index and byte offset of its
/// start. The same input with the same settings gives the same paragraphs, so a decision
/// made on one run's report applies to the next run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TextAt {
    pub para: usize,
    pub start: usize,
}

/// One rejected occurrence: the HMAC of its text and where it is. Both must match, so a
/// shifted layout never keeps some other text (the detection is then redacted as before).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedAt {
    pub key: String,
    pub at: TextAt,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddedTerm {
    pub text: String,
    pub category: Category,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddedBox {
    /// Page index (0-based).
    pub page: usize,
    pub rect: Rect,
    pub category: Category,
}

impl Decisions {
    pub fn is_empty(&self) -> bool {
        self.rejected.is_empty()
            && self.added_terms.is_empty()
            && self.added_boxes.is_empty()
            && self.rejected_at.is_empty()
    }

    /// How many decisions there are (each rejection, term, box and occurrence counts one).
    pub fn len(&self) -> usize {
        self.rejected.len()
            + self.added_terms.len()
            + self.added_boxes.len()
            + self.rejected_at.len()
    }
}

/// Decisions with the key their HMACs were made with.
#[derive(Clone, Copy)]
pub struct Review<'a> {
    pub decisions: &'a Decisions,
    pub key: &'a HmacKey,
}

impl Review<'_> {
    fn rejects(&self, text: &str, at: TextAt) -> bool {
        let d = self.decisions;
        if d.rejected.is_empty() && d.rejected_at.is_empty() {
            return false;
        }
        let key = self.key.hmac_hex(text);
        d.rejected.contains(&key) || d.rejected_at.iter().any(|r| r.at == at && r.key == key)
    }

    /// Remove (and return) the entities whose text (or occurrence) the reviewer rejected.
    pub fn drop_rejected(&self, paras: &[&str], entities: &mut Vec<Entity>) -> Vec<Entity> {
        let mut dropped = Vec::new();
        entities.retain(|e| {
            let text = paras.get(e.para).and_then(|t| t.get(e.start..e.end));
            let at = TextAt {
                para: e.para,
                start: e.start,
            };
            if text.is_some_and(|t| self.rejects(t, at)) {
                dropped.push(e.clone());
                false
            } else {
                true
            }
        });
        dropped
    }

    /// Every whole-word, case-insensitive occurrence of an added term, as entities with ids
    /// from `next_id` on.
    pub fn term_entities(&self, paras: &[&str], next_id: usize) -> Vec<Entity> {
        term_entities(&self.decisions.added_terms, paras, next_id, REVIEWER)
    }

    /// For each added box: the runs of paragraph text whose glyph centres lie inside it
    /// (for the verification gate's string checks).
    pub fn box_texts(&self, paras: &[Paragraph], pages: &[PageText]) -> Vec<(usize, String)> {
        let mut out = Vec::new();
        for (bi, b) in self.decisions.added_boxes.iter().enumerate() {
            for p in paras.iter().filter(|p| p.page == b.page) {
                let mut run = String::new();
                for (ch, g) in p.text.chars().zip(&p.char_glyphs) {
                    let inside = g
                        .and_then(|g| pages.get(g.page)?.glyphs.get(g.idx))
                        .is_some_and(|gl| {
                            let (x, y) = gl.loose.center();
                            b.rect.contains_point(x, y)
                        });
                    if inside {
                        run.push(ch);
                    } else if !run.trim().is_empty() {
                        out.push((bi, std::mem::take(&mut run).trim().to_string()));
                    } else {
                        run.clear();
                    }
                }
                if !run.trim().is_empty() {
                    out.push((bi, run.trim().to_string()));
                }
            }
        }
        out
    }
}

/// One page of the original document rendered for the review screen.
pub struct ReviewPage {
    pub png: Vec<u8>,
    pub view: PageView,
    pub pages: usize,
}

/// Render page `page` of `input` as PNG with its [`PageView`]. The image shows the
/// original (unredacted) page: it goes to the reviewer's screen only, never to disk.
pub fn render_page(
    pdfium: &crate::pdfium::PdfiumService,
    input: Vec<u8>,
    password: Option<String>,
    page: usize,
    dpi: f32,
) -> crate::Result<ReviewPage> {
    use crate::Error;
    let doc = lopdf::Document::load_mem_with_options(
        &input,
        lopdf::LoadOptions {
            password: password.clone(),
            ..lopdf::LoadOptions::default()
        },
    )
    .map_err(|_| Error::Damaged("the document does not parse".into()))?;
    let page_ids: Vec<lopdf::ObjectId> = doc.get_pages().into_values().collect();
    // an encrypted document opened without its password shows no pages: say so
    if page_ids.is_empty() && doc.trailer.get(b"Encrypt").is_ok() {
        return Err(Error::Encrypted);
    }
    let pid = *page_ids.get(page).ok_or_else(|| {
        Error::Settings(format!(
            "page {} requested, the document has {}",
            page + 1,
            page_ids.len()
        ))
    })?;
    let (visible, rotate) = crate::pdf::page_geometry(&doc, pid);
    drop(doc);
    let img = pdfium.render(std::sync::Arc::new(input), password, page, dpi)?;
    Ok(ReviewPage {
        png: png_of(&img)?,
        view: PageView {
            visible,
            rotate,
            width_px: img.width,
            height_px: img.height,
        },
        pages: page_ids.len(),
    })
}

/// The first `max_pages` pages of `input` as small PNGs for a page strip (the document is
/// read once), and its page count. Like [`render_page`], for the reviewer's screen only.
pub fn render_thumbnails(
    pdfium: &crate::pdfium::PdfiumService,
    input: Vec<u8>,
    password: Option<String>,
    max_pages: usize,
    dpi: f32,
) -> crate::Result<(usize, Vec<Vec<u8>>)> {
    let first = render_page(pdfium, input.clone(), password.clone(), 0, dpi)?;
    let input = std::sync::Arc::new(input);
    let mut pngs = vec![first.png];
    for page in 1..first.pages.min(max_pages) {
        let img = pdfium.render(input.clone(), password.clone(), page, dpi)?;
        pngs.push(png_of(&img)?);
    }
    Ok((first.pages, pngs))
}

/// A rendered page as an RGBA PNG.
fn png_of(img: &crate::pdfium::Rendered) -> crate::Result<Vec<u8>> {
    use crate::Error;
    let mut rgba = Vec::with_capacity(img.bgra.len());
    for px in img.bgra.chunks_exact(4) {
        rgba.extend_from_slice(&[px[2], px[1], px[0], 255]);
    }
    let mut png = Vec::new();
    let mut enc = png::Encoder::new(&mut png, img.width as u32, img.height as u32);
    enc.set_color(png::ColorType::Rgba);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc
        .write_header()
        .map_err(|_| Error::Internal("PNG encoding failed"))?;
    w.write_image_data(&rgba)
        .map_err(|_| Error::Internal("PNG encoding failed"))?;
    drop(w);
    Ok(png)
}

/// Every whole-word, case-insensitive occurrence of each term in `paras`, as entities
/// from `detector` with ids from `next_id` on (reviewer-added terms, a profile's deny-list).
pub fn term_entities(
    terms: &[AddedTerm],
    paras: &[&str],
    next_id: usize,
    detector: &str,
) -> Vec<Entity> {
    let mut out = Vec::new();
    for term in terms {
        let needle = term.text.trim();
        if needle.is_empty() {
            continue;
        }
        let Ok(re) = regex::RegexBuilder::new(&regex::escape(needle))
            .case_insensitive(true)
            .build()
        else {
            continue;
        };
        for (para, text) in paras.iter().enumerate() {
            for m in re.find_iter(text) {
                let before = text[..m.start()].chars().next_back();
                let after = text[m.end()..].chars().next();
                if before.is_some_and(char::is_alphanumeric)
                    || after.is_some_and(char::is_alphanumeric)
                {
                    continue;
                }
                out.push(Entity {
                    id: next_id + out.len(),
                    para,
                    start: m.start(),
                    end: m.end(),
                    category: term.category,
                    score: 1.0,
                    sources: vec![Source {
                        detector: detector.into(),
                        score: 1.0,
                        category: term.category,
                        semantic: None,
                    }],
                    propagated_from: None,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> HmacKey {
        HmacKey::from_bytes([7; 32])
    }

    fn ent(para: usize, start: usize, end: usize) -> Entity {
        Entity {
            id: 0,
            para,
            start,
            end,
            category: Category::Name,
            score: 0.9,
            sources: vec![],
            propagated_from: None,
        }
    }

    #[test]
    fn page_view_round_trips_for_every_rotation() {
        let r = Rect::new(100.0, 200.0, 180.0, 215.0);
        for rotate in [0, 90, 180, 270] {
            let (w, h) = if rotate % 180 == 0 {
                (612, 792)
            } else {
                (792, 612)
            };
            let v = PageView {
                visible: Rect::new(10.0, 20.0, 622.0, 812.0),
                rotate,
                width_px: w * 2,
                height_px: h * 2,
            };
            let px = v.to_px(&r);
            assert!(
                px[0] >= 0.0 && px[2] <= (w * 2) as f32,
                "rotate {rotate}: {px:?}"
            );
            let back = v.from_px(px);
            for (a, b) in [
                (back.x0, r.x0),
                (back.y0, r.y0),
                (back.x1, r.x1),
                (back.y1, r.y1),
            ] {
                assert!((a - b).abs() < 0.01, "rotate {rotate}: {back:?} vs {r:?}");
            }
        }
        // unrotated: top of the page is pixel row 0
        let v = PageView {
            visible: Rect::new(0.0, 0.0, 100.0, 100.0),
            rotate: 0,
            width_px: 100,
            height_px: 100,
        };
        assert_eq!(
            v.to_px(&Rect::new(0.0, 90.0, 10.0, 100.0)),
            [0.0, 0.0, 10.0, 10.0]
        );
    }

    /// "Doctor Jane Roe" / "see Doctor" with its three detections, after `d`: (dropped, kept).
    fn drop_from_two_paragraphs(d: &Decisions, k: &HmacKey) -> (Vec<Entity>, Vec<Entity>) {
        let r = Review {
            decisions: d,
            key: k,
        };
        let paras = ["Doctor Jane Roe", "see Doctor"];
        let mut es = vec![ent(0, 0, 6), ent(0, 7, 15), ent(1, 4, 10)];
        let dropped = r.drop_rejected(&paras, &mut es);
        (dropped, es)
    }

    #[test]
    fn rejected_texts_are_dropped_everywhere_and_others_kept() {
        let k = key();
        let d = Decisions {
            rejected: vec![k.hmac_hex("Doctor")],
            ..Decisions::default()
        };
        let (dropped, es) = drop_from_two_paragraphs(&d, &k);
        assert_eq!(dropped.len(), 2);
        assert_eq!(es, vec![ent(0, 7, 15)]);
    }

    #[test]
    fn a_rejected_occurrence_keeps_only_that_place() {
        let k = key();
        let at = |para, start| TextAt { para, start };
        let d = Decisions {
            rejected_at: vec![
                RejectedAt {
                    key: k.hmac_hex("Doctor"),
                    at: at(1, 4),
                },
                // the right place but another text: nothing is kept
                RejectedAt {
                    key: k.hmac_hex("Someone"),
                    at: at(0, 7),
                },
            ],
            ..Decisions::default()
        };
        assert_eq!(d.len(), 2);
        let (dropped, es) = drop_from_two_paragraphs(&d, &k);
        assert_eq!(dropped, vec![ent(1, 4, 10)]);
        assert_eq!(es, vec![ent(0, 0, 6), ent(0, 7, 15)]);
    }

    #[test]
    fn added_terms_match_whole_words_case_insensitively() {
        let k = key();
        let d = Decisions {
            added_terms: vec![AddedTerm {
                text: " Oakridge ".into(),
                category: Category::Location,
            }],
            ..Decisions::default()
        };
        let r = Review {
            decisions: &d,
            key: &k,
        };
        let paras = [
            "Moved to OAKRIDGE.",
            "Oakridgeville is not it",
            "oakridge, oakridge",
        ];
        let es = r.term_entities(&paras, 10);
        let found: Vec<(usize, usize, usize)> =
            es.iter().map(|e| (e.para, e.start, e.end)).collect();
        assert_eq!(found, vec![(0, 9, 17), (2, 0, 8), (2, 10, 18)]);
        assert_eq!(es[0].id, 10);
        assert_eq!(es[2].id, 12);
        assert!(es.iter().all(|e| e.source_label() == REVIEWER));
    }
}
