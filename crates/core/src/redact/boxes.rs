//! The opaque boxes painted over every redaction rectangle.

use lopdf::content::Operation;
use lopdf::Object;

use crate::types::{Mark, Rect};

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
