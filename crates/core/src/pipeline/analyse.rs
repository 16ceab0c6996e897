//! Everything up to the redaction plan: size check, all layers visible, extraction, OCR,
//! layout, headings and blobs, detection, reviewer decisions, search.

use std::sync::Arc;

use super::{Engine, Stages};
use crate::blobs;
use crate::detect::{Entity, TextUnit};
use crate::error::{Error, Result};
use crate::layout;
use crate::ocr;
use crate::pdfium::{Extracted, PdfiumService};
use crate::review::Review;
use crate::types::Paragraph;

impl Engine {
    /// Check the size, make every layer visible, extract, lay out, detect, apply
    /// rejections and added terms, search: everything up to the redaction plan. Hands back
    /// the (layer-visible) input and the pdfium handle with the document's time limit.
    pub(super) fn analyse_pdf(
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
        let mut kept = self.apply_policy(&texts, &mut entities, true);
        st.done("detect")?;
        self.propagate(&units, &mut entities)?;
        if let Some(r) = review {
            rejected.extend(r.drop_rejected(&texts, &mut entities));
            // the hybrid search can find a dropped detection again: one report each
            rejected.sort_by_key(|e| (e.para, e.start, e.end));
            rejected.dedup_by_key(|e| (e.para, e.start, e.end));
        }
        kept.extend(self.apply_policy(&texts, &mut entities, false));
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
            kept,
        })
    }
}

pub(super) struct Analysed {
    pub(super) input: Arc<Vec<u8>>,
    pub(super) pdfium: PdfiumService,
    pub(super) extracted: Extracted,
    pub(super) ocr_pages: Vec<ocr::OcrPage>,
    pub(super) paras: Vec<Paragraph>,
    pub(super) blob_count: usize,
    pub(super) entities: Vec<Entity>,
    pub(super) rejected: Vec<Entity>,
    /// Detections of categories the policy keeps (left in the document).
    pub(super) kept: Vec<Entity>,
}
