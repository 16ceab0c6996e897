//! Rule-based PHI detector: regular expressions for structured identifiers (dates,
//! phone/fax, e-mail, URL, IP, SSN, labelled IDs, ZIP, ages over 89, street addresses,
//! facility names) plus context and dictionary rules for person names.
//!
//! Everything is compiled once in [`RuleDetector::new`]; `detect` is pure and never
//! logs the text it is given. Offsets are UTF-8 byte offsets into the input.

use regex::Regex;

// Word lists and name-trimming helpers live next to this file (detect/rules_dict.rs);
// declared here so `detect/mod.rs` only needs `pub mod rules;`.
#[path = "rules_dict.rs"]
mod rules_dict;

// Context rules that hold in any casing, and UK formats (detect/rules_context/).
#[path = "rules_context/mod.rs"]
mod rules_context;
pub use file_names::FileNameScrubber;
pub(crate) use rules_context::saint_start;
pub use rules_context::{flat_case, month_day_is_measure, nhs_check_digit, nhs_checksum_ok};

// The rule families, one file each (detect/rules/).
mod contacts;
mod dates;
mod file_names;
mod ids;
mod names;
mod places;

use crate::text::{first_word_lower, last_word_lower};
use crate::types::{Category, Span};
use rules_dict::Dicts;

/// Month names and abbreviations (wrapped in `(?i:...)` by the patterns; a match must
/// still start with a capital letter, checked in code).
const MONTH: &str = r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)";

/// US states, DC and territories: two-letter codes and full names (case-sensitive).
const STATES: &str = r"AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR|GU|VI|Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|New York|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|Virginia|Washington|West Virginia|Wisconsin|Wyoming";

/// One name token: initial ("J."), Title-case (incl. McDonald, O'Brien, Smith-Jones),
/// ALL CAPS, or a bare initial.
const NTOK: &str = r"(?:\p{Lu}\.|(?:\p{Lu}\p{Ll}+(?:\p{Lu}\p{Ll}+)?(?:[-'’]\p{Lu}?\p{Ll}+)*|\p{Lu}'\p{Lu}\p{Ll}+|\p{Lu}{2,}(?:[-'’]\p{Lu}+)*|\p{Lu})\b)";

/// Words after a number that make it a quantity, not a date or an identifier.
const UNITS: &[&str] = &[
    "mg", "mcg", "g", "kg", "ml", "l", "units", "unit", "iu", "tablet", "tablets", "tab", "tabs",
    "capsule", "capsules", "cap", "caps", "times", "doses", "dose", "puffs", "drops", "cells",
    "copies", "meq", "mmol", "%", "hours", "hrs", "days", "weeks", "minutes", "min", "wk", "wks",
    "hr", "mins", "mile", "miles", "wker", "wkr", "weeker", "week",
];

/// The number opening a street match is a quantity, no house number ("~40 MIN DRIVE",
/// "2 Mile Walk"): a unit follows it; or it continues a road's name or a decimal.
pub(crate) fn quantity_not_house_number(text: &str, m: &regex::Match) -> bool {
    let number_end = m.start()
        + m.as_str()
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(0);
    // "I-94 NEAR ST. CLOUD", "MG 1.7 REPLETED. DR": a road's number or a decimal's part
    let head = &text[..m.start()];
    let before = |glue: char, lead: fn(&char) -> bool| {
        head.strip_suffix(glue)
            .and_then(|h| h.chars().next_back())
            .is_some_and(|c| lead(&c))
    };
    let continued = before('-', char::is_ascii_alphabetic) || before('.', char::is_ascii_digit);
    // "#26 French resectoscope loop": a size after "#" or before French is no house
    let sized = continued
        || head.ends_with('#')
        || matches!(
            first_word_lower(&text[number_end..]).as_str(),
            "french" | "fr"
        );
    sized || followed_by_unit(text, number_end)
}

/// Credentials that are also state codes: a one-word "name" before them is a city.
const STATE_CREDENTIALS: &[&str] = &["MD", "PA", "MA", "MS", "DC"];

/// Regex and dictionary PHI detector. Build once with [`RuleDetector::new`] (tens of
/// milliseconds: regex compilation plus ~25k dictionary words) and share it.
#[derive(Debug, Clone)]
pub struct RuleDetector {
    /// Ages from this value up are PHI (90 under Safe Harbor; 0 redacts every age).
    min_age: u32,
    dicts: Dicts,
    date_num: Regex,
    date_iso: Regex,
    date_mdy_text: Regex,
    date_dmy_text: Regex,
    date_dash_text: Regex,
    date_month_year: Regex,
    date_num_month_year: Regex,
    date_labelled: Regex,
    dob_year: Regex,
    phone: Regex,
    phone_labelled: Regex,
    phone_label: Regex,
    email: Regex,
    url: Regex,
    url_bare: Regex,
    ipv4: Regex,
    ipv6: Regex,
    ssn: Regex,
    ssn_labelled: Regex,
    id_labelled: Regex,
    id_bare: Regex,
    zip_state: Regex,
    zip_labelled: Regex,
    age_years: Regex,
    age_yo: Regex,
    /// "castellano 93f  mrn", "OCHOA, BENITO 94M  MRN": an age glued to a sex in a header.
    age_sex: Regex,
    age_label: Regex,
    /// "pt's mother is 91", "wife (93)": a person's age after the person.
    age_person: Regex,
    /// An age in words: "NINETY-TWO YEAR OLD", "aged ninety-four".
    age_words: Regex,
    street: Regex,
    po_box: Regex,
    city_state: Regex,
    org: Regex,
    name_title: Regex,
    name_label: Regex,
    name_credential: Regex,
    name_signature: Regex,
    /// "Re:" / "Regarding:" lines (fax covers, letters): a name only when it starts with a
    /// known first name.
    name_regarding: Regex,
    context: rules_context::ContextRules,
}

impl Default for RuleDetector {
    fn default() -> Self {
        Self::new()
    }
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("built-in rule pattern must compile")
}

fn span(start: usize, end: usize, category: Category, score: f32, name: &str) -> Span {
    Span {
        start,
        end,
        category,
        score,
        detector: format!("rule:{name}"),
    }
}

fn prev_char(text: &str, i: usize) -> Option<char> {
    text.get(..i).and_then(|s| s.chars().next_back())
}

fn next_char(text: &str, i: usize) -> Option<char> {
    text.get(i..).and_then(|s| s.chars().next())
}

/// The match is not glued to more digits or to a longer dotted/slashed number.
fn number_bounded(text: &str, start: usize, end: usize) -> bool {
    let before_ok = match prev_char(text, start) {
        Some(c) if c.is_ascii_digit() => false,
        Some('/' | '.' | '-') => !(start >= 2 && text.as_bytes()[start - 2].is_ascii_digit()),
        _ => true,
    };
    let after = text.get(end..).unwrap_or("");
    let mut it = after.chars();
    let after_ok = match (it.next(), it.next()) {
        (Some(c), _) if c.is_ascii_digit() => false,
        (Some('/' | '.' | '-' | ':'), Some(d)) if d.is_ascii_digit() => false,
        _ => true,
    };
    before_ok && after_ok
}

/// Whether the street-shaped `text[start..end]` ending in "DR" is a clock time and a
/// clinician ("⏎2235 GI FELLOW *DR* MBEKI PAGED", "⏎1730 GEN SURG *DR* BERNIER TO EVAL"):
/// a line opening with a clock time, and after "DR" a name that is no ordinary or
/// function word, unit or known place (a street's line goes on with a comma, a unit or
/// its town).
pub(crate) fn doctor_not_drive(
    d: &rules_dict::Dicts,
    text: &str,
    start: usize,
    end: usize,
) -> bool {
    let t = text[start..end].trim_end_matches('.');
    if !t.to_lowercase().ends_with(" dr") {
        return false;
    }
    let number: String = t.chars().take_while(char::is_ascii_digit).collect();
    let line_start = text[..start].trim_end_matches([' ', '\t']);
    if !crate::text::bare_clock(&number) || !(line_start.is_empty() || line_start.ends_with('\n')) {
        return false;
    }
    let next = text[end..].trim_start_matches([' ', '\t']);
    let w = crate::text::first_word_lower(next);
    !w.is_empty()
        && next.starts_with(char::is_alphabetic)
        && !matches!(
            w.as_str(),
            "apt" | "unit" | "ste" | "suite" | "lot" | "space" | "n" | "s" | "e" | "w"
        )
        && !d.place(&w)
        && !d.stop(&w)
        && !d.english(&w)
}

/// Whether the place's phrase ends right after a state's code, `rest` being what follows
/// it (blanks trimmed): nothing, a closing mark, or a ZIP code or phone number ("from
/// salem, nh.", "FARMINGTON, NM 505-555-0126"; not "…, PA 5 MG").
pub(crate) fn state_phrase_ends(rest: &str) -> bool {
    rest.is_empty()
        || rest.starts_with([',', '.', ';', ')', '-', '\n', '\r'])
        || zip_or_phone_next(rest)
}

/// Whether `rest` opens with a ZIP code or a phone number ("02145", "505-555-0126",
/// "(505) 555"): after a state's code they close the place ("FARMINGTON, NM 505-555-0126";
/// not "PA 5 MG").
fn zip_or_phone_next(rest: &str) -> bool {
    let digits = |s: &str| s.chars().take_while(char::is_ascii_digit).count();
    let rest = rest.strip_prefix('(').unwrap_or(rest);
    match digits(rest) {
        5 => !rest[5..].starts_with(|c: char| c.is_alphanumeric()),
        3 => {
            rest[3..]
                .trim_start_matches([')', ' ', '-', '.'])
                .chars()
                .take_while(char::is_ascii_digit)
                .count()
                == 3
        }
        _ => false,
    }
}

/// The next word after `end` is a dose/quantity unit.
pub(crate) fn followed_by_unit(text: &str, end: usize) -> bool {
    let rest = text.get(end..).unwrap_or("").trim_start();
    let w: String = rest
        .chars()
        .take_while(|c| c.is_alphabetic() || *c == '%')
        .collect::<String>()
        .to_lowercase();
    !w.is_empty() && UNITS.contains(&w.as_str())
}

/// A number at `start` that follows a pager, beeper or extension word, or an "x" glued to
/// it ("PAGER # 41902", "BEEPER 3-4411", "ext 212", "x3-5528"): a phone number.
pub(crate) fn after_pager_word(text: &str, start: usize) -> bool {
    let head = text[..start].trim_end_matches([' ', '\t', '#', ':', '.']);
    let glued_x = text[..start].ends_with(['x', 'X'])
        && !text[..start - 1].ends_with(|c: char| c.is_alphanumeric());
    glued_x
        || matches!(
            crate::text::last_word_lower(head).as_str(),
            "pager" | "pgr" | "beeper" | "bleep" | "paged" | "page" | "ext" | "x"
        )
}

/// A US state code in any casing ("NH", "ct").
fn is_state_code(w: &str) -> bool {
    w.len() == 2 && STATES.split('|').any(|s| s.eq_ignore_ascii_case(w))
}

/// A US state written out ("Kentucky"); "New York" and "Washington" also name a city and
/// do not count.
fn is_state_name(w: &str) -> bool {
    w.len() > 2
        && !w.eq_ignore_ascii_case("new york")
        && !w.eq_ignore_ascii_case("washington")
        && STATES.split('|').any(|s| s.eq_ignore_ascii_case(w))
}

fn num(s: &str) -> u32 {
    s.parse().unwrap_or(u32::MAX)
}

impl RuleDetector {
    /// What identifies this detector's output: the age setting and the build (the rules
    /// and word lists are compiled in).
    pub fn fingerprint(&self) -> String {
        Self::fingerprint_for(self.min_age)
    }

    /// The fingerprint of a detector with this `min_age`, without compiling its patterns.
    pub fn fingerprint_for(min_age: u32) -> String {
        format!("rules|min_age={min_age}|build:{}", crate::BUILD_ID)
    }

    pub fn new() -> RuleDetector {
        let id_labels = r"(?i:medical\s+record(?:\s+(?:number|num\.?|no\.?|#))?|M\.?R\.?N\.?|MR\s*#|patient\s+(?:id|identifier|number|no\.?|#)|pt\.?\s+(?:id|number|#)|subject\s+(?:id|number|no\.?|#)|study\s+id|participant\s+id|account|acct\.?|member\s+(?:id|number|no\.?|#)|policy|insurance\s+(?:id|number|no\.?|#)|group\s+(?:number|no\.?|#)|encounter|visit\s+(?:id|number|no\.?|#)|accession|specimen\s+(?:id|number|no\.?|#)|case\s*(?:number|no\.?|#)|case\s+id|chart|(?:shelter\s+)?reg(?:istration)?\s*(?:#|no\.?)|(?:report|file)\s*(?:#|no\.?)|claim\s+(?:number|no\.?|#)|license|lic\.?|DEA|NPI|health\s+plan(?:\s+(?:id|beneficiary))?|beneficiary|(?:device\s+)?serial|certificate|UPIN|Medicaid|Medicare|badge|id)";
        let name_seq = format!(r"({NTOK}(?:,?[ \t]+{NTOK}){{0,3}})");
        let title_seq = format!(r"({NTOK}(?:[ \t]+{NTOK}){{0,2}})");
        let label_by = r"(?i:electronically\s+signed\s+by|signed\s+by|dictated\s+by|transcribed\s+by|reviewed\s+by|seen\s+by|referred\s+by|verified\s+by|approved\s+by|performed\s+by|authenticated\s+by|dear)[ \t]*:?[ \t]*";
        let label_colon = r"(?i:patient\s+name|pt\.?\s+name|full\s+name|patient|pt|name|physician|attending(?:\s+physician)?|referring(?:\s+physician|\s+provider)?|ordering(?:\s+physician|\s+provider)?|primary\s+care(?:\s+physician|\s+provider)?|pcp|provider|surgeon|author|cc|signature|resident|fellow|nurse|guarantor|emergency\s+contact|next\s+of\s+kin|insured|subscriber|mother|father|spouse|guardian)[ \t]*:\s*";
        let titles = r"(?:(?:Dr|Mr|Mrs|Ms|Mx|Miss|Prof)\.?|(?:DR|MR|MRS|MS)\.)[ \t]+";
        RuleDetector {
            min_age: 90,
            dicts: Dicts::new(),
            date_num: re(r"\b(\d{1,2})([/.\-])(\d{1,2})([/.\-])(\d{4}|\d{2})\b"),
            date_iso: re(r"\b(\d{4})([/.\-])(\d{1,2})([/.\-])(\d{1,2})"),
            date_mdy_text: re(&format!(
                r"\b({MONTH})\b\.?[ \t]+(\d{{1,2}})(?i:st|nd|rd|th)?\b(?:,?[ \t]+(\d{{4}})\b)?"
            )),
            date_dmy_text: re(&format!(
                r"\b(\d{{1,2}})(?i:st|nd|rd|th)?[ \t]+(?:(?i:of)[ \t]+)?({MONTH})\b\.?(?:,?[ \t]+(\d{{4}})\b)?"
            )),
            date_dash_text: re(&format!(r"\b(\d{{1,2}})-({MONTH})-(\d{{4}}|\d{{2}})\b")),
            date_month_year: re(&format!(
                r"\b({MONTH})\b\.?,?[ \t]+(?:(?i:of)[ \t]+)?(\d{{4}})\b"
            )),
            date_num_month_year: re(r"\b(\d{1,2})/(\d{4})\b"),
            date_labelled: re(
                r"(?i:(?:admission|admit|discharge|service|visit|encounter|procedure|surgery|death|collection|birth)\s+date|date\s+of\s+(?:admission|discharge|service|visit|death|procedure|surgery|birth)|DOS|DOD|DOA|DOB|D\.O\.B\.?)[ \t]*:?[ \t]*(\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{8})\b",
            ),
            dob_year: re(
                r"(?i:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|year\s+of\s+birth|YOB|born(?:\s+in)?)[ \t]*:?[ \t]*(\d{4})\b",
            ),
            phone: re(
                r"(?:\+?1[ .\-]?)?(?:\(\d{3}\)[ .\-]?|\d{3}[ .\-])\d{3}[ .\-]\d{4}(?:[ \t]*(?i:x|ext\.?|extension)[ \t]*\d{1,6})?",
            ),
            phone_labelled: re(
                r"(?i:phone|telephone|tel|ph|cell|mobile|pager|fax|beeper|home|work)\.?[ \t]*(?:#|no\.?)?[ \t]*:?[ \t]*(\d{3}[\-. ]\d{4}|\d{10})\b",
            ),
            phone_label: re(
                r"(?i)\b(?:(fax|facsimile)\b|(f)[ \t]*:|(?:phone|tel|telephone|ph|cell|mobile|pager|office|home|work)\b|[ptcmohw][ \t]*:)",
            ),
            email: re(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"),
            url: re(r#"(?i)\b(?:https?://|ftp://|www\.)[^\s<>"'()\[\]]+"#),
            url_bare: re(
                r"\b(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+(?:com|org|net|edu|gov|mil|io|info|biz|health|us)\b(?:/[^\s<>()]*)?",
            ),
            ipv4: re(r"\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b"),
            ipv6: re(
                r"(?i)\b(?:(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4}:){1,6}(?::[0-9a-f]{1,4}){1,6}|(?:[0-9a-f]{1,4}:){1,7}:)",
            ),
            ssn: re(r"\b(\d{3})([- ])(\d{2})([- ])(\d{4})\b"),
            ssn_labelled: re(
                r"(?i:SSN|SS#|S\.S\.N\.?|social\s+security(?:\s+(?:number|no\.?|#))?)[ \t]*#?[ \t]*:?[ \t]*(\d{3}[- ]?\d{2}[- ]?\d{4})\b",
            ),
            id_labelled: re(&format!(
                r"\b({id_labels})[ \t]*(?:#|(?i:no\.?|number|num\.?))?[ \t]*(?:[:#][ \t]*\r?\n?)?[ \t]*([A-Za-z0-9](?:[A-Za-z0-9\-/.]*[A-Za-z0-9])?)"
            )),
            id_bare: re(r"\b(?:[A-Z]{1,3}-?\d{5,12}|\d{7,12})\b"),
            zip_state: re(&format!(
                r"\b(?:{STATES})\.?,?[ \t]+(\d{{5}}(?:-\d{{4}})?)\b"
            )),
            zip_labelled: re(
                r"(?i:zip(?:\s*code)?|postal\s+code)[ \t]*:?[ \t]*(\d{5}(?:-\d{4})?)\b",
            ),
            age_years: re(
                r"(?i)\b(\d{2,3})[ \t]*-?[ \t]*(?:years?|yrs?|y)[ \t]*-?[ \t]*(?:old|of[ \t]+age)\b",
            ),
            age_yo: re(r"(?i)\b(\d{2,3})[ \t]*-?(?:y/o|y\.o\.?|yo|yof|yom)"),
            age_label: re(r"(?i)\bage[ds]?[ \t]*:?[ \t]*(\d{2,3})\b"),
            age_sex: re(r"(?i)\b[\p{L}.,]+[ \t]+(\d{2,3})[ \t]?[fm]\b([^\n]{0,6})"),
            age_person: re(
                r"(?i)\b(?:pt|patient|mother|father|mom|dad|wife|husband|spouse|son|daughter|dtr|sister|brother|grandmother|grandfather|aunt|uncle|he|she)(?:'s)?(?:[ \t]+(?:is|was|turned|turns|now)){1,2}[ \t]+(\d{2,3})\b|\b(?:mother|father|mom|dad|wife|husband|spouse|sister|brother|grandmother|grandfather|aunt|uncle|friend|neighbou?r|partner|companion)(?:[ \t]+\p{L}[\p{L}'’-]*){0,2}[ \t]*\((\d{2,3})\)",
            ),
            age_words: re(&format!(
                r"(?i)\b({n})(?:[- ](?:years?|yrs?)[- ](?:old|of[ \t]+age)\b|[- ]?(?:y/o|yo)\b)|\b(?:age[ds]?|turned|turns|turning)[ \t]+({n})\b",
                n = dates::AGE_WORDS
            )),
            street: re(
                r"\b\d{1,6}[A-Za-z]?[ \t]+(?:(?:[NSEW]|North|South|East|West|NE|NW|SE|SW)\.?[ \t]+)?((?:(?:\p{Lu}[\p{L}'’\-]*|\d{1,3}(?:st|nd|rd|th))\.?[ \t]+){1,4}?)(?i:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct|place|pl|way|terrace|ter|parkway|pkwy|highway|hwy|circle|cir|square|sq|trail|trl|plaza|plz|pike|loop|alley|crescent|close|gardens|row|mews|grove|walk|rise|green|vale|croft|parade|approach|hill)\b\.?(?:[ \t]+(?:NE|NW|SE|SW|[NSEW])\b\.?)?(?:,?[ \t]+(?i:apt|apartment|suite|ste|unit|rm|room|bldg|building|floor|fl|#)\.?[ \t]*#?[ \t]*[A-Za-z0-9\-]+)?",
            ),
            po_box: re(r"(?i)\b(?:P\.?[ \t]?O\.?|post[ \t]+office)[ \t]*box[ \t]+\d+\b"),
            city_state: re(&format!(
                r"\b(\p{{Lu}}[\p{{L}}.'’\-]*(?:[ \t]+\p{{Lu}}[\p{{L}}.'’\-]*){{0,2}}),[ \t]*({STATES})\b\.?(?:,?[ \t]+(\d{{5}}(?:-\d{{4}})?)\b)?"
            )),
            org: re(
                r"\b((?:St\.|Mt\.|\p{Lu}[\p{L}'’\-]*)(?:(?:[ \t]+(?:of|the|and|&))?[ \t]+(?:St\.|Mt\.|\p{Lu}[\p{L}'’\-]*)){0,4}?[ \t]+(?:Family\s+(?:Practice|Medicine)|Hospital|Medical\s+Cent(?:er|re)|Health(?:\s+Care)?\s+(?:System|Center|Network|Services)|Healthcare|Clinic|Infirmary|Medical\s+Group|Cancer\s+Center|Rehabilitation\s+(?:Center|Hospital)|Nursing\s+Home|Hospice|Surgery\s+Center|Surgical\s+Center|Urgent\s+Care|(?:Medical|Cardiology|Surgical|Surgery|Pediatric|Orthopedic|Orthopaedic|Family|Health|Physicians?|Radiology|Oncology|Neurology|Dermatology|Urology|Gastroenterology|Pulmonary|Eye|Dental)\s+Associates|Pharmacy|(?:Endoscopy|Surgery|Imaging|Dialysis|Arthritis)\s+Cent(?:er|re)|Primary\s+Care|Family\s+Health|Health\s+Plan|Pediatrics|Paediatrics|Cardiology|Gastroenterology|Rheumatology|Dermatology|Orthopaedics|Orthopedics|Urology|Neurology|Oncology|Pavilion|University|Elementary(?:\s+School)?|(?:High|Middle|Primary)\s+School|Dental\s+(?:Group|Care)|Visiting\s+Nurses?|(?:Recovery|Treatment)\s+Program|Medical\s+Practice|Partnership))\b",
            ),
            name_title: re(&format!(r"\b({titles}){title_seq}")),
            name_label: re(&format!(
                r"\b(?:{label_by}|{label_colon})(?:{titles})?({NTOK}(?:,?[ \t]+{NTOK}){{0,3}}(?:[ \t]*\n[ \t]*\p{{Lu}}\p{{Ll}}+(?:[-'’]\p{{Lu}}?\p{{Ll}}+)*\b)?)"
            )),
            name_credential: re(&format!(
                r"({NTOK}(?:[ \t]+{NTOK}){{0,3}}),?[ \t]+(M\.D\.|D\.O\.|Ph\.D\.|(?:PA-C|FNP-BC|MD|DO|RN|NP|PA|PhD|DDS|DMD|DPM|PharmD|MBBS|CNM|CRNA|LPN|APRN|DNP|LCSW|PsyD|FNP)\b)"
            )),
            name_signature: re(&format!(
                r"(?:(?i:sincerely|regards|respectfully|thank\s+you|thanks)[ \t]*,?[ \t]*\r?\n[ \t]*|/s/[ \t]*){name_seq}"
            )),
            name_regarding: re(&format!(
                r"\b(?i:re|regarding|subject)[ \t]*:[ \t]*({NTOK}(?:[ \t]+{NTOK}){{1,2}})"
            )),
            context: rules_context::ContextRules::new(),
        }
    }

    /// Clinical allow-list lookup (drugs, eponyms, labs, units, section words).
    pub fn is_allowed_term(&self, word: &str) -> bool {
        self.dicts.allowed(word)
    }

    /// An ordinary English word, a clinical abbreviation or clinical vocabulary, or a
    /// function word: never PHI on its own when casing gives no hint.
    pub fn is_ordinary_word(&self, w: &str) -> bool {
        self.dicts.ordinary(w)
    }

    /// An ordinary word misread by OCR by one character ("VISLT", "RESECTI0N").
    pub fn is_ocr_misread_ordinary(&self, w: &str) -> bool {
        self.dicts.ocr_misread_ordinary(w)
    }

    /// In a census name list or the gazetteer (as a name or place it may be PHI even when
    /// it is also an ordinary word: "Young", "Reading").
    pub fn is_known_name_or_place(&self, w: &str) -> bool {
        self.dicts.first_name(w) || self.dicts.surname(w) || self.dicts.place(w)
    }

    /// A US or UK town or city, US state or county (GeoNames).
    pub fn is_known_place(&self, w: &str) -> bool {
        self.dicts.place(w)
    }

    /// A US state or territory: two-letter code (any casing) or name.
    pub fn is_us_state(&self, w: &str) -> bool {
        STATES.split('|').any(|s| s.eq_ignore_ascii_case(w))
    }

    /// A professional credential that may follow a name ("RN", "MD", "PhD").
    pub fn is_credential(&self, w: &str) -> bool {
        self.dicts.credential(w)
    }

    /// A credential that may close a signature ("RN", "MT", "RRT"; `credential` and the
    /// laboratory and therapy ones).
    pub fn is_sign_credential(&self, w: &str) -> bool {
        self.dicts.sign_credential(w)
    }

    /// A function word, label or title ("Re", "Dear", "Dr"): never a name on its own.
    pub fn is_function_word(&self, w: &str) -> bool {
        self.dicts.stop(w)
    }

    /// A clinical abbreviation or clinical vocabulary word, or on the allow-list.
    pub fn is_clinical_word(&self, w: &str) -> bool {
        self.dicts.clinical(w)
    }

    pub fn is_known_first_name(&self, w: &str) -> bool {
        self.dicts.first_name(w)
    }

    pub fn is_known_surname(&self, w: &str) -> bool {
        self.dicts.surname(w)
    }

    /// The number-shaped rules (dates, contacts, identifiers, ages, street lines) over
    /// `text`.
    fn numbers(&self, text: &str, out: &mut Vec<Span>) {
        self.dates(text, out);
        self.contacts(text, out);
        self.ssn_and_ids(text, out);
        self.ages(text, out);
        self.addresses(text, out);
    }

    /// All rule spans in `text`, sorted by start (then longest first).
    pub fn detect(&self, text: &str) -> Vec<Span> {
        let mut out = Vec::new();
        self.numbers(text, &mut out);
        self.orgs(text, &mut out);
        self.names(text, &mut out);
        self.context.detect(&self.dicts, text, &mut out);
        // OCR misreads inside numbers ("O3/l5/2023", "85O20", "2l00 Peachtree"): the
        // number rules run again over a copy with those letters read as digits (same
        // byte offsets); what they find across a changed word joins
        if let Some((fixed, changed)) = ocr_digits(text) {
            let mut extra = Vec::new();
            self.numbers(&fixed, &mut extra);
            // in one casing street lines and ZIP codes come from the context rules
            if flat_case(text) {
                self.context.flat_addresses(&self.dicts, &fixed, &mut extra);
            }
            out.extend(
                extra
                    .into_iter()
                    .filter(|s| changed.iter().any(|&(a, b)| a < s.end && s.start < b)),
            );
        }
        // OCR misreads of the words context rules hang on ("5ISTER ALMETA", "W1FE
        // DORIS"): the context rules run again over a copy with digits inside words read
        // as the letters they are mistaken for (same byte offsets); names, organisations
        // and places found only there join
        // (a digit with two readings, 1 as l or i, gives a second copy)
        let copies = match ocr_letters(text, 0) {
            Some((fixed, true)) => vec![fixed, ocr_letters(text, 1).unwrap_or_default().0],
            Some((fixed, false)) => vec![fixed],
            None => Vec::new(),
        };
        for fixed in copies {
            let mut extra = Vec::new();
            self.context.detect(&self.dicts, &fixed, &mut extra);
            out.extend(extra.into_iter().filter(|s| {
                matches!(
                    s.category,
                    Category::Name | Category::Organization | Category::Location
                )
            }));
        }
        finish(out)
    }

    /// Report ages from `min_age` up (Safe Harbor: 90).
    pub fn with_min_age(mut self, min_age: u32) -> RuleDetector {
        self.min_age = min_age;
        self
    }
}

/// `text` with each digit inside a word of at least three letters and one digit read as
/// the letter OCR mistakes it for ([`rules_dict::OCR_CONFUSIONS`]: 0 o, 1 l or i, 5 s,
/// 8 b; its `reading`-th letter, else its first), and whether one of them had another
/// reading; `None` when there is none. ASCII for ASCII: byte offsets hold.
fn ocr_letters(text: &str, reading: usize) -> Option<(String, bool)> {
    let mut out: Vec<u8> = text.as_bytes().to_vec();
    let (mut changed, mut ambiguous) = (false, false);
    let mut i = 0;
    let b = text.as_bytes();
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let word = &b[start..i];
        let digits = word.iter().filter(|c| c.is_ascii_digit()).count();
        let letters = word.len() - digits;
        if digits != 1 || letters < 3 {
            continue;
        }
        let upper = word.iter().filter(|c| c.is_ascii_uppercase()).count() * 2 > letters;
        // only the digit is read as a letter: the table's letter-for-letter confusions
        // ("l" for "i", "c" for "e") would misread the word's own letters
        for (k, &c) in word.iter().enumerate().filter(|(_, c)| c.is_ascii_digit()) {
            let letters: Vec<char> = rules_dict::OCR_CONFUSIONS
                .iter()
                .filter(|(d, _)| *d == char::from(c))
                .map(|&(_, l)| l)
                .collect();
            let Some(&l) = letters.get(reading).or(letters.first()) else {
                continue;
            };
            ambiguous |= letters.len() > 1;
            let l = if upper { l.to_ascii_uppercase() } else { l };
            out[start + k] = l as u8;
            changed = true;
        }
    }
    // only ASCII bytes were replaced by ASCII bytes
    changed.then(|| (String::from_utf8(out).unwrap_or_default(), ambiguous))
}

/// `text` with O/o read as 0 and l/I read as 1 inside words that are otherwise digits
/// ("O3", "2O19", "l98O", "7Ol30"; at least one digit and no more letters than digits),
/// and the byte ranges of the words changed; `None` when there is none. ASCII for ASCII:
/// byte offsets hold.
fn ocr_digits(text: &str) -> Option<(String, Vec<(usize, usize)>)> {
    let b = text.as_bytes();
    let misread_letter = |c: u8| matches!(c, b'O' | b'o' | b'l' | b'I' | b'L');
    // a word of misread letters alone ("ll" in "ll/O2/23") is a number inside a
    // month/day/year group of three parts, each digits or misread letters, with at least
    // two true digits ("I/O" is none)
    let slash_date = |start: usize, end: usize| {
        if end - start > 2 || !b[start..end].iter().all(|&c| misread_letter(c)) {
            return false;
        }
        let part = |c: u8| c.is_ascii_alphanumeric() || c == b'/';
        let mut s = start;
        while s > 0 && part(b[s - 1]) {
            s -= 1;
        }
        let mut e = end;
        while e < b.len() && part(b[e]) {
            e += 1;
        }
        let group = &b[s..e];
        let parts: Vec<&[u8]> = group.split(|&c| c == b'/').collect();
        parts.len() == 3
            && parts.iter().all(|p| {
                (1..=4).contains(&p.len())
                    && p.iter().all(|&c| c.is_ascii_digit() || misread_letter(c))
            })
            && group.iter().filter(|c| c.is_ascii_digit()).count() >= 2
    };
    let mut out = b.to_vec();
    let mut changed = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let word = &b[start..i];
        let digits = word.iter().filter(|c| c.is_ascii_digit()).count();
        let letters = word.len() - digits;
        let in_date = digits == 0 && slash_date(start, i);
        if (digits == 0 || letters == 0 || letters > digits) && !in_date {
            continue;
        }
        // an upper-case L reads as 1 only beside another misread letter in the word,
        // between digits or right after a changed word in the same date ("O3/L5/2023",
        // "7OL30"); else it is a litre or a spinal level ("2L", "L5")
        let joined = changed.last().is_some_and(|&(_, end): &(usize, usize)| {
            end + 1 == start && matches!(b[end], b'/' | b'-' | b'.' | b':')
        });
        let other = word.iter().any(|c| matches!(c, b'O' | b'o' | b'l' | b'I'));
        let misread = |k: usize| match word[k] {
            b'O' | b'o' | b'l' | b'I' => true,
            // between two digits ("3L0 CANAL ST")
            b'L' => {
                other
                    || joined
                    || in_date
                    || (k > 0 && k + 1 < word.len())
                        && word[k - 1].is_ascii_digit()
                        && word[k + 1].is_ascii_digit()
            }
            c => c.is_ascii_digit(),
        };
        if !(0..word.len()).all(misread) {
            continue;
        }
        for (k, &c) in word.iter().enumerate() {
            out[start + k] = match c {
                b'O' | b'o' => b'0',
                b'l' | b'I' | b'L' => b'1',
                c => c,
            };
        }
        changed.push((start, i));
    }
    // only ASCII bytes were replaced by ASCII bytes
    (!changed.is_empty()).then(|| (String::from_utf8(out).unwrap_or_default(), changed))
}

/// A month and a day that can be one ("4/12"; not "13/4", "2/32").
fn valid_md(m: u32, d: u32) -> bool {
    (1..=12).contains(&m) && (1..=31).contains(&d)
}

/// Sorts by start (longest first) and drops spans contained in another span of the
/// same category with at least the same score.
fn finish(mut spans: Vec<Span>) -> Vec<Span> {
    spans.retain(|s| s.start < s.end);
    spans.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(b.score.total_cmp(&a.score))
    });
    let mut kept: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        let covered = kept.iter().any(|k| {
            k.category == s.category && k.start <= s.start && s.end <= k.end && k.score >= s.score
        });
        if !covered {
            kept.push(s);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    #[test]
    fn regarding_lines_need_a_known_first_name() {
        let d = super::RuleDetector::new();
        let t = "Re: Oscar Lindqvist, DOB 04/22/1951";
        let names: Vec<&str> = d
            .detect(t)
            .iter()
            .filter(|s| s.category == crate::types::Category::Name)
            .map(|s| &t[s.start..s.end])
            .collect();
        assert!(names.contains(&"Oscar Lindqvist"), "{names:?}");
        let t2 = "Re: Follow Up Visit for the knee";
        assert!(d
            .detect(t2)
            .iter()
            .all(|s| s.category != crate::types::Category::Name));
    }

    use super::*;
    use std::sync::OnceLock;

    fn det() -> &'static RuleDetector {
        static D: OnceLock<RuleDetector> = OnceLock::new();
        D.get_or_init(RuleDetector::new)
    }

    /// Texts of the spans of category `cat`.
    fn hits(text: &str, cat: Category) -> Vec<String> {
        det()
            .detect(text)
            .into_iter()
            .filter(|s| s.category == cat)
            .map(|s| text[s.start..s.end].to_string())
            .collect()
    }

    #[test]
    fn first_name_and_surname_pairs_in_one_casing() {
        let name = |t: &str| hits(t, Category::Name);
        assert!(
            name("spoke with sara schwarz about the plan").contains(&"sara schwarz".to_string())
        );
        assert!(
            name("SPOKE WITH SARA SCHWARZ ABOUT THE PLAN").contains(&"SARA SCHWARZ".to_string())
        );
        // ordinary or clinical words are no names without context
        assert!(name("will monitor heart rate and blood pressure").is_empty());
    }

    #[test]
    fn firms_in_any_casing() {
        let org = |t: &str| hits(t, Category::Organization);
        assert!(org("billed by white, willis and hoffman last year")
            .contains(&"white, willis and hoffman".to_string()));
        assert!(org("HENDERSON, HICKS AND BROWN SENT THE INVOICE")
            .contains(&"HENDERSON, HICKS AND BROWN".to_string()));
        assert!(org("sputum brown, green and white").is_empty());
        assert!(org("works at abt associates in town").contains(&"abt associates".to_string()));
        assert!(org("Contract with Acme Ltd. signed").contains(&"Acme Ltd".to_string()));
        assert!(org("seen by the physician associates today").is_empty());
    }

    #[test]
    fn one_casing_greetings_lists_and_employers() {
        let name = |t: &str| hits(t, Category::Name);
        assert!(
            name("hi vinicio, i am writing about the bill").contains(&"vinicio".to_string()),
            "{:?}",
            name("hi vinicio, i am writing about the bill")
        );
        assert!(name("HELLO MEGAN! SEE YOU TUESDAY").contains(&"MEGAN".to_string()));
        assert!(name("hi there, how are you").is_empty());
        let list = name("they had 6: romi, erik, amy, nathaniel, donald and kristen.");
        for w in ["romi", "erik", "amy", "nathaniel", "donald", "kristen"] {
            assert!(list.contains(&w.to_string()), "{w} not in {list:?}");
        }
        // drugs, colours and clinical words are no list of names
        assert!(name("on lisinopril, metformin, atorvastatin and aspirin").is_empty());
        assert!(name("sputum brown, green, yellow and white").is_empty());
        let org = |t: &str| hits(t, Category::Organization);
        assert!(
            org("i used to work for intermap technologies as a technician")
                .contains(&"intermap technologies".to_string())
        );
        assert!(org("works at the hospital on nights").is_empty());
        assert!(org("worked for many years as a nurse").is_empty());
        has("lives at 12 elm st apt. 105 with wife", Address, "apt. 105");
        has("SUITE 442, MILL VILLAGE", Address, "SUITE 442");
        // "city, ST" in ALL CAPS needs a known place: "OR" is also Oregon
        none("DENIES URINARY STRESS INCONTINENCE, OR CANCER.", Location);
        has(
            "THE FAMILY LIVES IN SPRINGFIELD, IL WITH HIM",
            Location,
            "SPRINGFIELD",
        );
    }

    #[test]
    fn field_value_on_the_next_line() {
        // a form laid out as a label over its value: the value is the next line, and an
        // address goes on to a blank line
        let t = "personal info:\nname:\njanka szasz\n\naddress:\n87645 22 talga court\nkaster\n, vwv\n 04494.\n\nnotes: none";
        has(t, Address, "87645 22 talga court\nkaster\n, vwv\n 04494");
        has(t, Name, "janka szasz");
        // a label followed by a blank line has no value
        let h = hits("Address:\n\nThe patient was seen today.", Address);
        assert!(h.is_empty(), "{h:?}");
    }

    fn has(text: &str, cat: Category, want: &str) {
        let h = hits(text, cat);
        assert!(
            h.iter().any(|x| x == want),
            "{cat:?} {want:?} not in {h:?} for {text:?}"
        );
    }

    fn none(text: &str, cat: Category) {
        let h = hits(text, cat);
        assert!(h.is_empty(), "unexpected {cat:?} {h:?} in {text:?}");
    }

    use Category::*;

    #[test]
    fn hospitals_employers_and_towns_behind_the() {
        // a hospital's short name and an employer behind "the"
        has(
            "At the Tacoma General, he indicates",
            Organization,
            "Tacoma General",
        );
        has("PCP AT THE MASS GENERAL", Organization, "MASS GENERAL");
        none("transferred to the general medical floor", Organization);
        has(
            "She works for the Boston Globe now",
            Organization,
            "Boston Globe",
        );
        none("works at the Hospital as a nurse", Organization);
        // where someone was seen or went
        has("was seen at Walgreens today", Organization, "Walgreens");
        none("SEEN AT BEDSIDE BY TEAM", Organization);
        none("went to the bathroom", Organization);
        // an emergency room by its hospital's short name
        has("SEEN IN THE BEVERLY ED", Organization, "BEVERLY");
        has("came to the Salem ED", Organization, "Salem");
        none("seen in the local er, then to the peds ed", Organization);
        none("PRESENTED TO OSH ED WITH CP", Organization);
        // a town named for its surroundings, a country for a part of it
        has(
            "he saw a doctor in the general Bremerton area",
            Location,
            "Bremerton",
        );
        has(
            "MOVED HERE FROM THE GREATER BOSTON AREA",
            Location,
            "BOSTON",
        );
        none("pain in the chest area", Location);
        none("the groin area was prepped", Location);
        has(
            "stationed in a more rural area of Nigeria",
            Location,
            "Nigeria",
        );
    }

    #[test]
    fn years_months_and_facilities_as_transcriptions_write_them() {
        // a year after "since" that no clock time would be written as
        has("Hypertension, known since 2008.", Date, "2008");
        none("NPO SINCE 2000, RESTING", Date);
        none("npo since 1930 for the procedure", Date);
        // a stop before other punctuation ends the date ("test, 10/08.,PAST HISTORY")
        has(
            "Negative PPD test, 10/08.,PAST SURGICAL HISTORY",
            Date,
            "10/08",
        );
        none("Na 4/12.5 yesterday", Date);
        // a season or part of a year, "of", a year; a month after "end of"
        has("left knee pain in the fall of 2007.", Date, "2007");
        has("at the END OF 1998 he moved", Date, "1998");
        none("a total of 2007 steps", Date);
        has(
            "which occurred at the end of December prior to resection",
            Date,
            "December",
        );
        has("SEEN THE WEEK OF MARCH, THEN", Date, "MARCH");
        none("at the end of may we will see", Date);
        none("THIS MAY BE INTEGRATED WITH THE LOADING", Date);
        none("and this may have been related", Date);
        has("SEEN IN MAY, THEN AGAIN", Date, "MAY");
        has("SINCE MAY WHEN SHE FELL", Date, "MAY");
        // after a "… by" label in prose, no name behind a determiner or a verb's -ing
        none("THE SEEDS PERFORMED BY THE BRACHYTHERAPIST, AS WELL", Name);
        none("THIS WAS PERFORMED BY INCISING THE FASCIA", Name);
        none("SHE SHOULD BE SEEN BY HER DERMATOLOGIST.", Name);
        has("SEEN BY BROWNING TODAY", Name, "BROWNING");
        has("seen by Dr. Gregory House today", Name, "Gregory House");
        // after a title's first word, an ordinary word in one casing that is no name ends it
        none("I WILL FOLLOW UP WITH DR. K WITHIN ONE WEEK", Name);
        has("DR. SMITH AWARE OF K 3.1", Name, "SMITH");
        has("DR. KEVIN WOOD UPDATED", Name, "KEVIN WOOD");
        has("dr. walsh updated family", Name, "walsh");
        // a year between a determiner and a record or an examination
        has("Upon reviewing your 2005 note there was", Date, "2005");
        has("COMPARED WITH THE 2007 MRI, NO CHANGE", Date, "2007");
        none("started on the 2000 calorie diet", Date);
        none("the 1500 ml of fluid", Date);
        // a history list's item, a dash and its year
        has("2.  Hepatitis C - 1995.,3.  HIV", Date, "1995");
        none("HR 60 - 100. WBC 12 - 15.", Date);
        // a range of past years standing alone
        has(
            "hemodialysis (1983-1988),c. s/p transplant",
            Date,
            "1983-1988",
        );
        has("SMOKED 1990-2005, QUIT", Date, "1990-2005");
        none("PLT 150-200, hgb 1200-1500 ml", Date);
        none("target 2005-1990 backwards", Date);
        // a memorial hospital is someone's name after a place preposition
        has(
            "She was born at Memorial Hospital, NSVD.",
            Organization,
            "Memorial Hospital",
        );
        has(
            "PT TRANSFERRED FROM MEMORIAL HOSPITAL FOR CP",
            Organization,
            "MEMORIAL HOSPITAL",
        );
        has(
            "brought to memorial medical center er",
            Organization,
            "memorial medical center",
        );
        none("a memorial service at the church", Organization);
        none("visited the memorial hospital garden", Organization);
        // a university or hospital "of" a place
        has(
            "stroke treated in 2003 at University of Maryland with",
            Organization,
            "University of Maryland",
        );
        has(
            "presented to Hospital of Bossier on April 14",
            Organization,
            "Hospital of Bossier",
        );
        none("the hospital of choice for him", Organization);
        none("The hospital of her choice", Organization);
        // a county by its name in any casing, an operation's adjective before "surgery"
        has(
            "last hospitalized in pierce county in 2008, but",
            Location,
            "pierce county",
        );
        has("LIVES IN ORANGE COUNTY WITH SON", Location, "ORANGE COUNTY");
        none("in the county jail", Location);
        none(
            "draped in the normal sterile fashion for oculoplastic surgery.",
            Organization,
        );
        none("REFERRED FOR BARIATRIC SURGERY", Organization);
        has(
            "Registered at Oak Lane Surgery since 2010",
            Organization,
            "Oak Lane Surgery",
        );
        // sizes, rooms, operations, scores and professions are no PHI
        none(
            "INSERTED UTILIZING THE #26 FRENCH RESECTOSCOPE LOOP.  RESECTION",
            Address,
        );
        none(
            "SHE WAS BROUGHT TO ENDOSCOPY SUITE #4 AND CONSENTED",
            Address,
        );
        has("the office is in suite 410 upstairs", Address, "suite 410");
        none(
            "INDICATIONS: IMPENDING OPEN-HEART SURGERY FOR SEPTECTOMY",
            Organization,
        );
        none(
            "DEXTROSE STICK 60.  BALLARD SCORE BY THE RN IS 38 WEEKS.",
            Name,
        );
        has(
            "THE SMEAR WAS REVIEWED BY PATHOLOGIST, SHERYL ASPLUND, M.D., AND FLOW",
            Name,
            "SHERYL ASPLUND",
        );
        // a family's history is no family's name
        none(
            "LDL of 74, diabetics with a bad family history for CAD",
            Name,
        );
        none("STRONG FAMILY HX OF CAD", Name);
        has("SMITH FAMILY IN ALL DAY", Name, "SMITH");
        // an employer after a job and "at"
        has(
            "father, John, who is a supervisor at Excel.  The family",
            Organization,
            "Excel",
        );
        has(
            "Dad is a service manager at GMC; 4-year-old son",
            Organization,
            "GMC",
        );
        none("she is a teacher at the local school", Organization);
        none("a nurse manager at the hospital", Organization);
    }

    #[test]
    fn dates_numeric() {
        has("Seen on 03/14/2024 in clinic", Date, "03/14/2024");
        has("Seen on 3/14/24.", Date, "3/14/24");
        has("Collected 2024-03-14T10:00", Date, "2024-03-14");
        has("Datum 14.03.2024", Date, "14.03.2024");
        has("on 31/12/2023", Date, "31/12/2023");
        has("since 03/2024", Date, "03/2024");
        none("Take 1/2 tablet daily", Date);
        none("BP 120/80, HR 72", Date);
        none("Na 140 K 4.1 Cl 101", Date);
        none("pain 7/10, version 1.2.3", Date);
        none("13/14/2024 is not valid", Date);
        none("ratio 3-4/10 noted", Date);
    }

    #[test]
    fn dates_text_and_labelled() {
        has("on March 14, 2024 she", Date, "March 14, 2024");
        has("on 14 March 2024 she", Date, "14 March 2024");
        has("on Mar 14 2024 she", Date, "Mar 14 2024");
        has("on 14-Mar-2024 she", Date, "14-Mar-2024");
        has("on 14-MAR-24 she", Date, "14-MAR-24");
        has("surgery in March 2024", Date, "March 2024");
        has("seen Sept. 3rd, 2021", Date, "Sept. 3rd, 2021");
        has("DOB: 1957", Date, "1957");
        has("Date of Birth: 04/05/1950", Date, "04/05/1950");
        has("Admission Date: 03141957", Date, "03141957");
        // a year on its own dates an event after "in", "since", "s/p"… (real notes'
        // gold standards label it; the policy decides what to remove)
        has("diagnosed in 2019 and treated", Date, "2019");
        has("S/P L MASTECTOMY 1992, DM", Date, "1992");
        has("previous inferior MI (2017); HTN", Date, "2017");
        has("HX MI IN 1998, DM2", Date, "1998");
        // a clock time, a quantity or part of a longer number is no year
        none("NPO since 2000, then sips", Date);
        none("output at 2030 was 50cc", Date);
        none("in 2000 ml of NS", Date);
        none("a total of 2019 patients", Date);
        none("ref 1998-2004-77", Date);
        // "banded 4/98", "admitted on 3-15": month/year and a dashed month/day in context
        has("VARICES BANDED 4/98.", Date, "4/98");
        has("ADMITTED ON 3-15 W/ RESP FAILURE", Date, "3-15");
        none("WORKED ON 3-11 SHIFT", Date);
        // after a test, a procedure or an event verb
        has("CXR 3-14 SHOWED INFILTRATE", Date, "3-14");
        has("LAST BM 3-12. TOL DIET", Date, "3-12");
        has("new line placed 12-2, tip ok", Date, "12-2");
        none("BM 1-2 TIMES/DAY", Date);
        none("STARTED 2-3 DAYS AGO", Date);
        none("FIO2 40%, PEEP 5, 12/45 ratio", Date);
        none("you may 5 times a day", Date);
        none("May 5 mg tablets", Date);
    }

    #[test]
    fn phones_and_fax() {
        has("Call (555) 123-4567 today", Phone, "(555) 123-4567");
        has("Call 555-123-4567", Phone, "555-123-4567");
        has("Call 555.123.4567", Phone, "555.123.4567");
        has("Call +1 555 123 4567", Phone, "+1 555 123 4567");
        has("Tel 555-123-4567 ext. 204", Phone, "555-123-4567 ext. 204");
        has("Fax: (555) 987-6543", Fax, "(555) 987-6543");
        has("F: 555-987-6543", Fax, "555-987-6543");
        has("Phone: 555-123-4567 Fax: 555-123-9999", Fax, "555-123-9999");
        has(
            "Phone: 555-123-4567 Fax: 555-123-9999",
            Phone,
            "555-123-4567",
        );
        none("Phone: 555-123-4567 Fax: 555-123-9999 ", Category::Id);
        none("BP 120/80 mmHg, 2024-03-14", Phone);
        none("Lot 123-456-78901", Phone);
    }

    #[test]
    fn email_url_ip() {
        has(
            "mail jane.doe@example.org now",
            Email,
            "jane.doe@example.org",
        );
        has(
            "see https://portal.example.com/a?b=1.",
            Url,
            "https://portal.example.com/a?b=1",
        );
        has("see www.mercy.org for info", Url, "www.mercy.org");
        has(
            "see mychart.example.com/login",
            Url,
            "mychart.example.com/login",
        );
        none("mail jane.doe@example.org now", Url);
        none("file report.pdf and e.g. notes", Url);
        has("from 192.168.1.20 host", Ip, "192.168.1.20");
        has(
            "from 2001:db8::ff00:42:8329 host",
            Ip,
            "2001:db8::ff00:42:8329",
        );
        none("value 300.1.1.1 x", Ip);
        none("at 10:30 and 12:45:10", Ip);
    }

    #[test]
    fn ssn_and_ids() {
        has("SSN 123-45-6789", Ssn, "123-45-6789");
        has("ss 123 45 6789", Ssn, "123 45 6789");
        has("Social Security: 123456789", Ssn, "123456789");
        none("code 000-12-3456", Ssn);
        has("MRN: 4829301", Id, "4829301");
        has("Subject ID: ST-0042-A", Id, "ST-0042-A");
        has("Patient ID 00123456", Id, "00123456");
        has("Medical Record Number: 99-1234", Id, "99-1234");
        has("Acct #: 55321", Id, "55321");
        has("Member ID: XKZ123456789", Id, "XKZ123456789");
        has("NPI 1234567890", Id, "1234567890");
        has("DEA: AB1234563", Id, "AB1234563");
        has("Encounter No. 778812", Id, "778812");
        has("ref A1234567 on file", Id, "A1234567");
        has("ref 8812345 on file", Id, "8812345");
        none("Take 500 mg twice daily", Id);
        none("Infectious Disease (ID) consult", Id);
        none("Account for 2 weeks", Id);
        none("Encounter Date: 03/14/2024", Id);
        none("Heparin 1000000 units", Id);
        none("opening pressure of 55cmH20, RBC18550, WBC25", Id);
        has("ref AB1234567 on file", Id, "AB1234567");
        let s = det().detect("MRN: 4829301");
        assert!(s.iter().any(|x| x.score >= 0.95 && x.category == Id));
        let s = det().detect("ref 8812345");
        assert!(s.iter().all(|x| x.score <= 0.5));
    }

    #[test]
    fn ages() {
        has("A 92-year-old man", Age, "92");
        has("age 93, frail", Age, "93");
        has("93 y/o female", Age, "93");
        has("aged 101 years", Age, "101");
        has("is 95 yo", Age, "95");
        has("She is 90 years old", Age, "90");
        none("A 45-year-old man", Age);
        none("age 89", Age);
        none("93 yolks", Age);
        // after the person it is of
        has("PT'S MOTHER IS 91, LIVES WITH THEM", Age, "91");
        has("states pt's wife (93) lives at same facility", Age, "93");
        has("the pt is now 94 and frail", Age, "94");
        none("he is 95% on room air", Age);
        none("she was 92 kg on admission", Age);
        none("pt's mother is 71", Age);
        // in words
        has("NINETY-TWO YEAR OLD MALE", Age, "NINETY-TWO");
        has("pt turned ninety last month", Age, "ninety");
        has(
            "a one hundred and one year old veteran",
            Age,
            "one hundred and one",
        );
        none("seventy-two year old man", Age);
        none("ninety minutes later", Age);
        let all = RuleDetector::new().with_min_age(0);
        let spans = all.detect("A 45-year-old man, age 89");
        let ages: Vec<&str> = spans
            .iter()
            .filter(|s| s.category == Age)
            .map(|s| &"A 45-year-old man, age 89"[s.start..s.end])
            .collect();
        assert_eq!(ages, vec!["45", "89"]);
    }

    #[test]
    fn addresses_and_zip() {
        has("lives at 123 Main Street.", Address, "123 Main Street");
        has(
            "4500 N. Oak Ave, Apt 4B",
            Address,
            "4500 N. Oak Ave, Apt 4B",
        );
        has("PO Box 1234", Address, "PO Box 1234");
        has("Springfield, IL 62704", Address, "Springfield, IL");
        has("Springfield, IL 62704", Zip, "62704");
        has("12 Elm St, Boston, MA 02115-1234", Zip, "02115-1234");
        has("12 Elm St, Boston, MA", Address, "Boston, MA");
        has("Zip Code: 90210", Zip, "90210");
        has("moved to Dayton, OH last year", Location, "Dayton");
        none("Take 2 Tylenol Dr. Smith said", Address);
        none("Na 140, K 4.1", Zip);
        none("John Smith, MD", Location);
        // a quantity before a street type is no house number, in one casing too
        none("THEY LIVE IN FRAMINGHAM, ~40 MIN DRIVE. #5 ID:", Address);
        has(
            "LIVES AT 40 MILL DRIVE, FRAMINGHAM",
            Address,
            "40 MILL DRIVE",
        );
    }

    #[test]
    fn roles_quoted_names_and_named_businesses() {
        for (text, cat, want) in [
            (
                "GRANDMOTHER VISITED - INTERPRETER MAI USED FOR TEACHING",
                Name,
                "MAI",
            ),
            ("called to bedside by pca ana for pt found", Name, "ana"),
            (
                "OTHER SUPPORTS: DAU SANDRA IN WARWICK, RI - PT GAVE",
                Location,
                "RI",
            ),
            (
                "Social: Boyfriend \"Dizzy\" visited 1300-1400",
                Name,
                "Dizzy",
            ),
            (
                "sometimes on couch of friend \"skip\" in chelsea",
                Name,
                "skip",
            ),
            ("NEURO: A+OX3, SHARP. \"CALL ME BUD\".", Name, "BUD"),
            ("BABY GIRL \"GRACE\" TRAN, 38 5/7 WKS", Name, "TRAN"),
            (
                "FLEEING PARTNER ANDRE BAPTISTE (\"DRE\") ON 7/5",
                Name,
                "DRE",
            ),
            (
                "at the clubhouse, \"bear\" (real name eddie), visits",
                Name,
                "bear",
            ),
            ("maternal gm deb ok to receive updates", Name, "deb"),
            (
                "PT WORKS PART TIME AT CITY FRESH FOODS; MANAGER AWARE",
                Organization,
                "CITY FRESH FOODS",
            ),
            (
                "funeral home: mcgrath & sons, woburn",
                Organization,
                "mcgrath & sons",
            ),
            (
                "HAS ACTIVE 209A ISSUED AT DORCHESTER DISTRICT COURT; RETURN",
                Organization,
                "DORCHESTER DISTRICT COURT",
            ),
            (
                "filed at middlesex probate and family court, docket",
                Organization,
                "middlesex probate and family court",
            ),
            ("BP 240/140 ON ARRIVAL 4/11, HA.", Date, "4/11"),
            ("DX: R MCA CVA 3-12, S/P TPA", Date, "3-12"),
        ] {
            has(text, cat, want);
        }
        // "call me" before no name, a quoted word after no relation, a series of one scale
        none("pt asked rn to call me back later", Name);
        none("pt called \"help\" twice overnight", Name);
        none("wife and son at bedside", Name);
        none("PAIN 5/10, 7/10 W/ MOVEMENT", Date);
        none("lives with mary and son in town", Organization);
        none("Pupils 4/4 decreasing to 2/2. EOM intact", Date);
        none("seen by Rebecca Richardson, MD. The patient", Location);
        none("a 20-gauge, 15 cm LSB needle was then directed", Name);
        assert_eq!(
            hits("IF WT STABLE AND BILI OK.\nLISA CHU, RN BSN\n", Name),
            vec!["LISA CHU".to_string()]
        );
        none(
            "ILY LOUNGE. INTERPRETER (KOREAN) SCHEDULED FOR 1000 MTG",
            Name,
        );
    }

    #[test]
    fn officers_shorthand_relatives_outside_hospitals_and_pain_ratings() {
        for (text, cat, want) in [
            (
                "POLICE DETECTIVE RUIZ IN TO SPEAK W/ PT, NOT ABLE.",
                Name,
                "RUIZ",
            ),
            (
                "DEVICE CHECK BY MEDTRONIC REP STEVE 1100 - WNL.",
                Name,
                "STEVE",
            ),
            ("GF BRITTANY AT BEDSIDE UNTIL 2300", Name, "BRITTANY"),
            (
                "SON BUCK AND DAU-IN-LAW CRYSTAL STAYING AT HOPE LODGE",
                Name,
                "CRYSTAL",
            ),
            ("son will lives in nh, visiting on the 24th.", Name, "will"),
            (
                "HCP IS NIECE PEG O'ROURKE (860-555-0168); PER PEG",
                Name,
                "PEG O'ROURKE",
            ),
            (
                "npn 7a-7p micu\npt 64 yo f w/ copd exac, intubated at osh (mercy west) 2/27",
                Organization,
                "mercy west",
            ),
            (
                "HX: ADMITTED TO OSH (DOWNEAST) 10/3 W/ CAP",
                Organization,
                "DOWNEAST",
            ),
            ("sw andre paged at 5-3390.", Phone, "5-3390"),
            ("ON HOME O2, OFF BIPAP SINCE 5/7. PULM", Date, "5/7"),
            ("pain since 3/10, worse w/ walking", Date, "3/10"),
            (
                "TX FROM PERRY COUNTY HOSP 8/14 W/ ACUTE MI",
                Organization,
                "PERRY COUNTY HOSP",
            ),
            (
                "SW CALLED LAKESIDE HEALTH CTR - PCP",
                Organization,
                "LAKESIDE HEALTH CTR",
            ),
            (
                "died on a vent at Our Lady of the Bayou, that",
                Organization,
                "Our Lady of the Bayou",
            ),
            (
                "order to desert air medical supply, delivery to home",
                Organization,
                "desert air medical supply",
            ),
        ] {
            has(text, cat, want);
        }
        // a rating out of ten in a sentence about pain, a modal before a bare verb, an
        // ordinary word alone in brackets after OSH
        none(
            "c/o pain 5/10 l hip, percocet 1 tab w/ relief to 2/10.",
            Date,
        );
        none("PAIN: MS CONTIN 15 BID + MSIR PRN, 3/10.", Date);
        none("son will call in am", Name);
        // a month dated with a dash dates its other days so ("TX FROM CCU 3-4"), not a
        // quantity or a range ("X 3-4", "NEEDS 3-4 L")
        let md = "82 YO M, ADMITTED 3-2, TX FROM CCU 3-4. LASIX GTT OFF 3-5, NOW 80 IV BID.\nPLAN: ? D/C HOME 3-8 IF WT STABLE";
        assert_eq!(hits(md, Date), vec!["3-2", "3-4", "3-5", "3-8"]);
        assert_eq!(
            hits(
                "ADMITTED 3-2. AMBULATED X 3-4, NEEDS 3-4 L NC. HR 3-4",
                Date
            ),
            vec!["3-2"]
        );
        assert_eq!(
            hits("TX FROM CCU 3-4. GTT OFF 3-5.", Date),
            Vec::<String>::new()
        );
        none(
            "SUBJ: \"I CAN'T DO ANYTHING WITH BOTH ARMS LIKE THIS.\"",
            Name,
        );
        assert_eq!(
            hits("D/W DR. BHATT AND PA KRISTEN.\nC. MURPHY, RN", Name),
            vec!["BHATT", "KRISTEN", "C. MURPHY"]
        );
        none("records from osh (pending) reviewed", Organization);
    }

    #[test]
    fn centres_counties_covering_clinicians_and_month_ranges() {
        for (text, cat, want) in [
            (
                "TX FROM POUDRE PLAINS MED CTR 5/10.",
                Organization,
                "POUDRE PLAINS MED CTR",
            ),
            (
                "93 YO F FROM OZARK PINES NURSING CTR IN SPRINGFIELD",
                Organization,
                "OZARK PINES NURSING CTR",
            ),
            (
                "CAROL REQUESTS WOLLASTON MANOR REHAB. CM TERESA",
                Organization,
                "WOLLASTON MANOR REHAB",
            ),
            (
                "PEDIATRICIAN: DR. OYELARAN, ANDOVER PEDIATRIC ASSOC, 978-555-0127.",
                Organization,
                "ANDOVER PEDIATRIC ASSOC",
            ),
            (
                "PT HAS CASE MGR GLORIA AT SOUTH MIDDLESEX ELDER SVCS.",
                Organization,
                "SOUTH MIDDLESEX ELDER SVCS",
            ),
            (
                "SOCIAL: LIVES IN GREELEY, WELD COUNTY. GF",
                Location,
                "WELD COUNTY",
            ),
            (
                "lives in springfield (lane county) w/ husband",
                Location,
                "lane county",
            ),
            ("son scott in manchester (nh) is hcp", Location, "nh"),
            ("pt from hazard, ky, transferred", Location, "hazard, ky"),
            (
                "called covering, patel, @ 0225, came to eval",
                Name,
                "patel",
            ),
            (
                "abg 0230 on above. md (tran) aware, increased ipap",
                Name,
                "tran",
            ),
            (
                "latch good per lactation (marisol). 4 voids",
                Name,
                "marisol",
            ),
            (
                "LIVING WILL DRAWN UP W/ ATTY HOLT; WILL BRING COPY",
                Name,
                "HOLT",
            ),
            ("to be readdressed w/ team.\nsue b. rn\n", Name, "sue b."),
            ("LABS 9-6: ALB 2.4, PREALB 8", Date, "9-6"),
            ("lytes 3/8: k 3.6, mg 1.7", Date, "3/8"),
        ] {
            has(text, cat, want);
        }
        assert_eq!(
            hits("lives in venice fl nov-apr, summers in nh", Date),
            vec!["nov", "apr"]
        );
        // counties no name qualifies, a gestational age, a train of four, a share of
        // the lung fields, a nurse's role and a letter glued to a slash
        none(
            "lives in the county, moved from a neighboring county",
            Location,
        );
        none("BABY BOY, DOL 12, CGA 33 3/7.", Date);
        none("cisatracurium gtt, tof 2/4.", Date);
        none("resp: as above. crackles 1/2 up.", Date);
        assert_eq!(
            hits("NH CHARGE RN LAVERNE (417) 555-0108", Name),
            vec!["LAVERNE"]
        );
        none("REASSESS FOR SBT IN AM. D/W GUERRA, RRT CHARGE.", Name);
        assert_eq!(
            hits("R. HILL, MD PGY-1  PAGER 4-7730", Name),
            vec!["R. HILL"]
        );
        none("shift 7-3:30 uneventful", Date);
    }

    #[test]
    fn police_ordinary_word_facilities_saints_and_labelled_dates() {
        for (text, cat, want) in [
            (
                "PORTLAND POLICE SAYS PT WAS VICTIM",
                Organization,
                "PORTLAND POLICE",
            ),
            (
                "Pt under police hold per Hartford PD. Visitors",
                Organization,
                "Hartford PD",
            ),
            (
                "IN POLK COUNTY JAIL PER LAKELAND POLICE DEPT.",
                Organization,
                "LAKELAND POLICE DEPT",
            ),
            (
                "TX FROM CAPITAL REGION HOSP BY AMBULANCE",
                Organization,
                "CAPITAL REGION HOSP",
            ),
            (
                "PCP DR. BEGAY AT FOUR CORNERS COMMUNITY CLINIC, 505",
                Organization,
                "FOUR CORNERS COMMUNITY CLINIC",
            ),
            (
                "VERIFIED W/ MERRIMACK RECOVERY CTR IN LAWRENCE",
                Organization,
                "MERRIMACK RECOVERY CTR",
            ),
            (
                "admitted 1-9 from seaside rehab & nursing w/ urosepsis",
                Organization,
                "seaside rehab & nursing",
            ),
            (
                "96 YO F FROM PALMETTO SHORES ALF, BOCA RATON",
                Organization,
                "PALMETTO SHORES ALF",
            ),
            (
                "SCALE ORDERED FROM MOTOR CITY MEDICAL SUPPLY, TO BE",
                Organization,
                "MOTOR CITY MEDICAL SUPPLY",
            ),
            (
                "Attended AA at St. Rose of Lima church basement",
                Organization,
                "St. Rose of Lima",
            ),
            ("Deacon Mayfield plans to come Sunday", Name, "Mayfield"),
            ("IB O'SULLIVAN TWIN A. 26 3/7 WK CGA", Name, "O'SULLIVAN"),
            ("neighbor dawn doing the milking.", Name, "dawn"),
            ("SON JEAN-PAUL (\"J.P.\") IN LAFAYETTE", Name, "J.P."),
            ("POD 1 S/P WHIPPLE 10-19 FOR PANC HEAD MASS", Date, "10-19"),
            ("pcp dr tavares, last seen 3-30.", Date, "3-30"),
            ("K. WOJCIK, PT, DPT  12-6\n", Date, "12-6"),
            ("ANGIO 8/19: 7MM ACOM ANEURYSM", Date, "8/19"),
            ("dnr/dni confirmed w/ pt and dtr on 8/23.", Date, "8/23"),
            (
                "rented room at 4410 se division st until evicted",
                Address,
                "4410 se division st",
            ),
        ] {
            has(text, cat, want);
        }
        // "state police", ordinary words before a clinic that a specialty could name, a
        // murmur's grade, a nurse's role and a count of siblings
        none("the state police and the police were called", Organization);
        none("seen at heart failure clinic", Organization);
        none("ordered from his home medical supply", Organization);
        none(
            "then we will need to add more foods accordingly",
            Organization,
        );
        none("no cp. 4/6 sem radiating to carotids", Date);
        none("DTRs 2/4 throughout", Date);
        none("RES PENDING", Name);
    }

    #[test]
    fn roles_before_numbers_residences_at_towns_and_day_ranges() {
        for (text, cat, want) in [
            (
                "SPOKE W/ GLENWOOD NURSE MANAGER DEB 508-555-0146 - CONFIRMED",
                Name,
                "DEB",
            ),
            ("HOME HEALTH. CM LUPE EXT 4417.\nPLAN", Name, "LUPE"),
            ("CALLED TO RM 12 BY PCT BAO FOR PT C/O CP", Name, "BAO"),
            (
                "SAFETY: BED ALARM ON, SITTER (JOSE) 2300-0700.",
                Name,
                "JOSE",
            ),
            ("SISTER-IN-LAW DOT ALSO CALLED.", Name, "DOT"),
            (
                "NICU NPN\nINFANT GIRL MCCARTHY \"NORA\", DOL 21",
                Name,
                "NORA",
            ),
            ("SOCIAL: HUSBAND ELMER (92) AT HOME", Age, "92"),
            (
                "WORKED 30 YRS AT ANDROSCOGGIN PAPER CO. DTR",
                Organization,
                "ANDROSCOGGIN PAPER CO",
            ),
            (
                "ADMITTED 6/11 FROM THE OAKS AT MADISON (ALF).",
                Organization,
                "THE OAKS AT MADISON",
            ),
            (
                "REFERRAL TO OCMULGEE HOSPICE CARE.",
                Organization,
                "OCMULGEE HOSPICE CARE",
            ),
            ("COPD, BIPAP 12/2-12/4, NOW ON 3L NC.", Date, "12/2-12/4"),
            ("RESP: INTUBATED AT OSH 7/8. AC 420 X 24", Date, "7/8"),
            (
                "bed to be delivered to home, 12 old county rd, harwich 02645.",
                Address,
                "12 old county rd",
            ),
        ] {
            has(text, cat, want);
        }
        // a function word that is a census name, cardiac output, a setting's range, the
        // number of a road or a decimal, a patient's own words in quotes
        none("DAWN STAYING W/ SISTER IN SHREWSBURY, CELL", Name);
        none("FICK CO 4.2, CI 2.1", Organization);
        none("PS 5/5-5/8 OVERNIGHT", Date);
        none("S/P MVC ON I-94 NEAR ST. CLOUD", Address);
        none("K 3.6, MG 1.7 REPLETED. DR SCHULTZ AWARE", Address);
        none("PT STATES \"NORA\" IS FINE", Name);
        none("CHANGED TO 2 CM DRESSING", Name);
        none("measures at least 10-cm long.  No pneumatosis", Name);
        none("3.3 cm.  Given the short interval", Name);
        none("PO INTAKE GOOD.", Name);
        none("I'm moving out of the country", Organization);
    }

    #[test]
    fn roles_in_brackets_handoffs_extensions_and_towns_in_brackets() {
        for (text, cat, want) in [
            (
                "plan: per okafor (attending) cont current settings",
                Name,
                "okafor",
            ),
            ("D/W LINDQVIST (PULM FELLOW) RE: PEEP", Name, "LINDQVIST"),
            ("TO 11 NORTH, REPORT GIVEN TO SUE AT 1330.", Name, "SUE"),
            ("EEG tech Raj in at 0200 to fix leads.", Name, "Raj"),
            ("VOICEMAIL TO DOLORES (DON), X102.", Phone, "102"),
            ("spoke w/ case mgr brenda x212, shelter", Phone, "212"),
            ("SON ARNE (ST. CLOUD) IS HCP", Location, "ST. CLOUD"),
            ("63 YO F ADM 9/2 W/ BILAT PE", Date, "9/2"),
            (
                "works 3rd shift at buckeye tool and die, went",
                Organization,
                "buckeye tool and die",
            ),
            (
                "DAD DRIVES FOR SUMMIT TRUCKING.",
                Organization,
                "SUMMIT TRUCKING",
            ),
            ("hx varices banded in 98 and again 2/14", Date, "98"),
        ] {
            has(text, cat, want);
        }
        // a team, a measure, a place that is a word, the floor, a murmur's grade, care
        // named by its kind
        none("seen by team (attending) today", Name);
        none("report given to floor rn", Name);
        none("prior echo report to see exactly what", Name);
        none("report given to see the plan", Name);
        none("WALKED X100 FT IN HALL", Phone);
        none("BOLUS X250 GIVEN", Phone);
        none("KATE (HOME) AWARE", Location);
        none("MURMUR 2/6 W/ BILAT RADIATION", Date);
        none(
            "TX FROM OSH VIA CRITICAL CARE TRANSPORT, ARRIVED",
            Organization,
        );
        none("r hemiparesis 1/5 arm, 2/5 leg. nihss 14", Date);
        none("admitted in 90 min", Date);
    }

    #[test]
    fn a_side_after_a_tests_date_and_a_short_hospital_after_via() {
        // "L" after a test's date is a side, no litre
        has("IS 1500. CXR 7/21 L contusion improving.", Date, "7/21");
        none("GIVEN 1/2 L NS BOLUS", Date);
        // "via" leads to a hospital's short name as "from" does
        has(
            "admitted 11/2 via xenia general ed w/ hypercarbic resp failure",
            Organization,
            "xenia general",
        );
        // an extension alone in brackets
        has("NH NURSE GLADYS (X221) CALLED FOR BASELINE", Phone, "221");
        // UK fellowships are credentials, no part of a name
        let h = hits("Kind regards\n\nMr James McCallum FRCS (Tr&Orth)", Name);
        assert!(h.iter().all(|n| !n.contains("FRCS")), "{h:?}");
    }

    #[test]
    fn header_names_shift_dates_and_what_no_address_is() {
        // "SURNAME, FIRST" opening a header line with a record label, or after "pt:"
        has("pt: cyr, lucien   mrn 3390021   77 m", Name, "cyr, lucien");
        has(
            "CHHOEUN, SOPHEAP   MRN 7612290\n63 F POST ARREST",
            Name,
            "CHHOEUN, SOPHEAP",
        );
        has(
            "BROUSSARD, ALCIDE J \"T-BOY\"   MRN LA7720019",
            Name,
            "T-BOY",
        );
        has("pt: qorvath, imrel\nneuro: a&ox3", Name, "qorvath, imrel");
        none("pt: alert, oriented x3", Name);
        none("NEURO: A&OX3, MAE   DOB CHECKED", Name);
        // a quoted shortening of the name before it is a nickname
        has("dtr folasade \"sade\" at bedside", Name, "sade");
        // a relation's shorthand
        has("LIVES W/ SON PAO AND DIL MAI AT HOME", Name, "MAI");
        // a month-day with a dash after a shift's clock range or before an appointment's time
        has("med-surg day note 0700-1900  2-14", Date, "2-14");
        has("appt made for 8-21 @ 10:15. pulm f/u", Date, "8-21");
        none("prbc x 3-4 @ 10:15", Date);
        none("7a-7p 3-11 shift report", Date);
        // ST elevation in millimetres and a verb's contraction are no address
        none("0605 ekg: ste 3-4 mm ii, iii, avf", Address);
        none("wife doesn't drive, neighbor brings her", Address);
        none("WIFE DOESN'T DRIVE, NEIGHBOR BRINGS HER", Address);
        has("lives at 40 main st, ste 3 in town", Address, "ste 3");
    }

    #[test]
    fn headers_without_a_colon_ages_by_sex_date_ranges_and_checks() {
        // a header's "SURNAME, FIRST" after "PT" without a colon, or before an age and a sex
        has(
            "PT DESROCHERS, AMBER L.  MRN 00-813-442  BED 7",
            Name,
            "DESROCHERS, AMBER L.",
        );
        has("OCHOA, BENITO 24M  MRN TR-6620491", Name, "OCHOA, BENITO");
        has(
            "pt caudill, brandon 29 m  mrn ky00917725",
            Name,
            "caudill, brandon",
        );
        none("PT ALERT, ORIENTED X3", Name);
        has("PATCH, GERALD (\"GERRY\")  78 M  RM 417", Name, "GERRY");
        has(
            "PATCH, GERALD (\"GERRY\")  78 M  RM 417",
            Name,
            "PATCH, GERALD",
        );
        // a quoted name after "baby", after a name in brackets, or called out for
        has("1400 BABY \"PAISLEY\" SKIN TO SKIN", Name, "PAISLEY");
        has("daughter Noelani (\"Noe\") at bedside", Name, "Noe");
        has("CALLING OUT FOR \"CLOYD\" (LATE HUSBAND)", Name, "CLOYD");
        none("calling out for \"help\" overnight", Name);
        // an age glued to a sex after a name; not a temperature
        has("pt winifred castellano 93f  mrn 208-77-316", Age, "93");
        none("TEMP 99F, HR 88", Age);
        none("T 101F  HR 120", Age);
        none("ambulated in hall 100 m, tolerated", Age);
        // the second date of a range; a check booked for a date and the one after "or"
        has("ccu night rn note 9/9/24-9/10/24", Date, "9/10/24");
        has("note 9/9/2024-9/10/2024", Date, "9/9/2024");
        has("F/U BP CHECK 2/6 OR 2/7 IN OB OFFICE.", Date, "2/7");
        has("Pain 4-7/10, methadone started 9/25.", Date, "9/25");
        none("PAIN 4-7/10, DILAUDID 1/2", Date);
        // a muscle's grade and a needle's size in inches are no dates
        none(
            "FOLLOWS COMMANDS, NECK FLEXION 3/5. PYRIDOSTIGMINE HELD",
            Date,
        );
        none("ACCESSED W/ 20G 3/4\" HUBER, + BLOOD RETURN", Date);
        // a badge's number
        has(
            "STATE POLICE TROOPER GAGNON, BADGE 2217, CALLED",
            Id,
            "2217",
        );
        // a clock time, a team and "DR" before a name are no street; a drive is one
        none("2230 PRBC GIVEN.\n2235 GI FELLOW DR MBEKI PAGED", Address);
        none("1730 GEN SURG DR BERNIER TO EVAL", Address);
        has("LIVES AT 1730 OAK DR, SPRINGFIELD", Address, "1730 OAK DR");
        // the state after a town the gazetteer knows, a phone number after it
        has(
            "MOTHER CALLED FROM FARMINGTON, NM 505-555-0126",
            Location,
            "NM",
        );
    }

    #[test]
    fn fields_end_at_a_sentence_and_grades_need_five() {
        // an organisation field ends with its sentence
        let t =
            "INS: MEDICARE + ANTHEM MEDIGAP. PT IS A VETERAN; PCP DR OSEI AT MERRIMACK VA CLINIC.";
        let h = hits(t, Organization);
        assert!(
            h.iter()
                .all(|o| !o.contains("VETERAN") && !o.contains("PCP")),
            "{h:?}"
        );
        has(
            "Insurance: Tufts Health Plan. Copay due",
            Organization,
            "Tufts Health Plan",
        );
        // after a limb or a muscle only a grade out of five is a score
        has(
            "resting hand splint (fabricated 9/23). Recommend",
            Date,
            "9/23",
        );
        none("l knee rom 10-75 aarom. quad 3/5, able to slr", Date);
        none("RUE 4/5, hand grip 3/5", Date);
        // a year after smoking or drinking stopped
        has("PT QUIT SMOKING IN 98. FRIEND VISITED", Date, "98");
        none("SATS WHILE SMOKING IN 90S", Date);
        // a reporting verb or a pager closes a name after a title; a lactation
        // consultant's credential is none
        let h = hits("LANDLORD MR. FONTENOT STATES PT BEHIND ON RENT", Name);
        assert!(h.iter().all(|n| !n.contains("STATES")), "{h:?}");
        let h = hits("- mike d, rrt  pgr 51193", Name);
        assert!(h.iter().all(|n| !n.contains("pgr")), "{h:?}");
        let h = hits("D/C HOME TODAY.\n-- HEATHER M., RN IBCLC", Name);
        assert!(h.iter().all(|n| !n.contains("IBCLC")), "{h:?}");
        // a clinician's verb is no part of a facility's name
        none(
            "CARDIOLOGY FELLOW PRIYA DISCUSSED CARDIAC REHAB, PT TEARFUL.",
            Organization,
        );
        has(
            "PT ATTENDED SUNNYVALE CARDIAC REHAB",
            Organization,
            "SUNNYVALE CARDIAC REHAB",
        );
    }

    #[test]
    fn initials_nicknames_and_joined_relatives() {
        for (text, want) in [
            ("SOCIAL: DAUGHTERS LISA & ANN CALLED X2, UPDATED.", "ANN"),
            ("social: sons mark and paul in to visit", "paul"),
            ("nursing progress note\nmrs g. is a 78 yo f admitted", "g"),
            ("plan: lactulose, f/u renal recs.\n-kt\n", "kt"),
            ("SW TO SEE IN AM.\n-- MH RN", "MH"),
            ("helen called again at 0500. -ak\n", "ak"),
            ("visited from worcester, left at 2000. -d.m.", "d.m."),
            (
                "SURFACTANT X1 GIVEN PER NNP WHITCOMB AFTER INTUBATION",
                "WHITCOMB",
            ),
            ("chaplain fr. o'leary in to see family", "o'leary"),
            (
                "TRANSPLANT LIST PER HEPATOLOGY (DR A. VARGHESE).",
                "A. VARGHESE",
            ),
            ("pt asks to be called \"tillie\". born 1911", "tillie"),
        ] {
            has(text, Name, want);
        }
        has("will f/u daily. sw b. kowalczyk ext 4411", Phone, "4411");
        // a dash before a clinical word or an English word closing a line is no signature
        none("PLAN: CONT ABX\n-OK\n- ABG\n", Name);
        none("wife and son at bedside", Name);
        none("pt called \"help\" twice overnight", Name);
    }

    #[test]
    fn month_words_after_a_dating_word_in_any_casing() {
        for (text, want) in [
            (
                "full code at this time - family mtg mar 14 to discuss",
                "mar 14",
            ),
            ("pt is 62 yo f adm oct 3 w/ sah", "oct 3"),
            ("admitted sept 2 w/ copd flare", "sept 2"),
            ("baseline until jan 3 when she fell", "jan 3"),
            // an ordinal day dates any month word, "may" too, in any casing
            (
                "the team will telephone you before 7th may to give",
                "7th may",
            ),
            ("BOWEL PREP ON MONDAY 19TH MAY. - IF YOU", "19TH MAY"),
            ("seen on the 3rd march in clinic", "3rd march"),
        ] {
            has(text, Date, want);
        }
        // ... unless "may" is the verb
        none("symptoms on the 5th may be mild", Date);
        // "dec 2" = decreased, "mar" a mark, without a dating word before them
        none("uo dec 2 cc/hr overnight", Date);
        // a month word and a day closing a clause
        has(
            "last menstrual period may 28. quantitative beta hcg",
            Date,
            "may 28",
        );
        none("pt may 2 tabs of tylenol", Date);
    }

    #[test]
    fn facilities_known_by_name_alone() {
        // from the packaged provider list, in any casing, without a facility word
        for (text, want) in [
            ("transferred from Baystate yesterday", "Baystate"),
            ("TRANSFERRED FROM BAYSTATE FOR CATH", "BAYSTATE"),
            (
                "cabg at beth israel deaconess in 2019",
                "beth israel deaconess",
            ),
            (
                "followed at Brigham & Women's, last seen",
                "Brigham & Women's",
            ),
            ("PT FROM DANA FARBER.", "DANA FARBER"),
        ] {
            has(text, Organization, want);
        }
        // in mixed-case text a name is capitalised
        none(
            "CABG at beth israel deaconess in 2019, stable",
            Organization,
        );
        none("Spoke with Pt. about the plan", Organization);
    }

    #[test]
    fn facilities_and_employers_after_verbs_of_care_and_living() {
        for (text, want) in [
            (
                "adm 2/3 from kesslington regional with urosepsis",
                "kesslington regional",
            ),
            ("home o2 via lincare 2l continuous", "lincare"),
            ("transferred via careflite, arrived ~1630", "careflite"),
            (
                "He has been staying at Carver Street Inn since March",
                "Carver Street Inn",
            ),
            ("Luis works days at Home Depot in Chelsea", "Home Depot"),
            ("D/C'D TO YOUVILLE FOR REHAB", "YOUVILLE"),
            (
                "son in from hartford, staying at holiday inn, cell 860",
                "holiday inn",
            ),
        ] {
            has(text, Organization, want);
        }
        // units, places, ordinary words and times are none
        for text in [
            "transferred from tsicu to floor",
            "TRANSFERRED TO CCU AT 0400",
            "pt transferred from Boston to Lowell",
            "discharged to Home with services",
            "transferred from micu, stable",
            "sent to floor at 1400",
            "lives at home with wife",
            "pt works at home as a writer",
            "traction was placed via gardner-wells tongs and a roll",
        ] {
            none(text, Organization);
        }
    }

    #[test]
    fn agencies_firms_and_hospitals_by_short_name() {
        for (text, want) in [
            (
                "VNA VISIT ARRANGED W/ VNA OF CAPE ANN FOR 2/8",
                "VNA OF CAPE ANN",
            ),
            (
                "gave info re: elder services of the merrimack valley.",
                "elder services of the merrimack valley",
            ),
            (
                "peds is at Pediatric Associates of Brookline.",
                "Pediatric Associates of Brookline",
            ),
            (
                "WORKS AS AN ELECTRICIAN FOR KESSLER ELECTRIC CO.",
                "KESSLER ELECTRIC CO",
            ),
            (
                "a supervisor for Brackley Logistics and",
                "Brackley Logistics",
            ),
            (
                "pt works as a bookkeeper for harborside insurance.",
                "harborside insurance",
            ),
            ("TAKEN TO LAWRENCE GENERAL, THEN HERE", "LAWRENCE GENERAL"),
            (
                "pcp is dr. ramesh iyer at lakeshore medical partners. anticipate",
                "lakeshore medical partners",
            ),
            // two ordinary words after a preposition name a weak kind, in either casing
            (
                "short stay at Laurel Ridge Manor in 2019",
                "Laurel Ridge Manor",
            ),
            (
                "SHORT STAY AT LAUREL RIDGE MANOR IN 2019",
                "LAUREL RIDGE MANOR",
            ),
            // a manor after a preposition, even led by one ordinary word
            ("FAMILY WANTS HIM BACK AT LINDEN MANOR", "LINDEN MANOR"),
            // weak facility kinds after a name that is no ordinary word
            (
                "transported by Lyndale Ambulance to ED",
                "Lyndale Ambulance",
            ),
            (
                "SERVICES FROM KENNEBEC VISITING NURSES",
                "KENNEBEC VISITING NURSES",
            ),
            (
                "lives at brantwood senior life since",
                "brantwood senior life",
            ),
            (
                "SURGEON DR. KAPLAN-REYES FROM NEW ENGLAND BAPTIST SAW PT.",
                "NEW ENGLAND BAPTIST",
            ),
            ("CABG 2019 @ LAWRENCE GENERAL. NEURO:", "LAWRENCE GENERAL"),
            ("pcp is dr. weinstock at mass general. plan", "mass general"),
            (
                "referred by dr. gallagher of north shore medical.",
                "north shore medical",
            ),
            (
                "admitted 2/3 from Lakeview Regional with urosepsis",
                "Lakeview Regional",
            ),
        ] {
            has(text, Organization, want);
        }
        for text in [
            "referred to general surgery at the hospital",
            "transferred to the general medical floor",
            "gets meals on wheels through the town",
            "home care of the wound as taught",
            "works in home construction",
            "called ems, ambulance took him",
            "quality of senior life program",
            "discussed with the medical partners",
            "has no health insurance",
            "checked with her insurance, medicare",
            "VNA of the patient's choice",
            "discharged to Acute Medical unit",
        ] {
            none(text, Organization);
        }
        // a facility word after a short name is the facility rule's, whole
        has(
            "admitted to Lawrence General Hospital",
            Organization,
            "Lawrence General Hospital",
        );
    }

    #[test]
    fn practices_named_before_a_specialty_in_any_casing() {
        for (text, want) in [
            (
                "REFERRED BY PIEDMONT ENDOSCOPY CENTER FOR EGD",
                "PIEDMONT ENDOSCOPY CENTER",
            ),
            (
                "THOMAS BELL, MD (ROANOKE FAMILY HEALTH)",
                "ROANOKE FAMILY HEALTH",
            ),
            (
                "treatment at lakehead fertility center. proceed",
                "lakehead fertility center",
            ),
            // a practice named after its street, under the doctor's name
            (
                "dr m. oduya\nbrighouse road medical practice\n118 brighouse road",
                "brighouse road medical practice",
            ),
            (
                "DR P. OSEI-BONSU\nCOWLEY ROAD MEDICAL PRACTICE\n27 COWLEY ROAD",
                "COWLEY ROAD MEDICAL PRACTICE",
            ),
        ] {
            has(text, Organization, want);
        }
        has(
            "to: colorectal service\nheartlands and solihull hospitals\nbordesley green east",
            Organization,
            "heartlands and solihull hospitals",
        );
        // a letterhead: the first line holds nothing but a facility's name, or the second
        // under a note's title, a town or subtitle after a comma or a dash
        for (text, want) in [
            (
                "PERITONEAL DIALYSIS CLINIC - RN MONTHLY VISIT\nHIGH DESERT HOME DIALYSIS, GALLUP\nPT: BEGAY",
                "HIGH DESERT HOME DIALYSIS",
            ),
            (
                "home health pt eval / oasis start of care\nshoreline visiting nurse association\npt: x",
                "shoreline visiting nurse association",
            ),
            (
                "Hospice SW Visit\nWillamette Home Hospice - pt Eleanor",
                "Willamette Home Hospice",
            ),
            (
                "summit rheumatology & arthritis center\n4400 westlake ave",
                "summit rheumatology & arthritis center",
            ),
            (
                "HARBOR POINT PRIMARY CARE\n40 WATER STREET",
                "HARBOR POINT PRIMARY CARE",
            ),
            (
                "Cascade Cardiology & Electrophysiology\n1201 Terry Ave",
                "Cascade Cardiology & Electrophysiology",
            ),
            // a residence's full name
            (
                "Discharge to: Pinewood Manor Skilled Nursing & Rehabilitation\nDiagnosis",
                "Pinewood Manor Skilled Nursing & Rehabilitation",
            ),
            (
                "\nmeridian diagnostic laboratories\n3l0 canal st",
                "meridian diagnostic laboratories",
            ),
            // a facility word after "university" makes a hospital, named by ordinary words
            (
                "surgery\nroyal stoke university hospital, newcastle road, stoke-on-trent",
                "royal stoke university hospital",
            ),
            // OCR digits inside its words, in lower case too (only the digits are read as
            // letters: "lab0ratories" is "laboratories", not "iaboratories")
            (
                "meridian diagn0stic lab0ratories\n3l0 canal st",
                "meridian diagn0stic lab0ratories",
            ),
        ] {
            has(text, Organization, want);
        }
        for text in [
            "Discharge Instructions Clinic\nTake one tablet",
            "Interventional Cardiology\nseen today",
            "pediatric cardiology and electrophysiology\nfollow up",
            "women's health\nseen today",
            "cardiac surgery\npost-op day 2",
            "pain clinic\nreferred",
            "seen at the clinic\nfollow up",
            "NURSING PROGRESS NOTE\nWOUND CARE - SACRAL",
            "nursing note\npalliative care, family mtg",
            "ICU ADMISSION NOTE\nHOME HOSPICE\nPT: X",
        ] {
            none(text, Organization);
        }
        // a street type after an ordinary word names no practice
        none("back to the road medical practice", Organization);
        // ordinary words before a specialty are a phrase in one casing
        none("DESERT SKY CARDIOLOGY SAW PT", Organization);
        none("appreciate neurology associates input", Organization);
        none("SAW NEUROLOGY TODAY", Organization);
        // a clinical word inside a name a name word leads
        has(
            "WORKS AS A HYGIENIST AT BRIGHT SMILES DENTAL GROUP AND HAS MISSED",
            Organization,
            "BRIGHT SMILES DENTAL GROUP",
        );
        has(
            "pulmonary rehab referral to lakeside cardiopulmonary rehab.",
            Organization,
            "lakeside cardiopulmonary rehab",
        );
        // ... not a facility's kind, nor a clinician's surname
        none("plan: ?home w/ vna vs rehab.", Organization);
        none(
            "f/u appt w/ dr. lindqvist ortho clinic in 2 wks",
            Organization,
        );
        // one word after a preposition before a specialty's facility
        has(
            "PRIOR DETOX X4, LAST AT SOUTHEAST ADDICTION CENTER IN MARCH.",
            Organization,
            "SOUTHEAST ADDICTION CENTER",
        );
        // a line of nothing but a health plan's name, clinical words in it
        has(
            "PAGE 1 OF 3\n\nGREAT LAKES UNITED HEALTH PLAN\nUTILIZATION MANAGEMENT",
            Organization,
            "GREAT LAKES UNITED HEALTH PLAN",
        );
        has(
            "Utilization Management\nEvergreen Benefit Health Plans\nPO Box 4471",
            Organization,
            "Evergreen Benefit Health Plans",
        );
        none("Plan\nCardiac Health Plan\nfollow up", Organization);
        has(
            "who resides at meadowbrook assisted living in peabody.",
            Organization,
            "meadowbrook assisted living",
        );
        has(
            "still works part time at hanson lumber and supply.",
            Organization,
            "hanson lumber and supply",
        );
        // a health board on a line of its own; no nation, no label
        has(
            "NHS Greater Glasgow and Clyde\nDepartment of Gastroenterology",
            Organization,
            "NHS Greater Glasgow and Clyde",
        );
        none("NHS England\nguidance", Organization);
        none("NHS Number\n123", Organization);
        // the VA after a place preposition; visual acuity is none
        has(
            "GETS MEDS THROUGH THE VA IN WEST ROXBURY",
            Organization,
            "VA",
        );
        none("The VA was 20/40 with the VA chart", Organization);
        has(
            "Bryn Teg Residential Home, 10 Gower Road",
            Organization,
            "Bryn Teg Residential Home",
        );
        has(
            "refer to pt through brightwater home health; home safety",
            Organization,
            "brightwater home health",
        );
        none("needs home health services at discharge", Organization);
        has(
            "employed by columbia freight lines. a home",
            Organization,
            "columbia freight lines",
        );
        has(
            "fr0m: riverbend pharmacy (859) 555-o1o8",
            Organization,
            "riverbend pharmacy",
        );
        none("called the pharmacy re: refill", Organization);
        // the first word of a packaged facility's name alone after a place preposition
        has(
            "HX: HTN, DM2, CABG IN 87 AT BRIGHAM, PVD.",
            Organization,
            "BRIGHAM",
        );
        none("a sinus tract at lower end of the incision", Organization);
        none("down to good bleeding bone", Organization);
        // one clinical word after a place preposition before a facility kind of two words
        has(
            "pcp is dr. ramesh iyer at foundation medical partners.",
            Organization,
            "foundation medical partners",
        );
    }

    #[test]
    fn congregations_admissions_here_and_years_after_procedures() {
        for (text, want) in [
            (
                "TRIP TO WACO W/ FIRST BAPTIST OF CALDWELL, DID NOT",
                "FIRST BAPTIST OF CALDWELL",
            ),
            (
                "church supper at first pentecostal of bowling green. dietitian",
                "first pentecostal of bowling green",
            ),
            (
                "sings at First United Methodist Church",
                "First United Methodist Church",
            ),
            ("first baptist of the valley", "first baptist"),
        ] {
            has(text, Organization, want);
        }
        none("the first christian name she uses", Organization);
        has("ADMITTED HERE 7-13. H/O DM2", Date, "7-13");
        has("admitted to rehab 5-9.\nneuro", Date, "5-9");
        has("PSH: L LUMPECTOMY '11, CCY 1989, R TKA", Date, "1989");
        none("walks 3-4 blocks, admitted here for rehab", Date);
    }

    #[test]
    fn labelled_records_years_of_events_streets_and_pharmacies() {
        for (text, want) in [
            ("DOB 12/01/1985   Chart DFH-23-0641\nHaitian", "DFH-23-0641"),
            (
                "public health nursing\ncase id hav-24-0117\n",
                "hav-24-0117",
            ),
            ("UNVACCINATED. CASE# WH-MEA-24-0031. RASH", "WH-MEA-24-0031"),
            (
                "DOB 2/2/1933   SHELTER REG# SOP-0912\nEVACUATED",
                "SOP-0912",
            ),
            ("for wellness check, report # 23-041177.\n", "23-041177"),
            ("resident: prichard, dwayne   id cpr-2207   dob", "cpr-2207"),
        ] {
            has(text, Id, want);
        }
        none("chart reviewed with the team", Id);
        none("id consult requested for cellulitis", Id);
        for (text, want) in [
            ("LAST SELF-HARM 2020 WHILE AT", "2020"),
            ("hx etoh withdrawal seizure 2022. lost", "2022"),
            ("hep A x2 (2015), Tdap 2018, flu not yet", "2018"),
            ("CAD s/p DES to LAD 2020, HTN", "2020"),
        ] {
            has(text, Date, want);
        }
        none("SEIZURE 2000 MG KEPPRA LOAD", Date);
        none("PT REPORTS CRAVINGS 2/10, SLEEPING OK", Date);
        none("inattention 6/9, down from 8/9", Date);
        // a street without a number after "on", "off" or "along"
        has(
            "FOUND WANDERING ON BAYOU DULARGE RD AT NIGHT",
            Address,
            "BAYOU DULARGE RD",
        );
        has(
            "DISTURBANCE AT THE MERCADO ON BROADWAY ST.",
            Address,
            "BROADWAY ST",
        );
        none("pt on st. john's wort daily", Address);
        none("went on to the rehab floor", Address);
        // a pharmacy named with its known town
        has(
            "RX FILLED 5/27 AT FAMILY DRUG OF LEWISBURG). UDS",
            Organization,
            "FAMILY DRUG OF LEWISBURG",
        );
        none("rx to the pharmacy of the hospital", Organization);
        has(
            "meds reconciled, pharmacy harbor drug of machias.\npt/ot",
            Organization,
            "harbor drug of machias",
        );
        // a letterhead closed by a kind of programme, its town after a dash
        has(
            "Pomperaug Family Home Visiting\nInfant: Sofia",
            Organization,
            "Pomperaug Family Home Visiting",
        );
        has(
            "BIG SKY CRISIS RECEIVING CENTER - BILLINGS\nRN NOTE   07/04/2023",
            Location,
            "BILLINGS",
        );
        none(
            "BIG SKY CRISIS RECEIVING CENTER - BILLINGS OFFICE CALLED",
            Location,
        );
    }

    #[test]
    fn organisation_fields() {
        // "ins:" is insurance; an authorisation number ends the payer's name
        has(
            "ins: harbor health plan, auth # hh7730184 obtained",
            Organization,
            "harbor health plan",
        );
        none("ins: medicare a&b, auth # hh7730184", Organization);
        has(
            "insurance: medicare + tufts health plan secondary.",
            Organization,
            "tufts health plan",
        );
        has(
            "facility: valley women's imaging center\nhistory:",
            Organization,
            "valley women's imaging center",
        );
        has(
            "PRACTICE: DEARBORN SPINE & PAIN CENTER   FAX: (313) 555-0142",
            Organization,
            "DEARBORN SPINE & PAIN CENTER",
        );
        has(
            "Insurance: Commonwea1th Care P1an   Member ID: CCP78812O04",
            Organization,
            "Commonwea1th Care P1an",
        );
        has("Employer: Home Depot", Organization, "Home Depot");
        // fields of care and daily life, their names closed by a verb or a preposition
        // and without what leads to them
        for (text, want) in [
            (
                "OUTPT PHARMACY: BI-MART ON MAIN ST, SPRINGFIELD.",
                "BI-MART",
            ),
            (
                "HOSPICE: REFERRAL TO OCMULGEE HOSPICE CARE.",
                "OCMULGEE HOSPICE CARE",
            ),
            (
                "transport: kachemak community van available mwf per pt.",
                "kachemak community van",
            ),
            (
                "setting: rosewood terrace memory care, salem, rm 108",
                "rosewood terrace memory care",
            ),
            // a word that opens like a month is no month ("marine")
            (
                "employer: quonset marine fabrication, welder",
                "quonset marine fabrication",
            ),
        ] {
            has(text, Organization, want);
        }
        // a month opens a date, no organisation ("LAST VISIT FEB 26")
        let h = hits(
            "HOME HEALTH: PREVIOUSLY W/ BAYOU HOME CARE, LAST VISIT FEB 26, WILL RESUME",
            Organization,
        );
        assert!(h.iter().any(|o| o == "BAYOU HOME CARE"), "{h:?}");
        assert!(h.iter().all(|o| !o.contains("FEB")), "{h:?}");
        // a person in a field of daily life ends it: no organisation from there on
        for text in [
            "transport: son okonkwo to drive",
            "PICK UP: BAYSIDE REHAB, DAUGHTER KAREN WILL DRIVE",
        ] {
            let h = hits(text, Organization);
            assert!(
                h.iter().all(|o| {
                    let o = o.to_lowercase();
                    !o.contains("okonkwo") && !o.contains("karen")
                }),
                "{h:?} in {text:?}"
            );
        }
        // public programmes, plan types, clinical words and ordinary words name none
        for text in [
            "Insurance: Medicare part B",
            "Facility: MICU",
            "Employer: retired",
            "School: 3rd grade",
            "EMPLOYER: SELF-EMPLOYED",
            "transport: wheelchair van, son to drive",
            "TRANSPORT: DAUGHTER KAREN WILL DRIVE",
            "pick up: husband walt at 1400",
            "setting: home care",
            "DME: RW AND SHOWER CHAIR",
        ] {
            none(text, Organization);
        }
    }

    #[test]
    fn organizations() {
        has(
            "admitted to St. Mary's Hospital",
            Organization,
            "St. Mary's Hospital",
        );
        has(
            "at Mercy Medical Center today",
            Organization,
            "Mercy Medical Center",
        );
        has(
            "seen at Springfield Clinic.",
            Organization,
            "Springfield Clinic",
        );
        has(
            "Ohio State University Hospital",
            Organization,
            "Ohio State University Hospital",
        );
        has("Acme Health System", Organization, "Acme Health System");
        none("follow up in Cardiology Clinic", Organization);
        none("admitted to the hospital", Organization);
        // departments made of clinical words name no facility
        none(
            "returns to the Pulmonary Medicine Clinic today",
            Organization,
        );
        none("seen in our Pediatric Rheumatology Clinic.", Organization);
        // a placeholder or a saint's name before the facility word still counts
        has(
            "presented to ABCD General Hospital on",
            Organization,
            "ABCD General Hospital",
        );
        has(
            "delivered at St. Joseph Hospital.",
            Organization,
            "St. Joseph Hospital",
        );
    }

    #[test]
    fn names_that_are_also_words_in_strong_context() {
        has("seen by dr wake on rounds, no new orders", Name, "wake");
        has("mrs. tufts is a 88-year-old woman", Name, "tufts");
        has("mr pitcher reports the following.", Name, "pitcher");
        has(
            "social: wife sandy and son kevin in to visit",
            Name,
            "sandy",
        );
        has("d/w t. ours, rn", Name, "t. ours");
        has("ordering physician: kerri herb, md", Name, "kerri herb");
        has("patient: tufts, kati    mrn: 1235226", Name, "tufts, kati");
        has("re: olin askins\npages: 9", Name, "olin askins");
        // verbs, pronouns and plain phrases stay
        none("dr will be notified of the results", Name);
        none("dr aware of labs, no new orders", Name);
        none("his primary doctor.  He was evaluated at the clinic", Name);
        none("wife at bedside, son in to visit", Name);
        none("re: follow-up visit\npages: 2", Name);
        none("i.e. pain, pt states it is better", Name);
    }

    #[test]
    fn scores_and_measurements_are_not_month_day_dates() {
        for t in [
            "He has 5/5 strength throughout.",
            "Muscle strength is 5/5 in proximal muscles.",
            "revealed 3/3 proximal and 4/4 distal BLE weakness",
            "Pupils 4/4 decreasing to 2/2.",
            "Upper extremities: 5/3 with left pronator drift",
            // a list of subscores, some no month/day either way
            "(Attention 12/18, Memory 9/26, Fluency 5/14, Language 19/26, Visuospatial 13/16)",
            "A 2/6 systolic ejection murmur",
            "single loud S2, and a 2/6 continuous shunt type of murmur",
            "placed through the upper 10/11 mm cannula",
        ] {
            none(t, Date);
        }
        has("4/12 FOUND BY WIFE ON FLOOR", Date, "4/12");
        has("seen on 5/5, strength improved since", Date, "5/5");
        // dates listed with measures keep a dating word before them
        has("cultures sent on 4/12, 7/40 and 9/50 pending", Date, "4/12");
        // a fraction-looking date opening a clause, no quantity after it
        has("ADMITTED W/ SOB. 1/3 CT NEG FOR PE.", Date, "1/3");
        has("pmh: chf\n2/4 cath clean", Date, "2/4");
        for t in [
            "IVF: 1/2 NS @ 100",
            "ate well. 3/4 of meal taken",
            "ensure. 1/4 strength",
            "safety: 3/4 side rails up",
        ] {
            none(t, Date);
        }
        // a day with a leading zero is no fraction or "2/2" shorthand
        has("LAST LASER TX 2/02. NEURO: A&OX3", Date, "2/02");
        none("s/p fall 2/2 syncope", Date);
        // "2/2" before a place word or closing a clause is a date
        has(
            "initially intubated 2/2 at osh, failed extubation",
            Date,
            "2/2",
        );
        // an event verb a few words before a fraction-looking date; no quantity after it
        has(
            "HEARING SCREEN PASSED BIL 2/4. CAR SEAT TEST PASSED.",
            Date,
            "2/4",
        );
        none("given 1/2 tab of tylenol", Date);
        // a test right before dates what follows it, whatever looks like a score after it
        has("cxr 4/12 w/ bilat effusions", Date, "4/12");
        has("MRI 4/28 showed 4cm enhancing lesion", Date, "4/28");
        has("REPEAT HEAD CT 1/8 1200 STABLE", Date, "1/8");
        // strength by limb, culture bottles, gestational age
        for t in [
            "r hemiparesis, r arm 0/5, r leg 2/5. l side 5/5.",
            "BCX MRSA 4/4 BOTTLES",
            "EX 26 4/7 WKER",
        ] {
            none(t, Date);
        }
    }

    #[test]
    fn nursing_dates_signatures_relations_and_facilities() {
        // month abbreviations that are no word, in lower case
        has("plan for d/c aug 5 if trending down.", Date, "aug 5");
        none("mar 2 reviewed, dec 2 units", Date);
        // no ventilator setting: a date after "to cpap"
        has("extubated to cpap 4/2, to nc 4/9", Date, "4/9");
        // a ventilator setting right after its mode, strength of all four limbs
        none("RESP: WEANED TO CPAP 5/5 @ 1800", Date);
        none("BIPAP 12/5 OVERNIGHT", Date);
        // a second pressure above the first is no setting; a weekday or a dating word
        // before a clock time dates a fraction-looking month/day
        has("EXTUBATED TO CPAP 5/13, TO RA 5/20", Date, "5/13");
        has("ADMITTED SUNDAY 2/8 W/ FEVER", Date, "2/8");
        has("REPEAT CT (DUE 1540 3/4), START ASA", Date, "3/4");
        none("GIVEN AT 1400 1/2 TAB", Date);
        has("2 PRIOR INTUBATIONS (1994 AND JAN '99 AT", Date, "JAN '99");
        has("LAST ADMIT sept '02 for chf", Date, "sept '02");
        // a saint's hospital or church by a name of no list, the title kept with a
        // facility's name, never a street's type
        has(
            "PARISHIONERS AT ST. COLUMBA'S IN DORCHESTER",
            Organization,
            "ST. COLUMBA'S",
        );
        has(
            "BORN @ ST. ELOI HOSPITAL IN FALL RIVER",
            Organization,
            "ST. ELOI HOSPITAL",
        );
        has(
            "LIVES AT 12 MAIN ST. ELOI HOSPITAL",
            Organization,
            "ELOI HOSPITAL",
        );
        // dialysis units, recovery homes, van services, early intervention programmes by
        // a name; not the treatment or the word alone
        has(
            "PT ON HD MWF AT LAKESIDE DIALYSIS IN LOWELL",
            Organization,
            "LAKESIDE DIALYSIS",
        );
        has(
            "INTERESTED IN DETOX AT GLENWOOD RECOVERY AFTER D/C",
            Organization,
            "GLENWOOD RECOVERY",
        );
        has(
            "HOME INFUSION THRU CAPE INFUSION SERVICES, FIRST",
            Organization,
            "CAPE INFUSION SERVICES",
        );
        has(
            "REFERRED TO HARBORSIDE EARLY INTERVENTION FOR F/U",
            Organization,
            "HARBORSIDE EARLY INTERVENTION",
        );
        none(
            "PT ON PERITONEAL DIALYSIS AT HOME. FULL RECOVERY EXPECTED. REC HOME W/ SERVICES",
            Organization,
        );
        none("PT PREVIOUSLY REC'D SERVICES FROM THE VNA", Organization);
        // a short hospital name before "w/"; "medical ctr"; a manor's "nursing & rehab"
        has(
            "74 YO F ADMITTED FROM LOWELL GENERAL W/ NSTEMI",
            Organization,
            "LOWELL GENERAL",
        );
        none("PT FROM GENERAL W/ NSTEMI", Organization);
        has(
            "TX FROM BLACKSTONE VALLEY MEDICAL CTR 7/19.",
            Organization,
            "BLACKSTONE VALLEY MEDICAL CTR",
        );
        has(
            "93 YO F FROM BRAINTREE MANOR NURSING & REHAB W/ UROSEPSIS",
            Organization,
            "BRAINTREE MANOR NURSING & REHAB",
        );
        none("otherwise MAE 5/5. PERRL.", Date);
        // a first name alone signing on its own line
        has("plan: monitor renal fxn.\njen rn\n", Name, "jen");
        none("plan: monitor renal fxn.\nwill rn\n", Name);
        // a relation word after another one, and a health-care proxy by first name
        has("#5 PARENTS: MOM (JESSICA) AT BEDSIDE", Name, "JESSICA");
        has("HCP: WIFE MARY, SON TOM", Name, "MARY");
        has(
            "pt is dnr/dni per hcp gloria (sister), bipap",
            Name,
            "gloria",
        );
        // more kinds of organisation
        has(
            "FUNERAL HOME IS CONLEY FUNERAL HOME, DORCHESTER.",
            Organization,
            "CONLEY FUNERAL HOME",
        );
        has(
            "went to Crestview Nursing & Rehab today",
            Organization,
            "Crestview Nursing & Rehab",
        );
        has(
            "from sunrise manor nursing home in brockton",
            Organization,
            "sunrise manor nursing home",
        );
        has(
            "ATTENDS SEASIDE ADULT DAY CENTER 2X/WK",
            Organization,
            "SEASIDE ADULT DAY CENTER",
        );
        // a town right after a facility's name
        has(
            "DR LINDQVIST AT HARBORSIDE PEDIATRICS, QUINCY (617-555-0148)",
            Location,
            "QUINCY",
        );
        none("seen at harborside pediatrics, today", Location);
        // a single letter of shorthand ends a facility's name after a verb of moving
        has(
            "pt is 77 yo f transferred from mercywood w/ gi bleed",
            Organization,
            "mercywood",
        );
        has("parents (maria & jose) aware", Name, "jose");
        // a state someone arrives from
        has(
            "when wife's sister arrives from vermont on jan 16.",
            Location,
            "vermont",
        );
    }

    #[test]
    fn ranges_of_days_are_one_date() {
        has("pt had cath 10/23-24 and stent", Date, "10/23-24");
        has("ABX 2/3-2/5, then stopped.", Date, "2/3-2/5");
        has("the patient had fevers 1/14-1/16", Date, "1/14-1/16");
        has("vanco 12/30-1/2 for mrsa", Date, "12/30-1/2");
        // backwards, to another month far off, or a quantity: no range
        let h = hits("ABX 2/5-2/3, then stopped", Date);
        assert!(!h.iter().any(|d| d.contains('-')), "{h:?}");
        for t in ["ate 1/2-3/4 of meal", "took 1/2-3 tabs"] {
            none(t, Date);
        }
    }

    #[test]
    fn towns_that_are_words_where_someone_lives() {
        has(
            "pt states he lives w/ girlfriend tina in revere, no phone",
            Location,
            "revere",
        );
        has("LIVES ALONE IN REVERE.", Location, "REVERE");
        has(
            "sister anne-marie called from providence, updated.",
            Location,
            "providence",
        );
        // no living or calling verb in the clause: an ordinary word stays a word
        none("result from providence of god", Location);
        none("lives alone. in revere of the work", Location);
    }

    #[test]
    fn compass_points_before_a_town() {
        has(
            "pt lives w/ sister in so. boston. full code",
            Location,
            "so. boston",
        );
        has("FAMILY DRIVING IN FROM N. ANDOVER", Location, "N. ANDOVER");
        // no compass point: the town alone
        has("lives in boston. so. pt", Location, "boston");
    }

    #[test]
    fn states_and_countries_where_someone_is_and_no_clinical_abbreviations() {
        // a state or a country where someone is, was, comes from or goes, in any casing
        has("a syncopal workup in Mississippi.", Location, "Mississippi");
        has("riding his motorcycle in Kentucky.", Location, "Kentucky");
        has(
            "she lives in florida and will call daily.",
            Location,
            "florida",
        );
        has("MOM CALLED FROM NEW HAMPSHIRE", Location, "NEW HAMPSHIRE");
        has(
            "a rash acquired in florida last summer.",
            Location,
            "florida",
        );
        has(
            "as an infantryman in Korea many decades ago",
            Location,
            "Korea",
        );
        has(
            "HIS STAY HERE IN THE UNITED STATES.",
            Location,
            "UNITED STATES",
        );
        has(
            "drove him from Kentucky to Northwest Ohio overnight",
            Location,
            "Ohio",
        );
        has(
            "had to move to Eastern Germany, which was",
            Location,
            "Germany",
        );
        has("lives in North Andover now", Location, "North Andover");
        // a town no list knows before a state's or a country's name
        has(
            "She was born in Munich, Germany.  She",
            Location,
            "Munich, Germany",
        );
        has(
            "missionary work in jos, nigeria for several years",
            Location,
            "jos, nigeria",
        );
        has(
            "airlifted to Geneva, Switzerland. Upon arrival",
            Location,
            "Geneva, Switzerland",
        );
        // "the" goes before a country only; a country that is an ordinary word needs
        // capitals or a clause saying someone lives there
        none("referred to the Bath clinic", Location);
        none("ate turkey in the evening", Location);
        none("SEEN IN TURKEY SANDWICH CLINIC", Location);
        none("came in pain, somewhat confused", Location);
        none("head, neck, lungs, GI, GU, orthopedic", Location);
        none("Abdomen: NT, ND, NBS.", Location);
        has("The family lives in Easton.", Location, "Easton");
        has("moved to New York last year", Location, "New York");
        // a state closing its town's phrase goes with the town, as before a ZIP code
        has(
            "going home to Nashua NH. Lives alone",
            Location,
            "Nashua NH",
        );
        has("in from Hartford, CT, staying", Location, "Hartford, CT");
        has(
            "THEY ARE FROM BANGOR, MAINE. PLAN:",
            Location,
            "BANGOR, MAINE",
        );
        has("pt from salem or lynn, unclear", Location, "salem");
        has("lives in Boston now", Location, "Boston");
        // a separator of several bytes between two words after a town is no state and
        // no panic
        has("moved to Boston, A\u{a0}\u{c9}\u{c9}.", Location, "Boston");
    }

    #[test]
    fn names_context() {
        has("seen by Dr. Gregory House today", Name, "Gregory House");
        has("Mrs. Smith reports", Name, "Smith");
        // a surname with a saint's prefix; a saint's hospital is none
        has("PCP DR. ST. JOHN.", Name, "ST. JOHN");
        has("pcp dr st. john. plan", Name, "st. john");
        none("seen by dr. st. mary's team", Name);
        // a first name after a role; a language after an interpreter is none
        has(
            "ACCEPTED BY ADMISSIONS SHARON AT 781-555-0157.",
            Name,
            "SHARON",
        );
        has("CASE MANAGER LISA AWARE", Name, "LISA");
        none("SW FOLLOWING, CASE MANAGER AWARE", Name);
        none("interpreter (korean) scheduled for 1000", Name);
        // a family by its surname in the plural; not anatomy or ordinary plurals
        has(
            "SOCIAL: THE OLSONS (DTR + SON-IN-LAW) IN UNTIL 2100.",
            Name,
            "OLSONS",
        );
        has("the Joneses visited", Name, "Joneses");
        none("change involving the pons bilaterally", Name);
        none("THE PARENTS AT BEDSIDE, THE NURSES AWARE", Name);
        has("paged Dr. Foley about it", Name, "Foley");
        has("Mr. Smith Assessment: stable", Name, "Smith");
        has("Patient: John Q. Public", Name, "John Q. Public");
        has("Patient Name: SMITH, JOHN A", Name, "SMITH, JOHN A");
        has("Name: Doe, Jane", Name, "Doe, Jane");
        has("Attending: Dr. Lisa Cuddy", Name, "Lisa Cuddy");
        has(
            "Electronically signed by Allison Cameron",
            Name,
            "Allison Cameron",
        );
        has("cc: J. Wilson", Name, "J. Wilson");
        has("Dictated by: Zzyzx Quorn", Name, "Zzyzx Quorn");
        has("Eric Foreman, MD", Name, "Eric Foreman");
        has("Robert Chase, PA-C", Name, "Robert Chase");
        has("Sincerely,\nMeredith Grey", Name, "Meredith Grey");
        has("Patient: John Smith Age: 45", Name, "John Smith");
        none("Drug Name: Lasix", Name);
        none("Test Name: Lipid Panel", Name);
        none("Baltimore, MD", Name);
        none("Dr. Smith", Address);
    }

    #[test]
    fn names_dictionary() {
        has("met with Mary Johnson yesterday", Name, "Mary Johnson");
        has("with Robert T. Williams", Name, "Robert T. Williams");
        has("list: Johnson, Mary", Name, "Johnson, Mary");
        none("Will Hope help", Name);
        none("History of Parkinson disease", Name);
        none("Started Lasix and Coumadin", Name);
        none("Brown urine, Rose spots", Name);
        none("James Parkinson described", Name);
        none("Foley catheter placed, Babinski negative", Name);
        // casing does not decide: written in capitals it is the same name
        has("MARY JOHNSON", Name, "MARY JOHNSON");
        none("WILL HOPE HELP", Name);
    }

    #[test]
    fn clinical_prose_is_quiet() {
        let text = "Assessment and Plan: Continue Metformin 500 mg PO BID. HbA1c 7.2. \
                    Na 140, K 4.1, BP 120/80, HR 72. Take 1/2 tablet of Lasix daily. \
                    Negative Babinski. Glasgow Coma Scale 15. Foley removed.";
        let spans = det().detect(text);
        assert!(spans.is_empty(), "{:?}", spans);
    }

    #[test]
    fn context_words_misread_by_ocr_still_lead_to_names() {
        let d = RuleDetector::new();
        for (text, name) in [
            ("daughter willian and 5ister almeta in to visit", "almeta"),
            ("W1FE DORIS IN TO VISIT", "DORIS"),
        ] {
            let found = d.detect(text);
            assert!(
                found
                    .iter()
                    .any(|s| s.category == Category::Name && &text[s.start..s.end] == name),
                "{name} not found in {text:?}: {found:?}"
            );
        }
        // numbers, vitals and short codes are left as they are
        assert_eq!(ocr_letters("B12 X3 CO2 120/80 2024", 0), None);
        // letters misread inside numbers are read as digits; words stay words
        let (fixed, changed) = ocr_digits("DOB O1/O4/l948 on O2 2L, CO2 ok").unwrap();
        assert_eq!(fixed, "DOB 01/04/1948 on 02 2L, CO2 ok");
        assert_eq!(changed.len(), 4);
        assert_eq!(ocr_digits("Oil 2L Ol ok 120/80 L4/L5 2L"), None);
        // in capitals a misread 1 is an L: beside another misread letter or in a date
        let (fixed, _) = ocr_digits("D0B: O6/2L/L98O ZIP 7OL30 ON O3/L5/2023 3L0 CANAL").unwrap();
        assert_eq!(fixed, "D0B: 06/21/1980 ZIP 70130 ON 03/15/2023 310 CANAL");
        // a part of misread letters alone in a month/day/year group; "I/O" stays
        let (fixed, _) = ocr_digits("Last fill: ll/O2/23 LAST FILL: LL/O2/23 I/O 1200").unwrap();
        assert_eq!(fixed, "Last fill: 11/02/23 LAST FILL: 11/02/23 I/O 1200");
        has("Last fill: ll/O2/23   Qty 30", Date, "ll/O2/23");
        assert_eq!(
            ocr_letters("5ISTER w1fe", 1),
            Some(("SISTER wife".to_string(), true))
        );
    }

    #[test]
    fn relatives_signatures_and_homes_in_nursing_notes() {
        has(
            "social: wife helen and dtr susan in to visit",
            Name,
            "susan",
        );
        has(
            "family at bedside: wife ruth, sons mark and paul.",
            Name,
            "mark",
        );
        has("social: wife may spent night.", Name, "may");
        has("Pt's partner Pat called at 0200, updated.", Name, "Pat");
        has(
            "PT RESTING. SEE FLOWSHEET.\nJ. SMITH RN\n",
            Name,
            "J. SMITH",
        );
        none("DSG C/D/I. CHANGED BY RN\nCARE PER OT RN\n", Name);
        // a laboratory credential after a comma is no pair of initials
        let signer = hits("no cyanosis. Verified by: T. Murrill, MT(ASCP)", Name);
        assert!(
            !signer.is_empty() && signer.iter().all(|h| h == "T. Murrill"),
            "{signer:?}"
        );
        // after a surname alone the same letters may be initials
        has("Patient: JONES, MT", Name, "JONES, MT");
        // a letter glued to a slash is shorthand, no initial of the signer
        let signer = hits("SETTING. D/W H. FENTON, RN", Name);
        assert!(
            !signer.is_empty() && signer.iter().all(|h| h == "H. FENTON"),
            "{signer:?}"
        );
        // a pager, extension or second credential may close a signature's line
        has(
            "BIPAP ON STANDBY. RICK ALMEIDA RRT X6721",
            Name,
            "RICK ALMEIDA",
        );
        has(
            "PAGE W/ QUESTIONS. M. OSTROWSKI RD BEEPER 4411",
            Name,
            "M. OSTROWSKI",
        );
        has("on transfer packet. c. obrien rn cm", Name, "c. obrien");
        // an initial and a surname that is also a word, opening their line; an initial's
        // signature in a list of staff
        has(
            "PT REC HOME W/ SERVICES.\nP. GREEN RN, CM  X4-5521",
            Name,
            "P. GREEN",
        );
        none("SKIN: WARM. L. ARM RN", Name);
        // relatives' first names that are words, where the sentence ends, "to" follows or
        // a surname does; step-parents and the mother of a baby
        has("CONFIRMED W/ HCP FAITH. RESIDENT PAGER", Name, "FAITH");
        has("WIFE HOPE TO PICK UP AFTER 1000", Name, "HOPE");
        has("STEPFATHER RICH AT BEDSIDE", Name, "RICH");
        has(
            "MOB CRYSTAL HENDERSON 26 YO G4P2",
            Name,
            "CRYSTAL HENDERSON",
        );
        none("SON WILL BE IN AM. WIFE MAY CALL", Name);
        // first names listed after the first, past ages and places; a relative's name on
        // the next line
        has("KIDS RYAN, KATIE AND SEAN TO COME IN AM.", Name, "KATIE");
        has("KIDS RYAN, KATIE AND SEAN TO COME IN AM.", Name, "SEAN");
        has("SIBLINGS MIA (4) AND LUCAS (2) AT HOME", Name, "LUCAS");
        has(
            "TWO SONS, MICHAEL IN TAUNTON AND STEVEN IN FLORIDA.",
            Name,
            "STEVEN",
        );
        let listed = hits("WIFE MARY, SON AWARE AND FAMILY IN", Name);
        assert_eq!(listed, ["MARY"], "{listed:?}");
        has(
            "SEPARATED FROM WIFE. WIFE\nDEBRA CALLED ASKING",
            Name,
            "DEBRA",
        );
        // a pager number after "paged", not the time paged
        has("UNABLE TO REACH DR ROSE, PAGED #4-1187.", Phone, "4-1187");
        none("HO DR CHATTERJEE PAGED 0250, IN TO SEE PT", Phone);
        // signatures: before a slash, mid-line after "by"/"w/", a first name closing the note
        has(
            "MRN 2291-447-3\nD. MORALES MD / ATTENDING",
            Name,
            "D. MORALES",
        );
        has(
            "CALLED TO NICU AT 0215 BY MAUREEN RN FOR BAPTISM",
            Name,
            "MAUREEN",
        );
        has("SPOKE W/ KAREN RN AT LAKESIDE, CHAIR TIME", Name, "KAREN");
        has(
            "PLAN: TITRATE LASIX, DAILY WTS, I/O.\nJOANNE",
            Name,
            "JOANNE",
        );
        none("PLAN: CONT.\nPLAN", Name);
        has(
            "DR LIANG (RESIDENT), K. OBRIEN RN, FR. MULCAHY (CHAPLAIN)",
            Name,
            "K. OBRIEN",
        );
        none("PT RN AWARE OF PLAN", Name);
        none("DOPPLER SIGNALS RN X2", Name);
        has("PT STATES HE LIVES ALONE IN REVERE.", Location, "REVERE");
        none("PT STATES HE IS IN PAIN.", Location);
        has("DISCUSSED WITH DR H OSEI - HIGH RISK", Name, "H OSEI");
        has("seen by dr a khan today", Name, "a khan");
        has(
            "SOCIAL: DNR/DNI. HCP IS NEPHEW DAVID FROST, AWARE",
            Name,
            "DAVID FROST",
        );
        has("Repeat lytes at 0600.\n-- Maureen RN\n", Name, "Maureen");
        has(
            "RETIRED TEACHER FROM BROCKTON HIGH SCHOOL. PLAN:",
            Organization,
            "BROCKTON HIGH SCHOOL",
        );
        none("PT TO RETURN TO HIGH SCHOOL IN FALL", Organization);
        has("transcribed 03/10/2020 am/jt\n", Name, "jt");
        has("dictated but not read. hv/dm d: 02/06/2024", Name, "hv");
        none("s/p fall, seen by pt/ot\n", Name);
        has(
            "PT HAS APPT WITH DR. BELL ON THE 28TH. PLEASE CALL",
            Date,
            "28TH",
        );
        none(
            "weight at the 5th percentile, length on the 10th percentile",
            Date,
        );
    }

    #[test]
    fn forms_of_the_second_nursing_tuning_sets() {
        has(
            "STATES PT FELL AT HOME ON THE 29TH BUT DIDN'T COME IN",
            Date,
            "29TH",
        );
        has("NPO SINCE MN, SURGERY PLANNED FOR THE 2ND", Date, "2ND");
        none("PT WAS SEEN BY PT RN AT 1400 FOR EVAL.", Name);
        has("SEEN BY RN JANE DOYLE AT 1400", Name, "JANE DOYLE");
        none("REINTUBATED FOR THE 2ND TIME OVERNIGHT", Date);
        has(
            "CABG 3RD OF MARCH, CATH MARCH OF 2004",
            Date,
            "3RD OF MARCH",
        );
        has(
            "CABG 3RD OF MARCH, CATH MARCH OF 2004",
            Date,
            "MARCH OF 2004",
        );
        has("FAMILY HOME 555 0187, IF NO ANSWER", Phone, "555 0187");
        has("SW EXT 4-6612 RE: PLACEMENT", Phone, "4-6612");
        has(
            "FAMILY FROM BROCKTON. BORN 1/2 (NEW YEAR), PARENTS",
            Date,
            "1/2",
        );
        has(
            "S/P PCI TO RCA (2 DES) FOR IMI, CATH 1-17. NEURO:",
            Date,
            "1-17",
        );
        has("hx: htn, dm2, cabg in 87 at brigham, pvd.", Date, "87");
        // the last of two procedures joined by a slash dates the year
        has(
            "s/p appy in 1975, tah/bso 1988, lap chole 2/03",
            Date,
            "1988",
        );
        has("TEE/DCCV PLANNED 12-5 WITH DR. ABERNATHY", Date, "12-5");
        none("sats in 90s, hr in 80 on arrival", Date);
        none("L GRIP 4/5. MOVES UE'S, LE'S 4/5 BILAT", Date);
        for (text, grade) in [
            ("R SIDED WEAKNESS 3/5, LEFT 5/5. DILANTIN 100 TID", "3/5"),
            ("R SIDED WEAKNESS 3/5, LEFT 5/5. DILANTIN 100 TID", "5/5"),
            ("pt on simv 18/5 x 24, fio2 .40", "18/5"),
            ("GI: NPO, D5 1/2 NS + 20 KCL @ 75.", "1/2"),
            ("TERM INFANT, APGARS 8/9, BW 3.1KG", "8/9"),
            ("MEROPENEM DAY 8/14. NEURO: HUS", "8/14"),
            ("DOB 1/9/03 (27 3/7 wks, BW 980g)", "27 3/7"),
            ("NOW 33 4/7 WEEKS CGA", "4/7"),
        ] {
            assert!(
                month_day_is_measure(
                    text,
                    text.find(grade).unwrap(),
                    text.find(grade).unwrap() + grade.len()
                ),
                "{text}"
            );
        }
        for text in ["RUE WEAKNESS SINCE 3/5, WORSE TODAY", "ROOM 127 3/7 AM"] {
            let at = text.find("3/").unwrap();
            assert!(!month_day_is_measure(text, at, at + 3), "{text}");
        }
        none("C/O H/A 6/10, FIORICET GIVEN; c/o 2/10 cp at 1800", Date);
        none("RESP: PSV 10/5 40%, TV 400-500", Date);
        none("DOL 3, GA 38 2/7 wks, admitted for", Date);
        has("SOCIAL: DAUGHTERS LISA & ANN CALLED X2", Name, "LISA");
        has(
            "SON KEVIN (HCP) AND DAUGHTER-IN-LAW DEB IN @ 1500",
            Name,
            "DEB",
        );
        has("BROTHER IN LAW TOM IN TO VISIT", Name, "TOM");
        has("SOCIAL: WIFE-PEG IN TO VISIT ALL AFT", Name, "PEG");
        has("PT'S ROOMMATE JESS CALLED", Name, "JESS");
        has("SPOKE W/ HO DR LEE, NO NEW ORDERS", Name, "LEE");
        has(
            "NSGY RESIDENT TOWNSEND (PAGER 3-4411) AWARE",
            Name,
            "TOWNSEND",
        );
        has(
            "NSGY RESIDENT TOWNSEND (PAGER 3-4411) AWARE",
            Phone,
            "3-4411",
        );
        has("coordinator Rich Pellegrino x4-7720. Wife", Phone, "4-7720");
        has("PLEASE CALL W/ ANY CHANGES. CM: LORI X2314", Phone, "2314");
        none("TURNED Q2H X3, OOB X 1000", Id);
        has(
            "ABG 7.31/52/61. PER HO (LEVINE) BIPAP TRIED",
            Name,
            "LEVINE",
        );
        has(
            "NICU NURSING NOTE BABY BOY DELGADO #1 RESP:",
            Name,
            "DELGADO",
        );
        has("SOCIAL: SMITH FAMILY IN ALL DAY", Name, "SMITH");
        none("the family is at the bedside, his family aware", Name);
        has(
            "PT STATES HE \"USED TO LIVE IN LOWELL\". OLD RECORDS",
            Location,
            "LOWELL",
        );
        has(
            "flown in from scene in framingham. injuries:",
            Location,
            "framingham",
        );
        none("PA AND LATERAL CXR: NO INFILTRATE; RN AWARE", Name);
    }

    #[test]
    fn letterhead_forms_of_uk_letters() {
        let head = "Pennine Moor Hospitals NHS Foundation Trust\nCalderbrook General Hospital\nInfirmary Road, Halifax HX3 0PW\n";
        has(
            head,
            Organization,
            "Pennine Moor Hospitals NHS Foundation Trust",
        );
        has(head, Address, "Infirmary Road");
        has(
            "Unit No: L7720319\n3 Gipton Approach, Leeds LS9 6NR",
            Address,
            "3 Gipton Approach",
        );
        has("Our ref: NEU/SB/558031\nDr M. Oduya", Id, "NEU/SB/558031");
        has(
            "BELFAST HEALTH AND SOCIAL CARE TRUST\nMATER HOSPITAL",
            Organization,
            "BELFAST HEALTH AND SOCIAL CARE TRUST",
        );
        // the segments of an address line before its town and postcode
        let line = "Dept of Surgery Freeman Road, High Heaton, Newcastle upon Tyne NE7 7DN";
        has(line, Address, "Freeman Road");
        has(line, Location, "High Heaton");
        let line = "CALDERBROOK GENERAL HOSPITAL INFIRMARY ROAD, HALIFAX HX3 0PW";
        has(line, Address, "INFIRMARY ROAD");
        has(
            "Kidsgrove Medical Centre Mount Road, Kidsgrove, Stoke-on-Trent ST7 4DL",
            Location,
            "Kidsgrove",
        );
        let prose = "she moved in with her daughter, near the sea, Harrogate HG1 4PQ";
        assert_eq!(hits(prose, Address), vec!["HG1 4PQ".to_string()]);
        assert_eq!(hits(prose, Location), vec!["Harrogate".to_string()]);
        none("Road traffic accident in 2019, no injuries", Address);
        none("either way, we will review her", Address);
        none("she was referred to the NHS Trust for review", Organization);
        has(
            "one episode of hypoglycaemia in February requiring help",
            Date,
            "February",
        );
        has(
            "SINCE LAST OCTOBER SHE HAS HAD LOOSE STOOLS",
            Date,
            "OCTOBER",
        );
        none("As we discussed in march of last year", Date);
        none("symptoms may improve in may", Date);
        has(
            "eight such attacks, the last on 28.8.25. Separately",
            Date,
            "28.8.25",
        );
        has("MDT discussion 29.01.25)", Date, "29.01.25");
        none("software v1.2.10 installed", Date);
    }

    #[test]
    fn numbers_misread_by_ocr_are_still_numbers() {
        has("D0B: O6/2l/l98O  SEX: F", Date, "O6/2l/l98O");
        has("e-signed O4/O2/2Ol9 1O:2l", Date, "O4/O2/2Ol9");
        has("PHOENIX, AZ 85O20  TO: DR. NAOMI", Zip, "85O20");
        none("O2 SAT 97% ON 2L, CO2 24", Date);
        // in one casing too: a street line misread by OCR
        has(
            "meridian lab0ratories 3l0 maple ave   new",
            Address,
            "3l0 maple ave",
        );
    }

    #[test]
    fn spans_sorted_and_labelled() {
        let text = "Patient: Jane Doe DOB: 01/02/1950 MRN: 4829301 Phone (555) 123-4567";
        let spans = det().detect(text);
        assert!(spans.windows(2).all(|w| w[0].start <= w[1].start));
        assert!(spans.iter().all(|s| s.detector.starts_with("rule:")));
        assert!(spans.iter().all(|s| (0.0..=1.0).contains(&s.score)));
        assert!(spans
            .iter()
            .all(|s| text.is_char_boundary(s.start) && text.is_char_boundary(s.end)));
        assert!(det().detect("").is_empty());
        assert!(!det().detect("Patient: José Núñez 92-year-old ü").is_empty());
    }
}
