//! Month/day dates without a year and years after an apostrophe, told apart from
//! scores, fractions and measurements.

use super::ContextRules;
use crate::detect::rules::{followed_by_unit, next_char, num, prev_char, span};
use crate::types::{Category, Span};

impl ContextRules {
    /// Month/day without a year ("4/12"), which clinical notes use for every event, and
    /// years after an apostrophe ("MI '92"). Fractions, scores and ratios are not dates.
    pub(super) fn dates(&self, text: &str, out: &mut Vec<Span>) {
        for c in self.date_md.captures_iter(text) {
            let (Some(m), Some(a), Some(b)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            let (mo, dy) = (num(a.as_str()), num(b.as_str()));
            if !(1..=12).contains(&mo) || !(1..=31).contains(&dy) {
                continue;
            }
            // part of a longer date, a ratio (120/80), a score (7/10) or a fraction (1/2)
            // a sentence may end right after the date ("on 4/12.")
            let rest = text.get(m.end()..).unwrap_or("");
            let full_stop =
                rest.starts_with('.') && rest[1..].chars().next().is_none_or(char::is_whitespace);
            let glued = prev_char(text, m.start())
                .is_some_and(|ch| ch.is_ascii_digit() || matches!(ch, '/' | '.' | '-' | ':'))
                || (next_char(text, m.end())
                    .is_some_and(|ch| ch.is_alphanumeric() || matches!(ch, '/' | '%' | '.' | '-'))
                    && !full_stop);
            let fraction = (dy <= 4 || dy == 8) && mo < dy;
            let same = mo == dy && mo <= 3; // "2/2" = secondary to
                                            // "8/10 pain": a pain score
            let next_word: String = rest
                .trim_start()
                .chars()
                .take_while(|c| c.is_alphabetic())
                .collect::<String>()
                .to_lowercase();
            let score_like = dy == 10 && next_word == "pain";
            if glued
                || fraction
                || same
                || score_like
                || followed_by_unit(text, m.end())
                || score_context(text, m.start(), m.end())
            {
                continue;
            }
            out.push(span(m.start(), m.end(), Category::Date, 0.8, "date"));
        }
        for c in self.year_apostrophe.captures_iter(text) {
            if let Some(y) = c.get(1) {
                let quote_closes = text.get(y.end()..).is_some_and(|r| r.starts_with('\''));
                if !quote_closes {
                    out.push(span(y.start(), y.end(), Category::Date, 0.7, "date"));
                }
            }
        }
    }
}

/// Words before a fraction that make it a score or measurement ("strength is 5/5",
/// "pupils 4/4", "chest pain is 8/10"), looked for among the three words before it.
const SCORE_BEFORE: &[&str] = &[
    "bp",
    "pain",
    "score",
    "ratio",
    "strength",
    "power",
    "grade",
    "gcs",
    "apgar",
    "motor",
    "reflexes",
    "reflex",
    "murmur",
    "scale",
    "sbp",
    "dbp",
    "vision",
    "va",
    "ie",
    "pupils",
    "extremities",
    "extremity",
    "muscle",
    "muscles",
    "dtrs",
    "dtr",
    "tone",
    "acuity",
];

/// Words right after a fraction that make it a score or measurement ("5/5 strength",
/// "2/6 systolic murmur", "4/4 distal weakness", "10/11 mm trocar").
const SCORE_AFTER: &[&str] = &[
    "strength",
    "murmur",
    "systolic",
    "diastolic",
    "holosystolic",
    "weakness",
    "throughout",
    "distal",
    "proximal",
    "bue",
    "ble",
    "lle",
    "rle",
    "lue",
    "rue",
    "decreasing",
    "mm",
    "cm",
    "power",
    "reflexes",
    "bilaterally",
];

/// A month/day-looking fraction in a score or measurement context.
fn score_context(text: &str, start: usize, end: usize) -> bool {
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    // only within the sentence or field: stop at the last full stop, semicolon or line break
    let head = text.get(..start).unwrap_or("");
    let head = head.rsplit(['.', ';', '\n']).next().unwrap_or(head);
    let before = words(head);
    let tail = text.get(end..).unwrap_or("");
    let tail = tail.split(['.', ';', '\n', ',']).next().unwrap_or(tail);
    let after = words(tail);
    before
        .iter()
        .rev()
        .take(3)
        .any(|w| SCORE_BEFORE.contains(&w.as_str()))
        || after
            .iter()
            .take(2)
            .any(|w| SCORE_AFTER.contains(&w.as_str()))
}
