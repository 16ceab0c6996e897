//! Reading: recent jobs, a job's documents, a document's raster and OCR pages, and the
//! re-run check.

use std::path::Path;

use rusqlite::Row;

use super::schema::{OCR_COLS, RASTER_COLS, SUMMARY_COLS};
use super::{DocSummary, JobLog, JobSummary, OcrRow, RasterRow, Result};

fn doc_summary(row: &Row<'_>) -> rusqlite::Result<DocSummary> {
    Ok(DocSummary {
        id: row.get(0)?,
        job_id: row.get(1)?,
        status: row.get(2)?,
        error_code: row.get(3)?,
        output_path: row.get(4)?,
        risk_score: row.get::<_, f64>(5)? as f32,
        pages: row.get(6)?,
        finished_at: row.get(7)?,
    })
}

impl JobLog {
    /// The newest document with this input sha256, settings hash and output tag that
    /// finished ok or review, provided `output` (the file the caller would write now)
    /// still exists. The job log stores only a tag (an HMAC) of the output path, because
    /// output names mirror input names, which can hold PHI.
    pub fn already_done(
        &self,
        input_sha256: &str,
        settings_hash: &str,
        output_tag: &str,
        output: &Path,
    ) -> Result<Option<DocSummary>> {
        if !output.is_file() {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {SUMMARY_COLS} FROM documents WHERE input_sha256 = ?1 AND settings_hash = ?2 \
             AND status IN ('ok', 'review') AND output_path = ?3 ORDER BY id DESC LIMIT 1"
        ))?;
        let mut rows = stmt.query_map([input_sha256, settings_hash, output_tag], doc_summary)?;
        match rows.next() {
            Some(row) => Ok(Some(row?)),
            None => Ok(None),
        }
    }

    /// The `limit` most recent jobs, newest first, with document counts.
    pub fn recent_jobs(&self, limit: u32) -> Result<Vec<JobSummary>> {
        let mut stmt = self.conn.prepare(
            "SELECT j.id, j.started_at, j.finished_at, j.status, COUNT(d.id), \
                    COUNT(CASE WHEN d.status = 'ok' THEN 1 END), \
                    COUNT(CASE WHEN d.status = 'review' THEN 1 END), \
                    COUNT(CASE WHEN d.status = 'failed' THEN 1 END) \
             FROM jobs j LEFT JOIN documents d ON d.job_id = j.id \
             GROUP BY j.id ORDER BY j.id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit], |r| {
            Ok(JobSummary {
                id: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                status: r.get(3)?,
                documents: r.get(4)?,
                ok: r.get(5)?,
                review: r.get(6)?,
                failed: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The pages of document `document_id` that were written as images, with their reasons.
    pub fn raster_pages(&self, document_id: i64) -> Result<Vec<RasterRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {RASTER_COLS} FROM raster_pages WHERE document_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([document_id], |r| {
            Ok(RasterRow {
                page: r.get(0)?,
                code: r.get(1)?,
                detail: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The pages of document `document_id` that were read by OCR.
    pub fn ocr_pages(&self, document_id: i64) -> Result<Vec<OcrRow>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {OCR_COLS} FROM ocr_pages WHERE document_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([document_id], |r| {
            Ok(OcrRow {
                page: r.get(0)?,
                reason: r.get(1)?,
                words: r.get(2)?,
                mean_confidence: r.get::<_, f64>(3)? as f32,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// All documents of a job, in insertion order.
    pub fn job_documents(&self, job_id: i64) -> Result<Vec<DocSummary>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {SUMMARY_COLS} FROM documents WHERE job_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([job_id], doc_summary)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
