//! Social security numbers, labelled identifiers (MRN, account, licence...) and bare
//! record-number-like digit runs.

use super::{after_pager_word, followed_by_unit, next_char, number_bounded, span, RuleDetector};
use crate::types::{Category, Span};

/// Lab analytes whose count is written run into the name in transcriptions ("RBC18550").
const LAB_ANALYTES: &[&str] = &[
    "RBC", "WBC", "PLT", "HGB", "HCT", "BUN", "ALT", "AST", "LDH", "CPK", "CK", "INR", "PTT",
    "ESR", "CRP", "TSH", "PSA", "GLU",
];

impl RuleDetector {
    pub(super) fn ssn_and_ids(&self, text: &str, out: &mut Vec<Span>) {
        for c in self.ssn.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            if c[2] != c[4] || &c[1] == "000" || &c[3] == "00" || &c[5] == "0000" {
                continue;
            }
            if !number_bounded(text, m.start(), m.end()) {
                continue;
            }
            let score = if &c[2] == "-" { 0.95 } else { 0.8 };
            out.push(span(m.start(), m.end(), Category::Ssn, score, "ssn"));
        }
        for c in self.ssn_labelled.captures_iter(text) {
            if let Some(v) = c.get(1) {
                out.push(span(v.start(), v.end(), Category::Ssn, 0.99, "ssn"));
            }
        }
        let dates: Vec<(usize, usize)> = out
            .iter()
            .filter(|s| s.category == Category::Date)
            .map(|s| (s.start, s.end))
            .collect();
        for c in self.id_labelled.captures_iter(text) {
            let (Some(label), Some(v)) = (c.get(1), c.get(2)) else {
                continue;
            };
            // "Accountable", "IDs": the label must end at a word boundary.
            if next_char(text, label.end()).is_some_and(char::is_alphabetic) {
                continue;
            }
            let val = v.as_str();
            let in_date = dates.iter().any(|&(s, e)| v.start() < e && s < v.end());
            if val.len() < 3 || !val.chars().any(|ch| ch.is_ascii_digit()) || in_date {
                continue;
            }
            if followed_by_unit(text, v.end()) && val.chars().all(|ch| ch.is_ascii_digit()) {
                continue;
            }
            let cat = if after_pager_word(text, v.start()) {
                Category::Phone
            } else {
                Category::Id
            };
            out.push(span(v.start(), v.end(), cat, 0.97, "id"));
        }
        for m in self.id_bare.find_iter(text) {
            let taken = out.iter().any(|s| m.start() < s.end && s.start < m.end());
            if taken || !number_bounded(text, m.start(), m.end()) || followed_by_unit(text, m.end())
            {
                continue;
            }
            // a lab value run into its analyte ("RBC18550", "WBC25000") is no record number
            let letters = m
                .as_str()
                .trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
            if LAB_ANALYTES.contains(&letters) {
                continue;
            }
            // a pager or extension number is a phone number
            let cat = if after_pager_word(text, m.start()) {
                Category::Phone
            } else {
                Category::Id
            };
            out.push(span(m.start(), m.end(), cat, 0.5, "id"));
        }
    }
}
