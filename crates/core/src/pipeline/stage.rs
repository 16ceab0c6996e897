//! User-facing stages, the options a caller passes, and the stage timer that enforces
//! the document's time limit between stages.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::review::Review;

/// The stages a user sees progress for (the timer records finer ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Extract,
    Detect,
    Search,
    Redact,
    Verify,
}

impl Stage {
    pub const ALL: [Stage; 5] = [
        Stage::Extract,
        Stage::Detect,
        Stage::Search,
        Stage::Redact,
        Stage::Verify,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Extract => "extract",
            Stage::Detect => "detect",
            Stage::Search => "search",
            Stage::Redact => "redact",
            Stage::Verify => "verify",
        }
    }
    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }
    /// The user-facing stage a finished timer stage completes.
    pub(super) fn of_timer(name: &str) -> Option<Stage> {
        match name {
            "extract" => Some(Stage::Extract),
            "detect" => Some(Stage::Detect),
            "propagate" => Some(Stage::Search),
            "redact" => Some(Stage::Redact),
            "verify" => Some(Stage::Verify),
            _ => None,
        }
    }
}

/// Optional inputs of [`Engine::process_pdf_with`].
#[derive(Default, Clone, Copy)]
pub struct ProcessOptions<'a> {
    /// Reviewer decisions to apply.
    pub review: Option<Review<'a>>,
    /// Told each time a user-facing stage finishes.
    pub on_stage: Option<&'a dyn Fn(Stage)>,
    /// Told the document's time limit in seconds once its page count is known (a worker
    /// passes it to the parent's watchdog).
    pub on_limit: Option<&'a dyn Fn(u64)>,
    /// The installation key, for the de-identified text's surrogates (`Config::text_out`).
    pub key: Option<&'a crate::joblog::HmacKey>,
}

/// Stage timer.
pub(super) struct Stages<'a> {
    pub(super) last: Instant,
    pub(super) start: Instant,
    pub(super) ms: BTreeMap<String, u64>,
    pub(super) limit_s: u64,
    pub(super) on_stage: Option<&'a dyn Fn(Stage)>,
    pub(super) on_limit: Option<&'a dyn Fn(u64)>,
}

impl<'a> Stages<'a> {
    pub(super) fn new(limit_s: u64, opts: &ProcessOptions<'a>) -> Self {
        let now = Instant::now();
        Stages {
            last: now,
            start: now,
            ms: BTreeMap::new(),
            limit_s,
            on_stage: opts.on_stage,
            on_limit: opts.on_limit,
        }
    }

    /// The limit for a document of `pages` pages, once extraction has counted them.
    pub(super) fn set_limit(&mut self, limit_s: u64) {
        self.limit_s = limit_s;
        if let Some(f) = self.on_limit {
            f(limit_s);
        }
    }
    pub(super) fn done(&mut self, stage: &str) -> Result<()> {
        if let (Some(f), Some(st)) = (self.on_stage, Stage::of_timer(stage)) {
            f(st);
        }
        let now = Instant::now();
        *self.ms.entry(stage.to_string()).or_default() += (now - self.last).as_millis() as u64;
        self.last = now;
        if (now - self.start).as_secs() > self.limit_s {
            return Err(Error::Timeout(self.limit_s));
        }
        Ok(())
    }
}
