//! Deterministic generators of labelled training data (no network, fixed seed): PDFs with
//! known headings for the heading classifier. Only fake text.

use crate::testpdf::{self, DocSpec, FontKind, Lcg, Line, PageSpec};

fn pick<'a>(rng: &mut Lcg, v: &[&'a str]) -> &'a str {
    v[rng.below(v.len())]
}

const HEADINGS: &[&str] = &[
    "History of Present Illness",
    "Past Medical History",
    "Medications",
    "Allergies",
    "Assessment and Plan",
    "Physical Examination",
    "Hospital Course",
    "Discharge Instructions",
    "Laboratory Results",
    "Impression",
    "Follow-up",
    "Social History",
    "Family History",
    "Review of Systems",
    "Procedures",
    "Background",
    "Study Design",
    "Adverse Events",
    "Results",
    "Conclusion",
    "Patient Information",
    "Diagnosis",
    "Recommendations",
    "Imaging",
    "Vital Signs",
    "Chief Complaint",
    "Treatment Summary",
    "Methods",
];

const SENTENCES: &[&str] = &[
    "The patient tolerated the procedure well and was discharged in stable condition.",
    "Blood pressure was controlled on the current regimen without side effects.",
    "Renal function remained stable throughout the admission.",
    "She reports intermittent headaches that improve with rest and hydration.",
    "No acute distress was noted on examination this morning.",
    "Continue the current dose and recheck laboratory values in two weeks.",
    "The wound is clean, dry and intact with no signs of infection.",
    "He was advised to avoid heavy lifting for four weeks.",
    "Imaging showed no evidence of fracture or dislocation.",
    "All questions were answered and the plan was agreed upon.",
    "Participants were randomised in a one to one ratio to both arms.",
    "Adverse events were mild and resolved without intervention.",
];

const NEGATIVE_LINES: &[&str] = &[
    "Name: Jordan Ellis",
    "Date: 03/14/2024",
    "Thank you.",
    "Sincerely,",
    "Signed,",
    "Dose: 10 mg",
    "MRN: 4829301",
    "Page 2",
    "Dr. Helen Okafor",
    "Approved.",
];

/// `n_docs` generated documents: (PDF bytes, heading strings in it).
pub fn heading_docs(seed: u64, n_docs: usize) -> Vec<(Vec<u8>, Vec<String>)> {
    let mut rng = Lcg(seed ^ 0x9E37_79B9_7F4A_7C15);
    let mut out = Vec::with_capacity(n_docs);
    for _ in 0..n_docs {
        let mut headings = Vec::new();
        let mut pages = Vec::new();
        let body_size = [9.0, 10.0, 11.0, 12.0][rng.below(4)];
        let body_font =
            [FontKind::Helvetica, FontKind::TimesRoman, FontKind::Courier][rng.below(3)];
        let style = rng.below(5);
        for _ in 0..1 + rng.below(2) {
            let mut lines = Vec::new();
            let mut y = 740.0f32;
            let mut number = 1;
            while y > 120.0 {
                // a heading
                let mut h = pick(&mut rng, HEADINGS).to_string();
                let (font, size, gap_after) = match style {
                    0 => (FontKind::HelveticaBold, body_size + 4.0, 1.8),
                    1 => {
                        h.push(':');
                        (FontKind::HelveticaBold, body_size, 1.6)
                    }
                    2 => {
                        h = h.to_uppercase();
                        (body_font, body_size, 2.6)
                    }
                    3 => {
                        h = format!("{number}. {h}");
                        number += 1;
                        (FontKind::HelveticaBold, body_size + 2.0, 1.8)
                    }
                    _ => (body_font, body_size + 3.0, 1.9),
                };
                y -= size * 1.2;
                lines.push(Line::new(h.clone(), 72.0, y, size, font));
                headings.push(h);
                y -= body_size * gap_after;
                // body paragraphs and hard negatives
                for _ in 0..1 + rng.below(3) {
                    let n_lines = 1 + rng.below(4);
                    for _ in 0..n_lines {
                        let t = if rng.below(6) == 0 {
                            pick(&mut rng, NEGATIVE_LINES)
                        } else {
                            pick(&mut rng, SENTENCES)
                        };
                        lines.push(Line::new(t, 72.0, y, body_size, body_font));
                        y -= body_size * 1.25;
                    }
                    y -= body_size * 0.8;
                }
                y -= body_size * 0.8;
            }
            pages.push(PageSpec {
                lines,
                kerned_tj: false,
            });
        }
        headings.sort();
        headings.dedup();
        out.push((
            testpdf::build(&DocSpec {
                pages,
                ..DocSpec::default()
            }),
            headings,
        ));
    }
    out
}
