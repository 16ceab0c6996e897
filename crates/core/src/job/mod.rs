//! Batch jobs over files and folders: read each input, run the pipeline, write the
//! verified output atomically (temp file + rename) with a `.deid.json` report beside it,
//! and record a row per document in the job log. One bad document never stops the batch;
//! a failed document gets no output file. Inputs are never modified.
//!
//! `run.rs`-style flow lives here; `worker.rs` is the worker protocol, `files.rs` the file
//! handling, `record.rs` what a document leaves in the job log and beside its output,
//! `shard.rs` which part of the inputs one task of a scheduler's array processes.

mod files;
mod names;
mod record;
mod shard;
mod worker;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::{Error, Result};
pub use crate::joblog::DocStatus;
use crate::joblog::{HmacKey, JobInfo, JobLog};
use crate::pdfium::PdfiumService;
use crate::pipeline::{DocReport, Engine, EngineInfo, ProcessOptions, Stage};
use crate::review::{Decisions, Review};

pub use files::{collect_inputs, now_rfc3339, write_atomic, InputFile};
use files::{remove_stale_temps, same_file, temp_beside};
pub use names::{NameMode, OutputNames};
use record::{done_record, failed_record, RecordHead, ReportFile};
pub use shard::{Shard, ShardError};
use worker::WorkerJob;
pub use worker::{
    fill_hmacs, worker_main, WorkerReply, WorkerRequest, WorkerSettings, WATCHDOG_GRACE,
};

/// What to run.
#[derive(Debug, Clone)]
pub struct JobRequest {
    pub inputs: Vec<PathBuf>,
    pub out_dir: PathBuf,
    pub db: PathBuf,
    pub key: PathBuf,
    pub force: bool,
    pub isolation: Isolation,
    /// Reviewer decisions applied to every input (the review screen sends one input).
    pub review: Option<Decisions>,
    /// Lets another thread cancel documents or the whole batch.
    pub cancel: Option<Arc<Cancel>>,
    /// What becomes of the input's file and folder names in the output's ([`NameMode`]).
    pub names: NameMode,
}

/// Cancellation shared with the caller: a document not started yet is not started; a
/// running worker process is killed (in-process runs finish the document they are on).
#[derive(Debug, Default)]
pub struct Cancel {
    all: AtomicBool,
    docs: Mutex<BTreeSet<usize>>,
}

impl Cancel {
    pub fn cancel_all(&self) {
        self.all.store(true, Ordering::SeqCst);
    }
    /// Cancel the document at `index` of the inputs handed to [`run_inputs`].
    pub fn cancel_doc(&self, index: usize) {
        if let Ok(mut d) = self.docs.lock() {
            d.insert(index);
        }
    }
    pub fn is_cancelled(&self, index: usize) -> bool {
        self.all.load(Ordering::SeqCst)
            || self.docs.lock().map(|d| d.contains(&index)).unwrap_or(true)
    }
}

/// Where the pipeline runs for each document.
// one value per job: the size of the worker variant does not matter
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Isolation {
    /// In this process (tests, embedding): needs [`Pipeline::Loaded`].
    InProcess,
    /// One child process per document (`exe worker`, a [`WorkerRequest`] on its stdin),
    /// so a crash, hang or runaway memory in pdfium fails that document only. The child
    /// is killed after `timeout` (or the longer limit it reports for a long document).
    Subprocess {
        exe: PathBuf,
        settings: WorkerSettings,
        timeout: Duration,
        /// Handed to the worker in `PDF_DEID_PASSWORD` (never on the command line).
        password: Option<String>,
        /// One worker serves the batch's documents one after another (models loaded once;
        /// a worker that crashes, times out or is cancelled is replaced, and only its
        /// document fails); `false`: a new worker per document.
        reuse: bool,
    },
}

/// What the parent process holds of the pipeline.
#[derive(Clone, Copy)]
pub enum Pipeline<'a> {
    /// A built engine (and pdfium, for in-process runs).
    Loaded(&'a Engine, Option<&'a PdfiumService>),
    /// Only the engine's description ([`crate::engine::describe`]): the models are loaded
    /// by the worker processes alone.
    Described(&'a EngineInfo),
}

/// Progress events, in order, for the CLI and the desktop app.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JobEvent {
    Started {
        job_id: i64,
        total: usize,
    },
    DocStarted {
        index: usize,
    },
    /// A user-facing stage of the document finished.
    DocStage {
        index: usize,
        stage: Stage,
    },
    DocCancelled {
        index: usize,
    },
    DocDone {
        index: usize,
        status: DocStatus,
        risk: f32,
        entities: usize,
    },
    DocSkipped {
        index: usize,
    },
    DocFailed {
        index: usize,
        code: &'static str,
        message: String,
    },
    Finished {
        ok: usize,
        review: usize,
        failed: usize,
        skipped: usize,
        cancelled: usize,
    },
}

/// Final state of one input.
#[derive(Debug, Clone, Serialize)]
pub struct DocOutcome {
    pub input: PathBuf,
    pub output: Option<PathBuf>,
    pub status: DocStatus,
    pub error_code: Option<&'static str>,
    pub error: Option<String>,
    pub risk: Option<f32>,
    pub counts: BTreeMap<String, u32>,
    /// Pages that are images in the output, each with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub raster: Vec<crate::pipeline::RasterReason>,
    /// Pages read by OCR, with their mean confidence.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ocr: Vec<crate::ocr::OcrPageReport>,
    /// Pages and paragraphs of a processed document (0 otherwise).
    pub pages: usize,
    pub paragraphs: usize,
    pub words: usize,
    /// Milliseconds per pipeline stage (empty unless processed).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub stage_ms: BTreeMap<String, u64>,
    /// Peak resident memory of the process that ran it, KiB (0 unless processed).
    pub peak_rss_kb: u64,
    /// The process that ran it (this one for in-process runs; 0 unless processed).
    pub worker_pid: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobOutcome {
    pub job_id: i64,
    pub documents: Vec<DocOutcome>,
    pub elapsed_ms: u64,
}

impl JobOutcome {
    pub fn count(&self, status: DocStatus) -> usize {
        self.documents.iter().filter(|d| d.status == status).count()
    }
}

impl DocOutcome {
    fn empty(inp: &InputFile, status: DocStatus) -> DocOutcome {
        DocOutcome {
            input: inp.path.clone(),
            output: None,
            status,
            error_code: None,
            error: None,
            risk: None,
            counts: BTreeMap::new(),
            raster: Vec::new(),
            ocr: Vec::new(),
            pages: 0,
            paragraphs: 0,
            words: 0,
            stage_ms: BTreeMap::new(),
            peak_rss_kb: 0,
            worker_pid: 0,
        }
    }
    fn cancelled(inp: &InputFile) -> DocOutcome {
        DocOutcome {
            error_code: Some("cancelled"),
            ..DocOutcome::empty(inp, DocStatus::Cancelled)
        }
    }
}

/// Run a batch. `on_event` sees progress; the returned outcome lists every input.
pub fn run_job(
    pipeline: Pipeline<'_>,
    req: &JobRequest,
    on_event: &mut dyn FnMut(&JobEvent),
) -> Result<JobOutcome> {
    let inputs = collect_inputs(&req.inputs)?;
    run_inputs(pipeline, req, &inputs, on_event)
}

/// Run a batch over inputs already collected (`req.inputs` is not read). Event and
/// cancellation indices are positions in `inputs`.
pub fn run_inputs(
    pipeline: Pipeline<'_>,
    req: &JobRequest,
    inputs: &[InputFile],
    on_event: &mut dyn FnMut(&JobEvent),
) -> Result<JobOutcome> {
    let started = Instant::now();
    let (engine, pdfium, info) = match pipeline {
        Pipeline::Loaded(engine, pdfium) => (Some(engine), pdfium, engine.info()),
        Pipeline::Described(_) if matches!(req.isolation, Isolation::InProcess) => {
            return Err(Error::Settings(
                "an in-process job needs a loaded engine".into(),
            ))
        }
        Pipeline::Described(info) => (None, None, info.clone()),
    };
    std::fs::create_dir_all(&req.out_dir).map_err(|e| Error::io("creating output folder", &e))?;
    remove_stale_temps(&req.out_dir);
    if let Some(parent) = req.db.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("creating job log folder", &e))?;
    }
    if let Some(parent) = req.key.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io("creating key folder", &e))?;
    }
    let key = HmacKey::load_or_create(&req.key).map_err(|e| Error::JobLog(e.to_string()))?;
    let log = JobLog::open(&req.db).map_err(|e| Error::JobLog(e.to_string()))?;
    let job = JobInfo {
        tool_version: format!("pdf-deid {}", env!("CARGO_PKG_VERSION")),
        settings_hash: info.settings_hash.clone(),
        model_versions: match &info.profile {
            Some(p) => serde_json::json!({
                "detectors": info.detectors,
                "policy": info.policy,
                "profile": p,
            }),
            None => serde_json::json!({ "detectors": info.detectors }),
        },
    };
    let job_id = log
        .start_job(&job, &now_rfc3339())
        .map_err(|e| Error::JobLog(e.to_string()))?;
    on_event(&JobEvent::Started {
        job_id,
        total: inputs.len(),
    });
    let ctx = DocContext {
        served: std::cell::RefCell::new(None),
        engine,
        pdfium,
        info: &info,
        req,
        log: &log,
        key: &key,
        job_id,
        stats: std::cell::RefCell::new(crate::joblog::JobStats::default()),
    };
    let names = OutputNames::new(req.names, &key);
    let mut docs = Vec::with_capacity(inputs.len());
    for (index, inp) in inputs.iter().enumerate() {
        let cancelled = || req.cancel.as_ref().is_some_and(|c| c.is_cancelled(index));
        if cancelled() {
            on_event(&JobEvent::DocCancelled { index });
            docs.push(DocOutcome::cancelled(inp));
            continue;
        }
        on_event(&JobEvent::DocStarted { index });
        let output = req.out_dir.join(names.relative(&inp.relative));
        let report_path = output.with_extension("pdf.deid.json");
        let outcome = ctx.run_one(index, inp, &output, &report_path, &mut |stage| {
            on_event(&JobEvent::DocStage { index, stage })
        });
        let ev = match &outcome {
            Ok(d) if d.status == DocStatus::Skipped => JobEvent::DocSkipped { index },
            Ok(d) => JobEvent::DocDone {
                index,
                status: d.status,
                risk: d.risk.unwrap_or(0.0),
                entities: d.counts.values().map(|v| *v as usize).sum(),
            },
            Err(Error::Cancelled) => JobEvent::DocCancelled { index },
            Err(e) => JobEvent::DocFailed {
                index,
                code: e.code(),
                message: e.to_string(),
            },
        };
        on_event(&ev);
        docs.push(match outcome {
            Ok(d) => d,
            Err(Error::Cancelled) => DocOutcome::cancelled(inp),
            Err(e) => DocOutcome {
                error_code: Some(e.code()),
                error: Some(e.to_string()),
                ..DocOutcome::empty(inp, DocStatus::Failed)
            },
        });
    }
    let outcome = JobOutcome {
        job_id,
        documents: docs,
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    let failed = outcome.count(DocStatus::Failed);
    let cancelled = outcome.count(DocStatus::Cancelled);
    let status = match (failed, cancelled) {
        (0, 0) => "ok",
        (0, _) => "cancelled",
        _ => "partial",
    };
    // the job's detection statistics (no text), for `jobs drift`
    let stats = ctx.stats.into_inner();
    if stats.documents > 0 {
        if let Err(e) = log.record_job_stats(job_id, &stats) {
            // statistics are auxiliary: the outputs and their rows stand without them
            tracing::warn!(job_id, error = %e, "job statistics not recorded");
        }
    }
    log.finish_job(job_id, &now_rfc3339(), status)
        .map_err(|e| Error::JobLog(e.to_string()))?;
    on_event(&JobEvent::Finished {
        ok: outcome.count(DocStatus::Ok),
        review: outcome.count(DocStatus::Review),
        failed,
        skipped: outcome.count(DocStatus::Skipped),
        cancelled,
    });
    Ok(outcome)
}

/// What every document of one job shares.
struct DocContext<'a> {
    /// The batch's long-lived worker (`Isolation::Subprocess { reuse: true, .. }`).
    served: std::cell::RefCell<Option<crate::child::Served>>,
    engine: Option<&'a Engine>,
    pdfium: Option<&'a PdfiumService>,
    info: &'a EngineInfo,
    req: &'a JobRequest,
    log: &'a JobLog,
    key: &'a HmacKey,
    job_id: i64,
    /// What the job's documents held (categories, scores, words), for the job log.
    stats: std::cell::RefCell<crate::joblog::JobStats>,
}

/// A verified output in its temp file, with its report.
struct Produced {
    tmp: tempfile::NamedTempFile,
    report: DocReport,
    stage_ms: BTreeMap<String, u64>,
    output_sha256: String,
    peak_rss_kb: u64,
    worker_pid: u32,
    /// The de-identified text, when the settings ask for one.
    text: Option<String>,
}

impl DocContext<'_> {
    /// Run the pipeline for one input into a temp file next to `output`; the temp file is
    /// deleted unless the caller persists it. `bytes`: the input, already read (in-process
    /// runs use them; a worker reads the file itself).
    fn produce(
        &self,
        index: usize,
        (input, bytes): (&Path, Vec<u8>),
        output: &Path,
        on_stage: &mut dyn FnMut(Stage),
    ) -> Result<Produced> {
        let mut tmp = temp_beside(output)?;
        match &self.req.isolation {
            Isolation::InProcess => {
                let (engine, pdfium) = match (self.engine, self.pdfium) {
                    (Some(e), Some(p)) => (e, p),
                    (None, _) => {
                        return Err(Error::Settings(
                            "an in-process job needs a loaded engine".into(),
                        ))
                    }
                    (_, None) => return Err(Error::PdfiumMissing("pdfium was not loaded".into())),
                };
                let stages = std::cell::RefCell::new(on_stage);
                let observe = |s: Stage| (stages.borrow_mut())(s);
                let opts = ProcessOptions {
                    review: self.req.review.as_ref().map(|decisions| Review {
                        decisions,
                        key: self.key,
                    }),
                    on_stage: Some(&observe),
                    on_limit: None,
                    key: Some(self.key),
                };
                let mut p = crate::pipeline::process_guarded_with(engine, pdfium, bytes, opts)?;
                fill_hmacs(&mut p.report, self.key);
                tmp.write_all(p.output.bytes())
                    .map_err(|e| Error::io("writing output", &e))?;
                tmp.as_file()
                    .sync_all()
                    .map_err(|e| Error::io("syncing output", &e))?;
                Ok(Produced {
                    tmp,
                    peak_rss_kb: worker::peak_rss_kb(),
                    worker_pid: std::process::id(),
                    output_sha256: crate::hash::sha256_hex(p.output.bytes()),
                    report: p.report,
                    stage_ms: p.stage_ms,
                    text: p.text,
                })
            }
            Isolation::Subprocess {
                exe,
                settings,
                timeout,
                password,
                reuse,
            } => {
                drop(bytes);
                let cancelled = || {
                    self.req
                        .cancel
                        .as_ref()
                        .is_some_and(|c| c.is_cancelled(index))
                };
                let job = WorkerJob {
                    exe,
                    settings,
                    timeout: *timeout,
                    password: password.as_deref(),
                    key_path: &self.req.key,
                    decisions: self.req.review.as_ref(),
                    cancelled: &cancelled,
                };
                let reply = if *reuse {
                    job.run_served(&mut self.served.borrow_mut(), input, tmp.path(), on_stage)?
                } else {
                    job.run(input, tmp.path(), on_stage)?
                };
                match reply {
                    WorkerReply::Ok {
                        report,
                        stage_ms,
                        output_sha256,
                        peak_rss_kb,
                        worker_pid,
                        text,
                    } => Ok(Produced {
                        tmp,
                        report: *report,
                        stage_ms,
                        output_sha256,
                        peak_rss_kb,
                        worker_pid,
                        text,
                    }),
                    WorkerReply::Failed { code, message } => {
                        Err(Error::from_worker(&code, message))
                    }
                }
            }
        }
    }

    fn run_one(
        &self,
        index: usize,
        inp: &InputFile,
        output: &Path,
        report_path: &Path,
        on_stage: &mut dyn FnMut(Stage),
    ) -> Result<DocOutcome> {
        let (log, key, job_id) = (self.log, self.key, self.job_id);
        let started_at = now_rfc3339();
        if same_file(&inp.path, output) {
            return Err(Error::Settings("output would overwrite the input".into()));
        }
        let bytes = std::fs::read(&inp.path).map_err(|e| Error::io("reading input", &e))?;
        let input_sha = crate::hash::sha256_hex(&bytes);
        let output_tag = key.hmac_hex(&format!("output:{}", output.display()));
        if !self.req.force {
            if let Some(prev) = log
                .already_done(&input_sha, &self.info.settings_hash, &output_tag, output)
                .map_err(|e| Error::JobLog(e.to_string()))?
            {
                return Ok(DocOutcome {
                    output: Some(output.to_path_buf()),
                    risk: Some(prev.risk_score),
                    ..DocOutcome::empty(inp, DocStatus::Skipped)
                });
            }
        }
        let head = RecordHead {
            input_path_hmac: key.hmac_hex(&format!("input:{}", inp.path.display())),
            input_sha256: input_sha.clone(),
            settings_hash: self.info.settings_hash.clone(),
            started_at,
        };
        let result = self
            .produce(index, (&inp.path, bytes), output, on_stage)
            .and_then(|p| {
                let status = if p.report.review {
                    DocStatus::Review
                } else {
                    DocStatus::Ok
                };
                let written = crate::joblog::OutputRow {
                    sha256: p.output_sha256.clone(),
                    bytes: p
                        .tmp
                        .as_file()
                        .metadata()
                        .map_err(|e| Error::io("reading the output's size", &e))?
                        .len(),
                };
                // the text first: a document whose text cannot be written gets no PDF either
                let text_path = output.with_extension("txt");
                if let Some(t) = &p.text {
                    write_atomic(&text_path, t.as_bytes())?;
                }
                p.tmp.persist(output).map_err(|e| {
                    if p.text.is_some() {
                        let _ = std::fs::remove_file(&text_path);
                    }
                    Error::io("renaming output", &e.error)
                })?;
                let rep = ReportFile {
                    tool: "pdf-deid",
                    version: env!("CARGO_PKG_VERSION"),
                    policy: &self.info.policy,
                    input_sha256: &input_sha,
                    output_sha256: &p.output_sha256,
                    status,
                    report: &p.report,
                };
                let json = serde_json::to_vec_pretty(&rep)
                    .map_err(|_| Error::Settings("report serialisation".into()))?;
                write_atomic(report_path, &json)?;
                Ok((
                    status,
                    p.report,
                    p.stage_ms,
                    written,
                    (p.peak_rss_kb, p.worker_pid),
                ))
            });
        match result {
            Ok((status, report, stage_ms, written, (peak_rss_kb, worker_pid))) => {
                self.stats.borrow_mut().add_document(
                    report.words,
                    report
                        .entities
                        .iter()
                        .map(|e| (e.category.as_str(), e.score)),
                );
                let rec = done_record(head, output_tag, written, status, &report, stage_ms.clone());
                if let Err(e) = log.record_document(job_id, &rec) {
                    // no record, no output: the next run redoes this document
                    let _ = std::fs::remove_file(output);
                    let _ = std::fs::remove_file(report_path);
                    let _ = std::fs::remove_file(output.with_extension("txt"));
                    return Err(Error::JobLog(e.to_string()));
                }
                Ok(DocOutcome {
                    output: Some(output.to_path_buf()),
                    risk: Some(report.risk.score),
                    counts: report.counts,
                    raster: report.raster,
                    ocr: report.ocr_pages,
                    pages: report.pages,
                    paragraphs: report.paragraphs,
                    words: report.words,
                    stage_ms,
                    peak_rss_kb,
                    worker_pid,
                    ..DocOutcome::empty(inp, status)
                })
            }
            Err(e) => {
                // A failed document has no output: remove a stale one from an earlier run.
                let _ = std::fs::remove_file(output);
                let _ = std::fs::remove_file(report_path);
                let _ = std::fs::remove_file(output.with_extension("txt"));
                // the document's own error is the one to report, even if logging it failed too
                let _ = log.record_document(job_id, &failed_record(head, e.code()));
                Err(e)
            }
        }
    }
}
