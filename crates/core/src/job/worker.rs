//! The worker protocol. A `pdf-deid worker` process reads [`WorkerRequest`]s as JSON
//! lines on its stdin (settings, paths, reviewer decisions — which may hold plaintext
//! terms, so never the command line) until stdin closes; for each it processes one
//! document, writes the verified bytes into the temp file it was given and answers one
//! [`WorkerReply`] as a JSON line on its stdout. Progress goes to stderr as
//! `stage <name>` and `limit <seconds>` lines, then `done`. A batch keeps one worker for
//! all its documents (the models load once) or starts one per document. The password travels in
//! `PDF_DEID_PASSWORD`. Entity texts are replaced by their HMACs before anything leaves
//! the worker.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::child::{ChildEnd, Served, ServedEnd};
use crate::error::{Error, Result};
use crate::joblog::HmacKey;
use crate::pdfium::PdfiumService;
use crate::pipeline::{DocReport, Engine, ProcessOptions, Stage};
use crate::review::{Decisions, Review};

/// The settings a worker runs the pipeline with (the CLI and the desktop app start
/// workers with the same value).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    pub policy: String,
    pub max_memory_mb: u64,
    pub timeout_s: Option<u64>,
    pub threads: usize,
    pub heading_model: Option<String>,
    pub ner_model: Option<String>,
    /// The pdfium library the worker binds (its default search otherwise).
    pub pdfium: Option<PathBuf>,
    /// Mark mode ("black" when absent).
    pub mark: Option<String>,
    /// NER device ("cpu" when absent).
    pub device: Option<String>,
    /// Ages setting ("over-89" when absent).
    pub ages: Option<String>,
    /// Detector batching ("blobs" when absent; the others only for benchmarks).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batching: Option<String>,
    /// The validated site profile, if any (travels as a value: the worker never reads
    /// the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::policy::Profile>,
    /// Also hand back a de-identified text of each document.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub text_out: bool,
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
            batching: self.batching.clone(),
            profile: self.profile.clone(),
            text_out: self.text_out,
        }
    }
}

/// What a worker is asked to do (JSON on its stdin).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerRequest {
    pub input: PathBuf,
    /// An existing temp file the verified bytes are written into.
    pub output: PathBuf,
    /// The installation's HMAC key file.
    pub key: PathBuf,
    pub settings: WorkerSettings,
    #[serde(default)]
    pub decisions: Option<Decisions>,
}

/// What a worker prints on its stdout (one JSON document).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum WorkerReply {
    Ok {
        report: Box<DocReport>,
        stage_ms: BTreeMap<String, u64>,
        /// sha256 of the bytes written (hashed in memory, not read back).
        output_sha256: String,
        /// The worker's peak resident memory, KiB (0 where the system does not tell).
        #[serde(default)]
        peak_rss_kb: u64,
        /// The worker's process id (a batch's documents share one worker until it dies).
        #[serde(default)]
        worker_pid: u32,
        /// The de-identified text (`text_out`), checked to hold no detected string.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
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

/// The body of `pdf-deid worker` once the engine is built: process `req.input` (read
/// once), write the verified bytes to the existing file `req.output` (synced), and return
/// the reply to print.
pub fn worker_main(
    engine: &Engine,
    pdfium: &PdfiumService,
    key: &HmacKey,
    req: &WorkerRequest,
) -> WorkerReply {
    let run = || -> Result<WorkerReply> {
        let bytes = std::fs::read(&req.input).map_err(|e| Error::io("reading input", &e))?;
        let report = |line: String| {
            let mut err = std::io::stderr().lock();
            let _ = writeln!(err, "{line}");
            let _ = err.flush();
        };
        let report_stage = |s: Stage| report(format!("{STAGE_LINE}{}", s.as_str()));
        let report_limit = |s: u64| report(format!("{LIMIT_LINE}{s}"));
        let opts = ProcessOptions {
            review: req
                .decisions
                .as_ref()
                .map(|decisions| Review { decisions, key }),
            on_stage: Some(&report_stage),
            on_limit: Some(&report_limit),
            key: Some(key),
        };
        let mut p = crate::pipeline::process_guarded_with(engine, pdfium, bytes, opts)?;
        fill_hmacs(&mut p.report, key);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&req.output)
            .map_err(|e| Error::io("opening the temp output", &e))?;
        f.write_all(p.output.bytes())
            .map_err(|e| Error::io("writing output", &e))?;
        f.sync_all().map_err(|e| Error::io("syncing output", &e))?;
        Ok(WorkerReply::Ok {
            worker_pid: std::process::id(),
            peak_rss_kb: peak_rss_kb(),
            output_sha256: crate::hash::sha256_hex(p.output.bytes()),
            report: Box::new(p.report),
            stage_ms: p.stage_ms,
            text: p.text,
        })
    };
    run().unwrap_or_else(|e| WorkerReply::Failed {
        code: e.code().to_string(),
        message: e.to_string(),
    })
}

/// This process's peak resident memory in KiB (`VmHWM`; 0 where /proc does not tell).
pub fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Replace every entity's in-memory text by its HMAC.
pub fn fill_hmacs(report: &mut DocReport, key: &HmacKey) {
    for e in report.entities.iter_mut().chain(report.rejected.iter_mut()) {
        e.text_hmac = key.hmac_hex(&e.text);
        e.text.clear();
    }
}

/// The parent's side of one worker run.
pub(super) struct WorkerJob<'a> {
    pub(super) exe: &'a Path,
    pub(super) settings: &'a WorkerSettings,
    pub(super) timeout: Duration,
    pub(super) password: Option<&'a str>,
    pub(super) key_path: &'a Path,
    pub(super) decisions: Option<&'a Decisions>,
    pub(super) cancelled: &'a dyn Fn() -> bool,
}

impl WorkerJob<'_> {
    fn request(&self, input: &Path, tmp: &Path) -> Result<Vec<u8>> {
        let request = WorkerRequest {
            input: input.to_path_buf(),
            output: tmp.to_path_buf(),
            key: self.key_path.to_path_buf(),
            settings: self.settings.clone(),
            decisions: self.decisions.cloned(),
        };
        serde_json::to_vec(&request)
            .map_err(|_| Error::Settings("worker request serialisation".into()))
    }

    fn command(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(self.exe);
        cmd.arg("worker").env_remove("PDF_DEID_PASSWORD");
        if let Some(pw) = self.password {
            cmd.env("PDF_DEID_PASSWORD", pw);
        }
        cmd
    }

    /// A worker's stderr line: `stage …` goes to `on_stage`; `limit N` moves the watchdog
    /// (never shorter than the limit the parent started with); anything else is dropped
    /// unread.
    fn progress(&self, line: &str, on_stage: &mut dyn FnMut(Stage)) -> Option<Duration> {
        if let Some(st) = line.strip_prefix(STAGE_LINE).and_then(Stage::parse) {
            on_stage(st);
        }
        line.strip_prefix(LIMIT_LINE)
            .and_then(|s| s.parse::<u64>().ok())
            .map(|s| (Duration::from_secs(s) + WATCHDOG_GRACE).max(self.timeout))
    }

    /// One document in a worker process of its own (the request on stdin, then closed).
    pub(super) fn run(
        &self,
        input: &Path,
        tmp: &Path,
        on_stage: &mut dyn FnMut(Stage),
    ) -> Result<WorkerReply> {
        let stdin = self.request(input, tmp)?;
        let run = crate::child::run_child(
            self.command(),
            Some(&stdin),
            self.timeout,
            self.cancelled,
            &mut |line| self.progress(&line, on_stage),
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

    /// One document in the batch's long-lived worker `served` (started when there is
    /// none or the last one died): it keeps its models loaded between documents. A worker
    /// that crashes, times out or is cancelled is killed; the next document gets a new one.
    pub(super) fn run_served(
        &self,
        served: &mut Option<Served>,
        input: &Path,
        tmp: &Path,
        on_stage: &mut dyn FnMut(Stage),
    ) -> Result<WorkerReply> {
        let request = self.request(input, tmp)?;
        if !served.as_ref().is_some_and(Served::alive) {
            *served = Some(
                Served::spawn(self.command())
                    .map_err(|e| Error::io("starting the worker process", &e))?,
            );
        }
        let Some(w) = served.as_mut() else {
            return Err(Error::WorkerCrashed);
        };
        let end = w.ask(&request, self.timeout, self.cancelled, &mut |line| {
            self.progress(&line, on_stage)
        });
        match end {
            ServedEnd::Reply(r) => serde_json::from_str::<WorkerReply>(&r).map_err(|_| {
                w.kill();
                Error::WorkerCrashed
            }),
            ServedEnd::Exited(_) => Err(Error::WorkerCrashed),
            ServedEnd::TimedOut => Err(Error::Timeout(self.timeout.as_secs())),
            ServedEnd::Cancelled => Err(Error::Cancelled),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trips_as_json_and_rejects_unknown_fields() {
        let req = WorkerRequest {
            input: "in.pdf".into(),
            output: ".deid-x.tmp".into(),
            key: "key".into(),
            settings: WorkerSettings {
                policy: "safe-harbor".into(),
                max_memory_mb: 1024,
                timeout_s: Some(60),
                ner_model: Some("none".into()),
                ..WorkerSettings::default()
            },
            decisions: None,
        };
        let json = serde_json::to_string(&req).expect("json");
        let back: WorkerRequest = serde_json::from_str(&json).expect("parse");
        assert_eq!(back.settings, req.settings);
        assert_eq!(back.input, req.input);
        let bad = json.replacen("\"policy\"", "\"polcy\"", 1);
        assert!(serde_json::from_str::<WorkerRequest>(&bad).is_err());
    }
}
