//! Risk scores per entity and per document (formula in docs/risk.md).
//!
//! Entity risk = 1 − score (how likely the detection is wrong or incomplete).
//! Document risk = 1 − exp(−S), with
//! S = a·Σ(1 − score) over entities scoring below 0.9
//!   + b·(propagated-only hits)
//!   + c·(pages rasterised)
//!   + d·(pages with images but no text layer)
//!   + e·(quasi-identifiers kept)
//!   + f·(low-confidence OCR words redacted next to PHI).
//!
//! It rises with every term and stays in [0, 1).

use serde::{Deserialize, Serialize};

use crate::entity::Entity;

/// Weights of the document risk formula.
#[derive(Debug, Clone, Serialize)]
pub struct RiskConfig {
    pub low_confidence: f32,
    pub propagated_only: f32,
    pub rasterised_page: f32,
    pub image_only_page: f32,
    pub quasi_identifier: f32,
    pub ocr_low_confidence: f32,
    /// Documents at or above this risk are marked "review".
    pub review_threshold: f32,
}

impl RiskConfig {
    pub fn standard() -> Self {
        RiskConfig {
            low_confidence: 0.25,
            propagated_only: 0.05,
            rasterised_page: 0.2,
            image_only_page: 0.8,
            quasi_identifier: 0.05,
            ocr_low_confidence: 0.1,
            review_threshold: 0.5,
        }
    }
}

/// Inputs to the document risk besides the entities.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RiskInputs {
    pub rasterised_pages: usize,
    pub image_only_pages: usize,
    pub quasi_identifiers_kept: usize,
    /// OCR words read with low confidence next to PHI (redacted generously).
    #[serde(default)]
    pub ocr_low_confidence: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RiskReport {
    pub score: f32,
    pub low_confidence_sum: f32,
    pub propagated_only: usize,
    pub inputs: RiskInputs,
    pub review: bool,
}

pub fn entity_risk(e: &Entity) -> f32 {
    (1.0 - e.score).clamp(0.0, 1.0)
}

pub fn document_risk(entities: &[Entity], inputs: RiskInputs, cfg: &RiskConfig) -> RiskReport {
    let low: f32 = entities
        .iter()
        .filter(|e| e.score < 0.9)
        .map(entity_risk)
        .sum();
    let prop = entities.iter().filter(|e| e.propagated_only()).count();
    let s = cfg.low_confidence * low
        + cfg.propagated_only * prop as f32
        + cfg.rasterised_page * inputs.rasterised_pages as f32
        + cfg.image_only_page * inputs.image_only_pages as f32
        + cfg.ocr_low_confidence * inputs.ocr_low_confidence as f32
        + cfg.quasi_identifier * inputs.quasi_identifiers_kept as f32;
    let score = 1.0 - (-s).exp();
    RiskReport {
        score,
        low_confidence_sum: low,
        propagated_only: prop,
        review: score >= cfg.review_threshold,
        inputs,
    }
}

/// Count quasi-identifiers left in the text: ages 89 and under, bare years, sex words,
/// US state names/abbreviations after a comma. They are kept under Safe Harbor but raise
/// re-identification risk together.
pub fn quasi_identifiers(text: &str) -> usize {
    use std::sync::OnceLock;
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)\b(?:\d{1,2}[- ](?:year|yr)s?[- ]old|age[sd]?\s+\d{1,2}\b|(?:19|20)\d{2}\b|male|female|man|woman)\b",
        )
        .expect("static regex")
    });
    re.find_iter(text).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::Source;
    use crate::types::Category;

    fn ent(score: f32, det: &str) -> Entity {
        Entity {
            id: 0,
            para: 0,
            start: 0,
            end: 1,
            category: Category::Name,
            score,
            sources: vec![Source {
                detector: det.into(),
                score,
                category: Category::Name,
                semantic: None,
            }],
            propagated_from: None,
        }
    }

    #[test]
    fn risk_rises_with_each_term() {
        let cfg = RiskConfig::standard();
        let base = document_risk(&[ent(0.99, "rule:x")], RiskInputs::default(), &cfg).score;
        let low = document_risk(&[ent(0.5, "rule:x")], RiskInputs::default(), &cfg).score;
        let prop = document_risk(
            &[ent(0.99, "rule:x"), ent(0.95, "propagate:exact")],
            RiskInputs::default(),
            &cfg,
        )
        .score;
        let raster = document_risk(
            &[ent(0.99, "rule:x")],
            RiskInputs {
                rasterised_pages: 1,
                ..Default::default()
            },
            &cfg,
        )
        .score;
        let quasi = document_risk(
            &[ent(0.99, "rule:x")],
            RiskInputs {
                quasi_identifiers_kept: 3,
                ..Default::default()
            },
            &cfg,
        )
        .score;
        assert!(low > base && prop > base && raster > base && quasi > base);
        assert!((0.0..1.0).contains(&raster));
    }

    #[test]
    fn quasi_identifier_count() {
        assert_eq!(quasi_identifiers("A 45-year-old male seen in 2019."), 3);
        assert_eq!(quasi_identifiers("No identifiers here."), 0);
    }
}
