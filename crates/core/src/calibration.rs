//! Calibrated probability that a detection is PHI. A detector's score is a ranking, not a
//! probability: a rule's 1.0 and the model's 0.95 do not mean the same. The calibration
//! maps a score, per category, to the share of detections with that score that were PHI
//! on held-back labelled text: an isotonic fit (pool adjacent violators), so a higher
//! score never means a lower probability. `pdf-deid eval --calibrate` fits it and stores
//! it with the NER model's registry entry (it belongs to one model version); the report
//! gives each detection its probability and docs/risk.md shows the reliability curve.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A non-decreasing step function: `probs[i]` for scores from `scores[i]` up to the next
/// step. Below the first step the first probability holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Curve {
    pub scores: Vec<f32>,
    pub probs: Vec<f32>,
    /// Detections it was fitted on.
    pub n: usize,
}

impl Curve {
    /// The isotonic fit of `(score, was PHI)` pairs.
    pub fn fit(points: &[(f32, bool)]) -> Curve {
        let mut pts: Vec<(f32, bool)> = points
            .iter()
            .copied()
            .filter(|(s, _)| s.is_finite())
            .collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        // blocks of (first score, sum of labels, count), merged while a block's mean is
        // above the next one's
        let mut blocks: Vec<(f32, f64, f64)> = Vec::new();
        for (s, y) in &pts {
            let y = f64::from(u8::from(*y));
            match blocks.last_mut() {
                Some(last) if last.0 == *s => {
                    last.1 += y;
                    last.2 += 1.0;
                }
                _ => blocks.push((*s, y, 1.0)),
            }
            while blocks.len() >= 2 {
                let (a, b) = (blocks[blocks.len() - 2], blocks[blocks.len() - 1]);
                if a.1 / a.2 >= b.1 / b.2 {
                    blocks.pop();
                    let last = blocks.last_mut().expect("two blocks");
                    last.1 += b.1;
                    last.2 += b.2;
                } else {
                    break;
                }
            }
        }
        Curve {
            scores: blocks.iter().map(|b| b.0).collect(),
            probs: blocks.iter().map(|b| (b.1 / b.2) as f32).collect(),
            n: pts.len(),
        }
    }

    /// The probability for `score` (none for an empty curve).
    pub fn prob(&self, score: f32) -> Option<f32> {
        if self.probs.is_empty() {
            return None;
        }
        let i = self.scores.partition_point(|s| *s <= score);
        Some(self.probs[i.saturating_sub(1)])
    }
}

/// Per-category curves and one over every category (for a category with too few
/// detections to fit on its own).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    pub categories: BTreeMap<String, Curve>,
    pub all: Curve,
    /// What it was fitted on, in words (data set, split, detector).
    pub fitted_on: String,
}

impl Calibration {
    /// A category gets its own curve from this many detections on.
    pub const MIN_PER_CATEGORY: usize = 50;

    /// Fit from `(category, score, was PHI)` of every detection on labelled text.
    pub fn fit(points: &[(String, f32, bool)], fitted_on: &str) -> Calibration {
        let mut by_cat: BTreeMap<&str, Vec<(f32, bool)>> = BTreeMap::new();
        for (c, s, y) in points {
            by_cat.entry(c.as_str()).or_default().push((*s, *y));
        }
        let all: Vec<(f32, bool)> = points.iter().map(|(_, s, y)| (*s, *y)).collect();
        Calibration {
            categories: by_cat
                .into_iter()
                .filter(|(_, v)| v.len() >= Self::MIN_PER_CATEGORY)
                .map(|(c, v)| (c.to_string(), Curve::fit(&v)))
                .collect(),
            all: Curve::fit(&all),
            fitted_on: fitted_on.to_string(),
        }
    }

    /// The calibrated probability that a detection of `category` with `score` is PHI.
    pub fn prob(&self, category: &str, score: f32) -> Option<f32> {
        self.categories
            .get(category)
            .unwrap_or(&self.all)
            .prob(score)
    }
}

/// One bin of a reliability diagram: mean predicted probability, observed share of PHI,
/// detections in the bin.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    pub predicted: f32,
    pub observed: f32,
    pub n: usize,
}

/// `(predicted probability, was PHI)` pairs in `bins` equal-width bins (empty bins left
/// out), and the expected calibration error (bin-weighted |observed − predicted|).
pub fn reliability(points: &[(f32, bool)], bins: usize) -> (Vec<ReliabilityBin>, f32) {
    let bins = bins.max(1);
    let mut acc = vec![(0.0f64, 0.0f64, 0usize); bins];
    for (p, y) in points {
        let i = ((p.clamp(0.0, 1.0) * bins as f32) as usize).min(bins - 1);
        acc[i].0 += f64::from(*p);
        acc[i].1 += f64::from(u8::from(*y));
        acc[i].2 += 1;
    }
    let total = points.len().max(1) as f64;
    let mut ece = 0.0f64;
    let out = acc
        .into_iter()
        .filter(|a| a.2 > 0)
        .map(|(sp, sy, n)| {
            let (pred, obs) = (sp / n as f64, sy / n as f64);
            ece += (obs - pred).abs() * n as f64 / total;
            ReliabilityBin {
                predicted: pred as f32,
                observed: obs as f32,
                n,
            }
        })
        .collect();
    (out, ece as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isotonic_fit_pools_violators_and_never_decreases() {
        // 0.2: 1/2 PHI, 0.5: 0/2 (violates: pooled with 0.2), 0.9: 3/4, 1.0: 2/2
        let pts = [
            (0.2, true),
            (0.2, false),
            (0.5, false),
            (0.5, false),
            (0.9, true),
            (0.9, true),
            (0.9, true),
            (0.9, false),
            (1.0, true),
            (1.0, true),
        ];
        let c = Curve::fit(&pts);
        assert_eq!(c.n, 10);
        assert_eq!(c.scores, vec![0.2, 0.9, 1.0]);
        assert_eq!(c.probs, vec![0.25, 0.75, 1.0]);
        assert!(c.probs.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(c.prob(0.1), Some(0.25));
        assert_eq!(c.prob(0.6), Some(0.25));
        assert_eq!(c.prob(0.95), Some(0.75));
        assert_eq!(c.prob(1.0), Some(1.0));
        assert_eq!(Curve::default().prob(0.5), None);
    }

    #[test]
    fn categories_with_few_detections_use_the_overall_curve() {
        let mut pts: Vec<(String, f32, bool)> = (0..60)
            .map(|i| ("NAME".to_string(), 0.9, i % 4 != 0))
            .collect();
        pts.push(("ZIP".into(), 0.9, false));
        let c = Calibration::fit(&pts, "test");
        assert!(c.categories.contains_key("NAME") && !c.categories.contains_key("ZIP"));
        assert_eq!(c.prob("NAME", 0.9), Some(0.75));
        let all = 45.0 / 61.0;
        assert!((c.prob("ZIP", 0.9).unwrap() - all).abs() < 1e-6);
    }

    #[test]
    fn reliability_bins_and_error() {
        let pts = [(0.05, false), (0.15, false), (0.95, true), (0.85, false)];
        let (bins, ece) = reliability(&pts, 10);
        assert_eq!(bins.len(), 4);
        assert_eq!(bins.iter().map(|b| b.n).sum::<usize>(), 4);
        // |0-0.05| + |0-0.15| + |1-0.95| + |0-0.85| over 4
        assert!((ece - 0.275).abs() < 1e-6, "{ece}");
    }
}
