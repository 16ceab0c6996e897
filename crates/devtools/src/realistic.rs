//! Realistic-format labelled clinical documents for evaluating the PHI detector.
//!
//! Real clinical language is the carrier: the caller passes de-identified transcriptions
//! (mtsamples), a few of whose sentences become each document's clinical body. Around them
//! each [`Genre`] builds its usual structure (nursing shorthand, discharge headers, radiology
//! and lab headers, US referral and UK NHS letters, fax covers) with surrogate PHI in the
//! slots such documents really have, and records every inserted span (byte offsets into the
//! final text). Some documents get hard line breaks inside sentences and light OCR-like
//! character noise on non-PHI text. Everything is deterministic in the seed.
//!
//! These documents prove the plumbing (extraction, detection, span mapping, scoring) and
//! give a realistic-format development set; scores on them are not accuracy on real notes.

use std::sync::OnceLock;

use crate::ner_train::{Example, FIRST, LAST};
use crate::testpdf::Lcg;
use deid_core::types::Category::{self, *};

/// Kind of document to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Genre {
    Nursing,
    Discharge,
    Radiology,
    Lab,
    ReferralUs,
    LetterUk,
    FaxCover,
}

impl Genre {
    pub const ALL: [Genre; 7] = [
        Genre::Nursing,
        Genre::Discharge,
        Genre::Radiology,
        Genre::Lab,
        Genre::ReferralUs,
        Genre::LetterUk,
        Genre::FaxCover,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Genre::Nursing => "nursing",
            Genre::Discharge => "discharge",
            Genre::Radiology => "radiology",
            Genre::Lab => "lab",
            Genre::ReferralUs => "referral-us",
            Genre::LetterUk => "letter-uk",
            Genre::FaxCover => "fax-cover",
        }
    }
    pub fn parse(s: &str) -> Option<Genre> {
        let s = s.trim();
        Genre::ALL
            .into_iter()
            .find(|g| g.as_str().eq_ignore_ascii_case(s))
    }
}

// Small `|`-separated lists; towns as `Town:State` / `Town:postcode area`.
const MONTHS: &str =
    "January|February|March|April|May|June|July|August|September|October|November|December";
const US_TOWNS: &str = "Springfield:IL|Dayton:OH|Riverside:CA|Boulder:CO|Portland:ME|\
    Lexington:KY|Greenville:SC|Burlington:VT|Madison:WI|Salem:OR|Fairview:TN|Franklin:MA|\
    Georgetown:TX|Kingston:NY|Marion:IN|Dover:DE";
const UK_TOWNS: &str = "Bristol:BS|Cardiff:CF|Leeds:LS|Sheffield:S|Oxford:OX|Cambridge:CB|\
    Exeter:EX|Bath:BA|Swansea:SA|Norwich:NR|York:YO|Reading:RG|Leicester:LE|Nottingham:NG|\
    Plymouth:PL|Gloucester:GL|Taunton:TA|Harrogate:HG";
const STREETS: &str = "Maple|Oak|Cedar|Elm|Church|Mill|Station|Victoria|Park|Queen|Albert|\
    Windsor|Meadow|Orchard|Lincoln|Harbor|Chester|Grove";
const FALLBACK: &str = "The patient tolerated the procedure well and was transferred to \
    recovery in stable condition.|She denies chest pain, shortness of breath, nausea or vomiting.|\
    Blood pressure was 132/78 with a heart rate of 84 and she was afebrile.|He was started on \
    intravenous antibiotics and his symptoms improved over the next two days.|Lungs are clear \
    to auscultation bilaterally without wheezes or rales.|The abdomen is soft and nontender \
    with normal bowel sounds.";
const NURSING_SYS: [&str; 4] = [
    "NEURO: A&OX3, MAE, FOLLOWS COMMANDS.|NEURO: LETHARGIC BUT AROUSABLE TO VOICE, PERRL.|\
     NEURO: A&OX2, CONFUSED TO TIME, NO SEDATION.",
    "CV: SR 80S, NO ECTOPY. SBP 110-130S.|CV: AFIB 90-110S, LOPRESSOR 5MG IV GIVEN AT 0200.|\
     CV: NSR 70S-80S, +PPP, TRACE EDEMA.",
    "RESP: LS CLEAR BILAT, O2 2L NC, SATS 95-98%.|RESP: LS COARSE, SXN FOR THICK TAN SPUTUM.|\
     RESP: ON AC 500X14, FIO2 40%, PEEP 5.",
    "GI/GU: ABD SOFT, +BS, TOL PO.|GI/GU: FOLEY DRAINING CLEAR YELLOW URINE, UO 40-60CC/HR.|\
     GI/GU: NPO, TF @ GOAL 60CC/HR.",
];

fn names() -> &'static (Vec<&'static str>, Vec<&'static str>) {
    static N: OnceLock<(Vec<&'static str>, Vec<&'static str>)> = OnceLock::new();
    N.get_or_init(|| {
        let list = |s: &'static str| {
            let ok = |l: &&str| l.len() > 1 && !l.starts_with('#');
            s.lines().map(str::trim).filter(ok).collect::<Vec<_>>()
        };
        (list(FIRST), list(LAST))
    })
}

/// splitmix64 finaliser: decorrelates per-document seeds.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Usable sentences of one mtsamples transcription (its `:,`/`.,` artefacts cleaned and
/// leading ALL-CAPS section headings stripped).
fn sentences(carrier: &str) -> Vec<String> {
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    let cleaned = squash(carrier).replace(" ,", ",");
    let cleaned = squash(&cleaned.replace(":,", ": ").replace(".,", ". "));
    let b = cleaned.as_bytes();
    let (mut out, mut start) = (Vec::new(), 0);
    for (i, &c) in b.iter().enumerate() {
        if matches!(c, b'.' | b'?' | b'!') && b.get(i + 1).is_none_or(|&n| n == b' ') {
            out.extend(usable(&cleaned[start..=i]));
            start = i + 1;
        }
    }
    out
}

fn usable(s: &str) -> Option<String> {
    let mut s = s.trim().trim_start_matches([',', ' ']);
    for sep in [": ", ","] {
        if let Some(p) = s.find(sep).filter(|&p| p < 80) {
            let head = &s[..p];
            let upper = head.chars().filter(|c| c.is_ascii_uppercase()).count();
            if upper >= 4 && !head.chars().any(char::is_lowercase) {
                s = s[p + sep.len()..].trim();
            }
        }
    }
    let letters = s.chars().filter(|c| c.is_alphabetic()).count();
    let upper = s.chars().filter(|c| c.is_uppercase()).count();
    let first_word = s.split(' ').next().unwrap_or("");
    let ok = (25..=320).contains(&s.chars().count())
        && s.split(' ').count() >= 4
        && s.starts_with(|c: char| c.is_ascii_uppercase())
        && (first_word.len() == 1 || first_word.chars().any(char::is_lowercase))
        && upper * 3 < letters;
    ok.then(|| s.to_string())
}

/// OCR-like confusion for one character (single ASCII for single ASCII: offsets unchanged).
fn ocr(c: char) -> char {
    match c {
        'l' => '1',
        'I' => 'l',
        'O' | 'o' => '0',
        'e' => 'c',
        'S' => '5',
        'B' => '8',
        c => c,
    }
}

fn ordinal(d: usize) -> &'static str {
    match (d % 10, d % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    }
}

/// Mod-11 check digit of an NHS number's first nine digits (`None`: no valid number).
fn nhs_check(d: &[usize]) -> Option<usize> {
    let d: Vec<u32> = d.iter().map(|&x| x as u32).collect();
    deid_core::detect::rules::nhs_check_digit(&d).map(|c| c as usize)
}

/// Whether `s` is a valid NHS number (10 digits, spaces allowed, mod-11 check digit).
pub fn nhs_valid(s: &str) -> bool {
    let d: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
    s.chars().all(|c| c.is_ascii_digit() || c == ' ')
        && deid_core::detect::rules::nhs_checksum_ok(&d)
}

type Ymd = (usize, usize, usize);

/// One document under construction.
struct Gen {
    rng: Lcg,
    text: String,
    spans: Vec<(usize, usize, Category)>,
    inserted: Vec<String>,
    col: usize,
    wrap: Option<usize>,
    ocr_permille: usize,
    pool: Vec<String>,
    next: usize,
}

impl Gen {
    fn new(carriers: &[&str], seed: u64) -> Gen {
        let mut rng = Lcg(seed);
        let (mut pool, mut used) = (Vec::new(), Vec::new());
        for _ in 0..1 + rng.below(3) {
            let c = rng.below(carriers.len());
            if carriers.is_empty() || used.contains(&c) {
                continue;
            }
            used.push(c);
            let s = sentences(carriers[c]);
            let (start, take) = (rng.below(s.len()), 2 + rng.below(3));
            pool.extend(s.into_iter().skip(start).take(take));
        }
        let wrap = (rng.below(3) == 0).then(|| 50 + rng.below(40));
        let ocr_permille = if rng.below(4) == 0 {
            10 + rng.below(30)
        } else {
            0
        };
        Gen {
            rng,
            text: String::new(),
            spans: Vec::new(),
            inserted: Vec::new(),
            col: 0,
            wrap,
            ocr_permille,
            pool,
            next: 0,
        }
    }

    fn chance(&mut self, num: usize, den: usize) -> bool {
        self.rng.below(den) < num
    }
    /// One item of a `|`-separated list.
    fn pick(&mut self, list: &'static str) -> &'static str {
        let v: Vec<&str> = list.split('|').collect();
        v[self.rng.below(v.len())]
    }
    /// (town, state or postcode area)
    fn town(&mut self, list: &'static str) -> (&'static str, &'static str) {
        self.pick(list)
            .split_once(':')
            .unwrap_or(("Springfield", "IL"))
    }
    fn push_raw(&mut self, s: &str) {
        match s.rfind('\n') {
            Some(p) => self.col = s[p + 1..].chars().count(),
            None => self.col += s.chars().count(),
        }
        self.text.push_str(s);
    }
    /// Running prose: may be hard-wrapped and get OCR-like noise (never on PHI).
    fn body(&mut self, s: &str) {
        let mut out = String::with_capacity(s.len());
        let mut col = self.col;
        for c in s.chars() {
            let c = if c == ' ' && self.wrap.is_some_and(|w| col >= w) {
                '\n'
            } else if self.ocr_permille > 0 && self.rng.below(1000) < self.ocr_permille {
                ocr(c)
            } else {
                c
            };
            col = if c == '\n' { 0 } else { col + 1 };
            out.push(c);
        }
        self.push_raw(&out);
    }
    /// A surrogate PHI value; its span is recorded.
    fn phi(&mut self, s: &str, cat: Category) {
        let start = self.text.len();
        self.push_raw(s);
        self.spans.push((start, self.text.len(), cat));
        self.inserted.push(s.to_string());
    }
    /// `tpl` with each `{}` replaced by the next value (a recorded span); the text between
    /// is structural (`prose == false`, as is) or running prose (see [`Gen::body`]).
    fn fill(&mut self, tpl: &str, vals: &[(String, Category)], prose: bool) {
        let mut parts = tpl.split("{}");
        debug_assert_eq!(tpl.matches("{}").count(), vals.len(), "{tpl}");
        for (v, cat) in vals {
            let lit = parts.next().unwrap_or("");
            if prose {
                self.body(lit)
            } else {
                self.push_raw(lit)
            }
            self.phi(v, *cat);
        }
        let rest: Vec<&str> = parts.collect();
        if prose {
            self.body(&rest.join("{}"))
        } else {
            self.push_raw(&rest.join("{}"))
        }
    }
    /// Next `n` carrier sentences (built-in clinical sentences once the carriers run out).
    fn take(&mut self, n: usize) -> String {
        let mut v = Vec::new();
        for _ in 0..n {
            if self.next < self.pool.len() {
                v.push(self.pool[self.next].clone());
                self.next += 1;
            } else {
                v.push(self.pick(FALLBACK).to_string());
            }
        }
        v.join(" ")
    }
    /// An age phrase: over-89 ages are PHI (labelled), younger ones are not.
    fn age(&mut self, suffix: &str) {
        if self.chance(1, 4) {
            let a = (90 + self.rng.below(14)).to_string();
            self.phi(&a, Age);
        } else {
            let a = (35 + self.rng.below(55)).to_string();
            self.push_raw(&a);
        }
        self.push_raw(suffix);
    }

    fn first(&mut self) -> String {
        let f = &names().0;
        f[self.rng.below(f.len())].to_string()
    }
    fn surname(&mut self) -> String {
        let l = &names().1;
        l[self.rng.below(l.len())].to_string()
    }
    /// (first, surname)
    fn person(&mut self) -> (String, String) {
        (self.first(), self.surname())
    }
    /// "First Last", sometimes with a middle initial.
    fn full(&mut self, p: &(String, String)) -> String {
        if self.chance(1, 8) {
            let mid = self.first();
            format!("{} {}. {}", p.0, &mid[..1], p.1)
        } else {
            format!("{} {}", p.0, p.1)
        }
    }
    /// "LAST, FIRST"
    fn listed(p: &(String, String)) -> String {
        format!("{}, {}", p.1, p.0).to_uppercase()
    }
    fn ymd(&mut self, y0: usize, y1: usize) -> Ymd {
        let y = y0 + self.rng.below(y1 - y0 + 1);
        (y, 1 + self.rng.below(12), 1 + self.rng.below(28))
    }
    fn date_us(&self, (y, m, d): Ymd, style: usize) -> String {
        let mon = MONTHS.split('|').nth(m - 1).unwrap_or("May");
        match style % 7 {
            0 => format!("{m:02}/{d:02}/{y}"),
            1 => format!("{m}/{d}/{y}"),
            2 => format!("{m}/{d}/{:02}", y % 100),
            3 => format!("{y}-{m:02}-{d:02}"),
            4 => format!("{mon} {d}, {y}"),
            5 => format!("{} {d}, {y}", &mon[..3]),
            _ => format!("{d:02}-{}-{y}", &mon[..3]),
        }
    }
    fn date_uk(&self, (y, m, d): Ymd, style: usize) -> String {
        let mon = MONTHS.split('|').nth(m - 1).unwrap_or("May");
        match style % 5 {
            0 => format!("{d}{} {mon} {y}", ordinal(d)),
            1 => format!("{d:02}/{m:02}/{y}"),
            2 => format!("{d} {} {y}", &mon[..3]),
            3 => format!("{d:02}.{m:02}.{y}"),
            _ => format!("{d} {mon} {y}"),
        }
    }
    /// `n` digits, the first non-zero.
    fn digits(&mut self, n: usize) -> String {
        let mut s = (1 + self.rng.below(9)).to_string();
        for _ in 1..n {
            s.push(char::from(b'0' + self.rng.below(10) as u8));
        }
        s
    }
    fn phone_us(&mut self) -> String {
        let a = self.pick("555|555|212|312|415|617|503|720");
        let (e, l) = (200 + self.rng.below(800), self.rng.below(10_000));
        match self.rng.below(5) {
            0 | 1 => format!("({a}) {e}-{l:04}"),
            2 => format!("{a}-{e}-{l:04}"),
            3 => format!("{a}.{e}.{l:04}"),
            _ => format!("1-{a}-{e}-{l:04}"),
        }
    }
    /// UK numbers in Ofcom's drama ranges.
    fn phone_uk(&mut self) -> String {
        let n = self.rng.below(1000);
        match self.rng.below(6) {
            0 => format!("01632 960{n:03}"),
            1 => format!("029 2018 0{n:03}"),
            2 => format!("020 7946 0{n:03}"),
            3 => format!("0117 496 0{n:03}"),
            4 => format!("+44 7700 900{n:03}"),
            _ => format!("07700 900{n:03}"),
        }
    }
    fn street(&mut self, uk: bool) -> String {
        let name = if self.chance(1, 3) {
            self.surname()
        } else {
            self.pick(STREETS).to_string()
        };
        let kind = if uk {
            self.pick("Road|Street|Lane|Close|Crescent|Avenue|Gardens|Way")
        } else {
            self.pick("Street|St.|Avenue|Ave|Road|Drive|Lane|Boulevard")
        };
        let num = 1 + self.rng.below(if uk { 180 } else { 9000 });
        let unit = 1 + self.rng.below(40);
        match self.rng.below(6) {
            0 if uk => format!("Flat {}, {num} {name} {kind}", unit % 9 + 1),
            0 => format!("{num} {name} {kind}, Apt {unit}"),
            _ => format!("{num} {name} {kind}"),
        }
    }
    fn postcode(&mut self, area: &str) -> String {
        const IN: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
        let (d, s) = (1 + self.rng.below(20), 1 + self.rng.below(9));
        let a = char::from(IN[self.rng.below(IN.len())]);
        let b = char::from(IN[self.rng.below(IN.len())]);
        format!("{area}{d} {s}{a}{b}")
    }
    /// "ddd ddd dddd", with a valid mod-11 check digit or (when `!valid`) a wrong one.
    fn nhs_number(&mut self, valid: bool) -> String {
        loop {
            let d: Vec<usize> = (0..9).map(|_| self.rng.below(10)).collect();
            let Some(check) = nhs_check(&d).filter(|_| d[0] != 0) else {
                continue;
            };
            let last = if valid {
                check
            } else {
                (check + 1 + self.rng.below(9)) % 10
            };
            let s: String = d.iter().map(|x| char::from(b'0' + *x as u8)).collect();
            return format!("{} {} {}{last}", &s[..3], &s[3..6], &s[6..]);
        }
    }
    fn us_facility(&mut self) -> String {
        let town = self.town(US_TOWNS).0;
        match self.rng.below(6) {
            0 => format!("{town} General Hospital"),
            1 => format!("{} Memorial Hospital", self.surname()),
            2 => format!("St. {}'s Hospital", self.first()),
            3 => format!("{town} Medical Center"),
            4 => format!("{} Regional Medical Center", self.surname()),
            _ => format!("{town} Community Health Center"),
        }
    }
}

fn nursing(g: &mut Gen) {
    let (m, d) = (1 + g.rng.below(12), 2 + g.rng.below(26));
    let head =
        g.pick("NURSING PROGRESS NOTE {} 0700-1900\n|NPN 7P-7A {}\n|{} 1900-0700 NSG NOTE\n");
    g.fill(head, &[(format!("{m}/{d}"), Date)], false);
    g.push_raw("PT IS A ");
    g.age(" YO ");
    let sex = g.pick("M|F");
    let dx = g.pick("CHF EXACERBATION|UROSEPSIS|COPD FLARE|UGIB|S/P FALL|PNA");
    g.body(&format!("{sex} ADMITTED WITH {dx}.\n"));
    for sys in NURSING_SYS {
        let line = g.pick(sys);
        g.body(&format!("{line}\n"));
    }
    let events = g.take(2);
    g.body(&format!("EVENTS: {events}\n"));
    let tail =
        g.pick(" THIS AM, AWARE OF LABS.| ON ROUNDS, NO NEW ORDERS.| AT 1400, PLAN REVIEWED.");
    let rels = "WIFE|HUSBAND|DAUGHTER|SON|SISTER";
    let (r1, r2) = (g.pick(rels), g.pick(rels));
    let tpl = format!(
        "SEEN BY DR {{}}{tail}\nSOCIAL: {r1} {{}} AND {r2} {{}} IN TO VISIT, UPDATED ON POC.\n"
    );
    let v = [(g.surname(), Name), (g.first(), Name), (g.first(), Name)];
    g.fill(&tpl, &v, true);
    if g.chance(2, 3) {
        let h = if g.chance(1, 2) {
            format!("{} HOSPITAL", g.town(US_TOWNS).0)
        } else {
            g.us_facility()
        };
        let v = [(h, Organization), (format!("{m}/{}", d - 1), Date)];
        g.fill("PT TRANSFERRED FROM {} ON {}.\n", &v, false);
    }
    let plan = g.take(1);
    g.body(&format!("PLAN: {plan}\n"));
    let (f, l) = g.person();
    g.fill(
        "D/W {}, RN\n",
        &[(format!("{}. {l}", &f[..1]), Name)],
        false,
    );
    let lower = g.chance(1, 3);
    for s in std::iter::once(&mut g.text).chain(g.inserted.iter_mut()) {
        if lower {
            s.make_ascii_lowercase()
        } else {
            s.make_ascii_uppercase()
        }
    }
}

fn discharge(g: &mut Gen) {
    let style = g.rng.below(7);
    let patient = g.person();
    let pn = if g.chance(1, 4) {
        Gen::listed(&patient)
    } else {
        g.full(&patient)
    };
    let mrn_len = 7 + g.rng.below(2);
    let (dob, (y, m, d)) = (g.ymd(1928, 2000), g.ymd(2016, 2025));
    let (d, stay) = (d.min(20), 1 + g.rng.below(8));
    let att = g.person();
    let v = [
        (pn, Name),
        (g.digits(mrn_len), Id),
        (g.date_us(dob, style), Date),
        (g.date_us((y, m, d), style), Date),
        (g.date_us((y, m, d + stay), style), Date),
        (g.full(&att), Name),
    ];
    let tpl = "DISCHARGE SUMMARY\nPatient: {}\nMRN: {}\nDOB: {}\nAdmission Date: {}\n\
               Discharge Date: {}\nAttending: Dr. {}\n\n";
    g.fill(tpl, &v, false);
    let male = g.chance(1, 2);
    let title = if male { "Mr." } else { g.pick("Mrs.|Ms.") };
    g.fill(
        &format!("HISTORY OF PRESENT ILLNESS:\n{title} {{}} is a "),
        &[(patient.1.clone(), Name)],
        false,
    );
    g.age(if male {
        "-year-old man who "
    } else {
        "-year-old woman who "
    });
    let (hx, course) = (g.take(2), g.take(2));
    let tpl = format!(
        "presented with the following history. {hx}\n\nHOSPITAL COURSE:\n{course} {title} {{}} \
         remained hemodynamically stable and was discharged home in good condition.\n\n"
    );
    g.fill(&tpl, &[(patient.1, Name)], true);
    let place = if g.chance(1, 2) {
        g.town(US_TOWNS).0.to_string()
    } else {
        g.surname()
    };
    let fu = g.ymd(y, y);
    let v = [
        (g.surname(), Name),
        (g.date_us(fu, 4), Date),
        (format!("{place} Medical Center"), Organization),
    ];
    g.fill(
        "FOLLOW-UP:\nFollow up with Dr. {} on {} at {}.\n",
        &v,
        false,
    );
}

fn radiology(g: &mut Gen) {
    let style = g.rng.below(7);
    let (p, o, r) = (g.person(), g.person(), g.person());
    let acc = match g.rng.below(3) {
        0 => format!("RAD-{}-{}", 18 + g.rng.below(8), g.digits(7)),
        1 => format!("A{}", g.digits(8)),
        _ => g.digits(10),
    };
    let when = g.ymd(2016, 2025);
    let exam = g.pick(
        "CT ABDOMEN AND PELVIS WITH CONTRAST|CHEST PA AND LATERAL|\
         MRI BRAIN WITHOUT AND WITH CONTRAST|US RIGHT UPPER QUADRANT",
    );
    let (hh, mm) = (7 + g.rng.below(12), g.rng.below(60));
    let v = [
        (g.us_facility(), Organization),
        (Gen::listed(&p), Name),
        (g.digits(8), Id),
        (acc, Id),
        (g.date_us(when, style), Date),
        (g.full(&o), Name),
    ];
    let tpl = format!(
        "{{}}\nDepartment of Radiology\n\nRADIOLOGY REPORT\nPatient: {{}}    MRN: {{}}\n\
         Accession #: {{}}\nExam: {exam}\nExam Date: {{}}  Time: {hh:02}:{mm:02}\n\
         Ordering Physician: {{}}, MD\n\n"
    );
    g.fill(&tpl, &v, false);
    let h = g.take(1);
    g.body(&format!("CLINICAL HISTORY: {h}\nCOMPARISON: "));
    if g.chance(1, 2) {
        let prior = g.ymd(2010, when.0 - 1);
        let s = g.date_us(prior, style);
        g.fill("{}.", &[(s, Date)], false);
    } else {
        g.push_raw("None.");
    }
    let (f, imp) = (g.take(2), g.take(1));
    g.body(&format!("\n\nFINDINGS:\n{f}\n\nIMPRESSION:\n1. {imp}\n\n"));
    let v = [(g.full(&r), Name), (g.date_us(when, style), Date)];
    g.fill("Electronically signed by: Dr. {} on {}\n", &v, false);
}

fn lab(g: &mut Gen) {
    let style = g.rng.below(7);
    let (p, t) = (g.person(), g.person());
    let (dob, when) = (g.ymd(1930, 2005), g.ymd(2016, 2025));
    let (sex, mrn_len) = (g.pick("F|M"), 7 + g.rng.below(2));
    let (hh, mm) = (6 + g.rng.below(4), g.rng.below(60));
    let v = [
        (
            format!("{} Clinical Laboratory", g.town(US_TOWNS).0),
            Organization,
        ),
        (Gen::listed(&p), Name),
        (g.date_us(dob, style), Date),
        (g.digits(mrn_len), Id),
        (format!("S{}-{}", 18 + g.rng.below(8), g.digits(6)), Id),
        (g.date_us(when, style), Date),
        (g.surname(), Name),
    ];
    let tpl = format!(
        "{{}}\nPatient Name: {{}}   DOB: {{}}   Sex: {sex}\nMRN: {{}}   Specimen ID: {{}}\n\
         Collected: {{}} {hh:02}:{mm:02}\nOrdering Provider: Dr. {{}}\n\n\
         TEST              RESULT   UNITS     REFERENCE\n"
    );
    g.fill(&tpl, &v, false);
    let tests = [
        ("HEMOGLOBIN", 100, 170, "g/dL", "12.0-16.0"),
        ("WBC", 30, 150, "K/uL", "4.0-11.0"),
        ("SODIUM", 1300, 1480, "mmol/L", "135-145"),
        ("CREATININE", 5, 25, "mg/dL", "0.6-1.2"),
    ];
    for (name, lo, hi, unit, range) in tests {
        let x = lo + g.rng.below(hi - lo);
        let x = if hi > 1000 {
            format!("{}", x / 10)
        } else {
            format!("{}.{}", x / 10, x % 10)
        };
        g.push_raw(&format!("{name:<18}{x:<9}{unit:<10}{range}\n"));
    }
    let c = g.take(1);
    g.body(&format!("\nComment: {c}\n"));
    g.fill(
        "Verified by: {}, MT(ASCP)\n",
        &[(format!("{}. {}", &t.0[..1], t.1), Name)],
        false,
    );
}

fn referral_us(g: &mut Gen) {
    let (me, to, p) = (g.person(), g.person(), g.person());
    let (town, state) = g.town(US_TOWNS);
    let zip = if g.chance(1, 4) {
        format!("{}-{}", g.digits(5), g.digits(4))
    } else {
        g.digits(5)
    };
    let phone = g.phone_us();
    let (when, dob) = (g.ymd(2016, 2025), g.ymd(1930, 2010));
    let mut v = vec![
        (g.us_facility(), Organization),
        (g.street(false), Address),
        (town.to_string(), Location),
        (zip, Zip),
        (phone.clone(), Phone),
        (g.phone_us(), Fax),
    ];
    let mut tpl = format!("{{}}\n{{}}\n{{}}, {state} {{}}\nPhone: {{}}   Fax: {{}}\n");
    if g.chance(1, 3) {
        v.push((
            format!("{}.{}@example.org", me.0, me.1).to_lowercase(),
            Email,
        ));
        tpl.push_str("Email: {}\n");
    }
    v.extend([
        (g.date_us(when, 4), Date),
        (g.full(&to), Name),
        (g.us_facility(), Organization),
        (format!("{} {}", p.0, p.1), Name),
        (g.date_us(dob, 0), Date),
        (to.1.clone(), Name),
    ]);
    tpl.push_str("\n{}\n\nDr. {}\n{}\n\nRe: {}, DOB {}\n\nDear Dr. {},\n\n");
    g.fill(&tpl, &v, false);
    let title = g.pick("Mr.|Mrs.|Ms.");
    g.fill(
        &format!("Thank you for seeing {title} {{}}, a "),
        &[(p.1.clone(), Name)],
        true,
    );
    g.age("-year-old patient of mine. ");
    let b = g.take(3);
    let v = [(phone, Phone), (format!("{} {}", me.0, me.1), Name)];
    let tpl = format!(
        "{b}\n\nPlease call my office at {{}} with any questions.\n\nSincerely,\n\n{{}}, MD\n"
    );
    g.fill(&tpl, &v, true);
}

fn letter_uk(g: &mut Gen) {
    let style = g.rng.below(5);
    let (to, p, gp) = (g.person(), g.person(), g.person());
    let practice = match g.rng.below(3) {
        0 => format!("{} Surgery", g.pick(STREETS)),
        1 => format!("{} Medical Practice", g.surname()),
        _ => format!("{} House Surgery", g.surname()),
    };
    let (town, area) = g.town(UK_TOWNS);
    let town_line = if g.chance(1, 3) {
        town.to_uppercase()
    } else {
        town.to_string()
    };
    let hosp = match g.rng.below(3) {
        0 => format!("{town} Royal Infirmary"),
        1 => format!("{town} General Hospital"),
        _ => format!("St {}'s Hospital", g.first()),
    };
    let (when, dob) = (g.ymd(2016, 2025), g.ymd(1930, 2008));
    let dept = g.pick("Cardiology|Respiratory Medicine|Gastroenterology|Rheumatology");
    let title = g.pick("Mrs|Mr|Ms|Miss");
    let valid = g.chance(1, 2);
    let (nl, nd) = (1 + g.rng.below(2), 6 + g.rng.below(2));
    let letters: String = (0..nl)
        .map(|_| char::from(b'A' + g.rng.below(26) as u8))
        .collect();
    let v = [
        (practice, Organization),
        (g.street(true), Address),
        (town_line, Location),
        (g.postcode(area), Address),
        (g.phone_uk(), Phone),
        (g.date_uk(when, style), Date),
        (g.full(&to), Name),
        (hosp, Organization),
        (to.1.clone(), Name),
        (format!("{} {}", p.0, p.1), Name),
        (g.date_uk(dob, 1), Date),
        (g.nhs_number(valid), Id),
        (format!("{letters}{}", g.digits(nd)), Id),
    ];
    let tpl = format!(
        "{{}}\n{{}}\n{{}}\n{{}}\nTel: {{}}\n\n{{}}\n\nDr {{}}\nDepartment of {dept}\n{{}}\n\n\
         Dear Dr {{}}\n\nRe: {title} {{}}, DOB {{}}\nNHS Number: {{}}\nHospital Number: {{}}\n\n\
         I would be grateful if you could see this "
    );
    g.fill(&tpl, &v, false);
    g.age("-year-old patient. ");
    let b = g.take(3);
    let last = g.ymd(when.0 - 1, when.0 - 1);
    let v = [
        (p.1, Name),
        (g.date_uk(last, 0), Date),
        (format!("{} {}", gp.0, gp.1), Name),
    ];
    let tpl = format!(
        "{title} {{}} reports the following. {b}\n\nThe patient was last reviewed here on {{}}. \
         Many thanks for your help.\n\nYours sincerely\n\n\nDr {{}}\nGeneral Practitioner\n"
    );
    g.fill(&tpl, &v, true);
}

fn fax_cover(g: &mut Gen) {
    let style = g.rng.below(7);
    let (to, p) = (g.person(), g.person());
    let head = g.pick("FAX|FACSIMILE TRANSMITTAL|FAX COVER SHEET");
    let pages = 2 + g.rng.below(12);
    let when = g.ymd(2016, 2025);
    let v = [
        (g.full(&to), Name),
        (g.phone_us(), Fax),
        (g.us_facility(), Organization),
        (g.phone_us(), Phone),
        (g.date_us(when, style), Date),
        (format!("{} {}", p.0, p.1), Name),
    ];
    let tpl = format!(
        "{head}\nTo: {{}}\nFax: {{}}\nFrom: {{}}\nPhone: {{}}\nDate: {{}}\nRe: {{}}\n\
         Pages: {pages} (including cover)\n\n"
    );
    g.fill(&tpl, &v, false);
    let m = g.take(1);
    g.body(&format!(
        "Message: Please find attached records for the above patient. {m}\n\n"
    ));
    g.body(
        "CONFIDENTIALITY NOTICE: This facsimile contains confidential health information \
         intended only for the named recipient. If you have received it in error, please \
         notify the sender by telephone and destroy all copies.\n",
    );
}

/// Seed of document `i`: depends only on (`seed`, `genre`, `i`).
fn doc_seed(seed: u64, genre: Genre, i: usize) -> u64 {
    let g = Genre::ALL.iter().position(|x| *x == genre).unwrap_or(0) as u64;
    mix(seed ^ mix(g + 1) ^ mix((i as u64).wrapping_add(0x5EED)))
}

/// One document and the exact strings inserted as its spans (same order).
fn build(carriers: &[&str], genre: Genre, seed: u64) -> (Example, Vec<String>) {
    let mut g = Gen::new(carriers, seed);
    match genre {
        Genre::Nursing => nursing(&mut g),
        Genre::Discharge => discharge(&mut g),
        Genre::Radiology => radiology(&mut g),
        Genre::Lab => lab(&mut g),
        Genre::ReferralUs => referral_us(&mut g),
        Genre::LetterUk => letter_uk(&mut g),
        Genre::FaxCover => fax_cover(&mut g),
    }
    let ex = Example {
        text: g.text,
        spans: g.spans,
    };
    (ex, g.inserted)
}

/// `n` labelled documents of `genre` built around sentences of `carriers` (1–3 chosen per
/// document; built-in clinical sentences stand in when there are none). Spans are byte
/// offsets into each text. Document `i` depends only on (`seed`, `genre`, `i`), so a larger
/// `n` extends a smaller one.
pub fn generate(carriers: &[&str], genre: Genre, seed: u64, n: usize) -> Vec<Example> {
    (0..n)
        .map(|i| {
            let (ex, inserted) = build(carriers, genre, doc_seed(seed, genre, i));
            debug_assert!(ex
                .spans
                .iter()
                .zip(&inserted)
                .all(|(&(a, b, _), v)| ex.text[a..b] == *v));
            ex
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARRIERS: &[&str] = &[
        "PAST MEDICAL HISTORY:, He has difficulty climbing stairs and lifting objects off the \
         floor.  He exercises three times a week at home and does cardio.,SOCIAL HISTORY:, He is \
         currently single.  He had smoked significantly up until several months ago.",
        "PREOPERATIVE DIAGNOSIS: , Acquired nasal septal deformity.,PROCEDURES:,1.  Open \
         septorhinoplasty with placement of bilateral spreader grafts.,FINDINGS:  ,1.  The patient \
         had a marked dorsal hump, which was both bony and cartilaginous.  Temperature was \
         37.5 °C and the wound looked clean.",
        "HISTORY OF PRESENT ILLNESS:, This 67-year-old woman presents with worsening dyspnea on \
         exertion over the past three weeks.  She reports orthopnea and bilateral leg swelling.",
    ];

    fn all(n: usize) -> Vec<(Genre, Example, Vec<String>)> {
        let each = |g: Genre| (0..n).map(move |i| (g, build(CARRIERS, g, doc_seed(7, g, i))));
        Genre::ALL
            .into_iter()
            .flat_map(each)
            .map(|(g, (e, v))| (g, e, v))
            .collect()
    }

    #[test]
    fn deterministic_and_prefix_stable() {
        for g in Genre::ALL {
            let (a, b) = (generate(CARRIERS, g, 42, 6), generate(CARRIERS, g, 42, 6));
            for (x, y) in a.iter().zip(&b) {
                assert_eq!((&x.text, &x.spans), (&y.text, &y.spans));
            }
            assert_eq!(a[2].text, generate(CARRIERS, g, 42, 3)[2].text);
            assert_ne!(a[0].text, generate(CARRIERS, g, 43, 1)[0].text);
        }
    }

    #[test]
    fn spans_are_exact_on_boundaries_and_disjoint() {
        for (g, ex, ins) in all(40) {
            assert_eq!(ex.spans.len(), ins.len());
            let mut prev = 0;
            for (&(a, b, _), v) in ex.spans.iter().zip(&ins) {
                assert!(a < b && a >= prev, "{g:?}: bad span {a}..{b}");
                assert!(ex.text.is_char_boundary(a) && ex.text.is_char_boundary(b));
                assert_eq!(&ex.text[a..b], v, "{g:?}");
                assert_eq!(v.trim(), v, "{g:?}: span with outer whitespace");
                prev = b;
            }
        }
    }

    #[test]
    fn every_document_has_name_and_date_and_old_ages_only() {
        let mut ages = 0;
        for (g, ex, _) in all(30) {
            for cat in [Name, Date] {
                assert!(
                    ex.spans.iter().any(|s| s.2 == cat),
                    "{g:?} lacks {cat:?}:\n{}",
                    ex.text
                );
            }
            for &(a, b, _) in ex.spans.iter().filter(|s| s.2 == Age) {
                assert!(ex.text[a..b].parse::<u32>().unwrap() >= 90);
                ages += 1;
            }
        }
        assert!(ages > 0);
    }

    #[test]
    fn nursing_is_all_caps_or_all_lower() {
        let (mut upper, mut lower) = (0, 0);
        for ex in generate(CARRIERS, Genre::Nursing, 3, 30) {
            let has_lower = ex.text.chars().any(|c| c.is_ascii_lowercase());
            let has_upper = ex.text.chars().any(|c| c.is_ascii_uppercase());
            assert!(!(has_lower && has_upper), "{}", ex.text);
            if has_upper {
                upper += 1
            } else {
                lower += 1
            }
        }
        assert!(upper > 0 && lower > 0);
    }

    #[test]
    fn uk_letters_have_nhs_numbers_valid_and_invalid() {
        let (mut valid, mut invalid) = (0, 0);
        for ex in generate(CARRIERS, Genre::LetterUk, 5, 40) {
            let is_nhs =
                |t: &&str| t.len() == 12 && t.as_bytes()[3] == b' ' && t.as_bytes()[7] == b' ';
            let ids = ex
                .spans
                .iter()
                .filter(|s| s.2 == Id)
                .map(|s| &ex.text[s.0..s.1]);
            let nhs: Vec<&str> = ids.filter(is_nhs).collect();
            assert_eq!(nhs.len(), 1, "{}", ex.text);
            if nhs_valid(nhs[0]) {
                valid += 1
            } else {
                invalid += 1
            }
        }
        assert!(valid > 5 && invalid > 5);
        assert!(nhs_valid("943 476 5919") && !nhs_valid("943 476 5918"));
    }

    #[test]
    fn carriers_are_used_and_empty_carriers_work() {
        let words = [
            "septorhinoplasty",
            "dyspnea",
            "stairs",
            "orthopnea",
            "septal",
        ];
        let ex = generate(CARRIERS, Genre::Discharge, 1, 10);
        assert!(ex.iter().any(|e| words.iter().any(|w| e.text.contains(w))));
        assert!(generate(&[], Genre::Radiology, 1, 3)
            .iter()
            .all(|e| !e.spans.is_empty()));
        let s = sentences(CARRIERS[0]);
        assert!(
            !s.is_empty() && s.iter().all(|x| !x.contains("HISTORY")),
            "{s:?}"
        );
    }

    #[test]
    fn genre_names_round_trip() {
        for g in Genre::ALL {
            assert_eq!(Genre::parse(g.as_str()), Some(g));
        }
        assert_eq!(Genre::parse("nope"), None);
    }
}
