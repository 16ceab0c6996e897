// Generated from src-tauri/src/api.rs by `cargo test -p pdf-deid-desktop` (PDF_DEID_BLESS=1 rewrites it). Do not edit.

export type ItemStatus = "queued" | "running" | "done" | "review" | "failed" | "cancelled" | "skipped";

export type StageName = "extract" | "detect" | "search" | "redact" | "verify";

export type QueueItem = { id: number, path: string, name: string, status: ItemStatus, 
/**
 * Last finished stage while running.
 */
stage: StageName | null, 
/**
 * 0..1 for this document.
 */
progress: number, risk: number | null, counts: { [key in string]?: number }, output: string | null, error_code: string | null, error: string | null, 
/**
 * What happened and what to do, in plain words (from the error code).
 */
advice: string | null, 
/**
 * Reviewer decisions pending for this document (not applied yet).
 */
pending_decisions: number, 
/**
 * Why pages of the output are images, one line per page ("page 2: Type3 font (…)
 * (unsupported)"); empty when every page stayed a true PDF page.
 */
raster: Array<string>, 
/**
 * Pages read by OCR, one line per page ("page 1: 250 words read by OCR (scan), mean
 * confidence 93"); empty when no page needed it.
 */
ocr: Array<string>, };

export type BatchState = { running: boolean, total: number, finished: number, };

export type AppSettings = { 
/**
 * Output folder ("" = `pdf-deid-output` in the user's documents or home folder).
 */
out_dir: string, 
/**
 * A named policy: "safe-harbor", "limited-data-set", "uk", "strict-raster" or "text-only".
 */
policy: string, 
/**
 * How redacted areas look: "black" or "white".
 */
mark: string, 
/**
 * "cpu" or "auto" (a GPU when the build supports one).
 */
device: string, 
/**
 * Threads per document (0 = one per core).
 */
threads: number, 
/**
 * Per-document time limit, seconds.
 */
timeout_s: number, 
/**
 * Add the learned NER detector to the rules.
 */
ner: boolean, 
/**
 * A site profile (TOML, docs/profiles.md) applied to every batch ("" = none); the
 * policy and mark chosen here win over the profile's.
 */
profile: string, };

export type Snapshot = { items: Array<QueueItem>, batch: BatchState, settings: AppSettings, out_dir: string, 
/**
 * Problems with the installation (missing pdf-deid worker, pdfium…), shown as a banner.
 */
problems: Array<string>, gpu_available: boolean, };

export type AppEvent = { "type": "item", item: QueueItem, } | { "type": "items", items: Array<QueueItem>, } | { "type": "batch", batch: BatchState, } | { "type": "batch_finished", summary: BatchSummary, } | { "type": "error", message: string, };

export type BatchSummary = { ok: number, review: number, failed: number, skipped: number, cancelled: number, };

export type ReviewEntity = { key: string, at: ReviewAt | null, category: string, score: number, source: string, 
/**
 * Pixel boxes `[x0, y0, x1, y1]` on the page image.
 */
boxes: Array<[number, number, number, number]>, rejected: boolean, };

export type ReviewAt = { para: number, start: number, };

export type DetectionStatus = "removed" | "kept" | "added";

export type ReviewDetection = { key: string, at: ReviewAt | null, 
/**
 * 0-based page.
 */
page: number, category: string, score: number, 
/**
 * The detectors that found it ("rules+ner", "reviewer"…).
 */
source: string, 
/**
 * Found by the hybrid search from another detection, not by a detector here.
 */
propagated: boolean, status: DetectionStatus, };

export type ReviewList = { detections: Array<ReviewDetection>, 
/**
 * Why the document was (or was not) flagged for review: the risk and its inputs, in
 * words, without document text.
 */
reasons: Array<string>, risk: number, flagged: boolean, can_undo: boolean, can_redo: boolean, pending: number, };

export type RejectTarget = { key: string, at: ReviewAt | null, };

export type OutputPage = { page: number, pages: number, 
/**
 * `data:image/png;base64,…` rendered from the verified output file.
 */
image: string, width: number, height: number, };

export type TermPreview = { 
/**
 * Occurrences in the whole document (text layer).
 */
hits: number, 
/**
 * 0-based pages with at least one occurrence.
 */
pages: Array<number>, 
/**
 * Pixel boxes of the occurrences on the page asked for.
 */
boxes: Array<[number, number, number, number]>, };

export type ReviewBox = { page: number, rect: [number, number, number, number], category: string, };

export type ReviewTerm = { text: string, category: string, };

export type ReviewPage = { item_id: number, page: number, pages: number, 
/**
 * `data:image/png;base64,…` of the original page.
 */
image: string, width: number, height: number, entities: Array<ReviewEntity>, added_boxes: Array<ReviewBox>, added_terms: Array<ReviewTerm>, categories: Array<string>, };

export type HistoryRow = { job_id: bigint, started_at: string, status: string, documents: number, failed: number, max_risk: number, 
/**
 * The job against the model's drift reference (`pdf-deid jobs drift`): "none",
 * the flagged measures, "too few words to tell", or "no statistics".
 */
drift: string, };

export type Fault = "bad_input" | "environment" | "internal";

export type AppErrorInfo = { 
/**
 * Stable snake_case code: a core error's code (`encrypted`, `joblog`…) or one of the
 * app's own (`no_such_item`, `not_reviewable`, `settings`, `worker`).
 */
code: string, 
/**
 * The message shown to the user.
 */
message: string, fault: Fault, };

export interface Commands {
  snapshot: { args: {  }; result: Snapshot };
  ingest_paths: { args: { paths: Array<string> }; result: Array<QueueItem> };
  pick_and_ingest: { args: {  }; result: Array<QueueItem> };
  pick_folder_and_ingest: { args: {  }; result: Array<QueueItem> };
  pick_profile: { args: {  }; result: string };
  retry_with_password: { args: { id: number; password: string }; result: QueueItem };
  cancel_item: { args: { id: number }; result: null };
  cancel_batch: { args: {  }; result: null };
  clear_finished: { args: {  }; result: null };
  open_output_folder: { args: { id: number | null }; result: null };
  save_settings: { args: { settings: AppSettings }; result: AppSettings };
  history: { args: {  }; result: Array<HistoryRow> };
  review_page: { args: { id: number; page: number }; result: ReviewPage };
  set_rejected: { args: { id: number; key: string; rejected: boolean }; result: number };
  set_rejected_many: { args: { id: number; targets: Array<RejectTarget>; rejected: boolean }; result: number };
  review_detections: { args: { id: number }; result: ReviewList };
  output_page: { args: { id: number; page: number }; result: OutputPage };
  preview_term: { args: { id: number; term: ReviewTerm; page: number }; result: TermPreview };
  page_thumbnails: { args: { id: number }; result: Array<string> };
  undo: { args: { id: number }; result: number };
  redo: { args: { id: number }; result: number };
  add_box: { args: { id: number; rect: ReviewBox }; result: number };
  add_term: { args: { id: number; term: ReviewTerm }; result: number };
  apply_review: { args: { id: number }; result: QueueItem };
  export_training: { args: { id: number; path: string | null }; result: string };
  export_audit: { args: { job: bigint }; result: Array<string> };
}
