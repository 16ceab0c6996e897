//! Subcommands: run (with --shard), detect, jobs (verify, merge), doctor, samples.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::engines::engine_with_models;
use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use deid_core::job::{self, JobEvent, JobRequest};
use deid_core::joblog::{ChainCheck, JobLog};
use deid_core::policy::Profile;
use deid_core::{pdfium, Engine, Settings};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

#[derive(Parser, Debug)]
#[command(
    name = "pdf-deid",
    version,
    about = "Offline de-identification of clinical PDFs"
)]
pub struct Cli {
    /// Path of libpdfium.so (or its folder); default: next to the executable or vendor/pdfium.
    #[arg(long, global = true)]
    pdfium: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// Redact PDFs (files or folders, recursive *.pdf) into an output folder.
    Run(RunArgs),
    /// Text mode for evaluation: JSONL {"id","text"} in, {"id","spans"} out (code-point offsets).
    Detect {
        #[arg(long)]
        jsonl: PathBuf,
        /// Output file (default: stdout).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Policy whose kept categories are left out (as `run --policy`).
        #[arg(long)]
        policy: Option<String>,
        /// Site profile (as `run --profile`).
        #[arg(long, value_name = "FILE")]
        profile: Option<PathBuf>,
    },
    /// Score text-mode detection against gold spans (JSONL {"id","text","spans":[{"start","end","label"}]},
    /// code-point offsets), or count false positives on PHI-free text (a CSV column).
    Eval(crate::eval::EvalArgs),
    /// Train a model offline from generated data (deterministic from the seed).
    Train {
        #[command(subcommand)]
        what: TrainCmd,
    },
    /// Recent jobs and per-document status; `jobs verify` checks the tamper-evident chain.
    Jobs {
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long, default_value_t = 10)]
        limit: u32,
        #[command(subcommand)]
        action: Option<JobsAction>,
    },
    /// The audit report of a job (from the job log; no document text): file hashes,
    /// settings, model versions, counts per category and page, reviewer decisions by HMAC,
    /// rasterised and OCR'd pages, risk, time and the hash-chain head, as CSV and/or PDF.
    Report {
        /// The job log (default: out/pdf-deid-jobs.sqlite).
        #[arg(long)]
        db: Option<PathBuf>,
        /// The job (default: the newest).
        #[arg(long)]
        job: Option<i64>,
        /// Write the CSV here.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Write the PDF here.
        #[arg(long)]
        pdf: Option<PathBuf>,
    },
    /// Check the installation: pdfium library, versions, checksums, models.
    Doctor,
    /// Internal: process one document in a child process (used by `run`).
    #[command(hide = true)]
    Worker,
    /// Corpus runs for the docs: robustness sets, or a folder of PDFs with a phi.jsonl list.
    Corpus {
        #[command(subcommand)]
        what: CorpusCmd,
    },
    /// End-to-end speed: redact a generated N-page record and print pages per second.
    Bench {
        #[arg(long, default_value_t = 100)]
        pages: usize,
        /// Also save the generated input there (to time other tools on the same file).
        #[arg(long)]
        save_input: Option<PathBuf>,
        /// Instead: NER throughput at batch 32 × ~128 tokens (needs the registered model).
        #[arg(long)]
        ner: bool,
        /// Where the NER model runs: cpu, cuda (needs a CUDA build) or auto.
        #[arg(long, default_value = "cpu")]
        device: String,
        /// With --ner: quantise the encoder's linear layers first (q8_0, q4_0, q4k, q8k,
        /// f16) to measure what it costs.
        #[arg(long)]
        quantize: Option<String>,
        /// Instead: the default `run` (worker processes, the combined detector) over a
        /// generated corpus of this many documents of mixed genres (300 ≈ 9,000
        /// paragraphs); reports time per stage, paragraphs/s, pages/s and peak RSS.
        #[arg(long, value_name = "DOCS")]
        corpus: Option<usize>,
        /// With --corpus: print the result as JSON.
        #[arg(long)]
        json: bool,
        /// With --corpus: run the documents in this process (`run --in-process`).
        #[arg(long)]
        in_process: bool,
        /// With --corpus: the NER model (`none` for rules only; default: the newest).
        #[arg(long)]
        ner_model: Option<String>,
        /// With --corpus: keep the generated corpus and outputs in this folder.
        #[arg(long)]
        keep: Option<PathBuf>,
        /// With --corpus: the designs to run, comma-separated: blobs (the default
        /// pipeline), paragraphs (batched predictions, blob after blob, no joined
        /// context), one-at-a-time (every paragraph its own model call).
        #[arg(long, value_delimiter = ',', default_value = "blobs")]
        design: Vec<String>,
        /// With --corpus: also draw the designs' times as an SVG bar chart here.
        #[arg(long)]
        plot: Option<PathBuf>,
    },
    /// Write the bundled synthetic sample PDFs (planted, fake PHI) into a folder.
    Samples {
        #[arg(long)]
        out: PathBuf,
    },
    /// Review helpers (used by the desktop app; they show or write document text).
    Review {
        #[command(subcommand)]
        what: ReviewCmd,
    },
}

/// The settings `run` takes and hands to each `worker` (the same flags on both).
#[derive(clap::Args, Debug, Clone)]
struct PipelineArgs {
    /// Policy: safe-harbor (default: the 18 HIPAA identifiers, dates keep their year, ZIP
    /// codes their first three digits), limited-data-set (direct identifiers only: dates,
    /// ages, towns, states and ZIP codes stay), uk (whole dates, postcodes keep their
    /// outward code), strict-raster (every redacted page becomes an image) or text-only
    /// (images and vector graphics removed). Wins over the profile's `policy`.
    #[arg(long)]
    policy: Option<String>,
    /// A site profile (TOML): categories on or off, per-category minimum scores, terms to
    /// keep and to remove, and defaults for --policy, --mark, --ages (docs/profiles.md).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// How redacted areas look: black (default) or white boxes, or label (black boxes
    /// carrying the category and a keyed pseudonym, "NAME-3F2A1", the same for the same
    /// text in every document).
    #[arg(long)]
    mark: Option<String>,
    /// Where the NER model runs: cpu (default), cuda (needs a build with `--features cuda`)
    /// or auto (a GPU when there is one).
    #[arg(long, default_value = "cpu")]
    device: String,
    /// Ages to redact: over-89 (Safe Harbor, default) or all.
    #[arg(long)]
    ages: Option<String>,
    /// Per-document time limit in seconds, plus 0.5 s for every page once the page count is
    /// known: checked between pipeline stages and on every pdfium call; a worker process is
    /// killed 15 s after it. `--in-process` has the stage and pdfium checks but no kill.
    #[arg(long, value_name = "SECONDS", default_value_t = deid_core::config::DEFAULT_TIMEOUT_S)]
    timeout: u64,
    /// Address-space limit of each document's worker process, MiB.
    #[arg(long, default_value_t = 8192)]
    max_memory_mb: u64,
    /// Worker threads for the blob stage (0 = one per core).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Heading classifier `name@version` from models/registry.json, or "none" for the rule score.
    #[arg(long)]
    heading_model: Option<String>,
    /// NER model `name@version` from models/registry.json added to the rules (default
    /// `ner-minilm`, the newest version), or "none" for rules only.
    #[arg(long)]
    ner_model: Option<String>,
    /// Also write a de-identified text file beside each output (`NAME.txt`): reading
    /// order, surrogate names and numbers of the same shape, dates moved back by a
    /// per-patient number of days derived from the installation key (intervals kept).
    #[arg(long)]
    text_out: bool,
    /// For benchmarks: blobs (default), paragraphs or one-at-a-time (the designs the
    /// default is measured against; see `bench --design`).
    #[arg(long, hide = true)]
    batching: Option<String>,
}

impl PipelineArgs {
    /// The site profile named by --profile, read and validated.
    fn load_profile(&self) -> Result<Option<Profile>, deid_core::policy::ProfileError> {
        self.profile.as_deref().map(Profile::load).transpose()
    }

    /// The same settings for a worker process (`pdfium`: the library it should bind): a
    /// flag wins over the profile, the profile over the defaults.
    fn worker(&self, pdfium: Option<&Path>, profile: Option<&Profile>) -> job::WorkerSettings {
        job::WorkerSettings {
            policy: self
                .policy
                .clone()
                .or_else(|| profile?.policy.clone())
                .unwrap_or_else(|| "safe-harbor".into()),
            max_memory_mb: self.max_memory_mb,
            timeout_s: Some(self.timeout),
            threads: self.threads,
            heading_model: self.heading_model.clone(),
            ner_model: self.ner_model.clone(),
            pdfium: pdfium.map(Path::to_path_buf),
            mark: self.mark.clone(),
            device: Some(self.device.clone()),
            ages: self.ages.clone(),
            batching: self.batching.clone(),
            profile: profile.cloned(),
            text_out: self.text_out,
        }
    }

    fn engine(&self, cfg: deid_core::Config) -> anyhow::Result<Engine> {
        engine_with_models(
            cfg,
            self.threads,
            self.heading_model.as_deref(),
            self.ner_model.as_deref(),
        )
    }
}

#[derive(Subcommand, Debug)]
enum ReviewCmd {
    /// Render one page of the ORIGINAL document for a review screen. Prints one JSON line
    /// ({"pages", "view", "png_bytes"}) and then the PNG bytes on stdout; nothing on disk.
    /// The password, if any, comes from PDF_DEID_PASSWORD.
    Render {
        #[arg(long)]
        input: PathBuf,
        /// Page index, 0-based.
        #[arg(long, default_value_t = 0)]
        page: usize,
        #[arg(long, default_value_t = 110.0)]
        dpi: f32,
    },
    /// Small images of every page of the ORIGINAL document for a review screen's page strip:
    /// one JSON line ({"pages", "png_bytes": [..]}) and then the PNGs one after another on
    /// stdout; nothing on disk. The password, if any, comes from PDF_DEID_PASSWORD.
    Thumbnails {
        #[arg(long)]
        input: PathBuf,
        #[arg(long, default_value_t = 14.0)]
        dpi: f32,
        /// At most this many pages (the first ones).
        #[arg(long, default_value_t = 300)]
        max_pages: usize,
    },
    /// Where terms would be redacted, before they are added: reads the terms (JSON list
    /// of {"text","category"}) on stdin, prints one JSON line {"hits":[{"page","rects"}]}
    /// (0-based pages, PDF user space). Text layer only; nothing on disk, no text printed.
    Find {
        #[arg(long)]
        input: PathBuf,
        #[arg(long, default_value = "safe-harbor")]
        policy: String,
    },
    /// Write labelled training examples (gold JSONL: {"id","text","spans"}, code-point
    /// offsets) from a document and the reviewer's decisions. The file holds plaintext
    /// document text: write it only where such data may live.
    Export {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Read reviewer decisions (JSON) from stdin.
        #[arg(long)]
        decisions_stdin: bool,
        #[arg(long, default_value = "safe-harbor")]
        policy: String,
        #[arg(long)]
        heading_model: Option<String>,
        #[arg(long)]
        ner_model: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
enum CorpusCmd {
    /// Process every PDF under the folders in memory; report ok / review / error counts.
    Robustness {
        dirs: Vec<PathBuf>,
        #[arg(long)]
        report: Option<PathBuf>,
    },
    /// Redact the PDFs listed in <DIR>/phi.jsonl and count the listed PHI strings gone.
    PhiLists {
        dir: PathBuf,
        #[arg(long)]
        report: Option<PathBuf>,
        /// Ages to redact: over-89 (Safe Harbor, default) or all.
        #[arg(long, default_value = "over-89")]
        ages: String,
        /// The NER model version (default: the newest ner-minilm).
        #[arg(long)]
        ner_model: Option<String>,
        /// combined (rules + NER, the default), rules, or ner (the NER model alone).
        #[arg(long, default_value = "combined")]
        detector: String,
        /// Also OCR every output page (Tesseract, 300 dpi): a string counts as gone only
        /// when neither the text layer nor the pixels read it (scans, faxes).
        #[arg(long)]
        ocr: bool,
        /// The pipeline's OCR resolution (dpi; the measuring OCR stays at 300).
        #[arg(long, default_value_t = 300)]
        ocr_dpi: u32,
        /// The pipeline's OCR binarisation: 0 global Otsu (default), 1 adaptive Otsu, 2 Sauvola.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=2))]
        ocr_threshold: u8,
        /// Print the listed strings that survived (document text: for looking at errors;
        /// the report keeps their shapes only).
        #[arg(long)]
        show_survivors: bool,
    },
}

#[derive(Subcommand, Debug)]
enum TrainCmd {
    /// The NER model: a BIO head over MiniLM, then the encoder's top layers fine-tuned
    /// with it (needs scripts/fetch-model.sh).
    Ner(Box<crate::train::NerTrainArgs>),
    /// The heading / DepFlag classifier (logistic regression on layout features).
    Headings {
        #[arg(long, default_value_t = 300)]
        docs: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        #[arg(long, default_value = "2026.11.0")]
        version: String,
        #[arg(long, default_value = "models")]
        out: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
enum JobsAction {
    /// Verify the hash chain of the job log.
    Verify,
    /// Compare a job's detections (entities per 1,000 words per category, the spread of
    /// detector scores; no text) with a reference and flag a shift: the model's reference
    /// (models/drift-reference.json, made from its development documents), another job
    /// (--against) or a reference file. Exit code 1 when a shift is flagged.
    Drift {
        /// The job (default: the newest with statistics).
        #[arg(long)]
        job: Option<i64>,
        /// Compare with this job of the same log.
        #[arg(long, conflicts_with = "reference")]
        against: Option<i64>,
        /// Compare with this reference file (default: models/drift-reference.json).
        #[arg(long)]
        reference: Option<PathBuf>,
        /// Instead: write the job's statistics as a reference file (a site's own baseline).
        #[arg(long, conflicts_with_all = ["against", "reference"])]
        write_reference: Option<PathBuf>,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Merge job logs (one per shard of a scaled-out run) into one: every job with its
    /// document rows, re-chained in the target's hash chain. A source whose chain does not
    /// verify is refused (nothing is merged); rows merged before are not added again.
    Merge {
        /// The job logs to merge.
        #[arg(required = true, value_name = "DB")]
        sources: Vec<PathBuf>,
        /// The job log to merge into (created if missing).
        #[arg(long, value_name = "DB")]
        into: PathBuf,
    },
}

#[derive(clap::Args, Debug)]
struct RunArgs {
    /// Input PDF files or folders.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// SQLite job log (default: <out>/pdf-deid-jobs.sqlite). With --shard give each shard
    /// its own (e.g. jobs-$K.sqlite) and combine them with `pdf-deid jobs merge`.
    #[arg(long)]
    db: Option<PathBuf>,
    /// Process only shard K of N (0-based, 0 <= K < N): the inputs whose relative path
    /// hashes (sha256) to K modulo N. Without it, taken from JOB_COMPLETION_INDEX +
    /// JOB_COMPLETIONS (Kubernetes Indexed Job) or SLURM_ARRAY_TASK_ID +
    /// SLURM_ARRAY_TASK_COUNT (Slurm job array, less SLURM_ARRAY_TASK_MIN) when set.
    #[arg(long, value_name = "K/N")]
    shard: Option<job::Shard>,
    /// Redo documents already done with the same input and settings.
    #[arg(long)]
    force: bool,
    /// Print the outcome as JSON instead of a summary.
    #[arg(long)]
    json: bool,
    /// Password for encrypted inputs (the empty password is always tried).
    #[arg(long)]
    password: Option<String>,
    /// Process documents inside this process instead of one worker process each.
    #[arg(long)]
    in_process: bool,
    /// Output file and folder names: redact (default: names, dates of birth and record
    /// numbers in them become NAME, DATE, ID, plus a short keyed tag), hash (every part
    /// a keyed hash) or keep (the input's names as they are; they can hold PHI).
    #[arg(long, default_value = "redact", value_name = "MODE")]
    names: String,
    #[command(flatten)]
    pipeline: PipelineArgs,
}

pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let pdfium_path = cli.pdfium.clone();
    match cli.cmd {
        Cmd::Run(a) => run(a, pdfium_path.as_deref()),
        Cmd::Detect {
            jsonl,
            out,
            policy,
            profile,
        } => detect(&jsonl, out.as_deref(), policy, profile.as_deref()),
        Cmd::Jobs { db, limit, action } => jobs(db, limit, action),
        Cmd::Report { db, job, csv, pdf } => report(db, job, csv.as_deref(), pdf.as_deref()),
        Cmd::Doctor => doctor(pdfium_path.as_deref()),
        Cmd::Samples { out } => samples(&out),
        Cmd::Review { what } => review(what, pdfium_path.as_deref()),
        Cmd::Train {
            what:
                TrainCmd::Headings {
                    docs,
                    seed,
                    version,
                    out,
                },
        } => crate::train::headings(docs, seed, &version, &out, pdfium_path.as_deref()),
        Cmd::Train {
            what: TrainCmd::Ner(args),
        } => crate::train::ner(&args),
        Cmd::Eval(args) => crate::eval::run(args),
        Cmd::Worker => worker(pdfium_path.as_deref()),
        Cmd::Bench {
            ner: true,
            device,
            quantize,
            ..
        } => bench_ner(&device, quantize.as_deref()),
        Cmd::Bench {
            corpus: Some(docs),
            json,
            in_process,
            ner_model,
            keep,
            design,
            plot,
            ..
        } => bench_corpus(
            docs,
            (json, in_process),
            ner_model.as_deref(),
            (keep.as_deref(), plot.as_deref()),
            &design,
            pdfium_path.as_deref(),
        ),
        Cmd::Bench {
            pages, save_input, ..
        } => bench(pages, save_input.as_deref(), pdfium_path.as_deref()),
        Cmd::Corpus { what } => match what {
            CorpusCmd::Robustness { dirs, report } => {
                crate::corpus::robustness(&dirs, report.as_deref(), pdfium_path.as_deref())
            }
            CorpusCmd::PhiLists {
                dir,
                report,
                ages,
                ner_model,
                detector,
                ocr,
                ocr_dpi,
                ocr_threshold,
                show_survivors,
            } => crate::corpus::phi_lists(
                &dir,
                report.as_deref(),
                (&ages, ner_model.as_deref(), &detector),
                (ocr, show_survivors, ocr_dpi, ocr_threshold),
                pdfium_path.as_deref(),
            ),
        },
    }
}

/// Where the per-installation HMAC key lives.
fn key_path() -> PathBuf {
    deid_core::joblog::default_key_path()
}

fn run(a: RunArgs, pdfium_path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let p = &a.pipeline;
    let shard = match a.shard {
        Some(s) => Some(s),
        None => match job::Shard::from_env(&|name| std::env::var(name).ok()) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(ExitCode::from(2));
            }
        },
    };
    let profile = match p.load_profile() {
        Ok(pr) => pr,
        Err(e) => {
            eprintln!("error: profile {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut cfg = match p.worker(None, profile.as_ref()).settings().into_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    cfg.password = a.password.clone();
    let timeout = std::time::Duration::from_secs(cfg.limits.timeout_s);
    // in-process runs load the models here; otherwise only the workers do, and this
    // process describes the job (settings hash, detectors) from the registry alone
    let (engine, info) = if a.in_process {
        (Some(p.engine(cfg).context("building the engine")?), None)
    } else {
        let info =
            deid_core::engine::describe(cfg, p.heading_model.as_deref(), p.ner_model.as_deref())
                .context("describing the engine")?;
        (None, Some(info))
    };
    let service = if a.in_process {
        let s = pdfium::service(pdfium_path);
        if let Err(e) = &s {
            eprintln!("error: {e}");
        }
        s.ok()
    } else {
        None
    };
    let db =
        a.db.clone()
            .unwrap_or_else(|| a.out.join("pdf-deid-jobs.sqlite"));
    let isolation = if a.in_process {
        job::Isolation::InProcess
    } else {
        job::Isolation::Subprocess {
            exe: std::env::current_exe().context("locating the pdf-deid executable")?,
            settings: p.worker(pdfium_path, profile.as_ref()),
            // the worker's own limit plus start-up; a hung pdfium is killed here
            timeout: timeout + job::WATCHDOG_GRACE,
            password: a.password.clone(),
            reuse: true,
        }
    };
    let names = job::NameMode::parse(&a.names)
        .with_context(|| format!("--names must be redact, hash or keep (not '{}')", a.names))?;
    let req = JobRequest {
        inputs: a.paths.clone(),
        out_dir: a.out.clone(),
        db: db.clone(),
        key: key_path(),
        force: a.force,
        isolation,
        review: None,
        cancel: None,
        names,
    };
    let inputs = match job::collect_inputs(&req.inputs) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let collected = inputs.len();
    let inputs = match shard {
        Some(s) => s.select(inputs),
        None => inputs,
    };
    let shard_line = shard.map(|s| {
        format!(
            "shard {s}: {} of {collected} inputs (the others belong to other shards)",
            inputs.len()
        )
    });
    let bar = if a.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(inputs.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut failures: Vec<(usize, String, &str)> = Vec::new();
    let pipeline = match (&engine, &info) {
        (Some(e), _) => job::Pipeline::Loaded(e, service.as_ref()),
        (None, Some(i)) => job::Pipeline::Described(i),
        (None, None) => anyhow::bail!("no engine"),
    };
    let outcome = job::run_inputs(pipeline, &req, &inputs, &mut |ev| match ev {
        JobEvent::DocStarted { index } => bar.set_message(format!("document {}", index + 1)),
        JobEvent::DocDone { .. } | JobEvent::DocSkipped { .. } => bar.inc(1),
        JobEvent::DocFailed {
            index,
            message,
            code,
        } => {
            failures.push((*index, message.clone(), *code));
            bar.inc(1);
        }
        _ => {}
    })?;
    bar.finish_and_clear();
    if a.json {
        if let Some(line) = &shard_line {
            eprintln!("{line}");
        }
        serde_json::to_writer_pretty(std::io::stdout().lock(), &outcome)?;
        println!();
    } else {
        let mut per_cat: BTreeMap<String, u32> = BTreeMap::new();
        for d in &outcome.documents {
            for (k, v) in &d.counts {
                *per_cat.entry(k.clone()).or_default() += v;
            }
        }
        for (i, msg, code) in &failures {
            if let Some(d) = outcome.documents.get(*i) {
                println!("FAILED {}: {msg}", d.input.display());
                if let Some(c) = deid_core::ErrorCode::parse(code) {
                    println!("  what to do: {}", c.advice());
                }
            }
        }
        for d in &outcome.documents {
            for r in &d.raster {
                println!("RASTERISED {} {r}", d.input.display());
            }
            for o in &d.ocr {
                println!("OCR {} {o}", d.input.display());
            }
        }
        for d in outcome
            .documents
            .iter()
            .filter(|d| d.status == job::DocStatus::Review)
        {
            println!(
                "REVIEW {} (risk {:.2})",
                d.input.display(),
                d.risk.unwrap_or(0.0)
            );
        }
        if let Some(line) = &shard_line {
            println!("{line}");
        }
        println!(
            "documents: {} ok, {} review, {} failed, {} skipped (already done) in {:.1} s",
            outcome.count(job::DocStatus::Ok),
            outcome.count(job::DocStatus::Review),
            outcome.count(job::DocStatus::Failed),
            outcome.count(job::DocStatus::Skipped),
            outcome.elapsed_ms as f64 / 1000.0
        );
        let cats: Vec<String> = per_cat.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!(
            "entities: {}",
            if cats.is_empty() {
                "none".into()
            } else {
                cats.join(", ")
            }
        );
        println!("redacted PDFs: {}", a.out.display());
        println!("job log: {} (job {})", db.display(), outcome.job_id);
    }
    Ok(if outcome.count(job::DocStatus::Failed) == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[derive(Deserialize)]
struct DetectIn {
    id: serde_json::Value,
    text: String,
}

#[derive(Serialize)]
struct SpanOut {
    start: usize,
    end: usize,
    label: &'static str,
    score: f32,
}

#[derive(Serialize)]
struct DetectOut {
    id: serde_json::Value,
    spans: Vec<SpanOut>,
}

/// Byte offset → code-point offset.
fn cp(text: &str, byte: usize) -> usize {
    text.get(..byte).map(|s| s.chars().count()).unwrap_or(0)
}

fn detect(
    input: &Path,
    out: Option<&Path>,
    policy: Option<String>,
    profile: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let profile = match profile.map(Profile::load).transpose() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: profile {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let cfg = Settings {
        policy: policy
            .or_else(|| profile.as_ref()?.policy.clone())
            .unwrap_or_else(|| "safe-harbor".into()),
        profile,
        ..Settings::default()
    }
    .into_config();
    let cfg = match cfg {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let engine = engine_with_models(cfg, 0, None, None)?;
    let f = std::fs::File::open(input).with_context(|| format!("opening {}", input.display()))?;
    let mut records = Vec::new();
    for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line = line.context("reading input")?;
        if line.trim().is_empty() {
            continue;
        }
        let rec: DetectIn = serde_json::from_str(&line).map_err(|e| {
            anyhow::anyhow!(
                "line {}: not a {{\"id\",\"text\"}} object ({})",
                n + 1,
                e.classify_name()
            )
        })?;
        records.push(rec);
    }
    let mut w: Box<dyn Write> = match out {
        Some(p) => Box::new(std::io::BufWriter::new(std::fs::File::create(p)?)),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    for chunk in records.chunks(256) {
        let texts: Vec<&str> = chunk.iter().map(|r| r.text.as_str()).collect();
        let found = engine.detect_texts(&texts)?;
        for (rec, ents) in chunk.iter().zip(found) {
            let spans = ents
                .iter()
                .map(|e| SpanOut {
                    start: cp(&rec.text, e.start),
                    end: cp(&rec.text, e.end),
                    label: e.category.as_str(),
                    score: e.score,
                })
                .collect();
            serde_json::to_writer(
                &mut w,
                &DetectOut {
                    id: rec.id.clone(),
                    spans,
                },
            )?;
            writeln!(w)?;
        }
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}
impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "io",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "wrong fields",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

fn default_db() -> PathBuf {
    PathBuf::from("out").join("pdf-deid-jobs.sqlite")
}

/// `pdf-deid report`: a job's audit report as CSV and/or PDF (printed as text without
/// either), written atomically.
fn report(
    db: Option<PathBuf>,
    job: Option<i64>,
    csv: Option<&Path>,
    pdf: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let db = db.unwrap_or_else(default_db);
    if !db.is_file() {
        bail!("no job log at {}", db.display());
    }
    let log = JobLog::open(&db).map_err(|e| anyhow::anyhow!("{e}"))?;
    let job = match job {
        Some(j) => j,
        None => log
            .recent_jobs(1)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .first()
            .map(|j| j.id)
            .context("the job log has no jobs")?,
    };
    let audit = log
        .audit(job)
        .map_err(|e| anyhow::anyhow!("job {job}: {e}"))?;
    if let Some(p) = csv {
        let text = deid_core::audit::to_csv(&audit)?;
        job::write_atomic(p, text.as_bytes())?;
        println!("{}", p.display());
    }
    if let Some(p) = pdf {
        let bytes = deid_core::audit::to_pdf(&audit).map_err(|e| anyhow::anyhow!("{e}"))?;
        job::write_atomic(p, &bytes)?;
        println!("{}", p.display());
    }
    if csv.is_none() && pdf.is_none() {
        for line in deid_core::audit::lines(&audit) {
            println!("{line}");
        }
    }
    Ok(match audit.chain {
        ChainCheck::Intact { .. } => ExitCode::SUCCESS,
        ChainCheck::Broken { .. } => ExitCode::from(1),
    })
}

/// `jobs drift`: one job against a reference (see [`JobsAction::Drift`]).
fn jobs_drift(
    log: &JobLog,
    job: Option<i64>,
    against: Option<i64>,
    reference: Option<&Path>,
    write_reference: Option<&Path>,
    json: bool,
) -> anyhow::Result<ExitCode> {
    use deid_core::drift::{compare, DriftReference, DriftThresholds};
    let stats_of = |id: i64| {
        log.job_stats(id)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .with_context(|| {
                format!("job {id} has no detection statistics (an older or empty job)")
            })
    };
    let (job, (stats, detectors)) = match job {
        Some(j) => (j, stats_of(j)?),
        None => log
            .recent_jobs(1000)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .iter()
            .find_map(|j| Some((j.id, log.job_stats(j.id).ok()??)))
            .context("no job in this log has detection statistics yet")?,
    };
    if let Some(path) = write_reference {
        let r = DriftReference {
            made_with: format!("pdf-deid jobs drift --job {job} --write-reference"),
            detectors,
            stats,
        };
        job::write_atomic(path, &serde_json::to_vec_pretty(&r)?)?;
        println!("job {job}: reference written to {}", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let (reference, what) = match against {
        Some(other) => {
            let (s, d) = stats_of(other)?;
            (
                DriftReference {
                    made_with: format!("job {other}"),
                    detectors: d,
                    stats: s,
                },
                format!("job {other}"),
            )
        }
        None => {
            let path = match reference {
                Some(p) => p.to_path_buf(),
                None => deid_core::registry::find_models_dir(None)
                    .context("no models folder (run scripts/setup.sh)")?
                    .join("drift-reference.json"),
            };
            let bytes =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            let r: DriftReference = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is no drift reference", path.display()))?;
            let what = format!("{} ({})", path.display(), r.made_with);
            (r, what)
        }
    };
    let report = compare(&stats, &reference.stats, &DriftThresholds::default());
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "job {job}: {} documents, {} words; reference: {what}",
            stats.documents, stats.words
        );
        if reference.detectors != detectors {
            println!(
                "note: the reference was made with other detectors: {}",
                reference.detectors
            );
        }
        println!(
            "score spread: PSI {:.3}{}",
            report.psi,
            if report.psi_flagged { "  DRIFT" } else { "" }
        );
        for c in &report.categories {
            println!(
                "{:<13} {:>7.2} per 1,000 words (reference {:>6.2}){}",
                c.category,
                c.job_per_1000_words,
                c.reference_per_1000_words,
                if c.flagged { "  DRIFT" } else { "" }
            );
        }
        if report.too_small {
            println!("too few words to flag anything");
        }
        println!(
            "{}",
            if report.flagged() {
                "drift: yes — look at this job's documents and outputs"
            } else {
                "drift: none flagged"
            }
        );
    }
    Ok(if report.flagged() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn jobs(db: Option<PathBuf>, limit: u32, action: Option<JobsAction>) -> anyhow::Result<ExitCode> {
    if let Some(JobsAction::Merge { sources, into }) = &action {
        return jobs_merge(sources, into);
    }
    let db = db.unwrap_or_else(default_db);
    if !db.is_file() {
        bail!("no job log at {}", db.display());
    }
    let log = JobLog::open(&db).map_err(|e| anyhow::anyhow!("{e}"))?;
    if let Some(JobsAction::Drift {
        job,
        against,
        reference,
        write_reference,
        json,
    }) = &action
    {
        return jobs_drift(
            &log,
            *job,
            *against,
            reference.as_deref(),
            write_reference.as_deref(),
            *json,
        );
    }
    if let Some(JobsAction::Verify) = action {
        return match log.verify_chain().map_err(|e| anyhow::anyhow!("{e}"))? {
            ChainCheck::Intact { rows } => {
                println!("job log intact: {rows} document rows, hash chain verified");
                Ok(ExitCode::SUCCESS)
            }
            ChainCheck::Broken {
                first_bad_row,
                reason,
            } => {
                println!("job log TAMPERED: row {first_bad_row}: {reason}");
                Ok(ExitCode::from(1))
            }
        };
    }
    for j in log.recent_jobs(limit).map_err(|e| anyhow::anyhow!("{e}"))? {
        println!(
            "job {} started {} finished {} status {}: {} documents ({} ok, {} review, {} failed)",
            j.id,
            j.started_at,
            j.finished_at.as_deref().unwrap_or("-"),
            j.status,
            j.documents,
            j.ok,
            j.review,
            j.failed
        );
        for d in log
            .job_documents(j.id)
            .map_err(|e| anyhow::anyhow!("{e}"))?
        {
            println!(
                "  doc {} {:<7} risk {:.2} pages {} {}",
                d.id,
                d.status,
                d.risk_score,
                d.pages,
                d.error_code.as_deref().unwrap_or("")
            );
            for r in log.raster_pages(d.id).map_err(|e| anyhow::anyhow!("{e}"))? {
                println!("    page {} as image: {}: {}", r.page, r.code, r.detail);
            }
            for o in log.ocr_pages(d.id).map_err(|e| anyhow::anyhow!("{e}"))? {
                println!(
                    "    page {} OCR ({}): {} words, mean confidence {:.0}",
                    o.page, o.reason, o.words, o.mean_confidence
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `pdf-deid jobs merge`: check every source's chain first (a broken one stops the merge
/// before anything is written), then merge them in order, one transaction each.
fn jobs_merge(sources: &[PathBuf], into: &Path) -> anyhow::Result<ExitCode> {
    let mut logs = Vec::with_capacity(sources.len());
    for src in sources {
        if !src.is_file() {
            bail!("no job log at {}", src.display());
        }
        let log = JobLog::open(src)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("opening {}", src.display()))?;
        match log.verify_chain().map_err(|e| anyhow::anyhow!("{e}"))? {
            ChainCheck::Intact { .. } => logs.push(log),
            ChainCheck::Broken {
                first_bad_row,
                reason,
            } => {
                println!(
                    "refused: {} fails its hash-chain check at row {first_bad_row}: {reason}; nothing merged",
                    src.display()
                );
                return Ok(ExitCode::from(1));
            }
        }
    }
    if let Some(parent) = into.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).context("creating the job log folder")?;
    }
    let target = JobLog::open(into)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("opening {}", into.display()))?;
    for (src, log) in sources.iter().zip(&logs) {
        let r = target
            .merge_from(log)
            .map_err(|e| anyhow::anyhow!("{e}"))
            .with_context(|| format!("merging {}", src.display()))?;
        println!(
            "merged {}: {} jobs, {} documents added, {} already present",
            src.display(),
            r.jobs_added,
            r.documents_added,
            r.documents_skipped
        );
    }
    match target.verify_chain().map_err(|e| anyhow::anyhow!("{e}"))? {
        ChainCheck::Intact { rows } => {
            println!(
                "job log {}: {rows} document rows, hash chain verified",
                into.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        ChainCheck::Broken {
            first_bad_row,
            reason,
        } => {
            println!(
                "job log {} TAMPERED: row {first_bad_row}: {reason}",
                into.display()
            );
            Ok(ExitCode::from(1))
        }
    }
}

fn sha256_file(p: &Path) -> Option<String> {
    std::fs::read(p)
        .ok()
        .map(|b| deid_core::hash::sha256_hex(&b))
}

fn doctor(pdfium_path: Option<&Path>) -> anyhow::Result<ExitCode> {
    println!("pdf-deid {}", env!("CARGO_PKG_VERSION"));
    let mut ok = true;
    let mut ok_models = true;
    match pdfium::find_library(pdfium_path) {
        Some(p) => {
            println!("pdfium library: {}", p.display());
            let sha = sha256_file(&p).unwrap_or_default();
            let expected = include_str!("../vendor/pdfium.sha256")
                .split_whitespace()
                .next()
                .unwrap_or("");
            let pinned = sha == expected;
            println!(
                "pdfium sha256: {sha} ({})",
                if pinned {
                    "matches the pinned pypdfium2 5.15.2 build"
                } else {
                    "NOT the pinned build"
                }
            );
            if let Some(v) = p
                .parent()
                .map(|d| d.join("version.json"))
                .filter(|v| v.is_file())
            {
                if let Ok(s) = std::fs::read_to_string(v) {
                    let compact: String = s.split_whitespace().collect();
                    println!("pdfium version: {compact}");
                }
            }
            match pdfium::service(pdfium_path) {
                Ok(_) => println!("pdfium binds: yes"),
                Err(e) => {
                    println!("pdfium binds: no ({e})");
                    ok = false;
                }
            }
        }
        None => {
            println!("pdfium library: MISSING (run scripts/fetch-pdfium.sh or `make setup`)");
            ok = false;
        }
    }
    println!("detectors: rules (built in), plus the registered models below");
    let enc = deid_core::registry::find_models_dir(None).map(|d| d.join("minilm"));
    match &enc {
        Some(e) if e.join("model.safetensors").is_file() => {
            println!("base encoder: {}", e.display())
        }
        _ => println!("base encoder: MISSING (run scripts/setup.sh)"),
    }
    match deid_core::registry::find_models_dir(None) {
        Some(dir) => match deid_core::registry::Registry::load(&dir) {
            Ok(reg) => {
                for m in &reg.models {
                    let ok = reg
                        .read_verified(&format!("{}@{}", m.name, m.version))
                        .is_ok();
                    println!(
                        "model {}@{}: {} (sha256 {})",
                        m.name,
                        m.version,
                        dir.join(&m.file).display(),
                        if ok { "ok" } else { "MISMATCH" }
                    );
                    ok_models &= ok;
                }
            }
            Err(e) => {
                println!("models: {e}");
                ok_models = false;
            }
        },
        None => println!("models: no models/registry.json found (rule-based heading score)"),
    }
    ok &= ok_models;
    println!("hmac key: {}", key_path().display());
    if ok {
        println!("doctor: everything needed is present");
        Ok(ExitCode::SUCCESS)
    } else {
        println!("doctor: something is missing (see above)");
        Ok(ExitCode::from(1))
    }
}

fn samples(out: &Path) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(out)?;
    for (name, bytes) in deid_devtools::samples::all() {
        let p = out.join(name);
        job::write_atomic(&p, &bytes)?;
        println!("{}", p.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn bench(
    pages: usize,
    save_input: Option<&Path>,
    pdfium_path: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let service = pdfium::service(pdfium_path)?;
    // rules only: the page rate of the PDF machinery (the NER's own rate: `bench --ner`)
    let engine = engine_with_models(deid_core::Config::safe_harbor(), 0, None, Some("none"))?;
    let bytes = deid_devtools::samples::long_record(pages.max(1));
    if let Some(p) = save_input {
        job::write_atomic(p, &bytes)?;
    }
    let t = std::time::Instant::now();
    let p = engine.process_pdf(&service, bytes)?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "end-to-end: {} pages, {} entities, {:.2} s, {:.1} pages/s",
        p.report.pages,
        p.report.entities.len(),
        secs,
        p.report.pages as f64 / secs
    );
    for (stage, ms) in &p.stage_ms {
        println!("  {stage}: {ms} ms");
    }
    Ok(ExitCode::SUCCESS)
}

/// `bench --corpus`: the generated corpus through `pdf-deid run` (this program, as a
/// user runs it), timed from outside, once per design; stages, pages, paragraphs and
/// words from its JSON outcome.
fn bench_corpus(
    docs: usize,
    (json, in_process): (bool, bool),
    ner_model: Option<&str>,
    (keep, plot): (Option<&Path>, Option<&Path>),
    designs: &[String],
    pdfium_path: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    for d in designs {
        if deid_core::config::Batching::parse(d).is_none() {
            anyhow::bail!("unknown design '{d}' (blobs, paragraphs, one-at-a-time)");
        }
    }
    let tmp = tempfile::tempdir()?;
    let dir = keep.unwrap_or(tmp.path()).to_path_buf();
    let inp = dir.join("in");
    for (rel, bytes) in deid_devtools::bench::corpus(docs.max(1)) {
        job::write_atomic(&inp.join(rel), &bytes)?;
    }
    let mut results = Vec::new();
    let mut ok = true;
    for design in designs {
        let out = dir.join(format!("out-{design}"));
        let (r, success) = bench_design(&inp, &out, design, in_process, ner_model, pdfium_path)?;
        ok &= success;
        if !json {
            print_bench(&r);
        }
        results.push(r);
    }
    if json {
        let v = match results.as_slice() {
            [one] => one.clone(),
            many => serde_json::Value::from(many.to_vec()),
        };
        println!("{}", serde_json::to_string_pretty(&v)?);
    }
    if let Some(p) = plot {
        let bars: Vec<(String, f64)> = results
            .iter()
            .map(|r| {
                let per_para = r["total_seconds"].as_f64().unwrap_or(0.0)
                    / r["paragraphs"].as_f64().unwrap_or(1.0).max(1.0);
                (
                    design_label(r["design"].as_str().unwrap_or("")),
                    per_para * 9000.0,
                )
            })
            .collect();
        let svg = deid_devtools::plot::bars_svg(
            &format!(
                "pdf-deid run, {} documents, {}",
                results
                    .first()
                    .map_or(0, |r| r["documents"].as_u64().unwrap_or(0)),
                results.first().map_or(String::new(), |r| r["machine"]
                    .as_str()
                    .unwrap_or("")
                    .to_string())
            ),
            "seconds per 9,000 paragraphs (measured rate, scaled)",
            &bars,
        )
        .map_err(|e| anyhow::anyhow!("drawing the chart: {e}"))?;
        job::write_atomic(p, svg.as_bytes())?;
    }
    Ok(if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn design_label(design: &str) -> String {
    match design {
        "blobs" => "batched + blobs in parallel (default)",
        "paragraphs" => "batched, blob after blob",
        "one-at-a-time" => "one paragraph at a time",
        other => other,
    }
    .to_string()
}

/// One `pdf-deid run` over `inp` with a design; its figures as JSON and whether every
/// document was processed.
fn bench_design(
    inp: &Path,
    out: &Path,
    design: &str,
    in_process: bool,
    ner_model: Option<&str>,
    pdfium_path: Option<&Path>,
) -> anyhow::Result<(serde_json::Value, bool)> {
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    if let Some(p) = pdfium_path {
        cmd.arg("--pdfium").arg(p);
    }
    cmd.arg("run")
        .arg(inp)
        .arg("--out")
        .arg(out)
        .arg("--json")
        .arg("--force")
        .args(["--batching", design]);
    if in_process {
        cmd.arg("--in-process");
    }
    if let Some(m) = ner_model {
        cmd.args(["--ner-model", m]);
    }
    let t = std::time::Instant::now();
    let run = cmd.stderr(std::process::Stdio::inherit()).output()?;
    let secs = t.elapsed().as_secs_f64();
    let outcome: serde_json::Value =
        serde_json::from_slice(&run.stdout).context("pdf-deid run --json printed no outcome")?;
    let documents = outcome["documents"].as_array().cloned().unwrap_or_default();
    let sum = |k: &str| -> u64 { documents.iter().filter_map(|d| d[k].as_u64()).sum() };
    let (pages, paragraphs, words) = (sum("pages"), sum("paragraphs"), sum("words"));
    let failed = documents.iter().filter(|d| d["status"] == "failed").count();
    let mut stages: BTreeMap<String, u64> = BTreeMap::new();
    for d in &documents {
        if let Some(m) = d["stage_ms"].as_object() {
            for (k, v) in m {
                *stages.entry(k.clone()).or_default() += v.as_u64().unwrap_or(0);
            }
        }
    }
    let peak_rss_mb = documents
        .iter()
        .filter_map(|d| d["peak_rss_kb"].as_u64())
        .max()
        .unwrap_or(0) as f64
        / 1024.0;
    let in_stages: u64 = stages.values().sum();
    let overhead_ms = ((secs * 1000.0) as u64).saturating_sub(in_stages);
    let entities: u64 = documents
        .iter()
        .filter_map(|d| d["counts"].as_object())
        .flat_map(|m| m.values().filter_map(|v| v.as_u64()))
        .sum();
    let result = serde_json::json!({
        "design": design,
        "documents": documents.len(),
        "failed": failed,
        "pages": pages,
        "paragraphs": paragraphs,
        "words": words,
        "entities": entities,
        "total_seconds": secs,
        "paragraphs_per_second": paragraphs as f64 / secs,
        "pages_per_second": pages as f64 / secs,
        "words_per_second": words as f64 / secs,
        "stages": stages,
        "outside_stages_ms": overhead_ms,
        "peak_rss_mb": peak_rss_mb,
        "mode": if in_process { "in-process" } else { "worker processes" },
        "ner_model": ner_model.unwrap_or("default"),
        "machine": format!("{} cores", std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)),
    });
    Ok((result, run.status.success() && failed == 0))
}

fn print_bench(r: &serde_json::Value) {
    let f = |k: &str| r[k].as_f64().unwrap_or(0.0);
    println!(
        "bench [{}]: {} documents ({} failed), {} pages, {} paragraphs, {} words in {:.1} s: {:.0} paragraphs/s, {:.0} words/s, {:.1} pages/s, peak RSS {:.0} MiB ({})",
        design_label(r["design"].as_str().unwrap_or("")),
        r["documents"],
        r["failed"],
        r["pages"],
        r["paragraphs"],
        r["words"],
        f("total_seconds"),
        f("paragraphs_per_second"),
        f("words_per_second"),
        f("pages_per_second"),
        f("peak_rss_mb"),
        r["mode"].as_str().unwrap_or("")
    );
    println!("  stage totals (ms, summed over documents):");
    if let Some(m) = r["stages"].as_object() {
        for (k, v) in m {
            println!("    {k:<10} {:>8}", v.as_u64().unwrap_or(0));
        }
    }
    println!(
        "    {:<10} {:>8}  (process start, model loading, job log, writing)",
        "other",
        r["outside_stages_ms"].as_u64().unwrap_or(0)
    );
}

/// `pdf-deid worker`: [`job::WorkerRequest`]s as JSON lines on stdin, one reply line on
/// stdout each, until stdin closes. The memory limit is set before the first engine is
/// built; the engine is kept while the settings stay the same.
fn worker(pdfium_path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let mut built: Option<(job::WorkerSettings, Engine)> = None;
    let mut limited = false;
    for line in std::io::stdin().lock().lines() {
        let line = line.context("reading the worker request from stdin")?;
        if line.trim().is_empty() {
            continue;
        }
        let reply = serve_one(&line, &mut built, &mut limited, pdfium_path).unwrap_or_else(|e| {
            job::WorkerReply::Failed {
                code: worker_failure_code(&e).into(),
                message: format!("{e:#}"),
            }
        });
        // the parent reads this request's progress lines up to `done`
        eprintln!("{}", deid_core::child::DONE_LINE);
        let mut out = std::io::stdout().lock();
        serde_json::to_writer(&mut out, &reply)?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The code of a worker's failure outside a document's pipeline: an allocation its
/// memory limit refused (while the engine loads its models, say) is the worker dying of
/// that limit, `worker_crashed`, as when the kernel stops it; anything else is `settings`.
fn worker_failure_code(e: &anyhow::Error) -> &'static str {
    let out_of_memory = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::OutOfMemory)
            || matches!(
                c.downcast_ref::<deid_core::Error>(),
                Some(deid_core::Error::Io { kind, .. }) if *kind == std::io::ErrorKind::OutOfMemory
            )
    });
    if out_of_memory {
        deid_core::ErrorCode::WorkerCrashed.as_str()
    } else {
        "settings"
    }
}

fn serve_one(
    line: &str,
    built: &mut Option<(job::WorkerSettings, Engine)>,
    limited: &mut bool,
    pdfium_path: Option<&Path>,
) -> anyhow::Result<job::WorkerReply> {
    let req: job::WorkerRequest =
        serde_json::from_str(line).context("the worker request on stdin is not valid")?;
    let s = &req.settings;
    if !*limited {
        let limit = s.max_memory_mb.saturating_mul(1 << 20);
        rlimit::setrlimit(rlimit::Resource::AS, limit, limit)
            .context("setting the memory limit")?;
        *limited = true;
    }
    if built.as_ref().is_none_or(|(have, _)| have != s) {
        let mut cfg = s.settings().into_config()?;
        cfg.password = std::env::var("PDF_DEID_PASSWORD").ok();
        let engine = engine_with_models(
            cfg,
            s.threads,
            s.heading_model.as_deref(),
            s.ner_model.as_deref(),
        )?;
        *built = Some((s.clone(), engine));
    }
    let Some((_, engine)) = built.as_ref() else {
        anyhow::bail!("no engine");
    };
    let service = pdfium::service(s.pdfium.as_deref().or(pdfium_path))?;
    let key =
        deid_core::joblog::HmacKey::load_or_create(&req.key).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(job::worker_main(engine, &service, &key, &req))
}

fn review(what: ReviewCmd, pdfium_path: Option<&Path>) -> anyhow::Result<ExitCode> {
    let password = std::env::var("PDF_DEID_PASSWORD").ok();
    match what {
        ReviewCmd::Render { input, page, dpi } => {
            let service = pdfium::service(pdfium_path)?;
            let bytes = std::fs::read(&input).context("reading the input")?;
            let r = deid_core::review::render_page(
                &service,
                bytes,
                password,
                page,
                dpi.clamp(20.0, 300.0),
            )?;
            let header =
                serde_json::json!({ "pages": r.pages, "view": r.view, "png_bytes": r.png.len() });
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, &header)?;
            out.write_all(b"\n")?;
            out.write_all(&r.png)?;
            out.flush()?;
        }
        ReviewCmd::Thumbnails {
            input,
            dpi,
            max_pages,
        } => {
            let service = pdfium::service(pdfium_path)?;
            let bytes = std::fs::read(&input).context("reading the input")?;
            let (pages, pngs) = deid_core::review::render_thumbnails(
                &service,
                bytes,
                password,
                max_pages,
                dpi.clamp(4.0, 72.0),
            )?;
            let sizes: Vec<usize> = pngs.iter().map(Vec::len).collect();
            let header = serde_json::json!({ "pages": pages, "png_bytes": sizes });
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, &header)?;
            out.write_all(b"\n")?;
            for p in &pngs {
                out.write_all(p)?;
            }
            out.flush()?;
        }
        ReviewCmd::Find { input, policy } => {
            let mut cfg = Settings {
                policy,
                ..Settings::default()
            }
            .into_config()?;
            cfg.password = password;
            let engine = deid_core::Engine::new(cfg, 0)?;
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
                .context("reading the terms from stdin")?;
            let terms: Vec<deid_core::review::AddedTerm> =
                serde_json::from_slice(&buf).context("the terms on stdin are not valid JSON")?;
            let service = pdfium::service(pdfium_path)?;
            let bytes = std::fs::read(&input).context("reading the input")?;
            let hits = engine.term_hits(&service, bytes, &terms)?;
            let mut out = std::io::stdout().lock();
            serde_json::to_writer(&mut out, &serde_json::json!({ "hits": hits }))?;
            out.write_all(b"\n")?;
        }
        ReviewCmd::Export {
            input,
            out,
            decisions_stdin,
            policy,
            heading_model,
            ner_model,
        } => {
            let mut cfg = Settings {
                policy,
                ..Settings::default()
            }
            .into_config()?;
            cfg.password = password;
            let engine =
                engine_with_models(cfg, 0, heading_model.as_deref(), ner_model.as_deref())?;
            let service = pdfium::service(pdfium_path)?;
            let key = deid_core::joblog::HmacKey::load_or_create(&key_path())
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let decisions = if decisions_stdin {
                Some(read_decisions_stdin()?)
            } else {
                None
            };
            let review = decisions
                .as_ref()
                .map(|decisions| deid_core::review::Review {
                    decisions,
                    key: &key,
                });
            let bytes = std::fs::read(&input).context("reading the input")?;
            let paras = engine.labelled_paragraphs(&service, bytes, review)?;
            let stem = input
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "doc".into());
            let mut buf = Vec::new();
            for (i, p) in paras.iter().enumerate() {
                let line = serde_json::json!({
                    "id": format!("{stem}-p{}-{i}", p.page + 1),
                    "text": p.text,
                    "spans": p.spans,
                });
                serde_json::to_writer(&mut buf, &line)?;
                buf.push(b'\n');
            }
            job::write_atomic(&out, &buf)?;
            eprintln!("wrote {} labelled paragraphs", paras.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reviewer decisions as JSON on stdin (they may hold plaintext terms the reviewer typed,
/// so they never travel on a command line or through a file).
pub(crate) fn read_decisions_stdin() -> anyhow::Result<deid_core::review::Decisions> {
    let mut buf = Vec::new();
    std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
        .context("reading review decisions from stdin")?;
    serde_json::from_slice(&buf).context("review decisions on stdin are not valid JSON")
}

/// NER throughput: 256 windows of about 128 word pieces, batches of 32, three runs.
fn bench_ner(device: &str, quantize: Option<&str>) -> anyhow::Result<ExitCode> {
    let device = deid_core::ner::DeviceChoice::parse(device)
        .context("--device must be cpu, cuda or auto")?;
    let dir = deid_core::registry::find_models_dir(None).context("models/registry.json")?;
    let reg = deid_core::registry::Registry::load(&dir)?;
    let mut model = deid_core::ner::load_model(&reg, "ner-minilm", &dir.join("minilm"), device)?;
    if let Some(q) = quantize {
        model.quantize(q)?;
    }
    let sentence = "Patient Maria Gonzalez was seen on 03/14/2024 at Riverside Clinic for follow-up of hypertension and diabetes. ";
    let text: String = sentence.repeat(5);
    let texts: Vec<&str> = (0..256).map(|_| &text[..text.len().min(390)]).collect();
    let tokens: usize = model.encoder.encode(&texts[..1])?[0].ids.len();
    for run in 0..3 {
        let t = std::time::Instant::now();
        let _ = model.detect_texts(&texts)?;
        let s = t.elapsed().as_secs_f64();
        println!(
            "run {}: 256 sequences × {tokens} tokens in {:.2} s: {:.1} sequences/s, {:.0} tokens/s",
            run + 1,
            s,
            256.0 / s,
            256.0 * tokens as f64 / s
        );
    }
    Ok(ExitCode::SUCCESS)
}
