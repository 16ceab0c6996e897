//! Crash-safe batches and isolation, through the real binary:
//! 1. SIGKILL in the middle of a batch, then the same command again: the rest is done,
//!    nothing is done twice, no partial/unverified/temp file remains, the job log chain
//!    is intact.
//! 2. Two processes on one job log at the same time: both finish, the chain is intact.
//! 3. A worker that cannot run (memory cap far too low) fails its documents only, with a
//!    clear error and no output.
//! 4. A full disk gives a clear error and no partial output (tmpfs; skipped with a notice
//!    where mounting is not permitted).
//! 5. Offline: a batch inside a network namespace without network succeeds (skipped with
//!    a notice where `unshare -n` is not permitted).
//! 6. The job log is tamper-evident: an edited row makes `jobs verify` fail.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use deid_devtools::testpdf;

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pdf-deid"));
    c.env(
        "PDF_DEID_KEY",
        std::env::temp_dir().join("pdf-deid-test-key"),
    );
    c
}

fn inputs(dir: &Path, n: usize) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).expect("mkdir");
    (0..n)
        .map(|i| {
            let p = dir.join(format!("doc{i:03}.pdf"));
            std::fs::write(&p, testpdf::clinical_letter(i as u64 + 100).0).expect("w");
            p
        })
        .collect()
}

fn pdfs_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.retain(|n| n.ends_with(".pdf") || n.ends_with(".tmp"));
    v.sort();
    v
}

fn chain_ok(db: &Path) -> bool {
    let out = bin()
        .arg("jobs")
        .arg("--db")
        .arg(db)
        .arg("verify")
        .output()
        .expect("verify");
    out.status.success()
}

fn ok_rows_per_input(db: &Path) -> Vec<(String, i64)> {
    let c = rusqlite::Connection::open(db).expect("db");
    let mut st = c
        .prepare("SELECT input_sha256, COUNT(*) FROM documents WHERE status IN ('ok','review') GROUP BY input_sha256")
        .expect("prep");
    st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("q")
        .map(|r| r.expect("row"))
        .collect()
}

#[test]
fn sigkill_mid_batch_then_rerun_finishes_the_rest() {
    let d = tempfile::tempdir().expect("tmp");
    let n = 24;
    inputs(&d.path().join("in"), n);
    let out = d.path().join("out");
    let mut child = bin()
        .arg("run")
        .arg(d.path().join("in"))
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    // wait until a few documents are done, then kill -9
    let t = Instant::now();
    while pdfs_in(&out).iter().filter(|n| n.ends_with(".pdf")).count() < 3
        && t.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().expect("kill");
    let _ = child.wait();
    let done_before = pdfs_in(&out).iter().filter(|n| n.ends_with(".pdf")).count();
    assert!(
        done_before < n,
        "the batch finished before it could be killed"
    );

    let r = bin()
        .arg("run")
        .arg(d.path().join("in"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("rerun");
    let s = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{s}");
    let files = pdfs_in(&out);
    assert_eq!(
        files.iter().filter(|f| f.ends_with(".pdf")).count(),
        n,
        "{files:?}"
    );
    assert!(
        !files.iter().any(|f| f.ends_with(".tmp")),
        "temp files left: {files:?}"
    );
    // every output is complete and redacted (its planted PHI gone on re-extraction) and
    // has the report that only a verified document gets
    for f in files {
        let bytes = std::fs::read(out.join(&f)).expect("read");
        assert!(
            lopdf::Document::load_mem(&bytes).is_ok(),
            "{f} is not a complete PDF"
        );
        let i: u64 = f
            .trim_start_matches("doc")
            .trim_end_matches(".pdf")
            .parse()
            .expect("index");
        let phi = testpdf::clinical_letter(i + 100).1;
        common::assert_gone(&common::text_of(&common::extract(&bytes)), &phi);
        assert!(
            out.join(format!("{f}.deid.json")).is_file(),
            "{f} has no report"
        );
    }
    let db = out.join("pdf-deid-jobs.sqlite");
    assert!(chain_ok(&db));
    let rows = ok_rows_per_input(&db);
    assert_eq!(rows.len(), n);
    // a document whose output was renamed but whose row was not yet written when the
    // process died is redone once; nothing else is
    assert!(rows.iter().filter(|(_, c)| *c > 1).count() <= 1, "{rows:?}");
}

#[test]
fn two_processes_share_one_job_log() {
    let d = tempfile::tempdir().expect("tmp");
    inputs(&d.path().join("a"), 8);
    inputs(&d.path().join("b"), 8);
    let db = d.path().join("shared.sqlite");
    let spawn = |dir: &str| {
        bin()
            .arg("run")
            .arg(d.path().join(dir))
            .arg("--out")
            .arg(d.path().join(format!("out-{dir}")))
            .arg("--db")
            .arg(&db)
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn")
    };
    let (mut a, mut b) = (spawn("a"), spawn("b"));
    assert!(a.wait().expect("a").success());
    assert!(b.wait().expect("b").success());
    assert!(chain_ok(&db));
    let c = rusqlite::Connection::open(&db).expect("db");
    let n: i64 = c
        .query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0))
        .expect("count");
    assert_eq!(n, 16);
}

#[test]
fn a_worker_that_dies_fails_only_its_documents() {
    let d = tempfile::tempdir().expect("tmp");
    inputs(&d.path().join("in"), 2);
    let out = d.path().join("out");
    let r = bin()
        .arg("run")
        .arg(d.path().join("in"))
        .arg("--out")
        .arg(&out)
        .args(["--max-memory-mb", "16", "--json"])
        .output()
        .expect("run");
    let s = String::from_utf8_lossy(&r.stdout);
    assert_eq!(r.status.code(), Some(1), "{s}");
    let o: serde_json::Value = serde_json::from_slice(&r.stdout).expect("json outcome");
    let codes: Vec<&str> = o["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| d["error_code"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(codes, vec!["worker_crashed"; 2], "{s}");
    assert!(pdfs_in(&out).is_empty(), "{:?}", pdfs_in(&out));
}

#[test]
fn full_disk_is_a_clear_error_without_partial_output() {
    let d = tempfile::tempdir().expect("tmp");
    let input = d.path().join("in");
    inputs(&input, 3);
    let mnt = d.path().join("small");
    std::fs::create_dir_all(&mnt).expect("mkdir");
    // a private mount namespace with an 8 KiB tmpfs as the output folder: the outputs do
    // not fit; the job log lives beside it, so the run records each failure (a job log
    // on the full disk would make the run itself fail)
    let script = format!(
        "mount -t tmpfs -o size=8k tmpfs {m} && {exe} run {i} --out {m}/out --db {db}; echo rc=$?; ls -a {m}/out",
        m = mnt.display(),
        exe = env!("CARGO_BIN_EXE_pdf-deid"),
        i = input.display(),
        db = d.path().join("jobs.sqlite").display()
    );
    let r = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .env(
            "PDF_DEID_KEY",
            std::env::temp_dir().join("pdf-deid-test-key"),
        )
        .output();
    let Some(r) = r
        .ok()
        .filter(|r| !String::from_utf8_lossy(&r.stderr).contains("mount:"))
    else {
        common::skip("tmpfs", "cannot mount a tmpfs here (full-disk test)");
        return;
    };
    let s = String::from_utf8_lossy(&r.stdout);
    if !s.contains("rc=") {
        common::skip("tmpfs", "unshare -m not permitted (full-disk test)");
        return;
    }
    assert!(s.contains("rc=1"), "{s}");
    assert!(
        s.contains("FAILED") && (s.contains("disk") || s.contains("I/O")),
        "{s}"
    );
    let listing: Vec<&str> = s.lines().skip_while(|l| !l.starts_with("rc=")).collect();
    assert!(
        !listing.iter().any(|l| l.ends_with(".tmp")),
        "temp files left: {s}"
    );
    // every PDF left is complete (verified outputs only)
    for name in listing.iter().filter(|l| l.ends_with(".pdf")) {
        assert!(
            !s.contains(&format!("FAILED {}", input.join(name).display())),
            "{name} failed but has an output"
        );
    }
}

#[test]
fn offline_batch_in_a_network_namespace() {
    if !Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        common::skip("netns", "unshare -n not permitted (offline test)");
        return;
    }
    let d = tempfile::tempdir().expect("tmp");
    inputs(&d.path().join("in"), 2);
    let r = Command::new("unshare")
        .arg("-n")
        .arg(env!("CARGO_BIN_EXE_pdf-deid"))
        .arg("run")
        .arg(d.path().join("in"))
        .arg("--out")
        .arg(d.path().join("out"))
        .env(
            "PDF_DEID_KEY",
            std::env::temp_dir().join("pdf-deid-test-key"),
        )
        .output()
        .expect("run");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stdout));
    assert_eq!(pdfs_in(&d.path().join("out")).len(), 2);
}

#[test]
fn edited_job_log_row_is_detected() {
    let d = tempfile::tempdir().expect("tmp");
    inputs(&d.path().join("in"), 3);
    let out = d.path().join("out");
    assert!(bin()
        .arg("run")
        .arg(d.path().join("in"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("run")
        .status
        .success());
    let db = out.join("pdf-deid-jobs.sqlite");
    assert!(chain_ok(&db));
    {
        let c = rusqlite::Connection::open(&db).expect("db");
        let triggers: Vec<String> = c
            .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            .expect("p")
            .query_map([], |r| r.get(0))
            .expect("q")
            .map(|r| r.expect("r"))
            .collect();
        for t in triggers {
            c.execute(&format!("DROP TRIGGER {t}"), []).expect("drop");
        }
        c.execute(
            "UPDATE documents SET risk_score = risk_score + 0.5 WHERE id = 2",
            [],
        )
        .expect("edit");
    }
    assert!(!chain_ok(&db));
}
