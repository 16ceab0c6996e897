//! Where a term the reviewer typed would be redacted, before it is added: the same
//! whole-word, case-insensitive match as an added term, over the text layer (no
//! detection, no OCR), with the rectangles it would remove.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Engine;
use crate::error::Result;
use crate::layout;
use crate::pdfium::PdfiumService;
use crate::plan;
use crate::review::{term_entities, AddedTerm};
use crate::types::Rect;

/// One occurrence of a term: its page (0-based) and the rectangles it would remove there
/// (PDF user space).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TermHit {
    pub page: usize,
    pub rects: Vec<Rect>,
}

impl Engine {
    /// Every occurrence of `terms` in the document's text layer, in text order.
    pub fn term_hits(
        &self,
        pdfium: &PdfiumService,
        input: Vec<u8>,
        terms: &[AddedTerm],
    ) -> Result<Vec<TermHit>> {
        let input = Arc::new(self.all_layers_visible(input));
        let extracted = pdfium
            .clone()
            .with_timeout(std::time::Duration::from_secs(self.cfg.limits.timeout_s))
            .extract(input, self.cfg.password.clone(), self.limits())?;
        let paras = layout::paragraphs(&extracted.pages, &self.cfg.layout);
        let texts: Vec<&str> = paras.iter().map(|p| p.text.as_str()).collect();
        let hits = term_entities(terms, &texts, 0, crate::review::REVIEWER);
        Ok(hits
            .iter()
            .filter_map(|e| {
                let one = plan::build(
                    &paras,
                    &extracted.pages,
                    std::slice::from_ref(e),
                    &self.cfg.rules,
                );
                let page = *one.pages.keys().next()?;
                let rects = one.pages.into_values().flat_map(|pp| pp.rects).collect();
                Some(TermHit { page, rects })
            })
            .collect())
    }
}
