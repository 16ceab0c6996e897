//! TEMPORARY stub, replaced by the real rule detector.
use crate::types::{Category, Span};
pub struct RuleDetector {
    re: regex::Regex,
}
impl RuleDetector {
    pub fn new() -> RuleDetector {
        RuleDetector { re: regex::Regex::new(r"(?:Patient|Dr\.)\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)|\b(\d{2}/\d{2}/\d{4})\b|MRN:?\s*(\d{5,})").unwrap() }
    }
    pub fn detect(&self, text: &str) -> Vec<Span> {
        let mut v = Vec::new();
        for c in self.re.captures_iter(text) {
            for (i, cat) in [(1, Category::Name), (2, Category::Date), (3, Category::Id)] {
                if let Some(m) = c.get(i) {
                    v.push(Span {
                        start: m.start(),
                        end: m.end(),
                        category: cat,
                        score: 0.9,
                        detector: "rule:stub".into(),
                    });
                }
            }
        }
        v
    }
    pub fn is_allowed_term(&self, _w: &str) -> bool {
        false
    }
    pub fn is_known_first_name(&self, _w: &str) -> bool {
        false
    }
    pub fn is_known_surname(&self, _w: &str) -> bool {
        false
    }
}
impl Default for RuleDetector {
    fn default() -> Self {
        Self::new()
    }
}
