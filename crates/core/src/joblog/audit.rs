//! Everything the job log holds about one job, for an audit report: the job's settings
//! and model versions, each document's hashes, counts, risk, timings, raster and OCR
//! pages and the reviewer's decisions (by category and HMAC), and the hash chain's state.
//! Nothing here is document text: the log holds none.

use std::collections::BTreeMap;

use rusqlite::OptionalExtension;

use crate::detector::{BOX_SOURCE, REVIEWER};

use super::{ChainCheck, JobLog, JobLogError, OcrRow, OutputRow, RasterRow, Result};

/// The job row.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditJob {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub tool_version: String,
    pub settings_hash: String,
    /// JSON object: detector and model name → version.
    pub model_versions: String,
}

/// A reviewer's decision on one detection: `rejected` (kept in the output) or `added`
/// (a box or term the reviewer added), with its category and the HMAC of its text.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditDecision {
    pub page: u32,
    pub category: String,
    pub kind: &'static str,
    pub text_hmac: String,
}

/// One document of the job.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditDocument {
    pub id: i64,
    pub input_path_hmac: String,
    pub input_sha256: String,
    /// The output's tag (an HMAC of its path) when one was written.
    pub output_tag: Option<String>,
    /// The written output's sha256 and size (job logs from schema version 5 on).
    pub output: Option<OutputRow>,
    pub status: String,
    pub error_code: Option<String>,
    pub pages: u32,
    pub paragraphs: u32,
    pub risk_score: f32,
    pub started_at: String,
    pub finished_at: String,
    pub stage_ms: BTreeMap<String, u64>,
    /// Redacted detections per category (the document's counts).
    pub counts: BTreeMap<String, u32>,
    /// Redaction boxes per (1-based page, category); one detection can need several.
    pub per_page: BTreeMap<(u32, String), u32>,
    pub decisions: Vec<AuditDecision>,
    pub raster: Vec<RasterRow>,
    pub ocr: Vec<OcrRow>,
    /// This document's link in the hash chain.
    pub row_hash: String,
}

/// A job as the audit report shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Audit {
    pub job: AuditJob,
    pub documents: Vec<AuditDocument>,
    /// The whole log's chain, checked when the report was made.
    pub chain: ChainCheck,
    /// The newest `row_hash` of the log (its chain head) and how many document rows it has.
    pub chain_head: String,
    pub chain_rows: u64,
}

fn json_map<T: serde::de::DeserializeOwned + Default>(s: &str) -> T {
    serde_json::from_str(s).unwrap_or_default()
}

impl JobLog {
    /// The audit data of job `job_id`; an unknown job is an error.
    pub fn audit(&self, job_id: i64) -> Result<Audit> {
        let job = self
            .conn
            .query_row(
                "SELECT id, started_at, finished_at, status, tool_version, settings_hash, \
                 model_versions FROM jobs WHERE id = ?1",
                [job_id],
                |r| {
                    Ok(AuditJob {
                        id: r.get(0)?,
                        started_at: r.get(1)?,
                        finished_at: r.get(2)?,
                        status: r.get(3)?,
                        tool_version: r.get(4)?,
                        settings_hash: r.get(5)?,
                        model_versions: r.get(6)?,
                    })
                },
            )
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => {
                    JobLogError::InvalidInput("no job with that id in the job log")
                }
                other => other.into(),
            })?;
        let mut stmt = self.conn.prepare(
            "SELECT id, input_path_hmac, input_sha256, output_path, status, error_code, pages, \
             paragraphs, risk_score, started_at, finished_at, stage_ms_json, row_hash, \
             counts_json \
             FROM documents WHERE job_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([job_id], |r| {
            Ok(AuditDocument {
                id: r.get(0)?,
                input_path_hmac: r.get(1)?,
                input_sha256: r.get(2)?,
                output_tag: r.get(3)?,
                output: None,
                status: r.get(4)?,
                error_code: r.get(5)?,
                pages: r.get(6)?,
                paragraphs: r.get(7)?,
                risk_score: r.get::<_, f64>(8)? as f32,
                started_at: r.get(9)?,
                finished_at: r.get(10)?,
                stage_ms: json_map(&r.get::<_, String>(11)?),
                counts: json_map(&r.get::<_, String>(13)?),
                per_page: BTreeMap::new(),
                decisions: Vec::new(),
                raster: Vec::new(),
                ocr: Vec::new(),
                row_hash: r.get(12)?,
            })
        })?;
        let mut documents = rows.collect::<rusqlite::Result<Vec<_>>>()?;
        let mut ents = self.conn.prepare(
            "SELECT page, category, source, text_hmac FROM entities \
             WHERE document_id = ?1 ORDER BY id",
        )?;
        for d in &mut documents {
            let rows = ents.query_map([d.id], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            for row in rows {
                // entity rows are per box and pages 0-based
                let (page, category, source, text_hmac) = row?;
                let page = page + 1;
                let kind = if source.starts_with("rejected:") {
                    Some("rejected")
                } else if source.split('+').any(|s| s == REVIEWER || s == BOX_SOURCE) {
                    Some("added")
                } else {
                    None
                };
                if let Some(kind) = kind {
                    let decision = AuditDecision {
                        page,
                        category: category.clone(),
                        kind,
                        text_hmac,
                    };
                    if !d.decisions.contains(&decision) {
                        d.decisions.push(decision);
                    }
                }
                if kind != Some("rejected") {
                    *d.per_page.entry((page, category)).or_default() += 1;
                }
            }
            d.raster = self.raster_pages(d.id)?;
            d.ocr = self.ocr_pages(d.id)?;
            d.output = self
                .conn
                .query_row(
                    "SELECT sha256, bytes FROM outputs WHERE document_id = ?1 ORDER BY id LIMIT 1",
                    [d.id],
                    |r| {
                        Ok(OutputRow {
                            sha256: r.get(0)?,
                            bytes: r.get::<_, i64>(1)?.max(0) as u64,
                        })
                    },
                )
                .optional()?;
        }
        let (chain_head, chain_rows): (Option<String>, i64) = self.conn.query_row(
            "SELECT (SELECT row_hash FROM documents ORDER BY id DESC LIMIT 1), \
             (SELECT COUNT(*) FROM documents)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(Audit {
            job,
            documents,
            chain: self.verify_chain()?,
            chain_head: chain_head.unwrap_or_default(),
            chain_rows: chain_rows.max(0) as u64,
        })
    }
}
