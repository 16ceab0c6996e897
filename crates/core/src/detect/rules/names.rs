//! Person names: after a title or a label, before a credential, in a signature or a
//! "Re:" line, and from the census name dictionaries.

use super::{span, RuleDetector, STATE_CREDENTIALS};
use crate::types::{Category, Span};

impl RuleDetector {
    pub(super) fn names(&self, text: &str, out: &mut Vec<Span>) {
        let addresses: Vec<(usize, usize)> = out
            .iter()
            .filter(|s| matches!(s.category, Category::Address | Category::Organization))
            .map(|s| (s.start, s.end))
            .collect();
        let in_address = |s: usize, e: usize| addresses.iter().any(|&(a, b)| s < b && a < e);
        for c in self.name_title.captures_iter(text) {
            let (Some(t), Some(g)) = (c.get(1), c.get(2)) else {
                continue;
            };
            if in_address(t.start(), t.end()) {
                continue;
            }
            if let Some((s, e)) = self.dicts.trim_name(text, g.start(), g.end(), true) {
                out.push(span(s, e, Category::Name, 0.95, "name"));
            }
        }
        for c in self.name_label.captures_iter(text) {
            let (Some(m), Some(g)) = (c.get(0), c.get(1)) else {
                continue;
            };
            if !self.dicts.name_label_context_ok(text, m.start()) {
                continue;
            }
            // A name continued on the next line ("Name: Austin\nLambert"), unless that
            // word is itself the next label ("Name: Smith\nAddress: …").
            let mut end = g.end();
            if let Some(nl) = g.as_str().find('\n') {
                let rest = text
                    .get(end..)
                    .unwrap_or("")
                    .trim_start_matches([' ', '\t']);
                if rest.starts_with(':') {
                    end = g.start() + nl;
                }
            }
            if let Some((s, e)) = self.dicts.trim_name(text, g.start(), end, false) {
                out.push(span(s, e, Category::Name, 0.9, "name"));
            }
        }
        for c in self.name_credential.captures_iter(text) {
            let (Some(g), Some(cred)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let Some((s, e)) = self.dicts.trim_name(text, g.start(), g.end(), false) else {
                continue;
            };
            let toks: Vec<&str> = self
                .dicts
                .words(text.get(s..e).unwrap_or(""))
                .map(|w| w.as_str())
                .collect();
            let one_word = toks.len() < 2;
            // "I REALLY DO …" in capitals: ordinary words before a credential-like word
            if toks.iter().all(|w| self.dicts.ordinary(w)) {
                continue;
            }
            let statey = STATE_CREDENTIALS.contains(&cred.as_str())
                && !toks
                    .first()
                    .is_some_and(|w| self.dicts.first_name(w) || w.len() <= 2);
            if one_word || statey || in_address(s, e) {
                continue;
            }
            out.push(span(s, e, Category::Name, 0.9, "name"));
        }
        for c in self.name_signature.captures_iter(text) {
            if let Some(g) = c.get(1) {
                if let Some((s, e)) = self.dicts.trim_name(text, g.start(), g.end(), false) {
                    out.push(span(s, e, Category::Name, 0.85, "name"));
                }
            }
        }
        for c in self.name_regarding.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            let first = g.as_str().split_whitespace().next().unwrap_or("");
            if !self.dicts.first_name(first) {
                continue;
            }
            if let Some((s, e)) = self.dicts.trim_name(text, g.start(), g.end(), false) {
                out.push(span(s, e, Category::Name, 0.85, "name"));
            }
        }
        for (s, e, score) in self.dicts.dictionary_names(text) {
            if !in_address(s, e) {
                out.push(span(s, e, Category::Name, score, "name"));
            }
        }
    }
}
