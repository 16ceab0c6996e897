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

/// The pseudonym a detection of `category` with `text` gets under `--mark label`: its
/// category and five hex digits of the text's keyed HMAC (case and spacing folded), so the
/// same name gets the same label in every document of every batch of this installation,
/// and the label cannot be turned back into the name without the key.
pub fn pseudonym(key: &crate::joblog::HmacKey, category: &str, text: &str) -> String {
    let h = key.hmac_hex(&format!("label|{category}|{text}"));
    format!("{category}-{}", h[..5].to_uppercase())
}

/// `Mark::Label`: each entity's label on its first rectangle. A hit the hybrid search
/// found takes the label of the mention it came from ("Smith" the label of "John Smith").
pub fn add_labels(
    plan: &mut RedactionPlan,
    paras: &[Paragraph],
    pages: &[PageText],
    entities: &[Entity],
    rules: &PolicyRules,
    key: &crate::joblog::HmacKey,
) {
    let by_id: std::collections::HashMap<usize, &Entity> =
        entities.iter().map(|e| (e.id, e)).collect();
    for e in entities {
        let mut root = e;
        for _ in 0..8 {
            match root.propagated_from.and_then(|i| by_id.get(&i)) {
                Some(src) => root = src,
                None => break,
            }
        }
        let Some(text) = paras
            .get(root.para)
            .and_then(|p| p.text.get(root.start..root.end))
        else {
            continue;
        };
        let label = pseudonym(key, root.category.as_str(), text);
        let one = build(paras, pages, std::slice::from_ref(e), rules);
        if let Some((page, pp)) = one.pages.into_iter().next() {
            if let Some(r) = pp.rects.first() {
                plan.pages.entry(page).or_default().labels.push((*r, label));
            }
        }
    }
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
