//! Findings: an [`Entity`] is a merged detection in one paragraph with every [`Source`]
//! that contributed to it; the data every stage after detection reads and writes.

use serde::{Deserialize, Serialize};

use crate::types::{Category, Span};

/// One contributing detection of an entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub detector: String,
    pub score: f32,
    pub category: Category,
    /// For hits the semantic half of hybrid search decided: the lexical score and the
    /// contextual similarity to the confirmed mentions that were fused into `score`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic: Option<SemanticEvidence>,
}

/// Both scores behind a semantically decided hit (docs/accuracy.md, hybrid search).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SemanticEvidence {
    pub lexical: f32,
    pub similarity: f32,
}

/// A merged finding in one paragraph (byte offsets into that paragraph's text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub id: usize,
    pub para: usize,
    pub start: usize,
    pub end: usize,
    pub category: Category,
    pub score: f32,
    pub sources: Vec<Source>,
    /// For hits found by propagation: the entity whose text was searched for.
    pub propagated_from: Option<usize>,
}

impl Entity {
    pub fn source_label(&self) -> String {
        let mut names: Vec<&str> = self.sources.iter().map(|s| s.detector.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        names.join("+")
    }
    pub fn best_source_score(&self) -> f32 {
        self.sources.iter().map(|s| s.score).fold(0.0, f32::max)
    }

    /// Its sources gave it other categories than its own: a merged span ("Address: 42 Elm
    /// Street, Springfield, IL 62704" as a field and a ZIP code as ZIP) is no plain ZIP
    /// code, so a policy never keeps or shortens it as one. A town inside an address (a
    /// LOCATION source of an ADDRESS) is no mix.
    pub fn mixed(&self) -> bool {
        self.sources.iter().any(|s| {
            s.category != self.category
                && !(self.category == Category::Address && s.category == Category::Location)
        })
    }

    /// Only propagation found it (no detector saw it directly).
    pub fn propagated_only(&self) -> bool {
        self.sources
            .iter()
            .all(|s| s.detector.starts_with("propagate"))
    }
}

/// Score of an entity from its sources: the best score per detector, combined as
/// independent evidence (noisy-OR), so agreement between detectors raises confidence.
pub fn combined_score(sources: &[Source]) -> f32 {
    let mut best: Vec<(&str, f32)> = Vec::new();
    for s in sources {
        match best.iter_mut().find(|(d, _)| *d == s.detector) {
            Some((_, v)) => *v = v.max(s.score),
            None => best.push((&s.detector, s.score)),
        }
    }
    1.0 - best
        .iter()
        .map(|(_, v)| 1.0 - v.clamp(0.0, 1.0))
        .product::<f32>()
}

/// Merge overlapping spans of one text into entities. The category of the highest-scoring
/// source wins; the score combines the sources ([`combined_score`]); every source is kept.
pub fn merge_spans(para: usize, mut spans: Vec<Span>) -> Vec<Entity> {
    spans.retain(|s| s.end > s.start);
    spans.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<Entity> = Vec::new();
    for s in spans {
        let src = Source {
            detector: s.detector.clone(),
            score: s.score,
            category: s.category,
            semantic: None,
        };
        if let Some(last) = out.last_mut() {
            if s.start < last.end {
                last.end = last.end.max(s.end);
                if s.score > last.best_source_score() {
                    last.category = s.category;
                }
                if !last.sources.contains(&src) {
                    last.sources.push(src);
                }
                last.score = combined_score(&last.sources);
                continue;
            }
        }
        out.push(Entity {
            id: 0,
            para,
            start: s.start,
            end: s.end,
            category: s.category,
            score: s.score,
            sources: vec![src],
            propagated_from: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(start: usize, end: usize, c: Category, score: f32, d: &str) -> Span {
        Span {
            start,
            end,
            category: c,
            score,
            detector: d.into(),
        }
    }

    #[test]
    fn overlapping_spans_merge_keeping_sources() {
        let e = merge_spans(
            3,
            vec![
                sp(0, 5, Category::Name, 0.7, "rule:name"),
                sp(3, 9, Category::Name, 0.9, "ner"),
                sp(20, 25, Category::Date, 0.99, "rule:date"),
            ],
        );
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].start, e[0].end), (0, 9));
        assert!((e[0].score - (1.0 - 0.3 * 0.1)).abs() < 1e-6);
        assert_eq!(e[0].sources.len(), 2);
        assert_eq!(e[0].source_label(), "ner+rule:name");
        assert_eq!(e[1].category, Category::Date);
    }
}
