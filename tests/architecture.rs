//! The shape of the code, checked (ARCHITECTURE.md, "Layers"):
//! 1. `crates/core` imports only downward: every module has a layer, and a module may use
//!    only modules of lower layers (the stage modules do not know each other).
//! 2. No import circle between the modules of `cli/`, `src-tauri/src/` and
//!    `crates/devtools/src/`.
//! 3. A batch run in worker processes loads the NER weights only in the workers.
//!
//! Imports are read from the source (`crate::x` paths and `use crate::{…}` groups), test
//! modules and comments left out.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers of `crates/core/src`, lowest first.
const CORE_LAYERS: &[(&str, &[&str])] = &[
    ("errors", &["error"]),
    ("data types", &["types", "calibration"]),
    (
        "foundation",
        &[
            "entity", "detector", "hash", "geometry", "pdf", "text", "policy", "child",
        ],
    ),
    ("services", &["pdfium", "joblog", "registry"]),
    (
        "stages",
        &[
            "ocr",
            "layout",
            "blobs",
            "detect",
            "ner",
            "propagate",
            "risk",
            "plan",
            "surrogate",
            "redact",
            "sanitize",
            "verify",
        ],
    ),
    ("settings and review", &["config", "review"]),
    ("pipeline", &["pipeline"]),
    ("assembly", &["engine"]),
    ("batch", &["job"]),
    ("reports", &["audit", "drift"]),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir` with the top-level module it belongs to (`a.rs` and
/// `a/…` → `a`; the crate root files are left out).
fn modules(dir: &Path, roots: &[&str]) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(dir).expect("under dir");
                let first = rel.components().next().expect("component");
                let name = first.as_os_str().to_string_lossy();
                let top = name.trim_end_matches(".rs").to_string();
                if !roots.contains(&top.as_str()) {
                    out.push((top, p));
                }
            }
        }
    }
    out.sort();
    out
}

/// The top-level modules a file's non-test, non-comment code names through `crate::`.
fn imports(path: &Path) -> BTreeSet<String> {
    let src = std::fs::read_to_string(path).expect("read source");
    let body = src.split("#[cfg(test)]").next().unwrap_or("");
    let code: String = body
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            // `crate::{a::b, c, d::{e, f}}`: the first segment of each item at depth 1
            let mut depth = 1;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 1 => break,
                    '}' => depth -= 1,
                    ',' if depth == 1 => {
                        out.extend(first_segment(&item));
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 1 {
                    item.push(c);
                }
            }
            out.extend(first_segment(&item));
        } else {
            out.extend(first_segment(after));
        }
        rest = after;
    }
    out
}

/// `a::b…` → `a` (lower-case module names only: `crate::Error` is a re-export).
fn first_segment(s: &str) -> Option<String> {
    let s = s.trim_start();
    let name: String = s
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty() && name.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
        .then_some(name)
}

/// Module → the other top-level modules it imports.
fn graph(dir: &Path, roots: &[&str]) -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules(dir, roots);
    let names: BTreeSet<String> = mods.iter().map(|(m, _)| m.clone()).collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, p) in &mods {
        let deps = g.entry(m.clone()).or_default();
        for d in imports(p) {
            if d != *m && names.contains(&d) {
                deps.insert(d);
            }
        }
    }
    g
}

/// A cycle in `g`, if there is one.
fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let at = path.iter().position(|p| p == n).unwrap_or(0);
                let mut c = path[at..].to_vec();
                c.push(n.to_string());
                return Some(c);
            }
            _ => {}
        }
        state.insert(n.to_string(), 1);
        path.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, g, state, path) {
                return Some(c);
            }
        }
        path.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in g.keys() {
        if let Some(c) = visit(n, g, &mut state, &mut Vec::new()) {
            return Some(c);
        }
    }
    None
}

#[test]
fn core_imports_only_downward() {
    let g = graph(&root().join("crates/core/src"), &["lib", "main", "build"]);
    let layer_of: BTreeMap<&str, (usize, &str)> = CORE_LAYERS
        .iter()
        .enumerate()
        .flat_map(|(i, (name, mods))| mods.iter().map(move |m| (*m, (i, *name))))
        .collect();
    let mut problems = Vec::new();
    for (m, deps) in &g {
        let Some(&(lm, ln)) = layer_of.get(m.as_str()) else {
            problems.push(format!("module `{m}` has no layer in CORE_LAYERS"));
            continue;
        };
        for d in deps {
            if let Some(&(ld, dn)) = layer_of.get(d.as_str()) {
                if ld >= lm {
                    problems.push(format!(
                        "`{m}` ({ln}) imports `{d}` ({dn}): only lower layers may be imported"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(find_cycle(&g), None);
}

#[test]
fn the_shells_and_devtools_have_no_import_circle() {
    for (dir, roots) in [
        ("cli", &["main"][..]),
        ("src-tauri/src", &["main", "lib"][..]),
        ("crates/devtools/src", &["lib"][..]),
    ] {
        let g = graph(&root().join(dir), roots);
        assert!(g.len() > 1, "{dir}: no modules found");
        assert_eq!(find_cycle(&g), None, "{dir}: import circle");
    }
}

#[test]
fn the_checker_sees_imports_and_circles() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("a.rs"),
        "use crate::{b::X, c};\n// crate::d in a comment\n#[cfg(test)]\nmod t { use crate::e; }\n",
    )
    .expect("w");
    std::fs::write(dir.path().join("b.rs"), "fn f() { crate::a::g(); }\n").expect("w");
    std::fs::write(dir.path().join("c.rs"), "").expect("w");
    let g = graph(dir.path(), &[]);
    assert_eq!(
        g["a"],
        ["b", "c"]
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>()
    );
    assert!(find_cycle(&g).is_some());
}

/// One `pdf-deid worker` process per document, with the default settings.
fn worker_isolation() -> deid_core::job::Isolation {
    deid_core::job::Isolation::Subprocess {
        exe: env!("CARGO_BIN_EXE_pdf-deid").into(),
        settings: deid_core::job::WorkerSettings {
            policy: "safe-harbor".into(),
            max_memory_mb: 4096,
            ..Default::default()
        },
        timeout: std::time::Duration::from_secs(120),
        password: None,
        reuse: true,
    }
}

/// The parent of a worker batch describes the engine without loading the NER model (the
/// workers load it), and the description is the loaded engine's: the same settings hash
/// (so resume decisions agree), detector names and policy. The only test in this binary
/// that loads a model, so the process-wide load counter is its own.
#[test]
fn a_worker_batch_loads_the_model_only_in_the_workers() {
    use deid_core::job;
    if !common::encoder_present() {
        common::skip("encoder", "models/minilm missing: nothing to load");
        return;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("in/a.pdf");
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(&p, deid_devtools::testpdf::clinical_letter(3).0).expect("write");
    let info = deid_core::engine::describe(deid_core::Config::safe_harbor(), None, None)
        .expect("describe");
    assert_eq!(deid_core::ner::load_count(), 0);
    let req = job::JobRequest {
        inputs: vec![dir.path().join("in")],
        out_dir: dir.path().join("out"),
        db: dir.path().join("out/jobs.sqlite"),
        key: dir.path().join("key"),
        force: false,
        isolation: worker_isolation(),
        review: None,
        cancel: None,
        names: Default::default(),
    };
    let outcome = job::run_job(job::Pipeline::Described(&info), &req, &mut |_| {}).expect("job");
    assert_eq!(outcome.documents[0].status, job::DocStatus::Ok);
    assert!(dir.path().join("out/a.pdf").exists());
    assert_eq!(
        deid_core::ner::load_count(),
        0,
        "the parent loaded a NER model"
    );
    // the loaded engine agrees with the description
    let loaded =
        deid_core::engine::engine_with_models(deid_core::Config::safe_harbor(), 1, None, None)
            .expect("engine");
    assert_eq!(deid_core::ner::load_count(), 1);
    assert_eq!(info, loaded.info());
    assert!(info.detectors.iter().any(|d| d.starts_with("ner:")));
}
