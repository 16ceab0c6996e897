//! Scale-out: `pdf-deid run --shard K/N` (and the Kubernetes / Slurm variables instead of
//! the flag) splits a batch so that every input is processed by exactly one shard and the
//! shards together write what one unsharded run writes; `pdf-deid jobs merge` combines the
//! per-shard job logs into one whose hash chain verifies, once however often it runs; a
//! re-run shard redoes only what is missing.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use deid_core::job::Shard;
use deid_devtools::testpdf;

const SHARD_VARS: [&str; 6] = [
    "JOB_COMPLETION_INDEX",
    "JOB_COMPLETIONS",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_ARRAY_TASK_COUNT",
    "SLURM_ARRAY_TASK_MIN",
    "SLURM_ARRAY_TASK_STEP",
];

/// Inputs in nested folders (output-relative paths).
const INPUTS: [&str; 8] = [
    "a.pdf",
    "clinic/b.pdf",
    "clinic/c.pdf",
    "clinic/2024/d.pdf",
    "ward 7/e.pdf",
    "ward 7/notes/f.pdf",
    "ward 7/notes/g.pdf",
    "z/h.pdf",
];

struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("tmp");
        for (i, rel) in INPUTS.iter().enumerate() {
            let p = dir.path().join("in").join(rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, testpdf::clinical_letter(100 + i as u64).0).expect("write");
        }
        Fixture { dir }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `pdf-deid` with this test's key and no scheduler variables.
    fn bin(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_pdf-deid"));
        c.env("PDF_DEID_KEY", self.path("hmac.key"));
        for v in SHARD_VARS {
            c.env_remove(v);
        }
        c
    }

    /// `run in --out <out> --db <db>` (rules only) with `extra` arguments and variables.
    fn run(&self, out: &str, db: &str, args: &[&str], vars: &[(&str, &str)]) -> Output {
        let mut c = self.bin();
        c.arg("run")
            .arg(self.path("in"))
            .arg("--out")
            .arg(self.path(out))
            .arg("--db")
            .arg(self.path(db))
            .args(["--ner-model", "none"])
            .args(args)
            .envs(vars.iter().copied());
        c.output().expect("run")
    }

    fn jobs(&self, args: &[&str]) -> Output {
        let mut c = self.bin();
        c.arg("jobs");
        for a in args {
            if a.ends_with(".sqlite") {
                c.arg(self.path(a));
            } else {
                c.arg(a);
            }
        }
        c.output().expect("jobs")
    }

    /// The document rows of a job log whose chain `jobs verify` finds intact.
    fn verified_rows(&self, db: &str) -> u64 {
        let v = self.jobs(&["--db", db, "verify"]);
        let s = stdout(&v);
        assert_eq!(v.status.code(), Some(0), "{s}");
        s.strip_prefix("job log intact: ")
            .and_then(|r| r.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no row count in {s:?}"))
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn files_under(dir: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries {
            let p = e.expect("entry").path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, &mut files);
    files
        .iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).expect("prefix");
            rel.to_string_lossy().replace('\\', "/")
        })
        .collect()
}

/// The output PDFs and reports an input gets.
fn outputs_of(rel: &str) -> [String; 2] {
    [rel.to_owned(), format!("{rel}.deid.json")]
}

/// The "shard K/N: X of Y inputs" line, and the summary line, of a run.
fn summary(o: &Output) -> (String, String) {
    let s = stdout(o);
    let line = |p: &str| {
        s.lines()
            .find(|l| l.starts_with(p))
            .unwrap_or_else(|| panic!("no {p:?} line in {s}"))
            .to_owned()
    };
    (line("shard "), line("documents: "))
}

#[test]
fn shards_split_the_batch_and_their_job_logs_merge() {
    let fx = Fixture::new();
    let n = 4u64;
    let expected: BTreeMap<u64, Vec<&str>> = (0..n)
        .map(|k| {
            let mine = INPUTS
                .iter()
                .copied()
                .filter(|r| Shard::bucket(Path::new(r), n) == k)
                .collect();
            (k, mine)
        })
        .collect();

    // four shards into one output folder, each with its own job log
    let mut produced: BTreeMap<u64, BTreeSet<String>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for k in 0..n {
        let before = files_under(&fx.path("out"));
        let r = fx.run(
            "out",
            &format!("jobs-{k}.sqlite"),
            &["--shard", &format!("{k}/{n}")],
            &[],
        );
        assert_eq!(r.status.code(), Some(0), "{}", stdout(&r));
        let mine = &expected[&k];
        let (shard_line, docs_line) = summary(&r);
        assert!(
            shard_line.starts_with(&format!("shard {k}/{n}: {} of 8 inputs", mine.len())),
            "{shard_line}"
        );
        assert!(
            docs_line.starts_with(&format!("documents: {} ok, 0 review, 0 failed", mine.len())),
            "{docs_line}"
        );
        let new: BTreeSet<String> = files_under(&fx.path("out"))
            .difference(&before)
            .cloned()
            .collect();
        let want: BTreeSet<String> = mine.iter().flat_map(|r| outputs_of(r)).collect();
        assert_eq!(new, want, "shard {k}");
        for f in &new {
            assert!(seen.insert(f.clone()), "{f} written by two shards");
        }
        produced.insert(k, new);
    }

    // one unsharded run writes the same set of files
    let single = fx.run("single", "single.sqlite", &[], &[]);
    assert_eq!(single.status.code(), Some(0), "{}", stdout(&single));
    assert!(!stdout(&single).contains("shard "), "{}", stdout(&single));
    let all: BTreeSet<String> = INPUTS.iter().flat_map(|r| outputs_of(r)).collect();
    assert_eq!(files_under(&fx.path("single")), all);
    assert_eq!(files_under(&fx.path("out")), all);
    assert_eq!(seen, all);

    // the merged job log: as many document rows as the single run's, chain intact
    let dbs: Vec<String> = (0..n).map(|k| format!("jobs-{k}.sqlite")).collect();
    let merge = |fx: &Fixture| {
        let mut args = vec!["merge"];
        args.extend(dbs.iter().map(String::as_str));
        args.extend(["--into", "merged/all.sqlite"]);
        let m = fx.jobs(&args);
        assert_eq!(m.status.code(), Some(0), "{}", stdout(&m));
        stdout(&m)
    };
    let first = merge(&fx);
    assert!(first.contains("hash chain verified"), "{first}");
    let single_rows = fx.verified_rows("single.sqlite");
    assert_eq!(single_rows, INPUTS.len() as u64);
    assert_eq!(fx.verified_rows("merged/all.sqlite"), single_rows);
    let listing = stdout(&fx.jobs(&["--db", "merged/all.sqlite"]));
    assert_eq!(
        listing.lines().filter(|l| l.starts_with("job ")).count(),
        n as usize,
        "{listing}"
    );
    // merging again adds nothing
    let again = merge(&fx);
    assert_eq!(
        again.matches("0 jobs, 0 documents added").count(),
        4,
        "{again}"
    );
    assert_eq!(fx.verified_rows("merged/all.sqlite"), single_rows);

    // the Kubernetes variables select the same shard as the flag
    let env = fx.run(
        "env",
        "env.sqlite",
        &[],
        &[("JOB_COMPLETION_INDEX", "1"), ("JOB_COMPLETIONS", "4")],
    );
    assert_eq!(env.status.code(), Some(0), "{}", stdout(&env));
    assert!(
        summary(&env).0.starts_with("shard 1/4: "),
        "{}",
        stdout(&env)
    );
    assert_eq!(files_under(&fx.path("env")), produced[&1]);
    // ... and Slurm's (task ids 1..4 with SLURM_ARRAY_TASK_MIN=1): the same shard, all done
    let slurm = fx.run(
        "env",
        "env.sqlite",
        &[],
        &[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
        ],
    );
    let (shard_line, docs_line) = summary(&slurm);
    assert!(shard_line.starts_with("shard 1/4: "), "{shard_line}");
    let k1 = expected[&1].len();
    assert!(
        docs_line.starts_with(&format!(
            "documents: 0 ok, 0 review, 0 failed, {k1} skipped"
        )),
        "{docs_line}"
    );
    // half a pair, or a bad value, is a usage error
    for vars in [
        &[("JOB_COMPLETION_INDEX", "1")][..],
        &[("SLURM_ARRAY_TASK_COUNT", "4")][..],
        &[("JOB_COMPLETION_INDEX", "4"), ("JOB_COMPLETIONS", "4")][..],
        &[("JOB_COMPLETION_INDEX", "one"), ("JOB_COMPLETIONS", "4")][..],
    ] {
        let bad = fx.run("bad", "bad.sqlite", &[], vars);
        assert_eq!(bad.status.code(), Some(2), "{vars:?}");
        assert!(
            String::from_utf8_lossy(&bad.stderr).contains("JOB_")
                || String::from_utf8_lossy(&bad.stderr).contains("SLURM_"),
            "{vars:?}: {}",
            String::from_utf8_lossy(&bad.stderr)
        );
    }
    for bad in ["4/4", "1/0", "1", "-1/4"] {
        let r = fx.run("bad", "bad.sqlite", &[&format!("--shard={bad}")], &[]);
        assert_eq!(r.status.code(), Some(2), "--shard {bad}");
    }
    assert!(!fx.path("bad").exists());

    // a shard run again redoes only what is missing
    let (k, mine) = expected
        .iter()
        .max_by_key(|(_, v)| v.len())
        .expect("a shard");
    let db = format!("jobs-{k}.sqlite");
    let flag = format!("{k}/{n}");
    let rerun = fx.run("out", &db, &["--shard", &flag], &[]);
    let docs_line = summary(&rerun).1;
    assert!(
        docs_line.starts_with(&format!(
            "documents: 0 ok, 0 review, 0 failed, {} skipped",
            mine.len()
        )),
        "{docs_line}"
    );
    std::fs::remove_file(fx.path("out").join(mine[0])).expect("remove an output");
    let repair = fx.run("out", &db, &["--shard", &flag], &[]);
    let docs_line = summary(&repair).1;
    assert!(
        docs_line.starts_with(&format!(
            "documents: 1 ok, 0 review, 0 failed, {} skipped",
            mine.len() - 1
        )),
        "{docs_line}"
    );
    assert_eq!(files_under(&fx.path("out")), all);
    // merging the grown shard log brings its new document row only
    let third = merge(&fx);
    assert!(third.contains("1 documents added"), "{third}");
    assert_eq!(fx.verified_rows("merged/all.sqlite"), single_rows + 1);
}

#[test]
fn merge_refuses_a_job_log_whose_chain_is_broken() {
    let fx = Fixture::new();
    let r = fx.run("out", "jobs-0.sqlite", &["--shard", "0/1"], &[]);
    assert_eq!(r.status.code(), Some(0), "{}", stdout(&r));
    {
        let raw = rusqlite::Connection::open(fx.path("jobs-0.sqlite")).expect("open");
        raw.execute_batch(
            "DROP TRIGGER documents_no_update; \
             UPDATE documents SET risk_score = 0.5 WHERE id = 2",
        )
        .expect("tamper");
    }
    let m = fx.jobs(&["merge", "jobs-0.sqlite", "--into", "all.sqlite"]);
    assert_eq!(m.status.code(), Some(1), "{}", stdout(&m));
    assert!(stdout(&m).contains("refused"), "{}", stdout(&m));
    assert!(!fx.path("all.sqlite").exists());
    let missing = fx.jobs(&["merge", "nope.sqlite", "--into", "all.sqlite"]);
    assert_eq!(missing.status.code(), Some(2));
}
