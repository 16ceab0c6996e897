//! The desktop app's state: the queue, the batch worker thread, reviewer decisions and
//! settings. No pipeline logic: documents go through `deid_core::job::run_inputs` with one
//! `pdf-deid worker` process each (so a hostile PDF cannot take the window down), and the
//! review screen asks the `pdf-deid` CLI to render pages and export examples. This module
//! knows nothing of Tauri: events and notifications go through the [`Shell`] trait.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use deid_core::job::{
    self, Cancel, DocStatus, InputFile, Isolation, JobEvent, JobRequest, WorkerSettings,
};
use deid_core::pipeline::{DocReport, EntityReport};
use deid_core::review::{AddedBox, AddedTerm, Decisions, PageView};
use deid_core::types::Category;

use crate::api::{
    AppEvent, AppSettings, BatchState, BatchSummary, HistoryRow, ItemStatus, OutputPage, QueueItem,
    RejectTarget, ReviewBox, ReviewEntity, ReviewList, ReviewPage, ReviewTerm, Snapshot, StageName,
    TermPreview,
};
use crate::error::{AppError, AppResult};
use crate::review::{self, DecisionState, History};
use crate::worker_cli::WorkerCli;

/// What the app needs from the window system.
pub trait Shell: Send + Sync + 'static {
    fn emit(&self, ev: AppEvent);
    fn notify(&self, title: &str, body: &str);
}

/// Where the app keeps its files.
#[derive(Debug, Clone)]
pub struct AppPaths {
    pub settings_file: PathBuf,
    pub default_out: PathBuf,
    pub key: PathBuf,
}

struct Entry {
    item: QueueItem,
    input: InputFile,
    report: Option<DocReport>,
    decisions: Decisions,
    applied: Decisions,
    /// Reviewer boxes in page-image pixels, for drawing them again.
    boxes_px: Vec<crate::api::ReviewBox>,
    /// Pixel ↔ page mapping of the pages rendered so far.
    views: BTreeMap<u32, PageView>,
    /// Undo and redo of the decisions.
    history: History,
    /// The page strip's images (`data:` URLs), once rendered.
    thumbnails: Option<Vec<String>>,
    /// The password a password-protected document was opened with, kept in memory only
    /// while the document is in the queue (rendering, term search and apply need it);
    /// never written, logged or sent to the window.
    password: Option<Password>,
}

/// A document's password: printed as `***`.
#[derive(Clone)]
struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl Entry {
    fn decision_state(&self) -> DecisionState {
        DecisionState {
            decisions: self.decisions.clone(),
            boxes_px: self.boxes_px.clone(),
        }
    }
}

struct Running {
    ids: Vec<u32>,
    cancel: Arc<Cancel>,
}

struct Inner {
    next_id: u32,
    entries: Vec<Entry>,
    settings: AppSettings,
    batch: BatchState,
    running: Option<Running>,
}

pub struct App {
    inner: Mutex<Inner>,
    wake: Condvar,
    paths: AppPaths,
    cli: WorkerCli,
    shell: Box<dyn Shell>,
}

pub fn default_settings() -> AppSettings {
    AppSettings {
        out_dir: String::new(),
        policy: "safe-harbor".into(),
        mark: "black".into(),
        device: "cpu".into(),
        threads: 0,
        timeout_s: 120,
        ner: true,
        profile: String::new(),
    }
}

fn validate(s: &AppSettings) -> AppResult<()> {
    if !deid_core::policy::POLICIES.contains(&s.policy.as_str()) {
        return Err(AppError::Settings(format!("unknown policy {:?}", s.policy)));
    }
    load_profile(s)?;
    if deid_core::config::Mark::parse(&s.mark).is_none() {
        return Err(AppError::Settings(format!(
            "unknown mark mode {:?}",
            s.mark
        )));
    }
    if !["cpu", "auto"].contains(&s.device.as_str()) {
        return Err(AppError::Settings(format!("unknown device {:?}", s.device)));
    }
    if s.timeout_s == 0 || s.timeout_s > 3600 {
        return Err(AppError::Settings(
            "the time limit must be 1 to 3600 seconds".into(),
        ));
    }
    if s.threads > 256 {
        return Err(AppError::Settings("at most 256 threads".into()));
    }
    Ok(())
}

/// What to do about a failure with this error code, in plain words.
fn advice(code: &str) -> Option<String> {
    deid_core::ErrorCode::parse(code).map(|c| c.advice().to_string())
}

/// The site profile the settings name, read and validated ("" = none).
fn load_profile(s: &AppSettings) -> AppResult<Option<deid_core::policy::Profile>> {
    let path = s.profile.trim();
    if path.is_empty() {
        return Ok(None);
    }
    deid_core::policy::Profile::load(Path::new(path))
        .map(Some)
        .map_err(|e| AppError::Settings(format!("profile {e}")))
}

fn lock(m: &Mutex<Inner>) -> MutexGuard<'_, Inner> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl App {
    pub fn new(paths: AppPaths, cli: WorkerCli, shell: Box<dyn Shell>) -> Arc<App> {
        let settings = std::fs::read(&paths.settings_file)
            .ok()
            .and_then(|b| serde_json::from_slice::<AppSettings>(&b).ok())
            .filter(|s| validate(s).is_ok())
            .unwrap_or_else(default_settings);
        let app = Arc::new(App {
            inner: Mutex::new(Inner {
                next_id: 1,
                entries: Vec::new(),
                settings,
                batch: BatchState::default(),
                running: None,
            }),
            wake: Condvar::new(),
            paths,
            cli,
            shell,
        });
        let worker = app.clone();
        std::thread::Builder::new()
            .name("deid-batch".into())
            .spawn(move || worker.batch_loop())
            .expect("spawning the batch thread");
        app
    }

    fn out_dir(&self, s: &AppSettings) -> PathBuf {
        if s.out_dir.trim().is_empty() {
            self.paths.default_out.clone()
        } else {
            PathBuf::from(s.out_dir.trim())
        }
    }

    fn db_path(&self, s: &AppSettings) -> PathBuf {
        self.out_dir(s).join("pdf-deid-jobs.sqlite")
    }

    pub fn snapshot(&self) -> Snapshot {
        let g = lock(&self.inner);
        Snapshot {
            items: g.entries.iter().map(|e| e.item.clone()).collect(),
            batch: g.batch.clone(),
            settings: g.settings.clone(),
            out_dir: self.out_dir(&g.settings).display().to_string(),
            problems: self.cli.problems(),
            gpu_available: deid_core::ner::DeviceChoice::gpu_built(),
        }
    }

    /// Add files and folders (recursively, `*.pdf`) to the queue. The drop handler and the
    /// "Add files" button both end here. Files already waiting or running are not added
    /// twice.
    pub fn ingest(&self, paths: &[PathBuf]) -> AppResult<Vec<QueueItem>> {
        let mut found = Vec::new();
        for p in paths {
            found.extend(job::collect_inputs(std::slice::from_ref(p))?);
        }
        let mut g = lock(&self.inner);
        let mut added = Vec::new();
        for input in found {
            let busy = g.entries.iter().any(|e| {
                e.input.path == input.path
                    && matches!(e.item.status, ItemStatus::Queued | ItemStatus::Running)
            });
            if busy {
                continue;
            }
            let id = g.next_id;
            g.next_id += 1;
            let item = QueueItem {
                id,
                path: input.path.display().to_string(),
                name: input.relative.display().to_string(),
                status: ItemStatus::Queued,
                stage: None,
                progress: 0.0,
                risk: None,
                counts: BTreeMap::new(),
                output: None,
                error_code: None,
                advice: None,
                error: None,
                pending_decisions: 0,
                raster: Vec::new(),
                ocr: Vec::new(),
            };
            added.push(item.clone());
            g.entries.push(Entry {
                item,
                input,
                report: None,
                decisions: Decisions::default(),
                applied: Decisions::default(),
                boxes_px: Vec::new(),
                history: History::default(),
                thumbnails: None,
                password: None,
                views: BTreeMap::new(),
            });
        }
        drop(g);
        if !added.is_empty() {
            self.shell.emit(AppEvent::Items {
                items: added.clone(),
            });
        }
        self.wake.notify_all();
        Ok(added)
    }

    pub fn cancel_item(&self, id: u32) -> AppResult<()> {
        let mut g = lock(&self.inner);
        let pos_in_batch = g.running.as_ref().and_then(|r| {
            r.ids
                .iter()
                .position(|x| *x == id)
                .map(|i| (i, r.cancel.clone()))
        });
        let e = g
            .entries
            .iter_mut()
            .find(|e| e.item.id == id)
            .ok_or(AppError::NoSuchItem(id))?;
        match pos_in_batch {
            Some((index, cancel)) => cancel.cancel_doc(index),
            None if e.item.status == ItemStatus::Queued => {
                e.item.status = ItemStatus::Cancelled;
                let item = e.item.clone();
                drop(g);
                self.shell.emit(AppEvent::Item {
                    item: Box::new(item),
                });
            }
            None => {}
        }
        Ok(())
    }

    pub fn cancel_batch(&self) {
        let mut g = lock(&self.inner);
        if let Some(r) = &g.running {
            r.cancel.cancel_all();
        }
        let mut changed = Vec::new();
        for e in g.entries.iter_mut() {
            if e.item.status == ItemStatus::Queued {
                e.item.status = ItemStatus::Cancelled;
                changed.push(e.item.clone());
            }
        }
        drop(g);
        for item in changed {
            self.shell.emit(AppEvent::Item {
                item: Box::new(item),
            });
        }
    }

    /// Drop finished, failed and cancelled rows from the list (outputs stay on disk).
    pub fn clear_finished(&self) {
        let mut g = lock(&self.inner);
        g.entries
            .retain(|e| matches!(e.item.status, ItemStatus::Queued | ItemStatus::Running));
    }

    pub fn save_settings(&self, s: AppSettings) -> AppResult<AppSettings> {
        validate(&s)?;
        let json = serde_json::to_vec_pretty(&s)
            .map_err(|e| AppError::Settings(format!("serialising: {e}")))?;
        job::write_atomic(&self.paths.settings_file, &json)?;
        lock(&self.inner).settings = s.clone();
        Ok(s)
    }

    pub fn output_folder(&self, id: Option<u32>) -> AppResult<PathBuf> {
        let g = lock(&self.inner);
        let out = self.out_dir(&g.settings);
        Ok(match id {
            None => out,
            Some(id) => {
                let e = g
                    .entries
                    .iter()
                    .find(|e| e.item.id == id)
                    .ok_or(AppError::NoSuchItem(id))?;
                e.item
                    .output
                    .as_deref()
                    .and_then(|o| Path::new(o).parent())
                    .map(Path::to_path_buf)
                    .unwrap_or(out)
            }
        })
    }

    /// Jobs from the SQLite job log of the output folder (the same one the CLI writes).
    pub fn history(&self) -> AppResult<Vec<HistoryRow>> {
        let db = self.db_path(&lock(&self.inner).settings);
        if !db.exists() {
            return Ok(Vec::new());
        }
        let log = deid_core::joblog::JobLog::open(&db)
            .map_err(|e| AppError::Core(deid_core::Error::JobLog(e.to_string())))?;
        let jobs = log
            .recent_jobs(50)
            .map_err(|e| AppError::Core(deid_core::Error::JobLog(e.to_string())))?;
        // the model's drift reference, when the installation has one
        let reference: Option<deid_core::drift::DriftReference> =
            deid_core::registry::find_models_dir(None)
                .and_then(|d| std::fs::read(d.join("drift-reference.json")).ok())
                .and_then(|b| serde_json::from_slice(&b).ok());
        let mut rows = Vec::new();
        for j in jobs {
            let docs = log
                .job_documents(j.id)
                .map_err(|e| AppError::Core(deid_core::Error::JobLog(e.to_string())))?;
            let drift = match (log.job_stats(j.id).ok().flatten(), &reference) {
                (None, _) => "no statistics".to_string(),
                (Some(_), None) => "no reference".to_string(),
                (Some((stats, _)), Some(r)) => {
                    let d = deid_core::drift::compare(
                        &stats,
                        &r.stats,
                        &deid_core::drift::DriftThresholds::default(),
                    );
                    let mut flagged: Vec<String> = d
                        .categories
                        .iter()
                        .filter(|c| c.flagged)
                        .map(|c| c.category.clone())
                        .collect();
                    if d.psi_flagged {
                        flagged.push("score spread".into());
                    }
                    if d.too_small {
                        "too few words to tell".into()
                    } else if flagged.is_empty() {
                        "none".into()
                    } else {
                        format!("shift: {}", flagged.join(", "))
                    }
                }
            };
            rows.push(HistoryRow {
                job_id: j.id,
                started_at: j.started_at,
                status: j.status,
                documents: j.documents,
                failed: j.failed,
                max_risk: docs.iter().map(|d| d.risk_score).fold(0.0, f32::max),
                drift,
            });
        }
        Ok(rows)
    }

    /// The settings of the workers: the form's, with its site profile read and validated
    /// now (once per batch).
    fn worker_settings(&self, s: &AppSettings) -> AppResult<WorkerSettings> {
        Ok(WorkerSettings {
            policy: s.policy.clone(),
            max_memory_mb: 8192,
            timeout_s: Some(u64::from(s.timeout_s)),
            threads: s.threads as usize,
            heading_model: None,
            ner_model: Some(if s.ner { "ner-minilm" } else { "none" }.to_string()),
            pdfium: None,
            mark: Some(s.mark.clone()),
            device: Some(s.device.clone()),
            ages: None,
            batching: None,
            profile: load_profile(s)?,
            text_out: false,
        })
    }

    /// What the job records about the engine the workers will build; the window process
    /// loads no model.
    fn engine_info(ws: &WorkerSettings) -> AppResult<deid_core::pipeline::EngineInfo> {
        let cfg = ws.settings().into_config()?;
        Ok(deid_core::engine::describe(
            cfg,
            ws.heading_model.as_deref(),
            ws.ner_model.as_deref(),
        )?)
    }

    /// A job request for `inputs` with the current settings.
    fn request(
        &self,
        s: &AppSettings,
        settings: WorkerSettings,
        force: bool,
        review: Option<Decisions>,
        cancel: Option<Arc<Cancel>>,
    ) -> JobRequest {
        let exe = self.cli.path().unwrap_or_else(|| PathBuf::from("pdf-deid"));
        JobRequest {
            inputs: Vec::new(),
            out_dir: self.out_dir(s),
            db: self.db_path(s),
            key: self.paths.key.clone(),
            force,
            isolation: Isolation::Subprocess {
                exe,
                settings,
                timeout: Duration::from_secs(u64::from(s.timeout_s)) + job::WATCHDOG_GRACE,
                password: None,
                reuse: true,
            },
            review,
            cancel,
            names: deid_core::job::NameMode::Redact,
        }
    }

    fn batch_loop(self: Arc<Self>) {
        loop {
            let (ids, inputs, settings, cancel) = {
                let mut g = lock(&self.inner);
                while !g
                    .entries
                    .iter()
                    .any(|e| e.item.status == ItemStatus::Queued)
                {
                    g = self.wake.wait(g).unwrap_or_else(|p| p.into_inner());
                }
                let picked: Vec<(u32, InputFile)> = g
                    .entries
                    .iter()
                    .filter(|e| e.item.status == ItemStatus::Queued)
                    .map(|e| (e.item.id, e.input.clone()))
                    .collect();
                let cancel = Arc::new(Cancel::default());
                g.running = Some(Running {
                    ids: picked.iter().map(|p| p.0).collect(),
                    cancel: cancel.clone(),
                });
                g.batch = BatchState {
                    running: true,
                    total: picked.len() as u32,
                    finished: 0,
                };
                let (ids, inputs): (Vec<u32>, Vec<InputFile>) = picked.into_iter().unzip();
                (ids, inputs, g.settings.clone(), cancel)
            };
            self.shell.emit(AppEvent::Batch {
                batch: lock(&self.inner).batch.clone(),
            });
            let summary = self.run_batch(&ids, &inputs, &settings, cancel);
            let batch = {
                let mut g = lock(&self.inner);
                g.running = None;
                g.batch.running = false;
                g.batch.clone()
            };
            self.shell.emit(AppEvent::Batch { batch });
            let body = format!(
                "{} done, {} to review, {} failed{}",
                summary.ok + summary.skipped,
                summary.review,
                summary.failed,
                if summary.cancelled > 0 {
                    format!(", {} cancelled", summary.cancelled)
                } else {
                    String::new()
                }
            );
            self.shell.emit(AppEvent::BatchFinished { summary });
            self.shell.notify("pdf-deid: batch finished", &body);
        }
    }

    fn run_batch(
        &self,
        ids: &[u32],
        inputs: &[InputFile],
        settings: &AppSettings,
        cancel: Arc<Cancel>,
    ) -> BatchSummary {
        let info = match self
            .worker_settings(settings)
            .and_then(|ws| Ok((App::engine_info(&ws)?, ws)))
        {
            Ok(i) => i,
            Err(e) => return self.fail_all(ids, &e),
        };
        let req = self.request(settings, info.1, false, None, Some(cancel));
        let info = info.0;
        let outputs = match self.output_paths(&req, inputs) {
            Ok(o) => o,
            Err(e) => return self.fail_all(ids, &e),
        };
        let result = job::run_inputs(job::Pipeline::Described(&info), &req, inputs, &mut |ev| {
            self.on_job_event(ids, &outputs, ev)
        });
        match result {
            Ok(o) => BatchSummary {
                ok: o.count(DocStatus::Ok) as u32,
                review: o.count(DocStatus::Review) as u32,
                failed: o.count(DocStatus::Failed) as u32,
                skipped: o.count(DocStatus::Skipped) as u32,
                cancelled: o.count(DocStatus::Cancelled) as u32,
            },
            Err(e) => self.fail_all(ids, &AppError::Core(e)),
        }
    }

    /// A batch that could not start (job log, output folder, models): every document gets
    /// the error.
    fn fail_all(&self, ids: &[u32], err: &AppError) -> BatchSummary {
        let code = match err {
            AppError::Core(e) => e.code().to_string(),
            _ => "settings".to_string(),
        };
        let msg = err.to_string();
        for id in ids {
            self.update(*id, |it| {
                if matches!(it.status, ItemStatus::Queued | ItemStatus::Running) {
                    it.status = ItemStatus::Failed;
                    it.advice = advice(&code);
                    it.error_code = Some(code.clone());
                    it.error = Some(msg.clone());
                }
            });
        }
        self.shell.emit(AppEvent::Error { message: msg });
        BatchSummary {
            failed: ids.len() as u32,
            ..BatchSummary::default()
        }
    }

    fn update(&self, id: u32, f: impl FnOnce(&mut QueueItem)) -> Option<QueueItem> {
        let mut g = lock(&self.inner);
        let e = g.entries.iter_mut().find(|e| e.item.id == id)?;
        f(&mut e.item);
        let item = e.item.clone();
        drop(g);
        self.shell.emit(AppEvent::Item {
            item: Box::new(item.clone()),
        });
        Some(item)
    }

    /// Where the job writes each input's output (its names scrubbed like the job does).
    fn output_paths(&self, req: &JobRequest, inputs: &[InputFile]) -> AppResult<Vec<PathBuf>> {
        let key = deid_core::joblog::HmacKey::load_or_create(&req.key)
            .map_err(|e| AppError::Core(deid_core::Error::JobLog(e.to_string())))?;
        let names = job::OutputNames::new(req.names, &key);
        Ok(inputs
            .iter()
            .map(|i| req.out_dir.join(names.relative(&i.relative)))
            .collect())
    }

    fn on_job_event(&self, ids: &[u32], outputs: &[PathBuf], ev: &JobEvent) {
        let finished = |this: &Self| {
            let batch = {
                let mut g = lock(&this.inner);
                g.batch.finished += 1;
                g.batch.clone()
            };
            this.shell.emit(AppEvent::Batch { batch });
        };
        match ev {
            JobEvent::DocStarted { index } => {
                self.update(ids[*index], |it| {
                    it.status = ItemStatus::Running;
                    it.stage = None;
                    it.progress = 0.02;
                    it.error = None;
                    it.error_code = None;
                    it.advice = None;
                    it.raster.clear();
                    it.ocr.clear();
                });
            }
            JobEvent::DocStage { index, stage } => {
                let pos = deid_core::Stage::ALL
                    .iter()
                    .position(|s| s == stage)
                    .unwrap_or(0);
                self.update(ids[*index], |it| {
                    it.stage = Some(StageName::from(*stage));
                    it.progress = (pos + 1) as f32 / deid_core::Stage::ALL.len() as f32;
                });
            }
            JobEvent::DocDone { index, .. } | JobEvent::DocSkipped { index } => {
                let st = match ev {
                    JobEvent::DocDone { status, .. } => *status,
                    _ => DocStatus::Skipped,
                };
                let output = outputs[*index].clone();
                let report = read_report(&output);
                let id = ids[*index];
                {
                    let mut g = lock(&self.inner);
                    if let Some(e) = g.entries.iter_mut().find(|e| e.item.id == id) {
                        e.report = report.clone();
                        e.applied = e.decisions.clone();
                    }
                }
                let needs_review = report.as_ref().is_some_and(|r| r.review);
                self.update(id, |it| {
                    it.status = match st {
                        DocStatus::Review => ItemStatus::Review,
                        DocStatus::Skipped if needs_review => ItemStatus::Review,
                        DocStatus::Skipped => ItemStatus::Skipped,
                        _ => ItemStatus::Done,
                    };
                    it.progress = 1.0;
                    it.output = Some(output.display().to_string());
                    if let Some(r) = &report {
                        it.risk = Some(r.risk.score);
                        it.counts = r.counts.clone();
                        it.raster = r.raster.iter().map(ToString::to_string).collect();
                        it.ocr = r.ocr_pages.iter().map(ToString::to_string).collect();
                    }
                    it.pending_decisions = 0;
                });
                finished(self);
            }
            JobEvent::DocFailed {
                index,
                code,
                message,
            } => {
                self.update(ids[*index], |it| {
                    it.status = ItemStatus::Failed;
                    it.progress = 1.0;
                    it.output = None;
                    it.advice = advice(code);
                    it.error_code = Some(code.to_string());
                    it.error = Some(message.clone());
                });
                finished(self);
            }
            JobEvent::DocCancelled { index } => {
                self.update(ids[*index], |it| {
                    it.status = ItemStatus::Cancelled;
                    it.progress = 0.0;
                });
                finished(self);
            }
            _ => {}
        }
    }

    fn entry_view<T>(&self, id: u32, f: impl FnOnce(&mut Entry) -> AppResult<T>) -> AppResult<T> {
        let mut g = lock(&self.inner);
        let e = g
            .entries
            .iter_mut()
            .find(|e| e.item.id == id)
            .ok_or(AppError::NoSuchItem(id))?;
        f(e)
    }

    /// One page of a finished document with its detections, for the review screen.
    pub fn review_page(&self, id: u32, page: u32) -> AppResult<ReviewPage> {
        let (input, report, decisions, boxes_px) = self.entry_view(id, |e| {
            let r = e.report.clone().ok_or(AppError::NotReviewable)?;
            Ok((
                e.input.path.clone(),
                r,
                e.decisions.clone(),
                e.boxes_px.clone(),
            ))
        })?;
        let password = self.password_of(id)?;
        let rendered = self
            .cli
            .render(&input, page as usize, password.as_deref())?;
        let view = rendered.view;
        self.entry_view(id, |e| {
            e.views.insert(page, view);
            Ok(())
        })?;
        let on_page = |e: &&EntityReport| e.page == page as usize;
        let entity = |e: &EntityReport| ReviewEntity {
            key: e.text_hmac.clone(),
            at: e.at.map(review::to_api_at),
            category: e.category.as_str().to_string(),
            score: e.score,
            source: e.source.clone(),
            boxes: e.rects.iter().map(|r| view.to_px(r)).collect(),
            rejected: review::is_rejected(&decisions, e),
        };
        // detections rejected in an earlier apply stay visible so they can be restored
        let entities: Vec<ReviewEntity> = report
            .entities
            .iter()
            .chain(&report.rejected)
            .filter(on_page)
            .filter(|e| e.source != deid_core::review::BOX_SOURCE)
            .map(entity)
            .collect();
        let image = png_data_url(&rendered.png);
        Ok(ReviewPage {
            item_id: id,
            page,
            pages: rendered.pages as u32,
            image,
            width: view.width_px as u32,
            height: view.height_px as u32,
            entities,
            added_boxes: boxes_px.into_iter().filter(|b| b.page == page).collect(),
            added_terms: decisions
                .added_terms
                .iter()
                .map(|t| ReviewTerm {
                    text: t.text.clone(),
                    category: t.category.as_str().to_string(),
                })
                .collect(),
            categories: Category::ALL
                .iter()
                .map(|c| c.as_str().to_string())
                .collect(),
        })
    }

    fn set_pending(&self, id: u32) -> u32 {
        let n = self
            .entry_view(id, |e| {
                let d = &e.decisions;
                let n = if *d == e.applied { 0 } else { d.len() as u32 };
                Ok(n)
            })
            .unwrap_or(0);
        self.update(id, |it| it.pending_decisions = n);
        n
    }

    /// Change the decisions of document `id` with `f` as one undo step; returns the number
    /// of decisions not yet applied.
    fn decide(&self, id: u32, f: impl FnOnce(&mut Entry) -> AppResult<()>) -> AppResult<u32> {
        self.entry_view(id, |e| {
            let before = e.decision_state();
            f(e)?;
            let now = e.decision_state();
            e.history.record(before, &now);
            Ok(())
        })?;
        Ok(self.set_pending(id))
    }

    /// Reject (or restore) every occurrence of the text with HMAC `key`.
    pub fn set_rejected(&self, id: u32, key: &str, rejected: bool) -> AppResult<u32> {
        let target = RejectTarget {
            key: key.to_string(),
            at: None,
        };
        self.set_rejected_many(id, &[target], rejected)
    }

    /// Reject (or restore) several detections at once (one undo step): each one
    /// occurrence, or every occurrence of its text when its `at` is none.
    pub fn set_rejected_many(
        &self,
        id: u32,
        targets: &[RejectTarget],
        rejected: bool,
    ) -> AppResult<u32> {
        self.decide(id, |e| {
            let report = e.report.as_ref().ok_or(AppError::NotReviewable)?;
            for t in targets {
                review::set_rejected(&mut e.decisions, report, t, rejected);
            }
            Ok(())
        })
    }

    /// Take back the last decision (`redo`: put back the last one taken back).
    pub fn undo_redo(&self, id: u32, redo: bool) -> AppResult<u32> {
        self.entry_view(id, |e| {
            let now = e.decision_state();
            let step = if redo {
                e.history.redo(now)
            } else {
                e.history.undo(now)
            };
            if let Some(s) = step {
                e.decisions = s.decisions;
                e.boxes_px = s.boxes_px;
            }
            Ok(())
        })?;
        Ok(self.set_pending(id))
    }

    /// Every detection of document `id` with its status, why the document was flagged,
    /// and whether undo and redo can go on.
    pub fn review_detections(&self, id: u32) -> AppResult<ReviewList> {
        self.entry_view(id, |e| {
            let report = e.report.as_ref().ok_or(AppError::NotReviewable)?;
            Ok(ReviewList {
                detections: review::detections(report, &e.decisions),
                reasons: review::reasons(report),
                risk: report.risk.score,
                flagged: report.review,
                can_undo: e.history.can_undo(),
                can_redo: e.history.can_redo(),
                pending: e.item.pending_decisions,
            })
        })
    }

    /// Page `page` of document `id`'s verified output, rendered from the file that will be
    /// sent (the output, not the original with boxes over it).
    pub fn output_page(&self, id: u32, page: u32) -> AppResult<OutputPage> {
        let output = self.entry_view(id, |e| {
            e.item
                .output
                .clone()
                .map(PathBuf::from)
                .ok_or(AppError::NotReviewable)
        })?;
        // the output is written without encryption
        let rendered = self.cli.render(&output, page as usize, None)?;
        Ok(OutputPage {
            page,
            pages: rendered.pages as u32,
            image: png_data_url(&rendered.png),
            width: rendered.view.width_px as u32,
            height: rendered.view.height_px as u32,
        })
    }

    /// A box drawn on the page image (pixels) → a redaction rectangle in user space.
    pub fn add_box(&self, id: u32, b: ReviewBox) -> AppResult<u32> {
        let category = parse_category(&b.category)?;
        let (input, cached) = self.entry_view(id, |e| {
            Ok((e.input.path.clone(), e.views.get(&b.page).copied()))
        })?;
        let view = match cached {
            Some(v) => v,
            None => {
                let password = self.password_of(id)?;
                self.cli
                    .render(&input, b.page as usize, password.as_deref())?
                    .view
            }
        };
        let rect = view.from_px(b.rect);
        if rect.width() < 1.0 || rect.height() < 1.0 {
            return Err(AppError::Settings("the box is too small".into()));
        }
        self.decide(id, |e| {
            e.decisions.added_boxes.push(AddedBox {
                page: b.page as usize,
                rect,
                category,
            });
            e.boxes_px.push(b);
            Ok(())
        })
    }

    /// Small images of the original's pages for the review screen's page strip (rendered
    /// once per document).
    pub fn page_thumbnails(&self, id: u32) -> AppResult<Vec<String>> {
        let (input, cached) =
            self.entry_view(id, |e| Ok((e.input.path.clone(), e.thumbnails.clone())))?;
        if let Some(t) = cached {
            return Ok(t);
        }
        let password = self.password_of(id)?;
        let urls: Vec<String> = self
            .cli
            .thumbnails(&input, password.as_deref())?
            .iter()
            .map(|p| png_data_url(p))
            .collect();
        self.entry_view(id, |e| {
            e.thumbnails = Some(urls.clone());
            Ok(())
        })?;
        Ok(urls)
    }

    /// Where term `t` would be redacted: how often, on which pages, and its boxes on
    /// page `page` (pixels of that page's image). Nothing is decided.
    pub fn preview_term(&self, id: u32, t: ReviewTerm, page: u32) -> AppResult<TermPreview> {
        let category = parse_category(&t.category)?;
        let text = t.text.trim().to_string();
        if text.chars().count() < 2 {
            return Ok(TermPreview {
                hits: 0,
                pages: Vec::new(),
                boxes: Vec::new(),
            });
        }
        let (input, _, settings, _) = self.review_inputs(id)?;
        let input = input.path;
        let cached = self.entry_view(id, |e| Ok(e.views.get(&page).copied()))?;
        let password = self.password_of(id)?;
        let password = password.as_deref();
        let hits = self.cli.find(
            &input,
            &[AddedTerm { text, category }],
            &settings.policy,
            password,
        )?;
        let view = match cached {
            Some(v) => v,
            None => self.cli.render(&input, page as usize, password)?.view,
        };
        let mut pages: Vec<u32> = hits.iter().map(|h| h.page as u32).collect();
        pages.dedup();
        Ok(TermPreview {
            hits: hits.len() as u32,
            pages,
            boxes: hits
                .iter()
                .filter(|h| h.page == page as usize)
                .flat_map(|h| h.rects.iter().map(|r| view.to_px(r)))
                .collect(),
        })
    }

    /// Redact every occurrence of a term the reviewer typed.
    pub fn add_term(&self, id: u32, t: ReviewTerm) -> AppResult<u32> {
        let category = parse_category(&t.category)?;
        let text = t.text.trim().to_string();
        if text.chars().count() < 2 {
            return Err(AppError::Settings("the term is too short".into()));
        }
        self.decide(id, |e| {
            if !e.decisions.added_terms.iter().any(|x| x.text == text) {
                e.decisions.added_terms.push(AddedTerm { text, category });
            }
            Ok(())
        })
    }

    /// Re-redact the document with all decisions so far and verify; the new output
    /// replaces the old one (atomically) and the job log gets a row with the decisions.
    pub fn apply_review(&self, id: u32) -> AppResult<QueueItem> {
        let (input, decisions, settings, reviewable) = self.review_inputs(id)?;
        if !reviewable {
            return Err(AppError::NotReviewable);
        }
        self.update(id, |it| {
            it.status = ItemStatus::Running;
            it.progress = 0.02;
        });
        let ws = self.worker_settings(&settings)?;
        let info = App::engine_info(&ws)?;
        let mut req = self.request(&settings, ws, true, Some(decisions), None);
        if let Isolation::Subprocess { password: p, .. } = &mut req.isolation {
            *p = self.password_of(id)?;
        }
        let inputs = [input];
        let outputs = self.output_paths(&req, &inputs)?;
        job::run_inputs(job::Pipeline::Described(&info), &req, &inputs, &mut |ev| {
            if !matches!(ev, JobEvent::Started { .. } | JobEvent::Finished { .. }) {
                self.on_job_event(&[id], &outputs, ev);
            }
        })?;
        self.entry_view(id, |e| Ok(e.item.clone()))
    }

    /// Run one password-protected document again with the password the user typed. The
    /// password goes to the worker in its environment (never on a command line) and is
    /// never written or logged; once the document opens it is kept in memory with its
    /// queue entry, for its review (rendering, term search, apply, export). A wrong one
    /// leaves the row failed with the same code.
    pub fn retry_with_password(&self, id: u32, password: String) -> AppResult<QueueItem> {
        let (input, _, settings, _) = self.review_inputs(id)?;
        let encrypted = self.entry_view(id, |e| {
            Ok(e.item.error_code.as_deref() == Some(deid_core::ErrorCode::Encrypted.as_str()))
        })?;
        if !encrypted {
            return Err(AppError::Settings(
                "only a document that failed for its password can be opened with one".into(),
            ));
        }
        self.update(id, |it| {
            it.status = ItemStatus::Running;
            it.progress = 0.02;
            it.error = None;
            it.error_code = None;
            it.advice = None;
        });
        let ws = self.worker_settings(&settings)?;
        let info = App::engine_info(&ws)?;
        let mut req = self.request(&settings, ws, true, None, None);
        if let Isolation::Subprocess { password: p, .. } = &mut req.isolation {
            *p = Some(password.clone());
        }
        let inputs = [input];
        let outputs = self.output_paths(&req, &inputs)?;
        let run = job::run_inputs(job::Pipeline::Described(&info), &req, &inputs, &mut |ev| {
            if !matches!(ev, JobEvent::Started { .. } | JobEvent::Finished { .. }) {
                self.on_job_event(&[id], &outputs, ev);
            }
        });
        drop(req);
        run?;
        self.entry_view(id, |e| {
            // opened: the review screen needs the password to render and search the
            // original; kept in memory with the entry only
            if e.item.error_code.is_none() && e.item.output.is_some() {
                e.password = Some(Password(password));
            }
            Ok(e.item.clone())
        })
    }

    /// The password document `id` was opened with, if any.
    fn password_of(&self, id: u32) -> AppResult<Option<String>> {
        self.entry_view(id, |e| Ok(e.password.as_ref().map(|p| p.0.clone())))
    }

    /// A document's input, decisions, the current settings, and whether it has a report
    /// to review.
    fn review_inputs(&self, id: u32) -> AppResult<(InputFile, Decisions, AppSettings, bool)> {
        let g = lock(&self.inner);
        let e = g
            .entries
            .iter()
            .find(|e| e.item.id == id)
            .ok_or(AppError::NoSuchItem(id))?;
        Ok((
            e.input.clone(),
            e.decisions.clone(),
            g.settings.clone(),
            e.report.is_some(),
        ))
    }

    /// Labelled training examples from this document and its decisions, as gold JSONL.
    /// Holds plaintext: written only because the user asked, to `path` or beside the
    /// outputs in `training-examples/`.
    /// The audit report of job `job` (CSV and PDF, no document text) written into
    /// `<output folder>/audit/`; returns the two paths.
    pub fn export_audit(&self, job: i64) -> AppResult<Vec<String>> {
        let settings = lock(&self.inner).settings.clone();
        let db = self.db_path(&settings);
        let jl = |e: deid_core::joblog::JobLogError| {
            AppError::Core(deid_core::Error::JobLog(e.to_string()))
        };
        if !db.exists() {
            return Err(AppError::Core(deid_core::Error::JobLog(
                "no job log yet: run a batch first".into(),
            )));
        }
        let audit = deid_core::joblog::JobLog::open(&db)
            .and_then(|log| log.audit(job))
            .map_err(jl)?;
        let csv = deid_core::audit::to_csv(&audit).map_err(|e| {
            AppError::Core(deid_core::Error::JobLog(format!("writing the CSV: {e}")))
        })?;
        let pdf = deid_core::audit::to_pdf(&audit).map_err(|e| {
            AppError::Core(deid_core::Error::JobLog(format!("writing the PDF: {e}")))
        })?;
        let dir = self.out_dir(&settings).join("audit");
        let mut written = Vec::new();
        for (ext, bytes) in [("csv", csv.into_bytes()), ("pdf", pdf)] {
            let path = dir.join(format!("job-{job}-audit.{ext}"));
            job::write_atomic(&path, &bytes)?;
            written.push(path.display().to_string());
        }
        Ok(written)
    }

    pub fn export_training(&self, id: u32, path: Option<String>) -> AppResult<String> {
        let (input, decisions, settings, _) = self.review_inputs(id)?;
        let target = match path {
            Some(p) if !p.trim().is_empty() => PathBuf::from(p),
            _ => {
                let stem = input
                    .relative
                    .with_extension("")
                    .display()
                    .to_string()
                    .replace(['/', '\\'], "_");
                self.out_dir(&settings)
                    .join("training-examples")
                    .join(format!("{stem}.jsonl"))
            }
        };
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| deid_core::Error::io("creating the export folder", &e))?;
        }
        let password = self.password_of(id)?;
        self.cli.export(
            &input.path,
            &target,
            &decisions,
            &self.worker_settings(&settings)?,
            password.as_deref(),
        )?;
        Ok(target.display().to_string())
    }
}

fn png_data_url(png: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

fn parse_category(s: &str) -> AppResult<Category> {
    Category::parse(s).ok_or_else(|| AppError::Settings(format!("unknown category {s:?}")))
}

/// The `.deid.json` report written beside an output.
fn read_report(output: &Path) -> Option<DocReport> {
    #[derive(serde::Deserialize)]
    struct File {
        report: DocReport,
    }
    let bytes = std::fs::read(output.with_extension("pdf.deid.json")).ok()?;
    serde_json::from_slice::<File>(&bytes)
        .ok()
        .map(|f| f.report)
}
