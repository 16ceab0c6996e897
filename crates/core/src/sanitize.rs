//! Sanitisation: remove every place outside the page content where PHI can hide — document
//! info and XMP metadata, annotations and links, forms (AcroForm/XFA), JavaScript and
//! actions, embedded files, outlines and destinations, thumbnails, the structure tree,
//! optional-content configuration, page-piece data, signatures, any catalog or page key
//! that is not on a short list of known ones, metadata segments of JPEG images, XObjects
//! nothing draws — then drop unreferenced objects. The output is always a full rewrite
//! with a fresh `/ID`.

use lopdf::{Dictionary, Document, Object, ObjectId};
use serde::{Deserialize, Serialize};

use crate::pdf::PAGE_KEYS;
use crate::types::Rect;

/// The only catalog keys kept: whatever else a catalog carries (private or unknown keys,
/// and everything in [`crate::pdf::CATALOG_KEYS`]) is removed, so nothing hangs off it.
const CATALOG_KEEP: &[&[u8]] = &[
    b"Type",
    b"Pages",
    b"Version",
    b"Extensions",
    b"PageLayout",
    b"PageMode",
    b"ViewerPreferences",
];

/// The only keys kept on a page or page-tree node (private and unknown keys go).
const PAGE_KEEP: &[&[u8]] = &[
    b"Type",
    b"Parent",
    b"Kids",
    b"Count",
    b"Resources",
    b"MediaBox",
    b"CropBox",
    b"BleedBox",
    b"TrimBox",
    b"ArtBox",
    b"Contents",
    b"Rotate",
    b"Group",
    b"UserUnit",
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

/// Where a page's `/XObject` dictionary lives: its own object, or inline in a resources
/// dictionary that is an object or sits in the page itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum XObjectsAt {
    Object(ObjectId),
    InResources(ObjectId),
    InPage(ObjectId),
}

/// Names `Do` draws in `content`, and in the forms it draws that use the same resources.
fn drawn_names(
    doc: &Document,
    content: &[u8],
    xobjects: &Dictionary,
    used: &mut std::collections::HashSet<Vec<u8>>,
    depth: usize,
) -> bool {
    if depth > 12 {
        return false;
    }
    let Ok(ops) = lopdf::content::Content::decode(content) else {
        return false;
    };
    for op in ops.operations {
        if op.operator != "Do" {
            continue;
        }
        let Some(name) = op.operands.first().and_then(|o| o.as_name().ok()) else {
            continue;
        };
        if !used.insert(name.to_vec()) {
            continue;
        }
        // a form without resources of its own draws from the page's
        let form = xobjects
            .get(name)
            .ok()
            .and_then(|o| o.as_reference().ok())
            .and_then(|id| doc.get_object(id).ok())
            .and_then(|o| o.as_stream().ok())
            .filter(|s| !s.dict.has(b"Resources"));
        if let Some(f) = form {
            let Ok(data) = f.decompressed_content() else {
                return false;
            };
            if !drawn_names(doc, &data, xobjects, used, depth + 1) {
                return false;
            }
        }
    }
    true
}

/// Remove XObject names no page draws from the pages' resources (a hiding place: an image
/// or form nobody shows). A dictionary shared by several pages keeps every name any of
/// them draws; one whose users cannot all be read is left alone.
fn prune_unused_xobjects(doc: &mut Document) -> usize {
    use std::collections::{HashMap, HashSet};
    let mut used: HashMap<XObjectsAt, Option<HashSet<Vec<u8>>>> = HashMap::new();
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    for pid in pages {
        let Ok(page) = doc.get_dictionary(pid) else {
            continue;
        };
        let (res, res_at) = match page.get(b"Resources") {
            Ok(Object::Reference(id)) => (doc.get_dictionary(*id).ok(), Some(*id)),
            Ok(Object::Dictionary(d)) => (Some(d), None),
            _ => (None, None), // inherited: left alone
        };
        let Some(res) = res else { continue };
        let (xobjects, at) = match res.get(b"XObject") {
            Ok(Object::Reference(id)) => (doc.get_dictionary(*id).ok(), XObjectsAt::Object(*id)),
            Ok(Object::Dictionary(d)) => (
                Some(d),
                res_at.map_or(XObjectsAt::InPage(pid), XObjectsAt::InResources),
            ),
            _ => continue,
        };
        let Some(xobjects) = xobjects else { continue };
        let mut names = HashSet::new();
        let ok = doc
            .get_page_content_with_limit(pid, crate::pdf::MAX_CONTENT_BYTES)
            .is_ok_and(|c| drawn_names(doc, &c, xobjects, &mut names, 0));
        let entry = used.entry(at).or_insert_with(|| Some(HashSet::new()));
        match (ok, entry.as_mut()) {
            (true, Some(set)) => set.extend(names),
            _ => *entry = None,
        }
    }
    let mut removed = 0;
    for (at, names) in used {
        let Some(names) = names else { continue };
        let dict = match at {
            XObjectsAt::Object(id) => doc.get_dictionary_mut(id).ok(),
            XObjectsAt::InResources(id) => doc
                .get_dictionary_mut(id)
                .ok()
                .and_then(|r| r.get_mut(b"XObject").ok())
                .and_then(|o| o.as_dict_mut().ok()),
            XObjectsAt::InPage(pid) => doc
                .get_dictionary_mut(pid)
                .ok()
                .and_then(|p| p.get_mut(b"Resources").ok())
                .and_then(|o| o.as_dict_mut().ok())
                .and_then(|r| r.get_mut(b"XObject").ok())
                .and_then(|o| o.as_dict_mut().ok()),
        };
        let Some(dict) = dict else { continue };
        let unused: Vec<Vec<u8>> = dict
            .iter()
            .map(|(k, _)| k.clone())
            .filter(|k| !names.contains(k))
            .collect();
        for k in unused {
            dict.remove(&k);
            removed += 1;
        }
    }
    removed
}

/// A JPEG without its metadata segments: APP1–APP13 and APP15 (EXIF, XMP, IPTC,
/// Photoshop, ICC and vendor data) and COM (comments) go; APP0 (JFIF) and APP14 (Adobe
/// colour transform) stay, and everything from the start of scan on is copied. `None`
/// when the data is no JPEG this parser can walk, or nothing was removed.
pub fn strip_jpeg_metadata(data: &[u8]) -> Option<(Vec<u8>, usize)> {
    if !data.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut out = Vec::with_capacity(data.len());
    out.extend_from_slice(&data[..2]);
    let mut i = 2;
    let mut removed = 0;
    loop {
        // fill bytes before a marker
        while data.get(i) == Some(&0xFF) && data.get(i + 1) == Some(&0xFF) {
            i += 1;
        }
        if data.get(i) != Some(&0xFF) {
            return None;
        }
        let marker = *data.get(i + 1)?;
        if marker == 0xD9 || (0xD0..=0xD7).contains(&marker) || marker == 0x01 {
            // end of image or a marker without a length before any scan: copy the rest
            out.extend_from_slice(&data[i..]);
            break;
        }
        let len = u16::from_be_bytes([*data.get(i + 2)?, *data.get(i + 3)?]) as usize;
        if len < 2 {
            return None;
        }
        let end = i.checked_add(2 + len)?;
        if end > data.len() {
            return None;
        }
        if marker == 0xDA {
            // start of scan: the entropy-coded data and the rest of the file stay
            out.extend_from_slice(&data[i..]);
            break;
        }
        let metadata = (0xE1..=0xED).contains(&marker) || marker == 0xEF || marker == 0xFE;
        if metadata {
            removed += 1;
        } else {
            out.extend_from_slice(&data[i..end]);
        }
        i = end;
    }
    (removed > 0).then_some((out, removed))
}

/// Strip metadata segments from every JPEG image (`/Filter /DCTDecode`, alone).
fn strip_image_metadata(doc: &mut Document) -> usize {
    let mut removed = 0;
    for obj in doc.objects.values_mut() {
        let Object::Stream(s) = obj else { continue };
        let dct = match s.dict.get(b"Filter") {
            Ok(Object::Name(n)) => n == b"DCTDecode",
            Ok(Object::Array(a)) => a.len() == 1 && a[0].as_name().is_ok_and(|n| n == b"DCTDecode"),
            _ => false,
        };
        if !dct {
            continue;
        }
        if let Some((data, n)) = strip_jpeg_metadata(&s.content) {
            s.set_content(data);
            removed += n;
        }
    }
    removed
}

/// Text tags of an ICC profile: description, copyright, device manufacturer and model
/// descriptions, viewing conditions description.
const ICC_TEXT_TAGS: [&[u8; 4]; 5] = [b"desc", b"cprt", b"dmnd", b"dmdd", b"vued"];

/// An ICC profile with the characters of its text tags replaced by spaces (the tag
/// table, types, counts and lengths stay, so the profile still parses). Covers the three
/// text types: `desc` (ASCII part, and the Unicode and ScriptCode parts by length),
/// `text` and `mluc` (UTF-16BE records). `None` when the data is no ICC profile or no
/// text tag holds a character.
pub fn blank_icc_text(data: &[u8]) -> Option<Vec<u8>> {
    if data.len() < 132 || &data[36..40] != b"acsp" {
        return None;
    }
    let be32 = |d: &[u8], at: usize| -> Option<usize> {
        Some(u32::from_be_bytes(d.get(at..at + 4)?.try_into().ok()?) as usize)
    };
    let mut out = data.to_vec();
    let mut changed = false;
    let mut blank = |out: &mut Vec<u8>, from: usize, to: usize, step: usize| {
        let to = to.min(out.len());
        let mut i = from;
        while i + step <= to {
            // UTF-16BE: only code units 0x00xx with a graphic low byte are touched
            let high_zero = step == 1 || out[i] == 0;
            if high_zero && out[i + step - 1].is_ascii_graphic() {
                out[i + step - 1] = b' ';
                changed = true;
            }
            i += step;
        }
    };
    let count = be32(data, 128)?;
    for t in 0..count.min(1024) {
        let entry = 132 + 12 * t;
        let (Some(sig), Some(off), Some(size)) = (
            data.get(entry..entry + 4),
            be32(data, entry + 4),
            be32(data, entry + 8),
        ) else {
            break;
        };
        if !ICC_TEXT_TAGS.iter().any(|s| s.as_slice() == sig) {
            continue;
        }
        let end = off.saturating_add(size).min(data.len());
        let Some(kind) = data.get(off..off + 4) else {
            continue;
        };
        match kind {
            b"text" => blank(&mut out, off + 8, end, 1),
            b"desc" => {
                // ASCII count + string, then Unicode (language, count, UTF-16) and
                // ScriptCode parts: blank the ASCII string and the Unicode units
                let Some(n) = be32(data, off + 8) else {
                    continue;
                };
                let ascii_end = (off + 12).saturating_add(n).min(end);
                blank(&mut out, off + 12, ascii_end, 1);
                if let Some(un) = be32(data, ascii_end + 4) {
                    let u_start = ascii_end + 8;
                    blank(
                        &mut out,
                        u_start,
                        u_start.saturating_add(2 * un).min(end),
                        2,
                    );
                }
            }
            b"mluc" => {
                let (Some(records), Some(rsize)) = (be32(data, off + 8), be32(data, off + 12))
                else {
                    continue;
                };
                for r in 0..records.min(256) {
                    let rec = off + 16 + r * rsize.max(12);
                    let (Some(len), Some(at)) = (be32(data, rec + 4), be32(data, rec + 8)) else {
                        break;
                    };
                    let s = off.saturating_add(at);
                    blank(&mut out, s, s.saturating_add(len).min(end), 2);
                }
            }
            _ => {}
        }
    }
    changed.then_some(out)
}

/// Blank the text tags of every ICC profile stream (`/N` with ICC data).
fn blank_icc_profiles(doc: &mut Document) -> usize {
    let mut blanked = 0;
    for obj in doc.objects.values_mut() {
        let Object::Stream(s) = obj else { continue };
        if !s.dict.has(b"N") {
            continue;
        }
        let Ok(data) = s.decompressed_content_with_limit(64 << 20) else {
            continue;
        };
        if let Some(clean) = blank_icc_text(&data) {
            s.dict.remove(b"Filter");
            s.dict.remove(b"DecodeParms");
            s.set_content(clean);
            blanked += 1;
        }
    }
    blanked
}

/// Remove every key not in `keep` from a dictionary; how many went.
fn keep_only(d: &mut Dictionary, keep: &[&[u8]]) -> Vec<String> {
    let gone: Vec<Vec<u8>> = d
        .iter()
        .map(|(k, _)| k.clone())
        .filter(|k| !keep.contains(&k.as_slice()))
        .collect();
    for k in &gone {
        d.remove(k);
    }
    gone.iter()
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jpeg_metadata_segments_go_and_the_image_stays() {
        let seg = |m: u8, p: &[u8]| {
            let mut v = vec![0xFF, m];
            v.extend_from_slice(&((p.len() + 2) as u16).to_be_bytes());
            v.extend_from_slice(p);
            v
        };
        let mut j = vec![0xFF, 0xD8];
        j.extend(seg(0xE0, b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0"));
        j.extend(seg(0xE1, b"Exif\0\0secret name"));
        j.extend(seg(0xE1, b"http://ns.adobe.com/xap/1.0/\0<x>secret</x>"));
        j.extend(seg(0xEE, b"Adobe\0\x64\0\0\0\0\x01"));
        j.extend(seg(0xFE, b"secret comment"));
        j.extend(seg(0xDB, &[0u8; 65]));
        let scan = [
            0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0, 0x12, 0x34, 0xFF, 0xD9,
        ];
        j.extend_from_slice(&scan);
        let (out, n) = strip_jpeg_metadata(&j).expect("stripped");
        assert_eq!(n, 3);
        assert!(!out.windows(6).any(|w| w == b"secret"));
        assert!(out.windows(4).any(|w| w == b"JFIF"), "APP0 kept");
        assert!(out.windows(5).any(|w| w == b"Adobe"), "APP14 kept");
        assert!(out.ends_with(&scan), "the scan is copied as it was");
        // nothing to strip, or no JPEG: untouched
        assert!(strip_jpeg_metadata(&out).is_none());
        assert!(strip_jpeg_metadata(b"not a jpeg").is_none());
        assert!(strip_jpeg_metadata(&j[..40]).is_none(), "truncated");
    }
}
