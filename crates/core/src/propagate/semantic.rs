//! Hybrid search, semantic half: the encoder's contextual embeddings decide the hits that
//! lexical search cannot ([`crate::propagate::Ambiguous`]: a found name that is also an
//! ordinary word — "Young", "pitcher", "WAKE" — met again elsewhere in the document).
//!
//! For each such hit the same word is embedded where the document uses it as a confirmed
//! name (inside the detected mention it was propagated from, and inside other detected
//! names holding the word), and where the hit stands ([`crate::ner::NerModel::embed_spans`]:
//! the encoder's last hidden states over the word, with the mean of all tokens in the
//! windows taken out). The similarity is the best cosine between the hit and those
//! reference mentions; it is fused with the lexical score:
//!
//! `fused = w · lexical + (1 − w) · similarity`, accepted when `fused ≥ threshold`
//!
//! (`w` = [`PropagateConfig::semantic_weight`], threshold =
//! [`PropagateConfig::semantic_threshold`]; tuned on the realistic development slice,
//! docs/accuracy.md). An accepted hit keeps both scores in its source
//! ([`crate::entity::SemanticEvidence`]) and names the entity it came from. Hits that
//! overlap an existing entity need no decision and are folded lexically.

use super::{Accepted, Ambiguous, PropagateConfig};
use crate::entity::{Entity, SemanticEvidence};
use crate::error::Result;
use crate::types::SpanRef;

/// Reference mentions of the hit's word: byte ranges (paragraph, start, end) of the word
/// inside detected (not propagated-only) entities of the hit's category, the entity the
/// hit was propagated from first; at most `max` of them.
fn references(
    texts: &[&str],
    entities: &[Entity],
    hit: &Ambiguous,
    max: usize,
) -> Vec<(usize, usize, usize)> {
    let Some(word) = texts
        .get(hit.para)
        .and_then(|t| t.get(hit.start..hit.end))
        .map(str::to_lowercase)
    else {
        return Vec::new();
    };
    let mut order: Vec<&Entity> = entities
        .iter()
        .filter(|e| e.category == hit.category && !e.propagated_only())
        .collect();
    order.sort_by_key(|e| e.id != hit.from);
    let mut out = Vec::new();
    for e in order {
        let Some(text) = texts.get(e.para).and_then(|t| t.get(e.start..e.end)) else {
            continue;
        };
        // the word as a whole word inside the mention (ASCII lower-casing keeps offsets)
        let lower = text.to_ascii_lowercase();
        let mut from = 0;
        while let Some(i) = lower[from..].find(&word).map(|i| i + from) {
            let j = i + word.len();
            let boundary = |k: usize, before: bool| {
                if before {
                    lower[..k].chars().next_back()
                } else {
                    lower[k..].chars().next()
                }
                .is_none_or(|c| !c.is_alphanumeric())
            };
            if boundary(i, true) && boundary(j, false) {
                out.push((e.para, e.start + i, e.start + j));
                break;
            }
            from = j;
        }
        if out.len() >= max {
            break;
        }
    }
    out
}

/// Unit-length contextual embeddings of spans, in order (batched by the caller's encoder).
pub type Embed<'f> = &'f dyn Fn(&[SpanRef<'_>]) -> Result<Vec<Vec<f32>>>;

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Decide ambiguous hits. `embed` gives unit-length contextual embeddings (batched);
/// without it (no encoder loaded) the lexical rule decides alone (`lexical_ok`).
pub fn decide(
    texts: &[&str],
    entities: &[Entity],
    hits: Vec<Ambiguous>,
    cfg: &PropagateConfig,
    embed: Option<Embed<'_>>,
) -> Result<Vec<Accepted>> {
    let overlaps = |h: &Ambiguous| {
        entities
            .iter()
            .any(|e| e.para == h.para && e.start < h.end && h.start < e.end)
    };
    let lexical = |h: Ambiguous| Accepted {
        score: h.lexical,
        hit: h,
        semantic: None,
    };
    let (settled, open): (Vec<_>, Vec<_>) = hits.into_iter().partition(overlaps);
    let mut out: Vec<Accepted> = settled.into_iter().map(lexical).collect();
    let Some(embed) = embed else {
        out.extend(open.into_iter().filter(|h| h.lexical_ok).map(lexical));
        return Ok(out);
    };
    // one embedding per hit, then its references (shared ones embedded once)
    let mut spans: Vec<(usize, usize, usize)> = Vec::new();
    let mut refs_of: Vec<Vec<usize>> = Vec::new();
    for h in &open {
        spans.push((h.para, h.start, h.end));
        let mut mine = Vec::new();
        for r in references(texts, entities, h, cfg.semantic_refs) {
            let at = spans.iter().position(|s| *s == r).unwrap_or_else(|| {
                spans.push(r);
                spans.len() - 1
            });
            mine.push(at);
        }
        refs_of.push(mine);
    }
    if spans.is_empty() {
        return Ok(out);
    }
    let refs: Vec<SpanRef<'_>> = spans
        .iter()
        .map(|&(p, start, end)| SpanRef {
            text: texts[p],
            start,
            end,
        })
        .collect();
    let vectors = embed(&refs)?;
    if vectors.len() != refs.len() {
        return Err(crate::error::Error::Detect(
            "the encoder returned a different number of embeddings".into(),
        ));
    }
    // the hits are the first entries of `spans`, in order
    for (hi, h) in open.into_iter().enumerate() {
        let similarity = refs_of[hi]
            .iter()
            .filter(|&&r| r != hi)
            .map(|&r| cosine(&vectors[hi], &vectors[r]))
            .fold(0.0f32, f32::max);
        let w = cfg.semantic_weight;
        let fused = w * h.lexical + (1.0 - w) * similarity;
        if fused >= cfg.semantic_threshold {
            out.push(Accepted {
                semantic: Some(SemanticEvidence {
                    lexical: h.lexical,
                    similarity,
                }),
                score: fused,
                hit: h,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entity::Source;
    use crate::types::Category;

    fn name(id: usize, para: usize, start: usize, end: usize) -> Entity {
        Entity {
            id,
            para,
            start,
            end,
            category: Category::Name,
            score: 0.9,
            sources: vec![Source {
                detector: "rule:name".into(),
                score: 0.9,
                category: Category::Name,
                semantic: None,
            }],
            propagated_from: None,
        }
    }

    fn hit(para: usize, start: usize, end: usize, lexical_ok: bool) -> Ambiguous {
        Ambiguous {
            para,
            start,
            end,
            from: 0,
            category: Category::Name,
            lexical: 0.72,
            detector: "propagate:token",
            lexical_ok,
        }
    }

    /// A stand-in encoder: the embedding says whether the word follows "dr " (a name
    /// context) or not, so the test checks the plumbing and the fusion, not a model.
    fn toy(spans: &[SpanRef<'_>]) -> Result<Vec<Vec<f32>>> {
        Ok(spans
            .iter()
            .map(|s| {
                let name_context = s.text[..s.start].to_lowercase().ends_with("dr ");
                if name_context {
                    vec![1.0, 0.0]
                } else {
                    vec![0.0, 1.0]
                }
            })
            .collect())
    }

    #[test]
    fn similar_contexts_are_taken_and_keep_both_scores() {
        let texts = ["seen by dr young today", "dr young called; a young man"];
        let entities = [name(0, 0, 11, 16)];
        let hits = vec![hit(1, 3, 8, false), hit(1, 19, 24, false)];
        let cfg = PropagateConfig::standard();
        let got = decide(&texts, &entities, hits, &cfg, Some(&toy)).expect("decide");
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!((got[0].hit.para, got[0].hit.start), (1, 3));
        let ev = got[0].semantic.expect("evidence");
        assert_eq!((ev.lexical, ev.similarity), (0.72, 1.0));
    }

    #[test]
    fn an_encoder_that_returns_too_few_embeddings_is_an_error_not_a_panic() {
        let texts = ["Dr Young", "young"];
        let entities = [name(0, 0, 3, 8)];
        let none = |_: &[SpanRef<'_>]| -> Result<Vec<Vec<f32>>> { Ok(Vec::new()) };
        let cfg = PropagateConfig::standard();
        let got = decide(
            &texts,
            &entities,
            vec![hit(1, 0, 5, false)],
            &cfg,
            Some(&none),
        );
        assert!(got.is_err());
    }

    #[test]
    fn without_an_encoder_the_lexical_rule_decides() {
        let texts = ["Dr Young", "Young and young"];
        let entities = [name(0, 0, 3, 8)];
        let hits = vec![hit(1, 0, 5, true), hit(1, 10, 15, false)];
        let cfg = PropagateConfig::standard();
        let got = decide(&texts, &entities, hits, &cfg, None).expect("decide");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].hit.start, 0);
        assert!(got[0].semantic.is_none());
    }

    #[test]
    fn references_are_the_word_inside_detected_mentions() {
        let texts = ["Margaret Young, daughter Anne Young", "young"];
        let entities = [name(0, 0, 0, 14), name(1, 0, 25, 35)];
        let h = hit(1, 0, 5, false);
        let r = references(&texts, &entities, &h, 8);
        assert_eq!(r, vec![(0, 9, 14), (0, 30, 35)]);
        assert_eq!(references(&texts, &entities, &h, 1).len(), 1);
    }
}
