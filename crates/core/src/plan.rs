//! Redaction plan: entities → per-page rectangles built from the loose boxes of the glyphs
//! each entity covers (one rectangle per run of glyphs on one line), plus the redacted
//! strings the verification gate searches for. The plan holds plaintext only in memory.

use crate::entity::Entity;
use crate::types::{Category, GlyphRef, PageText, Paragraph, Rect};
pub use crate::types::{PagePlan, RedactionPlan};

/// Characters of `text[start..end]` as glyph refs.
fn entity_glyphs(p: &Paragraph, start: usize, end: usize) -> Vec<GlyphRef> {
    p.char_offsets
        .iter()
        .zip(&p.char_glyphs)
        .filter(|(o, _)| **o >= start && **o < end)
        .filter_map(|(_, g)| *g)
        .collect()
}

/// Build the plan. ZIP entities are reduced to their last two digits (and any +4) when the
/// ZIP3 area is allowed by Safe Harbor; restricted ZIP3 areas are removed whole.
pub fn build(paras: &[Paragraph], pages: &[PageText], entities: &[Entity]) -> RedactionPlan {
    let mut plan = RedactionPlan::default();
    for e in entities {
        let Some(p) = paras.get(e.para) else { continue };
        let (mut start, end) = (e.start, e.end);
        if e.category == Category::Zip {
            start = crate::policy::zip_redaction_start(&p.text[e.start..e.end]) + e.start;
        }
        if let Some(s) = p.text.get(start..end) {
            let trimmed = s.trim();
            if !trimmed.is_empty() {
                plan.strings.push(trimmed.to_string());
            }
        }
        let gl = entity_glyphs(p, start, end);
        let mut run: Option<(usize, Rect, f32)> = None; // (page, rect, baseline)
        for g in gl {
            let Some(glyph) = pages.get(g.page).and_then(|pg| pg.glyphs.get(g.idx)) else {
                continue;
            };
            plan.glyphs.push(g);
            if glyph.loose.is_empty() {
                continue;
            }
            let baseline = glyph.origin.1;
            match &mut run {
                Some((pg, r, b))
                    if *pg == g.page
                        && (*b - baseline).abs() < 0.5 * glyph.size.max(1.0)
                        && glyph.loose.x0 - r.x1 < 3.0 * glyph.size.max(1.0) =>
                {
                    *r = r.union(&glyph.loose);
                }
                _ => {
                    if let Some((pg, r, _)) = run.take() {
                        plan.add_rect(pg, r);
                    }
                    run = Some((g.page, glyph.loose, baseline));
                }
            }
        }
        if let Some((pg, r, _)) = run {
            plan.add_rect(pg, r);
        }
    }
    plan.glyphs.sort();
    plan.glyphs.dedup();
    plan
}
