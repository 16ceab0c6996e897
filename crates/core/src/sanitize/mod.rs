//! Sanitisation: remove every place outside the page content where PHI can hide — document
//! info and XMP metadata, annotations and links, forms (AcroForm/XFA), JavaScript and
//! actions, embedded files, outlines and destinations, thumbnails, the structure tree,
//! optional-content configuration, page-piece data, signatures, any catalog or page key
//! that is not on a short list of known ones, metadata segments of JPEG images, XObjects
//! nothing draws — then drop unreferenced objects. The output is always a full rewrite
//! with a fresh `/ID`.

mod annots;
mod images;
mod keys;
mod xobjects;

use lopdf::{Document, Object, ObjectId};
use serde::{Deserialize, Serialize};

use crate::pdf::PAGE_KEYS;

pub use annots::pending_redact_rects;
use images::{blank_icc_profiles, strip_image_metadata};
pub use images::{blank_icc_text, strip_jpeg_metadata};
pub use keys::ANYWHERE_KEYS;
use keys::{keep_only, strip_keys, CATALOG_KEEP, PAGE_KEEP};
use xobjects::prune_unused_xobjects;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SanitizeReport {
    pub info_removed: bool,
    pub catalog_keys_removed: Vec<String>,
    pub annotations_removed: usize,
    pub signatures_removed: bool,
    pub objects_pruned: usize,
    /// Unknown or private keys removed from pages and page-tree nodes.
    #[serde(default)]
    pub page_keys_removed: usize,
    /// Metadata segments (EXIF, XMP, comments, other APPn) removed from JPEG images.
    #[serde(default)]
    pub image_metadata_removed: usize,
    /// XObjects a page's resources named but no content drew (removed with what they hold).
    #[serde(default)]
    pub unused_xobjects_removed: usize,
    /// ICC colour profiles whose text tags (description, copyright, device maker and
    /// model, viewing conditions) were blanked: free text a reader never shows.
    #[serde(default)]
    pub icc_profiles_blanked: usize,
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
            rep.catalog_keys_removed = keep_only(cat, CATALOG_KEEP);
        }
    }
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    // the page-tree nodes above the pages
    let mut nodes: Vec<ObjectId> = Vec::new();
    for &pid in &pages {
        let mut cur = pid;
        for _ in 0..64 {
            let parent = doc
                .get_dictionary(cur)
                .ok()
                .and_then(|d| d.get(b"Parent").ok())
                .and_then(|o| o.as_reference().ok());
            match parent {
                Some(p) if !nodes.contains(&p) => {
                    nodes.push(p);
                    cur = p;
                }
                _ => break,
            }
        }
    }
    for pid in pages {
        if let Ok(page) = doc.get_dictionary_mut(pid) {
            if let Ok(Object::Array(a)) = page.get(b"Annots") {
                rep.annotations_removed += a.len();
            } else if page.has(b"Annots") {
                rep.annotations_removed += 1;
            }
            let gone = keep_only(page, PAGE_KEEP);
            rep.page_keys_removed += gone
                .iter()
                .filter(|k| !PAGE_KEYS.contains(&k.as_bytes()))
                .count();
        }
    }
    for id in nodes {
        if let Ok(node) = doc.get_dictionary_mut(id) {
            rep.page_keys_removed += keep_only(node, PAGE_KEEP).len();
        }
    }
    rep.image_metadata_removed = strip_image_metadata(doc);
    rep.icc_profiles_blanked = blank_icc_profiles(doc);
    rep.unused_xobjects_removed = prune_unused_xobjects(doc);
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

fn random_id() -> [u8; 16] {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    b
}
