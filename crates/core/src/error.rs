//! Errors of the core library. Messages never contain document text: only codes, page
//! numbers, stage names and library error kinds.

use thiserror::Error;

/// Who is at fault, so the CLI and UI can phrase an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultClass {
    /// The input document is unusable as given (encrypted, damaged, too large…).
    BadInput,
    /// The machine is not set up (missing library, unwritable folder, full disk…).
    Environment,
    /// A bug or an internal check that should not fail.
    Internal,
}

#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    #[error("pdfium library not available: {0}")]
    PdfiumMissing(String),
    #[error("document is encrypted and the password is missing or wrong")]
    Encrypted,
    #[error("document cannot be parsed ({0})")]
    Damaged(String),
    #[error("document is too large ({what}: {value} > limit {limit})")]
    TooLarge {
        what: &'static str,
        value: u64,
        limit: u64,
    },
    #[error("document has no pages")]
    NoPages,
    #[error("redaction failed on page {page}: {reason}")]
    Redact { page: usize, reason: String },
    #[error("output failed verification: {check}{}", place(.page, .object))]
    Verification {
        check: &'static str,
        /// 1-based page, when the failure belongs to one.
        page: Option<usize>,
        /// Which object holds what failed ("image XObject 12 0, found as plain text"):
        /// kinds, numbers and encodings only, never the string.
        object: Option<String>,
    },
    #[error("document processing exceeded the time limit of {0} s")]
    Timeout(u64),
    #[error("pdfium worker stopped unexpectedly")]
    WorkerGone,
    /// pdfium-render panicked on this document (caught on the pdfium thread). A bug, not
    /// a damaged file: counted apart from `damaged` so robustness runs can see it.
    #[error("the PDF reader panicked on this document")]
    PdfiumPanic,
    #[error("job log error: {0}")]
    JobLog(String),
    #[error("I/O error during {op}: {kind}")]
    Io {
        op: &'static str,
        kind: std::io::ErrorKind,
    },
    #[error("invalid settings: {0}")]
    Settings(String),
    #[error("detector error: {0}")]
    Detect(String),
    #[error("internal error: {0}")]
    Internal(&'static str),
    #[error(
        "the worker process for this document crashed or was killed (memory limit or fatal error)"
    )]
    WorkerCrashed,
    #[error("cancelled by the user")]
    Cancelled,
    /// OCR of a page failed (Tesseract crashed, ran over its time, or read nothing usable).
    #[error("OCR failed: {0}")]
    Ocr(String),
    /// A page needs OCR and Tesseract (or its English data) is not installed.
    #[error("OCR unavailable: {0}")]
    OcrMissing(String),
    /// An error reported by a worker process, by code.
    #[error("{message}")]
    Remote { code: &'static str, message: String },
}

/// " (object …, page N)" for a verification message.
fn place(page: &Option<usize>, object: &Option<String>) -> String {
    match (object, page) {
        (Some(o), Some(p)) => format!(" ({o}, page {p})"),
        (Some(o), None) => format!(" ({o})"),
        (None, Some(p)) => format!(" (page {p})"),
        (None, None) => String::new(),
    }
}

impl Error {
    /// Stable machine-readable code, stored in the job log and reports.
    pub fn code(&self) -> &'static str {
        match self {
            Error::PdfiumMissing(_) => "pdfium_missing",
            Error::Encrypted => "encrypted",
            Error::Damaged(_) => "damaged",
            Error::TooLarge { .. } => "too_large",
            Error::NoPages => "no_pages",
            Error::Redact { .. } => "redact_failed",
            Error::Verification { .. } => "verification_failed",
            Error::Timeout(_) => "timeout",
            Error::WorkerGone => "worker_gone",
            Error::PdfiumPanic => "pdfium_panic",
            Error::JobLog(_) => "joblog",
            Error::Io { kind, .. } if *kind == std::io::ErrorKind::StorageFull => "disk_full",
            Error::Io { .. } => "io",
            Error::Settings(_) => "settings",
            Error::Detect(_) => "detect",
            Error::Internal(_) => "internal",
            Error::WorkerCrashed => "worker_crashed",
            Error::Cancelled => "cancelled",
            Error::Ocr(_) => "ocr",
            Error::OcrMissing(_) => "ocr_missing",
            Error::Remote { code, .. } => code,
        }
    }

    pub fn fault(&self) -> FaultClass {
        match self {
            Error::Encrypted
            | Error::Damaged(_)
            | Error::TooLarge { .. }
            | Error::NoPages
            | Error::Timeout(_)
            | Error::Redact { .. }
            | Error::Ocr(_)
            | Error::Verification { .. } => FaultClass::BadInput,
            Error::PdfiumMissing(_)
            | Error::Io { .. }
            | Error::JobLog(_)
            | Error::Settings(_)
            | Error::OcrMissing(_) => FaultClass::Environment,
            Error::WorkerGone | Error::PdfiumPanic | Error::Detect(_) | Error::Internal(_) => {
                FaultClass::Internal
            }
            Error::WorkerCrashed => FaultClass::BadInput,
            Error::Cancelled => FaultClass::Environment,
            Error::Remote { code, .. } => match *code {
                "pdfium_missing" | "io" | "disk_full" | "joblog" | "settings" | "ocr_missing" => {
                    FaultClass::Environment
                }
                "internal" | "detect" | "worker_gone" | "pdfium_panic" => FaultClass::Internal,
                _ => FaultClass::BadInput,
            },
        }
    }

    /// Rebuild an error a worker process reported (codes are a closed set).
    pub fn from_worker(code: &str, message: String) -> Error {
        const CODES: &[&str] = &[
            "pdfium_missing",
            "encrypted",
            "damaged",
            "too_large",
            "no_pages",
            "redact_failed",
            "verification_failed",
            "timeout",
            "worker_gone",
            "pdfium_panic",
            "joblog",
            "disk_full",
            "io",
            "settings",
            "detect",
            "internal",
            "worker_crashed",
            "ocr",
            "ocr_missing",
        ];
        let code = CODES
            .iter()
            .copied()
            .find(|c| *c == code)
            .unwrap_or("internal");
        Error::Remote { code, message }
    }

    pub fn io(op: &'static str, e: &std::io::Error) -> Error {
        Error::Io { op, kind: e.kind() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
