//! deid-core: the pdf-deid pipeline, from PDF bytes to a verified, truly redacted PDF and
//! a job-log record. No Tauri, no CLI parsing, no printing: callers pass a [`Config`] and
//! receive typed results. See ARCHITECTURE.md for the stage map and the invariants.

pub mod audit;
pub mod blobs;
pub mod calibration;
pub mod child;
pub mod config;
pub mod detect;
pub mod detector;
pub mod drift;
pub mod engine;
pub mod entity;
pub mod error;
pub mod geometry;
pub mod hash;
pub mod job;
pub mod joblog;
pub mod layout;
pub mod ner;
pub mod ocr;
pub mod pdf;
pub mod pdfium;
pub mod pipeline;
pub mod plan;
pub mod policy;
pub mod propagate;
pub mod redact;
pub mod registry;
pub mod review;
pub mod risk;
pub mod sanitize;
pub mod surrogate;
pub mod text;
pub mod types;
pub mod verify;

pub use blobs::heading_model;
pub use config::{Config, Settings};
pub use propagate::semantic;

/// Identity of this build of the core (a hash of its sources and word lists, from
/// `build.rs`); part of every settings hash.
pub const BUILD_ID: &str = env!("DEID_CORE_BUILD_ID");
pub use error::{Error, ErrorCode, FaultClass, Result};
pub use pipeline::{DocReport, Engine, ProcessOptions, Processed, Stage};
