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
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::time::Duration;

use hmac::digest::generic_array::GenericArray;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use rusqlite::types::Value;
use rusqlite::ErrorCode;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row};
use rusqlite::{Transaction, TransactionBehavior};
use sha2::{Digest, Sha256};

/// Current schema version, kept in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = 3;
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// `prev_hash` of the first `documents` row.
const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Migration `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &["
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
    tool_version TEXT NOT NULL, settings_hash TEXT NOT NULL,
    model_versions TEXT NOT NULL, status TEXT NOT NULL);
CREATE TABLE documents (
    id INTEGER PRIMARY KEY, job_id INTEGER NOT NULL REFERENCES jobs(id),
    input_path_hmac TEXT NOT NULL, input_sha256 TEXT NOT NULL, settings_hash TEXT NOT NULL,
    output_path TEXT, status TEXT NOT NULL CHECK (status IN ('ok', 'review', 'failed')),
    error_code TEXT, pages INTEGER NOT NULL, paragraphs INTEGER NOT NULL,
    counts_json TEXT NOT NULL, risk_score REAL NOT NULL, stage_ms_json TEXT NOT NULL,
    started_at TEXT NOT NULL, finished_at TEXT NOT NULL,
    prev_hash TEXT NOT NULL, row_hash TEXT NOT NULL);
CREATE TABLE entities (
    id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES documents(id),
    page INTEGER NOT NULL, x0 REAL NOT NULL, y0 REAL NOT NULL, x1 REAL NOT NULL,
    y1 REAL NOT NULL, category TEXT NOT NULL, score REAL NOT NULL, source TEXT NOT NULL,
    text_hmac TEXT NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX documents_by_input ON documents(input_sha256, settings_hash);
CREATE INDEX documents_by_job ON documents(job_id);
CREATE INDEX entities_by_document ON entities(document_id);
CREATE TRIGGER documents_no_update BEFORE UPDATE ON documents BEGIN SELECT RAISE(ABORT, 'append-only'); END;
CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents BEGIN SELECT RAISE(ABORT, 'append-only'); END;
CREATE TRIGGER entities_no_update BEFORE UPDATE ON entities BEGIN SELECT RAISE(ABORT, 'append-only'); END;
CREATE TRIGGER entities_no_delete BEFORE DELETE ON entities BEGIN SELECT RAISE(ABORT, 'append-only'); END;
", "
CREATE TABLE raster_pages (
    id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES documents(id),
    page INTEGER NOT NULL, code TEXT NOT NULL, detail TEXT NOT NULL);
CREATE INDEX raster_pages_by_document ON raster_pages(document_id);
CREATE TRIGGER raster_pages_no_update BEFORE UPDATE ON raster_pages BEGIN SELECT RAISE(ABORT, 'append-only'); END;
CREATE TRIGGER raster_pages_no_delete BEFORE DELETE ON raster_pages BEGIN SELECT RAISE(ABORT, 'append-only'); END;
", "
CREATE TABLE ocr_pages (
    id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES documents(id),
    page INTEGER NOT NULL, reason TEXT NOT NULL, words INTEGER NOT NULL,
    mean_confidence REAL NOT NULL);
CREATE INDEX ocr_pages_by_document ON ocr_pages(document_id);
CREATE TRIGGER ocr_pages_no_update BEFORE UPDATE ON ocr_pages BEGIN SELECT RAISE(ABORT, 'append-only'); END;
CREATE TRIGGER ocr_pages_no_delete BEFORE DELETE ON ocr_pages BEGIN SELECT RAISE(ABORT, 'append-only'); END;
"];

/// Hashed `documents` columns, in canonical order (`prev_hash` last).
const DOC_COLS: &str = "id, job_id, input_path_hmac, input_sha256, settings_hash, output_path, \
     status, error_code, pages, paragraphs, counts_json, risk_score, stage_ms_json, started_at, \
     finished_at, prev_hash";
const DOC_NCOLS: usize = 16;
/// Hashed `entities` columns, in canonical order.
const ENT_COLS: &str = "page, x0, y0, x1, y1, category, score, source, text_hmac";
const ENT_NCOLS: usize = 9;
/// Hashed `raster_pages` columns, in canonical order.
const RASTER_COLS: &str = "page, code, detail";
const RASTER_NCOLS: usize = 3;
/// Hashed `ocr_pages` columns, in canonical order.
const OCR_COLS: &str = "page, reason, words, mean_confidence";
const OCR_NCOLS: usize = 4;
const SUMMARY_COLS: &str =
    "id, job_id, status, error_code, output_path, risk_score, pages, finished_at";

/// Where the installation's HMAC key lives: `$PDF_DEID_KEY`, else
/// `$XDG_CONFIG_HOME/pdf-deid/hmac.key`, else `~/.config/pdf-deid/hmac.key`. The CLI and
/// the desktop app share it, so their job-log tags and reviewer decisions agree.
pub fn default_key_path() -> std::path::PathBuf {
    use std::path::PathBuf;
    if let Some(p) = std::env::var_os("PDF_DEID_KEY") {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("pdf-deid").join("hmac.key")
}

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
}

type Result<T, E = JobLogError> = std::result::Result<T, E>;

fn key_io(op: &'static str) -> impl FnOnce(io::Error) -> JobLogError {
    move |source| JobLogError::KeyIo { op, source }
}

/// Per-installation 32-byte HMAC key (kept in its own file, not in the DB).
#[derive(Clone)]
pub struct HmacKey([u8; 32]);

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey(<redacted>)")
    }
}

impl HmacKey {
    /// Load the key from `path`, or create it (random, 0600 permissions on
    /// unix, written atomically via temp file + link/rename) if missing.
    /// If two processes race to create it, both end up with the same key.
    pub fn load_or_create(path: &Path) -> Result<HmacKey> {
        match Self::load(path) {
            Err(JobLogError::KeyIo { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
            other => return other,
        }
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        if install_key_file(path, &bytes)? {
            Ok(HmacKey(bytes))
        } else {
            Self::load(path) // another process won the race
        }
    }

    fn load(path: &Path) -> Result<HmacKey> {
        let data = fs::read(path).map_err(key_io("read"))?;
        let bytes: [u8; 32] = data
            .as_slice()
            .try_into()
            .map_err(|_| JobLogError::KeyInvalid("expected exactly 32 bytes"))?;
        Ok(HmacKey(bytes))
    }

    pub fn from_bytes(b: [u8; 32]) -> HmacKey {
        HmacKey(b)
    }

    /// HMAC-SHA256 of the text after normalisation (lowercase + collapse
    /// whitespace, trimmed), hex.
    pub fn hmac_hex(&self, text: &str) -> String {
        let norm = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        // HMAC zero-pads keys shorter than the block size (64 bytes for
        // SHA-256), so this equals keying with the 32 raw bytes, infallibly.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.0);
        let mut mac = <Hmac<Sha256> as KeyInit>::new(GenericArray::from_slice(&block));
        mac.update(norm.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Write `bytes` to a fresh temp file next to `path`, then link it into place
/// without clobbering. Returns false if `path` appeared meanwhile.
fn install_key_file(path: &Path, bytes: &[u8; 32]) -> Result<bool> {
    let name = path
        .file_name()
        .ok_or(JobLogError::KeyInvalid("key path has no file name"))?;
    let mut suffix = [0u8; 8];
    OsRng.fill_bytes(&mut suffix);
    let tmp_name = format!(".{}.tmp-{}", name.to_string_lossy(), hex::encode(suffix));
    let tmp = path.with_file_name(tmp_name);
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let written = opts.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(key_io("write")(e));
    }
    // hard_link fails if the destination exists, so a concurrent creator's
    // key is never overwritten; fall back to rename where links are unsupported.
    let installed = match fs::hard_link(&tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(_) => fs::rename(&tmp, path).map(|()| true),
    };
    let _ = fs::remove_file(&tmp);
    installed.map_err(key_io("install"))
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocStatus {
    Ok,
    Review,
    Failed,
}

impl DocStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DocStatus::Ok => "ok",
            DocStatus::Review => "review",
            DocStatus::Failed => "failed",
        }
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

/// Finite f32 -> f64 as SQLite will store it (-0.0 normalised to 0.0, since
/// SQLite may store integral reals as integers and lose the sign).
fn real(x: f32, what: &'static str) -> Result<Value> {
    if !x.is_finite() {
        return Err(JobLogError::InvalidInput(what));
    }
    Ok(Value::Real(if x == 0.0 { 0.0 } else { f64::from(x) }))
}

/// Unambiguous, type-tagged, length-prefixed encoding of SQL values.
fn hash_values(h: &mut Sha256, values: &[Value]) {
    for v in values {
        match v {
            Value::Null => h.update(b"N"),
            Value::Integer(i) => {
                h.update(b"I");
                h.update(i.to_be_bytes());
            }
            Value::Real(f) => {
                h.update(b"R");
                h.update(f.to_bits().to_be_bytes());
            }
            Value::Text(s) => {
                h.update(b"T");
                h.update((s.len() as u64).to_be_bytes());
                h.update(s.as_bytes());
            }
            Value::Blob(b) => {
                h.update(b"B");
                h.update((b.len() as u64).to_be_bytes());
                h.update(b);
            }
        }
    }
}

/// `row_hash` = sha256 over the document's columns (incl. `prev_hash`) and
/// its entity rows in id order.
/// The row hash covers the document row, its entity rows, its raster rows and its OCR
/// rows. Rows without raster or OCR pages hash as in schema version 1, so chains written
/// before those tables still verify.
fn doc_row_hash(
    doc: &[Value],
    entities: &[Vec<Value>],
    raster: &[Vec<Value>],
    ocr: &[Vec<Value>],
) -> String {
    let mut h = Sha256::new();
    h.update(b"pdf-deid/joblog/documents/v1\0");
    hash_values(&mut h, doc);
    h.update((entities.len() as u64).to_be_bytes());
    for e in entities {
        hash_values(&mut h, e);
    }
    if !raster.is_empty() {
        h.update(b"raster_pages\0");
        h.update((raster.len() as u64).to_be_bytes());
        for r in raster {
            hash_values(&mut h, r);
        }
    }
    if !ocr.is_empty() {
        h.update(b"ocr_pages\0");
        h.update((ocr.len() as u64).to_be_bytes());
        for r in ocr {
            hash_values(&mut h, r);
        }
    }
    hex::encode(h.finalize())
}

fn read_values(row: &Row<'_>, offset: usize, n: usize) -> rusqlite::Result<Vec<Value>> {
    (offset..offset + n).map(|i| row.get(i)).collect()
}

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

    /// Insert a document row + its entity rows in one IMMEDIATE transaction,
    /// computing prev_hash/row_hash inside it.
    pub fn record_document(&self, job_id: i64, rec: &DocumentRecord) -> Result<i64> {
        let risk = real(rec.risk_score, "risk_score must be finite")?;
        let entities = rec
            .entities
            .iter()
            .map(|e| {
                let mut v = vec![Value::Integer(i64::from(e.page))];
                for c in e.rect {
                    v.push(real(c, "entity rect must be finite")?);
                }
                v.push(Value::Text(e.category.clone()));
                v.push(real(e.score, "entity score must be finite")?);
                v.push(Value::Text(e.source.clone()));
                v.push(Value::Text(e.text_hmac.clone()));
                Ok(v)
            })
            .collect::<Result<Vec<_>>>()?;
        let raster = rec
            .raster
            .iter()
            .map(|r| {
                vec![
                    Value::Integer(i64::from(r.page)),
                    Value::Text(r.code.clone()),
                    Value::Text(r.detail.clone()),
                ]
            })
            .collect::<Vec<_>>();
        let ocr = rec
            .ocr
            .iter()
            .map(|o| {
                Ok(vec![
                    Value::Integer(i64::from(o.page)),
                    Value::Text(o.reason.clone()),
                    Value::Integer(i64::from(o.words)),
                    real(o.mean_confidence, "OCR confidence must be finite")?,
                ])
            })
            .collect::<Result<Vec<_>>>()?;
        let counts_json = serde_json::to_string(&rec.counts)?;
        let stage_json = serde_json::to_string(&rec.stage_ms)?;

        let tx = self.write_tx()?;
        let job_exists: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM jobs WHERE id = ?1)",
            [job_id],
            |r| r.get(0),
        )?;
        if !job_exists {
            return Err(JobLogError::JobNotFound(job_id));
        }
        let (prev_id, prev_hash) = tx
            .query_row(
                "SELECT id, row_hash FROM documents ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?
            .unwrap_or_else(|| (0, GENESIS_HASH.to_owned()));
        let id = prev_id + 1;
        let text = |s: &str| Value::Text(s.to_owned());
        let opt = |s: &Option<String>| s.as_ref().map_or(Value::Null, |s| text(s));
        let doc = vec![
            Value::Integer(id),
            Value::Integer(job_id),
            text(&rec.input_path_hmac),
            text(&rec.input_sha256),
            text(&rec.settings_hash),
            opt(&rec.output_path),
            text(rec.status.as_str()),
            opt(&rec.error_code),
            Value::Integer(i64::from(rec.pages)),
            Value::Integer(i64::from(rec.paragraphs)),
            Value::Text(counts_json),
            risk,
            Value::Text(stage_json),
            text(&rec.started_at),
            text(&rec.finished_at),
            Value::Text(prev_hash),
        ];
        let row_hash = Value::Text(doc_row_hash(&doc, &entities, &raster, &ocr));
        let placeholders = |n: usize| {
            (1..=n)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        tx.execute(
            &format!(
                "INSERT INTO documents ({DOC_COLS}, row_hash) VALUES ({})",
                placeholders(DOC_NCOLS + 1)
            ),
            params_from_iter(doc.iter().chain(std::iter::once(&row_hash))),
        )?;
        {
            let mut stmt = tx.prepare(&format!(
                "INSERT INTO entities (document_id, {ENT_COLS}) VALUES ({})",
                placeholders(ENT_NCOLS + 1)
            ))?;
            let doc_id = Value::Integer(id);
            for e in &entities {
                stmt.execute(params_from_iter(std::iter::once(&doc_id).chain(e)))?;
            }
            if !raster.is_empty() {
                let mut stmt = tx.prepare(&format!(
                    "INSERT INTO raster_pages (document_id, {RASTER_COLS}) VALUES ({})",
                    placeholders(RASTER_NCOLS + 1)
                ))?;
                for r in &raster {
                    stmt.execute(params_from_iter(std::iter::once(&doc_id).chain(r)))?;
                }
            }
            if !ocr.is_empty() {
                let mut stmt = tx.prepare(&format!(
                    "INSERT INTO ocr_pages (document_id, {OCR_COLS}) VALUES ({})",
                    placeholders(OCR_NCOLS + 1)
                ))?;
                for r in &ocr {
                    stmt.execute(params_from_iter(std::iter::once(&doc_id).chain(r)))?;
                }
            }
        }
        tx.commit()?;
        Ok(id)
    }

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

    /// Recompute the hash chain over all documents (and their entities) from
    /// one consistent snapshot. Truncation of the newest rows is not detectable
    /// from inside the database; compare `rows` with an external record if needed.
    pub fn verify_chain(&self) -> Result<ChainCheck> {
        let tx = self.conn.unchecked_transaction()?; // read snapshot
        let mut docs = tx.prepare(&format!(
            "SELECT {DOC_COLS}, row_hash FROM documents ORDER BY id"
        ))?;
        let mut ents = tx.prepare(&format!(
            "SELECT {ENT_COLS} FROM entities WHERE document_id = ?1 ORDER BY id"
        ))?;
        let mut rasters = tx.prepare(&format!(
            "SELECT {RASTER_COLS} FROM raster_pages WHERE document_id = ?1 ORDER BY id"
        ))?;
        let mut ocrs = tx.prepare(&format!(
            "SELECT {OCR_COLS} FROM ocr_pages WHERE document_id = ?1 ORDER BY id"
        ))?;
        let mut rows = docs.query([])?;
        let mut expected_prev = Value::Text(GENESIS_HASH.to_owned());
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let doc = read_values(row, 0, DOC_NCOLS)?;
            let stored: Value = row.get(DOC_NCOLS)?;
            let broken = |reason: &str| ChainCheck::Broken {
                first_bad_row: id,
                reason: reason.to_owned(),
            };
            if doc[DOC_NCOLS - 1] != expected_prev {
                return Ok(broken("prev_hash does not match previous row"));
            }
            let entities = ents
                .query_map([id], |r| read_values(r, 0, ENT_NCOLS))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let raster = rasters
                .query_map([id], |r| read_values(r, 0, RASTER_NCOLS))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let ocr = ocrs
                .query_map([id], |r| read_values(r, 0, OCR_NCOLS))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            if stored != Value::Text(doc_row_hash(&doc, &entities, &raster, &ocr)) {
                return Ok(broken("row hash mismatch"));
            }
            expected_prev = stored;
            count += 1;
        }
        Ok(ChainCheck::Intact { rows: count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
             DROP TRIGGER ocr_pages_no_update; DROP TRIGGER ocr_pages_no_delete;",
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
        assert_eq!(pragma(&log, "user_version"), Value::Integer(3));
        assert_eq!(pragma(&log, "journal_mode"), Value::Text("wal".into()));
        assert_eq!(pragma(&log, "foreign_keys"), Value::Integer(1));
        assert_eq!(pragma(&log, "synchronous"), Value::Integer(1)); // NORMAL
        let job = log.start_job(&info(), "t0").unwrap();
        drop(log);
        for _ in 0..2 {
            let log = JobLog::open(&path).unwrap();
            assert_eq!(pragma(&log, "user_version"), Value::Integer(3));
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
    fn hmac_is_stable_normalised_and_keyed() {
        let k = key();
        let h = k.hmac_hex("John Smith");
        assert_eq!(h.len(), 64);
        assert_eq!(h, k.hmac_hex("John Smith"));
        assert_eq!(h, k.hmac_hex("  john \n\t SMITH "));
        assert_ne!(h, k.hmac_hex("John Smyth"));
        assert_ne!(h, HmacKey::from_bytes([8u8; 32]).hmac_hex("John Smith"));
        // Same as keying HMAC with the raw 32 bytes.
        let mut reference = <Hmac<Sha256> as Mac>::new_from_slice(&[7u8; 32]).unwrap();
        reference.update(b"john smith");
        assert_eq!(h, hex::encode(reference.finalize().into_bytes()));
        assert_eq!(format!("{k:?}"), "HmacKey(<redacted>)");
    }

    #[test]
    fn key_file_created_once_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hmac.key");
        let k1 = HmacKey::load_or_create(&path).unwrap();
        assert_eq!(fs::read(&path).unwrap().len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let k2 = HmacKey::load_or_create(&path).unwrap();
        assert_eq!(k1.hmac_hex("x"), k2.hmac_hex("x"));
        // Only the key file remains (temp file cleaned up).
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let other = HmacKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert_ne!(k1.hmac_hex("x"), other.hmac_hex("x"));
        fs::write(&path, b"short").unwrap();
        assert!(matches!(
            HmacKey::load_or_create(&path),
            Err(JobLogError::KeyInvalid(_))
        ));
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
