//! Places: street addresses, PO boxes, "City, ST" with ZIP codes, and facility
//! (organisation) names.

use super::{
    doctor_not_drive, flat_case, quantity_not_house_number, span, RuleDetector, STATE_CREDENTIALS,
};
use crate::types::{Category, Span};

/// Street-type abbreviations whose trailing period belongs to the address.
const STREET_ABBREVIATIONS: &[&str] = &[
    "st", "ave", "rd", "blvd", "dr", "ln", "ct", "pl", "ter", "pkwy", "hwy", "cir", "sq", "trl",
    "plz", "n", "s", "e", "w", "ne", "nw", "se", "sw",
];

/// The last words of organisation names that also close ordinary phrases: a specialty
/// or an institution's kind needs a name before it that reads as one.
const WEAK_ORG_KINDS: &[&str] = &[
    "Pediatrics",
    "Paediatrics",
    "Cardiology",
    "Gastroenterology",
    "Rheumatology",
    "Dermatology",
    "Orthopaedics",
    "Orthopedics",
    "Urology",
    "Neurology",
    "Oncology",
    "Pavilion",
    "University",
    "Elementary",
    "School",
    "Plan",
    "Nurse",
    "Nurses",
    "Program",
    "Partnership",
];

impl RuleDetector {
    pub(super) fn addresses(&self, text: &str, out: &mut Vec<Span>) {
        let mut streets: Vec<usize> = Vec::new();
        for c in self.street.captures_iter(text) {
            let (Some(m), Some(words)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let bad_word = self.dicts.words(words.as_str()).any(|w| {
                let w = w.as_str().trim_end_matches('.');
                !w.starts_with(|ch: char| ch.is_ascii_digit())
                    && (self.dicts.allowed(w) || self.dicts.stop(w))
            });
            if bad_word
                || quantity_not_house_number(text, &m)
                || doctor_not_drive(&self.dicts, text, m.start(), m.end())
            {
                continue;
            }
            // Keep the period of "St."/"Ave." but not a sentence-final one after "Street".
            let mut end = m.end();
            if let Some(body) = m.as_str().strip_suffix('.') {
                let last = body.rsplit([' ', '\t']).next().unwrap_or("").to_lowercase();
                if !STREET_ABBREVIATIONS.contains(&last.as_str()) {
                    end -= 1;
                }
            }
            streets.push(end);
            out.push(span(m.start(), end, Category::Address, 0.9, "address"));
        }
        for m in self.po_box.find_iter(text) {
            streets.push(m.end());
            out.push(span(m.start(), m.end(), Category::Address, 0.95, "address"));
        }
        let flat = flat_case(text);
        for c in self.city_state.captures_iter(text) {
            let (Some(m), Some(city)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let Some((cs, _)) = self.dicts.trim_leading(text, city.start(), city.end()) else {
                continue;
            };
            let gap = |e: usize| {
                text.get(e..cs)
                    .is_some_and(|g| g.chars().all(|ch| ch == ',' || ch == ' ' || ch == '\t'))
            };
            let after_street = streets.iter().any(|&e| e <= cs && gap(e));
            let state_end = c.get(2).map_or(m.end(), |s| s.end());
            match c.get(3) {
                Some(zip) => {
                    out.push(span(cs, state_end, Category::Address, 0.9, "address"));
                    out.push(span(zip.start(), zip.end(), Category::Zip, 0.95, "zip"));
                }
                None if after_street => {
                    out.push(span(cs, state_end, Category::Address, 0.85, "address"));
                }
                // "lungs, GI, GU", "Abdomen: NT, ND": clinical abbreviations, no city
                None if !STATE_CREDENTIALS.contains(&&c[2])
                    && !self.dicts.clinical(&text[cs..city.end()]) =>
                {
                    // in one-casing text every word looks capitalised ("URINARY STRESS
                    // INCONTINENCE, OR CANCER"): there the city must be a known place (the
                    // longest run of its last words that is one)
                    let start = if flat {
                        let words: Vec<regex::Match> =
                            self.dicts.words(&text[cs..city.end()]).collect();
                        words
                            .iter()
                            .map(|w| cs + w.start())
                            .find(|&ws| self.dicts.place(&text[ws..city.end()]))
                    } else {
                        Some(cs)
                    };
                    if let Some(start) = start {
                        out.push(span(start, city.end(), Category::Location, 0.7, "location"));
                    }
                }
                None => {}
            }
        }
        for r in [&self.zip_state, &self.zip_labelled] {
            for c in r.captures_iter(text) {
                if let Some(z) = c.get(1) {
                    out.push(span(z.start(), z.end(), Category::Zip, 0.95, "zip"));
                }
            }
        }
    }

    pub(super) fn orgs(&self, text: &str, out: &mut Vec<Span>) {
        for c in self.org.captures_iter(text) {
            let Some(m) = c.get(1) else { continue };
            // Leading tokens that are clinical words or sentence openers are not part
            // of the name ("Cardiology Clinic", "Discharged Mercy Hospital" → trim).
            let mut start = None;
            for w in self.dicts.words(m.as_str()) {
                let t = w.as_str();
                // "Orthopedic Clinic", "Pulmonary Medicine Clinic": a department, no name
                if self.dicts.allowed(t)
                    || self.dicts.stop(t)
                    || self.dicts.org_word(t)
                    || (self.dicts.clinical(t)
                        && t.chars().count() >= 4
                        && !t.chars().all(|c| c.is_uppercase()))
                {
                    continue;
                }
                start = Some(m.start() + w.start());
                break;
            }
            let Some(s) = start else { continue };
            // a specialty or an institution's kind after one ordinary word is a phrase
            // ("Appreciate Cardiology", "Saw Pediatrics"); in one casing every name word
            // must be no English word ("DESERT SKY CARDIOLOGY" is left to the model)
            let kind = m.as_str().rsplit([' ', '\t', '\n']).next().unwrap_or("");
            if WEAK_ORG_KINDS.iter().any(|k| kind.eq_ignore_ascii_case(k)) {
                let names: Vec<&str> = self
                    .dicts
                    .words(&text[s..m.end()])
                    .map(|w| w.as_str())
                    .filter(|w| !self.dicts.org_word(w) && !self.dicts.clinical(w))
                    .collect();
                let english = |w: &&str| self.dicts.english(w);
                let weak = if flat_case(m.as_str()) {
                    names.is_empty() || names.iter().any(english)
                } else {
                    names.is_empty() || (names.len() == 1 && names.iter().all(english))
                };
                if weak {
                    continue;
                }
            }
            out.push(span(s, m.end(), Category::Organization, 0.85, "org"));
        }
    }
}
