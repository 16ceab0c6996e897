//! Detection: detectors take a batch of text units and return spans. Rule detectors now;
//! the learned NER model joins through the same [`BatchDetector`] interface.
//! Overlapping spans from all detectors merge into [`Entity`] values that keep every source.

pub mod rules;

pub use crate::detector::{BatchDetector, TextUnit};
pub use crate::entity::{combined_score, merge_spans, Entity, SemanticEvidence, Source};
use crate::types::Span;

impl BatchDetector for rules::RuleDetector {
    fn name(&self) -> &str {
        "rules"
    }
    fn fingerprint(&self) -> String {
        self.fingerprint()
    }
    fn detect_batch(&self, units: &[TextUnit<'_>]) -> Result<Vec<Vec<Span>>, crate::Error> {
        Ok(units.iter().map(|u| self.detect(u.text)).collect())
    }
}
