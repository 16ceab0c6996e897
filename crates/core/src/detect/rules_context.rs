//! Context rules that hold in any casing: clinical notes are often written in ALL CAPS or
//! all lower case, where a capital letter says nothing. Each rule needs a context word
//! (a title, a relation word, a facility word, a place preposition, a field label) and
//! checks the candidate against word lists instead of its casing: census names, English
//! words (SCOWL), clinical abbreviations and vocabulary, and a GeoNames gazetteer.
//! Also the formats of UK letters: NHS numbers (checksum), UK phone numbers and postcodes.
//! Offsets are UTF-8 byte offsets into the input.

use regex::Regex;

use super::rules_dict::Dicts;
use super::{re, span};
use crate::types::{Category, Span};

/// One word of a name or place in any casing.
const WORD: &str = r"[\p{L}][\p{L}'’\-]*";

/// Titles before a person's name. "Sister"/"nurse" are UK nursing titles.
const TITLES: &str = r"dr|doctor|mr|mrs|ms|mx|miss|prof|professor|sister|nurse|matron";

/// Relation words before a relative's first name ("WIFE MARGARET", "son kevin").
const RELATIONS: &str = r"wife|husband|son|daughter|sister|brother|niece|nephew|mother|father|mom|mum|dad|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|aunt|uncle|cousin|partner|fiance|fiancee|friend|boyfriend|girlfriend|spouse|neighbor|neighbour|stepson|stepdaughter";

/// Credentials after a signature name ("J. SMITH, RN").
const SIGN_CREDENTIALS: &str = r"rn|np|md|do|pa-c|pa|lpn|rrt|crna|aprn|cna|msw|lcsw|pt|ot|slp|rd|mbbs|mrcp|frcp|mrcgp|mt|mls|mlt|ct|rt|rph|pharmd";

/// Facility words: the words before them name the facility.
const FACILITY: &str = r"hospital|medical\s+cent(?:er|re)|memorial\s+hospital|memorial|infirmary|health\s+board|rehab(?:ilitation)?\s+(?:center|centre|hospital|facility)|rehab|nursing\s+home|care\s+home|nursing\s+facility|hospice|health\s+cent(?:er|re)|clinic|practice|surgery|medical\s+group|(?:clinical\s+)?laborator(?:y|ies)";

/// Facility words whose prefix must look like a proper name (they also close ordinary
/// phrases: "pain clinic", "cardiac surgery", "general practice").
const WEAK_FACILITY: &[&str] = &[
    "clinic",
    "practice",
    "surgery",
    "rehab",
    "hospice",
    "laboratory",
    "laboratories",
];

/// Words that make a facility generic ("the hospital", "outside hospital"), never its name.
const GENERIC_FACILITY_WORDS: &[&str] = &[
    "the",
    "a",
    "an",
    "this",
    "that",
    "our",
    "your",
    "his",
    "her",
    "their",
    "same",
    "local",
    "outside",
    "other",
    "another",
    "any",
    "general",
    "community",
    "district",
    "regional",
    "state",
    "county",
    "city",
    "university",
    "teaching",
    "private",
    "public",
    "psychiatric",
    "mental",
    "children's",
    "childrens",
    "veterans",
    "va",
    "day",
    "acute",
    "rehab",
    "rehabilitation",
    "nursing",
    "care",
    "home",
    "to",
    "from",
    "at",
    "in",
    "of",
    "and",
    "by",
    "for",
    "with",
    "transferred",
    "transfer",
    "admitted",
    "discharged",
    "sent",
    "seen",
    "went",
    "back",
    "into",
    "via",
    "osh",
    "er",
    "ed",
    "icu",
    "new",
    "old",
    "main",
    "family",
    "medical",
    "health",
    "dental",
    "eye",
    "pain",
    "cardiology",
    "surgical",
    "walk-in",
    "free",
    "group",
];

/// Words between a facility's name and its kind ("Mercy *General* Hospital").
const FACILITY_MODIFIERS: &[&str] = &[
    "general",
    "community",
    "regional",
    "university",
    "county",
    "district",
    "memorial",
    "medical",
    "children's",
    "childrens",
    "state",
    "city",
    "veterans",
    "teaching",
    "mental",
    "psychiatric",
    "rehabilitation",
    "specialty",
    "surgical",
    "clinical",
    "women's",
    "cancer",
    "heart",
    "eye",
    "health",
    "family",
    "house",
];

/// Street types (US and UK) for addresses written in one casing.
const STREET_TYPES: &str = r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|gardens|row|way|court|ct|place|pl|crescent|grove|terrace|boulevard|blvd|mews|walk|parkway|pkwy|highway|hwy|circle|square";

/// Two-letter US state codes.
const STATE_CODES: &str = r"al|ak|az|ar|ca|co|ct|de|dc|fl|ga|hi|id|il|in|ia|ks|ky|la|me|md|ma|mi|mn|ms|mo|mt|ne|nv|nh|nj|nm|ny|nc|nd|oh|ok|or|pa|ri|sc|sd|tn|tx|ut|vt|va|wa|wv|wi|wy|pr";

/// Prepositions after which a known place name is a location.
const PLACE_CONTEXT: &str =
    r"from|in|to|near|lives\s+in|living\s+in|resides\s+in|moved\s+to|visiting|born\s+in";

/// Labels whose value is PHI whatever its format, up to the end of the field.
const FIELD_LABELS: &str = r"patient\s+name|full\s+name|name|patient|next\s+of\s+kin|nok|gp|address|home\s+address|tel(?:ephone)?(?:\s+no\.?)?|phone|mobile|home\s+phone|fax|d\.?o\.?b\.?|date\s+of\s+birth|nhs\s+(?:number|no\.?)|nhs|hospital\s+(?:number|no\.?)|hosp\.?\s+no\.?|unit\s+(?:number|no\.?)|mrn|e-?mail|(?:our\s+|your\s+)?ref(?:erence)?|re|regarding|to|attn|attention";

/// Context rules, compiled once per detector.
#[derive(Debug, Clone)]
pub(crate) struct ContextRules {
    title: Regex,
    relation: Regex,
    signature: Regex,
    facility: Regex,
    /// "Henderson, Hicks and Brown": a firm named after partners.
    firm_partners: Regex,
    /// "Abt Associates", "Acme Ltd": one or two words before a legal suffix.
    firm_suffix: Regex,
    /// Two words in a row, for census first name + surname pairs in one-casing text.
    word_pair: Regex,
    /// "apt. 105", "suite 442": an apartment or suite number.
    unit_no: Regex,
    /// "hi vinicio,", "hello megan": a greeting before a first name.
    greeting: Regex,
    /// "romi, erik, amy and kristen": a list of single words.
    word_list: Regex,
    /// "work for intermap technologies": an employer after a work verb.
    employer: Regex,
    place: Regex,
    date_md: Regex,
    year_apostrophe: Regex,
    uk_phone: Regex,
    nhs: Regex,
    nhs_labelled: Regex,
    postcode: Regex,
    pager: Regex,
    field: Regex,
    street_any: Regex,
    city_state_zip: Regex,
}

/// Written in one casing: every letter upper case, or every letter lower case.
pub fn flat_case(w: &str) -> bool {
    let letters = || w.chars().filter(|c| c.is_alphabetic());
    letters().all(char::is_uppercase) || letters().all(char::is_lowercase)
}

/// NHS number check digit of the first nine digits (modulus 11); `None` when the number
/// cannot be valid (remainder 10).
pub fn nhs_check_digit(first9: &[u32]) -> Option<u32> {
    let sum: u32 = first9
        .iter()
        .take(9)
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    Some((11 - sum % 11) % 11).filter(|&c| c != 10)
}

/// Ten digits whose last is the NHS check digit of the first nine.
pub fn nhs_checksum_ok(digits: &[u32]) -> bool {
    digits.len() == 10 && nhs_check_digit(&digits[..9]) == Some(digits[9])
}

impl ContextRules {
    pub(crate) fn new() -> ContextRules {
        ContextRules {
            title: re(&format!(
                r"(?i)\b(?:{TITLES})\b\.?[ \t]+({WORD})(?:[ \t]+({WORD}))?"
            )),
            relation: re(&format!(
                r"(?i)\b(?:{RELATIONS})\b(?:[ \t]*[,:(][ \t]*|[ \t]+)({WORD})(?:[ \t]+({WORD}))?"
            )),
            signature: re(&format!(
                r"(?i)(?:^|[\s(/-])((\p{{L}}\.[ \t]*)?{WORD}(?:[ \t]+{WORD})?)[ \t]*,[ \t]*({SIGN_CREDENTIALS})\b"
            )),
            facility: re(&format!(r"(?i)\b((?:{WORD}[ \t]+){{1,3}}?)({FACILITY})\b")),
            firm_partners: re(&format!(
                r"(?i)\b({WORD}),[ \t]+({WORD})[ \t]+(?:and|&)[ \t]+({WORD})\b"
            )),
            word_pair: re(&format!(r"\b({WORD})[ \t]+({WORD})\b")),
            unit_no: re(r"(?i)\b(?:apt|apartment|suite|ste)\b\.?[ \t]*#?[ \t]*\d{1,5}[a-z]?\b"),
            greeting: re(&format!(
                r"(?i)\b(?:hi|hello|hey|dear)[ \t]+({WORD})[ \t]*[,!]"
            )),
            word_list: re(&format!(
                r"(?i)\b{WORD}(?:,[ \t]+{WORD}){{2,}},?[ \t]+(?:and|&)[ \t]+{WORD}\b"
            )),
            employer: re(&format!(
                r"(?i)\b(?:work(?:s|ed|ing)?|employed)[ \t]+(?:for|at|by)[ \t]+({WORD}(?:[ \t]+{WORD}){{0,2}})"
            )),
            firm_suffix: re(&format!(
                r"(?i)\b((?:{WORD}[ \t]+){{1,2}})(?:inc|llc|ltd|plc|corp|corporation|associates|gmbh|partners)\b\.?"
            )),
            place: re(&format!(
                r"(?i)\b(?:{PLACE_CONTEXT})[ \t]+({WORD}(?:[ \t]+{WORD}){{0,2}})"
            )),
            date_md: re(r"\b(\d{1,2})/(\d{1,2})\b"),
            year_apostrophe: re(r"(?:^|[\s(,])('\d{2})\b"),
            uk_phone: re(
                r"(?:\+44[ \t]?(?:\(0\)[ \t]?)?|\(?\b0)\d{2,4}\)?(?:[ \t\-]?\d{3,4}){1,2}\b",
            ),
            nhs: re(r"\b(\d{3})[ \t\-]?(\d{3})[ \t\-]?(\d{4})\b"),
            nhs_labelled: re(
                r"(?i)\bnhs[ \t]*(?:number|no\.?|#)?[ \t]*[:#]?[ \t]*(\d{3}[ \t\-]?\d{3}[ \t\-]?\d{4}|\d{10})\b",
            ),
            postcode: re(
                r"(?i)\b((?:[a-pr-uwyz][a-hk-y]?\d[a-z\d]?|[a-pr-uwyz]\d[a-hjkps-uw])[ \t]?\d[abd-hjlnp-uw-z]{2})\b",
            ),
            pager: re(
                r"(?i)\b(?:pager|pgr|beeper|bleep|page)[ \t]*(?:#|no\.?|number)?[ \t]*[:#]?[ \t]*#?(\d{4,7})\b|(?:^|[\s(])#(\d{4,6})\b",
            ),
            street_any: re(&format!(
                r"(?i)\b\d{{1,5}}[a-z]?[ \t]+((?:{WORD}[ \t]+){{1,3}}?)(?:{STREET_TYPES})\b\.?"
            )),
            city_state_zip: re(&format!(
                r"(?i)\b({WORD}(?:[ \t]+{WORD}){{0,2}}),?[ \t]+(?:{STATE_CODES})\.?,?[ \t]+(\d{{5}}(?:-\d{{4}})?)\b"
            )),
            field: re(&format!(
                r"(?im)(?:^|[\t|;]|[ ]{{2}}|\.[ ]|,[ ])[ \t]*((?:{FIELD_LABELS}))[ \t]*[:#][ \t]*"
            )),
        }
    }

    pub(crate) fn detect(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        let flat = flat_case(text);
        self.names(d, text, out);
        self.facilities(d, text, flat, out);
        self.firms(d, text, out);
        self.places(d, text, flat, out);
        self.dates(text, out);
        self.uk(d, text, out);
        self.fields(d, text, out);
        if flat {
            self.flat_addresses(d, text, out);
            self.name_pairs(d, text, out);
            self.flat_names(d, text, out);
        }
    }

    /// Names that only their capitals show in mixed case, found in one-casing text by
    /// context and word lists: a word that is no ordinary word or place after a greeting
    /// ("hi vinicio,"), the
    /// items of a list of three or more single words that are census names or no ordinary
    /// words, two thirds of them census names that are no ordinary word ("romi, erik, amy, nathaniel and kristen"; not "brown, green
    /// and white"), and an employer after "work for / at" whose first word is no ordinary
    /// word ("worked for intermap technologies").
    fn flat_names(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.greeting.captures_iter(text) {
            let Some(w) = c.get(1) else { continue };
            if !d.ordinary(w.as_str()) && !d.place(w.as_str()) {
                out.push(span(w.start(), w.end(), Category::Name, 0.75, "name"));
            }
        }
        for m in self.word_list.find_iter(text) {
            let items: Vec<regex::Match> = d
                .words(m.as_str())
                .filter(|w| !matches!(w.as_str().to_lowercase().as_str(), "and"))
                .collect();
            let census = |w: &str| d.first_name(w) || d.surname(w);
            let named = items.iter().filter(|w| d.name_like(w.as_str())).count();
            // every item a census name or no ordinary word ("romi"), none clinical
            let ok = items.iter().all(|w| {
                let w = w.as_str();
                (census(w) || !d.ordinary(w)) && !d.clinical(w) && !d.stop(w)
            });
            if ok && named * 3 >= items.len() * 2 {
                for w in items {
                    let s = m.start() + w.start();
                    out.push(span(s, s + w.len(), Category::Name, 0.75, "name"));
                }
            }
        }
        for c in self.employer.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            let words: Vec<regex::Match> = d.words(g.as_str()).collect();
            let Some(first) = words.first() else { continue };
            if d.ordinary(first.as_str()) || d.place(first.as_str()) {
                continue;
            }
            // the name runs while its words are no function or clinical words
            let last = words
                .iter()
                .take_while(|w| !d.stop(w.as_str()) && !d.clinical(w.as_str()))
                .last()
                .unwrap_or(first);
            out.push(span(
                g.start() + first.start(),
                g.start() + last.end(),
                Category::Organization,
                0.75,
                "org",
            ));
        }
    }

    /// Street lines, apartment and suite numbers and "city, ST 12345" in text written in one casing, where the rules
    /// that look for capitalised words cannot see them.
    fn flat_addresses(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.street_any.captures_iter(text) {
            let (Some(m), Some(words)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let bad = d
                .words(words.as_str())
                .any(|w| d.clinical(w.as_str()) || d.stop(w.as_str()));
            if !bad && !super::followed_by_unit(text, m.start()) {
                let end = m.end() - usize::from(m.as_str().ends_with('.'));
                out.push(span(m.start(), end, Category::Address, 0.8, "address"));
            }
        }
        for m in self.unit_no.find_iter(text) {
            out.push(span(m.start(), m.end(), Category::Address, 0.8, "address"));
        }
        for c in self.city_state_zip.captures_iter(text) {
            let (Some(city), Some(zip)) = (c.get(1), c.get(2)) else {
                continue;
            };
            // the last words before the state that form a known place ("salem, or 70790")
            let words: Vec<regex::Match> = d.words(city.as_str()).collect();
            for w in &words {
                let cand = &city.as_str()[w.start()..];
                if d.place(cand.trim_end_matches(',')) {
                    let s = city.start() + w.start();
                    out.push(span(s, city.end(), Category::Location, 0.8, "location"));
                    break;
                }
            }
            out.push(span(zip.start(), zip.end(), Category::Zip, 0.9, "zip"));
        }
    }

    /// A word after a title or in a signature is a name when it reads as one: a census
    /// name that is no English word, or (in a title) any word that is neither English
    /// nor clinical ("DR WALSH", "dr okafor"; not "DR NOTIFIED", "dr aware").
    fn names(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.title.captures_iter(text) {
            let (Some(m), Some(w1)) = (c.get(0), c.get(1)) else {
                continue;
            };
            // "his primary doctor.  He was…": a title written out ends the sentence
            let title = text[m.start()..w1.start()].to_lowercase();
            let written_out = ["doctor", "professor", "sister", "nurse", "matron", "miss"]
                .iter()
                .any(|t| title.starts_with(&format!("{t}.")));
            if written_out {
                continue;
            }
            let (a, b) = (w1.as_str(), c.get(2).map(|m| m.as_str()));
            // "dr amber mathew": a first name that is also a word, then a surname
            let first_then_surname = d.first_name(a) && b.is_some_and(|b| d.name_like(b));
            // "mr. wight," / "dr. porch" at the end of a line: a surname that is also a
            // word, where nothing continues the phrase ("dr aware of labs" does)
            let rest = text.get(w1.end()..).unwrap_or("");
            let ends_phrase = rest.is_empty()
                || rest.starts_with([',', '.', ';', '\n', ')'])
                || rest.trim_start_matches([' ', '\t']).starts_with('\n');
            let surname_alone = d.surname(a) && ends_phrase;
            // "seen by dr wake on rounds", "mrs. tufts is": a census surname followed by a
            // function word; not a verb that reads as one ("dr will be notified")
            let a_lower = a.to_lowercase();
            let surname_then_function = d.surname(a)
                && a.chars().count() >= 3
                && !d.stop(a)
                && !TITLE_VERBS.contains(&a_lower.as_str())
                && first_word(rest)
                    .is_some_and(|w| d.stop(w) || NAME_VERBS.contains(&w.to_lowercase().as_str()));
            if d.ordinary(a) && !first_then_surname && !surname_alone && !surname_then_function {
                continue;
            }
            let mut end = w1.end();
            if let (Some(w2), Some(b)) = (c.get(2), b) {
                // "Dr John Walsh": a first name, then a surname
                if d.first_name(a) && !d.ordinary(b) {
                    end = w2.end();
                }
            }
            out.push(span(w1.start(), end, Category::Name, 0.9, "name"));
        }
        for c in self.relation.captures_iter(text) {
            let Some(w1) = c.get(1) else { continue };
            // "wife sandy and son", "sister dolly in to visit": a first name that is also a
            // word, where a list or a visit continues the phrase
            let rest = text.get(w1.end()..).unwrap_or("");
            let continues = rest.starts_with([',', ')'])
                || first_word(rest).is_some_and(|w| {
                    matches!(
                        w.to_lowercase().as_str(),
                        "and" | "in" | "at" | "is" | "was" | "were" | "visited" | "visiting"
                    )
                });
            if !d.first_name(w1.as_str()) || (d.ordinary(w1.as_str()) && !continues) {
                continue;
            }
            if d.clinical(w1.as_str()) || d.stop(w1.as_str()) {
                continue;
            }
            let mut end = w1.end();
            if let Some(w2) = c.get(2) {
                if d.name_like(w2.as_str()) && d.surname(w2.as_str()) {
                    end = w2.end();
                }
            }
            out.push(span(w1.start(), end, Category::Name, 0.85, "name"));
        }
        for c in self.signature.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            let words: Vec<&str> = g
                .as_str()
                .split([' ', '\t', '.'])
                .filter(|w| w.chars().count() > 1)
                .collect();
            let Some(last) = words.last() else { continue };
            let initial = c.get(2).is_some();
            let credential = c
                .get(3)
                .map(|m| m.as_str().to_lowercase())
                .unwrap_or_default();
            // "t. ours, rn", "kerri herb, md": with an initial or a census first name and a
            // credential that is no ordinary abbreviation, a surname that is also a word
            let strong = !matches!(credential.as_str(), "pt" | "ot" | "ct" | "rt" | "do" | "pa")
                && !d.clinical(last)
                && !d.stop(last)
                && (initial
                    || (words.len() == 2 && d.first_name(words[0]) && !d.clinical(words[0])));
            if !strong && (!d.name_like(last) || words.iter().any(|w| d.ordinary(w))) {
                continue;
            }
            // "Baltimore, MD", "Erie, PA": a credential that is also a state code needs a
            // first name or an initial, and never follows a known place
            let statey = matches!(credential.as_str(), "md" | "pa" | "do");
            if statey && (d.place(g.as_str()) || (words.len() < 2 && !initial)) {
                continue;
            }
            out.push(span(g.start(), g.end(), Category::Name, 0.85, "name"));
        }
    }

    /// "MERCY HOSPITAL", "st luke's medical center": the words before a facility word, up to
    /// the first generic word; "clinic"/"practice"/"surgery" need a prefix that reads as a
    /// proper name (no English or clinical word).
    fn facilities(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.facility.captures_iter(text) {
            let (Some(pre), Some(kind)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let words: Vec<(usize, &str)> = d
                .words(pre.as_str())
                .map(|w| (pre.start() + w.start(), w.as_str()))
                .collect();
            // "RIVERSIDE GENERAL HOSPITAL": modifiers next to the facility word, then the
            // name words before them, up to the first generic word
            let lower = |i: usize| words[i].1.to_lowercase();
            let mut first = words.len();
            while first > 0 && FACILITY_MODIFIERS.contains(&lower(first - 1).as_str()) {
                first -= 1;
            }
            let modifiers = first;
            while first > 0 {
                let w = lower(first - 1);
                if GENERIC_FACILITY_WORDS.contains(&w.as_str()) || d.stop(&w) || d.clinical(&w) {
                    break;
                }
                first -= 1;
            }
            if first == modifiers {
                continue;
            }
            let kept = &words[first..];
            let kind_l = kind.as_str().to_lowercase();
            let weak = WEAK_FACILITY
                .iter()
                .any(|k| kind_l.split_whitespace().last() == Some(*k));
            // a letterhead line ("Oak Surgery", "Kingston Clinical Laboratory") names the
            // facility even with ordinary words; elsewhere they make it a phrase
            let line_start = text
                .get(..kept[0].0)
                .is_none_or(|b| b.ends_with('\n') || b.trim().is_empty());
            let titled = kept.iter().all(|(_, w)| w.starts_with(char::is_uppercase));
            // a line that holds nothing but the facility (a letterhead), in any casing
            let whole_line = line_start
                && text
                    .get(kind.end()..)
                    .is_some_and(|r| r.is_empty() || r.starts_with(['\n', '\r']));
            if weak
                && kept.iter().any(|(_, w)| d.english(w))
                && !(line_start && titled && !flat)
                && !whole_line
            {
                continue;
            }
            // in mixed-case text a facility name is capitalised
            if !flat && !titled {
                continue;
            }
            out.push(span(
                kept[0].0,
                kind.end(),
                Category::Organization,
                0.85,
                "org",
            ));
        }
    }

    /// In text written in one casing, a census first name followed by a census surname,
    /// neither an ordinary or clinical word ("sara schwarz", "NATALIE ÅBERG"): a name
    /// without any context word, which mixed case would show by its capitals.
    fn name_pairs(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        let mut at = 0;
        while let Some(c) = self.word_pair.captures_at(text, at) {
            let (Some(m), Some(a), Some(b)) = (c.get(0), c.get(1), c.get(2)) else {
                break;
            };
            let (wa, wb) = (a.as_str(), b.as_str());
            if d.first_name(wa) && d.name_like(wa) && d.surname(wb) && d.name_like(wb) {
                out.push(span(m.start(), m.end(), Category::Name, 0.75, "name"));
                at = m.end();
            } else {
                // overlapping pairs: the second word may start the next one
                at = b.start();
            }
        }
    }

    /// Firms, in any casing: three census surnames as "A, B and C" (one of them at least no
    /// ordinary word: "henderson, hicks and brown" yes, "brown, green and white" no), and one or two
    /// words before a legal suffix ("abt associates", "Acme Ltd"), leading function,
    /// ordinary or clinical words left out ("physician associates" is none).
    fn firms(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.firm_partners.captures_iter(text) {
            let (Some(m), Some(a), Some(b), Some(z)) = (c.get(0), c.get(1), c.get(2), c.get(3))
            else {
                continue;
            };
            let parts = [a.as_str(), b.as_str(), z.as_str()];
            let named = parts.iter().filter(|w| d.name_like(w)).count();
            if parts.iter().all(|w| d.surname(w)) && named >= 1 {
                out.push(span(m.start(), m.end(), Category::Organization, 0.8, "org"));
            }
        }
        for c in self.firm_suffix.captures_iter(text) {
            let (Some(m), Some(pre)) = (c.get(0), c.get(1)) else {
                continue;
            };
            // in mixed case a capitalised word counts even when it is also a word ("Acme")
            let flat = flat_case(text);
            let first = d
                .words(pre.as_str())
                .find(|w| {
                    let w = w.as_str();
                    !d.stop(w)
                        && !d.clinical(w)
                        && (!d.ordinary(w) || (!flat && w.starts_with(char::is_uppercase)))
                })
                .map(|w| pre.start() + w.start());
            if let Some(s) = first {
                let end = m.end() - usize::from(m.as_str().ends_with('.'));
                out.push(span(s, end, Category::Organization, 0.8, "org"));
            }
        }
    }

    /// A known town or city after "from", "in", "lives in"… that is not an ordinary word
    /// ("from Reading" yes in mixed case; "in bath" no).
    fn places(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.place.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            let words: Vec<&str> = g.as_str().split([' ', '\t']).collect();
            // the longest run of words that is a known place
            for n in (1..=words.len()).rev() {
                let cand = words[..n].join(" ");
                if !d.place(&cand) {
                    continue;
                }
                let single = n == 1;
                let ordinary = single && (d.english(&cand) || d.clinical(&cand) || d.stop(&cand));
                let capitalised = words[..n].iter().all(|w| w.starts_with(char::is_uppercase));
                // in mixed-case text a place is capitalised; where casing says nothing it
                // must not be an ordinary word
                let plausible = if flat { !ordinary } else { capitalised };
                // a state alone is no subdivision smaller than a state (Safe Harbor keeps it)
                if !plausible || super::is_state_name(&cand) {
                    break;
                }
                let end = g.start() + words[..n].iter().map(|w| w.len()).sum::<usize>() + (n - 1);
                out.push(span(g.start(), end, Category::Location, 0.75, "location"));
                break;
            }
        }
    }

    /// Month/day without a year ("4/12"), which clinical notes use for every event, and
    /// years after an apostrophe ("MI '92"). Fractions, scores and ratios are not dates.
    fn dates(&self, text: &str, out: &mut Vec<Span>) {
        for c in self.date_md.captures_iter(text) {
            let (Some(m), Some(a), Some(b)) = (c.get(0), c.get(1), c.get(2)) else {
                continue;
            };
            let (mo, dy) = (super::num(a.as_str()), super::num(b.as_str()));
            if !(1..=12).contains(&mo) || !(1..=31).contains(&dy) {
                continue;
            }
            // part of a longer date, a ratio (120/80), a score (7/10) or a fraction (1/2)
            // a sentence may end right after the date ("on 4/12.")
            let rest = text.get(m.end()..).unwrap_or("");
            let full_stop =
                rest.starts_with('.') && rest[1..].chars().next().is_none_or(char::is_whitespace);
            let glued = super::prev_char(text, m.start())
                .is_some_and(|ch| ch.is_ascii_digit() || matches!(ch, '/' | '.' | '-' | ':'))
                || (super::next_char(text, m.end())
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
                || super::followed_by_unit(text, m.end())
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

    /// UK phone numbers, NHS numbers (valid checksum anywhere; any ten digits after an NHS
    /// label), UK postcodes and pagers.
    fn uk(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for m in self.uk_phone.find_iter(text) {
            let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
            let national = if m.as_str().starts_with('+') {
                format!("0{}", digits.get(2..).unwrap_or(""))
            } else {
                digits
            };
            let glued = super::prev_char(text, m.start())
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
            if nhs_checksum_ok(&digits) && super::number_bounded(text, m.start(), m.end()) {
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
        for c in self.pager.captures_iter(text) {
            if let Some(v) = c.get(1).or(c.get(2)) {
                if !super::followed_by_unit(text, v.end()) {
                    out.push(span(v.start(), v.end(), Category::Id, 0.7, "id"));
                }
            }
        }
    }

    /// Label-driven fields: the value after "Name:", "Address:", "Tel:", "DOB:", "NHS
    /// Number:", "Hospital Number:", "MRN:", "Email:", "Ref:" is PHI whatever its format, to
    /// the end of the field (end of line, a tab or two spaces, the next label). A name
    /// label's value must read as a name (no clinical or ordinary words); number labels
    /// need a digit. The label itself is never part of the span.
    fn fields(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        let labels: Vec<(usize, usize, String)> = self
            .field
            .captures_iter(text)
            .filter_map(|c| {
                let (m, l) = (c.get(0)?, c.get(1)?);
                Some((l.start(), m.end(), l.as_str().to_lowercase()))
            })
            .collect();
        for (i, (_, label_end, label)) in labels.iter().enumerate() {
            let next_label = labels.get(i + 1).map_or(text.len(), |l| l.0);
            let Some((vstart, value)) = field_value(text, *label_end, next_label, label) else {
                continue;
            };
            let vstart = &vstart;
            let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
            let first = label.split(' ').next().unwrap_or("");
            let (cat, needs_digit) = match first {
                "name" | "full" | "patient" | "next" | "nok" | "gp" | "re" | "regarding" | "to"
                | "attn" | "attention" => (Category::Name, false),
                "address" | "home" if !label.contains("phone") => (Category::Address, false),
                "tel" | "telephone" | "phone" | "mobile" | "fax" | "home" => {
                    (Category::Phone, true)
                }
                "e-mail" | "email" => (Category::Email, false),
                _ if label.starts_with('d') => (Category::Date, true),
                _ => (Category::Id, true),
            };
            let (vs, ve) = (*vstart, *vstart + value.len());
            if needs_digit {
                // the number itself: from the first digit (or '+', '(') to the last digit
                let Some(a) = value.find(|ch: char| ch.is_ascii_digit() || ch == '+' || ch == '(')
                else {
                    continue;
                };
                let b = value
                    .rfind(|ch: char| ch.is_ascii_digit())
                    .map_or(0, |b| b + 1);
                let core = &value[a..b.max(a)];
                let digits = core.chars().filter(char::is_ascii_digit).count();
                // an ID may carry letters ("RX4 55231"); everything else is digits and
                // separators, and ends at the first word without a digit
                let words_ok = core.split_whitespace().all(|w| {
                    w.chars().any(|ch| ch.is_ascii_digit())
                        || (cat == Category::Id && w.len() <= 4)
                        || (cat == Category::Date && is_month(w))
                });
                if digits < 2 || !words_ok {
                    continue;
                }
                out.push(span(vs + a, vs + b.max(a), cat, 0.95, "field"));
                continue;
            }
            // a fax cover's "To:" and "Re:" name a person only when a census first name or
            // a title opens the value ("re: olin askins"; not "re: follow-up visit")
            let addressed = matches!(first, "re" | "regarding" | "to" | "attn" | "attention");
            if addressed {
                let opener = d
                    .words(value)
                    .next()
                    .map(|w| w.as_str().trim_end_matches('.'));
                let titled = opener.is_some_and(|w| {
                    matches!(
                        w.to_lowercase().as_str(),
                        "mr" | "mrs" | "ms" | "miss" | "dr"
                    )
                });
                if !titled && !opener.is_some_and(|w| d.first_name(w) && !d.clinical(w)) {
                    continue;
                }
            }
            if cat == Category::Name {
                // up to four name words; titles are skipped, an ordinary word ends it
                let mut s = None;
                let mut e = vs;
                for w in d.words(value).take(5) {
                    let off = vs + w.start();
                    let bare = w.as_str().trim_end_matches('.');
                    let title = matches!(
                        bare.to_lowercase().as_str(),
                        "mr" | "mrs" | "ms" | "miss" | "mx" | "dr" | "prof"
                    );
                    if title && s.is_none() {
                        continue;
                    }
                    let initial =
                        bare.chars().count() == 1 && bare.chars().all(char::is_alphabetic);
                    // after an explicit name label ("Patient Name:", "Next of kin:")
                    // ordinary words are names too ("moon, hugh")
                    // so after "Patient:" when the field is short ("patient: tufts, kati")
                    let explicit = label.contains("name")
                        || matches!(first, "next" | "nok")
                        || addressed
                        || (first == "patient" && d.words(value).count() <= 4);
                    let ok = initial
                        || d.name_like(bare)
                        || ((explicit || !d.english(bare))
                            && !d.clinical(bare)
                            && !d.stop(bare)
                            && bare
                                .chars()
                                .all(|ch| ch.is_alphabetic() || "-'’".contains(ch)));
                    if !ok {
                        break;
                    }
                    s.get_or_insert(off);
                    e = off + bare.len();
                }
                if let Some(s) = s {
                    if e > s && text.get(s..e).is_some_and(|t| t.chars().count() > 1) {
                        out.push(span(s, e, Category::Name, 0.9, "field"));
                    }
                }
                continue;
            }
            out.push(span(vs, ve, cat, 0.9, "field"));
        }
    }
}

/// Words that follow a title as verbs, not names ("dr will be notified", "dr may call").
const TITLE_VERBS: &[&str] = &[
    "will", "may", "can", "shall", "must", "should", "would", "could", "might", "did", "does",
    "has", "had", "was", "is", "aware", "notified", "here", "paged", "called",
];

/// Verbs that follow a patient's name in letters and notes ("mr pitcher reports").
const NAME_VERBS: &[&str] = &[
    "reports",
    "states",
    "presents",
    "presented",
    "denies",
    "complains",
    "says",
    "feels",
    "underwent",
    "returns",
    "returned",
    "notes",
    "agrees",
    "understands",
    "tolerated",
    "remains",
    "remained",
    "continues",
    "attended",
    "attends",
    "describes",
    "declined",
];

/// The first word of `s` (letters only), if `s` starts with one after blanks.
/// A town next to a UK postcode, starting at byte `start`.
/// The value of a field whose label ends at `label_end`: the rest of the label's line up
/// to a tab, a double space or the next label; when the label ends its line (a form laid
/// out as "Address:" over its value), the next line, and for an address up to three more
/// lines before a blank line. `None` when there is no value or it is too long for one.
fn field_value<'t>(
    text: &'t str,
    label_end: usize,
    next_label: usize,
    label: &str,
) -> Option<(usize, &'t str)> {
    let rest = text.get(label_end..next_label.max(label_end))?;
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let own_line = rest[..line_end].trim();
    let (start, mut end, max_lines) = if own_line.is_empty() && line_end < rest.len() {
        let after = &rest[line_end + 1..];
        let lead = after.len() - after.trim_start_matches([' ', '\t']).len();
        let s = line_end + 1 + lead;
        if rest[s..].starts_with(['\n', '\r']) || s >= rest.len() {
            return None; // a blank line: the label has no value
        }
        let lines = if label.starts_with("address") || label.starts_with("home address") {
            4
        } else {
            1
        };
        (s, rest[s..].find('\n').map_or(rest.len(), |p| s + p), lines)
    } else {
        (0, line_end, 1)
    };
    for _ in 1..max_lines {
        // an address goes on over lines that are not blank
        let more = &rest[end..];
        let Some(line) = more.strip_prefix('\n') else {
            break;
        };
        let len = line.find('\n').unwrap_or(line.len());
        if line[..len].trim().is_empty() {
            break;
        }
        end += 1 + len;
    }
    if max_lines == 1 {
        let seg = &rest[start..end];
        if let Some(p) = seg.find('\t') {
            end = end.min(start + p);
        }
        if let Some(p) = seg.find("  ") {
            end = end.min(start + p);
        }
    }
    let value =
        rest[start..end].trim_end_matches(|ch: char| ch.is_whitespace() || ",;.|".contains(ch));
    let limit = if max_lines > 1 { 160 } else { 80 };
    (!value.is_empty() && value.chars().count() <= limit).then_some((label_end + start, value))
}

fn town_span(start: usize, town: &str) -> Span {
    span(
        start,
        start + town.len(),
        Category::Location,
        0.8,
        "location",
    )
}

fn first_word(s: &str) -> Option<&str> {
    let t = s.trim_start_matches([' ', '\t']);
    let end = t.find(|c: char| !c.is_alphabetic()).unwrap_or(t.len());
    (end > 0).then(|| &t[..end])
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

/// A month name or its abbreviation ("Aug", "august", "SEPT.").
fn is_month(w: &str) -> bool {
    let w = w.trim_end_matches('.').to_lowercase();
    w.len() >= 3
        && w.is_char_boundary(3)
        && [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ]
        .contains(&&w[..3])
}
