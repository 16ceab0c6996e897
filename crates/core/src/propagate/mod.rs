//! Propagation, the lexical part of the hybrid search: every detected name, identifier or
//! place is searched for through the whole document, so a name detected once is redacted
//! everywhere.
//!
//! Variants searched: the full string (case-insensitive, any whitespace between tokens);
//! for names also each capitalised token on its own (surname or first name alone, matched
//! only when capitalised), "Last, First", and "F. Last" initials; for identifiers
//! (ID, SSN, phone, fax) the alphanumeric core with or without separators; and, for name
//! tokens of five letters or more, capitalised words one edit away (typos, OCR errors).
//! Every hit records the entity it was propagated from.

use std::collections::HashMap;

pub mod semantic;

use crate::entity::{Entity, Source};
use crate::types::Category;

/// Settings of the propagation stage.
#[derive(Debug, Clone)]
pub struct PropagateConfig {
    /// Entities below this score are not propagated.
    pub min_source_score: f32,
    /// Factor applied to the source score for exact hits.
    pub exact_factor: f32,
    /// Factor for hits of a single name token or an initials form.
    pub partial_factor: f32,
    /// Shortest single name token that is propagated on its own.
    pub min_token_len: usize,
    /// Semantic half ([`crate::semantic`]): weight of the lexical score in the fused score.
    pub semantic_weight: f32,
    /// Fused score from which an ambiguous hit is taken.
    pub semantic_threshold: f32,
    /// Reference mentions compared per ambiguous hit.
    pub semantic_refs: usize,
}

impl PropagateConfig {
    pub fn standard() -> Self {
        PropagateConfig {
            min_source_score: 0.6,
            exact_factor: 0.95,
            partial_factor: 0.8,
            min_token_len: 3,
            semantic_weight: 0.5,
            semantic_threshold: 0.85,
            semantic_refs: 4,
        }
    }
}

/// Words that must never be propagated on their own even when they are part of a name.
const STOP_TOKENS: &[&str] = &[
    "the",
    "and",
    "of",
    "for",
    "with",
    "from",
    "patient",
    "doctor",
    "dr",
    "mr",
    "mrs",
    "ms",
    "md",
    "do",
    "rn",
    "np",
    "pa",
    "phd",
    "jr",
    "sr",
    "ii",
    "iii",
    "iv",
    "van",
    "von",
    "de",
    "del",
    "la",
    "le",
    "st",
    "saint",
    "mary",
    "may",
    "will",
    "june",
    "april",
    "august",
    "hospital",
    "clinic",
    "center",
    "medical",
    "health",
    "university",
    "street",
    "road",
    "avenue",
    // a firm's suffix the model may take into a name ("mcgrath & sons")
    "son",
    "sons",
    "inc",
    "llc",
];

/// Shortest name token searched with one edit (typos, OCR errors).
const FUZZY_MIN_LEN: usize = 5;
/// Factor applied to the partial score for fuzzy hits.
const FUZZY_FACTOR: f32 = 0.9;

/// Words one edit (insertion, deletion, substitution) away from a name token, found with
/// a deletion-neighbourhood index (the SymSpell idea) instead of comparing every pair.
struct FuzzyIndex {
    by_key: HashMap<String, Vec<usize>>,
    tokens: Vec<Vec<char>>,
    word: regex::Regex,
}

fn deletions(w: &[char]) -> Vec<String> {
    let mut out = vec![w.iter().collect::<String>()];
    for i in 0..w.len() {
        out.push(w[..i].iter().chain(&w[i + 1..]).collect());
    }
    out
}

fn within_one_edit(a: &[char], b: &[char]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let (mut i, mut j, mut edits) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            i += 1;
            j += 1;
            continue;
        }
        edits += 1;
        if edits > 1 {
            return false;
        }
        match a.len().cmp(&b.len()) {
            std::cmp::Ordering::Greater => i += 1,
            std::cmp::Ordering::Less => j += 1,
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    edits + (a.len() - i) + (b.len() - j) <= 1
}

impl FuzzyIndex {
    fn new(tokens: &[(String, Variant)]) -> FuzzyIndex {
        let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
        let toks: Vec<Vec<char>> = tokens.iter().map(|t| t.0.chars().collect()).collect();
        for (i, t) in toks.iter().enumerate() {
            for k in deletions(t) {
                by_key.entry(k).or_default().push(i);
            }
        }
        FuzzyIndex {
            by_key,
            tokens: toks,
            word: regex::Regex::new(r"\b\p{Lu}[\p{L}'’-]{3,}\b").expect("static regex"),
        }
    }

    /// (start, end, token index) of capitalised words one edit away from a token (exact
    /// matches are left to the exact passes).
    fn find(&self, text: &str) -> Vec<(usize, usize, usize)> {
        if self.tokens.is_empty() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for m in self.word.find_iter(text) {
            let w: Vec<char> = m.as_str().to_lowercase().chars().collect();
            if w.len() + 1 < FUZZY_MIN_LEN {
                continue;
            }
            let mut best = None;
            for k in deletions(&w) {
                for &ti in self.by_key.get(&k).map(Vec::as_slice).unwrap_or(&[]) {
                    let t = &self.tokens[ti];
                    if t != &w && within_one_edit(t, &w) {
                        best = Some(ti);
                    }
                }
            }
            if let Some(ti) = best {
                out.push((m.start(), m.end(), ti));
            }
        }
        out
    }
}

#[derive(Debug, Clone)]
struct Variant {
    from: usize,
    category: Category,
    score: f32,
    detector: &'static str,
    /// A name token that is also an ordinary word: its hits are handed back undecided.
    ambiguous: bool,
    /// Whether the lexical rule alone accepts an ambiguous hit (a capitalised form).
    lexical_ok: bool,
}

/// A hit of a name token that is also an ordinary word ("Young", "pitcher", "WAKE"):
/// lexical search cannot tell the name from the word, so it is handed back for the
/// semantic half of hybrid search to decide (`crate::semantic`), or to the lexical rule
/// (`lexical_ok`: capitalised forms only) when no encoder is loaded.
#[derive(Debug, Clone)]
pub struct Ambiguous {
    pub para: usize,
    pub start: usize,
    pub end: usize,
    /// The entity whose text was searched for.
    pub from: usize,
    pub category: Category,
    /// The lexical score (source score × partial factor).
    pub lexical: f32,
    pub detector: &'static str,
    pub lexical_ok: bool,
}

/// A decided hit to fold into the entity list.
#[derive(Debug, Clone)]
pub struct Accepted {
    pub hit: Ambiguous,
    pub score: f32,
    pub semantic: Option<crate::entity::SemanticEvidence>,
}

fn alnum_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(|c| c.to_uppercase())
        .collect()
}

fn ws_key(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A text reduced for matching, with a map back to byte ranges of the original.
struct Folded {
    text: String,
    /// For each byte of `text`: (start, end) byte range in the original.
    spans: Vec<(usize, usize)>,
}

impl Folded {
    /// Lower case, every run of whitespace → one space (`words`), or only the
    /// alphanumerics, upper-cased (`alnum`).
    fn new(orig: &str, alnum: bool) -> Folded {
        let mut text = String::with_capacity(orig.len());
        let mut spans = Vec::with_capacity(orig.len());
        let mut in_space = false;
        for (i, c) in orig.char_indices() {
            let r = (i, i + c.len_utf8());
            let mut push = |ch: char, text: &mut String| {
                let before = text.len();
                text.push(ch);
                spans.extend(std::iter::repeat_n(r, text.len() - before));
            };
            if alnum {
                if c.is_alphanumeric() {
                    for u in c.to_uppercase() {
                        push(u, &mut text);
                    }
                }
            } else if c.is_whitespace() {
                if !in_space {
                    push(' ', &mut text);
                }
                in_space = true;
            } else {
                in_space = false;
                for l in c.to_lowercase() {
                    push(l, &mut text);
                }
            }
        }
        Folded { text, spans }
    }
    fn orig_range(&self, s: usize, e: usize) -> Option<(usize, usize)> {
        Some((self.spans.get(s)?.0, self.spans.get(e.checked_sub(1)?)?.1))
    }
}

fn word_char_at(text: &str, byte: usize, before: bool) -> bool {
    if before {
        text.get(..byte).and_then(|t| t.chars().next_back())
    } else {
        text.get(byte..).and_then(|t| t.chars().next())
    }
    .is_some_and(char::is_alphanumeric)
}

/// Find propagated hits of `entities` in `texts` and fold them into the entity list.
/// `allowed(word)` says whether a word is on the clinical allow-list (never propagated alone);
/// `ordinary(word)` whether it is an ordinary English or clinical word: a name token that
/// is not one is also searched for in lower case (notes written all in lower case); one
/// that is one is searched for in every casing, but its hits are returned undecided
/// ([`Ambiguous`]) instead of being folded in.
pub fn propagate(
    texts: &[&str],
    entities: &mut Vec<Entity>,
    cfg: &PropagateConfig,
    allowed: &dyn Fn(&str) -> bool,
    ordinary: &dyn Fn(&str) -> bool,
) -> Vec<Ambiguous> {
    // three pattern sets, each matched with Aho-Corasick on its own view of the text
    let mut words: Vec<(String, Variant)> = Vec::new(); // lower-case, single spaces
    let mut tokens: Vec<(String, Variant)> = Vec::new(); // exact case (Title / UPPER)
    let mut ids: Vec<(String, Variant)> = Vec::new(); // alphanumerics only, upper-case
    let mut fuzzy: Vec<(String, Variant)> = Vec::new(); // name tokens, lower-case, one edit away

    for e in entities.iter() {
        if !e.category.propagates() || e.score < cfg.min_source_score {
            continue;
        }
        let Some(text) = texts.get(e.para).and_then(|t| t.get(e.start..e.end)) else {
            continue;
        };
        let exact = e.score * cfg.exact_factor;
        let partial = e.score * cfg.partial_factor;
        let v = |score: f32, detector: &'static str| Variant {
            from: e.id,
            category: e.category,
            score,
            detector,
            ambiguous: false,
            lexical_ok: true,
        };
        match e.category {
            Category::Name => {
                let toks: Vec<&str> = text
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .map(|t| {
                        t.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
                    })
                    .filter(|t| !t.is_empty())
                    .collect();
                if toks.is_empty() {
                    continue;
                }
                let full = toks.join(" ");
                if full.chars().filter(|c| c.is_alphabetic()).count() >= 3 {
                    // a one-word name that is also an ordinary word ("Baker", "young") is
                    // matched in any casing here: those hits are left undecided too
                    let single_plain = toks.len() == 1 && ordinary(toks[0]);
                    let var = Variant {
                        ambiguous: single_plain,
                        ..v(exact, "propagate:exact")
                    };
                    words.push((ws_key(&full), var));
                }
                if toks.len() >= 2 {
                    let (first, last) = (toks[0], toks[toks.len() - 1]);
                    words.push((
                        ws_key(&format!("{last}, {first}")),
                        v(exact, "propagate:exact"),
                    ));
                    words.push((
                        ws_key(&format!("{last},{first}")),
                        v(exact, "propagate:exact"),
                    ));
                    if let Some(initial) = first.chars().next().filter(|c| c.is_alphabetic()) {
                        words.push((
                            ws_key(&format!("{initial}. {last}")),
                            v(partial, "propagate:initials"),
                        ));
                        words.push((
                            ws_key(&format!("{initial}.{last}")),
                            v(partial, "propagate:initials"),
                        ));
                    }
                }
                for t in &toks {
                    let letters = t.chars().filter(|c| c.is_alphabetic()).count();
                    let capitalised = t.chars().next().is_some_and(char::is_uppercase);
                    let lower = t.to_lowercase();
                    let plain = ordinary(t);
                    if letters < cfg.min_token_len
                        || STOP_TOKENS.contains(&lower.as_str())
                        || allowed(t)
                    {
                        continue;
                    }
                    // A name that is also an ordinary word is searched for in every casing
                    // but left undecided; the lexical rule alone would take its capitalised
                    // forms when the mention itself was capitalised.
                    let tok = |lexical_ok: bool| Variant {
                        ambiguous: plain,
                        lexical_ok: !plain || lexical_ok,
                        ..v(partial, "propagate:token")
                    };
                    // a name the document writes in lower case is searched for in lower
                    // case too
                    if !capitalised {
                        tokens.push((lower.clone(), tok(false)));
                    }
                    let mut title: String = lower
                        .chars()
                        .take(1)
                        .flat_map(|c| c.to_uppercase())
                        .collect();
                    title.extend(lower.chars().skip(1));
                    tokens.push((title, tok(capitalised)));
                    tokens.push((t.to_uppercase(), tok(capitalised)));
                    if letters >= FUZZY_MIN_LEN {
                        fuzzy.push((lower.clone(), v(partial * FUZZY_FACTOR, "propagate:fuzzy")));
                    }
                }
            }
            Category::Id | Category::Ssn | Category::Phone | Category::Fax => {
                let key = alnum_key(text);
                if key.chars().count() >= 4 && key.chars().any(|c| c.is_ascii_digit()) {
                    ids.push((key, v(exact, "propagate:id")));
                }
            }
            Category::Email => words.push((ws_key(text), v(exact, "propagate:exact"))),
            // a place found once is the same place wherever the document names it
            // again; one made only of ordinary words ("Reading", "Bath") is left
            // undecided. (Organisations are not propagated: tried, their document-wide
            // hits on the held-back transcriptions added false positives and no PHI;
            // docs/accuracy.md, tenth round)
            Category::Location => {
                let toks: Vec<&str> = text
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric() && c != '\''))
                    .filter(|t| !t.is_empty())
                    .collect();
                let letters = toks
                    .iter()
                    .flat_map(|t| t.chars())
                    .filter(|c| c.is_alphabetic())
                    .count();
                if letters < 4 {
                    continue;
                }
                let plain = toks.iter().all(|t| ordinary(t) || allowed(t));
                words.push((
                    ws_key(&toks.join(" ")),
                    Variant {
                        ambiguous: plain,
                        ..v(exact, "propagate:exact")
                    },
                ));
            }
            _ => {}
        }
    }
    let dedup = |v: &mut Vec<(String, Variant)>| {
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v.dedup_by(|a, b| a.0 == b.0);
    };
    dedup(&mut words);
    dedup(&mut tokens);
    dedup(&mut ids);
    dedup(&mut fuzzy);
    if words.is_empty() && tokens.is_empty() && ids.is_empty() {
        return Vec::new();
    }
    let fuzzy_index = FuzzyIndex::new(&fuzzy);
    let build = |pats: &[(String, Variant)]| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(pats.iter().map(|p| p.0.as_str()))
            .ok()
    };
    let (ac_words, ac_tokens, ac_ids) = (build(&words), build(&tokens), build(&ids));

    let mut hits: Vec<(usize, usize, usize, Variant)> = Vec::new();
    for (pi, text) in texts.iter().enumerate() {
        if let Some(ac) = &ac_words {
            let f = Folded::new(text, false);
            for m in ac.find_iter(&f.text) {
                if let Some((s, e)) = f.orig_range(m.start(), m.end()) {
                    if !word_char_at(text, s, true) && !word_char_at(text, e, false) {
                        hits.push((pi, s, e, words[m.pattern().as_usize()].1.clone()));
                    }
                }
            }
        }
        if let Some(ac) = &ac_tokens {
            for m in ac.find_iter(text) {
                if !word_char_at(text, m.start(), true) && !word_char_at(text, m.end(), false) {
                    hits.push((
                        pi,
                        m.start(),
                        m.end(),
                        tokens[m.pattern().as_usize()].1.clone(),
                    ));
                }
            }
        }
        for (s, e, idx) in fuzzy_index.find(text) {
            hits.push((pi, s, e, fuzzy[idx].1.clone()));
        }
        if let Some(ac) = &ac_ids {
            let f = Folded::new(text, true);
            for m in ac.find_iter(&f.text) {
                let Some((s, e)) = f.orig_range(m.start(), m.end()) else {
                    continue;
                };
                // separators allowed between characters, but no long gaps
                let compact = e - s <= 2 * (m.end() - m.start()) + 2;
                if compact && !word_char_at(text, s, true) && !word_char_at(text, e, false) {
                    hits.push((pi, s, e, ids[m.pattern().as_usize()].1.clone()));
                }
            }
        }
    }
    // "Dr Bell" found does not make "Bell's palsy" a name, nor "Will" the modal of "will be
    // in", nor "Boston" the "Boston Naming Test" a place; in text of mixed casing a name
    // that is also a word is no name where it is written in lower case ("Son Will lives
    // in Pueblo and will transport"), nor after a determiner in any casing ("SPOKE ABOUT
    // HER FAITH", "every autumn")
    hits.retain(|h| match h.3.category {
        Category::Name => {
            let t = &texts[h.0][h.1..h.2];
            let lower_word = h.3.ambiguous
                && !t.chars().any(char::is_uppercase)
                && !crate::text::flat_case(texts[h.0]);
            let prior = crate::text::last_word_lower(&texts[h.0][..h.1]);
            let determined = h.3.ambiguous && DETERMINERS.contains(&prior.as_str());
            // nor after a modal or a subject pronoun, where it is the verb ("charge rn mark
            // aware. will *mark* chart", "we *hope* for egd")
            let verb = h.3.ambiguous && VERB_OPENERS.contains(&prior.as_str());
            !eponym_use(texts[h.0], h.2)
                && !crate::text::modal_use(t, &texts[h.0][h.2..])
                && !lower_word
                && !determined
                && !verb
        }
        Category::Location => !crate::text::names_instrument(&texts[h.0][h.2..]),
        _ => true,
    });
    let (undecided, decided): (Vec<_>, Vec<_>) = hits.into_iter().partition(|h| h.3.ambiguous);
    let hit = |(para, start, end, var): (usize, usize, usize, Variant)| Ambiguous {
        para,
        start,
        end,
        from: var.from,
        category: var.category,
        lexical: var.score,
        detector: var.detector,
        lexical_ok: var.lexical_ok,
    };
    fold(
        entities,
        decided.into_iter().map(hit).map(|h| Accepted {
            score: h.lexical,
            hit: h,
            semantic: None,
        }),
    );
    undecided.into_iter().map(hit).collect()
}

/// Words before a noun that no first name follows ("her faith", "the bill", "every
/// autumn"); not "that", a conjunction before names too ("stated that Rose will visit").
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "her", "his", "their", "my", "our", "your", "its", "every", "this", "these",
    "those", "no", "some", "any", "each",
];

/// Words after which a word is a verb ("will mark", "we hope"), never a name.
const VERB_OPENERS: &[&str] = &[
    "will", "would", "can", "could", "should", "may", "might", "must", "shall", "we", "i", "they",
    "you", "pls", "please",
];

/// The word ending at `end` is a possessive followed by an eponym noun.
pub(crate) fn eponym_use(text: &str, end: usize) -> bool {
    let rest = text.get(end..).unwrap_or("");
    let Some(rest) = rest
        .strip_prefix("'s")
        .or_else(|| rest.strip_prefix("’s"))
        .or_else(|| rest.strip_prefix("'S"))
        .or_else(|| rest.strip_prefix("’S"))
    else {
        return false;
    };
    // the possessive may close a bracket ("popliteal (Baker's) cyst")
    crate::text::eponym_noun(&crate::text::first_word_lower(
        rest.strip_prefix(')').unwrap_or(rest),
    ))
}

/// Fold decided hits into `entities`: a hit overlapping an entity widens it and adds its
/// source; any other becomes a new entity that records where it was propagated from.
pub fn fold(entities: &mut Vec<Entity>, hits: impl IntoIterator<Item = Accepted>) {
    let mut by_para: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, e) in entities.iter().enumerate() {
        by_para.entry(e.para).or_default().push(i);
    }
    for Accepted {
        hit,
        score,
        semantic,
    } in hits
    {
        let Ambiguous {
            para, start, end, ..
        } = hit;
        let src = Source {
            detector: if semantic.is_some() {
                "propagate:semantic".to_string()
            } else {
                hit.detector.to_string()
            },
            score,
            category: hit.category,
            semantic,
        };
        let slot = by_para.entry(para).or_default();
        let found = slot
            .iter()
            .copied()
            .find(|&i| entities[i].start < end && start < entities[i].end);
        if let Some(e) = found.map(|i| &mut entities[i]) {
            // widen the existing entity to cover the hit if it only overlaps
            e.start = e.start.min(start);
            e.end = e.end.max(end);
            if !e.sources.iter().any(|s| s.detector == src.detector) {
                e.sources.push(src);
                e.score = crate::entity::combined_score(&e.sources);
            }
            continue;
        }
        let id = entities.len();
        slot.push(id);
        entities.push(Entity {
            id,
            para,
            start,
            end,
            category: hit.category,
            score,
            sources: vec![src],
            propagated_from: Some(hit.from),
        });
    }
    entities.sort_by_key(|e| (e.para, e.start, e.end));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ent(id: usize, para: usize, start: usize, end: usize, c: Category) -> Entity {
        Entity {
            id,
            para,
            start,
            end,
            category: c,
            score: 0.9,
            sources: vec![Source {
                detector: "rule:name".into(),
                score: 0.9,
                category: c,
                semantic: None,
            }],
            propagated_from: None,
        }
    }

    fn found(texts: &[&str], ents: &[Entity]) -> Vec<(usize, String)> {
        ents.iter()
            .map(|e| (e.para, texts[e.para][e.start..e.end].to_string()))
            .collect()
    }

    /// Propagation with the standard settings and no allow-listed or ordinary words.
    fn propagate_all(texts: &[&str], e: &mut Vec<Entity>) {
        propagate(texts, e, &PropagateConfig::standard(), &|_| false, &|_| {
            false
        });
    }

    #[test]
    fn a_possessive_before_an_eponyms_noun_is_an_eponym_in_brackets_too() {
        let t = "a symptomatic popliteal (Baker's) cyst; Baker's lawyer; Baker's cyst";
        let end = |k: usize| t.match_indices("Baker").nth(k).map(|(i, w)| i + w.len());
        assert!(eponym_use(t, end(0).expect("first")));
        assert!(!eponym_use(t, end(1).expect("second")));
        assert!(eponym_use(t, end(2).expect("third")));
    }

    #[test]
    fn places_propagate_and_ordinary_ones_are_left_undecided() {
        let texts = [
            "Lives in Gig Harbor. Sent on to Tacoma General Hospital.",
            "Back home to GIG HARBOR; at the Tacoma General.",
            "Moved from Reading. Reading is hard for him.",
        ];
        let mut e = vec![
            ent(0, 0, 9, 19, Category::Location),
            ent(1, 0, 32, 55, Category::Organization),
            ent(2, 2, 11, 18, Category::Location),
        ];
        let undecided = propagate(
            &texts,
            &mut e,
            &PropagateConfig::standard(),
            &|_| false,
            &|w| w.eq_ignore_ascii_case("reading"),
        );
        let got = found(&texts, &e);
        assert!(got.contains(&(1, "GIG HARBOR".to_string())), "{got:?}");
        // organisations are not propagated
        assert!(
            !got.iter().any(|(p, t)| *p == 1 && t.contains("Tacoma")),
            "{got:?}"
        );
        // a place that is also an ordinary word is left undecided
        assert!(!got.contains(&(2, "Reading is".to_string())), "{got:?}");
        let left: Vec<&str> = undecided
            .iter()
            .map(|h| &texts[h.para][h.start..h.end])
            .collect();
        assert_eq!(
            left.iter().filter(|t| **t == "Reading").count(),
            2,
            "{left:?}"
        );
    }

    #[test]
    fn name_forms_propagate() {
        let texts = [
            "Patient: Maria Gonzalez",
            "Ms. GONZALEZ reports pain. Gonzalez, Maria was seen. M. Gonzalez signed.",
            "Maria returned. The maria flower is not a name.",
        ];
        let mut e = vec![ent(0, 0, 9, 23, Category::Name)];
        propagate_all(&texts, &mut e);
        let f = found(&texts, &e);
        assert!(f.contains(&(1, "GONZALEZ".into())), "{f:?}");
        assert!(f.contains(&(1, "Gonzalez, Maria".into())), "{f:?}");
        assert!(f.contains(&(1, "M. Gonzalez".into())), "{f:?}");
        assert!(f.contains(&(2, "Maria".into())), "{f:?}");
        assert!(!f.iter().any(|(_, s)| s == "maria"), "{f:?}");
        assert!(e.iter().filter(|e| e.propagated_from == Some(0)).count() >= 4);
    }

    #[test]
    fn a_found_surname_is_no_name_in_an_eponym() {
        let texts = [
            "Referring: Thomas Bell, MD",
            "Right facial weakness - ? Bell's palsy. Seen by Bell's team; BELL'S PHENOMENON.",
        ];
        let mut e = vec![ent(0, 0, 11, 22, Category::Name)];
        propagate_all(&texts, &mut e);
        let got = found(&texts, &e);
        assert!(got.contains(&(1, "Bell".to_string())), "{got:?}");
        assert_eq!(got.iter().filter(|(p, _)| *p == 1).count(), 1, "{got:?}");
    }

    #[test]
    fn a_found_first_name_is_no_name_as_a_modal_verb() {
        let texts = ["SON WILL CALLED.", "WILL BE IN AM. SPOKE WITH WILL TODAY."];
        let mut e = vec![ent(0, 0, 4, 8, Category::Name)];
        propagate_all(&texts, &mut e);
        let got = found(&texts, &e);
        // the second "WILL" only (after "WITH")
        let hits: Vec<usize> = e
            .iter()
            .filter(|x| x.propagated_from == Some(0) && x.para == 1)
            .map(|x| x.start)
            .collect();
        assert_eq!(
            hits,
            vec![texts[1].rfind("WILL").expect("in text")],
            "{got:?}"
        );
    }

    #[test]
    fn a_name_that_is_a_word_is_no_name_in_lower_case_in_mixed_text() {
        let texts = [
            "Son Will lives in Pueblo.",
            "He will transport Hunter; Will visits daily.",
            "son will lives in nh. will called again.",
        ];
        let mut e = vec![ent(0, 0, 4, 8, Category::Name)];
        let undecided = propagate(
            &texts,
            &mut e,
            &PropagateConfig::standard(),
            &|_| false,
            &|w| w.eq_ignore_ascii_case("will"),
        );
        let left: Vec<(usize, &str)> = undecided
            .iter()
            .map(|h| (h.para, &texts[h.para][h.start..h.end]))
            .collect();
        assert!(left.contains(&(1, "Will")), "{left:?}");
        assert!(!left.contains(&(1, "will")), "{left:?}");
        // in text of one casing the lower-case form stays a candidate
        assert!(left.contains(&(2, "will")), "{left:?}");
    }

    #[test]
    fn a_name_that_is_a_word_is_no_name_after_a_determiner() {
        let texts = [
            "SISTER FAITH AT BEDSIDE.",
            "PT SPOKE ABOUT HER FAITH. FAITH LEFT AT 2000.",
        ];
        let mut e = vec![ent(0, 0, 7, 12, Category::Name)];
        let undecided = propagate(
            &texts,
            &mut e,
            &PropagateConfig::standard(),
            &|_| false,
            &|w| w.eq_ignore_ascii_case("faith"),
        );
        let left: Vec<(usize, usize)> = undecided.iter().map(|h| (h.para, h.start)).collect();
        assert!(!left.contains(&(1, 19)), "{left:?}");
        assert!(left.contains(&(1, 26)), "{left:?}");
    }

    #[test]
    fn ids_match_with_or_without_separators() {
        let texts = ["MRN: 482-9301", "see chart 4829301 and 48293012"];
        let mut e = vec![ent(0, 0, 5, 13, Category::Id)];
        propagate_all(&texts, &mut e);
        let f = found(&texts, &e);
        assert!(f.contains(&(1, "4829301".into())), "{f:?}");
        assert!(!f.iter().any(|(_, s)| s == "48293012"), "{f:?}");
    }

    #[test]
    fn one_edit_typos_of_a_name_are_found() {
        let texts = [
            "Patient: Maria Gonzalez",
            "Seen with Ms. Gonzales and Mrs. Gonzalex today; Gonzaga is a place.",
        ];
        let mut e = vec![ent(0, 0, 9, 23, Category::Name)];
        propagate_all(&texts, &mut e);
        let f = found(&texts, &e);
        assert!(f.contains(&(1, "Gonzales".into())), "{f:?}");
        assert!(f.contains(&(1, "Gonzalex".into())), "{f:?}");
        assert!(!f.iter().any(|(_, s)| s == "Gonzaga"), "{f:?}");
        assert!(within_one_edit(&['a', 'b', 'c'], &['a', 'c']));
        assert!(!within_one_edit(&['a', 'b', 'c'], &['c', 'b', 'a']));
    }

    #[test]
    fn allow_listed_tokens_do_not_propagate_alone() {
        let texts = ["Dr. James Parkinson", "Parkinson disease noted"];
        let mut e = vec![ent(0, 0, 4, 19, Category::Name)];
        propagate(
            &texts,
            &mut e,
            &PropagateConfig::standard(),
            &|w| w == "Parkinson",
            &|_| false,
        );
        assert!(e.iter().all(|e| e.para == 0));
    }

    /// In a note written in lower case a name found once is found again in lower case,
    /// unless the word is an ordinary one.
    #[test]
    fn lower_case_names_propagate_unless_ordinary() {
        let texts = [
            "seen by dr walsh and dr young",
            "walsh called back; young man, walshes",
        ];
        let mut e = vec![
            ent(0, 0, 11, 16, Category::Name),
            ent(1, 0, 23, 28, Category::Name),
        ];
        propagate(
            &texts,
            &mut e,
            &PropagateConfig::standard(),
            &|_| false,
            &|w| w.eq_ignore_ascii_case("young"),
        );
        let f = found(&texts, &e);
        assert!(f.contains(&(1, "walsh".into())), "{f:?}");
        assert!(!f.iter().any(|(p, s)| *p == 1 && s == "young"), "{f:?}");
    }
}
