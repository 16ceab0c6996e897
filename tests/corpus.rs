//! Tests over ../shared/corpus. They run when the corpus exists (CI has it) and are
//! skipped with a printed notice otherwise.
//! 1. Every PDF of the robustness sets ends as verified output or a clear per-file error:
//!    no panic, no file over 60 s.
//! 2. On the JSL text-layer PDFs at least 90 % of the listed PHI strings are gone from the
//!    outputs and every output passed verification.

mod common;

use std::time::Duration;

use common::*;
use deid_core::corpus;

#[test]
fn robustness_sets_end_in_output_or_clear_error() {
    let Some(root) = corpus_dir() else { return };
    let engine = engine();
    let service = pdfium();
    let mut total = 0;
    let mut errors = 0;
    for set in ["py-pdf", "ocrmypdf", "pdfjs-a", "qpdf"] {
        for f in corpus::pdf_files(&root.join("robustness").join(set)) {
            let o = corpus::run_file(&engine, &service, &f);
            assert_ne!(o.status, "panic", "{} panicked", f.display());
            assert!(
                Duration::from_millis(o.ms) < Duration::from_secs(60),
                "{} took {} ms",
                f.display(),
                o.ms
            );
            if o.status == "error" {
                errors += 1;
                assert!(o.code.is_some());
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

#[test]
fn jsl_phi_lists_mostly_gone_and_all_verified() {
    let Some(root) = corpus_dir() else { return };
    let checks = corpus::check_phi_lists(&engine(), &pdfium(), &root.join("deid/jsl-text"))
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
    let pct = 100.0 * gone as f64 / listed as f64;
    println!("JSL: {gone}/{listed} = {pct:.1} % of listed PHI strings gone");
    assert!(pct >= 90.0, "only {pct:.1} % gone");
}
