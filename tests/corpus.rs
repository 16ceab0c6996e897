//! Tests over ../shared/corpus, with the default (combined) detector as `pdf-deid run`
//! uses it. They run when the corpus exists (CI has it; `make test` then sets
//! `PDF_DEID_REQUIRE=corpus,…` so a missing corpus fails) and print a notice otherwise.
//! 1. Every PDF of the robustness sets ends as verified output or a clear per-file error
//!    (a bad-input code): no panic in the pipeline or on the pdfium thread, no hang (no
//!    file past twice its time limit of 60 s plus 0.5 s per page, plus five minutes).
//!    OCR runs at 100 dpi here (see the test).
//! 2. On the JSL text-layer PDFs every output passed verification and at least 95 % of
//!    the listed PHI strings are gone (docs/accuracy.md: 769/806 = 95.4 % with the
//!    default policy, every survivor an age under 90 that Safe Harbor keeps), and with
//!    `--ages all` at least 99 % (docs: 100 %). A rules-only run is kept, labelled as such.

mod common;

use std::time::Duration;

use common::*;
use deid_devtools::corpus;

#[test]
fn robustness_sets_end_in_output_or_clear_error() {
    let Some(root) = corpus_dir() else { return };
    // The default engine, with OCR (and the pixel gate) at 100 dpi instead of 300: the
    // same code paths on every odd file (rendering, Tesseract, pixel redaction, read-back)
    // at a ninth of the pixels, which keeps CI's time bounded with ~500 pages to read
    // twice. OCR accuracy is measured at the default resolution (tests/ocr.rs,
    // docs/accuracy.md).
    let mut cfg = deid_core::Config::safe_harbor();
    cfg.ocr.dpi = 100.0;
    let ner = if encoder_present() {
        None
    } else {
        Some("none")
    };
    let engine = &deid_core::engine::engine_with_models(cfg, 2, None, ner).expect("engine");
    let service = pdfium();
    // a NER-less engine here would test a detector nobody runs
    assert!(
        engine
            .detector_names()
            .iter()
            .any(|d| d.starts_with("ner:"))
            || !encoder_present(),
        "{:?}",
        engine.detector_names()
    );
    let mut total = 0;
    let mut errors = 0;
    for set in ["py-pdf", "ocrmypdf", "pdfjs-a", "qpdf"] {
        for f in corpus::pdf_files(&root.join("robustness").join(set)) {
            let o = corpus::run_file(engine, &service, &f);
            assert_ne!(o.status, "panic", "{} panicked", f.display());
            // no hang: every file ends within twice its page-scaled time limit plus five
            // minutes (the in-process pipeline checks the limit between stages, so the
            // stage in progress may overrun it; a failed file reports no page count; test
            // builds are slower than release builds). Speed lives in the benchmarks.
            let limit = 2 * engine.config().limits.limit_for_pages(o.pages) + 300;
            assert!(
                Duration::from_millis(o.ms) < Duration::from_secs(limit),
                "{} took {} ms (limit {limit} s)",
                f.display(),
                o.ms
            );
            if o.status == "error" {
                errors += 1;
                let code = o.code.unwrap_or("none");
                assert_eq!(
                    deid_core::Error::from_worker(code, String::new()).fault(),
                    deid_core::FaultClass::BadInput,
                    "{}: '{code}' is not a clear bad-input error",
                    f.display()
                );
            }
            total += 1;
        }
    }
    println!("robustness: {total} files, {errors} clear errors, the rest verified output");
    assert!(
        total > 1000,
        "robustness sets look incomplete ({total} files)"
    );
    // a sanity bound: most of these files are valid PDFs
    assert!(errors * 5 < total, "{errors} of {total} failed");
}

/// Share of listed PHI strings gone (percent), after asserting every document verified.
fn jsl_gone_pct(engine: &deid_core::Engine, root: &std::path::Path) -> f64 {
    let checks = corpus::check_phi_lists(engine, &pdfium(), &root.join("deid/jsl-text"), false)
        .expect("phi lists");
    let listed: usize = checks.iter().map(|c| c.listed).sum();
    let gone: usize = checks.iter().map(|c| c.gone).sum();
    for c in &checks {
        assert!(
            !c.status.starts_with("error"),
            "{} failed: {}",
            c.file,
            c.status
        );
    }
    assert!(checks.len() >= 20, "{} JSL documents", checks.len());
    let pct = 100.0 * gone as f64 / listed as f64;
    println!("JSL: {gone}/{listed} = {pct:.1} % of listed PHI strings gone");
    pct
}

#[test]
fn jsl_phi_lists_gone_and_all_verified_with_the_default_detector() {
    let Some(root) = corpus_dir() else { return };
    if !encoder_present() {
        return; // engine() already reported the skip (or failed under PDF_DEID_REQUIRE)
    }
    let pct = jsl_gone_pct(engine(), &root);
    assert!(pct >= 95.0, "only {pct:.1} % gone (docs: 95.4 %)");
    let all_ages = deid_core::engine::engine_with_models(
        deid_core::Settings {
            ages: Some("all".into()),
            ..deid_core::Settings::default()
        }
        .into_config()
        .expect("config"),
        2,
        None,
        None,
    )
    .expect("engine");
    let pct = jsl_gone_pct(&all_ages, &root);
    assert!(
        pct >= 99.0,
        "--ages all: only {pct:.1} % gone (docs: 100 %)"
    );
}

/// Labelled: the rule detector alone (`--ner-model none`); docs/accuracy.md: 95.3 %.
#[test]
fn jsl_phi_lists_with_rules_only() {
    let Some(root) = corpus_dir() else { return };
    let pct = jsl_gone_pct(&rules_engine(), &root);
    assert!(pct >= 94.0, "rules only: {pct:.1} % gone (docs: 95.3 %)");
}
