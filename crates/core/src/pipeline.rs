//! The pipeline: the only place that knows the order of the stages.
//!
//! extract (pdfium thread) → layout → headings/DepFlag/blobs → detect (rayon over blobs,
//! batched detectors) → merge → propagate → risk → plan → redact + sanitise (lopdf) →
//! verify (pdfium) → [`Processed`] holding a [`Verified`] output.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use lopdf::{Document, LoadOptions};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::blobs;
use crate::config::Config;
use crate::detect::{merge_spans, rules::RuleDetector, BatchDetector, Entity, TextUnit};
use crate::error::{Error, Result};
use crate::layout;
use crate::ocr;
use crate::pdfium::{self, ExtractLimits, Extracted, PdfiumService};
use crate::plan::{self, RedactionPlan};
use crate::propagate;
use crate::redact::{self, raster, PageOutcome};
use crate::review::Review;
use crate::risk::{self, RiskInputs, RiskReport};
use crate::sanitize::{self, SanitizeReport};
use crate::types::{Category, HeadingBlob, Paragraph, Rect, Span};
use crate::verify::{self, Verified};

/// One entity as reported (no text).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntityReport {
    pub id: usize,
    pub page: usize,
    pub rects: Vec<Rect>,
    pub category: Category,
    pub score: f32,
    pub source: String,
    pub propagated_from: Option<usize>,
    /// The entity's text, in memory only: never serialised, never logged. The job runner
    /// turns it into an HMAC; the review screen shows it when the user asks.
    #[serde(skip)]
    pub text: String,
    /// HMAC of the text with the installation key (filled by the job runner).
    #[serde(default)]
    pub text_hmac: String,
}

/// Why a page of the output is an image instead of rewritten content: a stable code and a
/// detail from a fixed vocabulary (the rewriter's reason, the verification check), never
/// any text of the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RasterReason {
    /// 1-based page number.
    pub page: usize,
    /// `policy` (the policy rasterises every page with a redaction), `unsupported` (the
    /// content-stream rewriter cannot handle something the page draws), `verification` (the
    /// rewritten page failed a verification check and was rasterised on the retry), `ocr`
    /// (a redacted word was read from the page's pixels, so the pixels are redacted).
    pub code: String,
    /// What exactly: "Type3 font", "image under a redaction", "a glyph outside the
    /// rectangles was lost or moved"…
    pub detail: String,
}

impl RasterReason {
    fn new(page: usize, code: &str, detail: &str) -> Self {
        RasterReason {
            page: page + 1,
            code: code.into(),
            detail: detail.into(),
        }
    }
}

impl std::fmt::Display for RasterReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "page {}: {} ({})", self.page, self.detail, self.code)
    }
}

/// What happened to a document, without any of its text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocReport {
    pub pages: usize,
    pub paragraphs: usize,
    pub blobs: usize,
    pub headings: usize,
    pub entities: Vec<EntityReport>,
    pub counts: BTreeMap<String, u32>,
    pub risk: RiskReport,
    /// 0-based indexes of the pages that are images in the output.
    pub rasterised_pages: Vec<usize>,
    /// One line per rasterised page (the [`RasterReason`]s as text).
    pub raster_reasons: Vec<String>,
    /// Why each rasterised page is an image, one entry per page.
    #[serde(default)]
    pub raster: Vec<RasterReason>,
    pub image_only_pages: Vec<usize>,
    /// Pages whose pixels were read by OCR (scans, large images, vector-drawn text).
    #[serde(default)]
    pub ocr_pages: Vec<ocr::OcrPageReport>,
    /// 0-based pages of the output that the pixel gate rendered and read back.
    #[serde(default)]
    pub pixel_checked_pages: Vec<usize>,
    pub removed_glyphs: usize,
    pub sanitize: SanitizeReport,
    /// Detections the reviewer rejected (kept in the output), when decisions were applied.
    #[serde(default)]
    pub rejected: Vec<EntityReport>,
    pub review: bool,
    pub warnings: Vec<String>,
}

/// A processed document: verified bytes plus its report and stage timings.
#[derive(Debug)]
pub struct Processed {
    pub output: Verified,
    pub report: DocReport,
    pub stage_ms: BTreeMap<String, u64>,
}

/// Spans found per paragraph of one batch of blobs.
type BlobSpans = Vec<(usize, Vec<Span>)>;

/// Learned spans scoring below this are dropped (the model's own per-category thresholds
/// are recall-biased and can sit lower).
const NER_MIN_SCORE: f32 = 0.3;
/// A single-word organisation or place from the model needs more confidence ("Doctor",
/// "Center" and sentence-initial words are its typical false positives).
const NER_SINGLE_WORD_PLACE: f32 = 0.35;
/// Minimum score of a lower-case multi-word name, organisation or place.
const NER_LOWER_CASE: f32 = 0.5;

/// A clock time, a clock range or a number range: "0600", "7P-7A", "89-109", "0700-1900"
/// (a four-digit number from 1900 to 2099 stays a possible year).
fn time_or_range(t: &str) -> bool {
    let t = t.trim();
    let digits_only = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let year = |s: &str| s.len() == 4 && (s.starts_with("19") || s.starts_with("20"));
    if digits_only(t) && t.len() <= 4 && !year(t) {
        return true;
    }
    let clock = |s: &str| {
        let s = s.trim().trim_end_matches(['a', 'p', 'A', 'P', 'm', 'M']);
        digits_only(s) && s.len() <= 4
    };
    match t.split_once('-') {
        // "12-2019" is a month and a year
        Some((a, b)) if a.len() <= 2 && year(b) => false,
        Some((a, b)) => clock(a) && clock(b),
        None => false,
    }
}

/// Blobs handed to the detectors in one batch.
const BLOB_BATCH: usize = 8;

/// The text of one blob: its paragraphs joined by `\n`, with each paragraph's start.
struct BlobText {
    text: String,
    page: Option<usize>,
    /// (paragraph id, byte offset of its first byte in `text`, its length)
    parts: Vec<(usize, usize, usize)>,
}

impl BlobText {
    fn new(b: &HeadingBlob, units: &[TextUnit<'_>]) -> BlobText {
        let mut text = String::new();
        let mut parts = Vec::with_capacity(b.paragraphs.len());
        let mut page = None;
        for &pid in &b.paragraphs {
            let Some(u) = units.get(pid) else { continue };
            if !text.is_empty() {
                text.push('\n');
            }
            page = page.or(u.page);
            parts.push((pid, text.len(), u.text.len()));
            text.push_str(u.text);
        }
        BlobText { text, page, parts }
    }

    /// The blob as one detector input.
    fn unit(&self) -> TextUnit<'_> {
        TextUnit {
            text: &self.text,
            page: self.page,
            is_heading: false,
        }
    }

    /// Map spans of the joined text back to paragraphs, splitting any that cross one.
    fn split(&self, spans: Vec<Span>) -> Vec<(usize, Vec<Span>)> {
        let mut out: Vec<(usize, Vec<Span>)> =
            self.parts.iter().map(|p| (p.0, Vec::new())).collect();
        for s in spans {
            for (i, &(_, off, len)) in self.parts.iter().enumerate() {
                let (a, b) = (s.start.max(off), s.end.min(off + len));
                if a < b {
                    let mut piece = s.clone();
                    piece.start = a - off;
                    piece.end = b - off;
                    out[i].1.push(piece);
                }
            }
        }
        out
    }
}

/// Detectors and settings, built once per process.
pub struct Engine {
    cfg: Config,
    rules: Arc<RuleDetector>,
    detectors: Vec<Arc<dyn BatchDetector>>,
    /// The learned detector runs on the calling thread over all blobs at once (candle has
    /// its own thread pool; nesting it inside rayon only adds contention).
    ner: Option<Arc<dyn BatchDetector>>,
    pool: rayon::ThreadPool,
}

/// The stages a user sees progress for (the timer records finer ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Extract,
    Detect,
    Search,
    Redact,
    Verify,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Extract,
        Stage::Detect,
        Stage::Search,
        Stage::Redact,
        Stage::Verify,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Extract => "extract",
            Stage::Detect => "detect",
            Stage::Search => "search",
            Stage::Redact => "redact",
            Stage::Verify => "verify",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }
    /// The user-facing stage a finished timer stage completes.
    fn of_timer(name: &str) -> Option<Stage> {
        match name {
            "extract" => Some(Stage::Extract),
            "detect" => Some(Stage::Detect),
            "propagate" => Some(Stage::Search),
            "redact" => Some(Stage::Redact),
            "verify" => Some(Stage::Verify),
            _ => None,
        }
    }
}

/// Optional inputs of [`Engine::process_pdf_with`].
#[derive(Default, Clone, Copy)]
pub struct ProcessOptions<'a> {
    /// Reviewer decisions to apply.
    pub review: Option<Review<'a>>,
    /// Told each time a user-facing stage finishes.
    pub on_stage: Option<&'a dyn Fn(Stage)>,
    /// Told the document's time limit in seconds once its page count is known (a worker
    /// passes it to the parent's watchdog).
    pub on_limit: Option<&'a dyn Fn(u64)>,
}

/// Stage timer.
struct Stages<'a> {
    last: Instant,
    start: Instant,
    ms: BTreeMap<String, u64>,
    limit_s: u64,
    on_stage: Option<&'a dyn Fn(Stage)>,
    on_limit: Option<&'a dyn Fn(u64)>,
}

impl<'a> Stages<'a> {
    fn new(limit_s: u64, opts: &ProcessOptions<'a>) -> Self {
        let now = Instant::now();
        Stages {
            last: now,
            start: now,
            ms: BTreeMap::new(),
            limit_s,
            on_stage: opts.on_stage,
            on_limit: opts.on_limit,
        }
    }

    /// The limit for a document of `pages` pages, once extraction has counted them.
    fn set_limit(&mut self, limit_s: u64) {
        self.limit_s = limit_s;
        if let Some(f) = self.on_limit {
            f(limit_s);
        }
    }
    fn done(&mut self, stage: &str) -> Result<()> {
        if let (Some(f), Some(st)) = (self.on_stage, Stage::of_timer(stage)) {
            f(st);
        }
        let now = Instant::now();
        *self.ms.entry(stage.to_string()).or_default() += (now - self.last).as_millis() as u64;
        self.last = now;
        if (now - self.start).as_secs() > self.limit_s {
            return Err(Error::Timeout(self.limit_s));
        }
        Ok(())
    }
}

impl Engine {
    /// Rule detectors only; `threads` = 0 means one per core.
    pub fn new(cfg: Config, threads: usize) -> Result<Engine> {
        let rules = Arc::new(RuleDetector::new().with_min_age(cfg.min_age));
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("deid-blob-{i}"))
            .build()
            .map_err(|e| Error::Settings(format!("thread pool: {e}")))?;
        Ok(Engine {
            cfg,
            detectors: vec![rules.clone() as Arc<dyn BatchDetector>],
            rules,
            ner: None,
            pool,
        })
    }

    /// Drop the rule detectors (evaluation of the learned detector alone: "NER only").
    /// The rules' allow-list still guards NER spans, and propagation still runs.
    pub fn without_rules(mut self) -> Engine {
        self.detectors.clear();
        self
    }

    /// Add the learned NER detector (rules + NER = the combined detector).
    pub fn with_ner(mut self, ner: Arc<dyn BatchDetector>) -> Engine {
        self.ner = Some(ner);
        self
    }

    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// Hash of everything that changes an output: the configuration (policy, thresholds,
    /// limits, heading model and its weights, program version), every detector's
    /// fingerprint in order (rule set and build, NER model name@version, registry entry
    /// and base-encoder sha256) and the core's build identity. Stored with every job and
    /// document; a re-run skips a document only when this hash is unchanged.
    pub fn settings_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(self.cfg.settings_hash());
        for d in &self.detectors {
            h.update(format!("|detector:{}", d.fingerprint()));
        }
        if let Some(n) = &self.ner {
            h.update(format!("|ner:{}", n.fingerprint()));
        }
        h.update(format!("|build:{}", crate::BUILD_ID));
        hex::encode(h.finalize())
    }

    /// Names of the active detectors and models (for the job record).
    pub fn detector_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .detectors
            .iter()
            .chain(self.ner.iter())
            .map(|d| d.name().to_string())
            .collect();
        if let Some((spec, _)) = &self.cfg.heading_model {
            v.push(spec.clone());
        }
        v
    }

    /// Detect and merge entities over text units grouped into blobs, in parallel over
    /// batches of blobs; the result does not depend on the number of threads.
    pub fn detect(&self, units: &[TextUnit<'_>], blobs: &[HeadingBlob]) -> Result<Vec<Entity>> {
        // Each blob is detected as one text (its paragraphs joined by newlines), so a label
        // and its value in neighbouring paragraphs ("Hospital ID:" / "HOSP4942…") stay in
        // context; blobs go to the detectors in batches, the batches run in parallel.
        let joined: Vec<BlobText> = blobs.iter().map(|b| BlobText::new(b, units)).collect();
        let per_blob: Vec<Result<BlobSpans>> = self.pool.install(|| {
            joined
                .par_chunks(BLOB_BATCH)
                .map(|chunk| {
                    let batch: Vec<TextUnit<'_>> = chunk.iter().map(BlobText::unit).collect();
                    let mut spans: Vec<Vec<Span>> = vec![Vec::new(); batch.len()];
                    for d in &self.detectors {
                        let found = d.detect_batch(&batch)?;
                        for (slot, mut f) in spans.iter_mut().zip(found) {
                            slot.append(&mut f);
                        }
                    }
                    Ok(chunk
                        .iter()
                        .zip(spans)
                        .flat_map(|(b, sp)| b.split(sp))
                        .collect::<Vec<_>>())
                })
                .collect()
        });
        let mut by_para: BTreeMap<usize, Vec<Span>> = BTreeMap::new();
        for r in per_blob {
            for (para, spans) in r? {
                by_para.entry(para).or_default().extend(spans);
            }
        }
        if let Some(ner) = &self.ner {
            // words the document itself writes in lower case are common words, not names
            let lower: std::collections::HashSet<&str> = units
                .iter()
                .flat_map(|u| u.text.split(|c: char| !c.is_alphanumeric()))
                .filter(|w| w.len() >= 3 && w.chars().all(|c| c.is_lowercase()))
                .collect();
            let units: Vec<TextUnit<'_>> = joined.iter().map(BlobText::unit).collect();
            for (b, spans) in joined.iter().zip(ner.detect_batch(&units)?) {
                let flat = crate::detect::rules::flat_case(&b.text);
                let spans: Vec<Span> = spans
                    .into_iter()
                    .filter(|s| self.plausible_ner(&b.text, s, &lower, flat))
                    .collect();
                for (para, sp) in b.split(spans) {
                    by_para.entry(para).or_default().extend(sp);
                }
            }
        }
        let mut entities = Vec::new();
        for (para, spans) in by_para {
            entities.extend(merge_spans(para, spans));
        }
        entities.sort_by_key(|e| (e.para, e.start, e.end));
        for (i, e) in entities.iter_mut().enumerate() {
            e.id = i;
        }
        Ok(entities)
    }

    /// Precision guard for learned spans: a minimum score; in mixed-case text names,
    /// organisations and places must contain a capitalised word (in text written in one
    /// casing, `flat`, the word lists decide instead); a single allow-listed clinical word
    /// is never PHI.
    fn plausible_ner(
        &self,
        text: &str,
        s: &Span,
        lower_words: &std::collections::HashSet<&str>,
        flat: bool,
    ) -> bool {
        let Some(t) = text.get(s.start..s.end) else {
            return false;
        };
        if s.score < NER_MIN_SCORE {
            return false;
        }
        // a US state the model calls a place stays (Safe Harbor keeps states, but the
        // model's place spans often run "City, ST"): "OR", "TX" are words too
        if s.category == Category::Location && self.rules.is_us_state(t.trim()) {
            return true;
        }
        let words: Vec<&str> = t
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let person_or_place = matches!(
            s.category,
            Category::Name | Category::Organization | Category::Location
        );
        if words.len() == 1
            && (self.rules.is_allowed_term(words[0])
                || (person_or_place && self.rules.is_function_word(words[0])))
        {
            return false;
        }
        // a bare clock time ("0700", "1400") is no identifier or phone number (a house
        // number may look like one)
        let clock = t.len() == 4
            && t.chars().all(|c| c.is_ascii_digit())
            && t[..2].parse::<u32>().is_ok_and(|h| h < 24)
            && t[2..].parse::<u32>().is_ok_and(|m| m < 60);
        if clock && matches!(s.category, Category::Id | Category::Phone) {
            return false;
        }
        // the policy decides which ages are PHI (Safe Harbor: 90 and over)
        if s.category == Category::Age
            && t.trim().parse::<u32>().is_ok_and(|a| a < self.cfg.min_age)
        {
            return false;
        }
        // In ALL CAPS or all lower case the casing says nothing: a name, organisation or
        // place made only of ordinary or clinical words ("KAYEXALATE", "LS CLEAR", "cont")
        // is not one.
        // A census name or a known place among them keeps a name or place ("BROWN",
        // "MILL VILLAGE"); an organisation of several words keeps unless every word is
        // clinical ("RAPID CYCLE SOLUTIONS" stays, "LS CLEAR" goes).
        let ordinary = |w: &&str| self.rules.is_ordinary_word(w);
        let dropped = match s.category {
            Category::Name | Category::Location => {
                words.iter().all(ordinary)
                    && !words.iter().any(|w| self.rules.is_known_name_or_place(w))
            }
            Category::Organization if words.len() == 1 => words.iter().all(ordinary),
            Category::Organization => words.iter().all(|w| self.rules.is_clinical_word(w)),
            _ => false,
        };
        if dropped && words.iter().all(|w| crate::detect::rules::flat_case(w)) {
            return false;
        }
        // in any casing: a one-word "name" that is an ordinary or clinical word and no
        // known name or place ("Palpation")
        if s.category == Category::Name
            && words.len() == 1
            && self.rules.is_ordinary_word(words[0])
            && !self.rules.is_known_name_or_place(words[0])
        {
            return false;
        }
        // in any casing: a one-word "organisation" that is clinical vocabulary — a
        // specialty or a profession ("Cardiology", "Consultant Cardiologist") — is none
        if s.category == Category::Organization
            && words.len() == 1
            && self.rules.is_clinical_word(words[0])
        {
            return false;
        }
        match s.category {
            Category::Name | Category::Organization | Category::Location
                if !flat
                    && words.len() == 1
                    && lower_words.contains(words[0].to_lowercase().as_str()) =>
            {
                false
            }
            Category::Organization | Category::Location
                if words.len() == 1 && s.score < NER_SINGLE_WORD_PLACE =>
            {
                false
            }
            // capitalised, or several words the model is sure of; in text written in one
            // casing the capitals say nothing (the ordinary-word guard above decided)
            Category::Name | Category::Organization | Category::Location => {
                flat || words
                    .iter()
                    .any(|w| w.chars().next().is_some_and(char::is_uppercase))
                    || (words.len() >= 2 && s.score >= NER_LOWER_CASE)
            }
            Category::Address | Category::Phone | Category::Zip | Category::Age => {
                t.chars().any(|c| c.is_ascii_digit())
            }
            // an identifier has a few digits ("X3", "A&OX3", "RIJ" are not identifiers)
            Category::Id => t.chars().filter(char::is_ascii_digit).count() >= 3,
            // a date needs a digit or a month or weekday name ("exacerbation" is no date);
            // times, vital-sign ranges and shift times are not dates (0600, 89-109, 7P-7A)
            Category::Date => {
                (t.chars().any(|c| c.is_ascii_digit())
                    || words.iter().any(|w| is_month_or_weekday(w)))
                    && !time_or_range(t)
            }
            // e-mail, URL, IP, SSN, fax: some digit, capital or symbol, never a plain
            // lower-case word
            _ => t.chars().any(|c| !c.is_lowercase() && !c.is_whitespace()),
        }
    }

    /// Hybrid search: fold propagated hits into `entities` (lexical half), with the hits
    /// lexical search cannot decide settled by the NER encoder's contextual embeddings
    /// when it is loaded (semantic half, [`crate::propagate::semantic`]).
    pub fn propagate(&self, units: &[TextUnit<'_>], entities: &mut Vec<Entity>) -> Result<()> {
        let texts: Vec<&str> = units.iter().map(|u| u.text).collect();
        let rules = self.rules.clone();
        let ambiguous = propagate::propagate(
            &texts,
            entities,
            &self.cfg.propagate,
            &|w| rules.is_allowed_term(w),
            &|w| rules.is_ordinary_word(w),
        );
        if ambiguous.is_empty() {
            return Ok(());
        }
        // the encoder, when one is loaded and the semantic half is on (a threshold above 1
        // turns it off: the lexical rule decides, as without an encoder — for measuring
        // what the semantic half adds)
        let encoder = self.ner.as_deref().filter(|n| {
            self.cfg.propagate.semantic_threshold <= 1.0 && n.embed_spans(&[]).is_some()
        });
        let embed = |spans: &[crate::types::SpanRef<'_>]| -> Result<Vec<Vec<f32>>> {
            encoder
                .and_then(|n| n.embed_spans(spans))
                .unwrap_or_else(|| Ok(Vec::new()))
        };
        let accepted = crate::propagate::semantic::decide(
            &texts,
            entities,
            ambiguous,
            &self.cfg.propagate,
            encoder.map(|_| &embed as crate::propagate::semantic::Embed<'_>),
        )?;
        propagate::fold(entities, accepted);
        Ok(())
    }

    /// Detection followed by propagation.
    pub fn analyse(&self, units: &[TextUnit<'_>], blobs: &[HeadingBlob]) -> Result<Vec<Entity>> {
        let mut entities = self.detect(units, blobs)?;
        self.propagate(units, &mut entities)?;
        Ok(entities)
    }

    /// Text mode: each text is its own document (one unit, one blob).
    pub fn detect_texts(&self, texts: &[&str]) -> Result<Vec<Vec<Entity>>> {
        texts
            .iter()
            .map(|t| {
                let units = [TextUnit {
                    text: t,
                    page: None,
                    is_heading: false,
                }];
                let blob = [HeadingBlob {
                    id: 0,
                    paragraphs: vec![0],
                }];
                self.analyse(&units, &blob)
            })
            .collect()
    }

    fn limits(&self) -> ExtractLimits {
        ExtractLimits {
            max_pages: self.cfg.limits.max_pages,
            max_chars_per_page: self.cfg.limits.max_chars_per_page,
        }
    }

    /// Run the whole pipeline on one PDF held in memory. No file is touched.
    pub fn process_pdf(&self, pdfium: &PdfiumService, input: Vec<u8>) -> Result<Processed> {
        self.process_pdf_with(pdfium, input, ProcessOptions::default())
    }

    /// [`Engine::process_pdf`] with reviewer decisions and a stage observer.
    pub fn process_pdf_with(
        &self,
        pdfium: &PdfiumService,
        input: Vec<u8>,
        opts: ProcessOptions<'_>,
    ) -> Result<Processed> {
        let mut st = Stages::new(self.cfg.limits.timeout_s, &opts);
        let Analysed {
            input,
            pdfium,
            extracted,
            ocr_pages,
            paras,
            blob_count,
            entities,
            rejected,
        } = self.analyse_pdf(pdfium, input, opts.review.as_ref(), &mut st)?;
        let mut plan = plan::build(&paras, &extracted.pages, &entities);
        // misread words next to a redaction on an OCR'd line go too
        let mut low_confidence = 0;
        for op in &ocr_pages {
            for r in ocr::low_confidence_neighbours(&self.cfg.ocr, op, plan.rects(op.page)) {
                plan.add_rect(op.page, r);
                low_confidence += 1;
            }
        }
        let mut box_reports = Vec::new();
        if let Some(r) = &opts.review {
            let texts = r.box_texts(&paras, &extracted.pages);
            for (i, b) in r.decisions.added_boxes.iter().enumerate() {
                if b.page >= extracted.pages.len() {
                    return Err(Error::Settings(format!(
                        "a reviewer box is on page {}, the document has {}",
                        b.page + 1,
                        extracted.pages.len()
                    )));
                }
                plan.add_rect(b.page, b.rect);
                let text: Vec<&str> = texts
                    .iter()
                    .filter(|(bi, _)| *bi == i)
                    .map(|(_, t)| t.as_str())
                    .collect();
                plan.strings.extend(text.iter().map(|t| t.to_string()));
                box_reports.push(EntityReport {
                    id: usize::MAX - i,
                    page: b.page,
                    rects: vec![b.rect],
                    category: b.category,
                    score: 1.0,
                    source: crate::review::BOX_SOURCE.into(),
                    propagated_from: None,
                    text: text.join(" "),
                    text_hmac: String::new(),
                });
            }
        }
        st.done("plan")?;

        // image-only pages whose pixels nobody could read: not OCR'd, or OCR read fewer
        // than three words or read them with low confidence (handwriting, a photo); the
        // text-only policy removes their images
        let unread = |i: usize| {
            ocr_pages.iter().find(|o| o.page == i).is_none_or(|o| {
                o.words.len() < 3 || ocr::mean_confidence(&o.words) < self.cfg.ocr.low_confidence
            })
        };
        let image_only: Vec<usize> = extracted
            .pages
            .iter()
            .filter(|p| {
                !self.cfg.strip_graphics
                    && p.has_images
                    && unread(p.index)
                    && p.glyphs
                        .iter()
                        .all(|g| g.ocr || g.generated || g.ch.is_whitespace())
            })
            .map(|p| p.index)
            .collect();

        // Redact, sanitise, verify; pages failing verification are rasterised and retried.
        let mut raster: BTreeMap<usize, RasterReason> = BTreeMap::new();
        if self.cfg.raster_all {
            for &i in plan.pages.keys() {
                raster.insert(
                    i,
                    RasterReason::new(i, "policy", "the policy rasterises redacted pages"),
                );
            }
        }
        let mut attempt = 0;
        let mut occurrences_added: BTreeSet<usize> = BTreeSet::new();
        let mut geometry: Option<Vec<(crate::types::Rect, i64)>> = None;
        // rasterised pages whose invisible text layer read a redacted string: written
        // without one on the next try
        let mut no_text_layer: BTreeSet<usize> = BTreeSet::new();
        let mut pixel_gate_pages: BTreeSet<usize> = BTreeSet::new();
        let (verified, built) = loop {
            attempt += 1;
            let built = self.build_output(
                &pdfium,
                &input,
                &mut plan,
                &extracted,
                (&raster, &no_text_layer),
            )?;
            st.done("redact")?;
            let raster_now: BTreeSet<usize> = built.raster.keys().copied().collect();
            match verify::verify(
                &pdfium,
                built.bytes.clone(),
                &extracted,
                &plan,
                &raster_now,
                self.limits(),
            ) {
                Ok(v) => {
                    // the pixel gate: pages read by OCR and rasterised pages are rendered
                    // and read again; no redacted string may read back from their pixels
                    let gate: BTreeSet<usize> = if self.cfg.ocr.enabled && !self.cfg.strip_graphics
                    {
                        ocr_pages
                            .iter()
                            .map(|o| o.page)
                            .chain(raster_now.iter().copied())
                            .collect()
                    } else {
                        BTreeSet::new()
                    };
                    if !gate.is_empty() && geometry.is_none() {
                        geometry = Some(ocr::geometry(&input, self.cfg.password.as_deref())?);
                    }
                    let read_back = match &geometry {
                        Some(geo) => {
                            ocr::read_back(&self.cfg.ocr, &pdfium, v.bytes(), geo, &gate, &plan)?
                        }
                        None => Vec::new(),
                    };
                    pixel_gate_pages.extend(gate.iter().copied());
                    if let Some((page, _)) = read_back.first() {
                        st.done("verify")?;
                        if attempt >= 4 {
                            return Err(Error::Verification {
                                check: verify::PIXELS_READ_BACK,
                                page: Some(page + 1),
                                object: None,
                            });
                        }
                        raster = built.raster;
                        for (p, rects) in read_back {
                            for r in rects {
                                plan.add_rect(p, r.pad(1.0));
                            }
                            raster.entry(p).or_insert_with(|| {
                                RasterReason::new(p, "verification", verify::PIXELS_READ_BACK)
                            });
                        }
                        continue;
                    }
                    if self.cfg.strip_graphics {
                        let doc =
                            Document::load_mem(v.bytes()).map_err(|_| Error::Verification {
                                check: "output does not parse",
                                page: None,
                                object: None,
                            })?;
                        redact::strip::check_stripped(&doc).map_err(|check| {
                            Error::Verification {
                                check,
                                page: None,
                                object: None,
                            }
                        })?;
                    }
                    st.done("verify")?;
                    break (v, built);
                }
                Err(Ok(failures)) if attempt < 4 => {
                    st.done("verify")?;
                    let before = built.raster.len();
                    raster = built.raster;
                    let mut widened = false;
                    for f in &failures {
                        // a rasterised page's text layer joins kept words into a redacted
                        // string (another reading order): drop the layer, keep the pixels
                        if f.check == verify::STRING_SURVIVES
                            && raster.contains_key(&f.page)
                            && no_text_layer.insert(f.page)
                        {
                            widened = true;
                            continue;
                        }
                        // an occurrence of a redacted string the detector did not mark:
                        // remove it too (once per page), rather than rasterise the page
                        if f.check == verify::STRING_SURVIVES
                            && !raster.contains_key(&f.page)
                            && occurrences_added.insert(f.page)
                        {
                            let rects = extracted
                                .pages
                                .get(f.page)
                                .map(|p| verify::unplanned_occurrences(&p.glyphs, &plan))
                                .unwrap_or_default();
                            if !rects.is_empty() {
                                for r in rects {
                                    plan.add_rect(f.page, r);
                                }
                                widened = true;
                                continue;
                            }
                        }
                        raster
                            .entry(f.page)
                            .or_insert_with(|| RasterReason::new(f.page, "verification", f.check));
                    }
                    if raster.len() == before && !widened {
                        let f = &failures[0];
                        return Err(Error::Verification {
                            check: f.check,
                            page: Some(f.page + 1),
                            object: None,
                        });
                    }
                }
                Err(Ok(failures)) => {
                    let f = &failures[0];
                    return Err(Error::Verification {
                        check: f.check,
                        page: Some(f.page + 1),
                        object: None,
                    });
                }
                // a check on the whole file failed after pages were widened to occurrences
                // the detector did not mark: rasterise those pages instead (their boxes,
                // the new ones included, are burnt in) and try again
                Err(Err(e @ Error::Verification { .. }))
                    if attempt < 4 && occurrences_added.iter().any(|p| !raster.contains_key(p)) =>
                {
                    st.done("verify")?;
                    raster = built.raster;
                    for &p in &occurrences_added {
                        raster.entry(p).or_insert_with(|| {
                            RasterReason::new(p, "verification", verify::STRING_SURVIVES)
                        });
                    }
                    drop(e);
                }
                Err(Err(e)) => return Err(e),
            }
        };

        let quasi = quasi_kept(&paras, &entities);
        let risk = risk::document_risk(
            &entities,
            RiskInputs {
                rasterised_pages: built.raster.len(),
                image_only_pages: image_only.len(),
                quasi_identifiers_kept: quasi,
                ocr_low_confidence: low_confidence,
            },
            &self.cfg.risk,
        );
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        for e in &entities {
            *counts.entry(e.category.as_str().to_string()).or_default() += 1;
        }
        let mut warnings = Vec::new();
        if !image_only.is_empty() {
            warnings.push(format!(
                "{} page(s) are images without a text layer that OCR could not read: their pixels were not searched for PHI",
                image_only.len()
            ));
        }
        if built.images_removed > 0 {
            warnings.push(format!(
                "{} image(s) and all vector graphics were removed (text-only policy)",
                built.images_removed
            ));
        }
        if built.sanitize.signatures_removed {
            warnings.push("digital signatures were removed".into());
        }
        let report = DocReport {
            pages: extracted.pages.len(),
            paragraphs: paras.len(),
            blobs: blob_count,
            headings: paras.iter().filter(|p| p.is_heading).count(),
            entities: {
                let mut v = entity_reports(&entities, &paras, &extracted);
                v.extend(box_reports);
                v
            },
            rejected: entity_reports(&rejected, &paras, &extracted),
            counts,
            review: risk.review || !image_only.is_empty(),
            risk,
            rasterised_pages: built.raster.keys().copied().collect(),
            raster_reasons: built.raster.values().map(ToString::to_string).collect(),
            raster: built.raster.into_values().collect(),
            image_only_pages: image_only,
            ocr_pages: ocr_pages.iter().map(ocr::OcrPage::report).collect(),
            pixel_checked_pages: pixel_gate_pages.into_iter().collect(),
            removed_glyphs: built.removed_glyphs,
            sanitize: built.sanitize,
            warnings,
        };
        Ok(Processed {
            output: verified,
            report,
            stage_ms: st.ms,
        })
    }

    /// Check the size, make every layer visible, extract, lay out, detect, apply
    /// rejections and added terms, search: everything up to the redaction plan. Hands back
    /// the (layer-visible) input and the pdfium handle with the document's time limit.
    fn analyse_pdf(
        &self,
        pdfium: &PdfiumService,
        input: Vec<u8>,
        review: Option<&Review<'_>>,
        st: &mut Stages<'_>,
    ) -> Result<Analysed> {
        if input.len() as u64 > self.cfg.limits.max_file_bytes {
            return Err(Error::TooLarge {
                what: "file bytes",
                value: input.len() as u64,
                limit: self.cfg.limits.max_file_bytes,
            });
        }
        let input = Arc::new(self.all_layers_visible(input));
        let pdfium = pdfium
            .clone()
            .with_timeout(std::time::Duration::from_secs(self.cfg.limits.timeout_s));
        let mut extracted =
            pdfium.extract(input.clone(), self.cfg.password.clone(), self.limits())?;
        let ocr_cfg = &self.cfg.ocr;
        let ocr_needed = if ocr_cfg.enabled && !self.cfg.strip_graphics {
            (0..extracted.pages.len())
                .filter(|&i| {
                    ocr::reason(
                        ocr_cfg,
                        &extracted.pages[i],
                        &extracted.images[i],
                        extracted.paths[i],
                    )
                    .is_some()
                })
                .count()
        } else {
            0
        };
        // an OCR'd page is read twice (input and the pixel gate)
        let limit = self.cfg.limits.limit_for_pages(extracted.pages.len())
            + ocr_needed as u64 * 2 * ocr_cfg.timeout_per_page_s;
        st.set_limit(limit);
        // later pdfium calls (rasterising, verification) get the page-scaled limit too
        let pdfium = pdfium.with_timeout(std::time::Duration::from_secs(limit));
        st.done("extract")?;
        let ocr_pages = if ocr_needed > 0 {
            let mut cfg = ocr_cfg.clone();
            cfg.enabled = true;
            ocr::ocr_document(
                &cfg,
                &pdfium,
                &input,
                self.cfg.password.as_deref(),
                &mut extracted,
            )?
        } else {
            Vec::new()
        };
        st.done("ocr")?;

        let mut paras = layout::paragraphs(&extracted.pages, &self.cfg.layout);
        blobs::mark_headings_with(
            &mut paras,
            &self.cfg.headings,
            self.cfg.heading_model.as_ref().map(|m| m.1.as_ref()),
        );
        let blob_list = blobs::blobs(&paras);
        st.done("layout")?;

        let units: Vec<TextUnit<'_>> = paras
            .iter()
            .map(|p| TextUnit {
                text: &p.text,
                page: Some(p.page),
                is_heading: p.is_heading,
            })
            .collect();
        let texts: Vec<&str> = units.iter().map(|u| u.text).collect();
        let mut entities = self.detect(&units, &blob_list)?;
        let mut rejected = Vec::new();
        if let Some(r) = review {
            rejected = r.drop_rejected(&texts, &mut entities);
            let next = entities.len() + rejected.len();
            entities.extend(r.term_entities(&texts, next));
        }
        st.done("detect")?;
        self.propagate(&units, &mut entities)?;
        if let Some(r) = review {
            rejected.extend(r.drop_rejected(&texts, &mut entities));
        }
        st.done("propagate")?;
        drop(units);
        drop(texts);
        Ok(Analysed {
            input,
            pdfium,
            blob_count: blob_list.len(),
            extracted,
            ocr_pages,
            paras,
            entities,
            rejected,
        })
    }

    /// The paragraphs of a PDF with the spans that would be redacted (after reviewer
    /// decisions), offsets in code points: labelled examples for training the NER. The
    /// caller asked for plaintext; nothing here is logged.
    pub fn labelled_paragraphs(
        &self,
        pdfium: &PdfiumService,
        input: Vec<u8>,
        review: Option<Review<'_>>,
    ) -> Result<Vec<LabelledParagraph>> {
        let mut st = Stages::new(self.cfg.limits.timeout_s, &ProcessOptions::default());
        let a = self.analyse_pdf(pdfium, input, review.as_ref(), &mut st)?;
        let cp = |t: &str, byte: usize| t.get(..byte).map_or(0, |p| p.chars().count());
        Ok(a.paras
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let mut spans: Vec<LabelledSpan> = a
                    .entities
                    .iter()
                    .filter(|e| e.para == i)
                    .map(|e| LabelledSpan {
                        start: cp(&p.text, e.start),
                        end: cp(&p.text, e.end),
                        label: e.category,
                    })
                    .collect();
                spans.sort_by_key(|s| (s.start, s.end));
                LabelledParagraph {
                    page: p.page,
                    text: p.text.clone(),
                    spans,
                }
            })
            .collect())
    }

    /// Content in optional-content groups that are switched off is still content (and
    /// pdfium would not extract it): a file with `/OCProperties` is rewritten without them
    /// before anything else looks at it, so every layer is searched and redacted.
    fn all_layers_visible(&self, input: Vec<u8>) -> Vec<u8> {
        let needle: &[u8] = b"/OCProperties";
        if !input.windows(needle.len()).any(|w| w == needle) {
            return input;
        }
        let opts = LoadOptions {
            password: self.cfg.password.clone(),
            ..LoadOptions::default()
        };
        let Ok(mut doc) = Document::load_mem_with_options(&input, opts) else {
            return input;
        };
        let Some(root) = doc
            .trailer
            .get(b"Root")
            .ok()
            .and_then(|o| o.as_reference().ok())
        else {
            return input;
        };
        let removed = doc
            .get_dictionary_mut(root)
            .map(|c| c.remove(b"OCProperties").is_some())
            .unwrap_or(false);
        let mut out = Vec::new();
        if !removed || doc.is_encrypted() || doc.save_to(&mut out).is_err() {
            return input;
        }
        out
    }

    fn build_output(
        &self,
        pdfium: &PdfiumService,
        input: &Arc<Vec<u8>>,
        plan: &mut RedactionPlan,
        extracted: &Extracted,
        (raster_in, no_text_layer): (&BTreeMap<usize, RasterReason>, &BTreeSet<usize>),
    ) -> Result<Built> {
        let opts = LoadOptions {
            password: self.cfg.password.clone(),
            ..LoadOptions::default()
        };
        let mut doc = Document::load_mem_with_options(input, opts).map_err(|e| match e {
            lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => Error::Encrypted,
            other => Error::Damaged(format!("lopdf: {}", lopdf_kind(&other))),
        })?;
        if doc.is_encrypted() {
            return Err(Error::Encrypted);
        }
        let pages: Vec<lopdf::ObjectId> = doc.get_pages().into_values().collect();
        if pages.len() != extracted.pages.len() {
            return Err(Error::Damaged(format!(
                "page tree differs between readers ({} vs {})",
                pages.len(),
                extracted.pages.len()
            )));
        }
        // text-only: strip graphics first (the redaction boxes are painted afterwards), and
        // rasterise from the stripped document so no removed pixel comes back
        let mut images_removed = 0;
        let render_src = if self.cfg.strip_graphics {
            let rep = redact::strip::strip_graphics(&mut doc)
                .map_err(|why| Error::Damaged(format!("text-only policy: {why}")))?;
            images_removed = rep.images;
            let mut b = Vec::new();
            doc.save_to(&mut b)
                .map_err(|e| Error::io("serialising the stripped document", &e))?;
            Arc::new(b)
        } else {
            input.clone()
        };
        for (page, r) in sanitize::pending_redact_rects(&doc) {
            if !plan.rects(page).contains(&r) {
                plan.add_rect(page, r);
            }
        }
        let mut raster = raster_in.clone();
        // words read by OCR have no text object behind them: a page where one is redacted
        // is redacted in its pixels
        for (i, p) in extracted.pages.iter().enumerate() {
            let rects = plan.rects(i);
            let ocr_hit = p
                .glyphs
                .iter()
                .any(|g| g.ocr && !g.generated && rects.iter().any(|r| r.intersects(&g.loose)));
            if ocr_hit && !raster.contains_key(&i) {
                raster.insert(
                    i,
                    RasterReason::new(i, "ocr", "text read from the pixels is redacted in them"),
                );
            }
        }
        let mut removed = 0;
        for (i, pid) in pages.iter().enumerate() {
            if raster.contains_key(&i) {
                continue;
            }
            let rects = plan.rects(i).to_vec();
            match redact::redact_page(&mut doc, *pid, &rects, self.cfg.mark) {
                PageOutcome::Rasterise(why) => {
                    raster.insert(i, RasterReason::new(i, "unsupported", &why));
                }
                PageOutcome::Rewritten { removed_glyphs } => removed += removed_glyphs,
                PageOutcome::Untouched => {}
            }
        }
        for &i in raster.keys() {
            let img = pdfium.render(
                render_src.clone(),
                if self.cfg.strip_graphics {
                    None
                } else {
                    self.cfg.password.clone()
                },
                i,
                self.cfg.raster_dpi,
            )?;
            let (visible, rotate) = crate::pdf::page_geometry(&doc, pages[i]);
            raster::rasterise_page(&mut doc, pages[i], &img, plan.rects(i), self.cfg.mark)
                .map_err(|why| Error::Redact {
                    page: i + 1,
                    reason: why.to_string(),
                })?;
            // searchable again: the words outside the boxes as invisible text, unless the
            // policy rasterises on purpose, or a redacted string would read from them
            let policy = raster.get(&i).is_some_and(|r| r.code == "policy");
            if !policy
                && !no_text_layer.contains(&i)
                && !self.cfg.strip_graphics
                && raster::text_layer_is_clean(
                    &extracted.pages[i].glyphs,
                    plan.rects(i),
                    &plan.strings,
                )
            {
                raster::add_text_layer(
                    &mut doc,
                    pages[i],
                    &extracted.pages[i].glyphs,
                    plan.rects(i),
                    &visible,
                    rotate,
                )
                .map_err(|why| Error::Redact {
                    page: i + 1,
                    reason: why.to_string(),
                })?;
            }
        }
        let sanitize = sanitize::sanitize(&mut doc);
        doc.compress();
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes)
            .map_err(|e| Error::io("serialising output", &e))?;
        Ok(Built {
            bytes,
            images_removed,
            raster,
            removed_glyphs: removed,
            sanitize,
        })
    }
}

struct Analysed {
    input: Arc<Vec<u8>>,
    pdfium: PdfiumService,
    extracted: Extracted,
    ocr_pages: Vec<ocr::OcrPage>,
    paras: Vec<Paragraph>,
    blob_count: usize,
    entities: Vec<Entity>,
    rejected: Vec<Entity>,
}

/// A paragraph with its redacted spans (code-point offsets), as a training example.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelledParagraph {
    pub page: usize,
    pub text: String,
    pub spans: Vec<LabelledSpan>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LabelledSpan {
    pub start: usize,
    pub end: usize,
    pub label: Category,
}

struct Built {
    bytes: Vec<u8>,
    images_removed: usize,
    /// Every page that is an image in this build, with its reason.
    raster: BTreeMap<usize, RasterReason>,
    removed_glyphs: usize,
    sanitize: SanitizeReport,
}

fn is_month_or_weekday(w: &str) -> bool {
    const NAMES: [&str; 19] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    let l = w.to_lowercase();
    NAMES
        .iter()
        .any(|n| l == *n || (l.len() >= 3 && l.len() <= 4 && n.starts_with(l.as_str())))
}

/// The variant name of a lopdf error, never its payload (which may quote document bytes).
fn lopdf_kind(e: &lopdf::Error) -> String {
    let s = format!("{e:?}");
    s.split(['(', '{', ' '])
        .next()
        .unwrap_or("error")
        .to_string()
}

fn quasi_kept(paras: &[Paragraph], entities: &[Entity]) -> usize {
    paras
        .iter()
        .map(|p| {
            let mut t = p.text.clone().into_bytes();
            for e in entities.iter().filter(|e| e.para == p.id) {
                for b in t.iter_mut().take(e.end).skip(e.start) {
                    *b = b' ';
                }
            }
            risk::quasi_identifiers(&String::from_utf8_lossy(&t))
        })
        .sum()
}

fn entity_reports(entities: &[Entity], paras: &[Paragraph], ex: &Extracted) -> Vec<EntityReport> {
    entities
        .iter()
        .filter_map(|e| {
            let p = paras.get(e.para)?;
            let one = plan::build(paras, &ex.pages, std::slice::from_ref(e));
            let rects: Vec<Rect> = one.pages.values().flat_map(|pp| pp.rects.clone()).collect();
            Some(EntityReport {
                id: e.id,
                page: p.page,
                rects,
                category: e.category,
                score: e.score,
                source: e.source_label(),
                propagated_from: e.propagated_from,
                text: p.text.get(e.start..e.end).unwrap_or_default().to_string(),
                text_hmac: String::new(),
            })
        })
        .collect()
}

/// Run the pipeline, turning a panic into an `internal` outcome instead of unwinding.
pub fn process_guarded(
    engine: &Engine,
    pdfium: &PdfiumService,
    bytes: Vec<u8>,
) -> Result<Processed, Error> {
    process_guarded_with(engine, pdfium, bytes, ProcessOptions::default())
}

/// [`process_guarded`] with reviewer decisions and a stage observer.
pub fn process_guarded_with(
    engine: &Engine,
    pdfium: &PdfiumService,
    bytes: Vec<u8>,
    opts: crate::ProcessOptions<'_>,
) -> Result<Processed, Error> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        engine.process_pdf_with(pdfium, bytes, opts)
    })) {
        Ok(r) => r,
        Err(_) => Err(Error::Internal("pipeline panicked")),
    }
}

/// Convenience: the process-wide pdfium service with the default library search.
pub fn default_pdfium() -> Result<PdfiumService> {
    pdfium::service(None)
}
