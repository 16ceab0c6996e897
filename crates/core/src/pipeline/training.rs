//! Labelled paragraphs for training export (document text: only where the user asks).

use serde::{Deserialize, Serialize};

use super::{Engine, ProcessOptions, Stages};
use crate::error::Result;
use crate::pdfium::PdfiumService;
use crate::review::Review;
use crate::types::Category;

impl Engine {
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
