//! The `pdf-deid` binary end to end: batch with a bad file, exit codes, outputs and
//! reports, re-runs that skip finished documents, the job log (no plaintext PHI, intact
//! hash chain), `detect --jsonl` and `doctor`.

mod common;

use std::path::Path;
use std::process::Command;

use deid_devtools::testpdf;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pdf-deid"));
    c.env(
        "PDF_DEID_KEY",
        std::env::temp_dir().join("pdf-deid-test-key"),
    );
    c
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walk(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).expect("prefix").display().to_string())
        .collect();
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("ls") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn batch_with_a_bad_file_goes_on_and_fails_closed() {
    let d = tempfile::tempdir().expect("tmp");
    let input = d.path().join("in");
    std::fs::create_dir_all(input.join("sub")).expect("mkdir");
    let (letter, phi) = testpdf::clinical_letter(4);
    std::fs::write(input.join("letter.pdf"), &letter).expect("w");
    std::fs::write(input.join("sub/columns.pdf"), testpdf::two_column().0).expect("w");
    std::fs::write(input.join("broken.pdf"), testpdf::truncated()).expect("w");
    std::fs::write(input.join("locked.pdf"), testpdf::encrypted("secret")).expect("w");
    let out = d.path().join("out");

    let r = bin()
        .arg("run")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("2 failed"), "{stdout}");
    assert!(stdout.contains("encrypted"), "{stdout}");
    // each failure says what to do, in plain words
    assert!(
        stdout.contains("what to do: The PDF is password-protected"),
        "{stdout}"
    );
    assert!(
        stdout.contains("what to do: The file is damaged"),
        "{stdout}"
    );
    let files = files_under(&out);
    assert!(files.contains(&"letter.pdf".to_string()), "{files:?}");
    assert!(files.contains(&"sub/columns.pdf".to_string()), "{files:?}");
    assert!(
        files.contains(&"letter.pdf.deid.json".to_string()),
        "{files:?}"
    );
    assert!(
        !files
            .iter()
            .any(|f| f.starts_with("broken") || f.starts_with("locked")),
        "{files:?}"
    );
    assert!(!files.iter().any(|f| f.contains(".tmp")), "{files:?}");
    // inputs untouched
    assert_eq!(std::fs::read(input.join("letter.pdf")).expect("r"), letter);

    // no plaintext PHI in the job log or the reports
    for f in walk(&out)
        .into_iter()
        .filter(|p| p.extension().is_none_or(|e| e != "pdf"))
    {
        let bytes = std::fs::read(&f).expect("read");
        for p in &phi {
            assert!(
                !bytes.windows(p.len()).any(|w| w == p.as_bytes()),
                "PHI found in {}",
                f.display()
            );
        }
    }

    // second run: nothing redone
    let r2 = bin()
        .arg("run")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run");
    let s2 = String::from_utf8_lossy(&r2.stdout);
    assert!(s2.contains("0 ok, 0 review, 2 failed, 2 skipped"), "{s2}");
    // --force redoes them
    let r3 = bin()
        .arg("run")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .arg("--force")
        .output()
        .expect("run");
    let s3 = String::from_utf8_lossy(&r3.stdout);
    assert!(s3.contains("0 skipped"), "{s3}");

    let js = jobs_listing_with_intact_chain(&out.join("pdf-deid-jobs.sqlite"));
    assert!(js.contains("job 3") && js.contains("failed"), "{js}");
}

/// `pdf-deid jobs` on a job log (its listing), after checking `jobs verify` says the
/// hash chain is intact.
fn jobs_listing_with_intact_chain(db: &std::path::Path) -> String {
    let v = bin()
        .arg("jobs")
        .arg("--db")
        .arg(db)
        .arg("verify")
        .output()
        .expect("verify");
    assert_eq!(v.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&v.stdout).contains("intact"));
    let j = bin()
        .arg("jobs")
        .arg("--db")
        .arg(db)
        .output()
        .expect("jobs");
    String::from_utf8_lossy(&j.stdout).into_owned()
}

#[test]
fn json_outcome_and_usage_errors() {
    let d = tempfile::tempdir().expect("tmp");
    let f = d.path().join("a.pdf");
    std::fs::write(&f, testpdf::clinical_letter(5).0).expect("w");
    let r = bin()
        .args(["run", "--json", "--out"])
        .arg(d.path().join("o"))
        .arg(&f)
        .output()
        .expect("run");
    assert_eq!(r.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
    assert_eq!(v["documents"][0]["status"], "ok");
    assert!(v["documents"][0]["risk"].as_f64().is_some());

    let bad = bin().args(["run", "--bogus"]).output().expect("run");
    assert_eq!(bad.status.code(), Some(2));
    let missing = bin()
        .args(["run", "/nonexistent/x.pdf", "--out"])
        .arg(d.path())
        .output()
        .expect("run");
    assert_eq!(missing.status.code(), Some(2));
    let policy = bin()
        .args(["run", "--policy", "lax", "--out"])
        .arg(d.path())
        .arg(&f)
        .output()
        .expect("run");
    assert_eq!(policy.status.code(), Some(2));

    // a rasterised page says why, in the JSON and in the summary (codes, never text)
    let strict = |json: bool| {
        let mut c = bin();
        c.args(["run", "--policy", "strict-raster", "--out"])
            .arg(d.path().join(if json { "strict-json" } else { "strict" }))
            .arg(&f);
        if json {
            c.arg("--json");
        }
        c.output().expect("run")
    };
    let r = strict(true);
    assert_eq!(r.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
    let raster = v["documents"][0]["raster"]
        .as_array()
        .expect("raster reasons");
    assert!(!raster.is_empty());
    assert!(raster
        .iter()
        .all(|r| r["code"] == "policy" && r["page"].as_u64() >= Some(1)));
    let r = strict(false);
    let out = String::from_utf8_lossy(&r.stdout);
    assert!(
        out.contains("RASTERISED") && out.contains("(policy)"),
        "{out}"
    );
    // … and in the job log, inside its hash chain
    let js = jobs_listing_with_intact_chain(&d.path().join("strict").join("pdf-deid-jobs.sqlite"));
    assert!(js.contains("as image: policy:"), "{js}");
}

#[test]
fn detect_jsonl_uses_code_point_offsets() {
    let d = tempfile::tempdir().expect("tmp");
    let inp = d.path().join("in.jsonl");
    std::fs::write(
        &inp,
        "{\"id\": 1, \"text\": \"Zoë saw Dr. Hannah Kowalski on 03/14/2024.\"}\n{\"id\": \"b\", \"text\": \"No identifiers in this sentence.\"}\n",
    )
    .expect("w");
    let r = bin()
        .arg("detect")
        .arg("--jsonl")
        .arg(&inp)
        .output()
        .expect("detect");
    assert!(r.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&r.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2);
    let text: Vec<char> = "Zoë saw Dr. Hannah Kowalski on 03/14/2024."
        .chars()
        .collect();
    let spans = lines[0]["spans"].as_array().expect("spans");
    let got: Vec<(String, String)> = spans
        .iter()
        .map(|s| {
            let (a, b) = (
                s["start"].as_u64().expect("s") as usize,
                s["end"].as_u64().expect("e") as usize,
            );
            (
                text[a..b].iter().collect(),
                s["label"].as_str().expect("l").to_string(),
            )
        })
        .collect();
    assert!(
        got.contains(&("Hannah Kowalski".into(), "NAME".into())),
        "{got:?}"
    );
    assert!(
        got.contains(&("03/14/2024".into(), "DATE".into())),
        "{got:?}"
    );
    assert_eq!(lines[1]["spans"].as_array().expect("spans").len(), 0);
}

#[test]
fn doctor_reports_the_pinned_library() {
    let r = bin().arg("doctor").output().expect("doctor");
    let s = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(0), "{s}");
    assert!(s.contains("matches the pinned"), "{s}");
    let bad = bin()
        .arg("--pdfium")
        .arg("/nonexistent/libpdfium.so")
        .arg("doctor")
        .output()
        .expect("doctor");
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn logs_at_trace_level_never_contain_phi() {
    let d = tempfile::tempdir().expect("tmp");
    let (letter, phi) = testpdf::clinical_letter(9);
    let f = d.path().join("letter.pdf");
    std::fs::write(&f, letter).expect("w");
    for mode in [&["--in-process"][..], &[][..]] {
        let r = bin()
            .env("PDF_DEID_LOG", "trace")
            .arg("run")
            .arg(&f)
            .arg("--out")
            .arg(d.path().join("o"))
            .arg("--force")
            .args(mode)
            .output()
            .expect("run");
        assert!(r.status.success());
        let all = [r.stdout, r.stderr].concat();
        for p in &phi {
            assert!(
                !all.windows(p.len()).any(|w| w == p.as_bytes()),
                "PHI in the logs ({mode:?})"
            );
        }
    }
}

/// A copy of models/ in `dir` (the base encoder linked, not copied).
fn copy_models(dir: &Path) {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    for f in std::fs::read_dir(&models).expect("models") {
        let f = f.expect("entry").path();
        let to = dir.join(f.file_name().expect("name"));
        if f.is_dir() {
            std::os::unix::fs::symlink(&f, &to).expect("link the base encoder");
        } else {
            std::fs::copy(&f, &to).expect("copy");
        }
    }
}

#[test]
fn a_tampered_model_is_refused() {
    let d = tempfile::tempdir().expect("tmp");
    copy_models(d.path());
    let good = bin()
        .env("PDF_DEID_MODELS", d.path())
        .arg("doctor")
        .output()
        .expect("doctor");
    assert_eq!(
        good.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&good.stdout)
    );
    let weights = d.path().join("heading-lr-2026.11.0.json");
    let mut w = std::fs::read(&weights).expect("read");
    w.push(b' ');
    std::fs::write(&weights, w).expect("write");
    let bad = bin()
        .env("PDF_DEID_MODELS", d.path())
        .arg("doctor")
        .output()
        .expect("doctor");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stdout).contains("MISMATCH"));
    let f = d.path().join("a.pdf");
    std::fs::write(&f, testpdf::clinical_letter(1).0).expect("w");
    let run = bin()
        .env("PDF_DEID_MODELS", d.path())
        .args(["run", "--out"])
        .arg(d.path().join("o"))
        .arg(&f)
        .output()
        .expect("run");
    assert_ne!(
        run.status.code(),
        Some(0),
        "a run with a tampered model must not proceed"
    );
}

/// `pdf-deid … | head`: a reader that goes away stops the program quietly with the SIGPIPE
/// status, not with a panic report.
#[test]
fn a_closed_stdout_ends_quietly() {
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let r = bin().arg("doctor").stdout(writer).output().expect("run");
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(141), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Resume is keyed on everything that changes an output: the same command skips finished
/// documents; another detector set, a changed model entry (thresholds), a new model
/// version or another heading model redoes them.
#[test]
fn resume_redoes_documents_when_the_detectors_or_models_change() {
    if !common::encoder_present() {
        common::skip("encoder", "models/minilm missing (resume-by-model test)");
        return;
    }
    let d = tempfile::tempdir().expect("tmp");
    let models = d.path().join("models");
    std::fs::create_dir_all(&models).expect("mkdir");
    copy_models(&models);
    let input = d.path().join("in");
    std::fs::create_dir_all(&input).expect("mkdir");
    for i in 0..2 {
        std::fs::write(
            input.join(format!("{i}.pdf")),
            testpdf::clinical_letter(i + 30).0,
        )
        .expect("w");
    }
    let out = d.path().join("out");
    let run = |extra: &[&str]| -> Vec<String> {
        let r = bin()
            .env("PDF_DEID_MODELS", &models)
            .arg("run")
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .arg("--json")
            .args(extra)
            .output()
            .expect("run");
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let o: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
        o["documents"]
            .as_array()
            .expect("documents")
            .iter()
            .map(|d| d["status"].as_str().expect("status").to_string())
            .collect()
    };
    let redone = |st: &[String]| st.iter().all(|s| s == "ok" || s == "review");
    let skipped = |st: &[String]| st.iter().all(|s| s == "skipped");
    let st = run(&["--ner-model", "none"]);
    assert!(redone(&st), "{st:?}");
    let st = run(&["--ner-model", "none"]);
    assert!(skipped(&st), "same settings: {st:?}");
    // rules only -> the default combined detector
    let st = run(&[]);
    assert!(redone(&st), "NER added: {st:?}");
    let st = run(&[]);
    assert!(skipped(&st), "{st:?}");
    // the same model file with other thresholds in its registry entry
    let reg_path = models.join("registry.json");
    let mut reg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&reg_path).expect("read")).expect("registry");
    let entries = reg["models"].as_array_mut().expect("models");
    let newest = entries
        .iter()
        .rposition(|m| m["name"] == "ner-minilm")
        .expect("ner-minilm");
    entries[newest]["training"]["thresholds"]["NAME"] = serde_json::json!(0.61);
    std::fs::write(&reg_path, reg.to_string()).expect("write");
    let st = run(&[]);
    assert!(redone(&st), "thresholds changed: {st:?}");
    // a new version of the model (same file, new name@version)
    let mut upgraded = reg["models"][newest].clone();
    upgraded["version"] = serde_json::json!("2099.1.0");
    reg["models"].as_array_mut().expect("models").push(upgraded);
    std::fs::write(&reg_path, reg.to_string()).expect("write");
    let st = run(&[]);
    assert!(redone(&st), "model upgraded: {st:?}");
    let st = run(&[]);
    assert!(skipped(&st), "{st:?}");
    // rollback to the older version, and no heading model
    let st = run(&["--ner-model", "ner-minilm@2026.11.1"]);
    assert!(redone(&st), "rollback: {st:?}");
    let st = run(&[
        "--ner-model",
        "ner-minilm@2026.11.1",
        "--heading-model",
        "none",
    ]);
    assert!(redone(&st), "heading model dropped: {st:?}");
}

#[test]
fn help_shows_the_time_limit_default() {
    let r = bin().args(["run", "--help"]).output().expect("help");
    let s = String::from_utf8_lossy(&r.stdout);
    assert!(s.contains("--timeout <SECONDS>"), "{s}");
    assert!(s.contains("[default: 60]"), "{s}");
}

/// `bench --corpus` runs the generated corpus through `pdf-deid run` (worker processes)
/// and reports paragraphs, time and stages as JSON; the corpus and outputs can be kept.
#[test]
fn bench_corpus_reports_paragraphs_time_and_stages() {
    let dir = tempfile::tempdir().expect("tmp");
    let out = bin()
        .args([
            "bench",
            "--corpus",
            "4",
            "--ner-model",
            "none",
            "--json",
            "--keep",
        ])
        .arg(dir.path())
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["documents"], 4);
    assert_eq!(v["failed"], 0);
    assert!(v["paragraphs"].as_u64().unwrap_or(0) >= 40, "{v}");
    assert!(v["total_seconds"].as_f64().unwrap_or(0.0) > 0.0);
    for stage in ["extract", "detect", "propagate", "redact", "verify"] {
        assert!(v["stages"][stage].is_u64(), "{stage} missing: {v}");
    }
    assert!(v["peak_rss_mb"].as_f64().unwrap_or(0.0) > 0.0);
    assert_eq!(
        files_under(&dir.path().join("out-blobs"))
            .iter()
            .filter(|f| f.ends_with(".pdf"))
            .count(),
        4
    );
}

/// `bench --corpus --design` runs each design over the same corpus (the default and the
/// designs it replaced), reports each as JSON and draws them as a chart.
#[test]
fn bench_corpus_compares_designs_and_draws_them() {
    let dir = tempfile::tempdir().expect("tmp");
    let svg = dir.path().join("designs.svg");
    let out = bin()
        .args([
            "bench",
            "--corpus",
            "3",
            "--ner-model",
            "none",
            "--json",
            "--design",
            "blobs,one-at-a-time",
            "--plot",
        ])
        .arg(&svg)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let runs = v.as_array().expect("one result per design");
    assert_eq!(runs.len(), 2);
    assert_eq!(runs[0]["design"], "blobs");
    assert_eq!(runs[1]["design"], "one-at-a-time");
    assert_eq!(runs[0]["paragraphs"], runs[1]["paragraphs"]);
    for r in runs {
        assert_eq!(r["failed"], 0, "{r}");
        assert!(r["words"].as_u64().unwrap_or(0) > r["paragraphs"].as_u64().unwrap_or(0));
        assert!(r["entities"].as_u64().unwrap_or(0) > 0, "{r}");
    }
    let chart = std::fs::read_to_string(&svg).expect("chart");
    assert!(chart.contains("one paragraph at a time") && chart.contains("(default)"));
    // an unknown design is refused before anything runs
    let bad = bin()
        .args(["bench", "--corpus", "1", "--design", "fastest"])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown design"));
}

/// File and folder names that identify a patient are not copied into the output names
/// (default `--names redact`); `--names keep` copies them; a re-run finds the scrubbed
/// outputs and skips them; the job log holds neither name.
#[test]
fn identifying_file_names_are_redacted_in_output_names() {
    let d = tempfile::tempdir().expect("tmp");
    let input = d.path().join("in/Okafor_Margaret");
    std::fs::create_dir_all(&input).expect("mkdir");
    let letter = testpdf::clinical_letter(11).0;
    std::fs::write(
        input.join("Hartley_Priya_MRN4471923_discharge.pdf"),
        &letter,
    )
    .expect("w");
    std::fs::write(input.join("discharge-summary-2.pdf"), &letter).expect("w");
    let out = d.path().join("out");
    let run = |extra: &[&str], out: &Path| {
        let r = bin()
            .arg("run")
            .arg(d.path().join("in"))
            .arg("--out")
            .arg(out)
            .args(["--ner-model", "none"])
            .args(extra)
            .output()
            .expect("run");
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        String::from_utf8_lossy(&r.stdout).into_owned()
    };
    run(&[], &out);
    let names = files_under(&out);
    let pdfs: Vec<&String> = names.iter().filter(|n| n.ends_with(".pdf")).collect();
    assert_eq!(pdfs.len(), 2, "{names:?}");
    assert!(
        pdfs.iter()
            .any(|n| n.as_str() == "NAME_NAME/discharge-summary-2.pdf"),
        "{names:?}"
    );
    assert!(
        pdfs.iter()
            .any(|n| n.starts_with("NAME_NAME/NAME_NAME_ID_discharge-")),
        "{names:?}"
    );
    let raw = std::fs::read(out.join("pdf-deid-jobs.sqlite")).expect("db");
    for phi in ["Okafor", "Margaret", "Hartley", "Priya", "4471923"] {
        assert!(names.iter().all(|n| !n.contains(phi)), "{phi} in {names:?}");
        assert!(
            !raw.windows(phi.len()).any(|w| w == phi.as_bytes()),
            "{phi} in the job log"
        );
    }
    // the same inputs again: both outputs are found under their scrubbed names
    let again = run(&["--json"], &out);
    let v: serde_json::Value = serde_json::from_str(&again).expect("json");
    let docs = v["documents"].as_array().expect("documents");
    assert!(docs.iter().all(|d| d["status"] == "skipped"), "{v}");
    // keep: the input's names as they are
    let kept = d.path().join("kept");
    run(&["--names", "keep"], &kept);
    assert!(kept
        .join("Okafor_Margaret/Hartley_Priya_MRN4471923_discharge.pdf")
        .is_file());
    let bad = bin()
        .args(["run", "--names", "rename", "--out"])
        .arg(d.path().join("x"))
        .arg(d.path().join("in"))
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--names"));
}

#[test]
fn profiles_are_validated_and_recorded() {
    let d = tempfile::tempdir().expect("tmp");
    let input = d.path().join("in");
    std::fs::create_dir_all(&input).expect("mkdir");
    std::fs::write(input.join("letter.pdf"), testpdf::clinical_letter(5).0).expect("w");
    let out = d.path().join("out");
    let run = |profile: &Path, extra: &[&str]| {
        bin()
            .arg("run")
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .args(["--ner-model", "none", "--json", "--profile"])
            .arg(profile)
            .args(extra)
            .output()
            .expect("run")
    };
    // a mistake stops the run before any document, with the line, the key and the choices
    let bad = d.path().join("bad.toml");
    std::fs::write(
        &bad,
        "name = \"ward 7\"\n[categories.NAMEE]\nredact = false\n",
    )
    .expect("w");
    let r = run(&bad, &[]);
    assert_eq!(r.status.code(), Some(2));
    let err = String::from_utf8_lossy(&r.stderr);
    for want in ["bad.toml", "line 2", "NAMEE", "ORGANIZATION"] {
        assert!(err.contains(want), "{want} not in: {err}");
    }
    assert!(!out.join("letter.pdf").exists());
    // a valid profile: applied (its deny-list term is gone), recorded with its hash
    let good = d.path().join("good.toml");
    std::fs::write(
        &good,
        "name = \"ward 7\"\npolicy = \"uk\"\n[deny]\nNAME = [\"metformin\"]\n",
    )
    .expect("w");
    let r = run(&good, &[]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = common::text_of(&common::extract(
        &std::fs::read(out.join("letter.pdf")).expect("output"),
    ));
    assert!(!text.contains("metformin"), "{text}");
    assert!(text.contains("hypertension"), "{text}");
    let db = rusqlite::Connection::open(out.join("pdf-deid-jobs.sqlite")).expect("db");
    let newest_job = || -> String {
        db.query_row(
            "SELECT model_versions FROM jobs ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("job")
    };
    let v: serde_json::Value = serde_json::from_str(&newest_job()).expect("json");
    assert_eq!(v["policy"], "uk", "{v}");
    assert!(
        v["profile"]
            .as_str()
            .is_some_and(|p| p.starts_with("ward 7 sha256:")),
        "{v}"
    );
    // the same profile again: skipped; a changed profile: redone
    let status = |r: std::process::Output| {
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
        v["documents"][0]["status"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(status(run(&good, &[])), "skipped");
    std::fs::write(
        &good,
        "name = \"ward 7\"\npolicy = \"uk\"\nallow = [\"clinic\"]\n[deny]\nNAME = [\"metformin\"]\n",
    )
    .expect("w");
    assert_ne!(status(run(&good, &[])), "skipped");
    // a flag wins over the profile's policy
    let r = run(&good, &["--policy", "limited-data-set", "--force"]);
    assert!(r.status.success());
    let recorded = newest_job();
    assert!(recorded.contains("limited-data-set"), "{recorded}");
}

/// One patient in three documents (name, record number, a visit date, phone) under
/// `input`; returns `(file stem, date, body line)` of each.
fn one_patient_in_three(input: &Path) -> [(&'static str, &'static str, &'static str); 3] {
    use testpdf::{DocSpec, FontKind, Line, PageSpec};
    std::fs::create_dir_all(input).expect("mkdir");
    let docs = [
        ("admission", "03/14/2021", "Admitted with chest pain."),
        ("follow-up", "04/02/2021", "Seen in clinic, improving."),
        ("discharge", "05/30/2021", "Discharged home on aspirin."),
    ];
    for (name, date, body) in docs {
        let lines = [
            "Patient: Margaret Okafor".to_string(),
            "MRN: 4471923".to_string(),
            format!("Date of visit: {date}"),
            body.to_string(),
            "Phone: (555) 201-7788".to_string(),
        ];
        let lines = lines
            .iter()
            .enumerate()
            .map(|(i, t)| {
                Line::new(
                    t.clone(),
                    72.0,
                    720.0 - 16.0 * i as f32,
                    11.0,
                    FontKind::Helvetica,
                )
            })
            .collect();
        let pdf = testpdf::build(&DocSpec {
            pages: vec![PageSpec {
                lines,
                kerned_tj: false,
            }],
            ..DocSpec::default()
        });
        std::fs::write(input.join(format!("{name}.pdf")), pdf).expect("w");
    }
    docs
}

/// One patient in three documents: the text outputs name her with the same surrogate,
/// hold none of the detected strings, and keep the intervals between her dates.
#[test]
fn text_output_uses_consistent_surrogates_and_keeps_date_intervals() {
    let d = tempfile::tempdir().expect("tmp");
    let input = d.path().join("in");
    let docs = one_patient_in_three(&input);
    let out = d.path().join("out");
    let r = bin()
        .arg("run")
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .args(["--ner-model", "none", "--text-out"])
        .output()
        .expect("run");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let mut surnames = Vec::new();
    let mut days = Vec::new();
    for (name, _, body) in docs {
        let text = std::fs::read_to_string(out.join(format!("{name}.txt"))).expect("text output");
        for phi in ["Margaret", "Okafor", "4471923", "201-7788", "/2021"] {
            assert!(!text.contains(phi), "{phi} in {text}");
        }
        assert!(text.contains(body), "{text}");
        let patient = text
            .lines()
            .find_map(|l| l.strip_prefix("Patient: "))
            .expect("patient line")
            .to_string();
        assert_eq!(patient.split_whitespace().count(), 2, "{text}");
        surnames.push(patient);
        let date = text
            .lines()
            .find_map(|l| l.strip_prefix("Date of visit: "))
            .expect("date line");
        let v: Vec<i64> = date
            .split('/')
            .map(|x| x.trim().parse().expect("n"))
            .collect();
        // day number of the date (days since 1 March of year 0, leap years counted)
        let (y, m) = if v[0] <= 2 {
            (v[2] - 1, v[0] + 9)
        } else {
            (v[2], v[0] - 3)
        };
        days.push(365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + v[1] - 1);
        // the PDF beside it is the verified output
        assert!(out.join(format!("{name}.pdf")).is_file());
    }
    assert!(surnames.iter().all(|s| *s == surnames[0]), "{surnames:?}");
    // 03/14 → 04/02: 19 days; 04/02 → 05/30: 58 days
    assert_eq!((days[1] - days[0], days[2] - days[1]), (19, 58), "{days:?}");
}

/// `--mark label`: the same patient gets the same pseudonym, drawn as white blocks in
/// her first box, in all three documents; the label is no text (nothing extracts from the
/// box) and black mode draws none.
#[test]
fn label_mark_draws_the_same_pseudonym_for_one_patient_in_every_document() {
    let d = tempfile::tempdir().expect("tmp");
    let input = d.path().join("in");
    let docs = one_patient_in_three(&input);
    let run_with = |mark: &str| {
        let out = d.path().join(format!("out-{mark}"));
        let r = bin()
            .arg("run")
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .args(["--ner-model", "none", "--mark", mark])
            .output()
            .expect("run");
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        out
    };
    let key =
        deid_core::joblog::HmacKey::load_or_create(&std::env::temp_dir().join("pdf-deid-test-key"))
            .expect("key");
    // the white cells of a page's content, as rounded rectangles
    let white_cells = |pdf: &Path| -> Vec<[i64; 4]> {
        let doc = lopdf::Document::load(pdf).expect("output");
        let page = *doc.get_pages().values().next().expect("page");
        let content = lopdf::content::Content::decode(&doc.get_page_content(page)).expect("decode");
        let mut white = false;
        let mut cells = Vec::new();
        for op in &content.operations {
            match op.operator.as_str() {
                "rg" => white = op.operands.iter().all(|o| o.as_float().ok() == Some(1.0)),
                "re" if white => {
                    let v: Vec<f32> = op.operands.iter().map(|o| o.as_float().unwrap()).collect();
                    cells.push(
                        [v[0], v[1], v[0] + v[2], v[1] + v[3]].map(|x| (x * 100.0).round() as i64),
                    );
                }
                _ => {}
            }
        }
        cells
    };
    let out = run_with("label");
    let label = deid_core::plan::pseudonym(&key, "NAME", "Margaret Okafor");
    let mut patterns = Vec::new();
    for (name, _, body) in docs {
        let pdf = out.join(format!("{name}.pdf"));
        let report: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out.join(format!("{name}.pdf.deid.json"))).expect("report"),
        )
        .expect("json");
        let patient = report["report"]["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .find(|e| e["category"] == "NAME")
            .expect("the patient's name");
        let r = &patient["rects"][0];
        let rect = deid_core::types::Rect::new(
            r["x0"].as_f64().unwrap() as f32,
            r["y0"].as_f64().unwrap() as f32,
            r["x1"].as_f64().unwrap() as f32,
            r["y1"].as_f64().unwrap() as f32,
        );
        let want: Vec<[i64; 4]> = deid_core::redact::label_cells(&rect, &label)
            .iter()
            .map(|c| [c.x0, c.y0, c.x1, c.y1].map(|x| (x * 100.0).round() as i64))
            .collect();
        assert!(!want.is_empty(), "the box is large enough for a label");
        let cells = white_cells(&pdf);
        for w in &want {
            assert!(
                cells
                    .iter()
                    .any(|c| c.iter().zip(w).all(|(a, b)| (a - b).abs() <= 1)),
                "{name}: a cell of {label} is missing"
            );
        }
        // relative to its box the pattern is the same in every document
        let x0 = (rect.x0 * 100.0).round() as i64;
        let y0 = (rect.y0 * 100.0).round() as i64;
        patterns.push(
            want.iter()
                .map(|c| [c[0] - x0, c[1] - y0, c[2] - x0, c[3] - y0])
                .collect::<Vec<_>>(),
        );
        let text = common::text_of(&common::extract(&std::fs::read(&pdf).expect("pdf")));
        assert!(!text.contains("Okafor") && !text.contains(&label), "{text}");
        assert!(text.contains(body));
    }
    assert!(patterns.windows(2).all(|w| w[0] == w[1]));
    // another text gets another label; black boxes carry none
    assert_ne!(
        label,
        deid_core::plan::pseudonym(&key, "NAME", "Margaret Okafore")
    );
    let black = run_with("black");
    assert!(white_cells(&black.join("admission.pdf")).is_empty());
}

/// Two jobs over different kinds of documents: `jobs drift` flags the second against the
/// first (fewer names per 1,000 words, another spread of scores) and not the first against
/// itself; a job's statistics written as a reference read back the same.
#[test]
fn jobs_drift_flags_a_job_unlike_its_reference() {
    use testpdf::{DocSpec, FontKind, Line, PageSpec};
    let d = tempfile::tempdir().expect("tmp");
    let doc = |line: &str| {
        let pages = (0..5)
            .map(|_| PageSpec {
                lines: (0..40)
                    .map(|i| {
                        Line::new(
                            line,
                            40.0,
                            760.0 - 18.0 * i as f32,
                            9.0,
                            FontKind::Helvetica,
                        )
                    })
                    .collect(),
                kerned_tj: false,
            })
            .collect();
        testpdf::build(&DocSpec {
            pages,
            ..DocSpec::default()
        })
    };
    let db = d.path().join("jobs.sqlite");
    let run = |name: &str, line: &str| {
        let input = d.path().join(name);
        std::fs::create_dir_all(&input).expect("mkdir");
        std::fs::write(input.join("notes.pdf"), doc(line)).expect("w");
        let r = bin()
            .arg("run")
            .arg(&input)
            .arg("--out")
            .arg(d.path().join(format!("out-{name}")))
            .arg("--db")
            .arg(&db)
            .args(["--ner-model", "none"])
            .output()
            .expect("run");
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    };
    run(
        "ward",
        "Seen by Dr. Walsh with Nurse Bellamy on 03/14/2021 for chest pain follow up today.",
    );
    run(
        "clinic",
        "Blood pressure was well controlled and the patient reports no chest pain at all.",
    );
    let drift = |args: &[&str]| {
        bin()
            .args(["jobs", "--db"])
            .arg(&db)
            .arg("drift")
            .args(args)
            .output()
            .expect("drift")
    };
    let same = drift(&["--job", "1", "--against", "1"]);
    let out = String::from_utf8_lossy(&same.stdout);
    assert_eq!(same.status.code(), Some(0), "{out}");
    assert!(out.contains("drift: none flagged"), "{out}");
    let moved = drift(&["--job", "2", "--against", "1"]);
    let out = String::from_utf8_lossy(&moved.stdout);
    assert_eq!(moved.status.code(), Some(1), "{out}");
    assert!(out.contains("DRIFT"), "{out}");
    let names = out
        .lines()
        .find(|l| l.starts_with("NAME"))
        .expect("NAME line");
    assert!(names.contains("DRIFT"), "{out}");
    // the first job as a reference file: the same comparison
    let reference = d.path().join("reference.json");
    let w = drift(&["--job", "1", "--write-reference"]);
    assert!(!w.status.success(), "--write-reference needs a path");
    let w = bin()
        .args(["jobs", "--db"])
        .arg(&db)
        .args(["drift", "--job", "1", "--write-reference"])
        .arg(&reference)
        .output()
        .expect("write");
    assert!(w.status.success(), "{}", String::from_utf8_lossy(&w.stderr));
    let from_file = bin()
        .args(["jobs", "--db"])
        .arg(&db)
        .args(["drift", "--job", "2", "--reference"])
        .arg(&reference)
        .output()
        .expect("drift");
    assert_eq!(from_file.status.code(), Some(1));
    // the job log holds no text of the documents
    let raw = std::fs::read(&db).expect("db");
    assert!(
        !raw.windows(6).any(|w| w == b"Walsh "),
        "text in the job log"
    );
}

/// Every named policy from the command line, on one generated letter: the output is
/// re-extracted and holds what the policy keeps and none of what it removes; an unknown
/// policy is refused (above).
#[test]
fn each_named_policy_from_the_command_line() {
    let d = tempfile::tempdir().expect("tmp");
    let input = d.path().join("in");
    std::fs::create_dir_all(&input).expect("mkdir");
    std::fs::write(input.join("letter.pdf"), common::policy_letter()).expect("w");
    let text = |policy: &str| -> (String, serde_json::Value) {
        let out = d.path().join(policy);
        let r = bin()
            .arg("run")
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .args(["--ner-model", "none", "--json", "--policy", policy])
            .output()
            .expect("run");
        assert!(
            r.status.success(),
            "{policy}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json");
        let t = common::spaced_text(&common::extract(
            &std::fs::read(out.join("letter.pdf")).expect("output"),
        ));
        (t, v)
    };
    // what each policy removes and keeps (rules only, so the lines the rules find)
    let cases: [(&str, &[&str], &[&str]); 5] = [
        (
            "safe-harbor",
            &[
                "Okafor",
                "03/14",
                "960634",
                "Elmfield",
                "62704",
                "Springfield",
            ],
            &[" 2021 ", " 627", "chest pain"],
        ),
        (
            "limited-data-set",
            &["Okafor", "960634", "Elmfield"],
            &["03/14/2021", "Springfield", "62704", "chest pain"],
        ),
        (
            "uk",
            &["Okafor", "03/14", "2021", "01632", "4PQ", "Harrogate"],
            &[" HG1 ", "chest pain"],
        ),
        ("strict-raster", &["Okafor", "03/14", "960634"], &[]),
        (
            "text-only",
            &["Okafor", "03/14", "960634", "Elmfield"],
            &["chest pain"],
        ),
    ];
    assert_eq!(
        cases.iter().map(|c| c.0).collect::<Vec<_>>(),
        deid_core::policy::POLICIES,
        "a test for every named policy"
    );
    for (policy, gone, kept) in cases {
        let (t, v) = text(policy);
        assert_eq!(v["documents"][0]["status"], "ok", "{policy}: {v}");
        let rasterised = v["documents"][0]["raster"]
            .as_array()
            .is_some_and(|r| !r.is_empty());
        assert_eq!(rasterised, policy == "strict-raster", "{policy}: {v}");
        for g in gone {
            assert!(!t.contains(g), "{policy}: {g} survived: {t}");
        }
        for k in kept {
            assert!(t.contains(k), "{policy}: {k} went: {t}");
        }
        // the report names the policy the output was made under
        let report: serde_json::Value = serde_json::from_slice(
            &std::fs::read(d.path().join(policy).join("letter.pdf.deid.json")).expect("report"),
        )
        .expect("json");
        assert_eq!(report["policy"], policy, "{policy}");
    }
}

/// `eval --negatives … --annotation`: a hand annotation of the PHI a "de-identified" text
/// still holds scores the predictions against it (placeholders neither way), next to the
/// count of every prediction; an annotation of another text is refused.
#[test]
fn eval_scores_negatives_against_an_annotation_of_their_residual_phi() {
    let d = tempfile::tempdir().expect("tmp");
    let notes = [
        "Seen on 12/04/1987 by Dr. Wildes. Follow up with Dr. XYZ on 3/14/2024.",
        "Chest pain resolved; continue aspirin and statin, Seen by Dr. Okafor on 01/02/2003.",
    ];
    let csv = d.path().join("notes.csv");
    let mut w = csv::Writer::from_path(&csv).expect("csv");
    w.write_record(["note_id", "transcription"]).expect("row");
    for (i, n) in notes.iter().enumerate() {
        w.write_record([i.to_string().as_str(), n]).expect("row");
    }
    w.flush().expect("flush");
    let at = |t: &str, s: &str| {
        let b = t.find(s).expect("in note");
        (
            t[..b].chars().count(),
            t[..b].chars().count() + s.chars().count(),
        )
    };
    let span = |t: &str, s: &str, label: &str, placeholder: bool| {
        let (start, end) = at(t, s);
        serde_json::json!({"start": start, "end": end, "label": label, "placeholder": placeholder})
    };
    let sha = |t: &str| deid_core::hash::sha256_hex(t.as_bytes());
    // the second note's name is left out of the annotation: finding it is a false positive
    let lines = [
        serde_json::json!({"id": 0, "sha256": sha(notes[0]), "spans": [
            span(notes[0], "12/04/1987", "DATE", false),
            span(notes[0], "Wildes", "NAME", false),
            span(notes[0], "XYZ", "NAME", true),
            span(notes[0], "3/14/2024", "DATE", false),
        ]}),
        serde_json::json!({"id": 1, "sha256": sha(notes[1]), "spans": [
            span(notes[1], "01/02/2003", "DATE", false),
        ]}),
    ];
    let ann = d.path().join("ann.jsonl");
    std::fs::write(
        &ann,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .expect("write");
    let run = |ann: &Path| {
        bin()
            .args(["eval", "--negatives"])
            .arg(&csv)
            .arg("--annotation")
            .arg(ann)
            .args(["--detector", "rules", "--no-text"])
            .output()
            .expect("run")
    };
    let out = run(&ann);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{s}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let figure = |label: &str| -> f64 {
        s.lines()
            .find(|l| l.starts_with(label))
            .and_then(|l| l.rsplit(": ").next())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no {label:?} in {s}"))
    };
    let words = notes
        .iter()
        .flat_map(|n| n.split(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .count() as f64;
    // dates (3 + 3 + 3 words) and names (Wildes, Okafor) are predicted; "XYZ" may be
    let predicted = figure("predicted words per 1,000 words");
    assert!(predicted >= 1000.0 * 11.0 / words - 1e-6, "{s}");
    // against the annotation only "Okafor" is false
    let against = figure("false-positive words per 1,000 words against the annotated PHI");
    assert!(
        (against - 1000.0 / words).abs() < 0.01,
        "{against} vs {}: {s}",
        1000.0 / words
    );
    let recall = s
        .lines()
        .find(|l| l.starts_with("token (PHI vs not)"))
        .expect("token line");
    assert!(
        recall.contains("R 1.000"),
        "every annotated word found: {recall}"
    );
    // an annotation recorded for another text is refused
    let changed = d.path().join("changed.jsonl");
    std::fs::write(
        &changed,
        format!("{}\n", lines[0]).replace(&sha(notes[0]), &sha("other")),
    )
    .expect("write");
    let out = run(&changed);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not fit"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
