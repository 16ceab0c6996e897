//! Batch jobs over files and folders: read each input, run the pipeline, write the
//! verified output atomically (temp file + rename) with a `.deid.json` report beside it,
//! and record a row per document in the job log. One bad document never stops the batch;
//! a failed document gets no output file. Inputs are never modified.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::child::ChildEnd;
use crate::error::{Error, Result};
use crate::joblog::{DocStatus, DocumentRecord, EntityRow, HmacKey, JobInfo, JobLog, RasterRow};
use crate::pdfium::PdfiumService;
use crate::pipeline::{DocReport, Engine, ProcessOptions, Stage};
use crate::review::{Decisions, Review};

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
#[derive(Debug, Clone)]
pub enum Isolation {
    /// In this process (tests, embedding).
    InProcess,
    /// One child process per document (`exe worker …`), so a crash, hang or runaway memory
    /// in pdfium fails that document only. The child is killed after `timeout`.
    Subprocess {
        exe: PathBuf,
        /// Extra arguments for the worker (policy, limits).
        args: Vec<String>,
        timeout: Duration,
        /// Handed to the worker in `PDF_DEID_PASSWORD` (never on the command line).
        password: Option<String>,
    },
}

/// The settings a worker process is started with, as command-line arguments of
/// `pdf-deid worker` (the CLI and the desktop app start workers the same way).
#[derive(Debug, Clone, Default)]
pub struct WorkerSettings {
    pub policy: String,
    pub max_memory_mb: u64,
    pub timeout_s: Option<u64>,
    pub threads: usize,
    pub heading_model: Option<String>,
    pub ner_model: Option<String>,
    pub pdfium: Option<PathBuf>,
    /// Mark mode ("black" when absent).
    pub mark: Option<String>,
    /// NER device ("cpu" when absent).
    pub device: Option<String>,
    /// Ages setting ("over-89" when absent).
    pub ages: Option<String>,
}

impl WorkerSettings {
    /// The pipeline settings these stand for (what the worker builds its `Config` from).
    pub fn settings(&self) -> crate::Settings {
        crate::Settings {
            policy: self.policy.clone(),
            timeout_s: self.timeout_s,
            review_threshold: None,
            mark: self.mark.clone(),
            device: self.device.clone(),
            ages: self.ages.clone(),
        }
    }

    pub fn args(&self) -> Vec<String> {
        let mut args = vec![
            "--policy".to_string(),
            self.policy.clone(),
            "--max-memory-mb".to_string(),
            self.max_memory_mb.to_string(),
            "--threads".to_string(),
            self.threads.to_string(),
        ];
        if let Some(p) = &self.pdfium {
            args.extend(["--pdfium".to_string(), p.display().to_string()]);
        }
        if let Some(t) = self.timeout_s {
            args.extend(["--timeout".to_string(), t.to_string()]);
        }
        if let Some(m) = &self.heading_model {
            args.extend(["--heading-model".to_string(), m.clone()]);
        }
        if let Some(m) = &self.ner_model {
            args.extend(["--ner-model".to_string(), m.clone()]);
        }
        if let Some(m) = &self.mark {
            args.extend(["--mark".to_string(), m.clone()]);
        }
        if let Some(d) = &self.device {
            args.extend(["--device".to_string(), d.clone()]);
        }
        if let Some(a) = &self.ages {
            args.extend(["--ages".to_string(), a.clone()]);
        }
        args
    }
}

/// What a worker prints on its stdout (one JSON document).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum WorkerReply {
    Ok {
        report: Box<DocReport>,
        stage_ms: BTreeMap<String, u64>,
    },
    Failed {
        code: String,
        message: String,
    },
}

/// Prefix of the progress lines a worker writes on its stderr (`stage extract`, …).
const STAGE_LINE: &str = "stage ";
/// Prefix of the line in which a worker tells its time limit in seconds once it knows the
/// page count (`limit 75`); the parent's watchdog follows it.
const LIMIT_LINE: &str = "limit ";
/// How long after its own limit a worker is killed.
pub const WATCHDOG_GRACE: Duration = Duration::from_secs(15);

/// The body of `pdf-deid worker`: process `input` (with reviewer `decisions`, read from
/// the worker's stdin), write the verified bytes to the existing file `output_tmp`
/// (synced), and return the reply to print. Stage progress goes to stderr as
/// `stage <name>` lines. Entity texts are replaced by their HMACs before anything leaves
/// the process.
pub fn worker_main(
    engine: &Engine,
    pdfium: &PdfiumService,
    key: &HmacKey,
    input: &Path,
    output_tmp: &Path,
    decisions: Option<&Decisions>,
) -> WorkerReply {
    let run = || -> Result<WorkerReply> {
        let bytes = std::fs::read(input).map_err(|e| Error::io("reading input", &e))?;
        let report = |line: String| {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{line}");
            let _ = err.flush();
        };
        let report_stage = |s: Stage| report(format!("{STAGE_LINE}{}", s.as_str()));
        let report_limit = |s: u64| report(format!("{LIMIT_LINE}{s}"));
        let opts = ProcessOptions {
            review: decisions.map(|decisions| Review { decisions, key }),
            on_stage: Some(&report_stage),
            on_limit: Some(&report_limit),
        };
        let mut p = crate::pipeline::process_guarded_with(engine, pdfium, bytes, opts)?;
        fill_hmacs(&mut p.report, key);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(output_tmp)
            .map_err(|e| Error::io("opening the temp output", &e))?;
        f.write_all(p.output.bytes())
            .map_err(|e| Error::io("writing output", &e))?;
        f.sync_all().map_err(|e| Error::io("syncing output", &e))?;
        Ok(WorkerReply::Ok {
            report: Box::new(p.report),
            stage_ms: p.stage_ms,
        })
    };
    run().unwrap_or_else(|e| WorkerReply::Failed {
        code: e.code().to_string(),
        message: e.to_string(),
    })
}

/// Replace every entity's in-memory text by its HMAC.
pub fn fill_hmacs(report: &mut DocReport, key: &HmacKey) {
    for e in report.entities.iter_mut().chain(report.rejected.iter_mut()) {
        e.text_hmac = key.hmac_hex(&e.text);
        e.text.clear();
    }
}

/// Files a killed run can leave behind: our own temp files. Removed at the start of a job.
fn remove_stale_temps(dir: &Path) {
    for e in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
    {
        let name = e.file_name().to_string_lossy();
        if e.file_type().is_file() && name.starts_with(".deid-") && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// One input with the path its output gets under the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    pub relative: PathBuf,
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
        status: &'static str,
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
    pub status: &'static str,
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
}

#[derive(Debug, Clone, Serialize)]
pub struct JobOutcome {
    pub job_id: i64,
    pub documents: Vec<DocOutcome>,
    pub elapsed_ms: u64,
}

impl JobOutcome {
    pub fn count(&self, status: &str) -> usize {
        self.documents.iter().filter(|d| d.status == status).count()
    }
}

fn is_pdf(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
}

/// Expand files and folders (recursively, `*.pdf`) into inputs with output-relative paths.
/// Sorted, de-duplicated.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<InputFile>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::io("reading input path", &e))?;
        if meta.is_dir() {
            for entry in walkdir::WalkDir::new(p)
                .follow_links(false)
                .sort_by_file_name()
            {
                let entry = entry.map_err(|e| Error::Io {
                    op: "walking input folder",
                    kind: e
                        .io_error()
                        .map(|i| i.kind())
                        .unwrap_or(std::io::ErrorKind::Other),
                })?;
                if entry.file_type().is_file() && is_pdf(entry.path()) {
                    let rel = entry
                        .path()
                        .strip_prefix(p)
                        .unwrap_or(entry.path())
                        .to_path_buf();
                    out.push(InputFile {
                        path: entry.path().to_path_buf(),
                        relative: rel,
                    });
                }
            }
        } else {
            let name = p
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("input.pdf"));
            out.push(InputFile {
                path: p.clone(),
                relative: name,
            });
        }
    }
    out.sort_by(|a, b| a.relative.cmp(&b.relative).then(a.path.cmp(&b.path)));
    out.dedup_by(|a, b| a.relative == b.relative);
    Ok(out)
}

/// RFC 3339 UTC timestamp of now (second precision).
pub fn now_rfc3339() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil-from-days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// A `.deid-*.tmp` file in the folder of `path` (created if needed); it is deleted when
/// dropped unless persisted, and a later job removes any that a killed run left behind.
fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating output folder", &e))?;
    tempfile::Builder::new()
        .prefix(".deid-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io("creating temp file", &e))
}

/// Write `bytes` to `path` atomically: a temp file in the same folder, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)
        .map_err(|e| Error::io("writing output", &e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("syncing output", &e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("renaming output", &e.error))?;
    Ok(())
}

/// The per-document report written beside the output (no document text).
#[derive(Debug, Serialize)]
struct ReportFile<'a> {
    tool: &'static str,
    version: &'static str,
    policy: &'a str,
    input_sha256: &'a str,
    output_sha256: String,
    status: &'static str,
    report: &'a DocReport,
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

/// Run a batch. `on_event` sees progress; the returned outcome lists every input.
pub fn run_job(
    engine: &Engine,
    pdfium: Option<&PdfiumService>,
    req: &JobRequest,
    on_event: &mut dyn FnMut(&JobEvent),
) -> Result<JobOutcome> {
    let inputs = collect_inputs(&req.inputs)?;
    run_inputs(engine, pdfium, req, &inputs, on_event)
}

/// Run a batch over inputs already collected (`req.inputs` is not read). Event and
/// cancellation indices are positions in `inputs`.
pub fn run_inputs(
    engine: &Engine,
    pdfium: Option<&PdfiumService>,
    req: &JobRequest,
    inputs: &[InputFile],
    on_event: &mut dyn FnMut(&JobEvent),
) -> Result<JobOutcome> {
    let started = Instant::now();
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
    let settings_hash = engine.settings_hash();
    let info = JobInfo {
        tool_version: format!("pdf-deid {}", env!("CARGO_PKG_VERSION")),
        settings_hash: settings_hash.clone(),
        model_versions: serde_json::json!({ "detectors": engine.detector_names() }),
    };
    let job_id = log
        .start_job(&info, &now_rfc3339())
        .map_err(|e| Error::JobLog(e.to_string()))?;
    on_event(&JobEvent::Started {
        job_id,
        total: inputs.len(),
    });
    let ctx = DocContext {
        engine,
        pdfium,
        req,
        log: &log,
        key: &key,
        job_id,
        settings_hash: &settings_hash,
    };
    let mut docs = Vec::with_capacity(inputs.len());
    for (index, inp) in inputs.iter().enumerate() {
        let cancelled = || req.cancel.as_ref().is_some_and(|c| c.is_cancelled(index));
        if cancelled() {
            on_event(&JobEvent::DocCancelled { index });
            docs.push(DocOutcome::cancelled(inp));
            continue;
        }
        on_event(&JobEvent::DocStarted { index });
        let output = req.out_dir.join(&inp.relative);
        let report_path = output.with_extension("pdf.deid.json");
        let outcome = ctx.run_one(index, inp, &output, &report_path, &mut |stage| {
            on_event(&JobEvent::DocStage { index, stage })
        });
        let ev = match &outcome {
            Ok(d) if d.status == "skipped" => JobEvent::DocSkipped { index },
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
                input: inp.path.clone(),
                output: None,
                status: "failed",
                error_code: Some(e.code()),
                error: Some(e.to_string()),
                risk: None,
                counts: BTreeMap::new(),
                raster: Vec::new(),
                ocr: Vec::new(),
            },
        });
    }
    let outcome = JobOutcome {
        job_id,
        documents: docs,
        elapsed_ms: started.elapsed().as_millis() as u64,
    };
    let failed = outcome.count("failed");
    let cancelled = outcome.count("cancelled");
    let status = match (failed, cancelled) {
        (0, 0) => "ok",
        (0, _) => "cancelled",
        _ => "partial",
    };
    log.finish_job(job_id, &now_rfc3339(), status)
        .map_err(|e| Error::JobLog(e.to_string()))?;
    on_event(&JobEvent::Finished {
        ok: outcome.count("ok"),
        review: outcome.count("review"),
        failed,
        skipped: outcome.count("skipped"),
        cancelled,
    });
    Ok(outcome)
}

impl DocOutcome {
    fn cancelled(inp: &InputFile) -> DocOutcome {
        DocOutcome {
            input: inp.path.clone(),
            output: None,
            status: "cancelled",
            error_code: Some("cancelled"),
            error: None,
            risk: None,
            counts: BTreeMap::new(),
            raster: Vec::new(),
            ocr: Vec::new(),
        }
    }
}

/// What every document of one job shares.
struct DocContext<'a> {
    engine: &'a Engine,
    pdfium: Option<&'a PdfiumService>,
    req: &'a JobRequest,
    log: &'a JobLog,
    key: &'a HmacKey,
    job_id: i64,
    settings_hash: &'a str,
}

/// One worker process run.
struct WorkerJob<'a> {
    exe: &'a Path,
    args: &'a [String],
    timeout: Duration,
    password: Option<&'a str>,
    key_path: &'a Path,
    decisions: Option<&'a Decisions>,
    cancelled: &'a dyn Fn() -> bool,
}

impl WorkerJob<'_> {
    fn run(
        &self,
        input: &Path,
        tmp: &Path,
        on_stage: &mut dyn FnMut(Stage),
    ) -> Result<WorkerReply> {
        let mut cmd = std::process::Command::new(self.exe);
        cmd.arg("worker")
            .arg("--input")
            .arg(input)
            .arg("--output")
            .arg(tmp)
            .args(self.args)
            .arg("--key")
            .arg(self.key_path)
            .env_remove("PDF_DEID_PASSWORD");
        let decisions = match self.decisions {
            // decisions may hold plaintext terms: stdin, never the command line or a file
            Some(d) => {
                cmd.arg("--review-stdin");
                Some(
                    serde_json::to_vec(d)
                        .map_err(|_| Error::Settings("review decisions serialisation".into()))?,
                )
            }
            None => None,
        };
        if let Some(pw) = self.password {
            cmd.env("PDF_DEID_PASSWORD", pw);
        }
        // stage lines only; anything else a worker prints on stderr is dropped unread
        let run = crate::child::run_child(
            cmd,
            decisions.as_deref(),
            self.timeout,
            self.cancelled,
            &mut |line| {
                if let Some(st) = line.strip_prefix(STAGE_LINE).and_then(Stage::parse) {
                    on_stage(st);
                }
                // never shorter than the limit the parent started with
                line.strip_prefix(LIMIT_LINE)
                    .and_then(|s| s.parse::<u64>().ok())
                    .map(|s| (Duration::from_secs(s) + WATCHDOG_GRACE).max(self.timeout))
            },
        )
        .map_err(|e| Error::io("running the worker process", &e))?;
        match run.end {
            ChildEnd::Cancelled => Err(Error::Cancelled),
            ChildEnd::TimedOut => Err(Error::Timeout(self.timeout.as_secs())),
            ChildEnd::Exited(status) => match serde_json::from_slice::<WorkerReply>(&run.stdout) {
                Ok(r) if status.success() => Ok(r),
                _ => Err(Error::WorkerCrashed),
            },
        }
    }
}

impl DocContext<'_> {
    /// Run the pipeline for one input into a temp file next to `output`; the temp file is
    /// deleted unless the caller persists it.
    fn produce(
        &self,
        index: usize,
        input: &Path,
        output: &Path,
        on_stage: &mut dyn FnMut(Stage),
    ) -> Result<(tempfile::NamedTempFile, DocReport, BTreeMap<String, u64>)> {
        let mut tmp = temp_beside(output)?;
        match &self.req.isolation {
            Isolation::InProcess => {
                let pdfium = self
                    .pdfium
                    .ok_or_else(|| Error::PdfiumMissing("pdfium was not loaded".into()))?;
                let bytes = std::fs::read(input).map_err(|e| Error::io("reading input", &e))?;
                let stages = std::cell::RefCell::new(on_stage);
                let observe = |s: Stage| (stages.borrow_mut())(s);
                let opts = ProcessOptions {
                    review: self.req.review.as_ref().map(|decisions| Review {
                        decisions,
                        key: self.key,
                    }),
                    on_stage: Some(&observe),
                    on_limit: None,
                };
                let mut p =
                    crate::pipeline::process_guarded_with(self.engine, pdfium, bytes, opts)?;
                fill_hmacs(&mut p.report, self.key);
                tmp.write_all(p.output.bytes())
                    .map_err(|e| Error::io("writing output", &e))?;
                tmp.as_file()
                    .sync_all()
                    .map_err(|e| Error::io("syncing output", &e))?;
                Ok((tmp, p.report, p.stage_ms))
            }
            Isolation::Subprocess {
                exe,
                args,
                timeout,
                password,
            } => {
                let cancelled = || {
                    self.req
                        .cancel
                        .as_ref()
                        .is_some_and(|c| c.is_cancelled(index))
                };
                let job = WorkerJob {
                    exe,
                    args,
                    timeout: *timeout,
                    password: password.as_deref(),
                    key_path: &self.req.key,
                    decisions: self.req.review.as_ref(),
                    cancelled: &cancelled,
                };
                match job.run(input, tmp.path(), on_stage)? {
                    WorkerReply::Ok { report, stage_ms } => Ok((tmp, *report, stage_ms)),
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
        let (engine, log, key, job_id, settings_hash) = (
            self.engine,
            self.log,
            self.key,
            self.job_id,
            self.settings_hash,
        );
        let force = self.req.force;
        let started_at = now_rfc3339();
        if same_file(&inp.path, output) {
            return Err(Error::Settings("output would overwrite the input".into()));
        }
        let bytes = std::fs::read(&inp.path).map_err(|e| Error::io("reading input", &e))?;
        let input_sha = crate::hash::sha256_hex(&bytes);
        drop(bytes);
        let output_tag = key.hmac_hex(&format!("output:{}", output.display()));
        if !force {
            if let Some(prev) = log
                .already_done(&input_sha, settings_hash, &output_tag, output)
                .map_err(|e| Error::JobLog(e.to_string()))?
            {
                return Ok(DocOutcome {
                    input: inp.path.clone(),
                    output: Some(output.to_path_buf()),
                    status: "skipped",
                    error_code: None,
                    error: None,
                    risk: Some(prev.risk_score),
                    counts: BTreeMap::new(),
                    raster: Vec::new(),
                    ocr: Vec::new(),
                });
            }
        }
        let input_hmac = key.hmac_hex(&format!("input:{}", inp.path.display()));
        let result =
            self.produce(index, &inp.path, output, on_stage)
                .and_then(|(tmp, report, stage_ms)| {
                    let status = if report.review {
                        DocStatus::Review
                    } else {
                        DocStatus::Ok
                    };
                    let out_bytes = std::fs::read(tmp.path())
                        .map_err(|e| Error::io("reading temp output", &e))?;
                    let out_sha = crate::hash::sha256_hex(&out_bytes);
                    tmp.persist(output)
                        .map_err(|e| Error::io("renaming output", &e.error))?;
                    let rep = ReportFile {
                        tool: "pdf-deid",
                        version: env!("CARGO_PKG_VERSION"),
                        policy: engine.config().policy,
                        input_sha256: &input_sha,
                        output_sha256: out_sha,
                        status: status.as_str(),
                        report: &report,
                    };
                    let json = serde_json::to_vec_pretty(&rep)
                        .map_err(|_| Error::Settings("report serialisation".into()))?;
                    write_atomic(report_path, &json)?;
                    Ok((status, report, stage_ms))
                });
        match result {
            Ok((status, report, stage_ms)) => {
                // rejected detections are logged too (source `rejected:<detectors>`): the
                // reviewer's decisions are part of the chained record, without plaintext
                let rejected: Vec<crate::pipeline::EntityReport> = report
                    .rejected
                    .iter()
                    .map(|e| crate::pipeline::EntityReport {
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
                let rec = DocumentRecord {
                    input_path_hmac: input_hmac,
                    input_sha256: input_sha,
                    settings_hash: settings_hash.to_string(),
                    output_path: Some(output_tag),
                    status,
                    error_code: None,
                    pages: report.pages as u32,
                    paragraphs: report.paragraphs as u32,
                    counts: report.counts.clone(),
                    risk_score: report.risk.score,
                    stage_ms,
                    started_at,
                    finished_at: now_rfc3339(),
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
                        .map(|o| crate::joblog::OcrRow {
                            page: o.page as u32 + 1,
                            reason: o.reason.clone(),
                            words: o.words as u32,
                            mean_confidence: o.mean_confidence,
                        })
                        .collect(),
                };
                if let Err(e) = log.record_document(job_id, &rec) {
                    // no record, no output: the next run redoes this document
                    let _ = std::fs::remove_file(output);
                    let _ = std::fs::remove_file(report_path);
                    return Err(Error::JobLog(e.to_string()));
                }
                Ok(DocOutcome {
                    input: inp.path.clone(),
                    output: Some(output.to_path_buf()),
                    status: status.as_str(),
                    error_code: None,
                    error: None,
                    risk: Some(report.risk.score),
                    counts: report.counts,
                    raster: report.raster,
                    ocr: report.ocr_pages,
                })
            }
            Err(e) => {
                // A failed document has no output: remove a stale one from an earlier run.
                let _ = std::fs::remove_file(output);
                let _ = std::fs::remove_file(report_path);
                let rec = DocumentRecord {
                    input_path_hmac: input_hmac,
                    input_sha256: input_sha,
                    settings_hash: settings_hash.to_string(),
                    output_path: None,
                    status: DocStatus::Failed,
                    error_code: Some(e.code().to_string()),
                    pages: 0,
                    paragraphs: 0,
                    counts: BTreeMap::new(),
                    risk_score: 1.0,
                    stage_ms: BTreeMap::new(),
                    started_at,
                    finished_at: now_rfc3339(),
                    entities: Vec::new(),
                    raster: Vec::new(),
                    ocr: Vec::new(),
                };
                // the document's own error is the one to report, even if logging it failed too
                let _ = log.record_document(job_id, &rec);
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_shape() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 20);
        assert!(t.starts_with("20"));
        assert!(t.ends_with('Z'));
    }

    #[test]
    fn collect_inputs_walks_folders() {
        let d = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(d.path().join("a/b")).expect("mkdir");
        std::fs::write(d.path().join("a/b/x.pdf"), b"x").expect("w");
        std::fs::write(d.path().join("a/y.PDF"), b"y").expect("w");
        std::fs::write(d.path().join("a/z.txt"), b"z").expect("w");
        let got = collect_inputs(&[d.path().join("a")]).expect("collect");
        let rel: Vec<_> = got.iter().map(|i| i.relative.clone()).collect();
        assert_eq!(rel, vec![PathBuf::from("b/x.pdf"), PathBuf::from("y.PDF")]);
    }

    #[test]
    fn atomic_write_leaves_no_temp() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("o/out.pdf");
        write_atomic(&p, b"abc").expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"abc");
        let names: Vec<_> = std::fs::read_dir(d.path().join("o"))
            .expect("ls")
            .map(|e| e.expect("e").file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }
}
