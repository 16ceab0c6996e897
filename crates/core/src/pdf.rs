//! Facts about PDF objects that several stages share: page inheritance, page boxes, the
//! catalog and page keys the sanitiser removes (and the verifier checks are gone), size
//! limits. Works on lopdf documents; knows no stage.

use lopdf::{Dictionary, Document, Object, ObjectId};

use crate::types::Rect;

/// Content streams larger than this are not interpreted (page is rasterised instead).
pub const MAX_CONTENT_BYTES: usize = 64 << 20;

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

/// The page dictionary and its ancestors through `/Parent` (bounded, for inheritable keys).
pub fn page_and_ancestors(doc: &Document, page_id: ObjectId) -> Vec<&Dictionary> {
    let mut out = Vec::new();
    let mut node = doc.get_dictionary(page_id).ok();
    while let Some(d) = node {
        out.push(d);
        if out.len() > 64 {
            break;
        }
        node = d
            .get(b"Parent")
            .ok()
            .and_then(|p| p.as_reference().ok())
            .and_then(|id| doc.get_dictionary(id).ok());
    }
    out
}

fn box_of(doc: &Document, page: &Dictionary, key: &[u8]) -> Option<Rect> {
    let o = page.get(key).ok()?;
    let o = match o {
        Object::Reference(id) => doc.get_object(*id).ok()?,
        o => o,
    };
    let a = o.as_array().ok()?;
    let v: Vec<f32> = a
        .iter()
        .filter_map(|x| match x {
            Object::Integer(i) => Some(*i as f32),
            Object::Real(r) => Some(*r),
            _ => None,
        })
        .collect();
    (v.len() == 4).then(|| Rect::new(v[0], v[1], v[2], v[3]))
}

/// Visible box and rotation of a page, following inheritance through `/Parent`.
pub fn page_geometry(doc: &Document, page_id: ObjectId) -> (Rect, i64) {
    let mut media = None;
    let mut crop = None;
    let mut rotate = None;
    for d in page_and_ancestors(doc, page_id) {
        media = media.or_else(|| box_of(doc, d, b"MediaBox"));
        crop = crop.or_else(|| box_of(doc, d, b"CropBox"));
        rotate = rotate.or_else(|| d.get(b"Rotate").ok().and_then(|o| o.as_i64().ok()));
    }
    let media = media.unwrap_or(Rect::new(0.0, 0.0, 612.0, 792.0));
    let visible = crop
        .map(|c| {
            Rect::new(
                c.x0.max(media.x0),
                c.y0.max(media.y0),
                c.x1.min(media.x1),
                c.y1.min(media.y1),
            )
        })
        .filter(|c| !c.is_empty())
        .unwrap_or(media);
    (visible, rotate.unwrap_or(0).rem_euclid(360))
}
