//! Text matching shared by the verification gate, the raster text layer and the pixel
//! gate: one normalisation (NFKC, lower case, runs of other characters → one space) and a
//! word-boundary matcher over all redacted strings at once.

use std::collections::BTreeSet;

use unicode_normalization::UnicodeNormalization;

use crate::types::{Glyph, Rect, RedactionPlan};

/// Month names, lower case, January first.
pub const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Weekday names, lower case, Monday first.
pub const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Weekday abbreviations, lower case, that are no English word ("sat" and "sun" are).
pub const WEEKDAY_ABBREVIATIONS: [&str; 8] =
    ["mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri"];

/// A weekday's name or its abbreviation, given in lower case ("thursday", "thurs"; not
/// "sat" or "sun", which are words).
pub fn weekday_word(l: &str) -> bool {
    WEEKDAYS.contains(&l) || WEEKDAY_ABBREVIATIONS.contains(&l)
}

/// Two bare clock times joined by a dash: a shift or a span of time ("1900-0700",
/// "0100-0230").
pub fn clock_range(w: &str) -> bool {
    w.split_once('-')
        .is_some_and(|(a, b)| bare_clock(a) && bare_clock(b))
}

/// A bare 24-hour clock time of four digits ("0700", "1540"; not "2460").
pub fn bare_clock(w: &str) -> bool {
    w.len() == 4
        && w.chars().all(|c| c.is_ascii_digit())
        && w[..2].parse::<u32>().is_ok_and(|h| h < 24)
        && w[2..].parse::<u32>().is_ok_and(|m| m < 60)
}

/// Redacted strings shorter than this (after normalisation) are checked geometrically only.
pub const MIN_CHECKED_LEN: usize = 4;
/// Normalise for comparison: NFKC, lower case, every run of non-alphanumerics → one space.
pub fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    fold_chars(s.nfkc().map(|c| (c, ())), |c, _| out.push(c));
    out.trim_end().to_string()
}

/// Check 2's folding: lower case, every alphanumeric kept, every run of other characters
/// one space (none at the start). `emit` gets each output character with the tag of the
/// input character it came from (`None` for a separator).
pub fn fold_chars<T: Copy>(
    chars: impl Iterator<Item = (char, T)>,
    mut emit: impl FnMut(char, Option<T>),
) {
    let mut sp = true;
    for (c0, tag) in chars {
        for c in c0.to_lowercase() {
            if c.is_alphanumeric() {
                emit(c, Some(tag));
                sp = false;
            } else if !sp {
                emit(' ', None);
                sp = true;
            }
        }
    }
}

/// The redacted strings as check 2 looks for them: normalised, long enough, once each.
pub fn string_needles(plan: &RedactionPlan) -> Vec<String> {
    plan.strings
        .iter()
        .map(|s| normalise(s))
        .filter(|s| s.chars().filter(|c| c.is_alphanumeric()).count() >= MIN_CHECKED_LEN)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// The boxes of every occurrence, on an input page, of a string the plan redacts, found
/// the way check 2 finds them (normalised, on word boundaries). A page that fails check 2
/// holds an occurrence detection and propagation did not mark (another spelling, a
/// hyphenated line break, punctuation inside); these boxes let the retry remove it too,
/// instead of rasterising the page — which would keep it visible as pixels.
pub fn unplanned_occurrences(glyphs: &[Glyph], plan: &RedactionPlan) -> Vec<Rect> {
    let needles = string_needles(plan);
    if needles.is_empty() {
        return Vec::new();
    }
    // normalised text (padded like check 2's) with, per byte, the glyph it came from
    // (None for separators); NFKC per glyph, so the map stays one to one
    let mut text = String::from(" ");
    let mut from: Vec<Option<usize>> = vec![None];
    let chars = glyphs
        .iter()
        .enumerate()
        .flat_map(|(gi, g)| std::iter::once(g.ch).nfkc().map(move |c| (c, gi)));
    fold_chars(chars, |c, gi| {
        let before = text.len();
        text.push(c);
        from.extend(std::iter::repeat_n(gi, text.len() - before));
    });
    text.push(' ');
    from.push(None);
    let mut hit: BTreeSet<usize> = BTreeSet::new();
    for (a, b) in WordMatcher::new(&needles).ranges(&text) {
        hit.extend(from[a..b].iter().flatten());
    }
    hit.into_iter()
        .map(|gi| glyphs[gi].loose)
        .filter(|r| r.x1 > r.x0 && r.y1 > r.y0)
        .collect()
}

/// All needles at once, matched on word boundaries of normalised text.
pub struct WordMatcher {
    ac: Option<aho_corasick::AhoCorasick>,
}

impl WordMatcher {
    pub fn new(needles: &[String]) -> WordMatcher {
        let pats: Vec<String> = needles.iter().map(|n| format!(" {n} ")).collect();
        WordMatcher {
            ac: (!pats.is_empty())
                .then(|| aho_corasick::AhoCorasick::new(&pats).ok())
                .flatten(),
        }
    }
    pub fn any_in(&self, normalised: &str) -> bool {
        let Some(ac) = &self.ac else { return false };
        let h = format!(" {normalised} ");
        ac.find_overlapping_iter(&h).next().is_some()
    }

    /// Byte ranges of every match in `padded` (normalised text with a space either side).
    pub fn ranges(&self, padded: &str) -> Vec<(usize, usize)> {
        let Some(ac) = &self.ac else {
            return Vec::new();
        };
        ac.find_overlapping_iter(padded)
            .map(|m| (m.start(), m.end()))
            .collect()
    }
}

/// Nouns that make a possessive surname an eponym ("Bell's palsy", "Addison's disease").
const EPONYM_NOUNS: &[&str] = &[
    "exercises",
    "protocol",
    "protocols",
    "cells",
    "disease",
    "syndrome",
    "sign",
    "palsy",
    "phenomenon",
    "test",
    "procedure",
    "operation",
    "score",
    "criteria",
    "maneuver",
    "manoeuvre",
    "reflex",
    "triad",
    "node",
    "nodes",
    "fracture",
    "ulcer",
    "cyst",
    "contracture",
    "law",
    "classification",
    "scale",
    "stain",
    "solution",
    "catheter",
    "tube",
    "line",
    "incision",
    "point",
    "diverticulum",
    "esophagus",
    "oesophagus",
    "lymphoma",
    "sarcoma",
    "tumor",
    "tumour",
    "encephalopathy",
    "thyroiditis",
    "tongs",
    "drain",
    "clamp",
    "forceps",
    "retractor",
    "needle",
    "esophagectomy",
    "oesophagectomy",
];

/// Whether the one or two words right after a name (single spaces, no punctuation) end in
/// an instrument's or a disease's noun ("… Naming Test", "… Coma Scale", "… virus").
pub fn names_instrument(after: &str) -> bool {
    const NOUNS: &[&str] = &[
        "test",
        "tests",
        "scale",
        "score",
        "criteria",
        "classification",
        "inventory",
        "questionnaire",
        "rule",
        "rules",
        "disease",
        "syndrome",
        "virus",
        "fever",
        "battery",
    ];
    let Some(rest) = after.strip_prefix(' ') else {
        return false;
    };
    let words: Vec<&str> = rest.splitn(3, ' ').take(2).collect();
    words.iter().enumerate().any(|(i, w)| {
        let word = w.trim_end_matches([',', '.', ';', ':', ')']);
        // a word between must be a plain word ("Naming", "Coma")
        (i == 0 || words[0].chars().all(char::is_alphabetic))
            && word.chars().all(char::is_alphabetic)
            && NOUNS.contains(&word.to_lowercase().as_str())
    })
}

/// Whether a one-word name is a modal verb in use ("SON JOE CALLED, *WILL* BE IN AM",
/// "may need"): will, may, can, shall or must before a verb or an adverb of its clause.
pub fn modal_use(word: &str, after: &str) -> bool {
    const VERBS: &[&str] = &[
        "be",
        "not",
        "have",
        "need",
        "call",
        "come",
        "go",
        "get",
        "see",
        "visit",
        "follow",
        "continue",
        "cont",
        "update",
        "return",
        "bring",
        "stay",
        "check",
        "discuss",
        "try",
        "make",
        "take",
        "give",
        "require",
        "start",
        "remain",
        "plan",
        "likely",
        "also",
        "probably",
        "want",
        "talk",
        "speak",
        "pick",
        "meet",
        "arrive",
        "notify",
        "contact",
        "transfer",
        "resume",
        "monitor",
        "wean",
        "repeat",
        "reassess",
        "attempt",
        "send",
        "transport",
        "drive",
        "help",
        "provide",
        "sign",
        "decide",
        "consider",
        "ask",
        "keep",
        "assist",
        "look",
        "work",
    ];
    matches!(
        word.trim().to_lowercase().as_str(),
        "will" | "may" | "can" | "shall" | "must"
    ) && VERBS.contains(&first_word_lower(after).as_str())
}

/// The first word of `s` in lower case, letters only ("" when `s` opens with no letter
/// after spaces).
pub fn first_word_lower(s: &str) -> String {
    s.trim_start()
        .chars()
        .take_while(|c| c.is_alphabetic())
        .collect::<String>()
        .to_lowercase()
}

/// The last word of `s` in lower case, letters only ("" when `s` closes with no letter
/// before spaces).
pub fn last_word_lower(s: &str) -> String {
    let w: Vec<char> = s
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect();
    w.into_iter().rev().collect::<String>().to_lowercase()
}

/// A noun that follows an eponym ("palsy", "tongs", "drain").
pub fn eponym_noun(w: &str) -> bool {
    EPONYM_NOUNS.contains(&w.to_lowercase().as_str())
}

/// Written in one casing: every letter upper case, or every letter lower case.
pub fn flat_case(w: &str) -> bool {
    let letters = || w.chars().filter(|c| c.is_alphabetic());
    letters().all(char::is_uppercase) || letters().all(char::is_lowercase)
}

/// Whether `s` holds a negative contraction ("CAN'T", "don’t"): no name does.
pub fn has_contraction(s: &str) -> bool {
    let l = s.to_lowercase();
    l.contains("n't") || l.contains("n’t")
}
