//! Formats of UK letters: phone numbers, NHS numbers, postcodes (with the town beside
//! them) and pagers.

use super::{flat_case, nhs_checksum_ok, ContextRules};
use crate::detect::rules::rules_dict::Dicts;
use crate::detect::rules::{followed_by_unit, number_bounded, prev_char, span};
use crate::types::{Category, Span};

impl ContextRules {
    /// UK phone numbers, NHS numbers (valid checksum anywhere; any ten digits after an NHS
    /// label), UK postcodes and pagers.
    pub(super) fn uk(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for m in self.uk_phone.find_iter(text) {
            let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
            let national = if m.as_str().starts_with('+') {
                format!("0{}", digits.get(2..).unwrap_or(""))
            } else {
                digits
            };
            let glued = prev_char(text, m.start())
                .is_some_and(|ch| ch.is_ascii_digit() || matches!(ch, '/' | '.' | ':'));
            if !(10..=11).contains(&national.len()) || glued || !national.starts_with('0') {
                continue;
            }
            // a UK number starts 01, 02, 03, 07, 08 (not 00 or 04-06, 09 premium kept)
            if !matches!(
                national.as_bytes().get(1),
                Some(b'1' | b'2' | b'3' | b'7' | b'8' | b'9')
            ) {
                continue;
            }
            out.push(span(m.start(), m.end(), Category::Phone, 0.85, "phone"));
        }
        for c in self.nhs.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            let digits: Vec<u32> = m
                .as_str()
                .chars()
                .filter_map(|ch| ch.to_digit(10))
                .collect();
            if nhs_checksum_ok(&digits) && number_bounded(text, m.start(), m.end()) {
                out.push(span(m.start(), m.end(), Category::Id, 0.8, "id"));
            }
        }
        for c in self.nhs_labelled.captures_iter(text) {
            if let Some(v) = c.get(1) {
                out.push(span(v.start(), v.end(), Category::Id, 0.97, "id"));
            }
        }
        for c in self.postcode.captures_iter(text) {
            let Some(p) = c.get(1) else { continue };
            let s = p.as_str();
            // a postcode is written in one casing; "In 2nd" is no postcode
            if !flat_case(s) || !s.chars().any(|ch| ch.is_alphabetic()) {
                continue;
            }
            let has_space = s.contains([' ', '\t']);
            let upper = s.chars().all(|ch| !ch.is_lowercase());
            if !has_space && !upper {
                continue;
            }
            // the town before a postcode on its line ("14 Elmfield Row, Harrogate HG1 4PQ"):
            // up to three words of letters after the last comma, colon or tab
            let before = text.get(..p.start()).unwrap_or("");
            let from = before.rfind([',', ':', '\t', '\n']).map_or(0, |i| i + 1);
            let seg = &before[from..];
            let town = seg.trim();
            let words = town.split_whitespace().count();
            if (1..=3).contains(&words)
                && town.len() >= 3
                && town
                    .chars()
                    .all(|ch| ch.is_alphabetic() || matches!(ch, ' ' | '-' | '\'' | '’' | '.'))
            {
                let ts = from + (seg.len() - seg.trim_start().len());
                out.push(town_span(ts, town));
                if before[..from].ends_with(',') {
                    address_segments(d, text, from - 1, out);
                }
            }
            // the town on the line above a postcode in an address block
            let above = text.get(..p.start()).unwrap_or("");
            if let Some(line) = above.strip_suffix('\n') {
                let line_start = line.rfind('\n').map_or(0, |i| i + 1);
                let town = line[line_start..].trim();
                if !town.is_empty() && d.place(town) {
                    let ts = line_start
                        + (line[line_start..].len() - line[line_start..].trim_start().len());
                    out.push(town_span(ts, town));
                }
            }
            out.push(span(p.start(), p.end(), Category::Address, 0.85, "address"));
        }
        // pager, beeper and extension numbers are phone numbers ("PAGED #4-1187"; not the
        // time paged, "PAGED 0250"); "#4417" alone may be any number
        for c in self.pager.captures_iter(text) {
            // "VOICEMAIL TO DOLORES (DON), X102", "case mgr brenda x212": an "x" and three
            // digits is an extension only right after a name or a bracket, or alone in
            // brackets ("WALKED X100
            // FT", "bolus x250" are not)
            if let Some(v) = c.get(7) {
                let head = text[..v.start() - 1].trim_end_matches([' ', '\t', ',']);
                let named = d.name_like(&crate::text::last_word_lower(head));
                // "NH NURSE GLADYS (X221)": alone in brackets
                let bracketed = head.ends_with('(') && text[v.end()..].starts_with(')');
                if (head.ends_with(')') || named || bracketed) && !followed_by_unit(text, v.end()) {
                    out.push(span(v.start(), v.end(), Category::Phone, 0.7, "id"));
                }
                continue;
            }
            let (v, cat) = match (
                c.get(1).or(c.get(2)).or(c.get(4)).or(c.get(5)).or(c.get(6)),
                c.get(3),
            ) {
                (Some(v), _) => (v, Category::Phone),
                (None, Some(v)) => (v, Category::Id),
                (None, None) => continue,
            };
            if !followed_by_unit(text, v.end()) {
                out.push(span(v.start(), v.end(), cat, 0.7, "id"));
            }
        }
    }
}

/// Street types that close a street in an address line.
const STREET_ENDS: &[&str] = &[
    "road", "rd", "street", "st", "lane", "avenue", "ave", "drive", "close", "crescent", "grove",
    "terrace", "gardens", "mews", "parade", "way", "row", "walk", "place", "square",
];

/// Facility words after which a street may follow in the same segment ("ROYAL INFIRMARY
/// OXFORD ROAD").
const SEGMENT_FACILITY: &[&str] = &[
    "hospital",
    "hospitals",
    "infirmary",
    "centre",
    "center",
    "practice",
    "surgery",
    "clinic",
    "trust",
    "unit",
    "department",
    "house",
    "lodge",
];

/// The segments before a town and postcode on their line, right to left from the comma at
/// `comma` ("Freeman Road, High Heaton, Newcastle NE7 7DN"): a segment ending in a street
/// type is an address (after the last facility word in it: "ROYAL INFIRMARY OXFORD ROAD"),
/// one to three words of letters with no clinical word a locality ("High Heaton", "Hall
/// Green"; capitalised in mixed-case text). The first segment that is neither ends the
/// search; at most three are read.
fn address_segments(d: &Dicts, text: &str, mut comma: usize, out: &mut Vec<Span>) {
    // every segment lies on the comma's line
    let line_start = text[..comma].rfind('\n').map_or(0, |i| i + 1);
    let flat = flat_case(&text[line_start..comma]);
    for _ in 0..3 {
        let from = text[line_start..comma]
            .rfind([',', ':', '\t'])
            .map_or(line_start, |i| line_start + i + 1);
        let seg = &text[from..comma];
        let words: Vec<(usize, &str)> = seg
            .split_whitespace()
            .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
            .collect();
        let Some(&(_, last)) = words.last() else {
            return;
        };
        let lower = |w: &str| w.trim_end_matches('.').to_lowercase();
        if STREET_ENDS.contains(&lower(last).as_str()) {
            // a street has a name word before its type ("INFIRMARY ROAD")
            let start = words[..words.len().saturating_sub(2)]
                .iter()
                .rposition(|(_, w)| SEGMENT_FACILITY.contains(&lower(w).as_str()))
                .map_or(0, |k| k + 1);
            if start + 1 < words.len() {
                let (a, _) = words[start];
                let (b, w) = words[words.len() - 1];
                out.push(span(a, b + w.len(), Category::Address, 0.8, "address"));
            }
        } else {
            let letters = words.iter().all(|(_, w)| {
                w.chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '’'))
            });
            let plain = words.iter().all(|(_, w)| !d.clinical(w) && !d.stop(w));
            let capitalised = flat || words.iter().all(|(_, w)| w.starts_with(char::is_uppercase));
            if !(1..=3).contains(&words.len()) || !letters || !plain || !capitalised {
                return;
            }
            let (a, _) = words[0];
            let (b, w) = words[words.len() - 1];
            out.push(span(a, b + w.len(), Category::Location, 0.8, "location"));
        }
        if from == line_start || !text[..from].ends_with(',') {
            return;
        }
        comma = from - 1;
    }
}

/// A town next to a UK postcode, starting at byte `start`.
fn town_span(start: usize, town: &str) -> Span {
    span(
        start,
        start + town.len(),
        Category::Location,
        0.8,
        "location",
    )
}
