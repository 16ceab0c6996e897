//! Heading detection, DepFlag and heading blobs.
//!
//! Each paragraph gets a heading score from layout and text features (size relative to the
//! document's body text, bold font, short single line, numbering, capitals, trailing colon,
//! space above, clinical section lexicon). `dep_flag` is true when a paragraph sits under the
//! same heading as the previous one, i.e. it is not itself a heading. A blob is a heading
//! and the paragraphs that follow it up to the next heading.

pub mod features;
pub mod heading_model;

use crate::types::{HeadingBlob, Paragraph};
pub use features::{body_font_size, features, HeadingFeatures};

/// Weights and threshold of the heading score.
#[derive(Debug, Clone)]
pub struct HeadingConfig {
    pub w_size: f32,
    pub w_bold: f32,
    pub w_short: f32,
    pub w_numbered: f32,
    pub w_caps: f32,
    pub w_colon: f32,
    pub w_gap: f32,
    pub w_lexicon: f32,
    pub w_sentence: f32,
    pub threshold: f32,
}

impl HeadingConfig {
    pub fn standard() -> Self {
        HeadingConfig {
            w_size: 1.2,
            w_bold: 0.9,
            w_short: 0.5,
            w_numbered: 0.5,
            w_caps: 0.5,
            w_colon: 0.3,
            w_gap: 0.3,
            w_lexicon: 0.8,
            w_sentence: -1.2,
            threshold: 1.5,
        }
    }
}

pub fn score(f: &HeadingFeatures, c: &HeadingConfig) -> f32 {
    let mut s = 0.0;
    if f.size_ratio >= 1.2 {
        s += c.w_size;
    }
    if f.bold {
        s += c.w_bold;
    }
    if f.short {
        s += c.w_short;
    } else {
        s -= 1.0;
    }
    if f.numbered {
        s += c.w_numbered;
    }
    if f.caps {
        s += c.w_caps;
    }
    if f.colon {
        s += c.w_colon;
    }
    if f.gap_ratio > 1.5 {
        s += c.w_gap;
    }
    if f.lexicon {
        s += c.w_lexicon;
    }
    if f.sentence {
        s += c.w_sentence;
    }
    s
}

/// Score headings and set `dep_flag` on every paragraph. Running headers and footers
/// get blobs of their own.
pub fn mark_headings(paras: &mut [Paragraph], c: &HeadingConfig) {
    mark_headings_with(paras, c, None)
}

/// Like [`mark_headings`], with the learned classifier when one is given (its probability
/// becomes the heading score, batched over the whole document).
pub fn mark_headings_with(
    paras: &mut [Paragraph],
    c: &HeadingConfig,
    model: Option<&heading_model::HeadingModel>,
) {
    let body = body_font_size(paras);
    let learned = model.map(|m| (m.predict(paras), m.threshold));
    let mut seen_body = false;
    for (i, p) in paras.iter_mut().enumerate() {
        let (score_, threshold) = match &learned {
            Some((probs, t)) => (probs[i], *t),
            None => (score(&features(p, body), c), c.threshold),
        };
        p.heading_score = score_;
        p.is_heading = score_ >= threshold && !p.furniture;
        // previous = previous body paragraph: headers and footers do not interrupt a section
        p.dep_flag = seen_body && !p.is_heading && !p.furniture;
        seen_body |= !p.furniture;
    }
}

/// Group paragraphs into heading blobs using the DepFlags.
/// Running headers and footers each get a blob of their own; the body blob they interrupt
/// goes on after them.
pub fn blobs(paras: &[Paragraph]) -> Vec<HeadingBlob> {
    let mut out: Vec<HeadingBlob> = Vec::new();
    let mut body: Option<usize> = None;
    for p in paras {
        match body {
            Some(b) if p.dep_flag && !p.furniture => out[b].paragraphs.push(p.id),
            _ => {
                if !p.furniture {
                    body = Some(out.len());
                }
                out.push(HeadingBlob {
                    id: out.len(),
                    paragraphs: vec![p.id],
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Rect;

    fn para(id: usize, text: &str, size: f32, bold: bool) -> Paragraph {
        Paragraph {
            id,
            page: 0,
            bbox: Rect::default(),
            text: text.into(),
            char_glyphs: vec![],
            char_offsets: vec![],
            font_size: size,
            bold,
            line_count: text.lines().count(),
            gap_above: 12.0,
            heading_score: 0.0,
            is_heading: false,
            dep_flag: false,
            furniture: false,
        }
    }

    #[test]
    fn headings_and_blobs() {
        let mut ps = vec![
            para(0, "DISCHARGE SUMMARY", 16.0, true),
            para(
                1,
                "The patient was admitted with chest pain and shortness of breath.",
                10.0,
                false,
            ),
            para(
                2,
                "More body text follows here, describing the hospital course.",
                10.0,
                false,
            ),
            para(3, "2. Medications", 12.0, true),
            para(
                4,
                "Aspirin 81 mg daily and metoprolol 25 mg twice daily were continued.",
                10.0,
                false,
            ),
            para(5, "Allergies:", 10.0, true),
            para(
                6,
                "No known drug allergies were reported by the patient today.",
                10.0,
                false,
            ),
        ];
        mark_headings(&mut ps, &HeadingConfig::standard());
        let flags: Vec<bool> = ps.iter().map(|p| p.is_heading).collect();
        assert_eq!(flags, vec![true, false, false, true, false, true, false]);
        let deps: Vec<bool> = ps.iter().map(|p| p.dep_flag).collect();
        assert_eq!(deps, vec![false, true, true, false, true, false, true]);
        let b = blobs(&ps);
        let ids: Vec<Vec<usize>> = b.iter().map(|b| b.paragraphs.clone()).collect();
        assert_eq!(ids, vec![vec![0, 1, 2], vec![3, 4], vec![5, 6]]);
    }

    #[test]
    fn footer_gets_its_own_blob_and_the_section_goes_on() {
        let mut ps = vec![
            para(0, "Medications", 14.0, true),
            para(
                1,
                "Aspirin 81 mg daily and metoprolol 25 mg twice daily were continued.",
                10.0,
                false,
            ),
            para(2, "Page 1 of 2", 8.0, false),
            para(
                3,
                "Lisinopril was stopped because of a cough that started in spring.",
                10.0,
                false,
            ),
        ];
        ps[2].furniture = true;
        mark_headings(&mut ps, &HeadingConfig::standard());
        let ids: Vec<Vec<usize>> = blobs(&ps).iter().map(|b| b.paragraphs.clone()).collect();
        assert_eq!(ids, vec![vec![0, 1, 3], vec![2]]);
    }

    #[test]
    fn inline_label_is_not_a_heading() {
        let mut ps = vec![
            para(
                0,
                "Body text of normal size that goes on for a while in a sentence.",
                10.0,
                false,
            ),
            para(
                1,
                "Diagnosis: community acquired pneumonia, treated with antibiotics.",
                10.0,
                false,
            ),
        ];
        mark_headings(&mut ps, &HeadingConfig::standard());
        assert!(!ps[1].is_heading);
    }
}
