//! `pdf-deid corpus …`: robustness and PHI-list runs over a corpus folder, with a
//! Markdown report (used for docs/robustness.md and docs/accuracy.md).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use deid_core::{pdfium, Config};
use deid_devtools::corpus::{self, FileOutcome};

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!("{cores} cores, {cpu}")
}

fn write_report(report: Option<&Path>, md: &str) -> anyhow::Result<()> {
    match report {
        Some(p) => {
            deid_core::job::write_atomic(p, md.as_bytes())?;
            println!("report written to {}", p.display());
        }
        None => print!("{md}"),
    }
    Ok(())
}

pub fn robustness(
    dirs: &[PathBuf],
    report: Option<&Path>,
    pdfium_path: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    // the default engine (rules + heading model + NER), as `pdf-deid run` uses it
    let engine = crate::engines::engine_with_models(Config::safe_harbor(), 0, None, None)?;
    let service = pdfium::service(pdfium_path)?;
    let mut md = String::new();
    writeln!(md, "# Robustness corpus run\n")?;
    writeln!(
        md,
        "Command: `pdf-deid corpus robustness {}` (release build), {} on {}, {}.\n",
        dirs.iter()
            .map(|d| d.display().to_string())
            .collect::<Vec<_>>()
            .join(" "),
        deid_core::job::now_rfc3339(),
        machine(),
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(
        md,
        "Detector: the default engine ({}).\n",
        engine.detector_names().join(", ")
    )?;
    writeln!(md, "Every file must end as verified output (ok / review, possibly with rasterised pages) or a clear per-file error; no panic (in the pipeline or on the pdfium thread), no file past its time limit (60 s + 0.5 s per page). Outputs are kept in memory only.\n")?;
    writeln!(md, "| set | files | ok | review | with raster pages | clear error | panic | slowest (ms) | total (s) |")?;
    writeln!(md, "|---|---|---|---|---|---|---|---|---|")?;
    let mut errors: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut all: Vec<FileOutcome> = Vec::new();
    let mut bad = false;
    for d in dirs {
        let files = corpus::pdf_files(d);
        let mut outs = Vec::with_capacity(files.len());
        for (i, f) in files.iter().enumerate() {
            let o = corpus::run_file(&engine, &service, f);
            // past its time limit: the run's, 60 s and 0.5 s a page (a file that ended
            // in time, even near it, is no failure)
            let limit_ms = deid_core::config::DEFAULT_TIMEOUT_S * 1000
                + deid_core::config::DEFAULT_TIMEOUT_PER_PAGE_MS * o.pages as u64;
            if o.status == "panic" || o.ms > limit_ms {
                bad = true;
            }
            eprintln!(
                "[{}/{}] {} {} {:?} {} ms",
                i + 1,
                files.len(),
                o.status,
                f.display(),
                o.code,
                o.ms
            );
            outs.push(o);
        }
        let count = |s: &str| outs.iter().filter(|o| o.status == s).count();
        let slow = outs.iter().max_by_key(|o| o.ms);
        let total: u64 = outs.iter().map(|o| o.ms).sum();
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1} |",
            d.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            outs.len(),
            count("ok"),
            count("review"),
            outs.iter().filter(|o| o.rasterised_pages > 0).count(),
            count("error"),
            count("panic"),
            slow.map(|o| o.ms).unwrap_or(0),
            total as f64 / 1000.0
        )?;
        for o in outs.iter().filter(|o| o.status == "error") {
            *errors.entry(o.code.unwrap_or("?")).or_default() += 1;
        }
        all.extend(outs);
    }
    writeln!(md, "\nClear errors by code:\n")?;
    for (k, v) in &errors {
        writeln!(md, "- `{k}`: {v}")?;
    }
    // why pages are images: by code and detail, pages and files
    let mut reasons: BTreeMap<(String, String), (usize, std::collections::BTreeSet<&Path>)> =
        BTreeMap::new();
    for o in &all {
        for r in &o.raster {
            let e = reasons
                .entry((r.code.clone(), r.detail.clone()))
                .or_default();
            e.0 += 1;
            e.1.insert(o.path.as_path());
        }
    }
    writeln!(
        md,
        "\nRasterised pages by reason ({} pages in {} files):\n",
        reasons.values().map(|v| v.0).sum::<usize>(),
        all.iter().filter(|o| !o.raster.is_empty()).count()
    )?;
    if reasons.is_empty() {
        writeln!(md, "none")?;
    } else {
        writeln!(md, "| code | detail | pages | files |")?;
        writeln!(md, "|---|---|---|---|")?;
        for ((code, detail), (pages, files)) in &reasons {
            writeln!(md, "| `{code}` | {detail} | {pages} | {} |", files.len())?;
        }
    }
    // OCR: how many pages needed it, why, and how well it read
    let pages: usize = all.iter().map(|o| o.pages).sum();
    let mut ocr: BTreeMap<&str, (usize, f32)> = BTreeMap::new();
    for p in all.iter().flat_map(|o| &o.ocr) {
        let e = ocr.entry(p.reason.as_str()).or_default();
        e.0 += 1;
        e.1 += p.mean_confidence;
    }
    let n_ocr: usize = ocr.values().map(|v| v.0).sum();
    writeln!(
        md,
        "
Pages read by OCR: {n_ocr} of {pages} pages of the files with output ({:.1} %):
",
        100.0 * n_ocr as f64 / pages.max(1) as f64
    )?;
    for (reason, (n, conf)) in &ocr {
        writeln!(
            md,
            "- `{reason}`: {n} pages, mean confidence {:.0}",
            conf / (*n).max(1) as f32
        )?;
    }
    let failed: Vec<&FileOutcome> = all.iter().filter(|o| o.verification.is_some()).collect();
    writeln!(md, "\nVerification failures ({} files):\n", failed.len())?;
    for o in failed {
        writeln!(
            md,
            "- `{}`: {}",
            o.path.display(),
            o.verification.as_deref().unwrap_or_default()
        )?;
    }
    if let Some(s) = all.iter().max_by_key(|o| o.ms) {
        writeln!(
            md,
            "\nSlowest file: `{}` ({} ms, {} pages).",
            s.path.display(),
            s.ms,
            s.pages
        )?;
    }
    write_report(report, &md)?;
    Ok(if bad {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn phi_lists(
    dir: &Path,
    report: Option<&Path>,
    (ages, ner_model, detector): (&str, Option<&str>, &str),
    (ocr, show_survivors, ocr_dpi, ocr_threshold): (bool, bool, u32, u8),
    pdfium_path: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let mut cfg = crate::engines::safe_harbor_with_ages(ages)?;
    cfg.ocr.dpi = ocr_dpi as f32;
    cfg.ocr.thresholding = ocr_threshold;
    let started = std::time::Instant::now();
    let engine = crate::engines::engine_for_detector(cfg, detector, ner_model)?;
    let service = pdfium::service(pdfium_path)?;
    let checks = corpus::check_phi_lists(&engine, &service, dir, ocr)?;
    if show_survivors {
        for c in &checks {
            println!("{}: {:?}", c.file, c.survivors);
        }
    }
    let listed: usize = checks.iter().map(|c| c.listed).sum();
    let gone: usize = checks.iter().map(|c| c.gone).sum();
    let mut md = String::new();
    writeln!(
        md,
        "## PHI lists: `{}` (ages: {ages}; detectors: {})\n",
        dir.display(),
        engine.detector_names().join(", ")
    )?;
    writeln!(
        md,
        "Run {} on {}. Listed PHI strings gone from the redacted output{}: **{gone}/{listed} = {:.1} %** ({} documents, {} verified).\n",
        deid_core::job::now_rfc3339(),
        machine(),
        if ocr {
            " (its text layer and an OCR of its pixels)"
        } else {
            ""
        },
        100.0 * gone as f64 / listed.max(1) as f64,
        checks.len(),
        checks.iter().filter(|c| !c.status.starts_with("error")).count()
    )?;
    if ocr {
        writeln!(
            md,
            "Pipeline OCR at {ocr_dpi} dpi, binarisation {ocr_threshold}; {:.0} s in all (the measuring OCR at 300 dpi included).\n",
            started.elapsed().as_secs_f64()
        )?;
    }
    let kept: usize = checks.iter().map(|c| c.kept_ages).sum();
    if kept > 0 {
        writeln!(
            md,
            "Of the {} that remain, {kept} are ages below {} that the policy keeps on purpose; of the strings the policy removes, **{gone}/{} = {:.1} %** are gone.\n",
            listed - gone,
            engine.config().min_age,
            listed - kept,
            100.0 * gone as f64 / (listed - kept).max(1) as f64
        )?;
    }
    writeln!(md, "| file | status | listed | gone | % |")?;
    writeln!(md, "|---|---|---|---|---|")?;
    for c in &checks {
        writeln!(
            md,
            "| {} | {} | {} | {} | {:.1} |",
            c.file,
            c.status,
            c.listed,
            c.gone,
            100.0 * c.gone as f64 / c.listed.max(1) as f64
        )?;
    }
    let mut surv: BTreeMap<String, usize> = BTreeMap::new();
    for c in &checks {
        for s in &c.survivors {
            *surv.entry(shape(s)).or_default() += 1;
        }
    }
    writeln!(md, "\nShapes of the strings that survived (letters → `a`/`A`, digits → `9`), with the number of documents:\n")?;
    for (k, v) in &surv {
        writeln!(md, "- `{k}`: {v}")?;
    }
    write_report(report, &md)?;
    Ok(ExitCode::SUCCESS)
}

/// Shape of a string, so reports describe misses without quoting them.
fn shape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                '9'
            } else if c.is_uppercase() {
                'A'
            } else if c.is_alphabetic() {
                'a'
            } else {
                c
            }
        })
        .collect()
}
