//! Dates and ages: numeric and written-out dates, labelled dates and birth years, and
//! ages from the detector's `min_age` up.

use super::{
    first_word_lower, followed_by_unit, last_word_lower, next_char, num, number_bounded, span,
    valid_md, RuleDetector,
};
use crate::types::{Category, Span};

fn starts_upper(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_uppercase)
}

/// A month word counts when capitalised, or in any casing when the date has a year or the
/// word is a month name or abbreviation that is no ordinary word ("august 22nd", "aug 5";
/// not "may 5", "march 3", "dec 2" = decreased, "mar 2" = the medication record, "sep").
fn month_ok(month: &str, has_year: bool) -> bool {
    let m = month.trim_end_matches('.').to_lowercase();
    starts_upper(month)
        || has_year
        || (m.len() > 3 && !matches!(m.as_str(), "may" | "march" | "sept"))
        || matches!(
            m.as_str(),
            "jan" | "feb" | "apr" | "jun" | "jul" | "aug" | "oct" | "nov"
        )
}

/// Words before a month and day that make them a date in any casing ("until jan 3").
const DATE_PREPOSITIONS: &[&str] = &[
    "on",
    "since",
    "until",
    "till",
    "by",
    "from",
    "before",
    "after",
    "due",
    "admitted",
    "adm",
    "completed",
    "mtg",
    "meeting",
    "scheduled",
    "planned",
    "appt",
    "born",
    "started",
    "done",
];

/// Words after "may" that make it the verb ("the 5th may be", "3rd may need").
const MAY_VERBS: &[&str] = &[
    "be",
    "have",
    "not",
    "also",
    "need",
    "require",
    "cause",
    "help",
    "take",
    "benefit",
    "experience",
    "feel",
    "notice",
    "want",
    "wish",
    "return",
    "continue",
    "get",
    "go",
    "see",
    "use",
    "develop",
    "contact",
    "call",
    "present",
    "still",
    "well",
    "become",
    "include",
    "increase",
    "occur",
    "lead",
    "result",
    "improve",
    "indicate",
    "represent",
    "suggest",
    "affect",
    "follow",
    "show",
    "reflect",
    "only",
    "already",
];

impl RuleDetector {
    pub(super) fn dates(&self, text: &str, out: &mut Vec<Span>) {
        for c in self.date_num.captures_iter(text) {
            let (Some(m), Some(a), Some(b), Some(y)) = (c.get(0), c.get(1), c.get(3), c.get(5))
            else {
                continue;
            };
            let (s1, s2) = (&c[2], &c[4]);
            let (a, b) = (num(a.as_str()), num(b.as_str()));
            let short_year = y.as_str().len() == 2;
            // a dotted date with a two-digit year is day.month.year (UK letters: "4.3.25");
            // never a version number ("v1.2.10")
            let head = text[..m.start()].trim_end().to_lowercase();
            let version = head.ends_with('v') || head.ends_with("version");
            if s1 != s2
                || (short_year && s1 == "." && (!valid_md(b, a) || version))
                || !(valid_md(a, b) || valid_md(b, a))
                || (!short_year && !(1800..=2199).contains(&num(y.as_str())))
                || !(number_bounded(text, m.start(), m.end())
                    || in_date_range(text, m.start(), m.end()))
            {
                continue;
            }
            let score = if short_year { 0.85 } else { 0.95 };
            out.push(span(m.start(), m.end(), Category::Date, score, "date"));
        }
        for c in self.date_iso.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            let glued = next_char(text, m.end()).is_some_and(|ch| ch.is_alphabetic() && ch != 'T');
            if c[2] != c[4]
                || glued
                || !(1800..=2199).contains(&num(&c[1]))
                || !valid_md(num(&c[3]), num(&c[5]))
                || !number_bounded(text, m.start(), m.end())
            {
                continue;
            }
            out.push(span(m.start(), m.end(), Category::Date, 0.95, "date"));
        }
        for c in self.date_mdy_text.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            let has_year = c.get(3).is_some();
            // "until jan 3", "on feb 2": a word that dates puts any month word first
            let dated = DATE_PREPOSITIONS.contains(&last_word_lower(&text[..m.start()]).as_str());
            // a month word and a day that close a clause are a date in any casing
            // ("last menstrual period may 28."; not "may 2 tabs")
            let closes = !has_year
                && text[m.end()..]
                    .chars()
                    .next()
                    .is_none_or(|ch| matches!(ch, '.' | ',' | ';' | ')' | '\n' | '\r'));
            if !(month_ok(&c[1], has_year) || dated || closes) || !(1..=31).contains(&num(&c[2])) {
                continue;
            }
            if !has_year && followed_by_unit(text, m.end()) {
                continue;
            }
            let score = match (has_year, c[1].eq_ignore_ascii_case("may")) {
                (true, _) => 0.95,
                (false, false) => 0.85,
                (false, true) => 0.6,
            };
            out.push(span(m.start(), m.end(), Category::Date, score, "date"));
        }
        for c in self.date_dmy_text.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            // an ordinal day ("19th may", "7TH MARCH") dates any month word in any casing,
            // unless "may" reads as the verb it is ("the 5th may be")
            let ordinal = text[c.get(1).map_or(0, |d| d.end())..]
                .starts_with(|ch: char| ch.is_ascii_alphabetic());
            let modal = c[2].eq_ignore_ascii_case("may")
                && c.get(3).is_none()
                && MAY_VERBS.contains(&first_word_lower(&text[m.end()..]).as_str());
            if !(month_ok(&c[2], c.get(3).is_some()) || (ordinal && !modal))
                || !(1..=31).contains(&num(&c[1]))
            {
                continue;
            }
            let score = if c.get(3).is_some() { 0.95 } else { 0.8 };
            // without a year the date ends with its month word, not a full stop after it
            let end = match c.get(3) {
                Some(y) => y.end(),
                None => c.get(2).map_or(m.end(), |w| w.end()),
            };
            out.push(span(m.start(), end, Category::Date, score, "date"));
        }
        for c in self.date_dash_text.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            if (1..=31).contains(&num(&c[1])) && month_ok(&c[2], true) {
                out.push(span(m.start(), m.end(), Category::Date, 0.95, "date"));
            }
        }
        for c in self.date_month_year.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            if month_ok(&c[1], true) && (1900..=2099).contains(&num(&c[2])) {
                out.push(span(m.start(), m.end(), Category::Date, 0.85, "date"));
            }
        }
        for c in self.date_num_month_year.captures_iter(text) {
            let Some(m) = c.get(0) else { continue };
            if (1..=12).contains(&num(&c[1]))
                && (1900..=2099).contains(&num(&c[2]))
                && number_bounded(text, m.start(), m.end())
            {
                out.push(span(m.start(), m.end(), Category::Date, 0.8, "date"));
            }
        }
        for r in [&self.date_labelled, &self.dob_year] {
            for c in r.captures_iter(text) {
                if let Some(v) = c.get(1) {
                    out.push(span(v.start(), v.end(), Category::Date, 0.97, "date"));
                }
            }
        }
    }

    pub(super) fn ages(&self, text: &str, out: &mut Vec<Span>) {
        for (r, score) in [
            (&self.age_years, 0.95),
            (&self.age_yo, 0.9),
            (&self.age_label, 0.85),
        ] {
            for c in r.captures_iter(text) {
                let (Some(m), Some(v)) = (c.get(0), c.get(1)) else {
                    continue;
                };
                let glued = next_char(text, m.end()).is_some_and(char::is_alphanumeric);
                if (self.min_age..=130).contains(&num(v.as_str())) && !glued {
                    out.push(span(v.start(), v.end(), Category::Age, score, "age"));
                }
            }
        }
        // an age glued to a sex after a name, where a column, a comma or a record label
        // follows ("castellano 93f  mrn"; not "T 99F", "walked 100 m with pt")
        for c in self.age_sex.captures_iter(text) {
            let (Some(m), Some(v), Some(rest)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            let word = m.as_str()[..v.start() - m.start()]
                .trim_end()
                .to_lowercase();
            let measured = matches!(
                word.trim_end_matches(['.', ',']),
                "t" | "temp"
                    | "tmax"
                    | "tm"
                    | "fever"
                    | "febrile"
                    | "to"
                    | "of"
                    | "x"
                    | "wt"
                    | "walked"
                    | "ambulated"
                    | "amb"
                    | "distance"
            );
            let r = rest.as_str();
            // (a comma closes only a glued one: "ambulated in hall 100 m, tolerated")
            let glued = !m.as_str()[v.end() - m.start()..].starts_with([' ', '\t']);
            let closes = r.is_empty()
                || r.starts_with(['\t', '|'])
                || (glued && r.starts_with([',', ';']))
                || r.starts_with("  ")
                || ["mrn", "dob", "rm", "room", "bed", "acct"]
                    .iter()
                    .any(|l| first_word_lower(r) == *l);
            if !measured && closes && (self.min_age..=130).contains(&num(v.as_str())) {
                out.push(span(v.start(), v.end(), Category::Age, 0.85, "age"));
            }
        }
        // an age in words ("NINETY-TWO YEAR OLD", "turned ninety")
        for c in self.age_words.captures_iter(text) {
            let Some(v) = c.get(1).or(c.get(2)) else {
                continue;
            };
            if spelled_age(v.as_str()).is_some_and(|a| (self.min_age..=130).contains(&a)) {
                out.push(span(v.start(), v.end(), Category::Age, 0.85, "age"));
            }
        }
        // an age after the person it is of ("pt's mother is 91", "wife (93)", "HUSBAND
        // ELMER (92)"); not a measure ("he is 95%", "she was 92 kg")
        for c in self.age_person.captures_iter(text) {
            let Some(v) = c.get(1).or(c.get(2)) else {
                continue;
            };
            let rest = &text[v.end()..];
            let measure = rest.starts_with(|ch: char| ch.is_alphanumeric() || ch == '%')
                || rest.starts_with(['.', '/'])
                    && rest[1..].starts_with(|ch: char| ch.is_ascii_digit())
                || followed_by_unit(text, v.end());
            if (self.min_age..=130).contains(&num(v.as_str())) && !measure {
                out.push(span(v.start(), v.end(), Category::Age, 0.8, "age"));
            }
        }
    }
}

/// Ages written in words, as a regex alternation: twenty to ninety-nine, and one hundred
/// to one hundred and twelve.
pub(super) const AGE_WORDS: &str = r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?|(?:one|a)[- ]hundred(?:[- ](?:and[- ])?(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve))?";

/// The value of an age in words matched by [`AGE_WORDS`].
fn spelled_age(w: &str) -> Option<u32> {
    const UNITS: [&str; 12] = [
        "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
        "twelve",
    ];
    const TENS: [&str; 8] = [
        "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
    ];
    let lower = w.to_lowercase();
    let words: Vec<&str> = lower
        .split(['-', ' ', '\t'])
        .filter(|p| !p.is_empty() && *p != "and")
        .collect();
    let unit = |p: &str| UNITS.iter().position(|u| *u == p).map(|i| i as u32 + 1);
    match words.as_slice() {
        [t] => TENS.iter().position(|x| x == t).map(|i| 20 + 10 * i as u32),
        [t, u] if TENS.contains(t) => Some(spelled_age(t)? + unit(u)?),
        ["one" | "a", "hundred"] => Some(100),
        ["one" | "a", "hundred", u] => Some(100 + unit(u)?),
        _ => None,
    }
}

/// Whether the slashed date at `start..end` is one end of a range of slashed dates
/// joined by a dash ("9/9/24-*9/10/24*", "*9/9/2024*-9/10/2024", "9/9-*9/10/24*"), which
/// glues it to the other's digits.
fn in_date_range(text: &str, start: usize, end: usize) -> bool {
    let slashed = |t: &str| {
        let parts: Vec<&str> = t.split('/').collect();
        (2..=3).contains(&parts.len())
            && parts
                .iter()
                .all(|p| (1..=4).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit()))
    };
    let dash = |c: char| c == '-' || c == '–';
    let after = text[end..].strip_prefix(dash).map(|r| {
        r.split(|c: char| !(c.is_ascii_digit() || c == '/'))
            .next()
            .unwrap_or("")
    });
    let before = text[..start].strip_suffix(dash).map(|h| {
        h.rsplit(|c: char| !(c.is_ascii_digit() || c == '/'))
            .next()
            .unwrap_or("")
    });
    after.is_some_and(slashed) || before.is_some_and(slashed)
}
