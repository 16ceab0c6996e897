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

mod core14_data;
pub mod fonts;
pub mod raster;
pub mod strip;

use std::collections::HashMap;
use std::sync::Arc;

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use crate::pdf::{page_and_ancestors, MAX_CONTENT_BYTES};
use crate::types::Mark;
use crate::types::Rect;
use fonts::FontMetrics;

/// Padding of redaction rectangles for the hit test, in points.
pub const HIT_PAD_X: f32 = 0.5;
pub const HIT_PAD_Y: f32 = 1.5;
const MAX_FORM_DEPTH: usize = 12;
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

#[derive(Debug, Clone, Copy, PartialEq)]
struct M([f32; 6]);

impl M {
    const ID: M = M([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    /// self × o (PDF row-vector convention).
    fn mul(&self, o: &M) -> M {
        let [a, b, c, d, e, f] = self.0;
        let [a2, b2, c2, d2, e2, f2] = o.0;
        M([
            a * a2 + b * c2,
            a * b2 + b * d2,
            c * a2 + d * c2,
            c * b2 + d * d2,
            e * a2 + f * c2 + e2,
            e * b2 + f * d2 + f2,
        ])
    }
    fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }
    fn translate(tx: f32, ty: f32) -> M {
        M([1.0, 0.0, 0.0, 1.0, tx, ty])
    }
    fn from_ops(ops: &[Object]) -> Option<M> {
        if ops.len() != 6 {
            return None;
        }
        let mut v = [0.0f32; 6];
        for (i, o) in ops.iter().enumerate() {
            v[i] = num(o)?;
        }
        v.iter().all(|x| x.is_finite()).then_some(M(v))
    }
    fn bbox(&self, x0: f32, y0: f32, x1: f32, y1: f32) -> Rect {
        let p = [
            self.apply(x0, y0),
            self.apply(x1, y0),
            self.apply(x0, y1),
            self.apply(x1, y1),
        ];
        let xs = p.iter().map(|q| q.0);
        let ys = p.iter().map(|q| q.1);
        Rect::new(
            xs.clone().fold(f32::INFINITY, f32::min),
            ys.clone().fold(f32::INFINITY, f32::min),
            xs.fold(f32::NEG_INFINITY, f32::max),
            ys.fold(f32::NEG_INFINITY, f32::max),
        )
    }
}

fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

#[derive(Clone)]
struct GState {
    ctm: M,
    font: Option<Arc<FontMetrics>>,
    fs: f32,
    tc: f32,
    tw: f32,
    th: f32,
    tl: f32,
    ts: f32,
}

impl GState {
    fn new(ctm: M) -> Self {
        GState {
            ctm,
            font: None,
            fs: 0.0,
            tc: 0.0,
            tw: 0.0,
            th: 1.0,
            tl: 0.0,
            ts: 0.0,
        }
    }
}

/// Why the rewriter cannot handle a page (a fixed phrase, with the font's kind when a
/// font is the cause; never document text).
struct Unsupported(String);

/// Keys of marked-content property lists that can carry text (removed everywhere).
const MC_TEXT_KEYS: [&[u8]; 4] = [b"ActualText", b"Alt", b"E", b"T"];

struct Interp<'d> {
    doc: &'d mut Document,
    rects: Vec<Rect>,
    font_cache: HashMap<Vec<u8>, Arc<FontMetrics>>,
    removed: usize,
    form_counter: usize,
    /// XObject names whose form was replaced by an edited copy.
    replaced: Vec<Vec<u8>>,
}

/// The text-showing items of one operator.
enum Item {
    Str(Vec<u8>),
    Num(f32),
}

impl<'d> Interp<'d> {
    fn deref(&self, o: &Object) -> Object {
        match o {
            Object::Reference(id) => self.doc.get_object(*id).cloned().unwrap_or(Object::Null),
            other => other.clone(),
        }
    }

    fn sub_dict(&self, res: &Dictionary, key: &[u8]) -> Dictionary {
        res.get(key)
            .ok()
            .map(|o| self.deref(o))
            .and_then(|o| o.as_dict().ok().cloned())
            .unwrap_or_default()
    }

    fn font(&mut self, res: &Dictionary, name: &[u8]) -> Arc<FontMetrics> {
        let fonts = self.sub_dict(res, b"Font");
        let (key, dict) = match fonts.get(name) {
            Ok(Object::Reference(id)) => (
                format!("ref:{}:{}", id.0, id.1).into_bytes(),
                self.doc.get_dictionary(*id).ok().cloned(),
            ),
            Ok(Object::Dictionary(d)) => {
                let mut k = b"inline:".to_vec();
                k.extend_from_slice(name);
                k.extend_from_slice(format!(":{}", d.len()).as_bytes());
                (k, Some(d.clone()))
            }
            _ => (Vec::new(), None),
        };
        let Some(dict) = dict else {
            return Arc::new(FontMetrics::unsupported("font not found"));
        };
        if !key.starts_with(b"inline:") {
            if let Some(m) = self.font_cache.get(&key) {
                return m.clone();
            }
        }
        let m = Arc::new(fonts::load(self.doc, &dict));
        self.font_cache.insert(key, m.clone());
        m
    }

    fn hits(&self, r: &Rect) -> bool {
        let (cx, cy) = r.center();
        self.rects.iter().any(|q| {
            cx >= q.x0 - HIT_PAD_X
                && cx <= q.x1 + HIT_PAD_X
                && cy >= q.y0 - HIT_PAD_Y
                && cy <= q.y1 + HIT_PAD_Y
        })
    }

    fn intersects_any(&self, r: &Rect) -> bool {
        self.rects.iter().any(|q| q.pad(1.0).intersects(r))
    }

    /// Show items with the current state; returns the rewritten TJ array if anything was
    /// removed. Advances `tm`.
    fn show(
        &mut self,
        gs: &GState,
        tm: &mut M,
        items: &[Item],
    ) -> Result<Option<Vec<Object>>, Unsupported> {
        let active = !self.rects.is_empty();
        let Some(font) = gs.font.clone() else {
            return if active {
                Err(Unsupported("text without a font".into()))
            } else {
                Ok(None)
            };
        };
        if !active {
            return Ok(None);
        }
        if let Some(r) = font.unsupported {
            return Err(Unsupported(format!("{r} ({})", font.kind)));
        }
        let (fs, th) = (gs.fs, gs.th);
        if fs.abs() < 1e-6 || th.abs() < 1e-6 {
            return Err(Unsupported("zero font size or horizontal scale".into()));
        }
        let mut out: Vec<Object> = Vec::new();
        let mut seg: Vec<u8> = Vec::new();
        // displacement of the removed run being built, in text space
        let mut gap = 0.0f32;
        // kept TJ numbers not yet written: if a removed glyph follows, they were a kerning
        // pair with it and are folded into the gap too
        let mut pending = 0.0f32;
        let mut changed = false;
        let flush = |out: &mut Vec<Object>, seg: &mut Vec<u8>| {
            if !seg.is_empty() {
                out.push(Object::String(
                    std::mem::take(seg),
                    lopdf::StringFormat::Hexadecimal,
                ));
            }
        };
        for item in items {
            match item {
                Item::Num(n) => {
                    let tx = -n / 1000.0 * fs * th;
                    if gap != 0.0 {
                        gap += tx;
                    } else {
                        pending += n;
                    }
                    *tm = M::translate(tx, 0.0).mul(tm);
                }
                Item::Str(bytes) => {
                    let step = if font.two_byte { 2 } else { 1 };
                    if bytes.len() % step != 0 {
                        return Err(Unsupported(format!(
                            "odd byte count for a two-byte font ({})",
                            font.kind
                        )));
                    }
                    for code_bytes in bytes.chunks(step) {
                        let code = code_bytes.iter().fold(0u32, |a, b| (a << 8) | *b as u32);
                        let Some(w) = font.width(code) else {
                            return Err(Unsupported(format!(
                                "glyph width unknown ({})",
                                font.kind
                            )));
                        };
                        let w0 = w / 1000.0;
                        let trm = M([fs * th, 0.0, 0.0, fs, 0.0, gs.ts]).mul(tm).mul(&gs.ctm);
                        let bx = trm.bbox(
                            0.0,
                            font.descent / 1000.0,
                            w0.max(0.001),
                            font.ascent / 1000.0,
                        );
                        let space = !font.two_byte && code == 32;
                        let tx = (w0 * fs + gs.tc + if space { gs.tw } else { 0.0 }) * th;
                        if self.hits(&bx) {
                            flush(&mut out, &mut seg);
                            gap += tx - pending / 1000.0 * fs * th;
                            pending = 0.0;
                            changed = true;
                            self.removed += 1;
                        } else {
                            if gap != 0.0 {
                                out.push(Object::Real(-gap * 1000.0 / (fs * th)));
                                gap = 0.0;
                            } else if pending != 0.0 {
                                flush(&mut out, &mut seg);
                                out.push(Object::Real(pending));
                                pending = 0.0;
                            }
                            seg.extend_from_slice(code_bytes);
                        }
                        *tm = M::translate(tx, 0.0).mul(tm);
                    }
                }
            }
        }
        flush(&mut out, &mut seg);
        if gap != 0.0 {
            out.push(Object::Real(-gap * 1000.0 / (fs * th)));
        } else if pending != 0.0 {
            out.push(Object::Real(pending));
        }
        Ok(changed.then_some(out))
    }

    fn strip_marked_content(ops: &mut [Object]) {
        for o in ops.iter_mut() {
            if let Object::Dictionary(d) = o {
                for k in MC_TEXT_KEYS {
                    d.remove(k);
                }
            }
        }
    }

    /// Interpret `ops` drawn with `res`; returns the rewritten operations and whether
    /// anything changed. `res` may gain new XObject names (copied forms).
    fn run(
        &mut self,
        ops: Vec<Operation>,
        res: &mut Dictionary,
        ctm: M,
        depth: usize,
    ) -> Result<(Vec<Operation>, bool), Unsupported> {
        if depth > MAX_FORM_DEPTH {
            return Err(Unsupported("forms nested too deep".into()));
        }
        let mut stack: Vec<GState> = Vec::new();
        let mut gs = GState::new(ctm);
        let mut tm = M::ID;
        let mut tlm = M::ID;
        let mut out: Vec<Operation> = Vec::with_capacity(ops.len());
        let mut changed = false;
        for mut op in ops {
            let o = &op.operands;
            match op.operator.as_str() {
                "q" => stack.push(gs.clone()),
                "Q" => {
                    if let Some(g) = stack.pop() {
                        gs = g;
                    }
                }
                "cm" => {
                    if let Some(m) = M::from_ops(o) {
                        gs.ctm = m.mul(&gs.ctm);
                    }
                }
                "BT" => {
                    tm = M::ID;
                    tlm = M::ID;
                }
                "Tf" => {
                    if let (Some(Object::Name(n)), Some(sz)) = (o.first(), o.get(1).and_then(num)) {
                        let n = n.clone();
                        gs.font = Some(self.font(res, &n));
                        gs.fs = sz;
                    }
                }
                "Tc" => gs.tc = o.first().and_then(num).unwrap_or(gs.tc),
                "Tw" => gs.tw = o.first().and_then(num).unwrap_or(gs.tw),
                "Tz" => gs.th = o.first().and_then(num).map(|v| v / 100.0).unwrap_or(gs.th),
                "TL" => gs.tl = o.first().and_then(num).unwrap_or(gs.tl),
                "Ts" => gs.ts = o.first().and_then(num).unwrap_or(gs.ts),
                "Td" | "TD" => {
                    if let (Some(tx), Some(ty)) = (o.first().and_then(num), o.get(1).and_then(num))
                    {
                        if op.operator == "TD" {
                            gs.tl = -ty;
                        }
                        tlm = M::translate(tx, ty).mul(&tlm);
                        tm = tlm;
                    }
                }
                "Tm" => {
                    if let Some(m) = M::from_ops(o) {
                        tlm = m;
                        tm = m;
                    }
                }
                "T*" => {
                    tlm = M::translate(0.0, -gs.tl).mul(&tlm);
                    tm = tlm;
                }
                "Tj" | "'" | "\"" | "TJ" => {
                    let opname = op.operator.clone();
                    if opname == "\"" {
                        if let (Some(aw), Some(ac)) =
                            (o.first().and_then(num), o.get(1).and_then(num))
                        {
                            gs.tw = aw;
                            gs.tc = ac;
                        }
                    }
                    if opname == "'" || opname == "\"" {
                        tlm = M::translate(0.0, -gs.tl).mul(&tlm);
                        tm = tlm;
                    }
                    let items: Vec<Item> = if opname == "TJ" {
                        match o.first() {
                            Some(Object::Array(a)) => a
                                .iter()
                                .filter_map(|x| match x {
                                    Object::String(s, _) => Some(Item::Str(s.clone())),
                                    other => num(other).map(Item::Num),
                                })
                                .collect(),
                            _ => Vec::new(),
                        }
                    } else {
                        match o.last() {
                            Some(Object::String(s, _)) => vec![Item::Str(s.clone())],
                            _ => Vec::new(),
                        }
                    };
                    if let Some(arr) = self.show(&gs, &mut tm, &items)? {
                        changed = true;
                        if opname == "\"" {
                            out.push(Operation::new("Tw", vec![Object::Real(gs.tw)]));
                            out.push(Operation::new("Tc", vec![Object::Real(gs.tc)]));
                        }
                        if opname == "'" || opname == "\"" {
                            out.push(Operation::new("T*", vec![]));
                        }
                        out.push(Operation::new("TJ", vec![Object::Array(arr)]));
                        continue;
                    }
                }
                "BDC" | "DP" => {
                    let before = op.operands.clone();
                    Self::strip_marked_content(&mut op.operands);
                    if before != op.operands {
                        changed = true;
                    }
                }
                "BI" => {
                    // lopdf keeps a parsed inline image as one stream operand; one it could
                    // not parse comes back bare and would be lost on re-encoding.
                    if !matches!(o.first(), Some(Object::Stream(_))) {
                        return Err(Unsupported("inline image lopdf cannot parse".into()));
                    }
                    let placed = gs.ctm.bbox(0.0, 0.0, 1.0, 1.0);
                    if self.intersects_any(&placed) {
                        return Err(Unsupported("inline image under a redaction".into()));
                    }
                }
                "Do" => {
                    if let Some(Object::Name(n)) = o.first() {
                        let n = n.clone();
                        if let Some(new_name) = self.do_xobject(res, &n, &gs, depth)? {
                            changed = true;
                            out.push(Operation::new("Do", vec![Object::Name(new_name)]));
                            continue;
                        }
                    }
                }
                _ => {}
            }
            out.push(op);
        }
        Ok((out, changed))
    }

    /// Handle `Do`: images under a rectangle make the page unsupported; forms are
    /// interpreted and, if changed, copied under a new name. Returns the new name.
    fn do_xobject(
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
fn prune_xobject_names(res: &mut Dictionary, ops: &[Operation], replaced: &[Vec<u8>]) {
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

/// Drawing operations for opaque boxes in the `mark` colour over `rects` (user space,
/// identity CTM).
pub fn box_ops(rects: &[Rect], mark: Mark) -> Vec<Operation> {
    let g = Object::Real(f32::from(mark.grey()) / 255.0);
    let mut ops = vec![
        Operation::new("q", vec![]),
        Operation::new("rg", vec![g.clone(), g.clone(), g]),
    ];
    for r in rects {
        ops.push(Operation::new(
            "re",
            vec![
                Object::Real(r.x0),
                Object::Real(r.y0),
                Object::Real(r.width()),
                Object::Real(r.height()),
            ],
        ));
    }
    ops.push(Operation::new("f", vec![]));
    ops.push(Operation::new("Q", vec![]));
    ops
}

/// Rewrite one page: remove glyphs under `rects`, strip text from marked-content property
/// lists, paint black boxes. The page gets a fresh content stream and a direct resources
/// dictionary; shared objects are never edited in place.
pub fn redact_page(
    doc: &mut Document,
    page_id: ObjectId,
    rects: &[Rect],
    mark: Mark,
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
        all.extend(box_ops(rects, mark));
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
