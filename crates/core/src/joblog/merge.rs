//! Merging job logs: the per-shard logs of a scaled-out run into one.
//!
//! Every job of the source is copied with its document rows (and their entity, raster-page
//! and OCR-page rows, value for value); the document rows are appended to the target's
//! own hash chain (new ids, `prev_hash` and `row_hash`), so the target verifies as a
//! whole. A source whose own chain does not verify is refused.
//!
//! Each copied job and document remembers where it came from first (`merged_jobs`,
//! `merged_documents`: the origin log's random `meta.log_id` and the row id there; a row
//! that was itself merged keeps its first origin). A row whose origin the target already
//! holds, or that originated in the target itself, is skipped: merging the same source
//! twice, a source that grew since (a re-run shard), or a log that already holds merged
//! rows, adds each document once. A job copied before is updated to the source's current
//! `finished_at` and `status` (a shard merged while still running).

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};

use super::record::{append_document, check_chain, read_values, RowValues};
use super::schema::{
    DOC_CONTENT_COLS, DOC_CONTENT_NCOLS, ENT_COLS, ENT_NCOLS, JOB_COLS, JOB_NCOLS, OCR_COLS,
    OCR_NCOLS, OUT_COLS, OUT_NCOLS, RASTER_COLS, RASTER_NCOLS,
};
use super::{ChainCheck, JobLog, JobLogError, Result};

/// What one merge added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MergeReport {
    /// Jobs new to the target.
    pub jobs_added: u64,
    /// Document rows appended to the target's chain.
    pub documents_added: u64,
    /// Document rows the target already held (merged before, or its own).
    pub documents_skipped: u64,
}

/// (origin log, origin row id) of the rows merged into `conn`'s log, by their id there:
/// `table` is `merged_jobs` or `merged_documents`.
fn origins(conn: &Connection, table: &str) -> Result<HashMap<i64, (String, i64)>> {
    let (local, origin) = match table {
        "merged_jobs" => ("job_id", "origin_job"),
        _ => ("document_id", "origin_doc"),
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {local}, origin_log, {origin} FROM {table}"
    ))?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn log_id_of(conn: &Connection) -> Result<String> {
    Ok(
        conn.query_row("SELECT value FROM meta WHERE key = 'log_id'", [], |r| {
            r.get(0)
        })?,
    )
}

/// One document of the source as it is stored.
fn read_row(conn: &Connection, doc_id: i64) -> Result<RowValues> {
    let doc = conn.query_row(
        &format!("SELECT {DOC_CONTENT_COLS} FROM documents WHERE id = ?1"),
        [doc_id],
        |r| read_values(r, 0, DOC_CONTENT_NCOLS),
    )?;
    let children = |table: &str, cols: &str, n: usize| -> Result<Vec<Vec<Value>>> {
        let mut stmt = conn.prepare(&format!(
            "SELECT {cols} FROM {table} WHERE document_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([doc_id], |r| read_values(r, 0, n))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    };
    Ok(RowValues {
        doc,
        entities: children("entities", ENT_COLS, ENT_NCOLS)?,
        raster: children("raster_pages", RASTER_COLS, RASTER_NCOLS)?,
        ocr: children("ocr_pages", OCR_COLS, OCR_NCOLS)?,
        outputs: children("outputs", OUT_COLS, OUT_NCOLS)?,
    })
}

impl JobLog {
    /// This log's random identity (made when its schema reached version 4). A copy of the
    /// file shares it, and is treated as the same log by [`JobLog::merge_from`].
    pub fn log_id(&self) -> Result<String> {
        log_id_of(&self.conn)
    }

    /// Copy every job and document row of `source` that this log does not hold yet (see
    /// the module notes), in one transaction: all of the source or nothing. Refuses a
    /// source whose hash chain does not verify (checked on the same snapshot that is
    /// copied).
    pub fn merge_from(&self, source: &JobLog) -> Result<MergeReport> {
        if std::ptr::eq(self, source) {
            // one connection cannot read a snapshot and write at once; nothing to add anyway
            let rows: i64 = self
                .conn
                .query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0))?;
            return Ok(MergeReport {
                documents_skipped: u64::try_from(rows).unwrap_or(0),
                ..MergeReport::default()
            });
        }
        let snap = source.conn.unchecked_transaction()?; // one read snapshot
        if let ChainCheck::Broken {
            first_bad_row,
            reason,
        } = check_chain(&snap)?
        {
            return Err(JobLogError::SourceChainBroken {
                first_bad_row,
                reason,
            });
        }
        let src_log = log_id_of(&snap)?;
        let job_origins = origins(&snap, "merged_jobs")?;
        let doc_origins = origins(&snap, "merged_documents")?;
        let jobs: Vec<(i64, Vec<Value>)> = {
            let mut stmt = snap.prepare(&format!("SELECT id, {JOB_COLS} FROM jobs ORDER BY id"))?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, read_values(r, 1, JOB_NCOLS)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let mut docs_of = snap.prepare("SELECT id FROM documents WHERE job_id = ?1 ORDER BY id")?;

        let tx = self.write_tx()?;
        let own = log_id_of(&tx)?;
        let mut report = MergeReport::default();
        for (job_id, job) in &jobs {
            let (olog, ojob) = job_origins
                .get(job_id)
                .cloned()
                .unwrap_or_else(|| (src_log.clone(), *job_id));
            let docs: Vec<i64> = docs_of
                .query_map([job_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if olog == own {
                report.documents_skipped += docs.len() as u64;
                continue;
            }
            let known: Option<i64> = tx
                .query_row(
                    "SELECT job_id FROM merged_jobs WHERE origin_log = ?1 AND origin_job = ?2",
                    params![olog, ojob],
                    |r| r.get(0),
                )
                .optional()?;
            let target_job = match known {
                Some(id) => {
                    // started_at .. status: finished_at and status may have moved on
                    tx.execute(
                        "UPDATE jobs SET finished_at = ?2, status = ?3 WHERE id = ?1",
                        params![id, job[1], job[5]],
                    )?;
                    id
                }
                None => {
                    tx.execute(
                        &format!("INSERT INTO jobs ({JOB_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                        rusqlite::params_from_iter(job.iter()),
                    )?;
                    let id = tx.last_insert_rowid();
                    tx.execute(
                        "INSERT INTO merged_jobs (origin_log, origin_job, job_id) \
                         VALUES (?1, ?2, ?3)",
                        params![olog, ojob, id],
                    )?;
                    report.jobs_added += 1;
                    id
                }
            };
            for doc_id in docs {
                let (dlog, ddoc) = doc_origins
                    .get(&doc_id)
                    .cloned()
                    .unwrap_or_else(|| (src_log.clone(), doc_id));
                let held: bool = dlog == own
                    || tx.query_row(
                        "SELECT EXISTS(SELECT 1 FROM merged_documents \
                         WHERE origin_log = ?1 AND origin_doc = ?2)",
                        params![dlog, ddoc],
                        |r| r.get(0),
                    )?;
                if held {
                    report.documents_skipped += 1;
                    continue;
                }
                let row = read_row(&snap, doc_id)?;
                let id = append_document(&tx, target_job, &row)?;
                tx.execute(
                    "INSERT INTO merged_documents (origin_log, origin_doc, document_id) \
                     VALUES (?1, ?2, ?3)",
                    params![dlog, ddoc, id],
                )?;
                report.documents_added += 1;
            }
        }
        tx.commit()?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{
        DocStatus, DocumentRecord, EntityRow, JobInfo, OcrRow, OutputRow, RasterRow,
    };
    use super::*;
    use std::collections::BTreeMap;
    use std::path::Path;

    fn info(settings: &str) -> JobInfo {
        JobInfo {
            tool_version: "pdf-deid test".into(),
            settings_hash: settings.into(),
            model_versions: serde_json::json!({"detectors": ["rules"]}),
        }
    }

    fn record(i: u32) -> DocumentRecord {
        DocumentRecord {
            input_path_hmac: format!("in{i}"),
            input_sha256: format!("sha{i}"),
            settings_hash: "s".into(),
            output_path: Some(format!("out{i}")),
            status: if i % 3 == 2 {
                DocStatus::Failed
            } else {
                DocStatus::Ok
            },
            error_code: (i % 3 == 2).then(|| "parse".into()),
            pages: i + 1,
            paragraphs: 3,
            counts: BTreeMap::from([("NAME".to_owned(), i)]),
            risk_score: 0.1 * i as f32,
            stage_ms: BTreeMap::from([("detect".to_owned(), 5)]),
            started_at: "2026-01-01T00:00:00Z".into(),
            finished_at: "2026-01-01T00:00:01Z".into(),
            entities: (0..i % 3)
                .map(|e| EntityRow {
                    page: e,
                    rect: [1.5, -0.0, 3.25, 4.0],
                    category: "NAME".into(),
                    score: 0.9,
                    source: "rule".into(),
                    text_hmac: format!("h{i}-{e}"),
                })
                .collect(),
            raster: (0..i % 2)
                .map(|_| RasterRow {
                    page: 1,
                    code: "policy".into(),
                    detail: "strict".into(),
                })
                .collect(),
            output: (i % 3 != 2).then(|| OutputRow {
                sha256: format!("out-sha{i}"),
                bytes: 100 + u64::from(i),
            }),
            ocr: (0..u32::from(i.is_multiple_of(4)))
                .map(|_| OcrRow {
                    page: 1,
                    reason: "scan".into(),
                    words: 12,
                    mean_confidence: 91.25,
                })
                .collect(),
        }
    }

    /// A log at `path` with one finished job of `docs` documents.
    fn shard(path: &Path, docs: std::ops::Range<u32>) -> JobLog {
        let log = JobLog::open(path).unwrap();
        let job = log.start_job(&info("s"), "2026-01-01T00:00:00Z").unwrap();
        for i in docs {
            log.record_document(job, &record(i)).unwrap();
        }
        log.finish_job(job, "2026-01-01T00:01:00Z", "ok").unwrap();
        log
    }

    fn count(log: &JobLog, table: &str) -> i64 {
        log.conn
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn merges_shards_into_one_verified_chain_once() {
        let d = tempfile::tempdir().unwrap();
        let a = shard(&d.path().join("a.sqlite"), 0..4);
        let b = shard(&d.path().join("b.sqlite"), 4..9);
        let target = JobLog::open(&d.path().join("all.sqlite")).unwrap();
        assert_ne!(a.log_id().unwrap(), b.log_id().unwrap());

        let r = target.merge_from(&a).unwrap();
        assert_eq!((r.jobs_added, r.documents_added), (1, 4));
        let r = target.merge_from(&b).unwrap();
        assert_eq!((r.jobs_added, r.documents_added), (1, 5));
        assert_eq!(
            target.verify_chain().unwrap(),
            ChainCheck::Intact { rows: 9 }
        );
        let children = ["entities", "raster_pages", "ocr_pages", "outputs"];
        for t in children {
            assert_eq!(count(&target, t), count(&a, t) + count(&b, t), "{t}");
        }
        let jobs = target.recent_jobs(10).unwrap();
        assert_eq!(jobs.len(), 2);
        assert!(jobs.iter().all(|j| j.status == "ok"));
        assert_eq!(jobs.iter().map(|j| j.failed).sum::<u32>(), 3);

        // again: nothing new
        for src in [&a, &b] {
            let r = target.merge_from(src).unwrap();
            assert_eq!(r.jobs_added + r.documents_added, 0);
        }
        assert_eq!(count(&target, "documents"), 9);
        // merging the target into itself, or into a log made from it, adds nothing either
        assert_eq!(target.merge_from(&target).unwrap().documents_added, 0);
        let again = JobLog::open(&d.path().join("all.sqlite")).unwrap();
        let r = target.merge_from(&again).unwrap();
        assert_eq!((r.documents_added, r.documents_skipped), (0, 9));
        let second = JobLog::open(&d.path().join("second.sqlite")).unwrap();
        assert_eq!(second.merge_from(&target).unwrap().documents_added, 9);
        assert_eq!(second.merge_from(&a).unwrap().documents_added, 0);
        assert_eq!(target.merge_from(&second).unwrap().documents_added, 0);
        assert_eq!(
            second.verify_chain().unwrap(),
            ChainCheck::Intact { rows: 9 }
        );

        // a shard that grew (a re-run appended a job) brings only its new rows
        let job = a.start_job(&info("s"), "2026-01-02T00:00:00Z").unwrap();
        a.record_document(job, &record(20)).unwrap();
        let r = target.merge_from(&a).unwrap();
        assert_eq!(
            (r.jobs_added, r.documents_added, r.documents_skipped),
            (1, 1, 4)
        );
        assert_eq!(
            target.verify_chain().unwrap(),
            ChainCheck::Intact { rows: 10 }
        );
        // ... and the job's later finish is carried over
        a.finish_job(job, "2026-01-02T00:01:00Z", "ok").unwrap();
        target.merge_from(&a).unwrap();
        assert_eq!(target.recent_jobs(1).unwrap()[0].status, "ok");
    }

    #[test]
    fn refuses_a_source_with_a_broken_chain() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("a.sqlite");
        drop(shard(&path, 0..3));
        let raw = Connection::open(&path).unwrap();
        raw.execute_batch(
            "DROP TRIGGER documents_no_update; \
             UPDATE documents SET risk_score = 0.99 WHERE id = 2",
        )
        .unwrap();
        let src = JobLog::open(&path).unwrap();
        let target = JobLog::open(&d.path().join("all.sqlite")).unwrap();
        assert!(matches!(
            target.merge_from(&src),
            Err(JobLogError::SourceChainBroken {
                first_bad_row: 2,
                ..
            })
        ));
        assert_eq!(count(&target, "documents"), 0);
        assert_eq!(count(&target, "jobs"), 0);
    }
}
