//! Unused XObjects: names a page's resources list but no content draws.

use lopdf::{Dictionary, Document, Object, ObjectId};

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
pub(super) fn prune_unused_xobjects(doc: &mut Document) -> usize {
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
