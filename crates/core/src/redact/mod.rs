//! True redaction by content-stream rewrite (hand-written: no crate does this).
//!
//! A small PDF content interpreter tracks the graphics state (`q/Q`, `cm`), the text state
//! (`Tf Tc Tw Tz TL Ts`), the text matrices and Form XObjects (recursively, copied before
//! editing), computes every glyph's box in user space from the font metrics, and removes
//! from `Tj`/`TJ`/`'`/`"` the glyphs whose box centre lies inside a redaction rectangle.
//! Each removed run is replaced by one numeric `TJ` adjustment equal to its total advance,
//! so every surviving glyph keeps its exact position and no per-glyph trace of the removed
//! text remains. A black box is painted over every rectangle.
//!
//! Whatever the interpreter does not fully understand on a page that has rectangles
//! (Type3 fonts with a sheared font matrix, vertical or non-Identity CMaps, unknown widths, images or inline images
//! under a rectangle, nesting too deep) makes the page [`PageOutcome::Rasterise`].

mod boxes;
mod core14_data;
pub mod fonts;
mod forms;
mod interp;
mod matrix;
pub mod raster;
pub mod strip;

use std::collections::HashMap;

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use crate::pdf::{page_and_ancestors, MAX_CONTENT_BYTES};
use crate::types::Mark;
use crate::types::Rect;
use forms::prune_xobject_names;
use interp::{Interp, Unsupported, MC_TEXT_KEYS};
use matrix::M;

pub use boxes::{box_ops, label_cells};

/// Padding of redaction rectangles for the hit test, in points.
pub const HIT_PAD_X: f32 = 0.5;
pub const HIT_PAD_Y: f32 = 1.5;
/// Result of rewriting one page.
#[derive(Debug, Clone, PartialEq)]
pub enum PageOutcome {
    /// Nothing to remove on this page (content left as is, apart from sanitising).
    Untouched,
    /// Glyphs removed and boxes painted.
    Rewritten { removed_glyphs: usize },
    /// The interpreter could not handle the page; it must be rasterised.
    Rasterise(String),
}

/// Resolved, owned copy of a page's resources (inherited from ancestors if needed).
fn page_resources(doc: &Document, page_id: ObjectId) -> Dictionary {
    page_and_ancestors(doc, page_id)
        .into_iter()
        .find_map(|d| match d.get(b"Resources").ok()? {
            Object::Reference(id) => doc.get_dictionary(*id).ok().cloned(),
            Object::Dictionary(dict) => Some(dict.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

/// Rewrite one page: remove glyphs under `rects`, strip text from marked-content property
/// lists, paint black boxes. The page gets a fresh content stream and a direct resources
/// dictionary; shared objects are never edited in place.
pub fn redact_page(
    doc: &mut Document,
    page_id: ObjectId,
    rects: &[Rect],
    mark: Mark,
    labels: &[(Rect, String)],
) -> PageOutcome {
    let content = match doc.get_page_content_with_limit(page_id, MAX_CONTENT_BYTES) {
        Ok(c) => c,
        Err(_) => return PageOutcome::Rasterise("content stream too large or undecodable".into()),
    };
    let ops = match Content::decode(&content) {
        Ok(c) => c.operations,
        Err(_) if rects.is_empty() => return PageOutcome::Untouched,
        Err(_) => return PageOutcome::Rasterise("content stream unparsable".into()),
    };
    let mut res = page_resources(doc, page_id);
    // strip text-bearing keys from named property lists too
    let mut props = match res.get(b"Properties").ok() {
        Some(Object::Reference(id)) => doc.get_dictionary(*id).ok().cloned(),
        Some(Object::Dictionary(d)) => Some(d.clone()),
        _ => None,
    };
    if let Some(p) = props.as_mut() {
        let keys: Vec<Vec<u8>> = p.iter().map(|(k, _)| k.clone()).collect();
        for k in keys {
            let resolved = match p.get(&k) {
                Ok(Object::Reference(id)) => doc.get_dictionary(*id).ok().cloned(),
                Ok(Object::Dictionary(d)) => Some(d.clone()),
                _ => None,
            };
            if let Some(mut d) = resolved {
                for t in MC_TEXT_KEYS {
                    d.remove(t);
                }
                p.set(k, Object::Dictionary(d));
            }
        }
    }
    if let Some(p) = props {
        res.set("Properties", Object::Dictionary(p));
    }
    let mut it = Interp {
        doc,
        rects: rects.to_vec(),
        font_cache: HashMap::new(),
        removed: 0,
        form_counter: 0,
        replaced: Vec::new(),
    };
    let (mut new_ops, changed) = match it.run(ops, &mut res, M::ID, 0) {
        Ok(r) => r,
        // nothing to remove: keep the page's own content untouched rather than rewrite it
        Err(_) if rects.is_empty() => return PageOutcome::Untouched,
        Err(Unsupported(why)) => return PageOutcome::Rasterise(why),
    };
    let removed = it.removed;
    if !changed && rects.is_empty() {
        if let Ok(page) = doc.get_dictionary_mut(page_id) {
            page.set("Resources", Object::Dictionary(res));
        }
        return PageOutcome::Untouched;
    }
    prune_xobject_names(&mut res, &new_ops, &it.replaced);
    let mut all = Vec::with_capacity(new_ops.len() + rects.len() + 6);
    all.push(Operation::new("q", vec![]));
    all.append(&mut new_ops);
    all.push(Operation::new("Q", vec![]));
    if !rects.is_empty() {
        all.extend(box_ops(rects, mark, labels));
    }
    let Ok(bytes) = (Content { operations: all }).encode() else {
        return PageOutcome::Rasterise("content re-encoding failed".into());
    };
    let stream_id = doc.add_object(Object::Stream(Stream::new(Dictionary::new(), bytes)));
    match doc.get_dictionary_mut(page_id) {
        Ok(page) => {
            page.set("Contents", Object::Reference(stream_id));
            page.set("Resources", Object::Dictionary(res));
        }
        Err(_) => return PageOutcome::Rasterise("page dictionary missing".into()),
    }
    if rects.is_empty() {
        PageOutcome::Untouched
    } else {
        PageOutcome::Rewritten {
            removed_glyphs: removed,
        }
    }
}
