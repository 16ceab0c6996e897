//! Writing: a document row with its entity, raster-page and OCR-page rows, hash-chained
//! (`prev_hash` -> `row_hash`), and the check of that chain.

use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection, OptionalExtension, Row};
use sha2::{Digest, Sha256};

use super::schema::{
    DOC_COLS, DOC_CONTENT_NCOLS, DOC_NCOLS, ENT_COLS, ENT_NCOLS, OCR_COLS, OCR_NCOLS, OUT_COLS,
    OUT_NCOLS, RASTER_COLS, RASTER_NCOLS,
};
use super::{ChainCheck, DocumentRecord, JobLog, JobLogError, Result};

/// `prev_hash` of the first `documents` row.
const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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
/// The row hash covers the document row, its entity rows, its raster rows, its OCR rows
/// and its output row. Rows without raster pages, OCR pages or an output row hash as in
/// schema version 1, so chains written before those tables still verify.
fn doc_row_hash(
    doc: &[Value],
    entities: &[Vec<Value>],
    raster: &[Vec<Value>],
    ocr: &[Vec<Value>],
    outputs: &[Vec<Value>],
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
    for (name, rows) in [(&b"ocr_pages\0"[..], ocr), (&b"outputs\0"[..], outputs)] {
        if !rows.is_empty() {
            h.update(name);
            h.update((rows.len() as u64).to_be_bytes());
            for r in rows {
                hash_values(&mut h, r);
            }
        }
    }
    hex::encode(h.finalize())
}

pub(super) fn read_values(row: &Row<'_>, offset: usize, n: usize) -> rusqlite::Result<Vec<Value>> {
    (offset..offset + n).map(|i| row.get(i)).collect()
}

/// A document row as SQL values, before it is chained: the content columns
/// (`DOC_CONTENT_COLS`, without `id`, `job_id` and `prev_hash`) and its entity, raster
/// and OCR rows in their hashed column order. [`JobLog::record_document`] builds it from
/// a [`DocumentRecord`]; a merge reads it verbatim from another job log.
pub(super) struct RowValues {
    pub doc: Vec<Value>,
    pub entities: Vec<Vec<Value>>,
    pub raster: Vec<Vec<Value>>,
    pub ocr: Vec<Vec<Value>>,
    pub outputs: Vec<Vec<Value>>,
}

fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Append a document to the chain inside the caller's write transaction: the next id,
/// `prev_hash` from the newest row, `row_hash` over it all. Returns the new id.
pub(super) fn append_document(conn: &Connection, job_id: i64, row: &RowValues) -> Result<i64> {
    if row.doc.len() != DOC_CONTENT_NCOLS {
        return Err(JobLogError::InvalidInput(
            "document row has the wrong columns",
        ));
    }
    let job_exists: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM jobs WHERE id = ?1)",
        [job_id],
        |r| r.get(0),
    )?;
    if !job_exists {
        return Err(JobLogError::JobNotFound(job_id));
    }
    let (prev_id, prev_hash) = conn
        .query_row(
            "SELECT id, row_hash FROM documents ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()?
        .unwrap_or_else(|| (0, GENESIS_HASH.to_owned()));
    let id = prev_id + 1;
    let mut doc = Vec::with_capacity(DOC_NCOLS);
    doc.push(Value::Integer(id));
    doc.push(Value::Integer(job_id));
    doc.extend(row.doc.iter().cloned());
    doc.push(Value::Text(prev_hash));
    let row_hash = Value::Text(doc_row_hash(
        &doc,
        &row.entities,
        &row.raster,
        &row.ocr,
        &row.outputs,
    ));
    conn.execute(
        &format!(
            "INSERT INTO documents ({DOC_COLS}, row_hash) VALUES ({})",
            placeholders(DOC_NCOLS + 1)
        ),
        params_from_iter(doc.iter().chain(std::iter::once(&row_hash))),
    )?;
    let doc_id = Value::Integer(id);
    for (table, cols, n, rows) in [
        ("entities", ENT_COLS, ENT_NCOLS, &row.entities),
        ("raster_pages", RASTER_COLS, RASTER_NCOLS, &row.raster),
        ("ocr_pages", OCR_COLS, OCR_NCOLS, &row.ocr),
        ("outputs", OUT_COLS, OUT_NCOLS, &row.outputs),
    ] {
        if rows.is_empty() {
            continue;
        }
        let mut stmt = conn.prepare(&format!(
            "INSERT INTO {table} (document_id, {cols}) VALUES ({})",
            placeholders(n + 1)
        ))?;
        for r in rows {
            if r.len() != n {
                return Err(JobLogError::InvalidInput("child row has the wrong columns"));
            }
            stmt.execute(params_from_iter(std::iter::once(&doc_id).chain(r)))?;
        }
    }
    Ok(id)
}

/// Check the hash chain inside the caller's (read) transaction.
pub(super) fn check_chain(conn: &Connection) -> Result<ChainCheck> {
    let mut docs = conn.prepare(&format!(
        "SELECT {DOC_COLS}, row_hash FROM documents ORDER BY id"
    ))?;
    let mut ents = conn.prepare(&format!(
        "SELECT {ENT_COLS} FROM entities WHERE document_id = ?1 ORDER BY id"
    ))?;
    let mut rasters = conn.prepare(&format!(
        "SELECT {RASTER_COLS} FROM raster_pages WHERE document_id = ?1 ORDER BY id"
    ))?;
    let mut ocrs = conn.prepare(&format!(
        "SELECT {OCR_COLS} FROM ocr_pages WHERE document_id = ?1 ORDER BY id"
    ))?;
    let mut outs = conn.prepare(&format!(
        "SELECT {OUT_COLS} FROM outputs WHERE document_id = ?1 ORDER BY id"
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
        let outputs = outs
            .query_map([id], |r| read_values(r, 0, OUT_NCOLS))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if stored != Value::Text(doc_row_hash(&doc, &entities, &raster, &ocr, &outputs)) {
            return Ok(broken("row hash mismatch"));
        }
        expected_prev = stored;
        count += 1;
    }
    Ok(ChainCheck::Intact { rows: count })
}

impl JobLog {
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

        let text = |s: &str| Value::Text(s.to_owned());
        let opt = |s: &Option<String>| s.as_ref().map_or(Value::Null, |s| text(s));
        let row = RowValues {
            doc: vec![
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
            ],
            entities,
            raster,
            ocr,
            outputs: rec
                .output
                .iter()
                .map(|o| {
                    vec![
                        Value::Text(o.sha256.clone()),
                        Value::Integer(o.bytes as i64),
                    ]
                })
                .collect(),
        };
        let tx = self.write_tx()?;
        let id = append_document(&tx, job_id, &row)?;
        tx.commit()?;
        Ok(id)
    }

    /// Recompute the hash chain over all documents (and their entities) from
    /// one consistent snapshot. Truncation of the newest rows is not detectable
    /// from inside the database; compare `rows` with an external record if needed.
    pub fn verify_chain(&self) -> Result<ChainCheck> {
        let tx = self.conn.unchecked_transaction()?; // read snapshot
        check_chain(&tx)
    }
}
