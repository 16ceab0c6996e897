//! SQLite job log.
//!
//! Holds NO plaintext PHI: only HMACs, categories, pages, boxes, scores,
//! counts and hashes. The input path is stored only as an HMAC (file names
//! often contain patient names); the output path is user-chosen and stored.
//! The HMAC key lives in a separate key file, never in the database.
//!
//! `documents` rows form a hash chain (`prev_hash` -> `row_hash`) covering the
//! row's content fields and a digest of its entity rows, so edits, deletions
//! of non-final rows and reordering are detected by [`JobLog::verify_chain`].

use std::collections::BTreeMap;
use std::io;
use std::path::Path;
use std::time::Duration;

use rusqlite::ErrorCode;
use rusqlite::{params, Connection, OptionalExtension};
use rusqlite::{Transaction, TransactionBehavior};

// The job log by purpose: `schema` (migrations, column lists), `key` (the HMAC key),
// `record` (writing document rows, the hash chain and its check), `query` (reading),
// `merge` (copying other logs' jobs and documents into this one's chain).
mod audit;
mod key;
mod merge;
mod query;
mod record;
mod schema;

pub use audit::{Audit, AuditDecision, AuditDocument, AuditJob};
pub use key::{default_key_path, HmacKey};
pub use merge::MergeReport;
use schema::{MIGRATIONS, SCHEMA_VERSION};

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Errors of the job log. Messages never contain PHI: the database holds none,
/// SQL text is static with bound parameters, and I/O errors carry no paths.
#[derive(Debug, thiserror::Error)]
pub enum JobLogError {
    #[error("job log database error: {0}")]
    Db(#[from] rusqlite::Error),
    #[error("job log JSON error: {0}")]
    Json(#[from] serde_json::Error),
    #[error("HMAC key file: {op} failed: {source}")]
    KeyIo {
        op: &'static str,
        #[source]
        source: io::Error,
    },
    #[error("HMAC key file is invalid: {0}")]
    KeyInvalid(&'static str),
    #[error("job log schema version {found} is newer than supported version {supported}")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("job {0} not found in job log")]
    JobNotFound(i64),
    #[error("invalid job log input: {0}")]
    InvalidInput(&'static str),
    #[error("the job log to merge fails its hash-chain check at row {first_bad_row}: {reason}")]
    SourceChainBroken { first_bad_row: i64, reason: String },
}

type Result<T, E = JobLogError> = std::result::Result<T, E>;

/// What a job's detections looked like, without any text: words read, entities per
/// category and detector scores in ten bins. Kept in the job's row (`model_versions.stats`)
/// when the job ends, and the input of `pdf-deid jobs drift`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct JobStats {
    /// Documents processed (skipped ones count in the job that did them).
    pub documents: u64,
    pub words: u64,
    /// Entities per category (`NAME`, `DATE`, …).
    pub entities: BTreeMap<String, u64>,
    /// Entity scores in bins of 0.1 (`[0, 0.1)` … `[0.9, 1.0]`).
    pub score_bins: [u64; 10],
}

impl JobStats {
    /// Add one document: its word count and each entity's category and score.
    pub fn add_document<'a>(
        &mut self,
        words: usize,
        entities: impl IntoIterator<Item = (&'a str, f32)>,
    ) {
        self.documents += 1;
        self.words += words as u64;
        for (category, score) in entities {
            *self.entities.entry(category.to_string()).or_default() += 1;
            let bin = ((score.clamp(0.0, 1.0) * 10.0) as usize).min(9);
            self.score_bins[bin] += 1;
        }
    }

    /// Entities of `category` per 1,000 words.
    pub fn per_1000_words(&self, category: &str) -> f64 {
        let n = self.entities.get(category).copied().unwrap_or(0);
        if self.words == 0 {
            0.0
        } else {
            1000.0 * n as f64 / self.words as f64
        }
    }
}

/// A job's `model_versions` JSON (detectors, policy, profile, statistics).
fn model_versions_of(conn: &Connection, job_id: i64) -> Result<serde_json::Value> {
    let json: String = conn
        .query_row(
            "SELECT model_versions FROM jobs WHERE id = ?1",
            [job_id],
            |r| r.get(0),
        )
        .optional()?
        .ok_or(JobLogError::JobNotFound(job_id))?;
    Ok(serde_json::from_str(&json)?)
}

pub struct JobInfo {
    pub tool_version: String,
    pub settings_hash: String,
    pub model_versions: serde_json::Value,
}

pub struct EntityRow {
    pub page: u32,
    pub rect: [f32; 4],
    pub category: String,
    pub score: f32,
    pub source: String,
    pub text_hmac: String,
}

pub struct DocumentRecord {
    pub input_path_hmac: String,
    pub input_sha256: String,
    pub settings_hash: String,
    pub output_path: Option<String>,
    pub status: DocStatus,
    pub error_code: Option<String>,
    pub pages: u32,
    pub paragraphs: u32,
    pub counts: BTreeMap<String, u32>,
    pub risk_score: f32,
    pub stage_ms: BTreeMap<String, u64>,
    pub started_at: String,
    pub finished_at: String,
    pub entities: Vec<EntityRow>,
    /// Pages written as images, each with its reason (schema version 2).
    pub raster: Vec<RasterRow>,
    /// Pages read by OCR (schema version 3).
    pub ocr: Vec<OcrRow>,
    /// The written output file (schema version 5); none for a failed document.
    pub output: Option<OutputRow>,
}

/// The output file a document left: its sha256 and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputRow {
    pub sha256: String,
    pub bytes: u64,
}

/// One page of a document written as an image, and why. `code` is `policy`,
/// `unsupported` or `verification`; `detail` names a font kind, an operator or a
/// verification check, never document text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RasterRow {
    /// 1-based page number.
    pub page: u32,
    pub code: String,
    pub detail: String,
}

/// A page read by OCR: why (`scan`, `image`, `vector`), how many words, their mean
/// confidence (0–100). No text.
#[derive(Clone, Debug, PartialEq)]
pub struct OcrRow {
    /// 1-based page number.
    pub page: u32,
    pub reason: String,
    pub words: u32,
    pub mean_confidence: f32,
}

/// What became of a document. The job log records `ok`, `review` and `failed`; a batch
/// also reports documents it skipped (done before with the same input and settings) or
/// that were cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocStatus {
    Ok,
    Review,
    Failed,
    Skipped,
    Cancelled,
}

impl DocStatus {
    pub const ALL: [DocStatus; 5] = [
        DocStatus::Ok,
        DocStatus::Review,
        DocStatus::Failed,
        DocStatus::Skipped,
        DocStatus::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            DocStatus::Ok => "ok",
            DocStatus::Review => "review",
            DocStatus::Failed => "failed",
            DocStatus::Skipped => "skipped",
            DocStatus::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<DocStatus> {
        DocStatus::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

impl std::fmt::Display for DocStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct JobSummary {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub status: String,
    pub documents: u32,
    pub ok: u32,
    pub review: u32,
    pub failed: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DocSummary {
    pub id: i64,
    pub job_id: i64,
    pub status: String,
    pub error_code: Option<String>,
    pub output_path: Option<String>,
    pub risk_score: f32,
    pub pages: u32,
    pub finished_at: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChainCheck {
    Intact { rows: u64 },
    Broken { first_bad_row: i64, reason: String },
}

/// Switching a fresh file to WAL can fail with SQLITE_BUSY without the busy
/// handler being consulted while another connection opens it at the same
/// moment; retry with backoff for about the busy timeout.
fn enable_wal(conn: &Connection) -> Result<()> {
    let mut waited = Duration::ZERO;
    let mut delay = Duration::from_millis(1);
    loop {
        match conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0)) {
            Err(e)
                if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && waited < BUSY_TIMEOUT =>
            {
                std::thread::sleep(delay);
                waited += delay;
                delay = (delay * 2).min(Duration::from_millis(100));
            }
            other => return Ok(other.map(drop)?),
        }
    }
}

pub struct JobLog {
    conn: Connection,
}

impl JobLog {
    /// Open (creating file + schema if needed) the job log at `path`.
    /// The parent directory must exist.
    pub fn open(path: &Path) -> Result<JobLog> {
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        enable_wal(&conn)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if version > SCHEMA_VERSION {
            return Err(JobLogError::SchemaTooNew {
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        for sql in MIGRATIONS
            .iter()
            .skip(usize::try_from(version).unwrap_or(0))
        {
            tx.execute_batch(sql)?;
        }
        if version != SCHEMA_VERSION {
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        }
        tx.commit()?;
        Ok(JobLog { conn })
    }

    /// `BEGIN IMMEDIATE`: takes the write lock up front (waiting up to the
    /// busy timeout), so concurrent writers serialise instead of deadlocking.
    fn write_tx(&self) -> Result<Transaction<'_>> {
        Ok(Transaction::new_unchecked(
            &self.conn,
            TransactionBehavior::Immediate,
        )?)
    }

    pub fn start_job(&self, info: &JobInfo, started_at: &str) -> Result<i64> {
        let models = serde_json::to_string(&info.model_versions)?;
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO jobs (started_at, tool_version, settings_hash, model_versions, status) \
             VALUES (?1, ?2, ?3, ?4, 'running')",
            params![started_at, info.tool_version, info.settings_hash, models],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Keep a job's statistics in its row (`model_versions.stats`; no text).
    pub fn record_job_stats(&self, job_id: i64, stats: &JobStats) -> Result<()> {
        let tx = self.write_tx()?;
        let mut v = model_versions_of(&tx, job_id)?;
        if let Some(o) = v.as_object_mut() {
            o.insert("stats".into(), serde_json::to_value(stats)?);
        }
        tx.execute(
            "UPDATE jobs SET model_versions = ?2 WHERE id = ?1",
            params![job_id, serde_json::to_string(&v)?],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A job's statistics and the detectors it ran with (`None` for a job that kept none:
    /// older, unfinished or empty).
    pub fn job_stats(&self, job_id: i64) -> Result<Option<(JobStats, serde_json::Value)>> {
        let v = model_versions_of(&self.conn, job_id)?;
        Ok(match v.get("stats") {
            Some(s) => Some((
                serde_json::from_value(s.clone())?,
                v.get("detectors").cloned().unwrap_or_default(),
            )),
            None => None,
        })
    }

    pub fn finish_job(&self, job_id: i64, finished_at: &str, status: &str) -> Result<()> {
        let tx = self.write_tx()?;
        let n = tx.execute(
            "UPDATE jobs SET finished_at = ?2, status = ?3 WHERE id = ?1",
            params![job_id, finished_at, status],
        )?;
        if n == 0 {
            return Err(JobLogError::JobNotFound(job_id));
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::Value;
    use std::fs;
    use std::sync::Arc;
    use std::sync::Barrier;

    fn key() -> HmacKey {
        HmacKey::from_bytes([7u8; 32])
    }

    fn info() -> JobInfo {
        JobInfo {
            tool_version: "0.1.0".into(),
            settings_hash: "settings-a".into(),
            model_versions: serde_json::json!({"ner": "tiny-1"}),
        }
    }

    fn record(i: u32, sha: &str, output: Option<&Path>, status: DocStatus) -> DocumentRecord {
        let k = key();
        DocumentRecord {
            input_path_hmac: k.hmac_hex(&format!("/in/patient {i}.pdf")),
            input_sha256: sha.to_owned(),
            settings_hash: "settings-a".into(),
            output_path: output.map(|p| p.to_string_lossy().into_owned()),
            status,
            error_code: (status == DocStatus::Failed).then(|| "E_PARSE".to_owned()),
            pages: 2 + i,
            paragraphs: 10,
            counts: BTreeMap::from([("NAME".to_owned(), 3), ("DATE".to_owned(), i)]),
            risk_score: 0.25 + i as f32 / 100.0,
            stage_ms: BTreeMap::from([("extract".to_owned(), 12), ("detect".to_owned(), 40)]),
            started_at: "2025-01-01T10:00:00Z".into(),
            finished_at: "2025-01-01T10:00:05Z".into(),
            entities: vec![
                entity(
                    0,
                    [10.0, 20.0, 110.5, 32.25],
                    "NAME",
                    &k.hmac_hex("John Smith"),
                ),
                entity(
                    1,
                    [0.0, -0.0, 50.0, 60.0],
                    "DATE",
                    &k.hmac_hex("01/02/1960"),
                ),
            ],
            raster: (0..i % 2)
                .map(|_| RasterRow {
                    page: 2,
                    code: "unsupported".into(),
                    detail: "Type3 font".into(),
                })
                .collect(),
            output: i.is_multiple_of(2).then(|| OutputRow {
                sha256: format!("{sha}-out"),
                bytes: 1000 + u64::from(i),
            }),
            ocr: (0..u32::from(i.is_multiple_of(3)))
                .map(|_| OcrRow {
                    page: 1,
                    reason: "scan".into(),
                    words: 120 + i,
                    mean_confidence: 88.5,
                })
                .collect(),
        }
    }

    fn entity(page: u32, rect: [f32; 4], category: &str, text_hmac: &str) -> EntityRow {
        let (category, text_hmac) = (category.to_owned(), text_hmac.to_owned());
        let source = "rule:date+propagate".to_owned();
        EntityRow {
            page,
            rect,
            category,
            score: 0.97,
            source,
            text_hmac,
        }
    }

    fn setup(n: u32) -> (tempfile::TempDir, std::path::PathBuf, JobLog) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.sqlite");
        let log = JobLog::open(&path).unwrap();
        let job = log.start_job(&info(), "2025-01-01T10:00:00Z").unwrap();
        for i in 0..n {
            let sha = format!("sha{i}");
            log.record_document(job, &record(i, &sha, None, DocStatus::Ok))
                .unwrap();
        }
        (dir, path, log)
    }

    /// Raw connection with the append-only triggers removed, to tamper.
    fn tamper(path: &Path, sql: &str) {
        let raw = Connection::open(path).unwrap();
        raw.execute_batch(
            "PRAGMA foreign_keys = OFF; DROP TRIGGER documents_no_update; \
             DROP TRIGGER documents_no_delete; \
             DROP TRIGGER entities_no_update; DROP TRIGGER entities_no_delete; \
             DROP TRIGGER raster_pages_no_update; DROP TRIGGER raster_pages_no_delete; \
             DROP TRIGGER ocr_pages_no_update; DROP TRIGGER ocr_pages_no_delete; \
             DROP TRIGGER outputs_no_update; DROP TRIGGER outputs_no_delete;",
        )
        .unwrap();
        raw.execute_batch(sql).unwrap();
    }

    #[test]
    fn schema_create_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.sqlite");
        let log = JobLog::open(&path).unwrap();
        let pragma = |log: &JobLog, p: &str| -> Value {
            let sql = format!("PRAGMA {p}");
            log.conn.query_row(&sql, [], |r| r.get(0)).unwrap()
        };
        assert_eq!(pragma(&log, "user_version"), Value::Integer(5));
        assert_eq!(pragma(&log, "journal_mode"), Value::Text("wal".into()));
        assert_eq!(pragma(&log, "foreign_keys"), Value::Integer(1));
        assert_eq!(pragma(&log, "synchronous"), Value::Integer(1)); // NORMAL
        let job = log.start_job(&info(), "t0").unwrap();
        drop(log);
        for _ in 0..2 {
            let log = JobLog::open(&path).unwrap();
            assert_eq!(pragma(&log, "user_version"), Value::Integer(5));
            assert_eq!(log.recent_jobs(10).unwrap()[0].id, job);
        }
        // Parent directory must exist.
        assert!(JobLog::open(&dir.path().join("missing/jobs.sqlite")).is_err());
        // A newer schema is refused.
        Connection::open(&path)
            .unwrap()
            .pragma_update(None, "user_version", 99)
            .unwrap();
        assert!(matches!(
            JobLog::open(&path),
            Err(JobLogError::SchemaTooNew { found: 99, .. })
        ));
    }

    #[test]
    fn record_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let log = JobLog::open(&dir.path().join("j.sqlite")).unwrap();
        let job = log.start_job(&info(), "2025-01-01T10:00:00Z").unwrap();
        let out = dir.path().join("out.pdf");
        let recs = [
            record(1, "s1", Some(&out), DocStatus::Ok),
            record(2, "s2", None, DocStatus::Failed),
            record(3, "s3", Some(&out), DocStatus::Review),
        ];
        let doc_ids: Vec<i64> = recs
            .iter()
            .map(|r| log.record_document(job, r).unwrap())
            .collect();
        let docs = log.job_documents(job).unwrap();
        assert_eq!(docs.iter().map(|d| d.id).collect::<Vec<_>>(), doc_ids);
        assert_eq!(
            docs[0],
            DocSummary {
                id: doc_ids[0],
                job_id: job,
                status: "ok".into(),
                error_code: None,
                output_path: Some(out.to_string_lossy().into_owned()),
                risk_score: 0.26,
                pages: 3,
                finished_at: "2025-01-01T10:00:05Z".into(),
            }
        );
        assert_eq!(docs[1].error_code.as_deref(), Some("E_PARSE"));
        assert_eq!(docs[2].status, "review");

        let j = &log.recent_jobs(5).unwrap()[0];
        assert_eq!((j.documents, j.ok, j.review, j.failed), (3, 1, 1, 1));
        assert_eq!(
            (j.status.as_str(), j.finished_at.as_deref()),
            ("running", None)
        );
        log.finish_job(job, "2025-01-01T11:00:00Z", "done").unwrap();
        let j = &log.recent_jobs(5).unwrap()[0];
        let finished = Some("2025-01-01T11:00:00Z");
        assert_eq!(
            (j.status.as_str(), j.finished_at.as_deref()),
            ("done", finished)
        );
        let job2 = log.start_job(&info(), "2025-01-02T10:00:00Z").unwrap();
        let ids: Vec<i64> = log.recent_jobs(5).unwrap().iter().map(|j| j.id).collect();
        assert_eq!(ids, vec![job2, job]);
        assert_eq!(log.recent_jobs(1).unwrap().len(), 1);

        let (counts, stages, models, n_ent): (String, String, String, i64) = log
            .conn
            .query_row(
                "SELECT d.counts_json, d.stage_ms_json, j.model_versions, \
                 (SELECT COUNT(*) FROM entities e WHERE e.document_id = d.id) \
                 FROM documents d JOIN jobs j ON j.id = d.job_id WHERE d.id = ?1",
                [doc_ids[0]],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(counts, r#"{"DATE":1,"NAME":3}"#);
        assert_eq!(stages, r#"{"detect":40,"extract":12}"#);
        assert_eq!(models, r#"{"ner":"tiny-1"}"#);
        assert_eq!(n_ent, 2);

        assert!(matches!(
            log.finish_job(999, "t", "done"),
            Err(JobLogError::JobNotFound(999))
        ));
        assert!(matches!(
            log.record_document(999, &record(4, "s4", None, DocStatus::Ok)),
            Err(JobLogError::JobNotFound(999))
        ));
        let mut bad = record(5, "s5", None, DocStatus::Ok);
        bad.risk_score = f32::NAN;
        assert!(matches!(
            log.record_document(job, &bad),
            Err(JobLogError::InvalidInput(_))
        ));
        // Rejected writes leave nothing behind and the chain intact.
        assert_eq!(log.job_documents(job).unwrap().len(), 3);
        assert_eq!(log.verify_chain().unwrap(), ChainCheck::Intact { rows: 3 });
        // Append-only triggers block accidental edits.
        assert!(log.conn.execute("DELETE FROM documents", []).is_err());
        assert!(log
            .conn
            .execute("UPDATE entities SET score = 0", [])
            .is_err());
    }

    #[test]
    fn already_done_needs_same_hash_settings_and_existing_output() {
        let dir = tempfile::tempdir().unwrap();
        let log = JobLog::open(&dir.path().join("j.sqlite")).unwrap();
        let job = log.start_job(&info(), "t0").unwrap();
        let out = dir.path().join("out.pdf");
        fs::write(&out, b"%PDF").unwrap();
        let tag = out.to_string_lossy().into_owned();
        assert_eq!(
            log.already_done("abc", "settings-a", &tag, &out).unwrap(),
            None
        );
        let id = log
            .record_document(job, &record(1, "abc", Some(&out), DocStatus::Review))
            .unwrap();
        let failed_out = dir.path().join("failed.pdf");
        fs::write(&failed_out, b"%PDF").unwrap();
        let ftag = failed_out.to_string_lossy().into_owned();
        log.record_document(job, &record(2, "def", Some(&failed_out), DocStatus::Failed))
            .unwrap();

        assert_eq!(
            log.already_done("abc", "settings-a", &tag, &out)
                .unwrap()
                .unwrap()
                .id,
            id
        );
        assert_eq!(
            log.already_done("abc", "settings-b", &tag, &out).unwrap(),
            None
        );
        assert_eq!(
            log.already_done("abd", "settings-a", &tag, &out).unwrap(),
            None
        );
        assert_eq!(
            log.already_done("def", "settings-a", &ftag, &failed_out)
                .unwrap(),
            None
        ); // failed
        fs::remove_file(&out).unwrap();
        assert_eq!(
            log.already_done("abc", "settings-a", &tag, &out).unwrap(),
            None
        );
    }

    fn assert_tamper_detected(sql: &str, first_bad_row: i64, reason: &str) {
        let (_dir, path, log) = setup(5);
        assert_eq!(log.verify_chain().unwrap(), ChainCheck::Intact { rows: 5 });
        tamper(&path, sql);
        let reason = reason.to_owned();
        let expected = ChainCheck::Broken {
            first_bad_row,
            reason,
        };
        assert_eq!(log.verify_chain().unwrap(), expected, "{sql}");
    }

    #[test]
    fn chain_detects_tampering() {
        let mismatch = "row hash mismatch";
        let sql = "UPDATE documents SET risk_score = 0.01 WHERE id = 3";
        assert_tamper_detected(sql, 3, mismatch);
        let sql = "UPDATE entities SET category = 'NONE' WHERE id = 5"; // of doc 3
        assert_tamper_detected(sql, 3, mismatch);
        let sql = "DELETE FROM entities WHERE document_id = 3; DELETE FROM documents WHERE id = 3";
        assert_tamper_detected(sql, 4, "prev_hash does not match previous row");
        let sql = "UPDATE documents SET id = 9 WHERE id = 5"; // reordering
        assert_tamper_detected(sql, 9, mismatch);
        // raster reasons are covered too (documents 2 and 4 have one: record(1), record(3))
        let sql = "UPDATE raster_pages SET code = 'policy' WHERE document_id = 2";
        assert_tamper_detected(sql, 2, mismatch);
        let sql = "DELETE FROM raster_pages WHERE document_id = 4";
        assert_tamper_detected(sql, 4, mismatch);
        let sql = "INSERT INTO raster_pages (document_id, page, code, detail) \
                   VALUES (3, 1, 'policy', 'x')";
        assert_tamper_detected(sql, 3, mismatch);
        // and the OCR rows (documents 1 and 4: record(0), record(3))
        let sql = "UPDATE ocr_pages SET mean_confidence = 99 WHERE document_id = 4";
        assert_tamper_detected(sql, 4, mismatch);
        let sql = "DELETE FROM ocr_pages WHERE document_id = 1";
        assert_tamper_detected(sql, 1, mismatch);
        // and the output's hash (documents 1 and 3: record(0), record(2))
        let sql = "UPDATE outputs SET sha256 = 'other' WHERE document_id = 3";
        assert_tamper_detected(sql, 3, mismatch);
        let sql = "DELETE FROM outputs WHERE document_id = 1";
        assert_tamper_detected(sql, 1, mismatch);
    }

    #[test]
    fn ocr_pages_read_back() {
        let (_dir, _path, log) = setup(4);
        let docs = log.job_documents(1).unwrap();
        let n: Vec<usize> = docs
            .iter()
            .map(|d| log.ocr_pages(d.id).unwrap().len())
            .collect();
        assert_eq!(n, vec![1, 0, 0, 1]);
        let o = &log.ocr_pages(docs[3].id).unwrap()[0];
        assert_eq!((o.page, o.reason.as_str(), o.words), (1, "scan", 123));
        assert_eq!(o.mean_confidence, 88.5);
    }

    #[test]
    fn raster_reasons_read_back() {
        let (_dir, _path, log) = setup(3);
        let docs = log.job_documents(1).unwrap();
        let reasons: Vec<usize> = docs
            .iter()
            .map(|d| log.raster_pages(d.id).unwrap().len())
            .collect();
        assert_eq!(reasons, vec![0, 1, 0]);
        let r = &log.raster_pages(docs[1].id).unwrap()[0];
        assert_eq!((r.page, r.code.as_str()), (2, "unsupported"));
    }

    /// A job log written with schema version 1 (no `raster_pages`) is migrated in place and
    /// its hash chain still verifies; new rows with raster reasons and OCR pages chain on.
    #[test]
    fn version_one_log_migrates_and_keeps_its_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.sqlite");
        {
            let raw = Connection::open(&path).unwrap();
            raw.execute_batch(MIGRATIONS[0]).unwrap();
            raw.pragma_update(None, "user_version", 1).unwrap();
            // a v1 row, hashed as v1 wrote it (no raster rows)
            let log = JobLog { conn: raw };
            let job = log.start_job(&info(), "t0").unwrap();
            let mut rec = record(1, "old", None, DocStatus::Ok);
            rec.raster.clear();
            rec.output = None;
            log.record_document(job, &rec).unwrap();
        }
        let log = JobLog::open(&path).unwrap();
        assert_eq!(log.verify_chain().unwrap(), ChainCheck::Intact { rows: 1 });
        let job = log.start_job(&info(), "t1").unwrap();
        log.record_document(job, &record(3, "new", None, DocStatus::Ok))
            .unwrap();
        assert_eq!(log.verify_chain().unwrap(), ChainCheck::Intact { rows: 2 });
    }

    #[test]
    fn concurrent_writers_keep_chain_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.sqlite");
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = (0..2u32)
            .map(|t| {
                let (path, barrier) = (path.clone(), Arc::clone(&barrier));
                std::thread::spawn(move || {
                    barrier.wait();
                    let log = JobLog::open(&path).unwrap();
                    let job = log.start_job(&info(), "t0").unwrap();
                    for i in 0..50 {
                        let sha = format!("t{t}-{i}");
                        log.record_document(job, &record(i, &sha, None, DocStatus::Ok))
                            .unwrap();
                    }
                    log.finish_job(job, "t1", "done").unwrap();
                    job
                })
            })
            .collect();
        let jobs: Vec<i64> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let log = JobLog::open(&path).unwrap();
        assert_eq!(
            log.verify_chain().unwrap(),
            ChainCheck::Intact { rows: 100 }
        );
        for job in jobs {
            assert_eq!(log.job_documents(job).unwrap().len(), 50);
        }
        let summary = log.recent_jobs(10).unwrap();
        assert_eq!(summary.len(), 2);
        assert!(summary.iter().all(|j| j.documents == 50 && j.ok == 50));
    }

    #[test]
    fn no_plaintext_phi_in_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.sqlite");
        let log = JobLog::open(&path).unwrap();
        let job = log.start_job(&info(), "t0").unwrap();
        let k = key();
        let mut rec = record(1, "sha", None, DocStatus::Ok);
        rec.input_path_hmac = k.hmac_hex("/scans/Zebediah Quuxworth 1960-02-01.pdf");
        rec.entities[0].text_hmac = k.hmac_hex("Zebediah Quuxworth");
        log.record_document(job, &rec).unwrap();

        // Every text value of every column of every table.
        let mut dump = String::new();
        let tables: Vec<String> = log
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(tables.len() >= 4);
        for t in &tables {
            let mut stmt = log.conn.prepare(&format!("SELECT * FROM {t}")).unwrap();
            let n = stmt.column_count();
            let mut rows = stmt.query([]).unwrap();
            while let Some(r) = rows.next().unwrap() {
                for i in 0..n {
                    if let Value::Text(s) = r.get::<_, Value>(i).unwrap() {
                        dump.push_str(&s);
                        dump.push('\n');
                    }
                }
            }
        }
        assert!(dump.contains(&rec.entities[0].text_hmac));
        let lower = dump.to_lowercase();
        for needle in ["zebediah", "quuxworth", "/scans/"] {
            assert!(!lower.contains(needle), "plaintext {needle} in DB");
        }
        // Also the raw bytes of the database and its WAL.
        for file in ["jobs.sqlite", "jobs.sqlite-wal"] {
            if let Ok(bytes) = fs::read(dir.path().join(file)) {
                let text = String::from_utf8_lossy(&bytes).to_lowercase();
                assert!(!text.contains("quuxworth"), "plaintext in {file}");
            }
        }
    }
}
