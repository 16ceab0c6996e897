//! The content-stream interpreter: graphics and text state tracking, glyph boxes from the
//! font metrics, and the removal of glyphs under a redaction rectangle.

use std::collections::HashMap;
use std::sync::Arc;

use lopdf::content::Operation;
use lopdf::{Dictionary, Document, Object};

use super::fonts::{self, FontMetrics};
use super::matrix::{num, M};
use super::{HIT_PAD_X, HIT_PAD_Y};
use crate::types::Rect;

const MAX_FORM_DEPTH: usize = 12;

#[derive(Clone)]
pub(super) struct GState {
    pub(super) ctm: M,
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
pub(super) struct Unsupported(pub(super) String);

/// Keys of marked-content property lists that can carry text (removed everywhere).
pub(super) const MC_TEXT_KEYS: [&[u8]; 4] = [b"ActualText", b"Alt", b"E", b"T"];

pub(super) struct Interp<'d> {
    pub(super) doc: &'d mut Document,
    pub(super) rects: Vec<Rect>,
    pub(super) font_cache: HashMap<Vec<u8>, Arc<FontMetrics>>,
    pub(super) removed: usize,
    pub(super) form_counter: usize,
    /// XObject names whose form was replaced by an edited copy.
    pub(super) replaced: Vec<Vec<u8>>,
}

/// The text-showing items of one operator.
enum Item {
    Str(Vec<u8>),
    Num(f32),
}

impl<'d> Interp<'d> {
    pub(super) fn deref(&self, o: &Object) -> Object {
        match o {
            Object::Reference(id) => self.doc.get_object(*id).cloned().unwrap_or(Object::Null),
            other => other.clone(),
        }
    }

    pub(super) fn sub_dict(&self, res: &Dictionary, key: &[u8]) -> Dictionary {
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

    pub(super) fn intersects_any(&self, r: &Rect) -> bool {
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
    pub(super) fn run(
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
}
