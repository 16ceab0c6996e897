//! Organisations in any casing: facilities ("MERCY HOSPITAL") and firms ("Henderson,
//! Hicks and Brown", "Acme Ltd").

use super::places::STRONG_STREET_TYPES;
use super::{flat_case, ContextRules, SPECIALTIES};
use crate::detect::rules::rules_dict::{facility_word, Dicts};
use crate::detect::rules::{last_word_lower, span};
use crate::types::{Category, Span};

/// Facility words whose prefix must look like a proper name (they also close ordinary
/// phrases: "pain clinic", "cardiac surgery", "general practice").
const WEAK_FACILITY: &[&str] = &[
    "school",
    "preschool",
    "daycare",
    "clinic",
    "practice",
    "surgery",
    "rehab",
    "hospice",
    "laboratory",
    "laboratories",
    "associates",
    "assoc",
    "pediatrics",
    "paediatrics",
    "cardiology",
    "neurology",
    "dermatology",
    "orthopedics",
    "orthopaedics",
    "urology",
    "oncology",
    "gastroenterology",
    "rheumatology",
    "medicine",
    "health",
    "care",
    "pavilion",
    "university",
    "manor",
    "house",
    "inn",
    "commons",
    "lodge",
    "detox",
    "plan",
    "plans",
    "services",
    "agency",
    "living",
    "medflight",
    "partnership",
    "nurses",
    "nurse",
    "association",
    "vna",
    "ems",
    "ambulance",
    "aging",
    "life",
    "dialysis",
    "recovery",
    "college",
    "shelter",
    "parish",
    "church",
    "transit",
    "service",
    "connections",
    "counseling",
    "intervention",
    "program",
    "alf",
];

/// Words that make a facility generic ("the hospital", "outside hospital"), never its name.
pub(super) const GENERIC_FACILITY_WORDS: &[&str] = &[
    "the",
    "vendor",
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
    "thru",
    "through",
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

/// What a clinician does about a plan of care, never a word of a facility's name
/// ("FELLOW PRIYA *DISCUSSED* CARDIAC REHAB", "dr. lee *recommended* pulmonary rehab").
const CARE_VERBS: &[&str] = &[
    "discussed",
    "explained",
    "reviewed",
    "recommended",
    "recommends",
    "suggested",
    "mentioned",
    "offered",
    "encouraged",
    "ordered",
    "requested",
    "arranged",
    "declined",
    "refused",
    "started",
    "completed",
    "attended",
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

/// Where a facility's name that starts at `start` begins with the saint's title before it
/// ("ST. ELOI HOSPITAL", "saint jude's"): the title opens the line or follows a
/// preposition or a bracket, so a street's type ("12 MAIN ST. ELOI …") is left out.
pub(crate) fn saint_start(text: &str, start: usize) -> usize {
    let head = text[..start].trim_end_matches([' ', '\t']);
    if head.len() == start {
        return start;
    }
    let head_l = head.to_lowercase();
    let Some(title) = ["st.", "st", "saint", "ste.", "ste"].iter().find(|t| {
        head_l.ends_with(*t)
            && !head_l[..head_l.len() - t.len()].ends_with(|c: char| c.is_alphanumeric())
    }) else {
        return start;
    };
    // (the title's bytes in the text itself: lower-casing may change a text's length)
    let Some(at) = head.len().checked_sub(title.len()).filter(|&at| {
        head.get(at..)
            .is_some_and(|t| t.eq_ignore_ascii_case(title))
    }) else {
        return start;
    };
    let before = text[..at].trim_end_matches([' ', '\t']);
    let opens = before.is_empty() || before.ends_with(['\n', '(', ',', ';', ':', '@']);
    let prep = matches!(
        last_word_lower(before).as_str(),
        "at" | "to" | "from" | "vs" | "via" | "of" | "the" | "and" | "or" | "in" | "back"
    );
    if opens || prep {
        at
    } else {
        start
    }
}

/// A preposition after which a name is a place or a facility ("at", "from", "to", "via").
fn place_preposition(w: &str) -> bool {
    matches!(w, "at" | "from" | "to" | "via" | "thru")
}

/// Where a town after "of" ends when the gazetteer knows it: both its words, or its first
/// word alone ("of bowling green", "of caldwell, did").
fn known_town_end(d: &Dicts, town: &regex::Match) -> Option<usize> {
    let t = town.as_str();
    let one = t.split_whitespace().next().unwrap_or("");
    if d.place(t) {
        Some(town.end())
    } else if d.place(one) {
        Some(town.start() + one.len())
    } else {
        None
    }
}

impl ContextRules {
    /// A UK trust or health board named on a line of its own, from the line's first word
    /// ("Pennine Moor Hospitals NHS Foundation Trust", "BELFAST HEALTH AND SOCIAL CARE
    /// TRUST"); in mixed-case text its first word is capitalised.
    pub(super) fn trusts(&self, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.trust.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            if !flat && !g.as_str().starts_with(char::is_uppercase) {
                continue;
            }
            out.push(span(
                g.start(),
                g.end(),
                Category::Organization,
                0.85,
                "org",
            ));
        }
    }

    /// A Scottish or Welsh health board named on a line of its own after "NHS" ("NHS
    /// Greater Glasgow and Clyde", "NHS LOTHIAN"): up to six words, no digits or labels,
    /// capitalised in mixed case (but "and", "of", "the"), no nation ("NHS England"); the
    /// Veterans Affairs system after a place preposition ("through the VA", "at the va";
    /// not "with the VA chart", visual acuity).
    pub(super) fn boards_and_va(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.nhs_board.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            let words: Vec<&str> = g.as_str().split_whitespace().skip(1).collect();
            let joins = |w: &str| matches!(w.to_lowercase().as_str(), "and" | "of" | "the" | "&");
            let named = words.iter().any(|w| !joins(w) && !d.ordinary(w))
                || words.iter().all(|w| joins(w) || d.place(w));
            let capitalised = flat
                || words
                    .iter()
                    .all(|w| joins(w) || w.starts_with(char::is_uppercase));
            let heading = words.iter().any(|w| {
                HEADING_WORDS.contains(&w.to_lowercase().as_str())
                    || matches!(
                        w.to_lowercase().as_str(),
                        "number"
                            | "no"
                            | "trust"
                            | "foundation"
                            | "board"
                            | "england"
                            | "scotland"
                            | "wales"
                            | "ireland"
                            | "digital"
                            | "direct"
                    )
            });
            if named && capitalised && !heading {
                out.push(span(
                    g.start(),
                    g.end(),
                    Category::Organization,
                    0.85,
                    "org",
                ));
            }
        }
        for c in self.va.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            // in mixed case the abbreviation is in capitals
            if flat || g.as_str() == "VA" {
                out.push(span(g.start(), g.end(), Category::Organization, 0.8, "org"));
            }
        }
    }

    /// "MERCY HOSPITAL", "st luke's medical center": the words before a facility word, up to
    /// the first generic word; "clinic"/"practice"/"surgery" need a prefix that reads as a
    /// proper name (no English or clinical word).
    pub(super) fn facilities(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.facility.captures_iter(text) {
            let (Some(all), Some(pre), Some(kind)) = (c.get(0), c.get(1), c.get(2)) else {
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
            // a street the practice is named after ("Cowley Road Medical Practice") is
            // part of the name when a name word comes before its street type
            let street_named = |i: usize| {
                i > 0
                    && STRONG_STREET_TYPES.contains(&lower(i).as_str())
                    && !d.english(words[i - 1].1)
                    && !GENERIC_FACILITY_WORDS.contains(&lower(i - 1).as_str())
            };
            // a generic, function or clinical word is no part of a facility's name, nor is
            // a verb that tells what a clinician did ("PRIYA DISCUSSED CARDIAC REHAB")
            let verb = |i: usize| CARE_VERBS.contains(&lower(i).as_str());
            let generic = |i: usize| {
                let w = lower(i);
                GENERIC_FACILITY_WORDS.contains(&w.as_str())
                    || d.stop(&w)
                    || d.clinical(&w)
                    || verb(i)
            };
            // a clinical word inside the name, when a name word leads it ("Bright Smiles
            // Dental Group", "at southeast addiction center", "lakeside cardiopulmonary
            // rehab"): the lead is no generic, function or clinical word, and no ordinary
            // word unless a place preposition comes before it
            // (a facility's kind leads no name, "home w/ vna vs rehab", nor does a
            // clinician's surname, "dr. lindqvist ortho clinic")
            let name_lead = |i: usize| {
                let before = last_word_lower(text[..words[i].0].trim_end().trim_end_matches('.'));
                !generic(i)
                    && !WEAK_FACILITY.contains(&lower(i).as_str())
                    && !d.org_word(words[i].1)
                    && !matches!(before.as_str(), "dr" | "mr" | "mrs" | "ms" | "prof")
                    && (!d.english(words[i].1) || place_preposition(&before) || before == "through")
            };
            let plain_clinical = |k: usize| {
                let w = lower(k);
                d.clinical(&w)
                    && !d.stop(&w)
                    && !GENERIC_FACILITY_WORDS.contains(&w.as_str())
                    && !verb(k)
            };
            let clinical_in_name = |i: usize| {
                plain_clinical(i)
                    && (0..i)
                        .rev()
                        .find(|&j| !plain_clinical(j))
                        .is_some_and(name_lead)
            };
            while first > 0 {
                if generic(first - 1) && !street_named(first - 1) && !clinical_in_name(first - 1) {
                    break;
                }
                first -= 1;
            }
            // after a place preposition, two or more ordinary words before a hospital or a
            // medical centre, or before a modifier and any facility word, name it even
            // where the clinical vocabulary holds them ("FROM CAPITAL REGION HOSP", "at
            // four corners community clinic"; not "at heart failure clinic")
            let ordinary = |k: usize| {
                let w = lower(k);
                d.english(words[k].1)
                    && !d.stop(&w)
                    && !GENERIC_FACILITY_WORDS.contains(&w.as_str())
                    && !FACILITY_MODIFIERS.contains(&w.as_str())
                    && !SPECIALTIES.contains(&w.as_str())
                    && !WEAK_FACILITY.contains(&w.as_str())
                    && !d.sign_credential(words[k].1)
            };
            let kind_word = kind.as_str().to_lowercase();
            let hospital = kind_word.starts_with("hosp")
                || kind_word.contains("cent")
                || kind_word.contains("ctr")
                || kind_word == "infirmary";
            if first >= 2 && (hospital || modifiers < words.len()) {
                let lead = (0..first).rev().find(|&k| !ordinary(k));
                let start = lead.map_or(0, |k| k + 1);
                let before =
                    lead.map_or_else(|| last_word_lower(text[..words[0].0].trim_end()), &lower);
                if first - start >= 2 && place_preposition(&before) {
                    first = start;
                }
            }
            // a line that holds nothing but the facility names it by any words but
            // function, generic and heading words, one of them no clinical word ("GREAT
            // LAKES UNITED HEALTH PLAN", "Evergreen Benefit Health Plans")
            let ends_line = text
                .get(all.end()..)
                .is_some_and(|r| r.is_empty() || r.starts_with(['\n', '\r']));
            if ends_line && first > 0 {
                let opens = text.get(..words[0].0).is_some_and(|b| {
                    let b = b.trim_end_matches([' ', '\t']);
                    b.is_empty() || b.ends_with('\n')
                });
                let plain = |k: usize| {
                    let w = lower(k);
                    !d.stop(&w)
                        && !GENERIC_FACILITY_WORDS.contains(&w.as_str())
                        && !HEADING_WORDS.contains(&w.as_str())
                };
                if opens && (0..first).all(plain) && (0..modifiers).any(|k| !d.clinical(&lower(k)))
                {
                    first = 0;
                }
            }
            // after a place preposition, one clinical word before a facility kind of two
            // words or more names it ("at foundation medical partners"; not a specialty or
            // a modifier, "at dialysis center", "to community health center")
            if first == modifiers && modifiers == words.len() && modifiers > 0 {
                let i = modifiers - 1;
                let w = lower(i);
                let kind_words = text[kind.start()..all.end()].split_whitespace().count();
                if kind_words >= 2
                    && plain_clinical(i)
                    && !SPECIALTIES.contains(&w.as_str())
                    && !FACILITY_MODIFIERS.contains(&w.as_str())
                    && place_preposition(&last_word_lower(&text[..words[i].0]))
                {
                    first = i;
                }
            }
            // "born at Memorial Hospital", "FROM MEMORIAL MEDICAL CENTER": a memorial is
            // always someone's, so the facility is named without a name word before it,
            // after a place preposition (in mixed-case text capitalised)
            if first == modifiers {
                let opens = words.get(modifiers).map_or(kind.start(), |w| w.0);
                let memorial = (modifiers..words.len()).any(|k| lower(k) == "memorial")
                    || kind.as_str().to_lowercase().starts_with("memorial");
                if memorial
                    && place_preposition(&last_word_lower(&text[..opens]))
                    && (flat || text[opens..].starts_with(char::is_uppercase))
                {
                    // "memorial" alone is the kind the pattern took from "Memorial Medical
                    // Center": the facility words after it belong to it
                    let tail = &text[all.end()..];
                    let more = [" medical center", " medical centre", " health center"]
                        .iter()
                        .find(|w| {
                            tail.get(..w.len())
                                .is_some_and(|t| t.eq_ignore_ascii_case(w))
                        })
                        .map_or(0, |w| w.len());
                    if text[opens..all.end() + more].split_whitespace().count() >= 2 {
                        out.push(span(
                            opens,
                            all.end() + more,
                            Category::Organization,
                            0.8,
                            "org",
                        ));
                    }
                }
                continue;
            }
            // two names joined by "and" share the facility word ("Heartlands and Solihull
            // Hospitals"), the first no ordinary word unless it opens the line
            if first >= 2
                && matches!(lower(first - 1).as_str(), "and" | "&")
                && (!d.english(words[first - 2].1)
                    || text
                        .get(..words[first - 2].0)
                        .is_some_and(|b| b.is_empty() || b.ends_with('\n')))
                && !generic(first - 2)
            {
                first -= 2;
            }
            let kept = &words[first..];
            // the kind runs to the end of the match ("University Hospital": a hospital)
            let kind_l = text[kind.start()..all.end()].to_lowercase();
            let kind_last = kind_l.split_whitespace().last();
            // a specialty's facility ("endoscopy center", "neurology group") is weak too
            let specialty_kind = kind_l.split_whitespace().count() > 1
                && kind_l
                    .split_whitespace()
                    .next()
                    .is_some_and(|w| SPECIALTIES.contains(&w));
            let weak = WEAK_FACILITY.iter().any(|k| kind_last == Some(*k)) || specialty_kind;
            // a letterhead line ("Oak Surgery", "Kingston Clinical Laboratory") names the
            // facility even with ordinary words; elsewhere they make it a phrase
            let line_start = text
                .get(..kept[0].0)
                .is_none_or(|b| b.ends_with('\n') || b.trim().is_empty());
            let titled = kept.iter().all(|(_, w)| w.starts_with(char::is_uppercase));
            // a line that holds nothing but the facility (a letterhead), in any casing
            let whole_line = line_start
                && text
                    .get(all.end()..)
                    .is_some_and(|r| r.is_empty() || r.starts_with(['\n', '\r']));
            // in one casing a name led by a word that is no ordinary word may hold ordinary
            // ones ("COWLEY ROAD MEDICAL PRACTICE"), and after "at/from/to" two or more
            // words before a facility word name it ("born at providence women's pavilion")
            // (in mixed case any ordinary word counts, and the same two words after a
            // preposition name it: casing must not make the rule stricter than in one
            // casing, "at Laurel Ridge Manor" as "AT LAUREL RIDGE MANOR")
            let after_prep = place_preposition(&last_word_lower(&text[..kept[0].0]));
            let ordinary_name = if flat {
                d.english(kept[0].1)
            } else {
                kept.iter().any(|(_, w)| d.english(w))
            } && !(after_prep
                && (kept.len() >= 2
                    || kind_last == Some("manor")
                    || (specialty_kind && !d.clinical(kept[0].1))));
            if weak && ordinary_name && !(line_start && titled && !flat) && !whole_line {
                continue;
            }
            // services are named by two words or more ("CAPE INFUSION SERVICES"; not
            // "REC'D SERVICES"), none of them shorthand for a past verb
            let services = matches!(kind_last, Some("services" | "service"));
            let past = |w: &str| {
                let l = w.to_lowercase();
                l.ends_with("'d") || l.ends_with("’d")
            };
            if (services && kept.len() < 2) || kept.iter().any(|(_, w)| past(w)) {
                continue;
            }
            // "for oculoplastic surgery", "BARIATRIC SURGERY": a specialty's adjective
            // before "surgery" is the operation, not a practice's name
            // ("IMPENDING OPEN-HEART SURGERY": ordinary words joined by a hyphen)
            let operation = |w: &str| {
                w.to_lowercase().ends_with("ic")
                    || (w.contains('-') && w.split('-').all(|p| d.english(p) || d.clinical(p)))
            };
            if kind_last == Some("surgery") && kept.len() == 1 && operation(kept[0].1) {
                continue;
            }
            // in mixed-case text a facility name is capitalised
            if !flat && !titled {
                continue;
            }
            out.push(span(
                saint_start(text, kept[0].0),
                all.end(),
                Category::Organization,
                0.85,
                "org",
            ));
        }
    }

    /// Facilities known by name from the packaged provider list, in any casing, also
    /// without a facility word ("transferred from Baystate", "BETH ISRAEL DEACONESS",
    /// "brigham & women's"); in mixed-case text every word but "and"/"of" is capitalised.
    /// Words may be split over lines.
    pub(super) fn known_facilities(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        let tokens: Vec<regex::Match> = self.facility_token.find_iter(text).collect();
        let words: Vec<String> = tokens.iter().map(|t| facility_word(t.as_str())).collect();
        let mut i = 0;
        while i < tokens.len() {
            let Some(n) = d.facility_at(&words[i..]) else {
                i += 1;
                continue;
            };
            let run = &tokens[i..i + n];
            // the words follow one another with nothing but spaces between them
            let adjacent = run
                .windows(2)
                .all(|p| text[p[0].end()..p[1].start()].trim().is_empty());
            let capitalised = run.iter().all(|t| {
                let w = t.as_str();
                matches!(w, "and" | "of" | "&") || w.starts_with(|c: char| c.is_uppercase())
            });
            if adjacent && (flat || capitalised) {
                let end = run[n - 1].end();
                let end = end - usize::from(text[..end].ends_with('.'));
                out.push(span(
                    run[0].start(),
                    end,
                    Category::Organization,
                    0.85,
                    "org",
                ));
                i += n;
            } else {
                i += 1;
            }
        }
        // the first word of a known facility's name alone, right after a place preposition
        // and closing its phrase ("cabg in 87 at brigham,"): no ordinary, clinical,
        // function or first-name word ("at lower end", "down to good bleeding bone"; so not
        // "at Tufts" either), no known place, capitalised in mixed case
        for (k, t) in tokens.iter().enumerate().skip(1) {
            let w = t.as_str();
            // (the cheap checks first: this runs over every word of every text)
            let closes = || {
                text[t.end()..]
                    .chars()
                    .next()
                    .is_none_or(|c| matches!(c, ',' | '.' | ';' | ')' | '\n' | '\r' | ' '))
                    && tokens.get(k + 1).is_none_or(|n| {
                        d.facility_at(&words[k..]).is_none_or(|m| m <= 1)
                            && (text[t.end()..n.start()].trim() != ""
                                || d.stop(n.as_str())
                                || d.clinical(n.as_str()))
                    })
            };
            if place_preposition(&tokens[k - 1].as_str().to_lowercase())
                && text[tokens[k - 1].end()..t.start()].trim().is_empty()
                && w.chars().count() >= 4
                && d.facility_first_word(&words[k])
                && !d.stop(w)
                && !d.ordinary(w)
                && !d.first_name(w)
                && !d.place(w)
                && (flat || w.starts_with(char::is_uppercase))
                && closes()
            {
                out.push(org_at(t));
            }
        }
    }

    /// A facility, agency or employer named after a verb of moving, living or care and a
    /// place preposition ("transferred from metrowest", "d/c to Youville", "staying at
    /// Holiday Inn", "home o2 via lincare"). In mixed-case text the name is its run of
    /// capitalised words, led by one that is no ordinary word unless another follows; in
    /// one casing a word that is no ordinary, clinical or function word, first name or
    /// known place, of four letters or more and no unit ("tsicu"), and the words after it
    /// up to a function or clinical word. A known place alone is left to the place rules.
    pub(super) fn facilities_after_verbs(
        &self,
        d: &Dicts,
        text: &str,
        flat: bool,
        out: &mut Vec<Span>,
    ) {
        for c in self.facility_after_verb.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            let words: Vec<regex::Match> = self.facility_token.find_iter(g.as_str()).collect();
            let Some(first) = words.first() else { continue };
            let lead = first.as_str().trim_end_matches('.');
            let run: Vec<&regex::Match> = if flat {
                let unit = ["icu", "cu", "ru"]
                    .iter()
                    .any(|u| lead.to_lowercase().ends_with(u));
                // where someone works or stays, two words or more name the place even when
                // the first is an ordinary word ("staying at holiday inn")
                let verb = c.get(0).map_or("", |m| m.as_str()).to_lowercase();
                let home_or_work = ["work", "stay", "lives", "living", "resides", "nurse"]
                    .iter()
                    .any(|v| verb.starts_with(v));
                let two_names = words.len() >= 2
                    && words[..2].iter().all(|w| {
                        let t = w.as_str();
                        t != "&" && !d.stop(t) && !d.clinical(t)
                    });
                let relaxed = home_or_work && two_names;
                if (!relaxed && (d.ordinary(lead) || d.first_name(lead) || d.place(lead)))
                    || d.allowed(lead)
                    || lead.chars().count() < 4
                    || unit
                    || !lead
                        .chars()
                        .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
                {
                    continue;
                }
                // a single letter is shorthand that ends the name ("mercywood w/ gi bleed")
                words
                    .iter()
                    .take_while(|w| {
                        let t = w.as_str();
                        !d.stop(t) && !d.clinical(t) && t != "&" && t.chars().count() > 1
                    })
                    .collect()
            } else {
                let run: Vec<&regex::Match> = words
                    .iter()
                    .take_while(|w| {
                        let t = w.as_str();
                        (t.starts_with(char::is_uppercase) && !d.clinical(t)) || t == "&"
                    })
                    .collect();
                // an acronym or a lone ordinary word is a unit or a phrase ("to CCU", "at Home")
                let acronym = |t: &str| t.chars().all(|c| !c.is_lowercase());
                if run.is_empty()
                    || d.stop(lead)
                    || acronym(lead)
                    || (run.len() == 1 && (d.ordinary(lead) || d.place(lead)))
                {
                    continue;
                }
                run
            };
            let (Some(a), Some(b)) = (run.first(), run.last()) else {
                continue;
            };
            let name = &g.as_str()[a.start()..b.end()];
            // a device or sign named after people ("via gardner-wells tongs")
            let next = text[g.start() + b.end()..]
                .split_whitespace()
                .next()
                .unwrap_or("");
            if d.place(name.trim_end_matches('.'))
                || crate::text::eponym_noun(next.trim_matches(|c: char| !c.is_alphabetic()))
            {
                continue;
            }
            let end = g.start() + b.end() - usize::from(b.as_str().ends_with('.'));
            out.push(span(
                g.start() + a.start(),
                end,
                Category::Organization,
                0.75,
                "org",
            ));
        }
    }

    /// "St. Elizabeth's", "ST. MARY'S", "saint luke's": a saint's name (a census first
    /// name) in the possessive after "St." or "Saint" names a hospital in clinical text
    /// ("transferred from St. Elizabeth's"). In mixed-case text the name is capitalised.
    pub(super) fn saints(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.saint.captures_iter(text) {
            let (Some(all), Some(name)) = (c.get(0), c.get(1).or(c.get(2)).or(c.get(3))) else {
                continue;
            };
            // a saint's name: a first name, or a word of no list ("ST. ANSELM'S", "St. Rose
            // of Lima"); Our Lady's title any word but a function or clinical one ("Our Lady
            // of the Bayou")
            let n = name.as_str();
            let lady = c.get(2).is_some() && !(d.clinical(n) || d.stop(n));
            let saintly = lady || d.first_name(n) || !(d.ordinary(n) || d.clinical(n) || d.stop(n));
            if !saintly || (!flat && !n.starts_with(char::is_uppercase)) {
                continue;
            }
            out.push(span(
                all.start(),
                all.end(),
                Category::Organization,
                0.85,
                "org",
            ));
        }
    }

    /// A congregation named by its rank and denomination, in any casing ("FIRST BAPTIST OF
    /// CALDWELL", "first pentecostal of bowling green", "First United Methodist Church"),
    /// with the town after "of" when it is a known place (of one word or two).
    pub(super) fn congregations(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.congregation.captures_iter(text) {
            let Some(all) = c.get(0) else {
                continue;
            };
            if !flat && !all.as_str().starts_with(char::is_uppercase) {
                continue;
            }
            let mut end = all.end();
            if let Some(town) = c.get(1) {
                let of_at = text[..town.start()].trim_end().len() - 2;
                end = known_town_end(d, &town).unwrap_or(text[..of_at].trim_end().len());
            }
            out.push(span(all.start(), end, Category::Organization, 0.85, "org"));
        }
    }

    /// A pharmacy named with its town, in any casing ("RX FILLED AT *FAMILY DRUG OF
    /// LEWISBURG*", "*Hometown Pharmacy of Crossville*"): one or two words before the kind,
    /// none a function word (leading ones and a pharmacy's word are left out: "at",
    /// "pharmacy *harbor drug of machias*"), and a known place of one word or two after
    /// "of" (else no pharmacy is found).
    pub(super) fn pharmacies_of_towns(
        &self,
        d: &Dicts,
        text: &str,
        flat: bool,
        out: &mut Vec<Span>,
    ) {
        for c in self.pharmacy_of.captures_iter(text) {
            let (Some(head), Some(town)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let words: Vec<regex::Match> = d.words(head.as_str()).collect();
            // the words before the kind: function words lead, none names one
            let kind_at = words.len().saturating_sub(2);
            let Some(first) = words[..kind_at].iter().position(|w| {
                !d.stop(w.as_str())
                    && !matches!(
                        w.as_str().to_lowercase().as_str(),
                        "pharmacy" | "rx" | "drug" | "drugs"
                    )
            }) else {
                continue;
            };
            let names = &words[first..kind_at];
            if names.iter().any(|w| d.stop(w.as_str()))
                || (!flat && !names[0].as_str().starts_with(char::is_uppercase))
            {
                continue;
            }
            let Some(end) = known_town_end(d, &town) else {
                continue;
            };
            let start = head.start() + names[0].start();
            out.push(span(start, end, Category::Organization, 0.85, "org"));
        }
    }

    /// Firms, in any casing: three census surnames as "A, B and C" (one of them at least no
    /// ordinary word: "henderson, hicks and brown" yes, "brown, green and white" no), and one or two
    /// words before a legal suffix ("abt associates", "Acme Ltd"), leading function,
    /// ordinary or clinical words left out ("physician associates" is none).
    pub(super) fn firms(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
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
        // a kind of business needs a word that is no ordinary one in any casing ("Kessler
        // Electric Co" yes, "Home Construction" no)
        for c in self.firm_kind.captures_iter(text) {
            let (Some(m), Some(pre)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let words: Vec<regex::Match> = d.words(pre.as_str()).collect();
            let first = words
                .iter()
                .find(|w| {
                    let w = w.as_str();
                    !d.stop(w) && !d.clinical(w) && !d.ordinary(w)
                })
                .map(|w| pre.start() + w.start());
            let prior = last_word_lower(text[..pre.start()].trim_end());
            // after "from", "at" or "via" two ordinary words name it too ("ORDERED FROM
            // MOTOR CITY MEDICAL SUPPLY"; not "from home medical supply", "need to add
            // more foods", "VIA CRITICAL CARE TRANSPORT")
            let ordinary_pair = || {
                words.len() == 2
                    && words.iter().all(|w| {
                        let l = w.as_str().to_lowercase();
                        d.english(&l)
                            && !matches!(
                                l.as_str(),
                                "the"
                                    | "a"
                                    | "an"
                                    | "and"
                                    | "or"
                                    | "of"
                                    | "his"
                                    | "her"
                                    | "their"
                                    | "my"
                                    | "our"
                                    | "your"
                                    | "home"
                                    | "local"
                                    | "new"
                                    | "critical"
                                    | "intensive"
                                    | "urgent"
                                    | "emergency"
                                    | "care"
                            )
                    })
                    && matches!(prior.as_str(), "from" | "at" | "via" | "thru")
            };
            // "DAD DRIVES FOR SUMMIT TRUCKING": one ordinary word after "at", "for" or
            // "from" before a kind of business that is no common noun of care or goods
            let kind_lower = m.as_str()[pre.as_str().len()..]
                .trim_end_matches('.')
                .to_lowercase();
            // a kind that is also a verb or a common noun ("I'm moving", "HCP PAPER
            // SIGNED") names a business only after from/at/via/to/for ("DAD DRIVES FOR
            // PELHAM MOVING", "MEDS SENT TO SCHULTZ DRUG")
            let weak = matches!(
                kind_lower.as_str(),
                "paper" | "moving" | "transport" | "transportation" | "drug" | "drugs"
            );
            let one_after_preposition = || {
                let strong = !weak
                    && !kind_lower.contains("pharmacy")
                    && !kind_lower.contains("suppl")
                    && !kind_lower.contains("drug")
                    && !matches!(kind_lower.as_str(), "foods" | "insurance");
                match words.as_slice() {
                    [p, w]
                        if strong
                            && matches!(
                                p.as_str().to_lowercase().as_str(),
                                "at" | "for" | "from"
                            )
                            && !d.stop(w.as_str())
                            && !d.clinical(w.as_str()) =>
                    {
                        Some(pre.start() + w.start())
                    }
                    _ => None,
                }
            };
            let first = first
                .or_else(|| ordinary_pair().then_some(pre.start()))
                .or_else(one_after_preposition);
            let leads = |w: &str| place_preposition(w) || w == "for";
            let led = leads(&prior)
                || words
                    .first()
                    .is_some_and(|w| leads(&w.as_str().to_lowercase()));
            if let (Some(s), false) = (first, weak && !led) {
                let end = m.end() - usize::from(m.as_str().ends_with('.'));
                out.push(span(s, end, Category::Organization, 0.75, "org"));
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
            // "CO" before a value is cardiac output ("FICK CO 4.2", "CO: 5")
            let output = m
                .as_str()
                .trim_end_matches('.')
                .to_lowercase()
                .ends_with(" co")
                && text[m.end()..]
                    .trim_start_matches([' ', '\t'])
                    .starts_with(|ch: char| ch.is_ascii_digit() || matches!(ch, ':' | '=' | '~'));
            if let (Some(s), false) = (first, output) {
                let end = m.end() - usize::from(m.as_str().ends_with('.'));
                out.push(span(s, end, Category::Organization, 0.8, "org"));
            }
        }
    }

    /// An agency by its kind and the place it serves, in any casing ("VNA of Cape Ann",
    /// "ELDER SERVICES OF THE MERRIMACK VALLEY", "pediatric associates of brookline"): the
    /// place words run to a function or clinical word, and one of them is a known place,
    /// or (in one casing) no ordinary word, or (in mixed case) they are all capitalised.
    pub(super) fn agencies(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.agency_of.captures_iter(text) {
            let (Some(all), Some(g)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let words: Vec<regex::Match> = d
                .words(g.as_str())
                .take_while(|w| !d.stop(w.as_str()) && !d.clinical(w.as_str()))
                .collect();
            let (Some(_), Some(last)) = (words.first(), words.last()) else {
                continue;
            };
            let named = if flat {
                words
                    .iter()
                    .any(|w| d.place(w.as_str()) || !d.ordinary(w.as_str()))
            } else {
                words
                    .iter()
                    .all(|w| w.as_str().starts_with(char::is_uppercase))
            };
            if !named {
                continue;
            }
            // the agency's own name before its kind ("Outer Cape VNA of …") is left to
            // the facility rules
            out.push(span(
                all.start(),
                g.start() + last.end(),
                Category::Organization,
                0.8,
                "org",
            ));
        }
    }

    /// An emergency room by its hospital's short name ("came to the Salem ED", "SEEN IN
    /// THE BEVERLY ED"): one or two words that are no function, clinical or generic
    /// facility word nor a part of the department ("the local ER", "the peds ED" no),
    /// capitalised in mixed case, and in one casing no ordinary word unless a known place.
    pub(super) fn named_ers(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.named_er.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            let named = d.words(g.as_str()).all(|w| {
                let t = w.as_str();
                let l = t.to_lowercase();
                !d.stop(t)
                    && !d.clinical(t)
                    && !GENERIC_FACILITY_WORDS.contains(&l.as_str())
                    && !matches!(l.as_str(), "peds" | "ped" | "adult" | "main" | "satellite")
                    && if flat {
                        !d.ordinary(t) || d.place(t)
                    } else {
                        t.starts_with(char::is_uppercase)
                    }
            });
            if named {
                out.push(org_at(&g));
            }
        }
        // "osh (mercy west)": in brackets after "OSH" the name may be of ordinary words,
        // none a function, clinical or generic facility word
        for c in self.named_osh.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            let words: Vec<&str> = d.words(g.as_str()).map(|w| w.as_str()).collect();
            let named = words.iter().all(|t| {
                !d.stop(t)
                    && !d.clinical(t)
                    && !GENERIC_FACILITY_WORDS.contains(&t.to_lowercase().as_str())
                    && (flat || t.starts_with(char::is_uppercase))
            });
            // one word alone is no ordinary word unless a known place ("osh (records)" no)
            let one_ordinary = words.len() == 1 && d.ordinary(words[0]) && !d.place(words[0]);
            if named && !one_ordinary {
                out.push(org_at(&g));
            }
        }
    }

    /// A hospital by its short name after a place preposition ("TAKEN TO LAWRENCE
    /// GENERAL", "from lakeview regional", "pcp at mass general", "FROM NEW ENGLAND
    /// BAPTIST"): one or two name words that are no function or clinical word (in mixed
    /// case capitalised) before general/regional/baptist/medical/…, at the end of a
    /// phrase: a facility word after it makes it the facility rules' ("Lawrence General
    /// Hospital"), a noun makes it a phrase ("general surgery").
    pub(super) fn short_hospitals(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.hospital_short.captures_iter(text) {
            let (Some(g), Some(next)) = (c.get(1), c.get(2)) else {
                continue;
            };
            // the phrase ends there: a facility word or a noun after it makes it another
            // rule's or no name ("Lawrence General Hospital", "general surgery")
            let next_word = next.as_str().trim();
            // a denomination names a hospital wherever the phrase goes on ("from New
            // England Baptist saw pt"); no ward or specialty is called so
            let denomination = g.as_str().split_whitespace().last().is_some_and(|k| {
                matches!(
                    k.to_lowercase().as_str(),
                    "baptist" | "deaconess" | "presbyterian" | "methodist" | "lutheran"
                )
            });
            // "FROM LOWELL GENERAL W/ NSTEMI": "w/" ends the phrase too
            let with = next_word.eq_ignore_ascii_case("w")
                && text.get(next.end()..).is_some_and(|r| r.starts_with('/'));
            if !denomination
                && !next_word.is_empty()
                && !d.stop(next_word)
                && !with
                && !matches!(next_word.to_lowercase().as_str(), "ed" | "er")
            {
                continue;
            }
            let words: Vec<&str> = d.words(g.as_str()).map(|w| w.as_str()).collect();
            let Some((kind, names)) = words.split_last() else {
                continue;
            };
            let plain = names.iter().all(|w| {
                let l = w.to_lowercase();
                !d.stop(w)
                    && !d.clinical(w)
                    && (l == "new" || !GENERIC_FACILITY_WORDS.contains(&l.as_str()))
            });
            let titled = names.iter().all(|w| w.starts_with(char::is_uppercase))
                && kind.starts_with(char::is_uppercase);
            if !plain || !(flat || titled) {
                continue;
            }
            out.push(org_at(&g));
        }
    }
}

/// An organisation found by context over the whole of `m`.
fn org_at(m: &regex::Match) -> Span {
    span(m.start(), m.end(), Category::Organization, 0.75, "org")
}

/// Kinds that close a letterhead's facility name on a line of its own.
const LETTERHEAD_KINDS: &[&str] = &[
    "center",
    "centre",
    "clinic",
    "hospital",
    "hospitals",
    "laboratory",
    "laboratories",
    "practice",
    "group",
    "associates",
    "surgery",
    "care",
    "health",
    "partners",
    "dialysis",
    "hospice",
    "association",
    "infusion",
    "nurses",
    "ctr",
    "medicine",
    "institute",
    "schools",
    "living",
    // behavioural and public health ("POMPERAUG FAMILY HOME *VISITING*", "ocean state
    // sexual health *program*", "PIONEER VALLEY HOUSE OF *CORRECTION*")
    "visiting",
    "program",
    "psychiatry",
    "consortium",
    "collaborative",
    "ems",
    "otp",
    "jail",
    "prison",
    "correction",
    "shelter",
    "mission",
];

/// Words of a region or a language that may open a letterhead's name though they are
/// function or clinical words elsewhere.
const LETTERHEAD_REGION_WORDS: &[&str] = &[
    "greater", "upper", "lower", "north", "south", "east", "west", "central", "front", "high",
    "san", "santa", "el", "la", "los", "las", "st", "st.", "saint", "mt", "mt.",
];

/// Words of a note's title line, over a letterhead on the next line ("ONCOLOGY INFUSION
/// NURSING NOTE", "HOME HEALTH PT EVAL / OASIS START OF CARE").
const TITLE_WORDS: &[&str] = &[
    "note",
    "notes",
    "visit",
    "eval",
    "evaluation",
    "assessment",
    "report",
    "summary",
    "progress",
    "admission",
    "record",
    "triage",
    "call",
    "log",
    "procedure",
    "handoff",
];

/// Words of a section or form heading, never of a letterhead's name.
const HEADING_WORDS: &[&str] = &[
    "history",
    "assessment",
    "plan",
    "summary",
    "note",
    "notes",
    "report",
    "discharge",
    "instructions",
    "department",
    "unit",
    "service",
    "services",
    "follow",
    "follow-up",
    "patient",
    "urgent",
    "emergency",
    "your",
    "after",
    "before",
];

impl ContextRules {
    /// The first line of a text, when it holds nothing but a facility's name, is its
    /// letterhead in any casing ("summit rheumatology & arthritis center", "HARBOR POINT
    /// PRIMARY CARE", "Cascade Cardiology & Electrophysiology"): two to six words closed by
    /// a facility kind (or three or more by a specialty in -ology), led by a word that is
    /// no function, clinical or generic word, with no heading word ("Discharge Clinic",
    /// "Patient Care"). Under a note's title line the letterhead is the second line
    /// ("HOME HEALTH PT EVAL⏎*SHORELINE VISITING NURSE ASSOCIATION*"), and a town or a
    /// subtitle may follow the name after a comma or a dash ("*high desert home
    /// dialysis*, gallup").
    pub(super) fn letterhead_facility(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        let mut lines = text.split('\n').filter(|l| !l.trim().is_empty());
        let Some(first) = lines.next() else {
            return;
        };
        if self.letterhead_line(d, text, first, out) {
            return;
        }
        let titled = self
            .facility_token
            .find_iter(first)
            .any(|m| TITLE_WORDS.contains(&m.as_str().to_lowercase().as_str()));
        if let Some(second) = lines.next().filter(|_| titled) {
            self.letterhead_line(d, text, second, out);
        }
    }

    /// One line of a letterhead (see `letterhead_facility`): a comma or a dash closes the
    /// name before a town or subtitle ("MAPLEWOOD COMMONS ASSISTED LIVING - WELLNESS NURSE
    /// NOTE").
    fn letterhead_line(&self, d: &Dicts, text: &str, line: &str, out: &mut Vec<Span>) -> bool {
        let start = line.as_ptr() as usize - text.as_ptr() as usize;
        let name = match [", ", " - ", " \u{2013} ", " \u{2014} ", " | ", " / "]
            .iter()
            .filter_map(|sep| line.find(sep))
            .min()
        {
            Some(cut) => &line[..cut],
            None => line,
        };
        let words: Vec<(usize, &str)> = self
            .facility_token
            .find_iter(name)
            .map(|m| (start + m.start(), m.as_str()))
            .collect();
        let lower: Vec<String> = words.iter().map(|(_, w)| w.to_lowercase()).collect();
        let (Some(first), Some(last)) = (lower.first(), lower.last()) else {
            return false;
        };
        let rest = &name[words[words.len() - 1].0 - start + words[words.len() - 1].1.len()..];
        // a name may open with a word of its region ("*GREATER* LYNN VISITING NURSE
        // ASSOCIATION", "*san* joaquin digestive health")
        let region = LETTERHEAD_REGION_WORDS.contains(&first.as_str()) && words.len() >= 3;
        if !(2..=6).contains(&words.len())
            || !rest.trim().is_empty()
            || !(LETTERHEAD_KINDS.contains(&last.as_str())
                || (words.len() >= 3 && last.ends_with("ology")))
            || (!region && (d.stop(first) || d.clinical(first)))
            || GENERIC_FACILITY_WORDS.contains(&first.as_str())
            || lower.iter().any(|w| {
                HEADING_WORDS.contains(&w.as_str()) || w.chars().any(|c| c.is_ascii_digit())
            })
        {
            return false;
        }
        // two ordinary words are a heading ("Women's Health"), a name needs a third
        if words.len() == 2 && words.iter().all(|(_, w)| d.ordinary(w)) {
            return false;
        }
        let (a, _) = words[0];
        let (b, w) = words[words.len() - 1];
        out.push(span(a, b + w.len(), Category::Organization, 0.8, "org"));
        true
    }
}
