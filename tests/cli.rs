//! The `pdf-deid` binary end to end: batch with a bad file, exit codes, outputs and
//! reports, re-runs that skip finished documents, the job log (no plaintext PHI, intact
//! hash chain), `detect --jsonl` and `doctor`.

mod common;

use std::path::Path;
use std::process::Command;

use deid_core::testpdf;

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

    let db = out.join("pdf-deid-jobs.sqlite");
    let j = bin()
        .arg("jobs")
        .arg("--db")
        .arg(&db)
        .output()
        .expect("jobs");
    let js = String::from_utf8_lossy(&j.stdout);
    assert!(js.contains("job 3") && js.contains("failed"), "{js}");
    let v = bin()
        .arg("jobs")
        .arg("--db")
        .arg(&db)
        .arg("verify")
        .output()
        .expect("verify");
    assert_eq!(v.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&v.stdout).contains("intact"));
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

#[test]
fn a_tampered_model_is_refused() {
    let d = tempfile::tempdir().expect("tmp");
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    for f in std::fs::read_dir(&models).expect("models") {
        let f = f.expect("entry").path();
        let to = d.path().join(f.file_name().expect("name"));
        if f.is_dir() {
            std::os::unix::fs::symlink(&f, &to).expect("link the base encoder");
        } else {
            std::fs::copy(&f, &to).expect("copy");
        }
    }
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
