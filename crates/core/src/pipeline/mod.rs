//! The pipeline: the only place that knows the order of the stages.
//!
//! extract (pdfium thread) → layout → headings/DepFlag/blobs → detect (rayon over blobs,
//! batched detectors) → merge → propagate → risk → plan → redact + sanitise (lopdf) →
//! verify (pdfium) → [`Processed`] holding a [`Verified`] output.

mod analyse;
mod detection;
mod output;
mod preview;
mod report;
mod stage;
mod training;

use std::sync::Arc;

use crate::config::Config;
use crate::detect::{rules::RuleDetector, BatchDetector};
use crate::error::{Error, Result};
use crate::ocr;
use crate::pdfium::{self, ExtractLimits, PdfiumService};
use crate::plan::{self};

use analyse::Analysed;
use output::Verifiedbuild;
pub use preview::TermHit;
use report::reviewer_boxes;
pub use report::{DocReport, EntityReport, Processed, RasterReason};
use stage::Stages;
pub use stage::{ProcessOptions, Stage};
pub use training::{LabelledParagraph, LabelledSpan};

/// What a job records about an engine, and all a parent process that only starts workers
/// needs: built by [`Engine::info`] or, without loading any model, by
/// [`crate::engine::describe`] (both give the same value; tested).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EngineInfo {
    /// Hash of everything that changes an output: the configuration (policy, thresholds,
    /// limits, heading model and its weights, program version), every detector's
    /// fingerprint in order (rule set and build, NER model name@version, registry entry
    /// and base-encoder sha256) and the core's build identity. Stored with every job and
    /// document; a re-run skips a document only when this hash is unchanged.
    pub settings_hash: String,
    /// Names of the active detectors and models.
    pub detectors: Vec<String>,
    pub policy: String,
    /// The per-document time limit before the per-page allowance, seconds.
    pub timeout_s: u64,
    /// The site profile, "name sha256:…" (its canonical content's hash), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
}

impl EngineInfo {
    /// From the configuration and the detectors' `(name, fingerprint)`: the rule-style
    /// detectors in order, then the learned one.
    pub fn new(
        cfg: &Config,
        detectors: Vec<(String, String)>,
        ner: Option<(String, String)>,
    ) -> EngineInfo {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(cfg.settings_hash());
        for (_, fp) in &detectors {
            h.update(format!("|detector:{fp}"));
        }
        if let Some((_, fp)) = &ner {
            h.update(format!("|ner:{fp}"));
        }
        h.update(format!("|build:{}", crate::BUILD_ID));
        let mut names: Vec<String> = detectors.into_iter().chain(ner).map(|d| d.0).collect();
        if let Some((spec, _)) = &cfg.heading_model {
            names.push(spec.clone());
        }
        EngineInfo {
            settings_hash: hex::encode(h.finalize()),
            detectors: names,
            policy: cfg.policy.to_string(),
            timeout_s: cfg.limits.timeout_s,
            profile: cfg.profile.as_ref().map(crate::policy::Profile::label),
        }
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
        self.info().settings_hash
    }

    /// What a job records about this engine (settings hash, detector names, policy).
    pub fn info(&self) -> EngineInfo {
        EngineInfo::new(
            &self.cfg,
            self.detector_fingerprints(),
            self.ner
                .as_ref()
                .map(|n| (n.name().to_string(), n.fingerprint())),
        )
    }

    /// The calibration of detection scores the NER model carries, if any.
    pub fn calibration(&self) -> Option<&crate::calibration::Calibration> {
        self.ner.as_ref().and_then(|n| n.calibration())
    }

    /// What [`Engine::detector_fingerprints`] gives for an engine built from `cfg` with
    /// [`Engine::new`], without building it (compiling the rules' patterns is a tenth of a
    /// second a process).
    pub fn new_detector_fingerprints(cfg: &Config) -> Vec<(String, String)> {
        vec![(
            "rules".to_string(),
            RuleDetector::fingerprint_for(cfg.min_age),
        )]
    }

    /// `(name, fingerprint)` of the detectors other than the learned one, in order.
    pub fn detector_fingerprints(&self) -> Vec<(String, String)> {
        self.detectors
            .iter()
            .map(|d| (d.name().to_string(), d.fingerprint()))
            .collect()
    }

    /// Names of the active detectors and models (for the job record).
    pub fn detector_names(&self) -> Vec<String> {
        self.info().detectors
    }

    pub(super) fn limits(&self) -> ExtractLimits {
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
            kept,
        } = self.analyse_pdf(pdfium, input, opts.review.as_ref(), &mut st)?;
        let mut plan = plan::build(&paras, &extracted.pages, &entities, &self.cfg.rules);
        // a text the reviewer kept at one place cannot be a string the gate must not find;
        // its other occurrences are still planned, and check 1 sees their glyphs go
        if !rejected.is_empty() {
            let kept_texts: std::collections::BTreeSet<String> = rejected
                .iter()
                .filter_map(|e| paras.get(e.para)?.text.get(e.start..e.end))
                .map(crate::text::normalise)
                .collect();
            plan.strings
                .retain(|s| !kept_texts.contains(&crate::text::normalise(s)));
        }
        if self.cfg.mark == crate::types::Mark::Label {
            let key = opts.key.ok_or_else(|| {
                Error::Settings("the label mark needs the installation key".into())
            })?;
            plan::add_labels(
                &mut plan,
                &paras,
                &extracted.pages,
                &entities,
                &self.cfg.rules,
                key,
            );
        }
        // misread words next to a redaction on an OCR'd line go too
        let mut low_confidence = 0;
        for op in &ocr_pages {
            for r in ocr::low_confidence_neighbours(&self.cfg.ocr, op, plan.rects(op.page)) {
                plan.add_rect(op.page, r);
                low_confidence += 1;
            }
        }
        let box_reports = match &opts.review {
            Some(r) => reviewer_boxes(r, &paras, &extracted, &mut plan)?,
            None => Vec::new(),
        };
        st.done("plan")?;
        let image_only = self.image_only_pages(&extracted, &ocr_pages);
        let Verifiedbuild {
            verified,
            built,
            pixel_checked,
        } = self.build_verified(
            &pdfium,
            &input,
            &mut plan,
            (&extracted, &ocr_pages),
            &mut st,
        )?;
        let report = self.document_report(
            (&extracted, &paras, blob_count),
            (&entities, &rejected, box_reports, &kept),
            (built, &ocr_pages, pixel_checked),
            (image_only, low_confidence),
        );
        let text = if self.cfg.text_out {
            let key = opts.key.ok_or_else(|| {
                Error::Settings("the text output needs the installation key".into())
            })?;
            let s =
                crate::surrogate::Surrogates::new(key, &paras, &entities, self.cfg.rules.day_first);
            // the entities are checked by their spans; the reviewer's boxes by their texts
            let boxes: Vec<&str> = report
                .entities
                .iter()
                .filter(|e| e.source == crate::review::BOX_SOURCE)
                .map(|e| e.text.as_str())
                .collect();
            Some(
                s.document_text(&paras, &entities, &boxes)
                    .map_err(|_| Error::Verification {
                        check: "the text output still held a detected string",
                        page: None,
                        object: None,
                    })?,
            )
        } else {
            None
        };
        Ok(Processed {
            output: verified,
            report,
            stage_ms: st.ms,
            text,
        })
    }
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
