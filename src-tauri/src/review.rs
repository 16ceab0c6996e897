//! The review screen's decisions over one document: the detections list, rejecting one
//! occurrence or every occurrence of a text, undo and redo, and why the document was
//! flagged. Plain functions over the core's report and decisions (no window, no worker).

use deid_core::pipeline::{DocReport, EntityReport};
use deid_core::review::{Decisions, RejectedAt, TextAt, BOX_SOURCE, REVIEWER};

use crate::api::{DetectionStatus, RejectTarget, ReviewAt, ReviewBox, ReviewDetection};

/// What undo and redo put back: the decisions and the reviewer's boxes as drawn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DecisionState {
    pub decisions: Decisions,
    /// Reviewer boxes in page-image pixels, for drawing them again.
    pub boxes_px: Vec<ReviewBox>,
}

/// Undo and redo stacks of one document's decisions.
#[derive(Debug, Default)]
pub struct History {
    undo: Vec<DecisionState>,
    redo: Vec<DecisionState>,
}

impl History {
    /// Steps kept; the oldest go first.
    const LIMIT: usize = 1000;

    /// A change went from `before` to `now`: one undo step when anything differs (a new
    /// change drops what could be redone).
    pub fn record(&mut self, before: DecisionState, now: &DecisionState) {
        if before == *now {
            return;
        }
        self.undo.push(before);
        if self.undo.len() > Self::LIMIT {
            self.undo.remove(0);
        }
        self.redo.clear();
    }

    /// The state before the last change, with `now` kept for redo.
    pub fn undo(&mut self, now: DecisionState) -> Option<DecisionState> {
        let prev = self.undo.pop()?;
        self.redo.push(now);
        Some(prev)
    }

    /// The state the last undo left, with `now` kept for undo.
    pub fn redo(&mut self, now: DecisionState) -> Option<DecisionState> {
        let next = self.redo.pop()?;
        self.undo.push(now);
        Some(next)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }
}

pub fn to_api_at(at: TextAt) -> ReviewAt {
    ReviewAt {
        para: at.para as u32,
        start: at.start as u32,
    }
}

fn from_api_at(at: ReviewAt) -> TextAt {
    TextAt {
        para: at.para as usize,
        start: at.start as usize,
    }
}

/// Whether the decisions keep `e` (its text everywhere, or this occurrence).
pub fn is_rejected(d: &Decisions, e: &EntityReport) -> bool {
    d.rejected.contains(&e.text_hmac)
        || e.at.is_some_and(|at| {
            d.rejected_at
                .iter()
                .any(|r| r.at == at && r.key == e.text_hmac)
        })
}

fn added_by_reviewer(e: &EntityReport) -> bool {
    e.source == BOX_SOURCE || e.source == REVIEWER
}

/// Every detection of the report (those an earlier apply kept included), in page and
/// text order, with what the current decisions do to it.
pub fn detections(report: &DocReport, d: &Decisions) -> Vec<ReviewDetection> {
    let mut out: Vec<ReviewDetection> = report
        .entities
        .iter()
        .chain(&report.rejected)
        .map(|e| ReviewDetection {
            key: e.text_hmac.clone(),
            at: e.at.map(to_api_at),
            page: e.page as u32,
            category: e.category.as_str().to_string(),
            score: e.score,
            source: e.source.clone(),
            propagated: e.propagated_from.is_some(),
            status: if added_by_reviewer(e) {
                DetectionStatus::Added
            } else if is_rejected(d, e) {
                DetectionStatus::Kept
            } else {
                DetectionStatus::Removed
            },
        })
        .collect();
    out.sort_by_key(|r| {
        (
            r.page,
            r.at.map_or((u32::MAX, u32::MAX), |a| (a.para, a.start)),
        )
    });
    out
}

/// Reject (`rejected`) or restore `t`: every occurrence of its text when `t.at` is none,
/// else that occurrence alone. Restoring one occurrence of a text rejected everywhere
/// keeps the text's other occurrences (of this report) rejected.
pub fn set_rejected(d: &mut Decisions, report: &DocReport, t: &RejectTarget, rejected: bool) {
    let key = &t.key;
    match (t.at.map(from_api_at), rejected) {
        (None, true) => {
            d.rejected_at.retain(|r| &r.key != key);
            if !d.rejected.contains(key) {
                d.rejected.push(key.clone());
            }
        }
        (None, false) => {
            d.rejected.retain(|k| k != key);
            d.rejected_at.retain(|r| &r.key != key);
        }
        (Some(at), true) => {
            let here = |r: &RejectedAt| &r.key == key && r.at == at;
            if !d.rejected.contains(key) && !d.rejected_at.iter().any(here) {
                d.rejected_at.push(RejectedAt {
                    key: key.clone(),
                    at,
                });
            }
        }
        (Some(at), false) => {
            d.rejected_at.retain(|r| !(&r.key == key && r.at == at));
            if d.rejected.contains(key) {
                d.rejected.retain(|k| k != key);
                let mut others: Vec<TextAt> = report
                    .entities
                    .iter()
                    .chain(&report.rejected)
                    .filter(|e| &e.text_hmac == key)
                    .filter_map(|e| e.at)
                    .filter(|o| *o != at)
                    .collect();
                others.sort_by_key(|o| (o.para, o.start));
                others.dedup();
                d.rejected_at
                    .extend(others.into_iter().map(|at| RejectedAt {
                        key: key.clone(),
                        at,
                    }));
            }
        }
    }
}

/// Why the document was flagged for review (or not), in words: the risk, what raised it,
/// and the report's warnings (fixed phrases and counts, no document text).
pub fn reasons(report: &DocReport) -> Vec<String> {
    let r = &report.risk;
    let mut out = vec![if report.review {
        format!(
            "Risk {:.2}: at or above the review threshold, so a person should look.",
            r.score
        )
    } else {
        format!("Risk {:.2}: below the review threshold.", r.score)
    }];
    let i = &r.inputs;
    let mut add = |n: usize, what: &str| {
        if n > 0 {
            out.push(format!("{n} {what}"));
        }
    };
    add(
        i.rasterised_pages,
        "page(s) became images (their text could not be rewritten safely)",
    );
    add(
        i.image_only_pages,
        "page(s) are images whose text could not be read",
    );
    add(
        i.quasi_identifiers_kept,
        "quasi-identifier(s) left in the text (years, towns, ages the policy keeps)",
    );
    add(
        i.ocr_low_confidence,
        "word(s) read by OCR with low confidence next to PHI",
    );
    add(
        i.candidates_left,
        "word(s) left that look like names or places",
    );
    add(
        r.propagated_only,
        "detection(s) found only by searching for text found elsewhere",
    );
    if r.low_confidence_sum > 0.0 {
        out.push(format!(
            "low-confidence detections (sum of doubt {:.2})",
            r.low_confidence_sum
        ));
    }
    if r.expected_missed >= 0.05 {
        out.push(format!(
            "about {:.1} identifier(s) expected to be missed by the detectors",
            r.expected_missed
        ));
    }
    out.extend(report.warnings.iter().cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use deid_core::types::Category;

    fn ent(key: &str, page: usize, para: usize, start: usize) -> EntityReport {
        EntityReport {
            id: para * 100 + start,
            page,
            rects: Vec::new(),
            category: Category::Name,
            score: 0.9,
            source: "rules".into(),
            propagated_from: None,
            text: String::new(),
            text_hmac: key.into(),
            at: Some(TextAt { para, start }),
            probability: None,
        }
    }

    fn report(entities: Vec<EntityReport>) -> DocReport {
        let mut r: DocReport = serde_json::from_value(serde_json::json!({
            "pages": 2, "paragraphs": 3, "words": 10, "entities": [], "counts": {},
            "risk": {"score": 0.0, "low_confidence_sum": 0.0, "propagated_only": 0,
                "inputs": {"rasterised_pages": 0, "image_only_pages": 0, "quasi_identifiers_kept": 0},
                "review": false},
            "blobs": 1, "headings": 0, "rasterised_pages": [], "raster_reasons": [],
            "image_only_pages": [], "removed_glyphs": 0,
            "sanitize": deid_core::sanitize::SanitizeReport::default(),
            "review": false, "warnings": []
        }))
        .expect("a minimal report");
        r.entities = entities;
        r
    }

    fn target(key: &str, at: Option<(u32, u32)>) -> RejectTarget {
        RejectTarget {
            key: key.into(),
            at: at.map(|(para, start)| ReviewAt { para, start }),
        }
    }

    fn statuses(r: &DocReport, d: &Decisions) -> Vec<DetectionStatus> {
        detections(r, d).iter().map(|x| x.status).collect()
    }

    #[test]
    fn one_occurrence_or_every_occurrence_and_back() {
        use DetectionStatus::{Kept, Removed};
        let r = report(vec![
            ent("a", 0, 0, 0),
            ent("a", 1, 2, 5),
            ent("b", 0, 1, 0),
        ]);
        let mut d = Decisions::default();
        // order: page, then place in the text
        let rows = detections(&r, &d);
        assert_eq!(
            rows.iter()
                .map(|x| (x.page, x.key.as_str()))
                .collect::<Vec<_>>(),
            [(0, "a"), (0, "b"), (1, "a")]
        );
        set_rejected(&mut d, &r, &target("a", Some((2, 5))), true);
        assert_eq!(statuses(&r, &d), [Removed, Removed, Kept]);
        set_rejected(&mut d, &r, &target("a", None), true);
        assert_eq!(statuses(&r, &d), [Kept, Removed, Kept]);
        assert!(d.rejected_at.is_empty(), "every occurrence subsumes one");
        // restoring one occurrence of a text rejected everywhere keeps the other
        set_rejected(&mut d, &r, &target("a", Some((0, 0))), false);
        assert_eq!(statuses(&r, &d), [Removed, Removed, Kept]);
        assert!(d.rejected.is_empty());
        set_rejected(&mut d, &r, &target("a", None), false);
        assert_eq!(statuses(&r, &d), [Removed, Removed, Removed]);
        assert!(d.is_empty());
    }

    #[test]
    fn undo_and_redo_walk_the_decisions() {
        let r = report(vec![ent("a", 0, 0, 0), ent("b", 0, 1, 0)]);
        let mut h = History::default();
        let mut now = DecisionState::default();
        for key in ["a", "b"] {
            let before = now.clone();
            set_rejected(&mut now.decisions, &r, &target(key, None), true);
            h.record(before, &now);
        }
        // a change that changes nothing is no step
        let before = now.clone();
        set_rejected(&mut now.decisions, &r, &target("b", None), true);
        h.record(before, &now);
        assert_eq!(now.decisions.rejected, ["a", "b"]);
        now = h.undo(now).expect("undo b");
        assert_eq!(now.decisions.rejected, ["a"]);
        now = h.undo(now).expect("undo a");
        assert!(now.decisions.is_empty());
        assert!(h.undo(now.clone()).is_none() && h.can_redo());
        now = h.redo(now).expect("redo a");
        assert_eq!(now.decisions.rejected, ["a"]);
        // a new change drops the redo step
        let before = now.clone();
        set_rejected(&mut now.decisions, &r, &target("a", None), false);
        h.record(before, &now);
        assert!(!h.can_redo() && h.can_undo());
    }

    #[test]
    fn reasons_name_the_risk_inputs_without_text() {
        let mut r = report(vec![]);
        r.review = true;
        r.risk.score = 0.7;
        r.risk.inputs.rasterised_pages = 2;
        r.risk.inputs.candidates_left = 3;
        r.warnings.push("digital signatures were removed".into());
        let why = reasons(&r);
        assert!(why[0].contains("0.70") && why[0].contains("at or above"));
        assert!(why.iter().any(|w| w.starts_with("2 page(s) became images")));
        assert!(why.iter().any(|w| w.starts_with("3 word(s) left")));
        assert_eq!(
            why.last().map(String::as_str),
            Some("digital signatures were removed")
        );
    }
}
