//! Evaluation scorer for text-mode detection: token-level (PHI vs not, and per category)
//! and entity-level (relaxed overlap and exact match) precision, recall, F1 and F2.
//!
//! Gold lines: `{"id", "text", "spans": [{"start", "end", "label"|"type"}]}` with offsets
//! in code points. Gold labels from other schemes are mapped onto our categories by
//! [`map_label`]; labels that are not PHI (e.g. job titles, nationalities) are ignored.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use deid_core::types::Category;

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct GoldSpan {
    pub start: usize,
    pub end: usize,
    #[serde(alias = "type")]
    pub label: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct GoldDoc {
    #[serde(alias = "note_id")]
    pub id: serde_json::Value,
    pub text: String,
    #[serde(default)]
    pub spans: Vec<GoldSpan>,
    /// Stretches scored neither way (placeholders standing for PHI that was taken out:
    /// finding them is no error, leaving them is no miss).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignored: Vec<GoldSpan>,
}

/// Documents written with inline marks (`assets/eval/handwritten/LABELLING.md`): each
/// starts with a line `=== doc <id> ===`, and every PHI string is written
/// `[[LABEL|text]]`. The marks are removed and become gold spans (code points). `None`
/// names the first line whose marks do not close or carry no known label.
pub fn parse_marked(src: &str) -> Result<Vec<GoldDoc>, usize> {
    let mut docs: Vec<GoldDoc> = Vec::new();
    for (n, line) in src.lines().enumerate() {
        if let Some(id) = line
            .strip_prefix("=== doc ")
            .and_then(|r| r.trim_end().strip_suffix(" ==="))
        {
            docs.push(GoldDoc {
                id: serde_json::json!(id),
                text: String::new(),
                spans: Vec::new(),
                ignored: Vec::new(),
            });
            continue;
        }
        let Some(doc) = docs.last_mut() else {
            if line.trim().is_empty() {
                continue;
            }
            return Err(n + 1);
        };
        let mut rest = line;
        while let Some(open) = rest.find("[[") {
            doc.text.push_str(&rest[..open]);
            let inner = &rest[open + 2..];
            let (Some(bar), Some(close)) = (inner.find('|'), inner.find("]]")) else {
                return Err(n + 1);
            };
            let label = &inner[..bar];
            if bar > close || map_label(label).is_none() {
                return Err(n + 1);
            }
            let start = doc.text.chars().count();
            doc.text.push_str(&inner[bar + 1..close]);
            doc.spans.push(GoldSpan {
                start,
                end: doc.text.chars().count(),
                label: label.to_string(),
            });
            rest = &inner[close + 2..];
        }
        doc.text.push_str(rest);
        doc.text.push('\n');
    }
    Ok(docs)
}

/// The PHI a de-identified corpus still holds, annotated by hand and stored without the
/// text it points into (`assets/eval/mtsamples-residual/`): one line per document,
/// `{"id", "sha256", "spans": [{"start", "end", "label", "placeholder"?, "doubt"?}]}`,
/// offsets in code points, `sha256` of the document's text so that an annotation never
/// scores a text that changed under it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct AnnotatedDoc {
    pub id: serde_json::Value,
    pub sha256: String,
    pub spans: Vec<AnnotatedSpan>,
}

/// One annotated span: a placeholder stands for PHI ("Dr. XYZ"); a doubtful one is PHI
/// only if the annotator's doubt is resolved that way.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct AnnotatedSpan {
    pub start: usize,
    pub end: usize,
    pub label: String,
    #[serde(default)]
    pub placeholder: bool,
    #[serde(default)]
    pub doubt: bool,
}

/// Annotated documents by id (the id's JSON text); `Err` names the first bad line.
pub fn parse_annotation(src: &str) -> Result<BTreeMap<String, AnnotatedDoc>, usize> {
    let mut out = BTreeMap::new();
    for (n, line) in src.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let d: AnnotatedDoc = serde_json::from_str(line).map_err(|_| n + 1)?;
        if d.spans
            .iter()
            .any(|s| s.start >= s.end || map_label(&s.label).is_none())
            || out.insert(d.id.to_string(), d).is_some()
        {
            return Err(n + 1);
        }
    }
    Ok(out)
}

/// Why an annotation cannot score a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnnotationMismatch {
    /// The document's text is not the one annotated.
    TextChanged,
    /// A span ends past the text.
    OutOfBounds,
}

/// The gold spans an annotation gives `text`, and the stretches to score neither way
/// (placeholders); doubtful spans count as PHI only when `doubt_is_phi`.
pub fn annotated_spans(
    text: &str,
    a: &AnnotatedDoc,
    doubt_is_phi: bool,
) -> Result<(Vec<GoldSpan>, Vec<GoldSpan>), AnnotationMismatch> {
    if deid_core::hash::sha256_hex(text.as_bytes()) != a.sha256 {
        return Err(AnnotationMismatch::TextChanged);
    }
    let len = text.chars().count();
    if a.spans.iter().any(|s| s.end > len) {
        return Err(AnnotationMismatch::OutOfBounds);
    }
    let gold = |s: &AnnotatedSpan| GoldSpan {
        start: s.start,
        end: s.end,
        label: s.label.clone(),
    };
    let (placeholders, phi): (Vec<&AnnotatedSpan>, Vec<&AnnotatedSpan>) =
        a.spans.iter().partition(|s| s.placeholder);
    Ok((
        phi.into_iter()
            .filter(|s| doubt_is_phi || !s.doubt)
            .map(gold)
            .collect(),
        placeholders.into_iter().map(gold).collect(),
    ))
}

/// A predicted span in code points.
#[derive(Debug, Clone, PartialEq)]
pub struct PredSpan {
    pub start: usize,
    pub end: usize,
    pub category: Category,
    /// Which detectors found it (`Entity::source_label`), for error listings.
    pub source: String,
    /// The detection's score (for calibration).
    pub score: f32,
}

/// Whether a prediction overlaps a gold span of a category the detectors cover: the
/// label a calibration is fitted on.
pub fn is_phi(gold: &[GoldSpan], p: &PredSpan) -> bool {
    gold.iter()
        .any(|g| map_label(&g.label).is_some() && g.start < p.end && p.start < g.end)
}

/// Map a gold label (ours, Presidio's, Synthea silver's, i2b2-like) to a category;
/// `None` for labels that are not PHI under Safe Harbor.
pub fn map_label(label: &str) -> Option<Category> {
    if let Some(c) = Category::parse(label) {
        return Some(c);
    }
    Some(match label.to_ascii_uppercase().as_str() {
        "PERSON" | "PATIENT_NAME" | "PATIENT" | "DOCTOR" | "STAFF" | "USERNAME" | "PER" => {
            Category::Name
        }
        "DATE_TIME" | "DOB" => Category::Date,
        "PHONE_NUMBER" | "TELEPHONE" => Category::Phone,
        "EMAIL_ADDRESS" => Category::Email,
        "STREET_ADDRESS" | "STREET" => Category::Address,
        "GPE" | "CITY" | "STATE" | "COUNTRY" | "LOC" => Category::Location,
        "ZIP_CODE" => Category::Zip,
        "US_SSN" => Category::Ssn,
        "ORG" | "HOSPITAL" => Category::Organization,
        "IP_ADDRESS" => Category::Ip,
        "DOMAIN_NAME" => Category::Url,
        "CREDIT_CARD" | "IBAN_CODE" | "US_DRIVER_LICENSE" | "MEDICALRECORD" | "IDNUM"
        | "IDENTIFIER" => Category::Id,
        _ => return None,
    })
}

/// Precision/recall counts.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    pub tp: u64,
    pub fp: u64,
    pub fn_: u64,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    pub fn f(&self, beta: f64) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        let b2 = beta * beta;
        if p + r == 0.0 {
            0.0
        } else {
            (1.0 + b2) * p * r / (b2 * p + r)
        }
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        1.0
    } else {
        a as f64 / b as f64
    }
}

/// All scores of one evaluation run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Scores {
    pub docs: u64,
    pub words: u64,
    /// Token level, PHI vs not (any category).
    pub token: Counts,
    /// Token level, category must match.
    pub token_by_category: BTreeMap<String, Counts>,
    /// Entity level, relaxed: a gold span is found if any prediction overlaps it; a
    /// prediction is right if it overlaps any gold span.
    pub entity: Counts,
    pub entity_by_category: BTreeMap<String, Counts>,
    /// Entity level, exact boundaries (any category).
    pub entity_exact: Counts,
    /// Categories of the gold spans no prediction touched.
    pub missed_by_category: BTreeMap<String, u64>,
    /// False-positive words whose prediction [`residual_phi`] adjudicates as PHI left in
    /// text published as de-identified, by reason.
    pub residual_phi_words: BTreeMap<String, u64>,
    /// Predicted words inside ignored stretches (scored neither way).
    pub ignored_predicted_words: u64,
}

/// Placeholders that de-identified transcriptions put where a name was ("Dr. XYZ",
/// "ABCD General Hospital", "Mr. XXXX").
fn is_placeholder(w: &str) -> bool {
    let w = w.trim_end_matches(['\'', '’', 's']).to_lowercase();
    matches!(w.as_str(), "abc" | "abcd" | "xyz") || (w.len() >= 3 && w.chars().all(|c| c == 'x'))
}

/// Why a prediction on text published as de-identified (every prediction counted as false)
/// is PHI all the same, by the letter of Safe Harbor; `None` when it is a false positive.
/// The rule is fixed and mechanical, so it can be applied to held-back text without
/// looking at it: a date with its day or month and a year ("12/04/1987", "July 2010",
/// "November 20, 2008"; Safe Harbor removes every date element but the year), a capitalised
/// word right after a personal title ("Dr. Wildes"), or a placeholder standing for a name
/// ("Dr. XYZ", "ABCD General Hospital"), or a month's name alone ("in December": a date
/// element too). Bare month/day numbers ("5/5") and bare years stay false (Safe Harbor
/// keeps a year).
pub fn residual_phi(text: &[char], p: &PredSpan) -> Option<&'static str> {
    static DATE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    static TITLE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let date = DATE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)^(?:(?:0?[1-9]|1[0-2])[/.-](?:0?[1-9]|[12]\d|3[01])[/.-](?:\d{2}|(?:19|20)\d{2})|(?:0?[1-9]|[12]\d|3[01])[/.-](?:0?[1-9]|1[0-2])[/.-](?:19|20)\d{2}|(?:0?[1-9]|1[0-2])/(?:19|20)\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+(?:(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?(?:of\s+)?(?:19|20)\d{2})|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?,?\s+(?:19|20)\d{2})$",
        )
        .expect("static regex")
    });
    let title = TITLE
        .get_or_init(|| regex::Regex::new(r"(?i)\b(?:dr|mr|mrs|ms)\.?\s+$").expect("static regex"));
    let span: String = text.get(p.start..p.end)?.iter().collect();
    let words: Vec<&str> = span
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’'))
        .filter(|w| !w.is_empty())
        .collect();
    match p.category {
        Category::Date if date.is_match(span.trim()) => Some("date with a year"),
        Category::Date if is_month_name(span.trim()) => Some("month of an event"),
        Category::Name | Category::Organization
            if words.first().is_some_and(|w| is_placeholder(w)) =>
        {
            Some("placeholder")
        }
        Category::Name => {
            let before: String = text
                .get(p.start.saturating_sub(12)..p.start)?
                .iter()
                .collect();
            let capitalised = span.chars().next().is_some_and(char::is_uppercase);
            (capitalised && title.is_match(&before)).then_some("name after a title")
        }
        _ => None,
    }
}

/// A month's name alone ("December", "Sept"): a date element Safe Harbor removes.
fn is_month_name(w: &str) -> bool {
    let w = w.trim_end_matches('.').to_lowercase();
    w.len() >= 3
        && deid_core::text::MONTHS
            .iter()
            .any(|m| *m == w || (w.len() <= 4 && m.starts_with(&w)))
}

fn words(text: &[char]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.iter().enumerate() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

fn overlaps(a: (usize, usize), b: (usize, usize)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

impl Scores {
    /// Add one document.
    pub fn add(&mut self, text: &str, gold: &[GoldSpan], pred: &[PredSpan]) {
        self.add_with_ignored(text, gold, &[], pred);
    }

    /// [`Scores::add`] where words touching an `ignored` stretch count neither way
    /// (predicted there, they still count in [`Scores::predicted_per_1000_words`]).
    pub fn add_with_ignored(
        &mut self,
        text: &str,
        gold: &[GoldSpan],
        ignored: &[GoldSpan],
        pred: &[PredSpan],
    ) {
        let chars: Vec<char> = text.chars().collect();
        let in_ignored = |a: (usize, usize)| ignored.iter().any(|i| overlaps(a, (i.start, i.end)));
        let gold: Vec<(usize, usize, Category)> = gold
            .iter()
            .filter_map(|g| map_label(&g.label).map(|c| (g.start, g.end, c)))
            .collect();
        self.docs += 1;
        let ws = words(&chars);
        self.words += ws.len() as u64;
        for w in ws {
            let g = gold.iter().find(|g| overlaps(w, (g.0, g.1))).map(|g| g.2);
            let pred_span = pred.iter().find(|p| overlaps(w, (p.start, p.end)));
            let p = pred_span.map(|p| p.category);
            if g.is_none() && in_ignored(w) {
                self.ignored_predicted_words += u64::from(p.is_some());
                continue;
            }
            match (g, p) {
                (Some(_), Some(_)) => self.token.tp += 1,
                (Some(_), None) => self.token.fn_ += 1,
                (None, Some(_)) => {
                    self.token.fp += 1;
                    if let Some(why) = pred_span.and_then(|p| residual_phi(&chars, p)) {
                        *self.residual_phi_words.entry(why.into()).or_default() += 1;
                    }
                }
                (None, None) => {}
            }
            if let Some(gc) = g {
                let e = self
                    .token_by_category
                    .entry(gc.as_str().into())
                    .or_default();
                if p == Some(gc) {
                    e.tp += 1;
                } else {
                    e.fn_ += 1;
                }
            }
            if let Some(pc) = p {
                if g != Some(pc) {
                    self.token_by_category
                        .entry(pc.as_str().into())
                        .or_default()
                        .fp += 1;
                }
            }
        }
        for g in &gold {
            let hit = pred.iter().any(|p| overlaps((g.0, g.1), (p.start, p.end)));
            let cat_hit = pred
                .iter()
                .any(|p| p.category == g.2 && overlaps((g.0, g.1), (p.start, p.end)));
            let exact = pred.iter().any(|p| p.start == g.0 && p.end == g.1);
            let e = self
                .entity_by_category
                .entry(g.2.as_str().into())
                .or_default();
            if cat_hit {
                e.tp += 1;
            } else {
                e.fn_ += 1;
            }
            if hit {
                self.entity.tp += 1;
            } else {
                self.entity.fn_ += 1;
                *self
                    .missed_by_category
                    .entry(g.2.as_str().into())
                    .or_default() += 1;
            }
            if exact {
                self.entity_exact.tp += 1;
            } else {
                self.entity_exact.fn_ += 1;
            }
        }
        for p in pred {
            if in_ignored((p.start, p.end)) {
                continue;
            }
            if !gold.iter().any(|g| overlaps((g.0, g.1), (p.start, p.end))) {
                self.entity.fp += 1;
                self.entity_exact.fp += 1;
                self.entity_by_category
                    .entry(p.category.as_str().into())
                    .or_default()
                    .fp += 1;
            } else if !gold.iter().any(|g| g.0 == p.start && g.1 == p.end) {
                self.entity_exact.fp += 1;
            }
        }
    }

    /// False-positive predicted words per 1,000 words (meaningful on text without PHI).
    pub fn fp_per_1000_words(&self) -> f64 {
        1000.0 * self.token.fp as f64 / self.words.max(1) as f64
    }

    /// Words inside any prediction per 1,000 words: every prediction counted as false, the
    /// measure for a text that should hold no PHI.
    pub fn predicted_per_1000_words(&self) -> f64 {
        let predicted = self.token.tp + self.token.fp + self.ignored_predicted_words;
        1000.0 * predicted as f64 / self.words.max(1) as f64
    }

    /// [`Scores::fp_per_1000_words`] without the words [`residual_phi`] adjudicates as PHI.
    pub fn fp_per_1000_words_adjudicated(&self) -> f64 {
        let residual: u64 = self.residual_phi_words.values().sum();
        1000.0 * self.token.fp.saturating_sub(residual) as f64 / self.words.max(1) as f64
    }
}

/// Spearman's rank correlation of two equally long samples (ties share their mean rank);
/// `None` when either side is constant or there are fewer than three pairs.
pub fn spearman(xs: &[f64], ys: &[f64]) -> Option<f64> {
    fn ranks(v: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut r = vec![0.0; v.len()];
        let mut i = 0;
        while i < idx.len() {
            let mut j = i;
            while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
                j += 1;
            }
            let mean = (i + j) as f64 / 2.0 + 1.0;
            for &k in &idx[i..=j] {
                r[k] = mean;
            }
            i = j + 1;
        }
        r
    }
    if xs.len() != ys.len() || xs.len() < 3 {
        return None;
    }
    let (rx, ry) = (ranks(xs), ranks(ys));
    let n = rx.len() as f64;
    let (mx, my) = (rx.iter().sum::<f64>() / n, ry.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in rx.iter().zip(&ry) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spearman_ranks_with_ties() {
        let up = spearman(&[1.0, 2.0, 3.0, 4.0], &[10.0, 20.0, 30.0, 40.0]).expect("rho");
        assert!((up - 1.0).abs() < 1e-9);
        let down = spearman(&[1.0, 2.0, 3.0, 4.0], &[4.0, 3.0, 2.0, 1.0]).expect("rho");
        assert!((down + 1.0).abs() < 1e-9);
        let tied = spearman(&[0.1, 0.1, 0.5, 0.9], &[0.0, 0.0, 1.0, 3.0]).expect("rho");
        assert!((tied - 1.0).abs() < 1e-9, "{tied}");
        assert_eq!(spearman(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
    }

    #[test]
    fn annotation_scores_only_its_own_text() {
        let text = "Seen by Dr. Wildes on 12/04/1987; lives in Bentley. Mr. XYZ called.";
        let sha = deid_core::hash::sha256_hex(text.as_bytes());
        let span = |s: &str, label: &str, extra: &str| {
            let start = text.find(s).expect("in text");
            format!(
                "{{\"start\": {start}, \"end\": {}, \"label\": \"{label}\"{extra}}}",
                start + s.len()
            )
        };
        let src = format!(
            "{{\"id\": 7, \"sha256\": \"{sha}\", \"spans\": [{}, {}, {}, {}]}}\n",
            span("Wildes", "NAME", ""),
            span("12/04/1987", "DATE", ""),
            span("Bentley", "LOCATION", ", \"doubt\": true"),
            span("XYZ", "NAME", ", \"placeholder\": true"),
        );
        let ann = parse_annotation(&src).expect("parses");
        let a = &ann["7"];
        let (strict, ignored) = annotated_spans(text, a, false).expect("same text");
        let (lenient, _) = annotated_spans(text, a, true).expect("same text");
        let show = |g: &GoldSpan| {
            text.chars()
                .skip(g.start)
                .take(g.end - g.start)
                .collect::<String>()
        };
        assert_eq!(
            strict.iter().map(show).collect::<Vec<_>>(),
            ["Wildes", "12/04/1987"]
        );
        assert_eq!(ignored.iter().map(show).collect::<Vec<_>>(), ["XYZ"]);
        assert_eq!(
            lenient.iter().map(show).collect::<Vec<_>>(),
            ["Wildes", "12/04/1987", "Bentley"]
        );
        // a changed text is refused, not scored with shifted spans
        assert_eq!(
            annotated_spans("Seen by Dr. Wilde on 12/04/1987.", a, false).unwrap_err(),
            AnnotationMismatch::TextChanged
        );
        // a span with no known label or an id twice is a bad line
        assert_eq!(parse_annotation(&src.replace("LOCATION", "COLOUR")), Err(1));
        assert_eq!(parse_annotation(&format!("{src}{src}")), Err(2));
        // the name and the date are PHI, "Seen" is the one false word, "XYZ" counts
        // neither way (but is a predicted word), "Bentley" (doubtful) is missed in neither
        let mut s = Scores::default();
        let p = |w: &str, category: Category| {
            let start = text.find(w).expect("in text");
            PredSpan {
                start,
                end: start + w.len(),
                category,
                source: String::new(),
                score: 1.0,
            }
        };
        s.add_with_ignored(
            text,
            &strict,
            &ignored,
            &[
                p("Seen", Category::Name),
                p("Wildes", Category::Name),
                p("12/04/1987", Category::Date),
                p("XYZ", Category::Name),
            ],
        );
        assert_eq!((s.token.tp, s.token.fp, s.token.fn_), (4, 1, 0));
        assert_eq!((s.entity.tp, s.entity.fp, s.entity.fn_), (2, 1, 0));
        let words = s.words as f64;
        assert!((s.predicted_per_1000_words() - 6000.0 / words).abs() < 1e-9);
        assert!((s.fp_per_1000_words() - 1000.0 / words).abs() < 1e-9);
    }

    #[test]
    fn residual_phi_is_dates_with_a_year_titled_names_and_placeholders() {
        let t = "On 12/04/1987 and July 2010 Dr. Wildes saw Mr. XYZ at ABCD General Hospital; \
                 5/5 strength, 08/09 visit, Darco shoe, November 20, 2008, in November.";
        let chars: Vec<char> = t.chars().collect();
        let at = |s: &str, c: Category| {
            let b = t.find(s).expect("in text");
            let start = t[..b].chars().count();
            let p = PredSpan {
                start,
                end: start + s.chars().count(),
                category: c,
                source: String::new(),
                score: 1.0,
            };
            residual_phi(&chars, &p)
        };
        assert_eq!(at("12/04/1987", Category::Date), Some("date with a year"));
        assert_eq!(at("July 2010", Category::Date), Some("date with a year"));
        assert_eq!(at("November", Category::Date), Some("month of an event"));
        assert_eq!(
            at("November 20, 2008", Category::Date),
            Some("date with a year")
        );
        assert_eq!(at("Wildes", Category::Name), Some("name after a title"));
        assert_eq!(at("XYZ", Category::Name), Some("placeholder"));
        assert_eq!(
            at("ABCD General Hospital", Category::Organization),
            Some("placeholder")
        );
        assert_eq!(at("5/5", Category::Date), None);
        assert_eq!(at("08/09", Category::Date), None);
        assert_eq!(at("Darco", Category::Name), None);
        assert_eq!(at("General", Category::Location), None);

        let mut s = Scores::default();
        let p = |x: &str, c| {
            let b = t.find(x).expect("in text");
            let start = t[..b].chars().count();
            PredSpan {
                start,
                end: start + x.chars().count(),
                category: c,
                source: String::new(),
                score: 1.0,
            }
        };
        s.add(
            t,
            &[],
            &[p("July 2010", Category::Date), p("5/5", Category::Date)],
        );
        assert_eq!(s.token.fp, 4);
        assert_eq!(s.residual_phi_words.get("date with a year"), Some(&2));
        let words = s.words as f64;
        assert!((s.fp_per_1000_words_adjudicated() - 2000.0 / words).abs() < 1e-9);
    }

    fn g(start: usize, end: usize, label: &str) -> GoldSpan {
        GoldSpan {
            start,
            end,
            label: label.into(),
        }
    }
    fn p(start: usize, end: usize, c: Category) -> PredSpan {
        PredSpan {
            source: String::new(),
            start,
            end,
            category: c,
            score: 1.0,
        }
    }

    #[test]
    fn scores_on_a_small_labelled_fixture() {
        // "Seen by John Smith on 03/04/2020 in Paris."
        let text = "Seen by John Smith on 03/04/2020 in Paris.";
        let gold = [
            g(8, 18, "PERSON"),
            g(22, 32, "DATE_TIME"),
            g(36, 41, "GPE"),
            g(0, 4, "TITLE"),
        ];
        let pred = [
            p(8, 12, Category::Name),
            p(22, 32, Category::Date),
            p(0, 4, Category::Name),
        ];
        let mut s = Scores::default();
        s.add(text, &gold, &pred);
        // words: Seen by John Smith on 03 04 2020 in Paris = 10
        assert_eq!(s.words, 10);
        // gold PHI words: John Smith 03 04 2020 Paris = 6; predicted: Seen John 03 04 2020 = 5
        assert_eq!((s.token.tp, s.token.fp, s.token.fn_), (4, 1, 2));
        // entities: John Smith found (overlap), date exact, Paris missed; "Seen" is a false positive
        assert_eq!((s.entity.tp, s.entity.fp, s.entity.fn_), (2, 1, 1));
        assert_eq!((s.entity_exact.tp, s.entity_exact.fn_), (1, 2));
        assert_eq!(s.missed_by_category.get("LOCATION"), Some(&1));
        assert!((s.token.precision() - 0.8).abs() < 1e-9);
        assert!((s.token.recall() - 4.0 / 6.0).abs() < 1e-9);
        let f2 = s.token.f(2.0);
        assert!(f2 > s.token.precision().min(s.token.recall()) && f2 < 0.8);
    }

    #[test]
    fn marked_documents_become_gold_spans() {
        let src =
            "=== doc a ===\nSEEN BY DR [[NAME|WALSH]] ON [[DATE|4/12]].\n=== doc b ===\nno phi\n";
        let docs = parse_marked(src).expect("well formed");
        assert_eq!(docs.len(), 2);
        let a = &docs[0];
        assert_eq!(a.text, "SEEN BY DR WALSH ON 4/12.\n");
        let got: Vec<String> = a
            .spans
            .iter()
            .map(|g| a.text.chars().skip(g.start).take(g.end - g.start).collect())
            .collect();
        assert_eq!(got, ["WALSH", "4/12"]);
        assert!(docs[1].spans.is_empty());
        assert_eq!(
            parse_marked("=== doc a ===\nDR [[NAME|WALSH\n").err(),
            Some(2)
        );
        assert_eq!(
            parse_marked("=== doc a ===\nDR [[JOB|nurse]]\n").err(),
            Some(2)
        );
        assert_eq!(parse_marked("text before any doc\n").err(), Some(1));
    }

    #[test]
    fn the_handwritten_sets_are_well_marked() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/eval/handwritten");
        for (file, docs) in [
            ("nursing.txt", 45),
            ("uk.txt", 30),
            ("us.txt", 40),
            ("nursing-tune.txt", 60),
            ("nursing-tune2.txt", 60),
            ("nursing-tune3.txt", 64),
            ("nursing-tune4.txt", 64),
            ("nursing-tune5.txt", 64),
            ("nursing-tune6.txt", 64),
            ("nursing-tune7.txt", 64),
            ("nursing-tune8.txt", 64),
            ("nursing-tune9.txt", 64),
            ("nursing-tune10.txt", 64),
            ("nursing-tune11.txt", 64),
            ("nursing-tune12.txt", 64),
            ("nursing-tune13.txt", 64),
            ("nursing-tune14.txt", 64),
            ("nursing-tune15.txt", 64),
            ("nursing-tune16.txt", 64),
            ("nursing-test.txt", 60),
            ("nursing-test2.txt", 64),
            ("nursing-test3.txt", 64),
            ("nursing-test4.txt", 64),
            ("nursing-test5.txt", 64),
            ("nursing-test6.txt", 64),
            ("nursing-test7.txt", 64),
            ("nursing-test8.txt", 64),
            ("nursing-test9.txt", 64),
            ("nursing-test10.txt", 64),
            ("nursing-test11.txt", 64),
            ("nursing-test12.txt", 64),
            ("nursing-test13.txt", 64),
            ("nursing-test14.txt", 64),
        ] {
            let src = std::fs::read_to_string(dir.join(file)).expect("bundled set");
            let parsed = parse_marked(&src).unwrap_or_else(|n| panic!("{file}: line {n}"));
            assert_eq!(parsed.len(), docs, "{file}");
            let ids: std::collections::HashSet<String> =
                parsed.iter().map(|d| d.id.to_string()).collect();
            assert_eq!(ids.len(), docs, "{file}: ids repeat");
            for d in &parsed {
                let chars: Vec<char> = d.text.chars().collect();
                for g in &d.spans {
                    let t: String = chars[g.start..g.end].iter().collect();
                    assert!(
                        !t.trim().is_empty() && t.trim() == t,
                        "{file} {}: {t:?}",
                        d.id
                    );
                }
            }
        }
    }

    #[test]
    fn label_mapping() {
        assert_eq!(map_label("PERSON"), Some(Category::Name));
        assert_eq!(map_label("NAME"), Some(Category::Name));
        assert_eq!(map_label("US_SSN"), Some(Category::Ssn));
        assert_eq!(map_label("TITLE"), None);
        assert_eq!(map_label("NRP"), None);
    }
}
