//! The interface every detector implements (rules, the learned NER model): batches of
//! text units in, spans out. Stages that only need "a detector" depend on this, not on a
//! particular one.

use crate::types::{Span, SpanRef};

/// One unit of text handed to a detector (a paragraph, or a line in text mode).
#[derive(Debug, Clone, Copy)]
pub struct TextUnit<'a> {
    pub text: &'a str,
    /// Page index for PDF input, `None` in text mode.
    pub page: Option<usize>,
    pub is_heading: bool,
}

/// A detector that works on batches (never one paragraph at a time).
pub trait BatchDetector: Send + Sync {
    fn name(&self) -> &str;
    /// Everything about this detector that can change its output (model version, file
    /// and base checksums, thresholds). Part of the engine's settings hash, which decides
    /// whether a re-run may skip a document: a changed detector redoes it.
    fn fingerprint(&self) -> String {
        self.name().to_string()
    }
    /// One `Vec<Span>` per input unit, in order.
    fn detect_batch(&self, units: &[TextUnit<'_>]) -> Result<Vec<Vec<Span>>, crate::Error>;
    /// Contextual embeddings (unit length, batched) of byte ranges in their text, for the
    /// semantic half of hybrid search; `None` for detectors without an encoder.
    fn embed_spans(&self, _spans: &[SpanRef<'_>]) -> Option<Result<Vec<Vec<f32>>, crate::Error>> {
        None
    }
    /// The calibration of the combined detector's scores that ships with this model
    /// (`pdf-deid eval --calibrate`), if any.
    fn calibration(&self) -> Option<&crate::calibration::Calibration> {
        None
    }
}

/// Detector name of entities the reviewer added by term.
pub const REVIEWER: &str = "reviewer";
/// Source label of a reviewer box in reports and the job log.
pub const BOX_SOURCE: &str = "reviewer-box";
/// Source name of a term from a site profile's deny-list.
pub const PROFILE_SOURCE: &str = "profile";
