//! Person names: after a title or a label, before a credential, in a signature or a
//! "Re:" line, and from the census name dictionaries.

use super::{span, RuleDetector, STATE_CREDENTIALS};
use crate::types::{Category, Span};

impl RuleDetector {
    /// After a "… by" label in prose, a determiner, a possessive or the -ing form of a
    /// verb opens no name ("performed by the brachytherapist", "seen by her
    /// dermatologist", "performed by incising the fascia"; "seen by Browning" is one).
    fn by_no_name(&self, text: &str, label: usize, value: usize) -> bool {
        let head = text[label..value].trim_end_matches([' ', '\t', ':']);
        if !head.to_lowercase().ends_with(" by") {
            return false;
        }
        let Some(w) = self.dicts.words(&text[value..]).next() else {
            return false;
        };
        let w = w.as_str();
        let lower = w.to_lowercase();
        matches!(
            lower.as_str(),
            "the" | "a" | "an" | "her" | "his" | "their" | "our" | "your" | "my" | "its" | "this"
        ) || (lower.ends_with("ing")
            && self.dicts.english(w)
            && !self.dicts.surname(w)
            && !self.dicts.first_name(w))
    }

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
            if !self.dicts.name_label_context_ok(text, m.start())
                || self.by_no_name(text, m.start(), g.start())
            {
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
            // "D/W H. FENTON, RN": a letter glued to a slash is shorthand, no initial; nor
            // is the end of a word ("R. BHATT" of "DR. BHATT AND PA")
            let s = if text[..s].ends_with(|c: char| c == '/' || c.is_alphanumeric()) {
                let rest = &text[s..e];
                let Some(k) = rest.find(char::is_whitespace) else {
                    continue;
                };
                s + k + (rest[k..].len() - rest[k..].trim_start().len())
            } else {
                s
            };
            let toks: Vec<&str> = self
                .dicts
                .words(text.get(s..e).unwrap_or(""))
                .map(|w| w.as_str())
                .collect();
            let one_word = toks.len() < 2;
            // "NH CHARGE RN LAVERNE": a nurse's role before the credential is no name
            if toks.last().is_some_and(|w| {
                matches!(
                    w.to_lowercase().as_str(),
                    "charge" | "staff" | "float" | "primary" | "triage" | "covering" | "travel"
                )
            }) {
                continue;
            }
            // "I REALLY DO …" in capitals: ordinary words before a credential-like word, or
            // a contraction ("I CAN'T DO")
            if toks.iter().all(|w| self.dicts.ordinary(w))
                || toks.iter().any(|w| crate::text::has_contraction(w))
            {
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

impl RuleDetector {
    /// An author line, as on a report's first page: "Maria Lopez, MD; Ahmed Khan and Wei
    /// Chen²", "By J. Smith and Ann Walsh", "Authors: Wei Chen, Omar Haddad". The
    /// paragraph is only names, credentials and separators; each name is two to four
    /// words, the first a census first name or an initial, no word an ordinary word unless
    /// it is a census name; at least two names, or one after a "By" or "Author(s):" label.
    /// The pipeline runs this on the pages a profile names for authors and signatures only
    /// (`author_pages`; by default the first and the last page).
    pub fn author_line(&self, text: &str) -> Vec<Span> {
        const LABELS: [&str; 4] = ["authors:", "author:", "by ", "prepared by "];
        if text.len() > 400 || text.lines().count() > 3 {
            return Vec::new();
        }
        let lead = text.len() - text.trim_start().len();
        let lower = text.to_lowercase();
        let label = LABELS
            .iter()
            .find(|l| lower[lead..].starts_with(*l))
            .map(|l| l.len());
        let body_start = lead + label.unwrap_or(0);
        let mut names = Vec::new();
        let at = body_start;
        let body = &text[body_start..];
        let cuts: Vec<(usize, usize)> = {
            let mut v = Vec::new();
            let mut i = 0;
            while i < body.len() {
                let rest = &body[i..];
                let sep = [",", ";", "\n", " and ", " & ", " AND "]
                    .iter()
                    .find(|s| rest.starts_with(**s))
                    .map(|s| s.len());
                match sep {
                    Some(n) => {
                        v.push((i, n));
                        i += n;
                    }
                    None => i += rest.chars().next().map_or(1, char::len_utf8),
                }
            }
            v
        };
        let mut bounds: Vec<(usize, usize)> = Vec::new();
        let mut from = 0;
        for (i, n) in cuts {
            bounds.push((from, i));
            from = i + n;
        }
        bounds.push((from, body.len()));
        for (a, b) in bounds {
            let part = &body[a..b];
            let trimmed = part
                .trim()
                .trim_end_matches(|c: char| c.is_ascii_digit() || "*†‡¹²³⁴⁵⁶⁷⁸⁹⁰".contains(c));
            if trimmed.is_empty() {
                continue;
            }
            let start = at + a + (part.len() - part.trim_start().len());
            let words: Vec<&str> = trimmed.split_whitespace().collect();
            if words.iter().all(|w| self.dicts.credential(w)) {
                continue;
            }
            let initial = |w: &str| {
                let l: Vec<char> = w.trim_end_matches('.').chars().collect();
                l.len() == 1 && l[0].is_uppercase()
            };
            let name_word = |w: &str| {
                initial(w)
                    || (w.starts_with(char::is_uppercase)
                        && w.chars().all(|c| c.is_alphabetic() || "'’-".contains(c))
                        && (!self.dicts.ordinary(w)
                            || self.dicts.first_name(w)
                            || self.dicts.surname(w)))
            };
            let ok = (2..=4).contains(&words.len())
                && (initial(words[0]) || self.dicts.first_name(words[0]))
                && !initial(words[words.len() - 1])
                && words.iter().all(|w| name_word(w));
            // in a line of names every part is a name (or a credential)
            if !ok {
                return Vec::new();
            }
            names.push(span(
                start,
                start + trimmed.len(),
                Category::Name,
                0.85,
                "author",
            ));
        }
        if names.len() >= 2 || (label.is_some() && !names.is_empty()) {
            names
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        RuleDetector::new()
            .author_line(text)
            .iter()
            .map(|s| &text[s.start..s.end])
            .collect()
    }

    #[test]
    fn author_lines() {
        assert_eq!(
            names("Maria Lopez, MD; Ahmed Khan and Wei Chen²"),
            ["Maria Lopez", "Ahmed Khan", "Wei Chen"]
        );
        assert_eq!(names("By J. Smith"), ["J. Smith"]);
        assert_eq!(
            names("Authors: Omar Haddad, PhD, Ann Walsh"),
            ["Omar Haddad", "Ann Walsh"]
        );
        // one name without a label, clinical lists and prose are no author lines
        assert!(names("Maria Lopez").is_empty());
        assert!(names("Hypertension, Diabetes and Asthma").is_empty());
        assert!(names("Grace, Hope and Joy").is_empty());
        assert!(names("Maria Lopez was seen today, and Wei Chen too").is_empty());
        assert!(names("By mouth twice daily").is_empty());
    }
}
