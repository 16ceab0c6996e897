//! The job log's schema: the version, numbered migrations, and the column lists the
//! hash chain and the queries share.

/// Current schema version, kept in `PRAGMA user_version`.
pub(super) const SCHEMA_VERSION: i64 = 5;

/// Migration `i` brings the schema from version `i` to `i + 1`. Version 4: the log's own
/// random id (`meta.log_id`) and the provenance of rows copied in by a merge
/// (`merged_jobs`, `merged_documents`: the log and row they came from first), so merging
/// the same source again, or a log that already holds them, adds nothing. Version 5: the
/// sha256 and size of each written output (`outputs`), inside the document's row hash.
pub(super) const MIGRATIONS: &[&str] = &["
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
", "
INSERT OR IGNORE INTO meta (key, value) VALUES ('log_id', lower(hex(randomblob(16))));
CREATE TABLE merged_jobs (
    origin_log TEXT NOT NULL, origin_job INTEGER NOT NULL,
    job_id INTEGER NOT NULL REFERENCES jobs(id),
    PRIMARY KEY (origin_log, origin_job));
CREATE INDEX merged_jobs_by_job ON merged_jobs(job_id);
CREATE TABLE merged_documents (
    origin_log TEXT NOT NULL, origin_doc INTEGER NOT NULL,
    document_id INTEGER NOT NULL REFERENCES documents(id),
    PRIMARY KEY (origin_log, origin_doc));
CREATE INDEX merged_documents_by_document ON merged_documents(document_id);
", "
CREATE TABLE outputs (
    id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES documents(id),
    sha256 TEXT NOT NULL, bytes INTEGER NOT NULL);
CREATE INDEX outputs_by_document ON outputs(document_id);
CREATE TRIGGER outputs_no_update BEFORE UPDATE ON outputs BEGIN SELECT RAISE(ABORT, 'append-only'); END;
CREATE TRIGGER outputs_no_delete BEFORE DELETE ON outputs BEGIN SELECT RAISE(ABORT, 'append-only'); END;
"];

/// Hashed `documents` columns, in canonical order (`prev_hash` last).
pub(super) const DOC_COLS: &str =
    "id, job_id, input_path_hmac, input_sha256, settings_hash, output_path, \
     status, error_code, pages, paragraphs, counts_json, risk_score, stage_ms_json, started_at, \
     finished_at, prev_hash";
pub(super) const DOC_NCOLS: usize = 16;
/// The `documents` columns a document brings with it (`DOC_COLS` less `id`, `job_id` and
/// `prev_hash`, which its place in a chain decides), in the same order.
pub(super) const DOC_CONTENT_COLS: &str =
    "input_path_hmac, input_sha256, settings_hash, output_path, \
     status, error_code, pages, paragraphs, counts_json, risk_score, stage_ms_json, started_at, \
     finished_at";
pub(super) const DOC_CONTENT_NCOLS: usize = 13;
/// The `jobs` columns a merge copies, in order.
pub(super) const JOB_COLS: &str =
    "started_at, finished_at, tool_version, settings_hash, model_versions, status";
pub(super) const JOB_NCOLS: usize = 6;
/// Hashed `entities` columns, in canonical order.
pub(super) const ENT_COLS: &str = "page, x0, y0, x1, y1, category, score, source, text_hmac";
pub(super) const ENT_NCOLS: usize = 9;
/// Hashed `raster_pages` columns, in canonical order.
pub(super) const RASTER_COLS: &str = "page, code, detail";
pub(super) const RASTER_NCOLS: usize = 3;
/// Hashed `ocr_pages` columns, in canonical order.
pub(super) const OCR_COLS: &str = "page, reason, words, mean_confidence";
pub(super) const OCR_NCOLS: usize = 4;
/// Hashed `outputs` columns, in canonical order.
pub(super) const OUT_COLS: &str = "sha256, bytes";
pub(super) const OUT_NCOLS: usize = 2;
pub(super) const SUMMARY_COLS: &str =
    "id, job_id, status, error_code, output_path, risk_score, pages, finished_at";
