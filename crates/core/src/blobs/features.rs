//! Layout and text features of a paragraph for the heading decision (the rule score and
//! the learned classifier read the same features).

use crate::types::Paragraph;

const SECTIONS: &[&str] = &[
    "history",
    "history of present illness",
    "past medical history",
    "social history",
    "family history",
    "assessment",
    "assessment and plan",
    "plan",
    "medications",
    "allergies",
    "diagnosis",
    "diagnoses",
    "impression",
    "findings",
    "results",
    "laboratory",
    "labs",
    "procedures",
    "hospital course",
    "discharge instructions",
    "discharge summary",
    "follow up",
    "follow-up",
    "chief complaint",
    "review of systems",
    "physical examination",
    "physical exam",
    "vital signs",
    "patient information",
    "summary",
    "introduction",
    "methods",
    "conclusion",
    "recommendations",
    "signature",
];

/// Features of one paragraph used for the heading decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeadingFeatures {
    pub size_ratio: f32,
    pub bold: bool,
    pub short: bool,
    pub numbered: bool,
    pub caps: bool,
    pub colon: bool,
    pub gap_ratio: f32,
    pub lexicon: bool,
    pub sentence: bool,
}

/// Median font size over all characters of body-like paragraphs.
pub fn body_font_size(paras: &[Paragraph]) -> f32 {
    let mut sizes: Vec<(f32, usize)> = paras
        .iter()
        .map(|p| (p.font_size, p.text.chars().count()))
        .collect();
    sizes.sort_by(|a, b| a.0.partial_cmp(&b.0).unwrap_or(std::cmp::Ordering::Equal));
    let total: usize = sizes.iter().map(|s| s.1).sum();
    let mut acc = 0;
    for (s, n) in &sizes {
        acc += n;
        if acc * 2 >= total {
            return *s;
        }
    }
    10.0
}

pub fn features(p: &Paragraph, body: f32) -> HeadingFeatures {
    let t = p.text.trim();
    let words: Vec<&str> = t.split_whitespace().collect();
    let letters: Vec<char> = t.chars().filter(|c| c.is_alphabetic()).collect();
    let caps = letters.len() >= 3 && letters.iter().all(|c| c.is_uppercase());
    let first = words.first().copied().unwrap_or("");
    let numbered = first.len() <= 5
        && first.ends_with('.')
        && first[..first.len() - 1]
            .split('.')
            .all(|s| !s.is_empty() && (s.chars().all(|c| c.is_ascii_digit()) || s.len() == 1));
    let lower = t
        .trim_end_matches(':')
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
        .to_lowercase();
    HeadingFeatures {
        size_ratio: if body > 0.0 { p.font_size / body } else { 1.0 },
        bold: p.bold,
        short: p.line_count <= 1 && words.len() <= 8,
        numbered,
        caps,
        colon: t.ends_with(':'),
        gap_ratio: if body > 0.0 { p.gap_above / body } else { 0.0 },
        lexicon: SECTIONS.contains(&lower.as_str()),
        sentence: t.ends_with('.') && words.len() > 3,
    }
}
