//! Corpus runs: robustness (every file ends as verified output or a clear per-file error)
//! and the JSL PHI-list check (how many listed PHI strings are gone from the redacted
//! output). Used by `pdf-deid corpus …`, the corpus tests and the docs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use deid_core::error::Error;
use deid_core::pdfium::{ExtractLimits, PdfiumService};
use deid_core::pipeline::Engine;
use deid_core::text::normalise;

/// Outcome of one file.
#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    pub path: PathBuf,
    /// ok | review | error | panic (a panic in the pipeline or on the pdfium thread)
    pub status: &'static str,
    pub code: Option<&'static str>,
    pub rasterised_pages: usize,
    /// Why each rasterised page is an image.
    pub raster: Vec<deid_core::pipeline::RasterReason>,
    /// Pages read by OCR.
    pub ocr: Vec<deid_core::ocr::OcrPageReport>,
    /// For a verification failure: the message (check, object kind and number, page; the
    /// error types never carry document text).
    pub verification: Option<String>,
    pub pages: usize,
    pub ms: u64,
}

/// All `*.pdf` files under `dir`, sorted.
pub fn pdf_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf")))
        .collect();
    v.sort();
    v
}

pub fn run_file(engine: &Engine, pdfium: &PdfiumService, path: &Path) -> FileOutcome {
    let t = Instant::now();
    let res = std::fs::read(path)
        .map_err(|e| Error::io("reading input", &e))
        .and_then(|b| deid_core::pipeline::process_guarded(engine, pdfium, b));
    let ms = t.elapsed().as_millis() as u64;
    match res {
        Ok(p) => FileOutcome {
            path: path.to_path_buf(),
            status: if p.report.review { "review" } else { "ok" },
            code: None,
            rasterised_pages: p.report.rasterised_pages.len(),
            raster: p.report.raster,
            ocr: p.report.ocr_pages,
            verification: None,
            pages: p.report.pages,
            ms,
        },
        Err(e) => FileOutcome {
            path: path.to_path_buf(),
            status: if matches!(e.code(), "internal" | "pdfium_panic") {
                "panic"
            } else {
                "error"
            },
            code: Some(e.code()),
            rasterised_pages: 0,
            raster: Vec::new(),
            ocr: Vec::new(),
            verification: matches!(e, Error::Verification { .. }).then(|| e.to_string()),
            pages: 0,
            ms,
        },
    }
}

/// One line of a JSL `phi.jsonl`.
#[derive(Debug, Clone, Deserialize)]
pub struct PhiList {
    pub file: String,
    pub phi: Vec<String>,
}

/// Result for one JSL document.
#[derive(Debug, Clone, Serialize)]
pub struct PhiCheck {
    pub file: String,
    pub listed: usize,
    pub gone: usize,
    pub status: String,
    /// Listed strings still present (only for the evaluation report; test data is synthetic).
    pub survivors: Vec<String>,
    /// Of the listed strings still present, how many are ages below the policy's minimum
    /// (Safe Harbor keeps ages up to 89 on purpose).
    pub kept_ages: usize,
}

/// Whether `s` is an age the policy keeps: a number below `min_age`, alone or with age
/// words ("46", "46-year-old", "46 yo").
pub fn is_kept_age(s: &str, min_age: u32) -> bool {
    let s = s.trim().to_lowercase();
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let Ok(n) = digits.parse::<u32>() else {
        return false;
    };
    const WORDS: [&str; 8] = ["year", "years", "yr", "yrs", "old", "y/o", "yo", "y.o."];
    n < min_age
        && s[digits.len()..]
            .split(['-', ' '])
            .filter(|w| !w.is_empty())
            .all(|w| WORDS.contains(&w))
}

fn contains_words(hay: &str, needle: &str) -> bool {
    !needle.is_empty() && format!(" {hay} ").contains(&format!(" {needle} "))
}

/// Redact each listed PDF and count how many listed PHI strings are gone from the
/// re-extracted output (normalised, on word boundaries). A failed document counts as
/// all gone only in `gone_if_failed` mode (no output = nothing leaks); by default it
/// counts as none gone, so failures lower the score. With `ocr`, every output page is
/// also rendered and read by Tesseract: a string is gone only when neither reads it.
pub fn check_phi_lists(
    engine: &Engine,
    pdfium: &PdfiumService,
    dir: &Path,
    ocr: bool,
) -> Result<Vec<PhiCheck>, Error> {
    let tesseract = if ocr {
        Some(deid_core::ocr::engine()?)
    } else {
        None
    };
    let lists = std::fs::read_to_string(dir.join("phi.jsonl"))
        .map_err(|e| Error::io("reading phi.jsonl", &e))?;
    let limits = ExtractLimits {
        max_pages: 10_000,
        max_chars_per_page: 10_000_000,
    };
    let mut out = Vec::new();
    for line in lists.lines().filter(|l| !l.trim().is_empty()) {
        let list: PhiList = serde_json::from_str(line)
            .map_err(|_| Error::Settings("phi.jsonl: malformed line".into()))?;
        let path = dir.join(&list.file);
        let res = std::fs::read(&path)
            .map_err(|e| Error::io("reading input", &e))
            .and_then(|b| deid_core::pipeline::process_guarded(engine, pdfium, b));
        let (status, text) = match res {
            Ok(p) => {
                let st = if p.report.review { "review" } else { "ok" };
                let bytes = Arc::new(p.output.into_bytes());
                let ex = pdfium.extract(bytes.clone(), None, limits)?;
                let mut t: String = ex
                    .pages
                    .iter()
                    .flat_map(|p| p.glyphs.iter().map(|g| g.ch))
                    .collect();
                if let Some(bin) = &tesseract {
                    let cfg = deid_core::ocr::OcrConfig::standard();
                    for i in 0..ex.pages.len() {
                        let pg = &ex.pages[i];
                        let dpi = deid_core::ocr::dpi_for(&cfg, pg.width, pg.height);
                        let img = pdfium.render(bytes.clone(), None, i, dpi)?;
                        let timeout = std::time::Duration::from_secs(cfg.timeout_s);
                        for w in deid_core::ocr::recognise(bin, &img, (dpi, 0), timeout)? {
                            t.push(' ');
                            t.push_str(&w.text);
                        }
                        t.push('\n');
                    }
                }
                (st.to_string(), Some(normalise(&t)))
            }
            Err(e) => (format!("error: {}", e.code()), None),
        };
        let mut gone = 0;
        let mut kept_ages = 0;
        let mut survivors = Vec::new();
        for s in &list.phi {
            let n = normalise(s);
            match &text {
                Some(t) if !contains_words(t, &n) => gone += 1,
                _ => {
                    kept_ages +=
                        usize::from(text.is_some() && is_kept_age(s, engine.config().min_age));
                    survivors.push(s.clone());
                }
            }
        }
        survivors.sort();
        survivors.dedup();
        out.push(PhiCheck {
            file: list.file,
            listed: list.phi.len(),
            gone,
            status,
            survivors,
            kept_ages,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::is_kept_age;

    #[test]
    fn kept_ages_are_ages_below_the_minimum_only() {
        assert!(is_kept_age("46", 90));
        assert!(is_kept_age("46-year-old", 90));
        assert!(is_kept_age("89 yo", 90));
        assert!(!is_kept_age("92-year-old", 90));
        assert!(!is_kept_age("46", 0));
        assert!(!is_kept_age("46 Main Street", 90));
        assert!(!is_kept_age("08/11/2024", 90));
        assert!(!is_kept_age("Kimberly", 90));
    }
}
