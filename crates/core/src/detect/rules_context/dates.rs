//! Month/day dates without a year and years after an apostrophe, told apart from
//! scores, fractions and measurements.

use super::ContextRules;
use crate::detect::rules::rules_dict::Dicts;
use crate::detect::rules::{
    first_word_lower, followed_by_unit, last_word_lower, next_char, num, prev_char, span, valid_md,
};
use crate::types::{Category, Span};

impl ContextRules {
    /// Month/day without a year ("4/12"), which clinical notes use for every event, and
    /// years after an apostrophe ("MI '92"). Fractions, scores and ratios are not dates.
    pub(super) fn dates(&self, text: &str, out: &mut Vec<Span>) {
        // the end of a range already taken ("2/3-2/5": its second date is part of it)
        let mut taken = 0;
        for c in self.date_md.captures_iter(text) {
            let (Some(m), Some(a), Some(b)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            if m.start() < taken {
                continue;
            }
            let (mo, dy) = (num(a.as_str()), num(b.as_str()));
            // a range of days ("10/23-24", "2/3-2/5") is one date, read as the first
            let range = md_range_end(text, m.end(), mo, dy);
            let m_end = range.map_or(m.end(), |(end, _)| end);
            let paired = range.is_some_and(|(_, pair)| pair);
            // "banded 4/98": a month and a two-digit year that cannot be a day
            let month_year = b.as_str().len() == 2 && dy > 31;
            if !(1..=12).contains(&mo) || !((1..=31).contains(&dy) || month_year) {
                continue;
            }
            // part of a longer date, a ratio (120/80), a score (7/10) or a fraction (1/2)
            // a sentence may end right after the date ("on 4/12.")
            let rest = text.get(m_end..).unwrap_or("");
            // ("test, 10/08.,PAST HISTORY": a stop before other punctuation too; not "4/12.5")
            let full_stop = rest.starts_with('.')
                && rest[1..]
                    .chars()
                    .next()
                    .is_none_or(|ch| !ch.is_alphanumeric());
            let glued = prev_char(text, m.start())
                .is_some_and(|ch| ch.is_ascii_digit() || matches!(ch, '/' | '.' | '-' | ':'))
                || (next_char(text, m_end)
                    .is_some_and(|ch| ch.is_alphanumeric() || matches!(ch, '/' | '%' | '.' | '-'))
                    && !full_stop);
            // a day written with a leading zero ("2/02", "1/04") is no fraction or shorthand;
            // nor is a range to a second month/day
            // (a range to a second month/day is no score or setting either: "BIPAP
            // 12/2-12/4"; "PS 5/5-5/8" keeps its look)
            let padded = b.as_str().starts_with('0') || paired;
            let fraction = (dy <= 4 || dy == 8) && mo < dy && !padded;
            if month_year
                && (range.is_some()
                    || glued
                    || followed_by_unit(text, m_end)
                    || score_context(text, m.start(), m_end))
            {
                continue;
            }
            let same = mo == dy && mo <= 3 && !padded; // "2/2" = secondary to
                                                       // "8/10 pain": a pain score
            let score_like = dy == 10 && first_word_lower(rest) == "pain";
            // "BORN 1/2", "ADMITTED 3/4": a word that dates an event outweighs the look
            // of a fraction
            let before = last_word_lower(&text[..m.start()]);
            // a weekday dates it too ("ADMITTED SUNDAY 2/8"; of the abbreviations not
            // sat and sun, which are words), and so does a dating word before a clock time
            // ("DUE 1540 3/4")
            let dating = |w: &str| {
                matches!(
                    w,
                    "born"
                        | "on"
                        | "since"
                        | "admitted"
                        | "adm"
                        | "dob"
                        | "dated"
                        | "until"
                        | "due"
                ) || crate::text::weekday_word(w)
            };
            let head = text[..m.start()].trim_end_matches([' ', '\t']);
            let clock = head.rsplit(char::is_whitespace).next().unwrap_or("");
            let clock_before = crate::text::bare_clock(clock);
            let dated = dating(&before)
                || (clock_before && dating(&last_word_lower(&head[..head.len() - 4])));
            // "CT 1/8", "cxr 4/12 w/ bilat effusions", "MRI 4/28 showed 4cm": a test or
            // procedure right before dates it, whatever looks like a score after it
            let tested = TEST_BEFORE.contains(&before.as_str());
            // "intubated 2/2 at osh": a "2/2" closing a clause or before a place or time
            // word is a date, not "secondary to"
            let same_closes = {
                let r = rest.trim_start_matches([' ', '\t']);
                r.is_empty()
                    || r.starts_with([',', ';', ')', '\n', '\r'])
                    || full_stop
                    || matches!(first_word_lower(r).as_str(), "at" | "in" | "and")
                    || r.starts_with('@')
            };
            // "1/3 CT NEG": a fraction-looking date opening a clause, no quantity after it
            // ("1/2 NS", "3/4 of meal", "1/2 tab")
            let opens_clause = text[..m.start()]
                .trim_end_matches([' ', '\t'])
                .chars()
                .next_back()
                .is_none_or(|ch| matches!(ch, '.' | ';' | ':' | '\n' | '\r' | '('));
            let quantity = FRACTION_AFTER.contains(&first_word_lower(rest).as_str());
            let clause_date = opens_clause && !quantity;
            // "HEARING SCREEN PASSED BIL 2/4", "hep b given 1/3": an event verb among the
            // three words before, no quantity after
            let event_near = !quantity
                && text[..m.start()]
                    .rsplit(['.', ';', '\n'])
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .rev()
                    .take(3)
                    .any(|w| EVENT_VERBS.contains(&w.to_lowercase().as_str()));
            if glued
                || after_gestation_weeks(text, m.start(), a.as_str(), b.as_str())
                || (fraction && !dated && !clause_date && !tested && !event_near)
                || (same && !dated && !same_closes)
                || score_like
                || (followed_by_unit(text, m_end) && !(tested && side_after(rest)))
                || (score_context(text, m.start(), m_end) && !tested && !(paired && mo != dy))
            {
                continue;
            }
            taken = m_end;
            out.push(span(m.start(), m_end, Category::Date, 0.8, "date"));
        }
        let mut dash_months: Vec<(u32, usize)> = Vec::new();
        for c in self.date_md_dash.captures_iter(text) {
            let (Some(d), Some(a), Some(b)) = (c.get(1), c.get(2), c.get(3)) else {
                continue;
            };
            let (mo, dy) = (num(a.as_str()), num(b.as_str()));
            let shift = first_word_lower(&text[d.end()..]) == "shift";
            // a colon glues a clock's minutes ("7-3:30"), not a label's end ("LABS 9-6: ALB")
            let minutes = text[d.end()..]
                .strip_prefix(':')
                .is_some_and(|r| r.starts_with(|ch: char| ch.is_ascii_digit()));
            let glued = minutes
                || next_char(text, d.end())
                    .is_some_and(|ch| ch.is_alphanumeric() || matches!(ch, '/' | '-'));
            if valid_md(mo, dy) && !glued && !shift && !followed_by_unit(text, d.end()) {
                out.push(span(d.start(), d.end(), Category::Date, 0.75, "date"));
                dash_months.push((mo, d.start()));
            }
        }
        // a text that dates a month with a dash ("ADMITTED 3-2") dates its other days of
        // that month so too ("TX FROM CCU 3-4", "GTT OFF 3-5", "D/C HOME 3-8"), unless a
        // quantity, a unit or a measure makes it a range ("x 3-4", "3-4 L", "PAIN 3-4")
        for c in self.md_dash_any.captures_iter(text) {
            let (Some(d), Some(a), Some(b)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            if dash_months.iter().any(|&(_, at)| at == d.start()) {
                continue;
            }
            let (mo, dy) = (num(a.as_str()), num(b.as_str()));
            let dated_month = dash_months.iter().any(|&(m, _)| m == mo);
            let glued_before = number_glued_before(text, d.start())
                || prev_char(text, d.start()).is_some_and(|ch| ch.is_alphanumeric() || ch == '~');
            let decimal = text[d.end()..]
                .strip_prefix('.')
                .is_some_and(|r| r.starts_with(|ch: char| ch.is_ascii_digit()));
            let glued = decimal
                || next_char(text, d.end())
                    .is_some_and(|ch| ch.is_alphanumeric() || matches!(ch, '/' | '-' | ':' | '%'));
            let before = last_word_lower(&text[..d.start()]);
            let measure = matches!(
                before.as_str(),
                "x" | "q"
                    | "for"
                    | "about"
                    | "approx"
                    | "approximately"
                    | "pain"
                    | "hr"
                    | "rr"
                    | "bp"
                    | "sbp"
                    | "map"
                    | "sat"
                    | "sats"
                    | "temp"
                    | "uo"
                    | "score"
                    | "level"
                    | "grade"
                    | "pulses"
                    | "every"
                    | "needs"
                    | "need"
                    | "req"
                    | "requiring"
                    | "takes"
                    | "take"
                    | "of"
                    | "to"
                    | "from"
                    | "between"
                    | "only"
                    | "last"
            ) || score_context(text, d.start(), d.end());
            // "K. WOJCIK, PT, DPT  12-6": a signature's date closing its line after a
            // credential
            let signed = text[d.end()..]
                .split('\n')
                .next()
                .unwrap_or("")
                .trim()
                .is_empty()
                && matches!(
                    before.as_str(),
                    "rn" | "bsn"
                        | "dpt"
                        | "rd"
                        | "ldn"
                        | "msw"
                        | "lcsw"
                        | "licsw"
                        | "rrt"
                        | "ccrn"
                        | "ibclc"
                        | "otr"
                );
            // "appt made for 8-21 @ 10:15": a month-day before the clock time of an
            // appointment
            let appointed = {
                let r = text[d.end()..].trim_start_matches([' ', '\t']);
                r.strip_prefix('@')
                    .or_else(|| r.strip_prefix("at "))
                    .or_else(|| r.strip_prefix("AT "))
                    .map(|x| x.trim_start_matches([' ', '\t']))
                    .is_some_and(|x| {
                        let w: String = x
                            .chars()
                            .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == ':')
                            .collect();
                        let (h, m) = w.split_once(':').unwrap_or((w.as_str(), ""));
                        crate::text::bare_clock(&w)
                            || (!h.is_empty()
                                && h.len() <= 2
                                && h.chars().all(|ch| ch.is_ascii_digit())
                                && m.len() >= 2
                                && m[..2].chars().all(|ch| ch.is_ascii_digit()))
                    })
            };
            if (dated_month || signed || appointed)
                && valid_md(mo, dy)
                && !glued
                && !glued_before
                && (!measure || (appointed && before == "for"))
                && !followed_by_unit(text, d.end())
                && first_word_lower(&text[d.end()..]) != "shift"
            {
                out.push(span(d.start(), d.end(), Category::Date, 0.7, "date"));
            }
        }
        for m in self.year_bare.find_iter(text) {
            if event_year(text, m.start(), m.end()) {
                out.push(span(m.start(), m.end(), Category::Date, 0.6, "date"));
            }
        }
        // "(1983-1988)", "smoked 1990-2005": a range of past years, forward, standing alone
        for c in self.year_range.captures_iter(text) {
            let (Some(m), Some(a), Some(b)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            let (from, to) = (num(a.as_str()), num(b.as_str()));
            let glued = number_glued_before(text, m.start())
                || next_char(text, m.end())
                    .is_some_and(|ch| ch.is_alphanumeric() || matches!(ch, '/' | '-' | ':' | '%'));
            if from < to
                && to <= crate::policy::current_year() as u32 + 1
                && !glued
                && !followed_by_unit(text, m.end())
            {
                out.push(span(m.start(), m.end(), Category::Date, 0.6, "date"));
            }
        }
        for c in self.year_short_in.captures_iter(text) {
            let (Some(w), Some(y)) = (c.get(1), c.get(2)) else {
                continue;
            };
            // an event word, not a time preposition ("cabg in 87"; not "sats in 90s",
            // "hr in 80")
            let event = EVENT_BEFORE.contains(&w.as_str().to_lowercase().as_str());
            let bounded = !text[y.end()..]
                .starts_with(|ch: char| ch.is_alphanumeric() || ch == '%')
                && !followed_by_unit(text, y.end());
            if event && bounded {
                out.push(span(y.start(), y.end(), Category::Date, 0.6, "date"));
            }
        }
        for c in self.year_apostrophe.captures_iter(text) {
            if let Some(y) = c.get(1) {
                let quote_closes = text.get(y.end()..).is_some_and(|r| r.starts_with('\''));
                if !quote_closes {
                    // a month written before it is part of the date ("JAN '99", "sept '02")
                    let head = text[..y.start()].trim_end_matches([' ', '\t']);
                    let month = last_word_lower(head);
                    let start = if head.len() < y.start()
                        && month.len() >= 3
                        && crate::text::MONTHS
                            .iter()
                            .any(|m| m.starts_with(month.as_str()))
                    {
                        head.len() - month.len()
                    } else {
                        y.start()
                    };
                    out.push(span(start, y.end(), Category::Date, 0.7, "date"));
                }
            }
        }
    }

    /// A day of the month on its own closing a phrase ("on the 28th.", "since the 3rd,";
    /// not "the 5th percentile", "the 4th ventricle").
    pub(super) fn ordinal_days(&self, dicts: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.ordinal_day.captures_iter(text) {
            let Some(d) = c.get(1) else { continue };
            // closing a phrase, or before a function word ("ON THE 29TH BUT DIDN'T")
            let rest = text[d.end()..].trim_start_matches([' ', '\t']);
            let closes = rest.is_empty() || rest.starts_with(['.', ',', ';', ':', ')', '\n']) || {
                let w = first_word_lower(rest);
                !w.is_empty()
                    && (dicts.stop(&w)
                        || matches!(
                            w.as_str(),
                            "but" | "and" | "or" | "so" | "then" | "when" | "after" | "before"
                        ))
            };
            if closes {
                out.push(span(d.start(), d.end(), Category::Date, 0.7, "date"));
            }
        }
    }

    /// A month on its own after a word that dates ("in October", "since last March").
    /// In mixed-case text the month is capitalised; "may" only as "May"/"MAY".
    pub(super) fn months(&self, text: &str, flat: bool, out: &mut Vec<Span>) {
        // a range of two different months dates both, in any casing ("nov-apr")
        for c in self.month_range.captures_iter(text) {
            let (Some(a), Some(b)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let glued =
                next_char(text, b.end()).is_some_and(|ch| ch.is_alphanumeric() || ch == '-');
            if !a.as_str().eq_ignore_ascii_case(b.as_str()) && !glued {
                out.push(span(a.start(), a.end(), Category::Date, 0.75, "date"));
                out.push(span(b.start(), b.end(), Category::Date, 0.75, "date"));
            }
        }
        for c in self.month_alone.captures_iter(text) {
            let Some(mo) = c.get(1) else { continue };
            let w = mo.as_str();
            let capital = w.starts_with(char::is_uppercase);
            if !capital && (!flat || w.eq_ignore_ascii_case("may")) {
                continue;
            }
            // "in Mar 2024", "since October 3": the longer date rules take those
            let rest = text[mo.end()..].trim_start_matches([' ', '\t', '.', ',']);
            if rest.starts_with(|ch: char| ch.is_ascii_digit()) {
                continue;
            }
            // "THIS MAY BE", "this may have": the verb unless the phrase closes or a
            // function word follows ("in May, she", "since May when")
            if w.eq_ignore_ascii_case("may") {
                let r = text[mo.end()..].trim_start_matches([' ', '\t']);
                let closes = r.is_empty() || r.starts_with([',', '.', ';', ':', ')', '\n', '\r']);
                let next = first_word_lower(r);
                let function = matches!(
                    next.as_str(),
                    "and"
                        | "or"
                        | "of"
                        | "at"
                        | "in"
                        | "when"
                        | "after"
                        | "before"
                        | "until"
                        | "through"
                        | "thru"
                        | "to"
                        | "with"
                        | "the"
                        | "last"
                        | "this"
                );
                if !closes && !function {
                    continue;
                }
            }
            out.push(span(mo.start(), mo.end(), Category::Date, 0.7, "date"));
        }
    }
}

/// Words right before a year on its own that date it ("in 1998", "s/p 2004", "diagnosed
/// 1992"); the events of [`EVENT_BEFORE`] do too ("MI 1998").
const YEAR_BEFORE: &[&str] = &[
    "in",
    "since",
    "s/p",
    "sp",
    "hx",
    "dx",
    "dx'd",
    "diagnosed",
    "placed",
    "during",
    "circa",
    "year",
    "summer",
    "spring",
    "fall",
    "autumn",
    "winter",
    "christmas",
    "early",
    "late",
    "mid",
    "ca",
    "cancer",
    "done",
    "performed",
];

/// Seasons and parts of a year before "of" and a year ("fall of 2007", "end of 1998").
const OF_YEAR_BEFORE: &[&str] = &[
    "summer",
    "spring",
    "fall",
    "autumn",
    "winter",
    "end",
    "beginning",
    "start",
    "middle",
    "half",
    "part",
];

/// Events a year after "in" dates ("cabg in 87", "MI in '96").
const EVENT_BEFORE: &[&str] = &[
    "mi",
    "imi",
    "ami",
    "stemi",
    "nstemi",
    "cabg",
    "cva",
    "tia",
    "pci",
    "ptca",
    "stent",
    "stents",
    "stented",
    "avr",
    "mvr",
    "tkr",
    "thr",
    "tka",
    "tha",
    "surgery",
    "repair",
    "bypass",
    "transplant",
    "fracture",
    "fx",
    "stroke",
    "arrest",
    "dx",
    "dx'd",
    "diagnosed",
    "placed",
    "removed",
    "repaired",
    "quit",
    "stopped",
    "died",
    "passed",
    "married",
    "retired",
    "tah",
    "bso",
    "appy",
    "chole",
    "ccy",
    "lumpectomy",
    "mastectomy",
    "hysterectomy",
    "sab",
    "turp",
    "orif",
    "acdf",
    "cea",
    "ppm",
    "aicd",
    "icd",
    "pacer",
    "pacemaker",
    "ablation",
    "dvt",
    "amputation",
    "bka",
    "chemo",
    "xrt",
    "banded",
    "ligated",
    "resected",
    "hospitalized",
    "admitted",
    "implanted",
    "widowed",
    "divorced",
    "smoking",
    "drinking",
    // behavioural health and public health ("LAST SELF-HARM 2020", "WITHDRAWAL SEIZURE
    // 2022", "TDAP 2018", "DES TO LAD 2020")
    "seizure",
    "seizures",
    "harm",
    "overdose",
    "overdosed",
    "od",
    "relapse",
    "relapsed",
    "incarcerated",
    "released",
    "evicted",
    "deported",
    "arrested",
    "tdap",
    "bcg",
    "lad",
    "rca",
    "lcx",
];

/// The end of a range of days after a month/day at `..end` ("10/23-24", "2/3-2/5",
/// "12/30-1/2"), and whether it runs to a second month/day: the range must go forward.
/// Whether it stands alone is the caller's glued check at its end.
fn md_range_end(text: &str, end: usize, mo: u32, dy: u32) -> Option<(usize, bool)> {
    let rest = text.get(end..)?.strip_prefix('-')?;
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).count();
    let n1 = digits(rest);
    if !(1..=2).contains(&n1) {
        return None;
    }
    let first = num(&rest[..n1]);
    let (len, pair) = match rest[n1..].strip_prefix('/') {
        Some(tail) => {
            let n2 = digits(tail);
            if !(1..=2).contains(&n2) {
                return None;
            }
            let day = num(&tail[..n2]);
            let forward = (first == mo && day > dy) || first == mo % 12 + 1;
            if !valid_md(first, day) || !forward {
                return None;
            }
            (n1 + 1 + n2, true)
        }
        None if first > dy && first <= 31 => (n1, false),
        None => return None,
    };
    Some((end + 1 + len, pair))
}

/// Words before a year that make it a clock time ("since 2000", "at 2030", "until 2015"):
/// only taken as a year when the number cannot be a time.
const TIME_BEFORE: &[&str] = &["since", "at", "until", "til", "till", "by", "from", "to"];

/// A number at `start` continues another one or a sign before it ("12/1998", "$2005",
/// "#1990"): no year of its own.
fn number_glued_before(text: &str, start: usize) -> bool {
    prev_char(text, start)
        .is_some_and(|ch| ch.is_ascii_digit() || matches!(ch, '/' | '.' | '-' | ':' | '#' | '$'))
}

/// A four-digit year on its own in the context of a past event. The number must stand
/// alone (not part of a date, range, decimal or quantity); a number that is also a clock
/// time (2000, 2015, 1930) needs a word other than a time preposition before it.
fn event_year(text: &str, start: usize, end: usize) -> bool {
    let glued_before = number_glued_before(text, start);
    let rest = text.get(end..).unwrap_or("");
    let glued_after = rest.starts_with(['/', '-', ':'])
        || (rest.starts_with(['.', ',']) && rest[1..].starts_with(|c: char| c.is_ascii_digit()))
        || next_char(text, end).is_some_and(char::is_alphanumeric);
    if glued_before || glued_after || followed_by_unit(text, end) {
        return false;
    }
    let y = num(&text[start..end]);
    if y > crate::policy::current_year() as u32 + 1 {
        return false;
    }
    let head = text[..start].trim_end();
    let prev: String = head
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '/' | '\''))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<String>()
        .to_lowercase();
    // "previous inferior MI (2017)": a year in brackets after a word
    if head.ends_with('(') && rest.starts_with(')') {
        return head[..head.len() - 1].ends_with(|c: char| c.is_alphabetic() || c == ' ');
    }
    // a clock time is written to the nearest five minutes ("since 2000", "at 1930");
    // "since 2008" is a year
    let clock = (y / 100) < 24 && (y % 100) < 60 && (prev != "since" || y.is_multiple_of(5));
    if clock && TIME_BEFORE.contains(&prev.as_str()) {
        return false;
    }
    // "in the fall of 2007", "end of 1998": a season or part of a year, "of", the year
    if prev == "of" {
        let before = last_word_lower(head[..head.len() - 2].trim_end());
        return OF_YEAR_BEFORE.contains(&before.as_str());
    }
    // "Hepatitis C - 1995.": a year after a dash closing an item of a history list
    if head.ends_with(" -")
        && head[..head.len() - 2].ends_with(|c: char| c.is_alphanumeric())
        && rest
            .trim_start_matches([' ', '\t'])
            .chars()
            .next()
            .is_none_or(|c| matches!(c, '.' | ',' | ';' | ')' | '\n' | '\r'))
    {
        return true;
    }
    // "your 2005 note", "the 2007 MRI": a year between a determiner and a record or an
    // examination it dates
    if matches!(
        prev.as_str(),
        "the" | "your" | "his" | "her" | "their" | "my" | "our"
    ) && RECORD_AFTER.contains(&first_word_lower(rest).as_str())
    {
        return true;
    }
    // "tah/bso 1988": the last of two procedures joined by a slash
    let last = prev.rsplit('/').next().unwrap_or_default();
    YEAR_BEFORE.contains(&prev.as_str())
        || EVENT_BEFORE.contains(&prev.as_str())
        || EVENT_BEFORE.contains(&last)
        || prev.ends_with("ectomy")
        || prev.ends_with("otomy")
        || prev.ends_with("plasty")
        || prev.ends_with("oscopy")
        || prev.ends_with("ostomy")
}

/// Records and examinations a year before them dates ("your 2005 note", "the 2007 MRI").
const RECORD_AFTER: &[&str] = &[
    "note",
    "notes",
    "letter",
    "visit",
    "admission",
    "hospitalization",
    "report",
    "records",
    "evaluation",
    "exam",
    "examination",
    "mri",
    "ct",
    "scan",
    "study",
    "echo",
    "echocardiogram",
    "ekg",
    "ecg",
    "colonoscopy",
    "biopsy",
    "labs",
    "consultation",
    "surgery",
    "operation",
    "discharge",
    "xray",
    "mammogram",
    "assessment",
];

/// Verbs of a past event that date a fraction-looking month/day a few words after them
/// ("HEARING SCREEN PASSED BIL 2/4").
const EVENT_VERBS: &[&str] = &[
    "passed",
    "given",
    "done",
    "sent",
    "drawn",
    "placed",
    "started",
    "stopped",
    "inserted",
    "removed",
    "changed",
    "screened",
    "seen",
    "failed",
    "completed",
    "intubated",
    "extubated",
    "transfused",
    "transferred",
    "discharged",
];

/// Tests and procedures a month/day right after them dates ("CXR 4/12", "CT 1/8").
const TEST_BEFORE: &[&str] = &[
    "cxr",
    "ct",
    "cta",
    "mri",
    "mra",
    "echo",
    "tte",
    "tee",
    "ekg",
    "ecg",
    "eeg",
    "kub",
    "hus",
    "egd",
    "ercp",
    "cath",
    "angio",
    "bcx",
    "ucx",
    "cx",
    "cultures",
    "labs",
    "lytes",
    "intubated",
    "extubated",
    "planned",
    "scheduled",
];

/// Words after a fraction that make it a quantity ("1/2 NS", "3/4 of meal", "1/4
/// strength").
const FRACTION_AFTER: &[&str] = &[
    "of",
    "tab",
    "tabs",
    "tablet",
    "tablets",
    "ns",
    "nss",
    "strength",
    "cup",
    "cups",
    "inch",
    "in",
    "dose",
    "doses",
    "amp",
    "amps",
    "tsp",
    "tbsp",
    "teaspoon",
    "glass",
    "bottle",
    "pill",
    "pills",
    "liter",
    "normal",
    "full",
    "max",
    "maintenance",
    "rate",
    "the",
    "cc",
    "ml",
    "mg",
    "way",
    "to",
    "and",
    "or",
    "x",
    "pt",
    "pts",
    "time",
    "times",
    "hour",
    "hr",
    "hrs",
    "side",
    "rails",
    "siderails",
    "lobe",
    "lung",
    "length",
    "dressing",
    "tablespoon",
];

/// Words before a fraction that make it a score or measurement ("strength is 5/5",
/// "pupils 4/4", "chest pain is 8/10"), looked for among the three words before it.
const SCORE_BEFORE: &[&str] = &[
    "bp",
    "mae",
    "pressure",
    "discomfort",
    "psv",
    "grip",
    "cp",
    "bipap",
    "ipap",
    "epap",
    "peep",
    "ps",
    "settings",
    "ha",
    "headache",
    "pain",
    "score",
    "ratio",
    "strength",
    "power",
    "grade",
    "gcs",
    "apgar",
    "apgars",
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
    "dtrs",
    "dtr",
    "tone",
    "acuity",
    "tof",
    "crackles",
    "rales",
    // ratings in behavioural health ("CRAVINGS 2/10", "inattention 6/9")
    "cravings",
    "craving",
    "urges",
    "mood",
    "anxiety",
    "inattention",
    "hyperactivity",
];

/// Limbs, sides and muscles before a score, looked for like [`SCORE_BEFORE`]: after one of
/// them only a fraction out of five or less is a score ("quad 3/5"; not "hand splint
/// (fabricated 9/23)").
const GRADED: &[&str] = &[
    "arm",
    "arms",
    "side",
    "leg",
    "legs",
    "hand",
    "hands",
    "foot",
    "feet",
    "deltoid",
    "deltoids",
    "biceps",
    "triceps",
    "quads",
    "quad",
    "hamstring",
    "hamstrings",
    "glutes",
    "flexors",
    "extensors",
    "abductors",
    "adductors",
    "dorsiflexion",
    "plantarflexion",
    "muscle",
    "muscles",
    "extremities",
    "extremity",
];

/// Limbs and sides before a muscle grade out of five ("RUE 2/5", "LEFT 5/5", "R SIDED
/// WEAKNESS 3/5").
const GRADE_BEFORE: &[&str] = &[
    "weakness",
    "rue",
    "rle",
    "lue",
    "lle",
    "bue",
    "ble",
    "ue",
    "le",
    "left",
    "right",
    "lt",
    "rt",
    "ues",
    "les",
    "flexion",
    "extension",
    "abduction",
    "adduction",
    "dorsiflexion",
    "plantarflexion",
    "deltoid",
    "deltoids",
    "biceps",
    "triceps",
    "quad",
    "quads",
    "grip",
    "hamstrings",
    "iliopsoas",
];

/// Words right after a fraction that make it a score or measurement ("5/5 strength",
/// "2/6 systolic murmur", "4/4 distal weakness", "10/11 mm trocar").
const SCORE_AFTER: &[&str] = &[
    "strength",
    "bilat",
    "cp",
    "grip",
    "murmur",
    "systolic",
    "diastolic",
    "holosystolic",
    "pansystolic",
    "sem",
    "hsm",
    "continuous",
    "harsh",
    "blowing",
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
    "bottles",
    "bottle",
    "ns",
];

/// Whether `text[start..end]`, two numbers around a slash ("118/62", "2/7", "4/10"),
/// is a measurement rather than a month and day: no valid month/day either way round, a
/// unit after it ("2/7 wks") or a score or vital-sign context ("BP 118/62", "pressure
/// 4/10"). Other text is never one.
pub fn month_day_is_measure(text: &str, start: usize, end: usize) -> bool {
    let Some((a, b)) = text.get(start..end).and_then(|t| t.split_once('/')) else {
        return false;
    };
    // a gestational age in weeks and sevenths ("27 3/7", "(39 1/7 WKS"), whether the
    // span holds the weeks or follows them
    if let Some((weeks, a)) = a.split_once(' ') {
        return gestation(weeks, a, b);
    }
    if after_gestation_weeks(text, start, a, b) {
        return true;
    }
    let Some((a, b)) = fraction_parts(a, b) else {
        return false;
    };
    // an inch mark closes a size, not a quotation ("20G 3/4\" HUBER"; not "\"3/4\"")
    let inches =
        text[end..].starts_with(['"', '”']) && !text[..start].ends_with(['"', '“']) && b <= 16;
    inches || no_month_day(a, b) || followed_by_unit(text, end) || score_context(text, start, end)
}

/// Weeks and sevenths of a gestational age ("27", "3", "7" of "27 3/7").
fn gestation(weeks: &str, a: &str, b: &str) -> bool {
    weeks.len() == 2
        && weeks.chars().all(|c| c.is_ascii_digit())
        && (20..=44).contains(&num(weeks))
        && a.len() == 1
        && b == "7"
}

/// Whether the fraction `a`/`b` at `start` follows the weeks of a gestational age ("CGA
/// 33 3/7").
fn after_gestation_weeks(text: &str, start: usize, a: &str, b: &str) -> bool {
    text.get(..start)
        .unwrap_or("")
        .strip_suffix(' ')
        .is_some_and(|h| {
            let k = h.len().saturating_sub(2);
            h.get(k..).is_some_and(|w| gestation(w, a, b))
                && !h[..k].ends_with(|c: char| c.is_alphanumeric())
        })
}

/// The two numbers of a fraction written with one to three digits on each side ("118",
/// "62" of "118/62").
fn fraction_parts(a: &str, b: &str) -> Option<(u32, u32)> {
    let digits = |s: &str| !s.is_empty() && s.len() <= 3 && s.chars().all(|c| c.is_ascii_digit());
    (digits(a) && digits(b)).then(|| (num(a), num(b)))
}

/// Whether two numbers are a month and a day neither way round ("118/62", "7/40").
fn no_month_day(a: u32, b: u32) -> bool {
    !(valid_md(a, b) || valid_md(b, a))
}

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
    // "c/o h/a 6/10", "c/o 2/10 cp": a complaint rated out of ten
    let lower_head = head.to_lowercase();
    if text[start..end].ends_with("/10")
        && (lower_head.trim_end().ends_with("h/a") || lower_head.trim_end().ends_with("c/o"))
    {
        return true;
    }
    let before = words(head);
    // the two numbers around the slash
    let fraction = text[start..end]
        .split_once('/')
        .map(|(a, b)| (num(a), num(b)));
    // a ventilator setting right after its mode, its first pressure no lower than its
    // second ("CPAP 5/5", "BIPAP 12/5"; not "extubated to cpap 5/13, to nc 5/20")
    let falls = fraction.is_some_and(|(a, b)| a >= b);
    if falls
        && before.last().is_some_and(|w| {
            matches!(
                w.as_str(),
                "cpap" | "bipap" | "ipap" | "epap" | "peep" | "simv" | "prvc" | "bilevel"
            )
        })
    {
        return true;
    }
    // the day of a course ("MEROPENEM DAY 8/14", "ABX DAY 5/10")
    if before.last().is_some_and(|w| w == "day") && fraction.is_some_and(|(a, b)| a <= b) {
        return true;
    }
    // a muscle grade out of five after a limb or side ("RUE 2/5, RLE 3/5, LEFT 5/5", "R
    // SIDED WEAKNESS 3/5"), unless a dating word stands right before it
    let grade = fraction.is_some_and(|(a, b)| b == 5 && a <= 5);
    // (a limb's or a muscle's score is out of five at most: "quad 3/5", "upper
    // extremities: 5/3"; "hand splint (fabricated 9/23)" dates)
    let graded = fraction.is_some_and(|(_, b)| b <= 5);
    if grade
        && !before
            .last()
            .is_some_and(|w| matches!(w.as_str(), "on" | "since" | "until" | "from" | "by"))
        && before
            .iter()
            .rev()
            .take(3)
            .any(|w| GRADE_BEFORE.contains(&w.as_str()))
    {
        return true;
    }
    let tail = text.get(end..).unwrap_or("");
    // (a colon closes a label: "ANGIO 8/19: 7MM ACOM ANEURYSM")
    let tail = tail
        .split(['.', ';', '\n', ',', ':'])
        .next()
        .unwrap_or(tail);
    let after = words(tail);
    // a score word counts only where its own value does not stand between it and the
    // fraction: "BP 240/140 ON ARRIVAL 4/11" has its value already (a value that could be
    // a month/day keeps the series: "PAIN 5/10, 7/10", "Pupils 4/4 decreasing to 2/2")
    let unvalued = {
        let toks: Vec<&str> = head.split_whitespace().collect();
        // (a range's upper end counts: "Pain 4-7/10, methadone started 9/25")
        let measure = |t: &str| {
            let t = t.trim_matches(|c: char| !c.is_ascii_digit());
            let t = t.rsplit_once('-').map_or(t, |(_, b)| b);
            t.split_once('/')
                .and_then(|(a, b)| fraction_parts(a, b))
                .is_some_and(|(a, b)| no_month_day(a, b))
        };
        let k = toks.iter().rposition(|t| measure(t)).map_or(0, |k| k + 1);
        words(&toks[k..].join(" "))
    };
    // a dating word right before the fraction dates it whatever came before ("OFF BIPAP
    // SINCE 5/7", "confirmed w/ pt and dtr on 8/23")
    // (so does a check booked for it, and the second of two dates joined by "or"/"and"/
    // "to" after one: "F/U BP CHECK 2/6 OR 2/7")
    let dating = |w: &str| {
        matches!(
            w,
            "since" | "until" | "till" | "dated" | "on" | "started" | "check" | "recheck"
        )
    };
    let dated = before.last().is_some_and(|w| dating(w)) || {
        let toks: Vec<&str> = head.split_whitespace().collect();
        let n = toks.len();
        n >= 3
            && matches!(toks[n - 1].to_lowercase().as_str(), "or" | "and" | "to")
            && toks[n - 2]
                .split_once('/')
                .and_then(|(a, b)| fraction_parts(a, b))
                .is_some_and(|(a, b)| valid_md(a, b))
            && dating(&toks[n - 3].to_lowercase())
    };
    // a rating out of ten close after a pain word, or in a sentence that a pain word opens
    // ("pain 5/10 l hip, percocet w/ relief to 2/10", "PAIN: MS CONTIN 15 BID + MSIR PRN,
    // 3/10"), not after a word that dates ("pain seen 3/10 in clinic")
    let pain_word = |w: &String| matches!(w.as_str(), "pain" | "relief");
    // ("PT REPORTS 4/10 LOW BACK PAIN": or one close after it)
    let pain_after = after.iter().take(3).any(pain_word);
    let pain_rating = fraction.is_some_and(|(a, b)| b == 10 && a <= 10)
        && (before.iter().rev().take(6).any(pain_word)
            || before.first().is_some_and(pain_word)
            || pain_after)
        && !before.last().is_some_and(|w| {
            matches!(
                w.as_str(),
                "on" | "seen" | "of" | "by" | "admitted" | "last" | "from" | "dated" | "since"
            )
        });
    // (a dating word right before, or one that dates an admission or a birth, outweighs a
    // strength or murmur word after it: "ADM 9/2 W/ BILAT PE")
    let admitted = before
        .last()
        .is_some_and(|w| matches!(w.as_str(), "adm" | "admitted" | "born" | "dob"));
    if pain_rating
        || (!dated
            && unvalued.iter().rev().take(3).any(|w| {
                SCORE_BEFORE.contains(&w.as_str()) || (graded && GRADED.contains(&w.as_str()))
            }))
        // "hemiparesis 1/5 arm, 2/5 leg": a grade out of five before its limb
        || (grade
            && after.first().is_some_and(|w| {
                matches!(
                    w.as_str(),
                    "arm" | "arms" | "leg" | "legs" | "hand" | "hands" | "foot" | "feet" | "ue" | "le"
                )
            }))
        || (!dated
            && !admitted
            && after
                .iter()
                .take(2)
                .any(|w| SCORE_AFTER.contains(&w.as_str())))
    {
        return true;
    }
    // a list of subscores ("Attention 12/18, Memory 9/26, Fluency 5/14, Language 19/26"):
    // three or more fractions in the sentence, two of them no month/day either way, and
    // no dating word before this one
    let sentence_end = text
        .get(end..)
        .and_then(|t| t.find(['.', ';', '\n']))
        .map_or(text.len(), |p| end + p);
    let sentence = &text[start - head.len()..sentence_end];
    let fractions: Vec<(u32, u32)> = sentence
        .split(|c: char| !(c.is_ascii_digit() || c == '/'))
        .filter_map(|t| t.split_once('/'))
        .filter_map(|(a, b)| fraction_parts(a, b))
        .collect();
    let no_date = |&(a, b): &(u32, u32)| no_month_day(a, b);
    let dating = before.last().is_some_and(|w| {
        matches!(
            w.as_str(),
            "on" | "since" | "until" | "from" | "by" | "dated" | "seen" | "admitted" | "of"
        )
    });
    fractions.len() >= 3 && fractions.iter().filter(|f| no_date(f)).count() >= 2 && !dating
}

/// A side ("L", "R") opening a finding after a test's date, no unit ("CXR 7/21 L
/// contusion improving").
fn side_after(rest: &str) -> bool {
    let mut words = rest.split_whitespace();
    matches!(words.next(), Some("L" | "R" | "l" | "r"))
        && words
            .next()
            .is_some_and(|w| w.chars().count() >= 3 && w.chars().all(char::is_alphabetic))
}
