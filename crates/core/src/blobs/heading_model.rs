//! The learned heading classifier (DepFlag): logistic regression on layout features,
//! trained by `pdf-deid train headings` on generated PDFs with known headings, scored over
//! all paragraphs of a document at once. Weights are a small JSON file in `models/`.

use serde::{Deserialize, Serialize};

use super::features::{body_font_size, features};
use crate::types::Paragraph;

/// Number of features.
pub const N_FEATURES: usize = 12;

/// Feature vector of one paragraph.
pub fn feature_vector(p: &Paragraph, body: f32) -> [f32; N_FEATURES] {
    let f = features(p, body);
    let t = p.text.trim();
    let words: Vec<&str> = t.split_whitespace().collect();
    let title = words
        .iter()
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .count() as f32
        / words.len().max(1) as f32;
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    [
        (f.size_ratio - 1.0).clamp(-1.0, 2.0),
        b(f.bold),
        b(f.short),
        b(f.numbered),
        b(f.caps),
        b(f.colon),
        f.gap_ratio.clamp(0.0, 5.0) / 5.0,
        b(f.lexicon),
        b(f.sentence),
        (words.len() as f32 / 10.0).min(3.0),
        (p.line_count as f32 / 3.0).min(3.0),
        title,
    ]
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeadingModel {
    pub weights: Vec<f32>,
    pub bias: f32,
    pub threshold: f32,
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl HeadingModel {
    pub fn probability(&self, x: &[f32; N_FEATURES]) -> f32 {
        sigmoid(self.bias + self.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f32>())
    }

    /// Batched: probabilities for every paragraph of a document.
    pub fn predict(&self, paras: &[Paragraph]) -> Vec<f32> {
        let body = body_font_size(paras);
        paras
            .iter()
            .map(|p| self.probability(&feature_vector(p, body)))
            .collect()
    }

    /// Full-batch gradient descent with L2; deterministic.
    pub fn train(
        x: &[[f32; N_FEATURES]],
        y: &[bool],
        epochs: usize,
        lr: f32,
        l2: f32,
    ) -> HeadingModel {
        let mut w = vec![0.0f32; N_FEATURES];
        let mut b = 0.0f32;
        let n = x.len().max(1) as f32;
        let pos = y.iter().filter(|v| **v).count().max(1) as f32;
        let neg = (y.len() as f32 - pos).max(1.0);
        // balance the classes
        let (wp, wn) = (n / (2.0 * pos), n / (2.0 * neg));
        for _ in 0..epochs {
            let mut gw = vec![0.0f32; N_FEATURES];
            let mut gb = 0.0f32;
            for (xi, yi) in x.iter().zip(y) {
                let p = sigmoid(b + w.iter().zip(xi).map(|(a, v)| a * v).sum::<f32>());
                let weight = if *yi { wp } else { wn };
                let err = (p - if *yi { 1.0 } else { 0.0 }) * weight;
                for (g, v) in gw.iter_mut().zip(xi) {
                    *g += err * v;
                }
                gb += err;
            }
            for (wj, g) in w.iter_mut().zip(&gw) {
                *wj -= lr * (g / n + l2 * *wj);
            }
            b -= lr * gb / n;
        }
        HeadingModel {
            weights: w,
            bias: b,
            threshold: 0.5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_a_separable_rule() {
        // label = bold && short
        let mut x = Vec::new();
        let mut y = Vec::new();
        for i in 0..200 {
            let mut v = [0.0f32; N_FEATURES];
            v[1] = (i % 2) as f32;
            v[2] = ((i / 2) % 2) as f32;
            v[9] = (i % 7) as f32 / 7.0;
            x.push(v);
            y.push(v[1] == 1.0 && v[2] == 1.0);
        }
        let m = HeadingModel::train(&x, &y, 2000, 1.0, 1e-4);
        let acc = x
            .iter()
            .zip(&y)
            .filter(|(xi, yi)| (m.probability(xi) >= 0.5) == **yi)
            .count();
        assert_eq!(acc, 200);
    }
}
