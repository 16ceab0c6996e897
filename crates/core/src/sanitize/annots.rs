//! Annotations: the rectangles of `/Redact` annotations marked but never applied.

use lopdf::{Dictionary, Document, Object};

use crate::types::Rect;

fn annot_rect(doc: &Document, annot: &Dictionary) -> Vec<Rect> {
    let nums = |o: &Object| -> Vec<f32> {
        let o = match o {
            Object::Reference(id) => doc.get_object(*id).ok().cloned().unwrap_or(Object::Null),
            o => o.clone(),
        };
        o.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| match x {
                        Object::Integer(i) => Some(*i as f32),
                        Object::Real(r) => Some(*r),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    if let Ok(q) = annot.get(b"QuadPoints") {
        let v = nums(q);
        if v.len() >= 8 {
            return v
                .chunks_exact(8)
                .map(|c| {
                    let xs = [c[0], c[2], c[4], c[6]];
                    let ys = [c[1], c[3], c[5], c[7]];
                    Rect::new(
                        xs.iter().copied().fold(f32::INFINITY, f32::min),
                        ys.iter().copied().fold(f32::INFINITY, f32::min),
                        xs.iter().copied().fold(f32::NEG_INFINITY, f32::max),
                        ys.iter().copied().fold(f32::NEG_INFINITY, f32::max),
                    )
                })
                .collect();
        }
    }
    match annot.get(b"Rect").map(nums) {
        Ok(v) if v.len() == 4 => vec![Rect::new(v[0], v[1], v[2], v[3])],
        _ => Vec::new(),
    }
}

/// Rectangles of `/Redact` annotations that were marked but never applied, per page index.
/// They are added to the redaction plan before the annotations are deleted.
pub fn pending_redact_rects(doc: &Document) -> Vec<(usize, Rect)> {
    let mut out = Vec::new();
    for (i, (_, page_id)) in doc.get_pages().into_iter().enumerate() {
        let Ok(page) = doc.get_dictionary(page_id) else {
            continue;
        };
        let annots = match page.get(b"Annots") {
            Ok(Object::Reference(id)) => doc
                .get_object(*id)
                .ok()
                .and_then(|o| o.as_array().ok().cloned()),
            Ok(Object::Array(a)) => Some(a.clone()),
            _ => None,
        };
        for a in annots.unwrap_or_default() {
            let d = match &a {
                Object::Reference(id) => doc.get_dictionary(*id).ok(),
                Object::Dictionary(d) => Some(d),
                _ => None,
            };
            if let Some(d) = d {
                if d.get(b"Subtype").ok().and_then(|o| o.as_name().ok()) == Some(b"Redact") {
                    out.extend(annot_rect(doc, d).into_iter().map(|r| (i, r)));
                }
            }
        }
    }
    out
}
