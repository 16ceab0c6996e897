//! What a processed document reports: entities (no text), raster and OCR pages, risk,
//! sanitisation; and the [`Processed`] value the pipeline returns.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::output::Built;
use super::Engine;
use crate::detect::Entity;
use crate::error::{Error, Result};
use crate::ocr;
use crate::pdfium::Extracted;
use crate::plan::{self};
use crate::review::Review;
use crate::risk::{self, RiskInputs, RiskReport};
use crate::sanitize::SanitizeReport;
use crate::types::RedactionPlan;
use crate::types::{Category, Paragraph, Rect};
use crate::verify::Verified;
use std::collections::BTreeSet;

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
    /// Where the detection starts in the document's text (none for a reviewer's box): a
    /// reviewer rejects this one occurrence by it.
    #[serde(default)]
    pub at: Option<crate::review::TextAt>,
    /// Calibrated probability that it is PHI (the NER model's calibration of the combined
    /// detector's scores; none without one, and for a reviewer's box).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f32>,
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
    pub(super) fn new(page: usize, code: &str, detail: &str) -> Self {
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
    /// Whitespace-separated words in the paragraphs (for throughput figures).
    #[serde(default)]
    pub words: usize,
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
    /// The de-identified text (`Config::text_out`), checked to hold no detected string.
    pub text: Option<String>,
}

pub(super) fn quasi_kept(paras: &[Paragraph], entities: &[Entity]) -> usize {
    paras
        .iter()
        .map(|p| risk::quasi_identifiers_left(&p.text, entities.iter().filter(|e| e.para == p.id)))
        .sum()
}

pub(super) fn entity_reports(
    entities: &[Entity],
    paras: &[Paragraph],
    ex: &Extracted,
    rules: &crate::policy::PolicyRules,
) -> Vec<EntityReport> {
    entities
        .iter()
        .filter_map(|e| {
            let p = paras.get(e.para)?;
            let one = plan::build(paras, &ex.pages, std::slice::from_ref(e), rules);
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
                at: Some(crate::review::TextAt {
                    para: e.para,
                    start: e.start,
                }),
                probability: None,
            })
        })
        .collect()
}

/// The reviewer's added boxes: into the plan (with the text under them for the gate) and
/// into the report as entities of source `reviewer-box`.
pub(super) fn reviewer_boxes(
    r: &Review<'_>,
    paras: &[Paragraph],
    extracted: &Extracted,
    plan: &mut RedactionPlan,
) -> Result<Vec<EntityReport>> {
    let mut box_reports = Vec::new();
    let texts = r.box_texts(paras, &extracted.pages);
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
            at: None,
            probability: None,
        });
    }
    Ok(box_reports)
}

impl Engine {
    /// Each detection's calibrated probability of PHI, when the model carries a calibration.
    fn calibrate(&self, reports: &mut [EntityReport]) {
        if let Some(c) = self.calibration() {
            for e in reports {
                e.probability = c.prob(e.category.as_str(), e.score);
            }
        }
    }

    /// Image-only pages whose pixels nobody could read: not OCR'd, or OCR read fewer than
    /// three words or read them with low confidence (handwriting, a photo); the text-only
    /// policy removes their images.
    pub(super) fn image_only_pages(
        &self,
        extracted: &Extracted,
        ocr_pages: &[ocr::OcrPage],
    ) -> Vec<usize> {
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
        image_only
    }

    /// The document's report: entities without text, risk, raster and OCR pages, warnings.
    pub(super) fn document_report(
        &self,
        (extracted, paras, blob_count): (&Extracted, &[Paragraph], usize),
        (entities, rejected, box_reports, kept): (
            &[Entity],
            &[Entity],
            Vec<EntityReport>,
            &[Entity],
        ),
        (built, ocr_pages, pixel_checked): (Built, &[ocr::OcrPage], BTreeSet<usize>),
        (image_only, low_confidence): (Vec<usize>, usize),
    ) -> DocReport {
        // quasi-identifiers left in: those the risk heuristics see in the text not removed,
        // and every detection of a category the policy keeps
        let quasi = quasi_kept(paras, entities) + kept.len();
        let risk = risk::document_risk(
            entities,
            RiskInputs {
                rasterised_pages: built.raster.len(),
                image_only_pages: image_only.len(),
                quasi_identifiers_kept: quasi,
                ocr_low_confidence: low_confidence,
                candidates_left: paras
                    .iter()
                    .map(|p| {
                        // what the reviewer rejected was looked at: no candidate
                        let in_para = |e: &&Entity| e.para == p.id;
                        self.candidates_left(
                            &p.text,
                            entities
                                .iter()
                                .filter(in_para)
                                .chain(rejected.iter().filter(in_para)),
                        )
                    })
                    .sum(),
            },
            &self.cfg.risk,
        );
        let mut counts: BTreeMap<String, u32> = BTreeMap::new();
        for e in entities {
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
        if !kept.is_empty() {
            let mut by_cat: BTreeMap<&str, usize> = BTreeMap::new();
            for e in kept {
                *by_cat.entry(e.category.as_str()).or_default() += 1;
            }
            let list: Vec<String> = by_cat.iter().map(|(c, n)| format!("{c} {n}")).collect();
            warnings.push(format!(
                "{} detection(s) kept by the {} policy: {}",
                kept.len(),
                self.cfg.policy,
                list.join(", ")
            ));
        }
        if built.sanitize.signatures_removed {
            warnings.push("digital signatures were removed".into());
        }
        DocReport {
            pages: extracted.pages.len(),
            paragraphs: paras.len(),
            words: paras
                .iter()
                .map(|p| p.text.split_whitespace().count())
                .sum(),
            blobs: blob_count,
            headings: paras.iter().filter(|p| p.is_heading).count(),
            entities: {
                let mut v = entity_reports(entities, paras, extracted, &self.cfg.rules);
                self.calibrate(&mut v);
                v.extend(box_reports);
                v
            },
            rejected: {
                let mut v = entity_reports(rejected, paras, extracted, &self.cfg.rules);
                self.calibrate(&mut v);
                v
            },
            counts,
            review: risk.review || !image_only.is_empty(),
            risk,
            rasterised_pages: built.raster.keys().copied().collect(),
            raster_reasons: built.raster.values().map(ToString::to_string).collect(),
            raster: built.raster.into_values().collect(),
            image_only_pages: image_only,
            ocr_pages: ocr_pages.iter().map(ocr::OcrPage::report).collect(),
            pixel_checked_pages: pixel_checked.into_iter().collect(),
            removed_glyphs: built.removed_glyphs,
            sanitize: built.sanitize,
            warnings,
        }
    }
}
