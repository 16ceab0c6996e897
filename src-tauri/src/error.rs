//! The desktop app's error type. It lives here, apart from `app` and `worker_cli`, so both
//! can use it without importing each other. Over IPC an error is an [`AppErrorInfo`]
//! object `{ code, message, fault }`; messages carry no document text.

use deid_core::FaultClass;

use crate::api::{AppErrorInfo, Fault};

/// Errors shown in the window. Messages carry no document text.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    Core(#[from] deid_core::Error),
    #[error("no document with id {0}")]
    NoSuchItem(u32),
    #[error("this document has no verified output to review yet")]
    NotReviewable,
    #[error("settings: {0}")]
    Settings(String),
    #[error("{0}")]
    Worker(String),
}

impl AppError {
    /// Stable machine-readable code: the core's own code for core errors.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Core(e) => e.code(),
            AppError::NoSuchItem(_) => "no_such_item",
            AppError::NotReviewable => "not_reviewable",
            AppError::Settings(_) => "settings",
            AppError::Worker(_) => "worker",
        }
    }

    /// Who is at fault. `BadInput` covers what the user gave: a document, or a value
    /// typed in the window (settings, a review box or term).
    pub fn fault(&self) -> FaultClass {
        match self {
            AppError::Core(e) => e.fault(),
            // the window asked about a row the app does not have: the two disagree
            AppError::NoSuchItem(_) => FaultClass::Internal,
            AppError::NotReviewable | AppError::Settings(_) => FaultClass::BadInput,
            // the pdf-deid program is missing, failed to start or to finish
            AppError::Worker(_) => FaultClass::Environment,
        }
    }

    /// What the window receives.
    pub fn info(&self) -> AppErrorInfo {
        AppErrorInfo {
            code: self.code().to_string(),
            message: self.to_string(),
            fault: Fault::from(self.fault()),
        }
    }
}

impl serde::Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.info().serialize(s)
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn serialises_as_code_message_fault() {
        let cases = [
            (
                AppError::NoSuchItem(7),
                json!({ "code": "no_such_item", "message": "no document with id 7", "fault": "internal" }),
            ),
            (
                AppError::NotReviewable,
                json!({
                    "code": "not_reviewable",
                    "message": "this document has no verified output to review yet",
                    "fault": "bad_input",
                }),
            ),
            (
                AppError::Settings("unknown policy \"x\"".into()),
                json!({ "code": "settings", "message": "settings: unknown policy \"x\"", "fault": "bad_input" }),
            ),
            (
                AppError::Worker("render: no header".into()),
                json!({ "code": "worker", "message": "render: no header", "fault": "environment" }),
            ),
            (
                AppError::Core(deid_core::Error::Encrypted),
                json!({
                    "code": "encrypted",
                    "message": "document is encrypted and the password is missing or wrong",
                    "fault": "bad_input",
                }),
            ),
            (
                AppError::Core(deid_core::Error::JobLog("locked".into())),
                json!({ "code": "joblog", "message": "job log error: locked", "fault": "environment" }),
            ),
            (
                AppError::Core(deid_core::Error::Internal("x")),
                json!({ "code": "internal", "message": "internal error: x", "fault": "internal" }),
            ),
        ];
        for (err, want) in cases {
            let got = serde_json::to_value(&err).expect("json");
            assert_eq!(got, want, "{err:?}");
            // the same object the generated `AppErrorInfo` type describes
            let back: AppErrorInfo = serde_json::from_value(got).expect("AppErrorInfo");
            assert_eq!(back, err.info());
        }
    }
}
