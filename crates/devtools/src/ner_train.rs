//! Offline training of the NER model: deterministic synthetic clinical sentences with known
//! spans (names from the packaged census lists); a linear BIO head trained with AdamW on
//! candle over frozen encoder features, then the encoder's top layers fine-tuned together
//! with the head; thresholds chosen on a validation slice for a target recall, and scores
//! on a held-back slice that is never trained on.

use std::collections::HashMap;

use candle_core::{DType, Device, Tensor, Var, D};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};

use crate::testpdf::Lcg;
use deid_core::error::{Error, Result};
use deid_core::ner::{Encoder, NER_CATEGORIES, N_LABELS};
use deid_core::types::Category;

/// One generated example: text and (byte start, byte end, category) spans.
#[derive(Debug, Clone)]
pub struct Example {
    pub text: String,
    pub spans: Vec<(usize, usize, Category)>,
}

/// The census name lists (also used by `realistic.rs` for its surrogates).
pub(crate) const FIRST: &str = include_str!("../../../assets/dict/first_names.txt");
pub(crate) const LAST: &str = include_str!("../../../assets/dict/surnames.txt");
const CITIES: &[&str] = &[
    "Springfield",
    "Riverside",
    "Fairview",
    "Madison",
    "Georgetown",
    "Salem",
    "Franklin",
    "Clinton",
    "Bristol",
    "Dayton",
    "Portland",
    "Boulder",
    "Ashland",
    "Lexington",
    "Greenville",
    "Oakland",
    "Burlington",
    "Manchester",
    "Milton",
    "Newport",
    "Kingston",
    "Hudson",
    "Marion",
    "Dover",
];
const STATES: &[&str] = &[
    "IL", "OH", "CA", "NY", "TX", "MA", "OR", "CO", "ME", "WA", "PA", "FL",
];
const STREETS: &[&str] = &[
    "Maple",
    "Oak",
    "Cedar",
    "Elm",
    "Pine",
    "Lake",
    "Hill",
    "Park",
    "Washington",
    "Birch",
];
const SUFFIX: &[&str] = &[
    "Street", "St.", "Avenue", "Ave", "Road", "Rd", "Lane", "Drive", "Court",
];
const ORGS: &[&str] = &[
    "General Hospital",
    "Medical Center",
    "Community Clinic",
    "Health System",
    "Family Practice",
    "Cardiology Associates",
];
const NEGATIVE: &[&str] = &[
    "Continue metformin 500 mg twice daily and recheck HbA1c in three months.",
    "Parkinson disease and Hodgkin lymphoma were excluded.",
    "Blood pressure 128/82, heart rate 74, temperature 36.8.",
    "The patient was started on Lasix and Coumadin with INR monitoring.",
    "Follow-up in 2 weeks with repeat CBC and BMP.",
    "No known drug allergies. Denies chest pain or shortness of breath.",
    "Apgar scores were 8 and 9. Glasgow Coma Scale 15.",
    "Assessment and Plan: stable, continue current management.",
];

struct Gen {
    rng: Lcg,
    first: Vec<&'static str>,
    last: Vec<&'static str>,
}

impl Gen {
    /// A generator over the census name lists.
    fn new(seed: u64) -> Gen {
        Gen {
            rng: Lcg(seed),
            first: FIRST.lines().filter(|l| l.len() > 1).collect(),
            last: LAST.lines().filter(|l| l.len() > 1).collect(),
        }
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.rng.below(v.len())]
    }
    fn name(&mut self) -> String {
        let f = self.first[self.rng.below(self.first.len())];
        let l = self.last[self.rng.below(self.last.len().min(8000))];
        let n = match self.rng.below(10) {
            0 => format!("{l}, {f}"),
            1 => format!("{}. {l}", &f[..1]),
            2 => format!(
                "{f} {} {l}",
                &self.first[self.rng.below(self.first.len())][..1]
            ),
            _ => format!("{f} {l}"),
        };
        match self.rng.below(12) {
            0 => n.to_uppercase(),
            1 => n.to_lowercase(),
            _ => n,
        }
    }
    fn date(&mut self) -> String {
        let (m, d, y) = (
            1 + self.rng.below(12),
            1 + self.rng.below(28),
            1930 + self.rng.below(95),
        );
        const MONTHS: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        match self.rng.below(6) {
            0 => format!("{m:02}/{d:02}/{y}"),
            1 => format!("{m}/{d}/{}", y % 100),
            2 => format!("{y}-{m:02}-{d:02}"),
            3 => format!("{} {d}, {y}", MONTHS[m - 1]),
            4 => format!("{d} {} {y}", &MONTHS[m - 1][..3]),
            _ => format!("{d:02}.{m:02}.{y}"),
        }
    }
    fn id(&mut self) -> String {
        let n = self.rng.next_u64() % 100_000_000;
        match self.rng.below(4) {
            0 => format!("{n:08}"),
            1 => format!("MRN{n:07}"),
            2 => format!(
                "{}-{:04}-{}",
                ["ST", "HX", "PT"][self.rng.below(3)],
                n % 10_000,
                (b'A' + (n % 26) as u8) as char
            ),
            _ => format!("{:03}-{:02}-{:04}", n % 1000, n % 100, n % 10_000),
        }
    }
    fn phone(&mut self) -> String {
        let (a, b, c) = (
            200 + self.rng.below(800),
            200 + self.rng.below(800),
            self.rng.below(10_000),
        );
        match self.rng.below(3) {
            0 => format!("({a}) {b}-{c:04}"),
            1 => format!("{a}-{b}-{c:04}"),
            _ => format!("{a}.{b}.{c:04}"),
        }
    }
}

/// Organisation names as notes give them, for `org_contexts`.
impl Gen {
    fn organisation(&mut self) -> String {
        let town = self.pick(CITIES).to_string();
        let surname = title(self.last[self.rng.below(self.last.len().min(3000))]);
        let pick = |g: &mut Gen, v: &[&str]| g.pick(v).to_string();
        match self.rng.below(8) {
            // a facility from the packaged provider list, full or as known alone
            0 | 1 => {
                let list: Vec<&str> = FACILITIES
                    .lines()
                    .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                    .collect();
                title(list[self.rng.below(list.len())])
            }
            2 => {
                let k = pick(
                    self,
                    &["General", "Regional", "Medical", "Memorial", "Baptist"],
                );
                format!("{town} {k}")
            }
            3 => {
                let k = pick(
                    self,
                    &[
                        "VNA of {t}",
                        "{t} Visiting Nurses",
                        "{t} Council on Aging",
                        "Elder Services of {t}",
                        "{t} Home Care",
                        "{s} Home Health",
                        "{t} Ambulance",
                        "{s} EMS",
                        "Hospice of {t}",
                        "Pediatric Associates of {t}",
                    ],
                );
                k.replace("{t}", &town).replace("{s}", &surname)
            }
            4 => {
                let k = pick(
                    self,
                    &[
                        "Construction",
                        "Electric Co",
                        "Logistics",
                        "Plumbing",
                        "Analytics",
                        "Trucking",
                        "& Sons",
                        "Elementary",
                        "Beverages",
                        "Insurance",
                    ],
                );
                format!("{surname} {k}")
            }
            5 => {
                let k = pick(
                    self,
                    &[
                        "{s} Manor",
                        "{s} Commons",
                        "{s} House",
                        "Care One at {t}",
                        "{s} at {t}",
                        "{s} Ridge",
                        "{s} Village",
                        "{t} Public Schools",
                    ],
                );
                k.replace("{t}", &town).replace("{s}", &surname)
            }
            // an acronym of a facility's name ("SGH", "DMC", "BRMC")
            6 => {
                let k = pick(self, &["GH", "MC", "RMC", "CH", "MH"]);
                format!("{}{k}", &town[..1])
            }
            _ => surname,
        }
    }
}

/// `s` with each word capitalised but for the short function words.
fn title(s: &str) -> String {
    s.split(' ')
        .map(|w| match w {
            "of" | "and" | "at" | "the" | "for" => w.to_string(),
            _ => {
                let mut c = w.chars();
                c.next().map_or(String::new(), |f| {
                    f.to_uppercase()
                        .chain(c.flat_map(char::to_lowercase))
                        .collect()
                })
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Fill a template; `{X}` slots become spans.
fn fill(g: &mut Gen, template: &str) -> Example {
    let mut text = String::new();
    let mut spans = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        text.push_str(&rest[..i]);
        let j = rest[i..].find('}').map(|j| i + j).unwrap_or(rest.len() - 1);
        let slot = &rest[i + 1..j];
        let (value, cat) = match slot {
            "NAME" => (g.name(), Category::Name),
            "DATE" => (g.date(), Category::Date),
            "AGE" => ((90 + g.rng.below(15)).to_string(), Category::Age),
            "ID" => (g.id(), Category::Id),
            "PHONE" => (g.phone(), Category::Phone),
            "EMAIL" => {
                let n = g.name().to_lowercase().replace([' ', ',', '.'], "");
                (format!("{n}@example.org"), Category::Email)
            }
            "ADDRESS" => {
                let v = format!(
                    "{} {} {}",
                    1 + g.rng.below(9000),
                    g.pick(STREETS),
                    g.pick(SUFFIX)
                );
                (v, Category::Address)
            }
            "CITY" => (g.pick(CITIES).to_string(), Category::Location),
            "STATE" => (g.pick(STATES).to_string(), Category::Location),
            "ZIP" => (
                format!("{:05}", 10_000 + g.rng.below(89_999)),
                Category::Zip,
            ),
            "FAC" => (g.organisation(), Category::Organization),
            "YY" => (format!("{:02}", g.rng.below(100)), Category::Date),
            _ => {
                let v = format!("{} {}", g.pick(CITIES), g.pick(ORGS));
                (v, Category::Organization)
            }
        };
        spans.push((text.len(), text.len() + value.len(), cat));
        text.push_str(&value);
        rest = &rest[j + 1..];
    }
    text.push_str(rest);
    Example { text, spans }
}

const TEMPLATES: &[&str] = &[
    "Patient: {NAME}   DOB: {DATE}   MRN: {ID}",
    "{NAME} is a {AGE}-year-old woman seen today at {ORG}.",
    "I saw {NAME} in clinic on {DATE} for follow-up of hypertension.",
    "Referred by Dr. {NAME} from {ORG}, {CITY}, {STATE}.",
    "Discharge summary for {NAME}, admitted {DATE}, discharged {DATE}.",
    "Please call {PHONE} or write to {EMAIL} with questions.",
    "Lives at {ADDRESS}, {CITY}, {STATE} {ZIP} with her daughter {NAME}.",
    "Electronically signed by {NAME}, MD on {DATE}.",
    "Subject ID {ID} completed visit 3 on {DATE}.",
    "{NAME} was transferred to {ORG} for further care.",
    "Emergency contact: {NAME} ({PHONE}).",
    "cc: {NAME}; {NAME}",
    "Mr. {NAME} reports improvement since his last visit to {CITY}.",
    "Specimen collected {DATE}, accession {ID}, ordered by {NAME}.",
    "FAX TO: {NAME} at {ORG}  FAX: {PHONE}",
    "{NAME} and {NAME} attended the family meeting.",
    "Seen with {NAME} today; plan discussed with {NAME}.",
    "Address: {ADDRESS}, {CITY} {ZIP}",
    "The patient, {NAME}, age {AGE}, was seen on {DATE}.",
    "{ORG} Department of Medicine, {CITY}, {STATE}",
];

/// Facility names of the packaged provider list (lower case, one per line).
const FACILITIES: &str = include_str!("../../../assets/dict/facilities.txt");

/// Where notes name an organisation: a facility, agency, employer or residence after a verb
/// of moving, care, living or work, in nursing shorthand. `{FAC}` is the organisation.
const ORG_FRAMES: &[&str] = &[
    "Transferred from {FAC} for further management.",
    "Pt is an 81 yo M from {FAC} admitted with urosepsis.",
    "Old records from {FAC} requested.",
    "PCP is Dr. {NAME} at {FAC}, notified of admission.",
    "Followed at {FAC} for diabetic retinopathy, last laser 2 yrs ago.",
    "Pt works at {FAC} in {CITY}, concerned about missing work.",
    "Works as an electrician for {FAC}.",
    "Referrals sent to {FAC} and {FAC}, awaiting screens.",
    "Screened for rehab, accepted at {FAC}, bed available {DATE}.",
    "Outpt HD will be set up at {FAC} MWF.",
    "VNA visit arranged w/ {FAC} for next week.",
    "Gets meals on wheels through {FAC}.",
    "Insurance is Medicare + {FAC} secondary.",
    "NH resident ({FAC}), baseline confused.",
    "Hx HTN, DM2, CABG in {YY} at {FAC}, PVD.",
    "Ambulance w/ {FAC} booked for 1400.",
    "Transported by {FAC} team on CPAP +5.",
    "Prior detox x4, last at {FAC} in {CITY}.",
    "Referred for transplant at {FAC}, coordinator aware.",
    "Surgeon Dr. {NAME} from {FAC} saw pt this am.",
    "Family prefers {FAC} or {FAC} given proximity.",
    "Lives at {FAC}, needs assist with ADLs.",
    "Taken to {FAC}, then transferred here by {FAC}.",
    "Discharged to {FAC} for short term rehab.",
    "Home with services from {FAC} for PT/OT/RN.",
    "Seen in {FAC} ED with chest pain, sent in for cath.",
    "Retired bus driver ({FAC}), lives with wife.",
    "Her teacher at {FAC} called with concerns.",
    "Graduate student at {FAC}, here for evaluation of headaches.",
    "Outside films from {FAC} reviewed with radiology.",
];

/// Fillers that are no organisation, for the same frames as negatives.
const ORG_NEGATIVE: &[&str] = &[
    "the MICU",
    "home",
    "rehab",
    "the floor",
    "the ED",
    "an outside hospital",
    "the clinic",
    "his PCP",
    "PT",
    "a nursing home",
    "the OR",
    "dialysis",
    "the cath lab",
    "the unit",
    "hospice",
    "the VNA",
    "CT",
    "the SICU",
    "the ER",
    "a rehab facility",
    "elder services",
    "the local hospital",
];

/// Organisations in context (`ORG_FRAMES`); every third sentence fills the frame with an
/// ordinary phrase instead and has no organisation span.
pub fn org_contexts(seed: u64, n: usize) -> Vec<Example> {
    let mut g = Gen::new(seed ^ 0x5EED_0F0A_C0DE_F00D);
    (0..n)
        .map(|i| {
            let frame = g.pick(ORG_FRAMES).to_string();
            let frame = if i % 3 == 2 {
                let mut f = frame;
                while f.contains("{FAC}") {
                    let neg = g.pick(ORG_NEGATIVE);
                    f = f.replacen("{FAC}", neg, 1);
                }
                f
            } else {
                frame
            };
            fill(&mut g, &frame)
        })
        .collect()
}

/// Deterministic examples: every fourth one is a PHI-free clinical sentence.
pub fn generate(seed: u64, n: usize) -> Vec<Example> {
    let mut g = Gen::new(seed ^ 0xD1B5_4A32_D192_ED03);
    (0..n)
        .map(|i| {
            if i % 4 == 3 {
                Example {
                    text: g.pick(NEGATIVE).to_string(),
                    spans: Vec::new(),
                }
            } else {
                let t = g.pick(TEMPLATES);
                fill(&mut g, t)
            }
        })
        .collect()
}

/// Cut an example into encoder-sized windows, keeping the spans inside each.
pub fn windowed(ex: &Example) -> Vec<Example> {
    windowed_at(ex).into_iter().map(|(_, w)| w).collect()
}

/// [`windowed`], each window with its byte offset in the example's text.
pub fn windowed_at(ex: &Example) -> Vec<(usize, Example)> {
    deid_core::ner::windows(&ex.text)
        .into_iter()
        .map(|(off, w)| {
            let window = Example {
                text: w.to_string(),
                spans: ex
                    .spans
                    .iter()
                    .filter(|(a, b, _)| *a >= off && *b <= off + w.len())
                    .map(|(a, b, c)| (a - off, b - off, *c))
                    .collect(),
            };
            (off, window)
        })
        .collect()
}

/// A gold record (code-point offsets, any label scheme) as an example in the model's
/// categories; labels that are not PHI are dropped.
pub fn from_gold(d: &crate::eval::GoldDoc) -> Example {
    let byte_at: Vec<usize> = d
        .text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(d.text.len()))
        .collect();
    let spans = d
        .spans
        .iter()
        .filter_map(|g| {
            let c = match crate::eval::map_label(&g.label)? {
                Category::Ssn | Category::Ip => Category::Id,
                Category::Fax => Category::Phone,
                Category::Url => Category::Email,
                c => c,
            };
            Some((*byte_at.get(g.start)?, *byte_at.get(g.end)?, c))
        })
        .filter(|(a, b, _)| a < b)
        .collect();
    Example {
        text: d.text.clone(),
        spans,
    }
}

/// Documents whose sha256(id) starts with an even byte are the held-back half of a corpus
/// set (never trained on; `pdf-deid eval --held-back` scores exactly these).
pub fn is_held_back(id: &serde_json::Value) -> bool {
    let h = deid_core::hash::sha256_hex(id.to_string().as_bytes());
    u8::from_str_radix(&h[..2], 16).is_ok_and(|b| b % 2 == 0)
}

fn ml(e: candle_core::Error) -> Error {
    Error::Detect(format!("training: {e}"))
}

/// BIO label of every real token of one encoded example: (position in the window, label).
fn token_labels(e: &Example, en: &deid_core::ner::Encoded) -> Vec<(usize, u32)> {
    let mut out = Vec::new();
    let mut prev: Option<usize> = None;
    for (ti, &(s, _)) in en.offsets.iter().enumerate() {
        if !en.real.get(ti).copied().unwrap_or(false) {
            continue;
        }
        let span = e.spans.iter().position(|(a, b, _)| s >= *a && s < *b);
        let label = match span {
            None => 0,
            Some(k) => {
                let c = NER_CATEGORIES
                    .iter()
                    .position(|c| *c == e.spans[k].2)
                    .unwrap_or(0);
                1 + 2 * c + usize::from(prev == Some(k))
            }
        };
        prev = span;
        out.push((ti, label as u32));
    }
    out
}

/// Token features and BIO labels for examples (frozen encoder).
pub fn featurise(enc: &Encoder, ex: &[Example]) -> Result<(Vec<f32>, Vec<u32>, usize)> {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    let mut dim = 0;
    for chunk in ex.chunks(64) {
        let texts: Vec<&str> = chunk.iter().map(|e| e.text.as_str()).collect();
        let encs = enc.encode(&texts)?;
        let f = enc.features(&texts, &encs)?;
        let (_, t, d) = f.dims3().map_err(ml)?;
        dim = d;
        let f: Vec<Vec<Vec<f32>>> = f.to_vec3().map_err(ml)?;
        for (bi, (e, en)) in chunk.iter().zip(&encs).enumerate() {
            for (ti, label) in token_labels(e, en) {
                if ti < t {
                    xs.extend_from_slice(&f[bi][ti]);
                    ys.push(label);
                }
            }
        }
    }
    Ok((xs, ys, dim))
}

/// How the encoder's top layers are fine-tuned together with the head.
#[derive(Debug, Clone, Copy)]
pub struct FineTune {
    /// trainable top layers (the others stay frozen and are run once)
    pub layers: usize,
    pub epochs: usize,
    /// AdamW learning rates, decayed linearly to zero over the run
    pub lr_encoder: f64,
    pub lr_head: f64,
    pub batch: usize,
    pub seed: u64,
}

/// One training batch: hidden states below the trainable layers (computed once, no
/// gradient), its mask and casing features, and the rows/labels of its real tokens.
struct TuneBatch {
    hidden: Tensor,
    mask: Tensor,
    case: Tensor,
    rows: Tensor,
    labels: Tensor,
}

/// The fine-tuned result: the trainable layers' weights by name (rounded to f16, the form
/// they are stored in; the encoder already computes with exactly these) and the head.
pub struct Tuned {
    pub layers: Vec<(String, Tensor)>,
    /// Indices of the encoder layers those weights replace.
    pub layer_indices: Vec<usize>,
    pub w: Tensor,
    pub b: Tensor,
}

/// Fine-tune the top `ft.layers` encoder layers and the head `(w, b)` on `ex` with token
/// cross-entropy. `progress(epoch, mean loss)` is called after each epoch.
pub fn fine_tune(
    enc: &mut Encoder,
    w: &Tensor,
    b: &Tensor,
    ex: &[Example],
    ft: &FineTune,
    mut progress: impl FnMut(usize, f32),
) -> Result<Tuned> {
    let n_layers = enc.bert.num_layers();
    let k = ft.layers.clamp(1, n_layers);
    let from = n_layers - k;
    let mut order: Vec<usize> = (0..ex.len()).collect();
    order.sort_by_key(|&i| ex[i].text.len());
    let mut batches = Vec::new();
    for chunk in order.chunks(ft.batch.max(1)) {
        let texts: Vec<&str> = chunk.iter().map(|&i| ex[i].text.as_str()).collect();
        let encs = enc.encode(&texts)?;
        let (ids, mask, case) = enc.inputs(&texts, &encs)?;
        let t = ids.dim(1).map_err(ml)?;
        let (mut rows, mut labels) = (Vec::new(), Vec::new());
        for (bi, (&i, en)) in chunk.iter().zip(&encs).enumerate() {
            for (ti, label) in token_labels(&ex[i], en) {
                rows.push((bi * t + ti) as u32);
                labels.push(label);
            }
        }
        if rows.is_empty() {
            continue;
        }
        let hidden = enc.bert.lower(&ids, &mask, from).map_err(ml)?.detach();
        let n = rows.len();
        batches.push(TuneBatch {
            hidden,
            mask,
            case,
            rows: Tensor::from_vec(rows, n, &enc.device).map_err(ml)?,
            labels: Tensor::from_vec(labels, n, &enc.device).map_err(ml)?,
        });
    }
    let vars = enc.bert.trainable_top(k).map_err(ml)?;
    enc.bert.set_differentiable(true);
    let wv = Var::from_tensor(w).map_err(ml)?;
    let bv = Var::from_tensor(b).map_err(ml)?;
    let mut opt_enc = AdamW::new(
        vars.iter().map(|(_, v)| v.clone()).collect(),
        ParamsAdamW {
            lr: ft.lr_encoder,
            weight_decay: 0.01,
            ..Default::default()
        },
    )
    .map_err(ml)?;
    let mut opt_head = AdamW::new(
        vec![wv.clone(), bv.clone()],
        ParamsAdamW {
            lr: ft.lr_head,
            weight_decay: 1e-4,
            ..Default::default()
        },
    )
    .map_err(ml)?;
    let total = (ft.epochs * batches.len()).max(1);
    let mut step = 0;
    let mut rng = Lcg(ft.seed ^ 0x5EED);
    let mut sequence: Vec<usize> = (0..batches.len()).collect();
    let trained = (|| -> candle_core::Result<()> {
        for epoch in 0..ft.epochs {
            for i in (1..sequence.len()).rev() {
                sequence.swap(i, rng.below(i + 1));
            }
            let mut loss_sum = 0.0f32;
            for &bi in &sequence {
                let tb = &batches[bi];
                let decay = 1.0 - step as f64 / total as f64;
                opt_enc.set_learning_rate(ft.lr_encoder * decay);
                opt_head.set_learning_rate(ft.lr_head * decay);
                let h = enc.bert.upper(&tb.hidden, &tb.mask, from)?;
                let x = Tensor::cat(&[&h, &tb.case], D::Minus1)?;
                let (bsz, t, f) = x.dims3()?;
                let logits = x
                    .reshape((bsz * t, f))?
                    .matmul(wv.as_tensor())?
                    .broadcast_add(bv.as_tensor())?
                    .index_select(&tb.rows, 0)?;
                let loss = candle_nn::loss::cross_entropy(&logits, &tb.labels)?;
                let grads = loss.backward()?;
                opt_enc.step(&grads)?;
                opt_head.step(&grads)?;
                loss_sum += loss.to_scalar::<f32>()?;
                step += 1;
            }
            progress(epoch, loss_sum / batches.len().max(1) as f32);
        }
        Ok(())
    })();
    enc.bert.set_differentiable(false);
    trained.map_err(ml)?;
    // store in f16 and compute with exactly what is stored (detached: no graph kept)
    let mut layers = Vec::new();
    let mut map = HashMap::new();
    for (name, v) in &vars {
        let t = v.as_tensor().detach().to_dtype(DType::F16).map_err(ml)?;
        map.insert(name.clone(), t.clone());
        layers.push((name.clone(), t));
    }
    let layer_indices = enc.bert.overlay(&map).map_err(ml)?;
    Ok(Tuned {
        layers,
        layer_indices,
        w: wv.as_tensor().detach(),
        b: bv.as_tensor().detach(),
    })
}

/// Train the head: returns (w (dim, N_LABELS), b (N_LABELS)).
pub fn train_head(xs: &[f32], ys: &[u32], dim: usize, epochs: usize) -> Result<(Tensor, Tensor)> {
    let dev = Device::Cpu;
    let n = ys.len();
    let x = Tensor::from_slice(xs, (n, dim), &dev).map_err(ml)?;
    let y = Tensor::from_slice(ys, n, &dev).map_err(ml)?;
    let w = Var::from_tensor(&(Tensor::randn(0f32, 0.02, (dim, N_LABELS), &dev).map_err(ml)?))
        .map_err(ml)?;
    let b = Var::zeros(N_LABELS, DType::F32, &dev).map_err(ml)?;
    let mut opt = AdamW::new(
        vec![w.clone(), b.clone()],
        ParamsAdamW {
            lr: 3e-3,
            weight_decay: 1e-4,
            ..Default::default()
        },
    )
    .map_err(ml)?;
    let batch = 2048;
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut rng = Lcg(17);
    for _ in 0..epochs {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for chunk in order.chunks(batch) {
            let idx = Tensor::from_slice(chunk, chunk.len(), &dev).map_err(ml)?;
            let xb = x.index_select(&idx, 0).map_err(ml)?;
            let yb = y.index_select(&idx, 0).map_err(ml)?;
            let logits = xb
                .matmul(w.as_tensor())
                .and_then(|l| l.broadcast_add(b.as_tensor()))
                .map_err(ml)?;
            let loss = candle_nn::loss::cross_entropy(&logits, &yb).map_err(ml)?;
            opt.backward_step(&loss).map_err(ml)?;
        }
    }
    Ok((w.as_tensor().clone(), b.as_tensor().clone()))
}

/// Per-category threshold: the highest mean-probability cut-off that keeps at least
/// `target` of the validation entities of that category (recall-biased), else 0.3.
pub fn choose_thresholds(
    found: &HashMap<Category, Vec<f32>>,
    target: f64,
) -> HashMap<Category, f32> {
    let mut out = HashMap::new();
    for c in NER_CATEGORIES {
        let mut scores = found.get(&c).cloned().unwrap_or_default();
        scores.sort_by(|a, b| b.partial_cmp(a).unwrap_or(std::cmp::Ordering::Equal));
        let t = if scores.is_empty() {
            0.3
        } else {
            let k = ((scores.len() as f64 * target).ceil() as usize).clamp(1, scores.len());
            scores[k - 1].clamp(0.2, 0.6)
        };
        out.insert(c, t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic_and_spans_are_exact() {
        let a = generate(5, 50);
        let b = generate(5, 50);
        assert_eq!(
            a.iter().map(|e| &e.text).collect::<Vec<_>>(),
            b.iter().map(|e| &e.text).collect::<Vec<_>>()
        );
        for e in &a {
            for (s, t, _) in &e.spans {
                assert!(e.text.get(*s..*t).is_some_and(|v| !v.is_empty()));
            }
        }
        assert!(a.iter().any(|e| e.spans.is_empty()));
    }

    #[test]
    fn organisation_contexts_mark_names_and_leave_fillers_unmarked() {
        let a = org_contexts(3, 90);
        assert_eq!(
            a.iter().map(|e| &e.text).collect::<Vec<_>>(),
            org_contexts(3, 90)
                .iter()
                .map(|e| &e.text)
                .collect::<Vec<_>>()
        );
        for (i, e) in a.iter().enumerate() {
            assert!(!e.text.contains('{'), "{}", e.text);
            let orgs: Vec<&str> = e
                .spans
                .iter()
                .filter(|s| s.2 == Category::Organization)
                .map(|(s, t, _)| &e.text[*s..*t])
                .collect();
            if i % 3 == 2 {
                assert!(orgs.is_empty(), "{}", e.text);
            } else {
                assert!(!orgs.is_empty(), "{}", e.text);
                assert!(orgs.iter().all(|o| !o.trim().is_empty() && o.trim() == *o));
            }
        }
        // the provider list, agencies, employers and acronyms all occur
        let text: String = org_contexts(3, 600)
            .iter()
            .map(|e| e.text.clone())
            .collect();
        assert!(text.contains("Council on Aging") || text.contains("Visiting Nurses"));
        assert!(text.contains(" Construction") || text.contains(" Logistics"));
    }
}
