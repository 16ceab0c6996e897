//! The opaque boxes painted over every redaction rectangle.

use lopdf::content::Operation;
use lopdf::Object;

use crate::types::{Mark, Rect};

/// Drawing operations for opaque boxes in the `mark` colour over `rects` (user space,
/// identity CTM), and for `Mark::Label` each label in white inside its rectangle.
pub fn box_ops(rects: &[Rect], mark: Mark, labels: &[(Rect, String)]) -> Vec<Operation> {
    let mut ops = fill_ops(rects, mark);
    if mark == Mark::Label && !labels.is_empty() {
        let cells: Vec<Rect> = labels
            .iter()
            .flat_map(|(r, text)| label_cells(r, text))
            .collect();
        if !cells.is_empty() {
            ops.extend(fill_ops(&cells, Mark::White));
        }
    }
    ops
}

/// A 3 × 5 block font for labels (rows top to bottom, 3 bits each, high bit left): drawn
/// as filled rectangles, so a label is no text — nothing for a reader to extract and
/// nothing the verification gate mistakes for a surviving glyph.
fn glyph(c: char) -> Option<[u8; 5]> {
    Some(match c.to_ascii_uppercase() {
        'A' => [2, 5, 7, 5, 5],
        'B' => [6, 5, 6, 5, 6],
        'C' => [3, 4, 4, 4, 3],
        'D' => [6, 5, 5, 5, 6],
        'E' => [7, 4, 6, 4, 7],
        'F' => [7, 4, 6, 4, 4],
        'G' => [3, 4, 5, 5, 3],
        'H' => [5, 5, 7, 5, 5],
        'I' => [7, 2, 2, 2, 7],
        'J' => [1, 1, 1, 5, 2],
        'K' => [5, 5, 6, 5, 5],
        'L' => [4, 4, 4, 4, 7],
        'M' => [5, 7, 7, 5, 5],
        'N' => [6, 5, 5, 5, 5],
        'O' => [2, 5, 5, 5, 2],
        'P' => [6, 5, 6, 4, 4],
        'Q' => [2, 5, 5, 6, 3],
        'R' => [6, 5, 6, 5, 5],
        'S' => [3, 4, 2, 1, 6],
        'T' => [7, 2, 2, 2, 2],
        'U' => [5, 5, 5, 5, 7],
        'V' => [5, 5, 5, 5, 2],
        'W' => [5, 5, 7, 7, 5],
        'X' => [5, 5, 2, 5, 5],
        'Y' => [5, 5, 2, 2, 2],
        'Z' => [7, 1, 2, 4, 7],
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [6, 1, 2, 4, 7],
        '3' => [6, 1, 2, 1, 6],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 6, 1, 6],
        '6' => [3, 4, 7, 5, 7],
        '7' => [7, 1, 2, 2, 2],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 6],
        '-' => [0, 0, 7, 0, 0],
        _ => return None,
    })
}

/// The block cells of `text` centred in `r`, as large as fit (a cell at most a seventh of
/// the box's height); the label is cut from the left side ("NAME-3F2A1" → "NAME-3F") when
/// the box is too narrow, and left out when even one character would be under 0.4 pt a cell.
pub fn label_cells(r: &Rect, text: &str) -> Vec<Rect> {
    let chars: Vec<[u8; 5]> = text.chars().filter_map(glyph).collect();
    let (w, h) = (r.width(), r.height());
    let px_h = h / 7.0;
    let fits = |n: usize, px: f32| (4 * n) as f32 * px <= w;
    let mut n = chars.len();
    while n > 0 && !fits(n, px_h.min(w / (4 * n) as f32)) {
        n -= 1;
    }
    let px = px_h.min(if n > 0 { w / (4 * n) as f32 } else { 0.0 });
    if n == 0 || px < 0.4 {
        return Vec::new();
    }
    let x0 = r.x0 + (w - (4 * n - 1) as f32 * px) / 2.0;
    let y0 = r.y0 + (h - 5.0 * px) / 2.0;
    let mut out = Vec::new();
    for (i, g) in chars[..n].iter().enumerate() {
        for (row, bits) in g.iter().enumerate() {
            // one rectangle per run of set bits in the row
            let mut col = 0;
            while col < 3 {
                if bits & (4 >> col) == 0 {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < 3 && bits & (4 >> col) != 0 {
                    col += 1;
                }
                let x = x0 + (4 * i + start) as f32 * px;
                let y = y0 + (4 - row) as f32 * px;
                out.push(Rect::new(x, y, x + (col - start) as f32 * px, y + px));
            }
        }
    }
    out
}

fn fill_ops(rects: &[Rect], mark: Mark) -> Vec<Operation> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_drawn_inside_its_box_and_cut_to_fit() {
        let r = Rect::new(100.0, 700.0, 200.0, 714.0);
        let cells = label_cells(&r, "NAME-3F2A1");
        assert!(!cells.is_empty());
        assert!(cells
            .iter()
            .all(|c| c.x0 >= r.x0 && c.x1 <= r.x1 + 1e-3 && c.y0 >= r.y0 && c.y1 <= r.y1 + 1e-3));
        // a narrow box keeps the start of the label, a tiny one none
        let narrow = Rect::new(0.0, 0.0, 20.0, 14.0);
        let some = label_cells(&narrow, "NAME-3F2A1");
        assert!(!some.is_empty() && some.iter().all(|c| c.x1 <= 20.0 + 1e-3));
        assert!(label_cells(&Rect::new(0.0, 0.0, 1.0, 2.0), "NAME").is_empty());
        // black boxes, then the white cells
        let ops = box_ops(&[r], Mark::Label, &[(r, "ID-1".into())]);
        let fills = ops.iter().filter(|o| o.operator == "rg").count();
        assert_eq!(fills, 2);
        assert!(box_ops(&[r], Mark::Black, &[(r, "ID-1".into())])
            .iter()
            .all(|o| o.operator != "rg" || o.operands[0] == Object::Real(0.0)));
    }
}
