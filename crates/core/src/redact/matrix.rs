//! The 2×3 affine matrices of PDF content (CTM, text matrices) and numeric operands.

use lopdf::Object;

use crate::types::Rect;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct M(pub(super) [f32; 6]);

impl M {
    pub(super) const ID: M = M([1.0, 0.0, 0.0, 1.0, 0.0, 0.0]);
    /// self × o (PDF row-vector convention).
    pub(super) fn mul(&self, o: &M) -> M {
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
    pub(super) fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        let [a, b, c, d, e, f] = self.0;
        (a * x + c * y + e, b * x + d * y + f)
    }
    pub(super) fn translate(tx: f32, ty: f32) -> M {
        M([1.0, 0.0, 0.0, 1.0, tx, ty])
    }
    pub(super) fn from_ops(ops: &[Object]) -> Option<M> {
        if ops.len() != 6 {
            return None;
        }
        let mut v = [0.0f32; 6];
        for (i, o) in ops.iter().enumerate() {
            v[i] = num(o)?;
        }
        v.iter().all(|x| x.is_finite()).then_some(M(v))
    }
    pub(super) fn bbox(&self, x0: f32, y0: f32, x1: f32, y1: f32) -> Rect {
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

pub(super) fn num(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}
