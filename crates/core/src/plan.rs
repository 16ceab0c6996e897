//! Redaction plan: entities → per-page rectangles built from the loose boxes of the glyphs
//! each entity covers (one rectangle per run of glyphs on one line), plus the redacted
//! strings the verification gate searches for. The plan holds plaintext only in memory.

use crate::entity::Entity;
use crate::policy::PolicyRules;
use crate::types::{GlyphRef, PageText, Paragraph, Rect};
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

/// Build the plan. The policy decides which part of each entity goes
/// ([`PolicyRules::removed_ranges`]): under Safe Harbor a ZIP code keeps its first three
/// digits unless its ZIP3 area is restricted and a date keeps its year; the UK policy keeps
/// a postcode's outward code; a category the policy keeps adds nothing. An entity merged
/// from spans of several categories ([`Entity::mixed`]) goes whole.
pub fn build(
    paras: &[Paragraph],
    pages: &[PageText],
    entities: &[Entity],
    rules: &PolicyRules,
) -> RedactionPlan {
    let mut plan = RedactionPlan::default();
    for e in entities {
        let Some(p) = paras.get(e.para) else { continue };
        let Some(text) = p.text.get(e.start..e.end) else {
            continue;
        };
        // a span merged from several categories goes whole
        let ranges = if e.mixed() {
            vec![(0, text.len())]
        } else {
            rules.removed_ranges(e.category, text)
        };
        for (a, b) in ranges {
            add_range(&mut plan, p, pages, e.start + a, e.start + b);
        }
    }
    plan.glyphs.sort();
    plan.glyphs.dedup();
    plan
}

/// `p.text[start..end]` into the plan: its trimmed text for the gate, its glyphs, one
/// rectangle per run of glyphs on one line.
fn add_range(
    plan: &mut RedactionPlan,
    p: &Paragraph,
    pages: &[PageText],
    start: usize,
    end: usize,
) {
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
