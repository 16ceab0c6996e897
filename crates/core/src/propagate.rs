//! Propagation, the lexical part of the hybrid search: every detected name or identifier is
//! searched for through the whole document, so a name detected once is redacted everywhere.
//!
//! Variants searched: the full string (case-insensitive, any whitespace between tokens);
//! for names also each capitalised token on its own (surname or first name alone, matched
//! only when capitalised), "Last, First", and "F. Last" initials; for identifiers
//! (ID, SSN, phone, fax) the alphanumeric core with or without separators.
//! Every hit records the entity it was propagated from.

use std::collections::HashMap;

use regex::Regex;

use crate::detect::{Entity, Source};
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
}

impl PropagateConfig {
    pub fn standard() -> Self {
        PropagateConfig {
            min_source_score: 0.6,
            exact_factor: 0.95,
            partial_factor: 0.8,
            min_token_len: 3,
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
];

#[derive(Debug, Clone)]
struct Variant {
    from: usize,
    category: Category,
    score: f32,
    detector: &'static str,
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

/// Find propagated hits of `entities` in `texts` and fold them into the entity list.
/// `allowed(word)` says whether a word is on the clinical allow-list (never propagated alone).
pub fn propagate(
    texts: &[&str],
    entities: &mut Vec<Entity>,
    cfg: &PropagateConfig,
    allowed: &dyn Fn(&str) -> bool,
) {
    let mut ci_patterns: Vec<String> = Vec::new(); // case-insensitive
    let mut cs_patterns: Vec<String> = Vec::new(); // case-sensitive (single name tokens)
    let mut by_ws: HashMap<String, Variant> = HashMap::new();
    let mut by_alnum: HashMap<String, Variant> = HashMap::new();
    let mut by_token: HashMap<String, Variant> = HashMap::new();

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
        };
        match e.category {
            Category::Name => {
                let tokens: Vec<&str> = text
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .map(|t| {
                        t.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
                    })
                    .filter(|t| !t.is_empty())
                    .collect();
                if tokens.is_empty() {
                    continue;
                }
                let full = tokens.join(" ");
                if full.chars().filter(|c| c.is_alphabetic()).count() >= 3 {
                    by_ws
                        .entry(ws_key(&full))
                        .or_insert_with(|| v(exact, "propagate:exact"));
                    ci_patterns.push(
                        tokens
                            .iter()
                            .map(|t| regex::escape(t))
                            .collect::<Vec<_>>()
                            .join(r"[\s,]+"),
                    );
                }
                if tokens.len() >= 2 {
                    let first = tokens[0];
                    let last = tokens[tokens.len() - 1];
                    // Last, First
                    let lf = format!("{last}, {first}");
                    by_ws
                        .entry(ws_key(&lf))
                        .or_insert_with(|| v(exact, "propagate:exact"));
                    ci_patterns.push(format!(
                        r"{},\s*{}",
                        regex::escape(last),
                        regex::escape(first)
                    ));
                    // F. Last
                    if let Some(initial) = first.chars().next().filter(|c| c.is_alphabetic()) {
                        let fl = format!("{initial}. {last}");
                        by_ws
                            .entry(ws_key(&fl))
                            .or_insert_with(|| v(partial, "propagate:initials"));
                        ci_patterns.push(format!(
                            r"{}\.\s*{}",
                            regex::escape(&initial.to_string()),
                            regex::escape(last)
                        ));
                    }
                }
                for t in &tokens {
                    let letters = t.chars().filter(|c| c.is_alphabetic()).count();
                    let capitalised = t.chars().next().is_some_and(char::is_uppercase);
                    let lower = t.to_lowercase();
                    if letters < cfg.min_token_len
                        || !capitalised
                        || STOP_TOKENS.contains(&lower.as_str())
                        || allowed(t)
                    {
                        continue;
                    }
                    by_token
                        .entry(lower.clone())
                        .or_insert_with(|| v(partial, "propagate:token"));
                    let mut title: String = lower
                        .chars()
                        .take(1)
                        .flat_map(|c| c.to_uppercase())
                        .collect();
                    title.extend(lower.chars().skip(1));
                    cs_patterns.push(regex::escape(&title));
                    cs_patterns.push(regex::escape(&t.to_uppercase()));
                }
            }
            Category::Id | Category::Ssn | Category::Phone | Category::Fax => {
                let key = alnum_key(text);
                if key.chars().count() < 4 || !key.chars().any(|c| c.is_ascii_digit()) {
                    continue;
                }
                by_alnum
                    .entry(key.clone())
                    .or_insert_with(|| v(exact, "propagate:id"));
                let chars: Vec<String> =
                    key.chars().map(|c| regex::escape(&c.to_string())).collect();
                ci_patterns.push(chars.join(r"[\s\-./()]?"));
            }
            Category::Email => {
                by_ws
                    .entry(ws_key(text))
                    .or_insert_with(|| v(exact, "propagate:exact"));
                ci_patterns.push(regex::escape(text));
            }
            _ => {}
        }
    }
    if ci_patterns.is_empty() && cs_patterns.is_empty() {
        return;
    }
    ci_patterns.sort();
    ci_patterns.dedup();
    cs_patterns.sort();
    cs_patterns.dedup();
    // Longest patterns first so alternation prefers the full form.
    ci_patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
    cs_patterns.sort_by_key(|p| std::cmp::Reverse(p.len()));
    let build = |pats: &[String], ci: bool| -> Option<Regex> {
        if pats.is_empty() {
            return None;
        }
        let body = format!(r"\b(?:{})\b", pats.join("|"));
        regex::RegexBuilder::new(&body)
            .case_insensitive(ci)
            .size_limit(64 << 20)
            .build()
            .ok()
    };
    let ci = build(&ci_patterns, true);
    let cs = build(&cs_patterns, false);

    let mut hits: Vec<(usize, usize, usize, Variant)> = Vec::new();
    for (pi, text) in texts.iter().enumerate() {
        for re in [&ci, &cs].into_iter().flatten() {
            for m in re.find_iter(text) {
                let s = m.as_str();
                let var = by_ws
                    .get(&ws_key(&s.replace(',', ", ")))
                    .or_else(|| by_ws.get(&ws_key(s)))
                    .or_else(|| by_alnum.get(&alnum_key(s)))
                    .or_else(|| by_token.get(&s.to_lowercase()));
                if let Some(var) = var {
                    hits.push((pi, m.start(), m.end(), var.clone()));
                }
            }
        }
    }
    for (para, start, end, var) in hits {
        let src = Source {
            detector: var.detector.to_string(),
            score: var.score,
            category: var.category,
        };
        if let Some(e) = entities
            .iter_mut()
            .find(|e| e.para == para && e.start < end && start < e.end)
        {
            // widen the existing entity to cover the hit if it only overlaps
            e.start = e.start.min(start);
            e.end = e.end.max(end);
            if !e.sources.iter().any(|s| s.detector == src.detector) {
                e.sources.push(src);
                e.score = crate::detect::combined_score(&e.sources);
            }
            continue;
        }
        let id = entities.len();
        entities.push(Entity {
            id,
            para,
            start,
            end,
            category: var.category,
            score: var.score,
            sources: vec![src],
            propagated_from: Some(var.from),
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
            }],
            propagated_from: None,
        }
    }

    fn found(texts: &[&str], ents: &[Entity]) -> Vec<(usize, String)> {
        ents.iter()
            .map(|e| (e.para, texts[e.para][e.start..e.end].to_string()))
            .collect()
    }

    #[test]
    fn name_forms_propagate() {
        let texts = [
            "Patient: Maria Gonzalez",
            "Ms. GONZALEZ reports pain. Gonzalez, Maria was seen. M. Gonzalez signed.",
            "Maria returned. The maria flower is not a name.",
        ];
        let mut e = vec![ent(0, 0, 9, 23, Category::Name)];
        propagate(&texts, &mut e, &PropagateConfig::standard(), &|_| false);
        let f = found(&texts, &e);
        assert!(f.contains(&(1, "GONZALEZ".into())), "{f:?}");
        assert!(f.contains(&(1, "Gonzalez, Maria".into())), "{f:?}");
        assert!(f.contains(&(1, "M. Gonzalez".into())), "{f:?}");
        assert!(f.contains(&(2, "Maria".into())), "{f:?}");
        assert!(!f.iter().any(|(_, s)| s == "maria"), "{f:?}");
        assert!(e.iter().filter(|e| e.propagated_from == Some(0)).count() >= 4);
    }

    #[test]
    fn ids_match_with_or_without_separators() {
        let texts = ["MRN: 482-9301", "see chart 4829301 and 48293012"];
        let mut e = vec![ent(0, 0, 5, 13, Category::Id)];
        propagate(&texts, &mut e, &PropagateConfig::standard(), &|_| false);
        let f = found(&texts, &e);
        assert!(f.contains(&(1, "4829301".into())), "{f:?}");
        assert!(!f.iter().any(|(_, s)| s == "48293012"), "{f:?}");
    }

    #[test]
    fn allow_listed_tokens_do_not_propagate_alone() {
        let texts = ["Dr. James Parkinson", "Parkinson disease noted"];
        let mut e = vec![ent(0, 0, 4, 19, Category::Name)];
        propagate(&texts, &mut e, &PropagateConfig::standard(), &|w| {
            w == "Parkinson"
        });
        assert!(e.iter().all(|e| e.para == 0));
    }
}
