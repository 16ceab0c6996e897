//! Detection on clinical writing as it comes, with the default (combined) detector:
//! 1. An ICU nursing note in ALL CAPS and in lower case (shorthand, dates without years,
//!    names after titles and relation words, a facility): every PHI string is found at
//!    every occurrence, clinical shorthand is not flagged.
//!    A second note in mixed case: a hospital named after a saint, names ending at their
//!    last name word ("Dr. Patel pager", "Lisa Marr RN"), shorthand and vitals not flagged.
//! 2. A UK clinic letter as a PDF: the surname alone in the body, an NHS number with an
//!    invalid checksum after its label, a UK postcode, a UK phone number and an address
//!    after its label are removed; clinical text stays.

mod common;

use common::*;
use deid_devtools::testpdf::{self, DocSpec, FontKind, Line, PageSpec};

const NOTE: &str = "NURSING ADMIT NOTE: 71 YEAR OLD MALE TRANSFERRED FROM MERCY HOSPITAL FOR CHEST PAIN AND HYPOTENSION REQUIRING LEVOPHED; PMH: CAD, S/P MI 1998; HTN; DM2; CKD; HPI: 3 DAYS SOB; 4/12 FOUND BY WIFE ON BATHROOM FLOOR- CONFUSED; TO MERCY HOSPITAL ER; HEAD CT NEG; ECHO EF 30%; K 6.1- KAYEXALATE GIVEN; 4/13 TRANSFUSED 2 UNITS PRBC. SEEN BY DR WALSH. NEURO: A&OX3, MAE. CV: SR 80S, NO ECTOPY. RESP: LS CLEAR, O2 SAT 97% 2L NC. GI: ABD SOFT, +BS. GU: FOLEY TO GRAVITY, UO 40CC/HR. SOCIAL: WIFE MARGARET AND SON KEVIN IN TO VISIT, UPDATED BY DR WALSH. PLAN: CONT MONITOR, REPEAT LYTES IN AM, F/U CARDS. S/P CABG.";

const PHI: &[&str] = &[
    "MERCY HOSPITAL",
    "4/12",
    "4/13",
    "WALSH",
    "MARGARET",
    "KEVIN",
];
const NOT_PHI: &[&str] = &[
    "KAYEXALATE",
    "LS",
    "CONT",
    "LYTES",
    "PMH",
    "CABG",
    "MAE",
    "LEVOPHED",
    "PRBC",
    "FOLEY",
    "CARDS",
];

/// Byte ranges of every whole-word occurrence of `needle` in `hay`.
fn occurrences(hay: &str, needle: &str) -> Vec<(usize, usize)> {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '/');
    hay.match_indices(needle)
        .filter(|(i, _)| {
            !word(hay[..*i].chars().next_back()) && !word(hay[i + needle.len()..].chars().next())
        })
        .map(|(i, _)| (i, i + needle.len()))
        .collect()
}

fn check_note(text: &str, phi: &[String], not_phi: &[String]) {
    let found = engine().detect_texts(&[text]).expect("detect");
    let spans: Vec<(usize, usize, String)> = found[0]
        .iter()
        .map(|e| (e.start, e.end, text[e.start..e.end].to_string()))
        .collect();
    for p in phi {
        let occ = occurrences(text, p);
        assert!(!occ.is_empty(), "fixture lacks {p}");
        for (s, e) in occ {
            assert!(
                spans.iter().any(|(a, b, _)| *a <= s && e <= *b),
                "{p:?} at {s} not found; spans: {spans:?}"
            );
        }
    }
    for w in not_phi {
        for (s, e) in occurrences(text, w) {
            assert!(
                !spans.iter().any(|(a, b, _)| *a < e && s < *b),
                "clinical word {w:?} flagged; spans: {spans:?}"
            );
        }
    }
}

#[test]
fn nursing_note_in_capitals_and_lower_case() {
    let twice = format!("{NOTE}\n{NOTE}");
    let upper = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let lower = |v: &[&str]| v.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
    check_note(&twice, &upper(PHI), &upper(NOT_PHI));
    check_note(&twice.to_lowercase(), &lower(PHI), &lower(NOT_PHI));
    // the first 300 characters alone
    let head: String = NOTE.chars().take(300).collect();
    check_note(
        &head,
        &upper(&["MERCY HOSPITAL", "4/12"]),
        &upper(&["LEVOPHED"]),
    );
}

const NOTE2: &str = "Pt is 72 yo male transferred from St. Elizabeth's for CABG eval. Daughter Jane called at 1600, updated by RN.\nCall Dr. Patel pager #45321 if SBP <90. Neph aware, Dr. Goldberg to see pt.\nSeen by Lisa Marr RN at 0700. Pt's nurse today is Kathy; Kathy paged resident re: low UO.\nFamily meeting held with Dr. Chen and NP Ortiz; plan to wean vent as tol.";

#[test]
fn second_nursing_note_saint_hospital_trimmed_names_and_shorthand() {
    let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let phi = [
        "St. Elizabeth's",
        "Jane",
        "Patel",
        "45321",
        "Goldberg",
        "Lisa Marr",
        "Kathy",
        "Chen",
        "Ortiz",
    ];
    let not_phi = [
        "CABG", "eval", "pager", "SBP", "90", "Neph", "RN", "0700", "paged", "low", "UO", "NP",
        "wean", "vent", "tol",
    ];
    check_note(NOTE2, &own(&phi), &own(&not_phi));
    // in capitals the saint's hospital and the names are found too
    let up = NOTE2.to_uppercase();
    let upper = |v: &[&str]| v.iter().map(|s| s.to_uppercase()).collect::<Vec<_>>();
    check_note(
        &up,
        &upper(&[
            "St. Elizabeth's",
            "Jane",
            "Patel",
            "Goldberg",
            "Lisa Marr",
            "Kathy",
        ]),
        &upper(&["CABG", "eval", "Neph", "RN", "90"]),
    );
}

/// Casing does not gate the learned detector: a name without any context word is found
/// in all lower case as in mixed case, and plain clinical prose in lower case stays clean.
#[test]
fn names_without_context_in_any_casing() {
    let s = "Spoke with Becker about the plan; she agrees. The report was reviewed with \
             Michael Hodge yesterday and sent to Sara Schwarz.";
    let names = ["Becker", "Michael Hodge", "Sara Schwarz"];
    let prose = "Patient seen in clinic today. Blood pressure stable, continue lisinopril. \
                 Follow up in two weeks with repeat labs and a chest x-ray.";
    let none: Vec<String> = Vec::new();
    for case in [
        str::to_string as fn(&str) -> String,
        str::to_uppercase,
        str::to_lowercase,
    ] {
        let cased: Vec<String> = names.iter().map(|n| case(n)).collect();
        check_note(&case(s), &cased, &none);
        let found = engine()
            .detect_texts(&[case(prose).as_str()])
            .expect("detect");
        assert!(found[0].is_empty(), "{:?}", found[0]);
    }
}

fn uk_letter() -> (Vec<u8>, Vec<String>) {
    let f = FontKind::Helvetica;
    let lines = vec![
        Line::new(
            "Riverside Outpatients",
            72.0,
            750.0,
            14.0,
            FontKind::HelveticaBold,
        ),
        Line::new("Patient: Mrs Eleanor Whitcombe", 72.0, 720.0, 11.0, f),
        Line::new("NHS Number: 123 456 7890", 72.0, 705.0, 11.0, f),
        Line::new(
            "Address: 111 Larkspur Row, Bristol BS8 1TH",
            72.0,
            690.0,
            11.0,
            f,
        ),
        Line::new("Tel: 01632 960634", 72.0, 675.0, 11.0, f),
        Line::new("Dear Dr Okonkwo,", 72.0, 640.0, 11.0, f),
        Line::new(
            "Mrs Whitcombe reports improved mobility and less breathlessness.",
            72.0,
            625.0,
            11.0,
            f,
        ),
        Line::new(
            "Her ejection fraction is stable and the resting tremor has settled.",
            72.0,
            610.0,
            11.0,
            f,
        ),
        Line::new(
            "Please call 029 2074 7747 with questions.",
            72.0,
            595.0,
            11.0,
            f,
        ),
    ];
    let spec = DocSpec {
        pages: vec![PageSpec {
            lines,
            kerned_tj: false,
        }],
        ..DocSpec::default()
    };
    let phi = [
        "Eleanor Whitcombe",
        "Whitcombe",
        "123 456 7890",
        "111 Larkspur Row",
        "BS8 1TH",
        "01632 960634",
        "Okonkwo",
        "029 2074 7747",
    ];
    (testpdf::build(&spec), phi.map(String::from).to_vec())
}

#[test]
fn uk_letter_surname_nhs_number_postcode_and_phone_are_removed() {
    let (pdf, phi) = uk_letter();
    let digits: Vec<u32> = "1234567890"
        .chars()
        .filter_map(|c| c.to_digit(10))
        .collect();
    assert!(
        !deid_core::detect::rules::nhs_checksum_ok(&digits),
        "the fixture's NHS number must have an invalid checksum"
    );
    let before = extract(&pdf);
    let p = process(pdf);
    let after = extract(p.output.bytes());
    let text = text_of(&after);
    assert_gone(&text, &phi);
    assert_kept(
        &text,
        &[
            "reports improved mobility and less breathlessness",
            "ejection fraction is stable",
            "resting tremor has settled",
            "NHS Number:",
            "Address:",
            "Tel:",
            "with questions",
        ],
    );
    assert!(
        p.report.rasterised_pages.is_empty(),
        "{:?}",
        p.report.raster_reasons
    );
    assert_survivors_unmoved(&before, &after);
}

/// The semantic half of hybrid search: a found name that is also an ordinary word, met
/// again in another casing, is decided by the encoder's contextual embeddings, and the hit
/// keeps its provenance (the mention it came from) and both scores.
#[test]
fn ambiguous_name_hits_are_decided_by_the_encoder_and_keep_both_scores() {
    if !common::encoder_present() {
        common::skip(
            "encoder",
            "models/minilm missing: no encoder for the semantic search",
        );
        return;
    }
    // an ordinary use of the same word is left alone
    let plain = "Mr. Pitcher reports less pain. He was given a pitcher of water.";
    let out = common::engine().detect_texts(&[plain]).expect("detect");
    assert!(
        out[0].iter().all(|e| &plain[e.start..e.end] != "pitcher"),
        "an ordinary word taken as the name"
    );
    let text = "Mr. Pitcher reports less pain. Pitcher was given a glass of water.";
    let out = common::engine().detect_texts(&[text]).expect("detect");
    let semantic: Vec<_> = out[0]
        .iter()
        .filter_map(|e| {
            let s = e
                .sources
                .iter()
                .find(|s| s.detector == "propagate:semantic")?;
            Some((e, s.semantic?))
        })
        .collect();
    assert!(!semantic.is_empty(), "no semantically decided hit");
    for (e, ev) in semantic {
        assert_eq!(&text[e.start..e.end], "Pitcher");
        assert!(e.propagated_from.is_some());
        assert!(ev.lexical > 0.0 && ev.similarity > 0.0 && ev.similarity <= 1.0 + 1e-4);
        // the threshold the default model registers (its embeddings' own scale)
        assert!(e.score >= common::engine().config().propagate.semantic_threshold);
    }
}
