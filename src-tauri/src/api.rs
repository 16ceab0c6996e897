//! The types that cross the IPC boundary: command arguments and results and the events the
//! window listens to. TypeScript declarations for all of them are generated from these
//! definitions into `ui/bindings/` (see the `bindings_are_current` test); the front end
//! imports them in JSDoc, and `tsc --checkJs` checks the UI against them. A command that
//! fails rejects with an [`AppErrorInfo`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where a queued document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    Queued,
    Running,
    /// Redacted and verified, risk below the review threshold.
    Done,
    /// Redacted and verified, but a person should look (high risk, image-only pages).
    Review,
    Failed,
    Cancelled,
    /// Already done with the same input and settings (job log).
    Skipped,
}

/// Pipeline stages a document goes through (progress bar per document).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum StageName {
    Extract,
    Detect,
    Search,
    Redact,
    Verify,
}

impl From<deid_core::Stage> for StageName {
    fn from(s: deid_core::Stage) -> Self {
        match s {
            deid_core::Stage::Extract => StageName::Extract,
            deid_core::Stage::Detect => StageName::Detect,
            deid_core::Stage::Search => StageName::Search,
            deid_core::Stage::Redact => StageName::Redact,
            deid_core::Stage::Verify => StageName::Verify,
        }
    }
}

/// One document in the queue (no document text: names are file names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct QueueItem {
    pub id: u32,
    pub path: String,
    pub name: String,
    pub status: ItemStatus,
    /// Last finished stage while running.
    pub stage: Option<StageName>,
    /// 0..1 for this document.
    pub progress: f32,
    pub risk: Option<f32>,
    pub counts: BTreeMap<String, u32>,
    pub output: Option<String>,
    pub error_code: Option<String>,
    pub error: Option<String>,
    /// What happened and what to do, in plain words (from the error code).
    pub advice: Option<String>,
    /// Reviewer decisions pending for this document (not applied yet).
    pub pending_decisions: u32,
    /// Why pages of the output are images, one line per page ("page 2: Type3 font (…)
    /// (unsupported)"); empty when every page stayed a true PDF page.
    pub raster: Vec<String>,
    /// Pages read by OCR, one line per page ("page 1: 250 words read by OCR (scan), mean
    /// confidence 93"); empty when no page needed it.
    pub ocr: Vec<String>,
}

/// The batch running (or the last one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct BatchState {
    pub running: bool,
    pub total: u32,
    pub finished: u32,
}

/// Settings, persisted in the app's config folder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AppSettings {
    /// Output folder ("" = `pdf-deid-output` in the user's documents or home folder).
    pub out_dir: String,
    /// A named policy: "safe-harbor", "limited-data-set", "uk", "strict-raster" or "text-only".
    pub policy: String,
    /// How redacted areas look: "black" or "white".
    pub mark: String,
    /// "cpu" or "auto" (a GPU when the build supports one).
    pub device: String,
    /// Threads per document (0 = one per core).
    pub threads: u32,
    /// Per-document time limit, seconds.
    pub timeout_s: u32,
    /// Add the learned NER detector to the rules.
    pub ner: bool,
    /// A site profile (TOML, docs/profiles.md) applied to every batch ("" = none); the
    /// policy and mark chosen here win over the profile's.
    #[serde(default)]
    pub profile: String,
}

/// Everything the window shows, in one call (start-up and after reloads).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct Snapshot {
    pub items: Vec<QueueItem>,
    pub batch: BatchState,
    pub settings: AppSettings,
    pub out_dir: String,
    /// Problems with the installation (missing pdf-deid worker, pdfium…), shown as a banner.
    pub problems: Vec<String>,
    pub gpu_available: bool,
}

/// Events sent to the window.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AppEvent {
    Item {
        item: Box<QueueItem>,
    },
    /// Documents added to the queue (by a drop, the "Add files" button or a command).
    Items {
        items: Vec<QueueItem>,
    },
    Batch {
        batch: BatchState,
    },
    BatchFinished {
        summary: BatchSummary,
    },
    Error {
        message: String,
    },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct BatchSummary {
    pub ok: u32,
    pub review: u32,
    pub failed: u32,
    pub skipped: u32,
    pub cancelled: u32,
}

/// A detection on the review screen. `key` is the HMAC of its text: rejecting it keeps
/// every occurrence of that text; `at` names this one occurrence.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReviewEntity {
    pub key: String,
    pub at: Option<ReviewAt>,
    pub category: String,
    pub score: f32,
    pub source: String,
    /// Pixel boxes `[x0, y0, x1, y1]` on the page image.
    pub boxes: Vec<[f32; 4]>,
    pub rejected: bool,
}

/// Where one detection starts in the document's text (paragraph, byte offset): the name
/// of a single occurrence, no text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ReviewAt {
    pub para: u32,
    pub start: u32,
}

/// What happens to a detection when the decisions so far are applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DetectionStatus {
    /// Redacted in the output.
    Removed,
    /// Rejected by the reviewer: kept in the output.
    Kept,
    /// Added by the reviewer (a drawn box or a typed term).
    Added,
}

/// A row of the detections list: every detection of the document, on every page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReviewDetection {
    pub key: String,
    pub at: Option<ReviewAt>,
    /// 0-based page.
    pub page: u32,
    pub category: String,
    pub score: f32,
    /// The detectors that found it ("rules+ner", "reviewer"…).
    pub source: String,
    /// Found by the hybrid search from another detection, not by a detector here.
    pub propagated: bool,
    pub status: DetectionStatus,
}

/// The detections list of a document with why it was flagged and the undo state.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReviewList {
    pub detections: Vec<ReviewDetection>,
    /// Why the document was (or was not) flagged for review: the risk and its inputs, in
    /// words, without document text.
    pub reasons: Vec<String>,
    pub risk: f32,
    pub flagged: bool,
    pub can_undo: bool,
    pub can_redo: bool,
    pub pending: u32,
}

/// One detection or every occurrence of its text (`at` none), for rejecting or restoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RejectTarget {
    pub key: String,
    pub at: Option<ReviewAt>,
}

/// A rendered page of the verified output (no boxes: what will be sent).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct OutputPage {
    pub page: u32,
    pub pages: u32,
    /// `data:image/png;base64,…` rendered from the verified output file.
    pub image: String,
    pub width: u32,
    pub height: u32,
}

/// Where a term would be redacted, shown before it is added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TermPreview {
    /// Occurrences in the whole document (text layer).
    pub hits: u32,
    /// 0-based pages with at least one occurrence.
    pub pages: Vec<u32>,
    /// Pixel boxes of the occurrences on the page asked for.
    pub boxes: Vec<[f32; 4]>,
}

/// A box the reviewer drew, in page-image pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReviewBox {
    pub page: u32,
    pub rect: [f32; 4],
    pub category: String,
}

/// A term the reviewer asked to redact everywhere.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReviewTerm {
    pub text: String,
    pub category: String,
}

/// One page of a document on the review screen.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ReviewPage {
    pub item_id: u32,
    pub page: u32,
    pub pages: u32,
    /// `data:image/png;base64,…` of the original page.
    pub image: String,
    pub width: u32,
    pub height: u32,
    pub entities: Vec<ReviewEntity>,
    pub added_boxes: Vec<ReviewBox>,
    pub added_terms: Vec<ReviewTerm>,
    pub categories: Vec<String>,
}

/// Who is at fault for an error (`deid_core::FaultClass`), so the window can phrase it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// What the user gave is unusable: a document (encrypted, damaged, too large…) or a
    /// value typed in the window (settings, a review box or term).
    BadInput,
    /// The machine is not set up (missing program or library, unwritable folder…).
    Environment,
    /// A bug or an internal check that should not fail.
    Internal,
}

impl From<deid_core::FaultClass> for Fault {
    fn from(f: deid_core::FaultClass) -> Self {
        match f {
            deid_core::FaultClass::BadInput => Fault::BadInput,
            deid_core::FaultClass::Environment => Fault::Environment,
            deid_core::FaultClass::Internal => Fault::Internal,
        }
    }
}

/// What a failed command rejects with (an `AppError`). No document text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AppErrorInfo {
    /// Stable snake_case code: a core error's code (`encrypted`, `joblog`…) or one of the
    /// app's own (`no_such_item`, `not_reviewable`, `settings`, `worker`).
    pub code: String,
    /// The message shown to the user.
    pub message: String,
    pub fault: Fault,
}

/// A row of the job history (from the SQLite job log).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct HistoryRow {
    pub job_id: i64,
    pub started_at: String,
    pub status: String,
    pub documents: u32,
    pub failed: u32,
    pub max_risk: f32,
    /// The job against the model's drift reference (`pdf-deid jobs drift`): "none",
    /// the flagged measures, "too few words to tell", or "no statistics".
    pub drift: String,
}

/// The commands the window can invoke: name, argument object, result. Generated into
/// `ui/bindings/commands.ts` as a typed map for `invoke`.
/// A TypeScript type name, produced from a Rust type.
pub type TsName = fn() -> String;
/// A command: name, arguments (name, type), result type.
pub type CommandSig = (&'static str, &'static [(&'static str, TsName)], TsName);

/// Every command, as `generate_handler!` in lib.rs registers them (a test there checks that
/// the two lists name the same commands).
pub const COMMANDS: &[CommandSig] = &[
    ("snapshot", &[], ts::<Snapshot>),
    (
        "ingest_paths",
        &[("paths", ts::<Vec<String>>)],
        ts::<Vec<QueueItem>>,
    ),
    ("pick_and_ingest", &[], ts::<Vec<QueueItem>>),
    ("pick_folder_and_ingest", &[], ts::<Vec<QueueItem>>),
    ("pick_profile", &[], ts::<String>),
    (
        "retry_with_password",
        &[("id", ts::<u32>), ("password", ts::<String>)],
        ts::<QueueItem>,
    ),
    ("cancel_item", &[("id", ts::<u32>)], ts::<()>),
    ("cancel_batch", &[], ts::<()>),
    ("clear_finished", &[], ts::<()>),
    ("open_output_folder", &[("id", ts::<Option<u32>>)], ts::<()>),
    (
        "save_settings",
        &[("settings", ts::<AppSettings>)],
        ts::<AppSettings>,
    ),
    ("history", &[], ts::<Vec<HistoryRow>>),
    (
        "review_page",
        &[("id", ts::<u32>), ("page", ts::<u32>)],
        ts::<ReviewPage>,
    ),
    (
        "set_rejected",
        &[
            ("id", ts::<u32>),
            ("key", ts::<String>),
            ("rejected", ts::<bool>),
        ],
        ts::<u32>,
    ),
    (
        "set_rejected_many",
        &[
            ("id", ts::<u32>),
            ("targets", ts::<Vec<RejectTarget>>),
            ("rejected", ts::<bool>),
        ],
        ts::<u32>,
    ),
    ("review_detections", &[("id", ts::<u32>)], ts::<ReviewList>),
    (
        "output_page",
        &[("id", ts::<u32>), ("page", ts::<u32>)],
        ts::<OutputPage>,
    ),
    (
        "preview_term",
        &[
            ("id", ts::<u32>),
            ("term", ts::<ReviewTerm>),
            ("page", ts::<u32>),
        ],
        ts::<TermPreview>,
    ),
    ("page_thumbnails", &[("id", ts::<u32>)], ts::<Vec<String>>),
    ("undo", &[("id", ts::<u32>)], ts::<u32>),
    ("redo", &[("id", ts::<u32>)], ts::<u32>),
    (
        "add_box",
        &[("id", ts::<u32>), ("rect", ts::<ReviewBox>)],
        ts::<u32>,
    ),
    (
        "add_term",
        &[("id", ts::<u32>), ("term", ts::<ReviewTerm>)],
        ts::<u32>,
    ),
    ("apply_review", &[("id", ts::<u32>)], ts::<QueueItem>),
    (
        "export_training",
        &[("id", ts::<u32>), ("path", ts::<Option<String>>)],
        ts::<String>,
    ),
    ("export_audit", &[("job", ts::<i64>)], ts::<Vec<String>>),
];

fn ts<T: TS>() -> String {
    T::name()
}

/// The generated TypeScript: one declaration per type plus the command map.
pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from src-tauri/src/api.rs by `cargo test -p pdf-deid-desktop` \
         (PDF_DEID_BLESS=1 rewrites it). Do not edit.\n\n",
    );
    let decls = [
        ItemStatus::decl(),
        StageName::decl(),
        QueueItem::decl(),
        BatchState::decl(),
        AppSettings::decl(),
        Snapshot::decl(),
        AppEvent::decl(),
        BatchSummary::decl(),
        ReviewEntity::decl(),
        ReviewAt::decl(),
        DetectionStatus::decl(),
        ReviewDetection::decl(),
        ReviewList::decl(),
        RejectTarget::decl(),
        OutputPage::decl(),
        TermPreview::decl(),
        ReviewBox::decl(),
        ReviewTerm::decl(),
        ReviewPage::decl(),
        HistoryRow::decl(),
        Fault::decl(),
        AppErrorInfo::decl(),
    ];
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.push_str("export interface Commands {\n");
    for (name, args, ret) in COMMANDS {
        let a: Vec<String> = args.iter().map(|(n, t)| format!("{n}: {}", t())).collect();
        out.push_str(&format!(
            "  {name}: {{ args: {{ {} }}; result: {} }};\n",
            a.join("; "),
            ret()
        ));
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed bindings match the Rust types; `PDF_DEID_BLESS=1` regenerates them.
    #[test]
    fn bindings_are_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/bindings/api.ts");
        let want = typescript();
        if std::env::var_os("PDF_DEID_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(&path, &want).expect("write bindings");
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "ui/bindings/api.ts is stale: run PDF_DEID_BLESS=1 cargo test -p pdf-deid-desktop bindings"
        );
    }

    #[test]
    fn stage_names_cover_the_core_stages() {
        for s in deid_core::Stage::ALL {
            let ours = StageName::from(s);
            let json = serde_json::to_string(&ours).expect("json");
            assert_eq!(json, format!("\"{}\"", s.as_str()));
        }
    }
}
