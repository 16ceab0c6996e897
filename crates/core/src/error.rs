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
    Remote { code: ErrorCode, message: String },
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

/// The stable, machine-readable error codes: the one list (job log, reports, the worker
/// protocol, the desktop's IPC errors). Each has its fault class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    PdfiumMissing,
    Encrypted,
    Damaged,
    TooLarge,
    NoPages,
    RedactFailed,
    VerificationFailed,
    Timeout,
    WorkerGone,
    PdfiumPanic,
    Joblog,
    DiskFull,
    Io,
    Settings,
    Detect,
    Internal,
    WorkerCrashed,
    Cancelled,
    Ocr,
    OcrMissing,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 20] = [
        ErrorCode::PdfiumMissing,
        ErrorCode::Encrypted,
        ErrorCode::Damaged,
        ErrorCode::TooLarge,
        ErrorCode::NoPages,
        ErrorCode::RedactFailed,
        ErrorCode::VerificationFailed,
        ErrorCode::Timeout,
        ErrorCode::WorkerGone,
        ErrorCode::PdfiumPanic,
        ErrorCode::Joblog,
        ErrorCode::DiskFull,
        ErrorCode::Io,
        ErrorCode::Settings,
        ErrorCode::Detect,
        ErrorCode::Internal,
        ErrorCode::WorkerCrashed,
        ErrorCode::Cancelled,
        ErrorCode::Ocr,
        ErrorCode::OcrMissing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::PdfiumMissing => "pdfium_missing",
            ErrorCode::Encrypted => "encrypted",
            ErrorCode::Damaged => "damaged",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::NoPages => "no_pages",
            ErrorCode::RedactFailed => "redact_failed",
            ErrorCode::VerificationFailed => "verification_failed",
            ErrorCode::Timeout => "timeout",
            ErrorCode::WorkerGone => "worker_gone",
            ErrorCode::PdfiumPanic => "pdfium_panic",
            ErrorCode::Joblog => "joblog",
            ErrorCode::DiskFull => "disk_full",
            ErrorCode::Io => "io",
            ErrorCode::Settings => "settings",
            ErrorCode::Detect => "detect",
            ErrorCode::Internal => "internal",
            ErrorCode::WorkerCrashed => "worker_crashed",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::Ocr => "ocr",
            ErrorCode::OcrMissing => "ocr_missing",
        }
    }

    pub fn parse(s: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Who is at fault when this happens.
    pub fn fault(self) -> FaultClass {
        match self {
            ErrorCode::Encrypted
            | ErrorCode::Damaged
            | ErrorCode::TooLarge
            | ErrorCode::NoPages
            | ErrorCode::Timeout
            | ErrorCode::RedactFailed
            | ErrorCode::Ocr
            | ErrorCode::VerificationFailed
            | ErrorCode::WorkerCrashed => FaultClass::BadInput,
            ErrorCode::PdfiumMissing
            | ErrorCode::Io
            | ErrorCode::DiskFull
            | ErrorCode::Joblog
            | ErrorCode::Settings
            | ErrorCode::OcrMissing
            | ErrorCode::Cancelled => FaultClass::Environment,
            ErrorCode::WorkerGone
            | ErrorCode::PdfiumPanic
            | ErrorCode::Detect
            | ErrorCode::Internal => FaultClass::Internal,
        }
    }
}

impl Error {
    /// The error's code (see [`ErrorCode`]).
    pub fn error_code(&self) -> ErrorCode {
        match self {
            Error::PdfiumMissing(_) => ErrorCode::PdfiumMissing,
            Error::Encrypted => ErrorCode::Encrypted,
            Error::Damaged(_) => ErrorCode::Damaged,
            Error::TooLarge { .. } => ErrorCode::TooLarge,
            Error::NoPages => ErrorCode::NoPages,
            Error::Redact { .. } => ErrorCode::RedactFailed,
            Error::Verification { .. } => ErrorCode::VerificationFailed,
            Error::Timeout(_) => ErrorCode::Timeout,
            Error::WorkerGone => ErrorCode::WorkerGone,
            Error::PdfiumPanic => ErrorCode::PdfiumPanic,
            Error::JobLog(_) => ErrorCode::Joblog,
            Error::Io { kind, .. } if *kind == std::io::ErrorKind::StorageFull => {
                ErrorCode::DiskFull
            }
            Error::Io { .. } => ErrorCode::Io,
            Error::Settings(_) => ErrorCode::Settings,
            Error::Detect(_) => ErrorCode::Detect,
            Error::Internal(_) => ErrorCode::Internal,
            Error::WorkerCrashed => ErrorCode::WorkerCrashed,
            Error::Cancelled => ErrorCode::Cancelled,
            Error::Ocr(_) => ErrorCode::Ocr,
            Error::OcrMissing(_) => ErrorCode::OcrMissing,
            Error::Remote { code, .. } => *code,
        }
    }

    /// Stable machine-readable code, stored in the job log and reports.
    pub fn code(&self) -> &'static str {
        self.error_code().as_str()
    }

    pub fn fault(&self) -> FaultClass {
        self.error_code().fault()
    }

    /// Rebuild an error a worker process reported (an unknown code reads as `internal`).
    pub fn from_worker(code: &str, message: String) -> Error {
        let code = ErrorCode::parse(code).unwrap_or(ErrorCode::Internal);
        Error::Remote { code, message }
    }

    pub fn io(op: &'static str, e: &std::io::Error) -> Error {
        Error::Io { op, kind: e.kind() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl ErrorCode {
    /// What happened and what to do, in plain words, for people who are not developers
    /// (the desktop's queue and the CLI's failure lines show it under the error).
    pub fn advice(self) -> &'static str {
        match self {
            ErrorCode::PdfiumMissing => {
                "The PDF library is not installed. Run the setup step again (scripts/setup.sh) \
                 or reinstall the app."
            }
            ErrorCode::Encrypted => {
                "The PDF is password-protected. Give its password (it is used once and never \
                 stored) and try again."
            }
            ErrorCode::Damaged => {
                "The file is damaged or is not a PDF. Open it in a PDF viewer, save or print it \
                 to a new PDF, and add the new file."
            }
            ErrorCode::TooLarge => {
                "The document is larger than the limits allow (file size, pages or text per \
                 page). Split it into smaller PDFs."
            }
            ErrorCode::NoPages => "The PDF has no pages. Check that the right file was added.",
            ErrorCode::RedactFailed | ErrorCode::VerificationFailed => {
                "The redacted copy could not be checked as clean, so no file was written. Try \
                 the strict policy (every redacted page becomes an image); if that fails too, \
                 redact this document by hand."
            }
            ErrorCode::Timeout => {
                "Processing took longer than the time limit. Raise the limit in the settings \
                 (--timeout) or split the document."
            }
            ErrorCode::WorkerGone | ErrorCode::WorkerCrashed | ErrorCode::PdfiumPanic => {
                "The document stopped the program that reads it (it may be malformed or need \
                 more memory). The other documents were not affected; try this one again, or \
                 save it as a new PDF first."
            }
            ErrorCode::Joblog => {
                "The job log could not be written, so no output was kept. Check that the \
                 output folder is writable and not full."
            }
            ErrorCode::DiskFull => "The disk is full. Free some space and try again.",
            ErrorCode::Io => {
                "A file could not be read or written. Check that the file still exists and \
                 that the output folder is writable."
            }
            ErrorCode::Settings => "A setting is not valid. Correct it and try again.",
            ErrorCode::Detect | ErrorCode::Internal => {
                "Something went wrong inside pdf-deid. No output was written for this document; \
                 report the error code to your administrator."
            }
            ErrorCode::Cancelled => "Cancelled: nothing was written for this document.",
            ErrorCode::Ocr => {
                "Text in the page images could not be read, so no output was written. Check the \
                 scan quality, or use the text-only policy to remove the images."
            }
            ErrorCode::OcrMissing => {
                "The OCR program (Tesseract) is not installed. Install the tesseract-ocr \
                 package, or use the text-only policy."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_keeps_its_fault_through_a_worker() {
        for c in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(c.as_str()), Some(c));
            let json = serde_json::to_string(&c).expect("json");
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            let e = Error::from_worker(c.as_str(), "m".into());
            assert_eq!((e.code(), e.fault()), (c.as_str(), c.fault()));
        }
        assert_eq!(
            Error::from_worker("nonsense", "m".into()).code(),
            "internal"
        );
        assert_eq!(Error::Encrypted.fault(), FaultClass::BadInput);
    }
}
