//! Places in any casing: known towns after a place preposition, and street lines, unit
//! numbers and "city, ST 12345" in one-casing text.

use super::orgs::GENERIC_FACILITY_WORDS;
use super::ContextRules;
use crate::detect::rules::last_word_lower;
use crate::detect::rules::rules_dict::Dicts;
use crate::detect::rules::{
    doctor_not_drive, is_state_code, is_state_name, quantity_not_house_number, span,
    state_phrase_ends,
};
use crate::types::{Category, Span};

/// Street types that are no abbreviation or word of clinical prose.
pub(super) const STRONG_STREET_TYPES: &[&str] = &[
    "street",
    "avenue",
    "ave",
    "boulevard",
    "blvd",
    "road",
    "lane",
    "parkway",
    "pkwy",
    "highway",
    "hwy",
    "terrace",
    "crescent",
    "gardens",
    "mews",
];

/// Words that may start a phrase before a street name without being part of it.
const GENERIC_STREET_LEAD: &[&str] = &["the", "a", "on", "at", "in", "off", "via", "lives", "near"];

impl ContextRules {
    /// Street lines, apartment and suite numbers and "city, ST 12345" in text written in one casing, where the rules
    /// that look for capitalised words cannot see them.
    pub(crate) fn flat_addresses(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.street_any.captures_iter(text) {
            let (Some(m), Some(words)) = (c.get(0), c.get(1)) else {
                continue;
            };
            // after a street type that is no abbreviation of another word ("blvd",
            // "avenue"; not "st", "dr") a clinical word may name the street ("77
            // industrial blvd")
            let kind = text[words.end()..m.end()].trim_end_matches('.');
            let strong = STRONG_STREET_TYPES.contains(&kind.to_lowercase().as_str());
            // so may one after a compass point right after the number ("4410 se division
            // st"), which is no abbreviation there
            let compass = |w: &str| {
                matches!(
                    w.to_lowercase().as_str(),
                    "n" | "s" | "e" | "w" | "ne" | "nw" | "se" | "sw"
                )
            };
            let pointed = d
                .words(words.as_str())
                .next()
                .is_some_and(|w| compass(w.as_str()));
            // and so may any street a comma and a known town follow ("12 old county rd,
            // harwich 02645"), as on an address line
            let placed = {
                let after = text[m.end()..].trim_start_matches('.');
                after.strip_prefix(',').is_some_and(|r| {
                    let r = r.split('\n').next().unwrap_or(r);
                    let ws: Vec<regex::Match> = d.words(r).take(3).collect();
                    let lead = r[..ws.first().map_or(0, |w| w.start())].trim();
                    lead.is_empty()
                        && (1..=ws.len()).any(|k| d.place(&r[ws[0].start()..ws[k - 1].end()]))
                })
            };
            let bad = d.words(words.as_str()).any(|w| {
                let w = w.as_str();
                !(pointed && compass(w))
                    && ((!strong && !pointed && !placed && d.clinical(w)) || d.stop(w))
            });
            let titled = doctor_not_drive(d, text, m.start(), m.end());
            if !bad && !titled && !quantity_not_house_number(text, &m) {
                let end = m.end() - usize::from(m.as_str().ends_with('.'));
                out.push(span(m.start(), end, Category::Address, 0.8, "address"));
            }
        }
        for m in self.unit_no.find_iter(text) {
            // "ENDOSCOPY SUITE #4", "operating suite 2": a room of a unit, no address
            let before = last_word_lower(&text[..m.start()]);
            if matches!(
                before.as_str(),
                "endoscopy"
                    | "operating"
                    | "procedure"
                    | "procedural"
                    | "recovery"
                    | "delivery"
                    | "birthing"
                    | "labor"
                    | "labour"
                    | "surgical"
                    | "treatment"
                    | "exam"
                    | "examination"
                    | "infusion"
                    | "dialysis"
                    | "cath"
                    | "radiology"
                    | "pacu"
            ) {
                continue;
            }
            // "ekg: ste 3-4 mm": ST elevation, a measurement
            let rest = text[m.end()..].trim_start_matches([' ', '\t']);
            let measured = rest
                .trim_start_matches(|ch: char| ch == '-' || ch.is_ascii_digit())
                .trim_start()
                .to_lowercase()
                .starts_with("mm");
            if measured {
                continue;
            }
            out.push(span(m.start(), m.end(), Category::Address, 0.8, "address"));
        }
        for c in self.city_state_zip.captures_iter(text) {
            let (Some(city), Some(state), Some(zip)) = (c.get(1), c.get(2), c.get(3)) else {
                continue;
            };
            // the last words before the state that form a known place ("salem, or 70790");
            // the state code goes with it as in mixed-case text, where the model reads "Salem,
            // OR" as one place (Safe Harbor would keep a state; casing must not decide)
            let words: Vec<regex::Match> = d.words(city.as_str()).collect();
            for w in &words {
                let cand = &city.as_str()[w.start()..];
                if d.place(cand.trim_end_matches(',')) {
                    let s = city.start() + w.start();
                    out.push(span(s, city.end(), Category::Location, 0.8, "location"));
                    out.push(span(
                        state.start(),
                        state.end(),
                        Category::Location,
                        0.8,
                        "location",
                    ));
                    break;
                }
            }
            out.push(span(zip.start(), zip.end(), Category::Zip, 0.9, "zip"));
        }
    }

    /// A street without a house number closing a line or followed by a comma, as in
    /// letterheads and address blocks ("Infirmary Road,", "BECKETT STREET"): its words
    /// are capitalised in mixed-case text, and none is clinical or a function word
    /// (leading function words are left out: "to Mill Lane,").
    pub(super) fn street_names(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.street_name.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            let words: Vec<regex::Match> = d.words(g.as_str()).collect();
            let Some(first) = words.iter().position(|w| {
                !d.stop(w.as_str())
                    && !GENERIC_STREET_LEAD.contains(&w.as_str().to_lowercase().as_str())
            }) else {
                continue;
            };
            let mut kept = &words[first..];
            // a clinical or facility word leads a street only in a capitalised address
            // ("Infirmary Road,"); in one casing the street starts after the last one
            // ("ROYAL INFIRMARY OXFORD ROAD,"), or it is clinical prose
            if flat {
                if let Some(k) = kept[..kept.len().saturating_sub(1)]
                    .iter()
                    .rposition(|w| d.clinical(w.as_str()) || d.org_word(w.as_str()))
                {
                    kept = &kept[k + 1..];
                }
            }
            if kept.len() < 2 {
                continue;
            }
            let titled = kept
                .iter()
                .all(|w| w.as_str().starts_with(char::is_uppercase));
            // in one casing nothing shows a name: not only ordinary words ("either way,")
            let names = &kept[..kept.len() - 1];
            // ("wife doesn't drive": a verb's contraction is no street's name)
            let ordinary = names.iter().all(|w| d.english(w.as_str()))
                || ["n't", "n’t"]
                    .iter()
                    .any(|c| g.as_str().to_lowercase().contains(c));
            if (!flat && !titled) || (flat && ordinary) {
                continue;
            }
            let start = g.start() + kept[0].start();
            out.push(span(start, g.end(), Category::Address, 0.75, "address"));
        }
    }

    /// A street without a house number after "on", "off" or "along" ("FOUND WANDERING ON
    /// *BAYOU DULARGE RD*", "THE MERCADO ON *BROADWAY ST*."): one to three words before the
    /// street's type, none a function word, a clinical word or a unit's or facility's word
    /// (so "on Saddle Rd", "off front st" are left: saddle and front are such words), and no
    /// saint's title before a name ("on St. John's wort"). A street's type written out
    /// stands in [`Self::street_names`] too.
    pub(super) fn streets_on(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.street_on.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            let words: Vec<&str> = g.as_str().split_whitespace().collect();
            let Some((_, names)) = words.split_last() else {
                continue;
            };
            let plain = names.iter().all(|w| {
                !d.stop(w) && !d.clinical(w) && !d.org_word(w) && !w.eq_ignore_ascii_case("st")
            });
            // "on St Joseph's ward": a saint's title opens a name, it closes no street
            let rest = text[g.end()..].trim_start_matches([' ', '\t', '.']);
            let saint = words.last().is_some_and(|w| w.eq_ignore_ascii_case("st"))
                && rest.starts_with(char::is_alphabetic)
                && !rest.split_whitespace().next().is_some_and(|w| d.stop(w));
            if plain && !saint {
                out.push(span(g.start(), g.end(), Category::Address, 0.75, "address"));
            }
        }
    }

    /// A town right after a facility found by the rules above ("HARBORSIDE PEDIATRICS,
    /// QUINCY", "st. anne's hospital (fall river)"): a known place of two words, or of one
    /// word that is no ordinary word, standing alone after a blank, a comma or a bracket.
    pub(super) fn towns_after_facilities(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        let orgs: Vec<(usize, usize)> = out
            .iter()
            .filter(|s| s.category == Category::Organization)
            .map(|s| (s.start, s.end))
            .collect();
        for (org_start, end) in orgs {
            let Some(rest) = text.get(end..) else {
                continue;
            };
            let t = rest.trim_start_matches([' ', '\t']);
            let t = t.strip_prefix([',', '(', '-', '\u{2013}']).unwrap_or(t);
            let t = t.trim_start_matches([' ', '\t']);
            let start = end + (rest.len() - t.len());
            let words: Vec<&str> = t
                .split([' ', '\t'])
                .take(2)
                .map(|w| {
                    let e = w.find(|c: char| !c.is_alphabetic()).unwrap_or(w.len());
                    &w[..e]
                })
                .collect();
            let Some(first) = words.first().filter(|w| !w.is_empty()) else {
                continue;
            };
            let closed = |len: usize| {
                text[start + len..]
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric())
            };
            let two = words
                .get(1)
                .filter(|w| !w.is_empty())
                .map(|w| first.len() + 1 + w.len());
            if let Some(len) = two.filter(|&len| {
                t.get(..len).is_some_and(|p| p.contains(' ') && d.place(p)) && closed(len)
            }) {
                out.push(span(start, start + len, Category::Location, 0.75, "place"));
            } else if d.place(first)
                && (!d.ordinary(first) || letterhead_town(text, org_start, start + first.len()))
                && closed(first.len())
            {
                out.push(span(
                    start,
                    start + first.len(),
                    Category::Location,
                    0.75,
                    "place",
                ));
            }
        }
    }

    /// A known town or city named for its surroundings ("the Bremerton area", "THE GREATER
    /// BOSTON AREA"): no clinical word, and no ordinary word unless capitalised in mixed
    /// case ("the Reading area" yes; "the chest area", "the groin area" no).
    pub(super) fn place_areas(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.place_area.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            let name = g.as_str();
            let titled = name.split(' ').all(|w| w.starts_with(char::is_uppercase));
            let plain = name
                .split(' ')
                .all(|w| !d.clinical(w) && !d.stop(w) && (!flat || !d.ordinary(w)));
            if d.place(name) && plain && (flat || titled) {
                out.push(span(g.start(), g.end(), Category::Location, 0.75, "place"));
            }
        }
    }

    /// A state's code after a known town and a comma ("DAU SANDRA IN WARWICK, RI - PT
    /// GAVE…", "from salem, nh."). A code that is also a word or an abbreviation ("in",
    /// "or", "me", "ct", "mi", "pa") counts only where the phrase ends after it ("…, PA 5
    /// MG" stays).
    pub(super) fn town_states(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.town_state.captures_iter(text) {
            let (Some(town), Some(code)) = (c.get(1), c.get(2)) else {
                continue;
            };
            // the town is its last word or two ("new bedford, ma")
            let known = d.place(town.as_str())
                || town
                    .as_str()
                    .rsplit([' ', '\t'])
                    .next()
                    .is_some_and(|w| d.place(w));
            if !known {
                continue;
            }
            let rest = text[code.end()..].trim_start_matches([' ', '\t']);
            // in brackets the code closes them ("manchester (nh)"; not "(NH records)")
            if text[town.end()..code.start()].contains('(') && !rest.starts_with(')') {
                continue;
            }
            let ends = state_phrase_ends(rest);
            // "Rebecca Richardson, MD": a credential after a name that is also a town
            let c = code.as_str();
            if d.credential(c) {
                continue;
            }
            if ends || !(d.ordinary(c) || d.allowed(c)) {
                out.push(span(
                    code.start(),
                    code.end(),
                    Category::Location,
                    0.75,
                    "place",
                ));
            }
        }
    }

    /// A county or a parish by its name ("LIVES IN GREELEY, WELD COUNTY", "springfield
    /// (lane county)", "in Pierce County"), the name a word or two after a place
    /// preposition, a comma or a bracket: no function, clinical or generic word ("in the
    /// county", "from a neighboring county", "home county"), capitalised in mixed case.
    pub(super) fn counties(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.county.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            let words: Vec<&str> = g.as_str().split_whitespace().collect();
            let (name, _kind) = words.split_at(words.len() - 1);
            let plain = name.iter().all(|w| {
                let l = w.to_lowercase();
                !d.stop(&l)
                    && !d.clinical(&l)
                    && !GENERIC_FACILITY_WORDS.contains(&l.as_str())
                    && !NOT_COUNTY_NAMES.contains(&l.as_str())
                    && (flat || w.starts_with(char::is_uppercase))
            });
            if plain {
                out.push(span(g.start(), g.end(), Category::Location, 0.75, "place"));
            }
        }
    }

    /// A town's police or sheriff ("HARTFORD PD", "per Lakeland Police Dept", "PORTLAND
    /// POLICE"): one or two words before it that are a known place, capitalised in mixed
    /// case ("state police", "the police" no).
    pub(super) fn police(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        for c in self.police.captures_iter(text) {
            let (Some(m), Some(g)) = (c.get(0), c.get(1)) else {
                continue;
            };
            // the longest known place that ends the words: both or the last
            let words: Vec<&str> = g.as_str().split_whitespace().collect();
            let (start, name) = if words.len() == 2 && !d.place(&words.join(" ")) {
                (g.end() - words[1].len(), words[1].to_string())
            } else {
                (g.start(), words.join(" "))
            };
            let titled = text[start..g.end()]
                .split_whitespace()
                .all(|w| w.starts_with(char::is_uppercase));
            if d.place(&name) && (flat || titled) {
                out.push(span(start, m.end(), Category::Organization, 0.75, "org"));
            }
        }
    }

    /// A residence named "the …s at <town>" after a word that leads to a place ("FROM THE
    /// OAKS AT MADISON", "look at the arbors at westfield"): its plural is no clinical
    /// word and the town is known (the longest of its one or two words).
    pub(super) fn residences_at(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.residence_at.captures_iter(text) {
            let (Some(all), Some(town)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let plural = all.as_str().split_whitespace().nth(1).unwrap_or("");
            if d.clinical(plural) || d.stop(plural) {
                continue;
            }
            let words: Vec<&str> = town.as_str().split_whitespace().collect();
            let end = if d.place(&words.join(" ")) {
                town.end()
            } else if d.place(words[0]) {
                town.start() + words[0].len()
            } else {
                continue;
            };
            out.push(span(all.start(), end, Category::Organization, 0.75, "org"));
        }
    }

    /// A known town in brackets right after a name, a census name or a word that is no
    /// ordinary word ("SON ARNE (ST. CLOUD)", "dtr jen (worcester)"); a town that is also
    /// an ordinary word, or one of two letters, is no such town ("KATE (HOME)", "(PA)").
    pub(super) fn towns_in_brackets(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.town_in_brackets.captures_iter(text) {
            let (Some(who), Some(town)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let w = who.as_str();
            if !(d.first_name(w) || d.surname(w) || !d.ordinary(w)) || d.stop(w) || d.clinical(w) {
                continue;
            }
            let t = town.as_str();
            let key = t
                .to_lowercase()
                .replace('.', " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let saint = key.strip_prefix("st ").map(|rest| format!("saint {rest}"));
            let known = d.place(&key) || saint.as_deref().is_some_and(|k| d.place(k));
            if known && key.len() > 2 && !d.ordinary(t) {
                out.push(span(
                    town.start(),
                    town.end(),
                    Category::Location,
                    0.8,
                    "location",
                ));
            }
        }
    }

    /// A known town or city after "from", "in", "lives in"… that is not an ordinary word
    /// ("from Reading" yes in mixed case; "in bath" no).
    pub(super) fn places(&self, d: &Dicts, text: &str, flat: bool, out: &mut Vec<Span>) {
        // the words after one context word may hold the next ("flown in from scene in
        // framingham"): the search goes on from the first of them
        let mut at = 0;
        while let Some(c) = self.place.captures_at(text, at) {
            let (Some(m), Some(g)) = (c.get(0), c.get(2)) else {
                break;
            };
            at = g.start();
            // a compass point abbreviated before the town is part of its name ("in so.
            // boston", "from N. Andover")
            let start = c.get(1).map_or(g.start(), |p| p.start());
            // "lives alone in revere": where someone lives or calls from, even a town that
            // is a word ("lives w/ girlfriend tina in revere": the verb may open the clause)
            // (asked only of a town that is also an ordinary word)
            let home = || {
                let ctx = text[m.start()..start].to_lowercase();
                if ctx.starts_with("live") || ctx.starts_with("resid") {
                    return true;
                }
                // the clause's verb: living for "in", calling or travelling for "from"
                // ("sister called from providence", "wife drove in from revere")
                let verbs: &[&str] = if ctx.starts_with("in") {
                    &["lives", "living", "resides", "residing", "moved"]
                } else if ctx.starts_with("from") {
                    &[
                        "called", "calling", "phoned", "drove", "driving", "flew", "flying",
                        "arrives", "arrived", "arriving", "visiting", "coming",
                    ]
                } else {
                    return false;
                };
                text[..m.start()]
                    .rsplit(['.', ';', '\n'])
                    .next()
                    .unwrap_or("")
                    .split_whitespace()
                    .any(|w| verbs.iter().any(|v| w.eq_ignore_ascii_case(v)))
            };
            let all: Vec<&str> = g.as_str().split([' ', '\t']).collect();
            // a compass word before a place is no part of its name unless the whole is one
            // ("to Northwest Ohio", "from rural Vermont"; "North Andover" is a town), and
            // "the" stands before a country's name ("in the United States")
            let lead = all[0].to_lowercase();
            let the = lead == "the";
            let skip_lead = all.len() > 1 && (the || COMPASS.contains(&lead.as_str()));
            let runs = if skip_lead { &[0, 1][..] } else { &[0][..] };
            let mut known_seen = false;
            'runs: for &skip in runs {
                let words = &all[skip..];
                let base = g.start() + all[..skip].iter().map(|w| w.len() + 1).sum::<usize>();
                let start = if skip == 0 { start } else { base };
                // the longest run of words that is a known place
                for n in (1..=words.len()).rev() {
                    let cand = words[..n].join(" ");
                    let known = if skip == 1 && the {
                        d.country(&cand)
                    } else {
                        d.place(&cand) || d.country(&cand)
                    };
                    if !known {
                        continue;
                    }
                    known_seen = true;
                    let single = n == 1;
                    // "in pierce county": a county's name before "county"/"parish" is a
                    // place even when it is an ordinary word
                    let name_end =
                        base + words[..n].iter().map(|w| w.len()).sum::<usize>() + (n - 1);
                    let county = county_after(text, name_end);
                    // "from hazard, ky": a state after the town makes a word a place
                    let region = region_after(d, text, name_end, flat, true);
                    let ordinary = single
                        && county.is_none()
                        && region.is_none()
                        && ((d.english(&cand) && !home()) || d.clinical(&cand) || d.stop(&cand));
                    let capitalised = words[..n].iter().all(|w| w.starts_with(char::is_uppercase));
                    // in mixed-case text a place is capitalised; where casing says nothing
                    // it must not be an ordinary word. A state or a country counts too:
                    // where someone is, comes from or went ("workup in Mississippi",
                    // "originally from Maine", "back in Netherlands") is theirs to keep
                    // private, and our gold marks it
                    let plausible = if flat { !ordinary } else { capitalised };
                    if !plausible {
                        break 'runs;
                    }
                    let end = county.unwrap_or(region.unwrap_or(name_end));
                    out.push(span(start, end, Category::Location, 0.75, "location"));
                    break 'runs;
                }
            }
            // "born in Munich, Germany", "in Jos, Nigeria": a town no list knows, before a
            // state's or a country's name written out
            let town = all[0];
            let town_end = g.start() + town.len();
            let town_like = if flat {
                !d.ordinary(town) && !d.first_name(town)
            } else {
                town.starts_with(char::is_uppercase) && !d.stop(town) && !d.clinical(town)
            };
            if !known_seen && town_like && text[town_end..].starts_with(", ") {
                if let Some(end) = region_after(d, text, town_end, flat, false) {
                    out.push(span(start, end, Category::Location, 0.75, "location"));
                }
            }
        }
    }
}

/// Words that qualify a county without naming it ("a neighboring county").
const NOT_COUNTY_NAMES: &[&str] = &[
    "neighboring",
    "neighbouring",
    "adjacent",
    "nearby",
    "surrounding",
    "whole",
    "entire",
    "every",
    "each",
    "which",
    "what",
    "native",
    "next",
    "urban",
    "suburban",
    "different",
    "one",
    "rural",
];

/// Compass words and the like that may stand before a place's name ("Northwest Ohio",
/// "eastern Germany", "rural Vermont").
const COMPASS: &[&str] = &[
    "north",
    "south",
    "east",
    "west",
    "northern",
    "southern",
    "eastern",
    "western",
    "northwest",
    "northeast",
    "southwest",
    "southeast",
    "northwestern",
    "northeastern",
    "southwestern",
    "southeastern",
    "central",
    "upstate",
    "downstate",
    "rural",
];

/// The end of "county"/"parish" right after a place's name at `end` ("in pierce county in
/// 2008"), in the place's casing.
fn county_after(text: &str, end: usize) -> Option<usize> {
    let rest = text.get(end..)?;
    ["county", "parish"].iter().find_map(|w| {
        let tail = rest.strip_prefix(' ')?;
        let word = tail.get(..w.len())?;
        let closes = tail[w.len()..]
            .chars()
            .next()
            .is_none_or(|c| !c.is_alphanumeric());
        (word.eq_ignore_ascii_case(w) && closes).then_some(end + 1 + w.len())
    })
}

/// The end of a US state or a country closing a town's phrase ("to Nashua NH.", "from
/// Hartford, CT,", "BANGOR, MAINE.", "to Geneva, Switzerland."): a state's code (upper case
/// in mixed-case text) closing the phrase with punctuation or the end of the line, or a
/// state's or country's name of one or two words (capitalised in mixed-case text) that
/// may go on with the sentence — it goes with its town as in "Toledo, OH 43604" ("Salem or
/// Lynn" is no state). `codes`: a state's two-letter code counts too.
fn region_after(d: &Dicts, text: &str, end: usize, flat: bool, codes: bool) -> Option<usize> {
    let rest = &text[end..];
    let lead = rest.len() - rest.trim_start_matches([',', ' ', '\t']).len();
    if lead == 0 || rest[..lead].matches(',').count() > 1 {
        return None;
    }
    let after = &rest[lead..];
    let words: Vec<&str> = after.split(|c: char| !c.is_alphabetic()).take(2).collect();
    for n in [2, 1] {
        let Some(ws) = words.get(..n) else { continue };
        if ws.iter().any(|w| w.is_empty()) {
            continue;
        }
        let len = ws.iter().map(|w| w.len()).sum::<usize>() + (n - 1);
        // (the separator may be a character of several bytes: no match then)
        let Some(cand) = after.get(..len) else {
            continue;
        };
        // two words must be separated by a single space
        if n == 2 && cand.split(' ').count() != 2 {
            continue;
        }
        let code = codes && n == 1 && is_state_code(cand);
        let name = is_state_name(cand) || d.country(cand);
        let cased = flat
            || (code && cand.chars().all(|c| c.is_ascii_uppercase()))
            || (name && cand.split(' ').all(|w| w.starts_with(char::is_uppercase)));
        // a name written out may go on with the sentence ("in Jos, Nigeria for years"); a
        // two-letter code must close the phrase ("Salem or Lynn")
        let closes = after[len..].chars().next().is_none_or(|c| {
            matches!(c, '.' | ',' | ';' | ':' | ')' | '\n' | '\r') || (name && !code && c == ' ')
        });
        if (code || name) && cased && closes {
            return Some(end + lead + len);
        }
    }
    None
}

/// A letterhead's town: an organisation opens its line, and the town after it ends the
/// line or a dash follows it ("CHUGACH BEHAVIORAL HEALTH HOSPITAL - *ANCHORAGE* - ADULT
/// UNIT B", "BIG SKY CRISIS RECEIVING CENTER - *BILLINGS*"); there a town that is also an
/// ordinary word counts.
fn letterhead_town(text: &str, org_start: usize, town_end: usize) -> bool {
    let line_start = text[..org_start].rfind('\n').map_or(0, |k| k + 1);
    let rest = text[town_end..].trim_start_matches([' ', '\t']);
    text[line_start..org_start].trim().is_empty()
        && (rest.is_empty()
            || rest.starts_with(['\n', '\r'])
            || rest.starts_with(['-', '\u{2013}', '\u{2014}']))
}
