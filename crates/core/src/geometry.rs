//! Pixel ↔ user-space mapping of a rendered page (review screen, raster fallback, OCR).

use serde::{Deserialize, Serialize};

use crate::types::Rect;

/// How a rendered page maps to PDF user space: the visible box, the page's `/Rotate` and
/// the bitmap size. Pixel coordinates have their origin at the top left.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PageView {
    pub visible: Rect,
    pub rotate: i64,
    pub width_px: usize,
    pub height_px: usize,
}

impl PageView {
    /// Displayed size in points (after rotation).
    fn displayed(&self) -> (f32, f32) {
        let (w, h) = (self.visible.width(), self.visible.height());
        if self.rotate == 90 || self.rotate == 270 {
            (h, w)
        } else {
            (w, h)
        }
    }

    fn scale(&self) -> (f32, f32) {
        let (dw, dh) = self.displayed();
        (
            self.width_px as f32 / dw.max(1.0),
            self.height_px as f32 / dh.max(1.0),
        )
    }

    /// User-space rectangle → pixel box `[x0, y0, x1, y1]` (unclamped).
    pub fn to_px(&self, r: &Rect) -> [f32; 4] {
        let (w, h) = (self.visible.width(), self.visible.height());
        let (sx, sy) = self.scale();
        let corners = [(r.x0, r.y0), (r.x1, r.y1), (r.x0, r.y1), (r.x1, r.y0)];
        let mut b = [
            f32::INFINITY,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NEG_INFINITY,
        ];
        for (x, y) in corners {
            let (u, v) = (x - self.visible.x0, y - self.visible.y0);
            let (px, py) = match self.rotate {
                90 => (v, u),
                180 => (w - u, v),
                270 => (h - v, w - u),
                _ => (u, h - v),
            };
            b[0] = b[0].min(px * sx);
            b[1] = b[1].min(py * sy);
            b[2] = b[2].max(px * sx);
            b[3] = b[3].max(py * sy);
        }
        b
    }

    /// Pixel box → user-space rectangle (the inverse of [`PageView::to_px`]).
    pub fn from_px(&self, px: [f32; 4]) -> Rect {
        let (w, h) = (self.visible.width(), self.visible.height());
        let (sx, sy) = self.scale();
        let point = |x: f32, y: f32| {
            let (a, b) = (x / sx, y / sy);
            let (u, v) = match self.rotate {
                90 => (b, a),
                180 => (w - a, b),
                270 => (w - b, h - a),
                _ => (a, h - b),
            };
            (u + self.visible.x0, v + self.visible.y0)
        };
        let (ax, ay) = point(px[0], px[1]);
        let (bx, by) = point(px[2], px[3]);
        Rect::new(ax, ay, bx, by)
    }
}
