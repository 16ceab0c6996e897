//! Drift: does a job's detection look like the reference it is compared with? Both sides
//! are [`JobStats`] (no text): the distribution of detector scores is compared by the
//! population stability index, and each category's entities per 1,000 words by their
//! ratio. `pdf-deid jobs drift` prints the result; what is flagged is a reason to look at
//! the job's documents (new document kinds, a scanner change, a model that no longer
//! fits), not a verdict.

use crate::joblog::JobStats;

/// A reference to compare jobs with: statistics and how they were made.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DriftReference {
    /// The command and data that made it.
    pub made_with: String,
    /// The detectors (and their model versions) it was made with.
    pub detectors: serde_json::Value,
    pub stats: JobStats,
}

/// When a shift is flagged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftThresholds {
    /// Population stability index of the score bins (0.1 small, 0.25 large by custom).
    pub psi: f64,
    /// A category's rate moved by this factor or more (up or down)…
    pub rate_ratio: f64,
    /// …and is at least this many per 1,000 words on one side.
    pub min_rate: f64,
    /// Fewer words than this in the job: nothing is flagged (too little to tell).
    pub min_words: u64,
}

impl Default for DriftThresholds {
    fn default() -> DriftThresholds {
        DriftThresholds {
            psi: 0.25,
            rate_ratio: 2.0,
            min_rate: 1.0,
            min_words: 2_000,
        }
    }
}

/// One category on both sides.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CategoryShift {
    pub category: String,
    pub job_per_1000_words: f64,
    pub reference_per_1000_words: f64,
    pub flagged: bool,
}

/// The comparison.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DriftReport {
    pub psi: f64,
    pub psi_flagged: bool,
    pub categories: Vec<CategoryShift>,
    /// Too few words in the job to flag anything.
    pub too_small: bool,
}

impl DriftReport {
    pub fn flagged(&self) -> bool {
        self.psi_flagged || self.categories.iter().any(|c| c.flagged)
    }
}

/// Population stability index of two histograms (half a count added to every bin, so an
/// empty bin on one side stays finite).
pub fn psi(a: &[u64], b: &[u64]) -> f64 {
    let (ta, tb) = (
        a.iter().sum::<u64>() as f64 + 0.5 * a.len() as f64,
        b.iter().sum::<u64>() as f64 + 0.5 * b.len() as f64,
    );
    a.iter()
        .zip(b)
        .map(|(&x, &y)| {
            let p = (x as f64 + 0.5) / ta;
            let q = (y as f64 + 0.5) / tb;
            (p - q) * (p / q).ln()
        })
        .sum()
}

/// Compare a job with a reference.
pub fn compare(job: &JobStats, reference: &JobStats, th: &DriftThresholds) -> DriftReport {
    let too_small = job.words < th.min_words;
    let p = psi(&job.score_bins, &reference.score_bins);
    let mut cats: Vec<&String> = job
        .entities
        .keys()
        .chain(reference.entities.keys())
        .collect();
    cats.sort();
    cats.dedup();
    let categories = cats
        .into_iter()
        .map(|c| {
            let (j, r) = (job.per_1000_words(c), reference.per_1000_words(c));
            // half an entity on each side keeps a category absent on one side finite
            let smooth = |rate: f64, words: u64| rate + 500.0 / words.max(1) as f64;
            let ratio = smooth(j, job.words) / smooth(r, reference.words);
            let moved = ratio >= th.rate_ratio || ratio <= 1.0 / th.rate_ratio;
            CategoryShift {
                category: c.clone(),
                job_per_1000_words: j,
                reference_per_1000_words: r,
                flagged: !too_small && moved && j.max(r) >= th.min_rate,
            }
        })
        .collect();
    DriftReport {
        psi: p,
        psi_flagged: !too_small && p >= th.psi,
        categories,
        too_small,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(words: u64, names: u64, dates: u64, bins: [u64; 10]) -> JobStats {
        JobStats {
            documents: 10,
            words,
            entities: [("NAME".to_string(), names), ("DATE".to_string(), dates)]
                .into_iter()
                .collect(),
            score_bins: bins,
        }
    }

    #[test]
    fn the_same_distribution_is_no_drift_and_a_moved_one_is() {
        let confident = [0, 0, 0, 0, 0, 0, 2, 3, 10, 85];
        let reference = stats(10_000, 80, 40, confident);
        let same = stats(20_000, 161, 79, confident.map(|x| x * 2));
        let r = compare(&same, &reference, &DriftThresholds::default());
        assert!(r.psi < 0.01 && !r.flagged(), "{r:?}");
        // half the names, scores spread low: both flagged
        let unsure = [5, 5, 10, 10, 10, 10, 10, 10, 10, 20];
        let moved = stats(20_000, 40, 80, unsure);
        let r = compare(&moved, &reference, &DriftThresholds::default());
        assert!(r.psi_flagged, "{r:?}");
        let names = r
            .categories
            .iter()
            .find(|c| c.category == "NAME")
            .expect("NAME");
        assert!(names.flagged, "{r:?}");
        // a job too small to tell flags nothing
        let tiny = stats(500, 0, 9, unsure);
        assert!(!compare(&tiny, &reference, &DriftThresholds::default()).flagged());
    }
}
