//! A deterministic benchmark corpus for `pdf-deid bench --corpus`: clinical documents of
//! mixed genres and lengths — discharge summaries and clinic letters with headed sections,
//! two-column progress notes, lab tables, signature blocks, fax covers — each with planted
//! fake PHI (names, dates, record numbers, phone numbers, addresses), in genre folders.
//! About 30 paragraphs per document on average, so 300 documents are about 9,000
//! paragraphs. The same `n` gives the same bytes.

use crate::testpdf::{build, DocSpec, FontKind, Lcg, Line, PageSpec};

const FIRST: &str =
    "Margaret|Jonathan|Aisha|Carlos|Helen|Dmitri|Grace|Samuel|Priya|Walter|Ingrid|Tobias";
const LAST: &str = "Ellison|Pryce|Rahman|Mendoza|Okafor|Lindqvist|Barrett|Nakamura|Kowalski|Fairweather|Delgado|Hartley";
const TOWN: &str = "Springfield|Riverton|Ashford|Millbrook|Clearwater|Fairview";
const SECTIONS: &str = "History of Present Illness|Past Medical History|Medications|Allergies|Physical Examination|Assessment and Plan|Hospital Course|Follow-up";
const SENTENCES: &[&str] = &[
    "The patient presented with intermittent chest pain radiating to the left arm.",
    "Blood pressure was 142/88 and heart rate 92 with regular rhythm.",
    "An echocardiogram showed an ejection fraction of 45 percent with mild mitral regurgitation.",
    "She was started on metoprolol 25 mg twice daily and aspirin 81 mg daily.",
    "Renal function remained stable with a creatinine of 1.1 throughout the admission.",
    "He denies fever, chills, night sweats or unintentional weight loss.",
    "Lungs were clear to auscultation bilaterally without wheezes or crackles.",
    "The abdomen was soft and non-tender with normal bowel sounds.",
    "A chest radiograph demonstrated no acute cardiopulmonary process.",
    "Diabetes is managed with metformin and the last HbA1c was 7.2 percent.",
    "Physical therapy evaluated the patient and recommended home exercises.",
    "Follow-up imaging is planned in three months to reassess the nodule.",
];

/// `n` documents as (relative path, PDF bytes).
pub fn corpus(n: usize) -> Vec<(String, Vec<u8>)> {
    (0..n)
        .map(|i| {
            let mut rng = Lcg(0x5eed_0000 + i as u64);
            let (genre, spec) = match i % 4 {
                0 => ("discharge", sectioned(&mut rng, 3, false)),
                1 => ("letters", sectioned(&mut rng, 1, true)),
                2 => ("notes", two_column_note(&mut rng)),
                _ => ("labs", lab_report(&mut rng)),
            };
            (format!("{genre}/{i:04}.pdf"), build(&spec))
        })
        .collect()
}

struct Person {
    name: String,
    dob: String,
    mrn: String,
    phone: String,
    address: String,
}

fn person(rng: &mut Lcg) -> Person {
    let first = pick(rng, FIRST);
    let last = pick(rng, LAST);
    Person {
        name: format!("{first} {last}"),
        dob: format!(
            "{:02}/{:02}/19{:02}",
            1 + rng.below(12),
            1 + rng.below(28),
            30 + rng.below(60)
        ),
        mrn: format!("MRN {:07}", rng.below(10_000_000)),
        phone: format!("(555) {:03}-{:04}", 200 + rng.below(700), rng.below(10_000)),
        address: format!(
            "{} Oak Street, {}, IL {:05}",
            10 + rng.below(980),
            pick(rng, TOWN),
            60_000 + rng.below(2_000)
        ),
    }
}

fn pick<'a>(rng: &mut Lcg, list: &'a str) -> &'a str {
    let items: Vec<&str> = list.split('|').collect();
    items[rng.below(items.len())]
}

/// Lines of one paragraph (about 85 characters per line), from `y` down; returns the
/// next free `y` (one blank line below).
fn paragraph(lines: &mut Vec<Line>, text: &str, x: f32, mut y: f32, width: usize) -> f32 {
    let mut line = String::new();
    for w in text.split_whitespace() {
        if line.len() + w.len() + 1 > width && !line.is_empty() {
            lines.push(Line::new(line.clone(), x, y, 10.0, FontKind::Helvetica));
            y -= 13.0;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(w);
    }
    if !line.is_empty() {
        lines.push(Line::new(line, x, y, 10.0, FontKind::Helvetica));
        y -= 13.0;
    }
    y - 13.0
}

fn body_text(rng: &mut Lcg, p: &Person, n: usize) -> String {
    let mut s: Vec<String> = (0..n)
        .map(|_| SENTENCES[rng.below(SENTENCES.len())].to_string())
        .collect();
    match rng.below(3) {
        0 => s.push(format!("{} was seen again on {}.", p.name, p.dob)),
        1 => s.push(format!("Please call {} with any questions.", p.phone)),
        _ => {}
    }
    s.join(" ")
}

/// Headed sections of short paragraphs over `pages` pages; a letter has an address block
/// and a signature.
fn sectioned(rng: &mut Lcg, pages: usize, letter: bool) -> DocSpec {
    let p = person(rng);
    let doctor = format!("Dr. {} {}", pick(rng, FIRST), pick(rng, LAST));
    let mut out = Vec::new();
    for page in 0..pages {
        let mut lines = Vec::new();
        let mut y = 740.0;
        if page == 0 {
            let head = if letter {
                "Clinic Letter"
            } else {
                "Discharge Summary"
            };
            lines.push(Line::new(head, 72.0, y, 16.0, FontKind::HelveticaBold));
            y -= 30.0;
            for t in [
                format!("Patient: {}", p.name),
                format!("Date of birth: {}", p.dob),
                p.mrn.clone(),
                p.address.clone(),
            ] {
                lines.push(Line::new(t, 72.0, y, 10.0, FontKind::Helvetica));
                y -= 13.0;
            }
            y -= 13.0;
        }
        while y > 200.0 {
            lines.push(Line::new(
                pick(rng, SECTIONS),
                72.0,
                y,
                12.0,
                FontKind::HelveticaBold,
            ));
            y -= 18.0;
            for _ in 0..1 + rng.below(2) {
                let n = 1 + rng.below(3);
                y = paragraph(&mut lines, &body_text(rng, &p, n), 72.0, y, 88);
                if y < 140.0 {
                    break;
                }
            }
        }
        if letter || page + 1 == pages {
            for t in [
                "Yours sincerely,",
                doctor.as_str(),
                "Consultant Cardiologist",
            ] {
                lines.push(Line::new(t, 72.0, y.max(90.0), 10.0, FontKind::Helvetica));
                y -= 13.0;
            }
        }
        out.push(PageSpec {
            lines,
            kerned_tj: page % 2 == 1,
        });
    }
    DocSpec {
        pages: out,
        ..DocSpec::default()
    }
}

/// A two-column progress note: short paragraphs side by side.
fn two_column_note(rng: &mut Lcg) -> DocSpec {
    let p = person(rng);
    let mut lines = vec![Line::new(
        format!("Progress Note - {}", p.name),
        72.0,
        740.0,
        14.0,
        FontKind::HelveticaBold,
    )];
    for x in [72.0, 320.0] {
        let mut y = 710.0;
        while y > 120.0 {
            let n = 1 + rng.below(2);
            y = paragraph(&mut lines, &body_text(rng, &p, n), x, y, 42);
        }
    }
    DocSpec {
        pages: vec![PageSpec {
            lines,
            kerned_tj: false,
        }],
        ..DocSpec::default()
    }
}

/// A lab report: a header block, a results table (one row per test) and a comment.
fn lab_report(rng: &mut Lcg) -> DocSpec {
    let p = person(rng);
    let mut lines = vec![
        Line::new(
            "Laboratory Report",
            72.0,
            740.0,
            16.0,
            FontKind::HelveticaBold,
        ),
        Line::new(
            format!("Patient: {}   DOB: {}", p.name, p.dob),
            72.0,
            715.0,
            10.0,
            FontKind::Helvetica,
        ),
        Line::new(
            format!("{}   Phone: {}", p.mrn, p.phone),
            72.0,
            702.0,
            10.0,
            FontKind::Helvetica,
        ),
    ];
    let tests = [
        ("Sodium", "mmol/L", 135, 145),
        ("Potassium", "mmol/L", 3, 5),
        ("Creatinine", "mg/dL", 1, 2),
        ("Hemoglobin", "g/dL", 12, 16),
        ("Platelets", "10^3/uL", 150, 400),
        ("Glucose", "mg/dL", 70, 110),
        ("ALT", "U/L", 7, 56),
        ("TSH", "mIU/L", 1, 4),
    ];
    let mut y = 670.0;
    for (name, unit, lo, hi) in tests.iter().cycle().take(12 + rng.below(8)) {
        let v = lo + rng.below((hi - lo + 1) as usize) as i32;
        for (x, t) in [
            (72.0, name.to_string()),
            (220.0, v.to_string()),
            (300.0, unit.to_string()),
            (400.0, format!("{lo}-{hi}")),
        ] {
            lines.push(Line::new(t, x, y, 10.0, FontKind::Courier));
        }
        y -= 20.0;
    }
    paragraph(
        &mut lines,
        &format!(
            "Comment: results reviewed with {} on {}. Repeat electrolytes in one week.",
            p.name, p.dob
        ),
        72.0,
        y - 10.0,
        88,
    );
    DocSpec {
        pages: vec![PageSpec {
            lines,
            kerned_tj: false,
        }],
        ..DocSpec::default()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_corpus_is_deterministic_and_mixed() {
        let a = super::corpus(8);
        let b = super::corpus(8);
        assert_eq!(a, b);
        let genres: std::collections::BTreeSet<&str> =
            a.iter().filter_map(|(p, _)| p.split('/').next()).collect();
        assert_eq!(genres.len(), 4);
    }
}
