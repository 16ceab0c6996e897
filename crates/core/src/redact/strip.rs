//! The `text-only` policy: PHI drawn as pixels (a scanned signature, a photographed label,
//! a logo with a name) or as vector paths (text converted to outlines) cannot be found
//! without OCR, so this policy removes what could hold it. Every image becomes one grey
//! pixel stretched over its old place (so the layout stays readable), inline images and
//! shadings are dropped, and vector paths are no longer painted. Text stays and goes
//! through the normal glyph redaction; the redaction boxes are painted afterwards.

use lopdf::content::{Content, Operation};
use lopdf::{dictionary, Document, Object, ObjectId, Stream};

/// Grey level of a removed image.
pub const IMAGE_GREY: u8 = 0xC0;

/// Content-stream operators that construct, paint or clip paths, draw shadings or inline
/// images.
const DROPPED: &[&str] = &[
    "m", "l", "c", "v", "y", "h", "re", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n", "W",
    "W*", "sh", "BI",
];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StripReport {
    pub images: usize,
    pub streams_rewritten: usize,
}

fn is_subtype(s: &Stream, t: &[u8]) -> bool {
    s.dict
        .get(b"Subtype")
        .ok()
        .and_then(|o| o.as_name().ok())
        .is_some_and(|n| n == t)
}

/// Ids of every stream object with this `/Subtype`.
fn streams_of(doc: &Document, subtype: &[u8]) -> Vec<ObjectId> {
    doc.objects
        .iter()
        .filter_map(|(id, o)| match o {
            Object::Stream(s) if is_subtype(s, subtype) => Some(*id),
            _ => None,
        })
        .collect()
}

fn filtered(ops: Vec<Operation>) -> (Vec<Operation>, bool) {
    let before = ops.len();
    let kept: Vec<Operation> = ops
        .into_iter()
        .filter(|op| !DROPPED.contains(&op.operator.as_str()))
        .collect();
    let changed = kept.len() != before;
    (kept, changed)
}

/// Strip images and vector graphics from every page and form of `doc`. Fails (so the
/// document fails closed) when a content stream cannot be decoded.
pub fn strip_graphics(doc: &mut Document) -> Result<StripReport, &'static str> {
    let mut report = StripReport::default();
    // images (also soft masks, thumbnails: every image stream in the file)
    for id in streams_of(doc, b"Image") {
        let grey = Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Image",
                "Width" => 1,
                "Height" => 1,
                "ColorSpace" => "DeviceGray",
                "BitsPerComponent" => 8,
            },
            vec![IMAGE_GREY],
        );
        doc.objects.insert(id, Object::Stream(grey));
        report.images += 1;
    }
    // forms (Type3 glyph procedures are not forms and keep their outlines)
    for id in streams_of(doc, b"Form") {
        let Ok(Object::Stream(s)) = doc.get_object_mut(id) else {
            continue;
        };
        let data = s
            .decompressed_content()
            .unwrap_or_else(|_| s.content.clone());
        let content = Content::decode(&data).map_err(|_| "form content unparsable")?;
        let (ops, changed) = filtered(content.operations);
        if changed {
            let bytes = Content { operations: ops }
                .encode()
                .map_err(|_| "form content re-encoding failed")?;
            s.dict.remove(b"Filter");
            s.dict.remove(b"DecodeParms");
            s.set_content(bytes);
            report.streams_rewritten += 1;
        }
    }
    // pages: one fresh content stream each
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    for pid in pages {
        let data = doc
            .get_page_content_with_limit(pid, crate::pdf::MAX_CONTENT_BYTES)
            .map_err(|_| "page content too large or undecodable")?;
        let content = Content::decode(&data).map_err(|_| "page content unparsable")?;
        let (ops, changed) = filtered(content.operations);
        if !changed {
            continue;
        }
        let bytes = Content { operations: ops }
            .encode()
            .map_err(|_| "page content re-encoding failed")?;
        let cid = doc.add_object(Stream::new(dictionary! {}, bytes));
        doc.get_dictionary_mut(pid)
            .map_err(|_| "page dictionary missing")?
            .set("Contents", Object::Reference(cid));
        report.streams_rewritten += 1;
    }
    Ok(report)
}

/// The gate's check for `text-only` outputs: no image larger than one pixel remains.
pub fn check_stripped(doc: &Document) -> Result<(), &'static str> {
    for o in doc.objects.values() {
        if let Object::Stream(s) = o {
            if is_subtype(s, b"Image") {
                let dim = |k: &[u8]| s.dict.get(k).ok().and_then(|o| o.as_i64().ok());
                if dim(b"Width") != Some(1) || dim(b"Height") != Some(1) {
                    return Err("an image survived the text-only policy");
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_image_operators_are_dropped_text_kept() {
        let ops = Content::decode(
            b"q 0 0 1 rg 10 10 m 20 20 l S 5 5 10 10 re f BT /F1 12 Tf (Hi) Tj ET /Im1 Do Q",
        )
        .expect("decode")
        .operations;
        let (kept, changed) = filtered(ops);
        assert!(changed);
        let names: Vec<&str> = kept.iter().map(|o| o.operator.as_str()).collect();
        assert_eq!(names, ["q", "rg", "BT", "Tf", "Tj", "ET", "Do", "Q"]);
    }
}
