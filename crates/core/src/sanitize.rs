//! Sanitisation: remove every place outside the page content where PHI can hide — document
//! info and XMP metadata, annotations and links, forms (AcroForm/XFA), JavaScript and
//! actions, embedded files, outlines and destinations, thumbnails, the structure tree,
//! optional-content configuration, page-piece data, signatures — then drop unreferenced
//! objects. The output is always a full rewrite with a fresh `/ID`.

use lopdf::{Dictionary, Document, Object, ObjectId};
use serde::{Deserialize, Serialize};

use crate::types::Rect;

/// Catalog keys removed.
pub const CATALOG_KEYS: &[&[u8]] = &[
    b"Metadata",
    b"AcroForm",
    b"Names",
    b"OpenAction",
    b"AA",
    b"Outlines",
    b"Dests",
    b"StructTreeRoot",
    b"MarkInfo",
    b"OCProperties",
    b"PieceInfo",
    b"SpiderInfo",
    b"Legal",
    b"Perms",
    b"Threads",
    b"Collection",
    b"URI",
    b"AF",
    b"PageLabels",
    b"Lang",
];

/// Page keys removed.
pub const PAGE_KEYS: &[&[u8]] = &[
    b"Annots",
    b"AA",
    b"Thumb",
    b"PieceInfo",
    b"B",
    b"Metadata",
    b"StructParents",
    b"AF",
    b"Tabs",
    b"ID",
    b"PZ",
    b"SeparationInfo",
    b"Trans",
];

/// Keys removed from every dictionary in the file.
pub const ANYWHERE_KEYS: &[&[u8]] = &[
    b"Metadata",
    b"PieceInfo",
    b"AA",
    b"JS",
    b"StructParent",
    b"Info",
];

/// Keys with this prefix (pdfTeX's record of an included PDF: its info dictionary, file
/// name and page) are removed from every dictionary too.
const PRIVATE_PREFIXES: &[&[u8]] = &[b"PTEX."];

fn strip_private(d: &mut Dictionary) {
    for k in ANYWHERE_KEYS {
        d.remove(k);
    }
    let private: Vec<Vec<u8>> = d
        .iter()
        .map(|(k, _)| k.clone())
        .filter(|k| PRIVATE_PREFIXES.iter().any(|p| k.starts_with(p)))
        .collect();
    for k in private {
        d.remove(&k);
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SanitizeReport {
    pub info_removed: bool,
    pub catalog_keys_removed: Vec<String>,
    pub annotations_removed: usize,
    pub signatures_removed: bool,
    pub objects_pruned: usize,
}

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

/// Remove everything listed in the module docs. Page content itself is handled by the
/// redactor.
pub fn sanitize(doc: &mut Document) -> SanitizeReport {
    // The info dictionary may also be named by old cross-reference streams: delete the
    // object itself, and every cross-reference or object stream (lopdf writes its own).
    if let Ok(Object::Reference(id)) = doc.trailer.get(b"Info") {
        let id = *id;
        doc.objects.remove(&id);
    }
    let containers: Vec<ObjectId> = doc
        .objects
        .iter()
        .filter(|(_, o)| {
            o.as_stream().is_ok_and(|s| {
                s.dict
                    .get(b"Type")
                    .ok()
                    .and_then(|t| t.as_name().ok())
                    .is_some_and(|n| n == b"XRef" || n == b"ObjStm")
            })
        })
        .map(|(id, _)| *id)
        .collect();
    for id in containers {
        doc.objects.remove(&id);
    }
    let mut rep = SanitizeReport {
        info_removed: doc.trailer.remove(b"Info").is_some(),
        ..SanitizeReport::default()
    };
    for k in [
        &b"Prev"[..],
        b"XRefStm",
        b"DecodeParms",
        b"Filter",
        b"Index",
        b"W",
        b"Length",
        b"Type",
    ] {
        doc.trailer.remove(k);
    }
    doc.trailer.remove(b"Encrypt");
    doc.encryption_state = None;
    if let Ok(root_id) = doc.trailer.get(b"Root").and_then(|o| o.as_reference()) {
        // signatures live in AcroForm
        if let Ok(cat) = doc.get_dictionary(root_id) {
            rep.signatures_removed = cat.has(b"Perms")
                || cat
                    .get(b"AcroForm")
                    .ok()
                    .and_then(|o| match o {
                        Object::Reference(id) => doc.get_dictionary(*id).ok(),
                        Object::Dictionary(d) => Some(d),
                        _ => None,
                    })
                    .is_some_and(|af| af.has(b"SigFlags"));
        }
        if let Ok(cat) = doc.get_dictionary_mut(root_id) {
            for k in CATALOG_KEYS {
                if cat.remove(k).is_some() {
                    rep.catalog_keys_removed
                        .push(String::from_utf8_lossy(k).into_owned());
                }
            }
        }
    }
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    for pid in pages {
        if let Ok(page) = doc.get_dictionary_mut(pid) {
            if let Ok(Object::Array(a)) = page.get(b"Annots") {
                rep.annotations_removed += a.len();
            } else if page.has(b"Annots") {
                rep.annotations_removed += 1;
            }
            for k in PAGE_KEYS {
                page.remove(k);
            }
        }
    }
    // every dictionary and stream: metadata, actions, JavaScript
    let ids: Vec<ObjectId> = doc.objects.keys().copied().collect();
    for id in ids {
        if let Some(obj) = doc.objects.get_mut(&id) {
            strip_keys(obj, 0);
        }
    }
    // Drop objects nothing refers to any more (annotations, outlines, files, XMP…).
    rep.objects_pruned = doc.prune_objects().len();
    doc.renumber_objects();
    let id = random_id();
    doc.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.to_vec(), lopdf::StringFormat::Hexadecimal),
            Object::String(id.to_vec(), lopdf::StringFormat::Hexadecimal),
        ]),
    );
    rep
}

fn strip_keys(obj: &mut Object, depth: usize) {
    if depth > 32 {
        return;
    }
    match obj {
        Object::Dictionary(d) => {
            strip_private(d);
            let is_action = d
                .get(b"S")
                .ok()
                .and_then(|o| o.as_name().ok())
                .is_some_and(|n| {
                    matches!(
                        n,
                        b"JavaScript" | b"URI" | b"Launch" | b"SubmitForm" | b"ImportData"
                    )
                });
            if is_action {
                d.remove(b"JS");
                d.remove(b"URI");
                d.remove(b"F");
            }
            for (_, v) in d.iter_mut() {
                strip_keys(v, depth + 1);
            }
        }
        Object::Stream(s) => {
            strip_private(&mut s.dict);
            for (_, v) in s.dict.iter_mut() {
                strip_keys(v, depth + 1);
            }
        }
        Object::Array(a) => {
            for v in a.iter_mut() {
                strip_keys(v, depth + 1);
            }
        }
        _ => {}
    }
}

fn random_id() -> [u8; 16] {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    b
}
