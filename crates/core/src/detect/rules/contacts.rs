//! Contacts: phone and fax numbers, e-mail addresses, URLs and IP addresses.

use super::{num, number_bounded, prev_char, span, RuleDetector};
use crate::types::{Category, Span};

impl RuleDetector {
    pub(super) fn contacts(&self, text: &str, out: &mut Vec<Span>) {
        for m in self.phone.find_iter(text) {
            let digits: String = m
                .as_str()
                .chars()
                .take_while(|c| !c.is_alphabetic())
                .filter(char::is_ascii_digit)
                .collect();
            let core = if m.as_str().starts_with('+') || digits.len() == 11 {
                digits.get(1..).unwrap_or("")
            } else {
                digits.as_str()
            };
            let area_ok = core.len() >= 10 && !core.starts_with(['0', '1']);
            let before_ok = !matches!(prev_char(text, m.start()), Some(c) if c.is_alphanumeric() || c == '-' || c == '/');
            if !area_ok || !before_ok || !number_bounded(text, m.start(), m.end()) {
                continue;
            }
            let cat = self.phone_category(text, m.start());
            let score = if m.as_str().contains(' ') && !m.as_str().contains('(') {
                0.8
            } else {
                0.92
            };
            out.push(span(m.start(), m.end(), cat, score, cat_name(cat)));
        }
        for c in self.phone_labelled.captures_iter(text) {
            if let Some(v) = c.get(1) {
                let cat = self.phone_category(text, v.start());
                out.push(span(v.start(), v.end(), cat, 0.85, cat_name(cat)));
            }
        }
        let emails: Vec<(usize, usize)> = self
            .email
            .find_iter(text)
            .map(|m| (m.start(), m.end()))
            .collect();
        for &(s, e) in &emails {
            out.push(span(s, e, Category::Email, 0.99, "email"));
        }
        let mut urls: Vec<(usize, usize)> = Vec::new();
        for m in self.url.find_iter(text) {
            let e = m.start()
                + m.as_str()
                    .trim_end_matches(['.', ',', ';', ':', '!', '?'])
                    .len();
            urls.push((m.start(), e));
            out.push(span(m.start(), e, Category::Url, 0.97, "url"));
        }
        for m in self.url_bare.find_iter(text) {
            let inside =
                |v: &[(usize, usize)]| v.iter().any(|&(s, e)| m.start() < e && s < m.end());
            if inside(&emails) || inside(&urls) || prev_char(text, m.start()) == Some('@') {
                continue;
            }
            let e = m.start() + m.as_str().trim_end_matches(['.', ',', ';', ':']).len();
            out.push(span(m.start(), e, Category::Url, 0.85, "url"));
        }
        for c in self.ipv4.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            let octets_ok = (1..=4).all(|i| num(&c[i]) <= 255);
            if octets_ok && number_bounded(text, m.start(), m.end()) {
                out.push(span(m.start(), m.end(), Category::Ip, 0.9, "ip"));
            }
        }
        for m in self.ipv6.find_iter(text) {
            let colons = m.as_str().matches(':').count();
            let has_hex = m.as_str().chars().any(|c| c.is_ascii_alphabetic());
            if colons == 7 || (m.as_str().contains("::") && (colons >= 3 || has_hex)) {
                out.push(span(m.start(), m.end(), Category::Ip, 0.85, "ip"));
            }
        }
    }

    /// FAX when the nearest phone-ish label before `at` on the same line is a fax label.
    fn phone_category(&self, text: &str, at: usize) -> Category {
        let line_start = text
            .get(..at)
            .and_then(|s| s.rfind('\n'))
            .map_or(0, |i| i + 1);
        let prefix = text.get(line_start..at).unwrap_or("");
        match self.phone_label.captures_iter(prefix).last() {
            Some(c) if c.get(1).is_some() || c.get(2).is_some() => Category::Fax,
            _ => Category::Phone,
        }
    }
}

fn cat_name(c: Category) -> &'static str {
    if c == Category::Fax {
        "fax"
    } else {
        "phone"
    }
}
