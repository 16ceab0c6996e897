//! What a finished document leaves behind besides its output: the `.deid.json` report
//! beside it and its row in the job log (entities, raster and OCR pages), all without
//! document text.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::joblog::{DocStatus, DocumentRecord, EntityRow, OcrRow, OutputRow, RasterRow};
use crate::pipeline::{DocReport, EntityReport};

/// The per-document report written beside the output (no document text).
#[derive(Debug, Serialize)]
pub(super) struct ReportFile<'a> {
    pub(super) tool: &'static str,
    pub(super) version: &'static str,
    pub(super) policy: &'a str,
    pub(super) input_sha256: &'a str,
    pub(super) output_sha256: &'a str,
    pub(super) status: DocStatus,
    pub(super) report: &'a DocReport,
}

/// Who a record is about and when (the parts a failed document has too).
pub(super) struct RecordHead {
    pub(super) input_path_hmac: String,
    pub(super) input_sha256: String,
    pub(super) settings_hash: String,
    pub(super) started_at: String,
}

/// The job-log record of a document that was written.
pub(super) fn done_record(
    head: RecordHead,
    output_tag: String,
    output: OutputRow,
    status: DocStatus,
    report: &DocReport,
    stage_ms: BTreeMap<String, u64>,
) -> DocumentRecord {
    // rejected detections are logged too (source `rejected:<detectors>`): the reviewer's
    // decisions are part of the chained record, without plaintext
    let rejected: Vec<EntityReport> = report
        .rejected
        .iter()
        .map(|e| EntityReport {
            source: format!("rejected:{}", e.source),
            ..e.clone()
        })
        .collect();
    let entities = report
        .entities
        .iter()
        .chain(&rejected)
        .flat_map(|e| {
            let rects = if e.rects.is_empty() {
                vec![Default::default()]
            } else {
                e.rects.clone()
            };
            rects
                .into_iter()
                .map(move |r: crate::types::Rect| EntityRow {
                    page: e.page as u32,
                    rect: [r.x0, r.y0, r.x1, r.y1],
                    category: e.category.as_str().to_string(),
                    score: e.score,
                    source: e.source.clone(),
                    text_hmac: e.text_hmac.clone(),
                })
        })
        .collect::<Vec<_>>();
    DocumentRecord {
        input_path_hmac: head.input_path_hmac,
        input_sha256: head.input_sha256,
        settings_hash: head.settings_hash,
        output_path: Some(output_tag),
        status,
        error_code: None,
        pages: report.pages as u32,
        paragraphs: report.paragraphs as u32,
        counts: report.counts.clone(),
        risk_score: report.risk.score,
        stage_ms,
        started_at: head.started_at,
        finished_at: super::now_rfc3339(),
        entities,
        raster: report
            .raster
            .iter()
            .map(|r| RasterRow {
                page: r.page as u32,
                code: r.code.clone(),
                detail: r.detail.clone(),
            })
            .collect(),
        ocr: report
            .ocr_pages
            .iter()
            .map(|o| OcrRow {
                page: o.page as u32 + 1,
                reason: o.reason.clone(),
                words: o.words as u32,
                mean_confidence: o.mean_confidence,
            })
            .collect(),
        output: Some(output),
    }
}

/// The job-log record of a document that failed (no output, risk 1).
pub(super) fn failed_record(head: RecordHead, code: &str) -> DocumentRecord {
    DocumentRecord {
        input_path_hmac: head.input_path_hmac,
        input_sha256: head.input_sha256,
        settings_hash: head.settings_hash,
        output_path: None,
        status: DocStatus::Failed,
        error_code: Some(code.to_string()),
        pages: 0,
        paragraphs: 0,
        counts: BTreeMap::new(),
        risk_score: 1.0,
        stage_ms: BTreeMap::new(),
        started_at: head.started_at,
        finished_at: super::now_rfc3339(),
        entities: Vec::new(),
        raster: Vec::new(),
        ocr: Vec::new(),
        output: None,
    }
}
