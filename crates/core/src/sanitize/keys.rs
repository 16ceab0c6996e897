//! Which dictionary keys survive: the short lists of catalog and page keys kept, the keys
//! removed from every dictionary, and the walk that removes them.

use lopdf::{Dictionary, Object};

/// The only catalog keys kept: whatever else a catalog carries (private or unknown keys,
/// and everything in [`crate::pdf::CATALOG_KEYS`]) is removed, so nothing hangs off it.
pub(super) const CATALOG_KEEP: &[&[u8]] = &[
    b"Type",
    b"Pages",
    b"Version",
    b"Extensions",
    b"PageLayout",
    b"PageMode",
    b"ViewerPreferences",
];

/// The only keys kept on a page or page-tree node (private and unknown keys go).
pub(super) const PAGE_KEEP: &[&[u8]] = &[
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

/// Remove every key not in `keep` from a dictionary; how many went.
pub(super) fn keep_only(d: &mut Dictionary, keep: &[&[u8]]) -> Vec<String> {
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

pub(super) fn strip_keys(obj: &mut Object, depth: usize) {
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
