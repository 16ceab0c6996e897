//! Form XObjects: interpreted recursively and, when edited, copied under a new name so
//! shared originals are never changed in place.

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Object, ObjectId, Stream};

use super::interp::{GState, Interp, Unsupported};
use super::matrix::M;
use crate::pdf::MAX_CONTENT_BYTES;

impl<'d> Interp<'d> {
    /// Handle `Do`: images under a rectangle make the page unsupported; forms are
    /// interpreted and, if changed, copied under a new name. Returns the new name.
    pub(super) fn do_xobject(
        &mut self,
        res: &mut Dictionary,
        name: &[u8],
        gs: &GState,
        depth: usize,
    ) -> Result<Option<Vec<u8>>, Unsupported> {
        if self.rects.is_empty() {
            return Ok(None);
        }
        let xobjects = self.sub_dict(res, b"XObject");
        let Ok(xref) = xobjects.get(name) else {
            return Ok(None);
        };
        let Object::Stream(stream) = self.deref(xref) else {
            return Ok(None);
        };
        let subtype = stream
            .dict
            .get(b"Subtype")
            .ok()
            .and_then(|o| o.as_name().ok())
            .unwrap_or(b"")
            .to_vec();
        match subtype.as_slice() {
            b"Image" => {
                let placed = gs.ctm.bbox(0.0, 0.0, 1.0, 1.0);
                if self.intersects_any(&placed) {
                    return Err(Unsupported("image under a redaction".into()));
                }
                Ok(None)
            }
            b"Form" => {
                let matrix = stream
                    .dict
                    .get(b"Matrix")
                    .ok()
                    .and_then(|o| o.as_array().ok())
                    .and_then(|a| M::from_ops(a))
                    .unwrap_or(M::ID);
                let ctm = matrix.mul(&gs.ctm);
                let mut form_res = match stream.dict.get(b"Resources").ok().map(|o| self.deref(o)) {
                    Some(Object::Dictionary(d)) => d,
                    _ => res.clone(),
                };
                let data = stream
                    .decompressed_content()
                    .unwrap_or_else(|_| stream.content.clone());
                if data.len() > MAX_CONTENT_BYTES {
                    return Err(Unsupported("form content too large".into()));
                }
                let content = Content::decode(&data)
                    .map_err(|_| Unsupported("form content unparsable".into()))?;
                let (ops, changed) = self.run(content.operations, &mut form_res, ctm, depth + 1)?;
                if !changed {
                    return Ok(None);
                }
                prune_xobject_names(&mut form_res, &ops, &self.replaced);
                let bytes = Content { operations: ops }
                    .encode()
                    .map_err(|_| Unsupported("form content re-encoding failed".into()))?;
                let mut dict = stream.dict.clone();
                dict.remove(b"Filter");
                dict.remove(b"DecodeParms");
                dict.remove(b"Length");
                dict.set("Resources", Object::Dictionary(form_res));
                let new_id: ObjectId = self
                    .doc
                    .add_object(Object::Stream(Stream::new(dict, bytes)));
                self.form_counter += 1;
                let new_name = format!("RdX{}", self.form_counter).into_bytes();
                self.replaced.push(name.to_vec());
                let mut xobjects = xobjects;
                xobjects.set(new_name.clone(), Object::Reference(new_id));
                res.set("XObject", Object::Dictionary(xobjects));
                Ok(Some(new_name))
            }
            _ => Ok(None),
        }
    }
}

/// Drop the names of forms that were replaced by an edited copy when no `Do` in `ops`
/// uses them any more, so the unredacted original is no longer referenced and gets pruned.
pub(super) fn prune_xobject_names(res: &mut Dictionary, ops: &[Operation], replaced: &[Vec<u8>]) {
    let used: std::collections::HashSet<&[u8]> = ops
        .iter()
        .filter(|o| o.operator == "Do")
        .filter_map(|o| o.operands.first().and_then(|n| n.as_name().ok()))
        .collect();
    if let Ok(Object::Dictionary(x)) = res.get_mut(b"XObject") {
        let names: Vec<Vec<u8>> = x.iter().map(|(k, _)| k.clone()).collect();
        for n in names {
            if replaced.contains(&n) && !used.contains(n.as_slice()) {
                x.remove(&n);
            }
        }
    }
}
