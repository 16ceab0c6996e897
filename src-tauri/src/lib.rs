//! pdf-deid desktop: a thin Tauri 2 shell. `app` holds the queue and runs batches through
//! deid-core; this file only wires Tauri (commands, events, drag-and-drop, notifications,
//! dialogs) to it. See ARCHITECTURE.md.

pub mod api;
pub mod app;
pub mod error;
pub mod review;
pub mod worker_cli;

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{Emitter, Manager, State};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_opener::OpenerExt;

use api::{
    AppEvent, AppSettings, HistoryRow, OutputPage, QueueItem, RejectTarget, ReviewBox, ReviewList,
    ReviewPage, ReviewTerm, Snapshot, TermPreview,
};
use app::{App, AppPaths, Shell};
use error::{AppError, AppResult};

/// The event name the window listens to; the payload is an [`AppEvent`].
pub const EVENT: &str = "deid://event";

struct TauriShell(tauri::AppHandle);

impl Shell for TauriShell {
    fn emit(&self, ev: AppEvent) {
        let _ = self.0.emit(EVENT, ev);
    }
    fn notify(&self, title: &str, body: &str) {
        // no notification daemon (a server, a test display) is not an error: the window
        // shows the same summary
        let _ = self
            .0
            .notification()
            .builder()
            .title(title)
            .body(body)
            .show();
    }
}

type AppState<'a> = State<'a, Arc<App>>;

#[tauri::command]
fn snapshot(app: AppState<'_>) -> Snapshot {
    app.snapshot()
}

#[tauri::command(async)]
fn ingest_paths(app: AppState<'_>, paths: Vec<String>) -> AppResult<Vec<QueueItem>> {
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    app.ingest(&paths)
}

#[tauri::command(async)]
fn pick_and_ingest(handle: tauri::AppHandle, app: AppState<'_>) -> AppResult<Vec<QueueItem>> {
    let picked = handle
        .dialog()
        .file()
        .add_filter("PDF documents", &["pdf", "PDF"])
        .blocking_pick_files()
        .unwrap_or_default();
    let paths: Vec<PathBuf> = picked
        .into_iter()
        .filter_map(|p| p.into_path().ok())
        .collect();
    app.ingest(&paths)
}

/// Every PDF under a folder chosen in the system's folder dialog (recursively), queued.
#[tauri::command(async)]
fn pick_folder_and_ingest(
    handle: tauri::AppHandle,
    app: AppState<'_>,
) -> AppResult<Vec<QueueItem>> {
    let picked = handle
        .dialog()
        .file()
        .blocking_pick_folder()
        .and_then(|p| p.into_path().ok());
    app.ingest(&picked.into_iter().collect::<Vec<PathBuf>>())
}

/// A site profile file chosen in the system's file dialog ("" when none was chosen).
#[tauri::command(async)]
fn pick_profile(handle: tauri::AppHandle) -> String {
    handle
        .dialog()
        .file()
        .add_filter("Site profile", &["toml"])
        .blocking_pick_file()
        .and_then(|p| p.into_path().ok())
        .map(|p| p.display().to_string())
        .unwrap_or_default()
}

/// Open a password-protected document with the password typed in the window (never
/// stored).
#[tauri::command(async)]
fn retry_with_password(app: AppState<'_>, id: u32, password: String) -> AppResult<QueueItem> {
    app.retry_with_password(id, password)
}

#[tauri::command]
fn cancel_item(app: AppState<'_>, id: u32) -> AppResult<()> {
    app.cancel_item(id)
}

#[tauri::command]
fn cancel_batch(app: AppState<'_>) {
    app.cancel_batch()
}

#[tauri::command]
fn clear_finished(app: AppState<'_>) {
    app.clear_finished()
}

#[tauri::command]
fn open_output_folder(
    handle: tauri::AppHandle,
    app: AppState<'_>,
    id: Option<u32>,
) -> AppResult<()> {
    let dir = app.output_folder(id)?;
    handle
        .opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|e| AppError::Worker(format!("opening the folder: {e}")))
}

#[tauri::command]
fn save_settings(app: AppState<'_>, settings: AppSettings) -> AppResult<AppSettings> {
    app.save_settings(settings)
}

#[tauri::command(async)]
fn history(app: AppState<'_>) -> AppResult<Vec<HistoryRow>> {
    app.history()
}

#[tauri::command(async)]
fn review_page(app: AppState<'_>, id: u32, page: u32) -> AppResult<ReviewPage> {
    app.review_page(id, page)
}

#[tauri::command]
fn set_rejected(app: AppState<'_>, id: u32, key: String, rejected: bool) -> AppResult<u32> {
    app.set_rejected(id, &key, rejected)
}

#[tauri::command]
fn set_rejected_many(
    app: AppState<'_>,
    id: u32,
    targets: Vec<RejectTarget>,
    rejected: bool,
) -> AppResult<u32> {
    app.set_rejected_many(id, &targets, rejected)
}

#[tauri::command]
fn review_detections(app: AppState<'_>, id: u32) -> AppResult<ReviewList> {
    app.review_detections(id)
}

#[tauri::command(async)]
fn output_page(app: AppState<'_>, id: u32, page: u32) -> AppResult<OutputPage> {
    app.output_page(id, page)
}

#[tauri::command(async)]
fn preview_term(app: AppState<'_>, id: u32, term: ReviewTerm, page: u32) -> AppResult<TermPreview> {
    app.preview_term(id, term, page)
}

#[tauri::command(async)]
fn page_thumbnails(app: AppState<'_>, id: u32) -> AppResult<Vec<String>> {
    app.page_thumbnails(id)
}

#[tauri::command]
fn undo(app: AppState<'_>, id: u32) -> AppResult<u32> {
    app.undo_redo(id, false)
}

#[tauri::command]
fn redo(app: AppState<'_>, id: u32) -> AppResult<u32> {
    app.undo_redo(id, true)
}

#[tauri::command(async)]
fn add_box(app: AppState<'_>, id: u32, rect: ReviewBox) -> AppResult<u32> {
    app.add_box(id, rect)
}

#[tauri::command]
fn add_term(app: AppState<'_>, id: u32, term: ReviewTerm) -> AppResult<u32> {
    app.add_term(id, term)
}

#[tauri::command(async)]
fn apply_review(app: AppState<'_>, id: u32) -> AppResult<QueueItem> {
    app.apply_review(id)
}

#[tauri::command(async)]
fn export_audit(app: AppState<'_>, job: i64) -> AppResult<Vec<String>> {
    app.export_audit(job)
}

#[tauri::command(async)]
fn export_training(app: AppState<'_>, id: u32, path: Option<String>) -> AppResult<String> {
    app.export_training(id, path)
}

fn default_out_dir(handle: &tauri::AppHandle) -> PathBuf {
    let base = handle
        .path()
        .document_dir()
        .or_else(|_| handle.path().home_dir())
        .unwrap_or_else(|_| PathBuf::from("."));
    base.join("pdf-deid-output")
}

pub fn run() {
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .setup(|tauri_app| {
            let handle = tauri_app.handle().clone();
            let config_dir = handle
                .path()
                .app_config_dir()
                .unwrap_or_else(|_| PathBuf::from("."));
            let paths = AppPaths {
                settings_file: config_dir.join("settings.json"),
                default_out: default_out_dir(&handle),
                key: deid_core::joblog::default_key_path(),
            };
            let app = App::new(
                paths,
                worker_cli::WorkerCli::locate(),
                Box::new(TauriShell(handle.clone())),
            );
            tauri_app.manage(app.clone());
            // OS file drops: the same function as the "Add files" button and the
            // `ingest_paths` command (WebDriver cannot drop files, the tests call that)
            if let Some(w) = tauri_app.get_webview_window("main") {
                let app = app.clone();
                w.on_window_event(move |ev| {
                    if let tauri::WindowEvent::DragDrop(tauri::DragDropEvent::Drop {
                        paths, ..
                    }) = ev
                    {
                        if let Err(e) = app.ingest(paths) {
                            let _ = handle.emit(
                                EVENT,
                                AppEvent::Error {
                                    message: e.to_string(),
                                },
                            );
                        }
                    }
                });
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            snapshot,
            ingest_paths,
            pick_and_ingest,
            pick_folder_and_ingest,
            pick_profile,
            retry_with_password,
            cancel_item,
            cancel_batch,
            clear_finished,
            open_output_folder,
            save_settings,
            history,
            review_page,
            set_rejected,
            set_rejected_many,
            review_detections,
            output_page,
            preview_term,
            page_thumbnails,
            undo,
            redo,
            add_box,
            add_term,
            apply_review,
            export_training,
            export_audit,
        ])
        .run(tauri::generate_context!())
        .unwrap_or_else(|e| {
            eprintln!("error: the window could not start: {e}");
            std::process::exit(1);
        });
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    /// This file's source: the `generate_handler!` list and the command functions.
    const SOURCE: &str = include_str!("lib.rs");

    /// The names registered by the one `.invoke_handler(tauri::generate_handler!…)` of
    /// this file (the last path segment of each).
    fn handler_names(src: &str) -> Vec<String> {
        // built with concat! so that this test's own text does not match
        let open = concat!("invoke_handler(tauri::generate_handler", "![");
        let mut hits = src.match_indices(open);
        let (at, _) = hits.next().expect("an invoke_handler in lib.rs");
        assert!(
            hits.next().is_none(),
            "more than one invoke_handler in lib.rs"
        );
        let body = &src[at + open.len()..];
        let body = &body[..body.find(']').expect("the end of the handler list")];
        body.lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.rsplit("::").next().unwrap_or(s).to_string())
            .collect()
    }

    /// Functions in this file marked `#[tauri::command]` (with or without arguments).
    fn command_fns(src: &str) -> BTreeSet<String> {
        let attr = concat!("#[tauri", "::command");
        let mut out = BTreeSet::new();
        let mut marked = false;
        for line in src.lines().map(str::trim_start) {
            if line.starts_with(attr) {
                marked = true;
            } else if marked && !line.starts_with("#[") && !line.starts_with("//") {
                let sig = line
                    .trim_start_matches("pub ")
                    .trim_start_matches("async ")
                    .strip_prefix("fn ");
                let name = sig.and_then(|s| s.split(['(', '<']).next()).map(str::trim);
                out.insert(
                    name.unwrap_or_else(|| panic!("#[tauri::command] not on a fn: {line}"))
                        .to_string(),
                );
                marked = false;
            }
        }
        out
    }

    /// `api::COMMANDS` (the typed map in ui/bindings/api.ts) names exactly the commands
    /// `generate_handler!` registers, and each is a `#[tauri::command]` fn.
    #[test]
    fn command_table_matches_generate_handler() {
        let registered = handler_names(SOURCE);
        let handler: BTreeSet<String> = registered.iter().cloned().collect();
        assert_eq!(
            handler.len(),
            registered.len(),
            "a command registered twice"
        );
        let table: BTreeSet<String> = crate::api::COMMANDS
            .iter()
            .map(|(n, _, _)| n.to_string())
            .collect();
        assert_eq!(
            table.len(),
            crate::api::COMMANDS.len(),
            "a command twice in api::COMMANDS"
        );
        let only_handler: Vec<_> = handler.difference(&table).collect();
        let only_table: Vec<_> = table.difference(&handler).collect();
        assert!(
            only_handler.is_empty() && only_table.is_empty(),
            "generate_handler! and api::COMMANDS differ: registered but not in COMMANDS \
             {only_handler:?}; in COMMANDS but not registered {only_table:?}"
        );
        let fns = command_fns(SOURCE);
        let not_fns: Vec<_> = handler.difference(&fns).collect();
        assert!(
            not_fns.is_empty(),
            "registered without a #[tauri::command] fn in lib.rs: {not_fns:?}"
        );
        let unregistered: Vec<_> = fns.difference(&handler).collect();
        assert!(
            unregistered.is_empty(),
            "#[tauri::command] fns not in generate_handler!: {unregistered:?}"
        );
    }

    /// The parsers themselves: a command added on either side shows up.
    #[test]
    fn parsers_see_commands() {
        let src = concat!(
            "#[tauri",
            "::command]\nfn a() {}\n",
            "#[tauri",
            "::command(async)]\npub fn b(x: u32) {}\n",
            "fn c() {}\n",
            ".invoke_handler(tauri::generate_handler",
            "![\n a,\n // off,\n m::b, c\n])\n",
        );
        assert_eq!(handler_names(src), ["a", "b", "c"]);
        assert_eq!(
            command_fns(src),
            ["a", "b"].map(String::from).into_iter().collect()
        );
    }
}
