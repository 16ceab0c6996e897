//! The NER encoder and detector with the real base model (fetched by scripts/setup.sh; the
//! tests print a notice and stop when it is missing).
//! 1. Tokenizer parity with the reference ids.
//! 2. Batched encoder output: shape, padding does not change a sequence's vectors, and
//!    windows packed side by side in one row get the vectors each gets alone.
//! 3. The registered NER model loads (checksums verified) and finds names without context.
//! 4. Fused inference kernels equal the differentiable ops; fine-tuning learns and its
//!    stored layers round-trip.

mod common;

use std::path::PathBuf;

use deid_core::ner::{self, Encoder};

fn encoder_dir() -> Option<PathBuf> {
    if common::encoder_present() {
        Some(common::encoder_path())
    } else {
        common::skip("encoder", "models/minilm missing (run scripts/setup.sh)");
        None
    }
}

/// The encoder's features for `texts`, flattened.
fn vectors(enc: &Encoder, texts: &[&str]) -> Vec<f32> {
    let e = enc.encode(texts).expect("encode");
    enc.features(texts, &e)
        .and_then(|t| {
            t.flatten_all()
                .and_then(|t| t.to_vec1())
                .map_err(|_| deid_core::Error::Internal("tensor"))
        })
        .expect("features")
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max)
}

#[test]
fn tokenizer_parity_and_padding_invariance() {
    let Some(dir) = encoder_dir() else { return };
    let enc = Encoder::load(&dir, candle_core::Device::Cpu).expect("encoder");
    let e = enc.encode(&["MRN: 4829301"]).expect("encode");
    assert_eq!(
        e[0].ids,
        vec![101, 2720, 2078, 1024, 4466, 24594, 14142, 2487, 102]
    );
    let texts = [
        "Patient: Zoë Müller",
        "A much longer sentence that forces padding of the first one.",
    ];
    let e = enc.encode(&texts).expect("encode");
    let batched = enc.features(&texts, &e).expect("features");
    let (b, t, h) = batched.dims3().expect("dims");
    assert_eq!((b, h), (2, 384 + ner::N_CASE));
    let single_e = enc.encode(&texts[..1]).expect("encode");
    let single = enc.features(&texts[..1], &single_e).expect("features");
    let n = single_e[0].ids.len();
    assert!(t > n);
    let a: Vec<Vec<f32>> = batched
        .get(0)
        .expect("row")
        .narrow(0, 0, n)
        .expect("narrow")
        .to_vec2()
        .expect("vec");
    let s: Vec<Vec<f32>> = single.get(0).expect("row").to_vec2().expect("vec");
    let d = max_diff(&a.concat(), &s.concat());
    assert!(d < 1e-3, "padding changed the vectors by {d}");
}

/// Packed rows (several windows in one row, each attending to itself with positions from
/// 0) give every window the vectors it gets alone, casing features included.
#[test]
fn packed_windows_get_the_vectors_they_get_alone() {
    let Some(dir) = encoder_dir() else { return };
    let enc = Encoder::load(&dir, candle_core::Device::Cpu).expect("encoder");
    let long = "Discharge summary: the patient was seen by Dr. Helen Okafor on 03/14/2024 \
                at Riverside Clinic, MRN 4829301, and sent home with her daughter Ruth.";
    let texts = [
        "Name:",
        long,
        "Patient: Zoë Müller",
        "BP 120/80",
        "SEEN BY DR WALSH. WIFE MARGARET IN TO VISIT.",
        long,
        "x",
    ];
    let e = enc.encode(&texts).expect("encode");
    let lens: Vec<usize> = e.iter().map(|x| x.ids.len()).collect();
    let rows = ner::pack_rows(&lens);
    assert!(
        rows.len() < texts.len(),
        "some windows share a row: {rows:?}"
    );
    let t = ner::longest_row(&rows, &lens);
    let packed = enc.packed_features(&texts, &e, &rows, t).expect("packed");
    let mut worst = 0f32;
    for (ri, row) in rows.iter().enumerate() {
        let mut at = 0;
        for &wi in row {
            let got: Vec<Vec<f32>> = packed
                .get(ri)
                .and_then(|r| r.narrow(0, at, lens[wi]))
                .and_then(|r| r.to_vec2())
                .expect("slice");
            let alone = vectors(&enc, &texts[wi..=wi]);
            assert_eq!(got.concat().len(), alone.len());
            worst = worst.max(max_diff(&got.concat(), &alone));
            at += lens[wi];
        }
    }
    assert!(worst < 1e-3, "packing changed the vectors by {worst}");
}

#[test]
fn registered_ner_head_finds_names_without_context() {
    let Some(dir) = encoder_dir() else { return };
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
    let reg = deid_core::registry::Registry::load(&models).expect("registry");
    if reg.entry("ner-minilm").is_err() {
        common::skip("encoder", "no ner-minilm in models/registry.json");
        return;
    }
    let m =
        ner::load_model(&reg, "ner-minilm", &dir, ner::DeviceChoice::Cpu).expect("verified model");
    let found = m
        .detect_texts(&[
            "Yesterday Hannah Kowalski and Tobias Whitfield met at Riverside General Hospital.",
        ])
        .expect("detect");
    let cats: Vec<(String, &str)> = found[0]
        .iter()
        .map(|s| {
            (
                "Yesterday Hannah Kowalski and Tobias Whitfield met at Riverside General Hospital."
                    [s.start..s.end]
                    .to_string(),
                s.category.as_str(),
            )
        })
        .collect();
    assert!(
        cats.iter()
            .any(|(t, c)| t.contains("Kowalski") && *c == "NAME"),
        "{cats:?}"
    );
    assert!(
        cats.iter()
            .any(|(t, c)| t.contains("Whitfield") && *c == "NAME"),
        "{cats:?}"
    );
}

/// The fused inference kernels (LayerNorm, softmax) give the same vectors as the
/// differentiable elementary ops used for fine-tuning.
#[test]
fn fused_kernels_match_the_differentiable_path() {
    let Some(dir) = encoder_dir() else { return };
    let mut enc = Encoder::load(&dir, candle_core::Device::Cpu).expect("encoder");
    let texts = ["Seen by Dr. Helen Okafor at Riverside Clinic on 03/14/2024."];
    let fast = vectors(&enc, &texts);
    enc.bert.set_differentiable(true);
    let slow = vectors(&enc, &texts);
    let d = max_diff(&fast, &slow);
    assert!(d < 1e-3, "fused kernels differ by {d}");
}

/// Fine-tuning the top layer lowers the training loss, changes what the encoder computes,
/// and the stored f16 weights, laid over a freshly loaded base encoder, reproduce it; a
/// layer stored incompletely is refused.
#[test]
fn fine_tuning_learns_and_its_weights_round_trip() {
    use deid_devtools::ner_train as nt;
    let Some(dir) = encoder_dir() else { return };
    let mut enc = Encoder::load(&dir, candle_core::Device::Cpu).expect("encoder");
    let ex: Vec<nt::Example> = nt::generate(3, 48).iter().flat_map(nt::windowed).collect();
    let (xs, ys, dim) = nt::featurise(&enc, &ex).expect("features");
    let (w, b) = nt::train_head(&xs, &ys, dim, 2).expect("head");
    let probe = ["Discharge summary for maryanne cirillo, seen at Dover Medical Center."];
    let before = vectors(&enc, &probe);
    let ft = nt::FineTune {
        layers: 1,
        epochs: 3,
        lr_encoder: 2e-4,
        lr_head: 2e-3,
        batch: 16,
        seed: 1,
    };
    let mut losses = Vec::new();
    let tuned = nt::fine_tune(&mut enc, &w, &b, &ex, &ft, |_, l| losses.push(l)).expect("tune");
    assert_eq!(losses.len(), 3);
    assert!(losses[2] < losses[0], "loss did not fall: {losses:?}");
    assert_eq!(tuned.layers.len(), 12);
    assert!(tuned
        .layers
        .iter()
        .all(|(n, t)| n.starts_with("encoder.layer.5.") && t.dtype() == candle_core::DType::F16));
    let after = vectors(&enc, &probe);
    let moved = max_diff(&before, &after);
    assert!(moved > 1e-3, "fine-tuning did not change the encoder");

    // stored and laid over the base encoder, the weights give the same vectors
    let tmp = tempfile::tempdir().expect("tmp");
    let path = tmp.path().join("tuned.safetensors");
    let map: std::collections::HashMap<String, candle_core::Tensor> =
        tuned.layers.iter().cloned().collect();
    candle_core::safetensors::save(&map, &path).expect("save");
    let loaded = candle_core::safetensors::load(&path, &candle_core::Device::Cpu).expect("load");
    let mut fresh = Encoder::load(&dir, candle_core::Device::Cpu).expect("encoder");
    assert_eq!(fresh.bert.overlay(&loaded).expect("overlay"), vec![5]);
    let again = vectors(&fresh, &probe);
    let diff = max_diff(&after, &again);
    assert!(diff < 1e-5, "stored weights differ by {diff}");

    let mut partial = loaded.clone();
    partial.retain(|k, _| !k.ends_with("out_norm.bias"));
    let mut base = Encoder::load(&dir, candle_core::Device::Cpu).expect("encoder");
    assert!(base.bert.overlay(&partial).is_err());
}

/// A base encoder that is not the pinned one is refused, even by one byte (its checksum
/// runs beside the conversion and decides before a model is returned).
#[test]
fn a_changed_base_encoder_is_refused() {
    let Some(dir) = encoder_dir() else { return };
    let models = dir.parent().expect("models").to_path_buf();
    let reg = deid_core::registry::Registry::load(&models).expect("registry");
    let tmp = tempfile::tempdir().expect("tmp");
    for f in ["config.json", "tokenizer.json"] {
        std::fs::copy(dir.join(f), tmp.path().join(f)).expect("copy");
    }
    let mut weights = std::fs::read(dir.join("model.safetensors")).expect("weights");
    let last = weights.len() - 1;
    weights[last] ^= 1;
    std::fs::write(tmp.path().join("model.safetensors"), &weights).expect("write");
    let err = match ner::load_model(&reg, "ner-minilm", tmp.path(), ner::DeviceChoice::Cpu) {
        Ok(_) => panic!("a changed encoder loaded"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("checksum does not match"), "{err}");
    assert!(ner::load_model(&reg, "ner-minilm", &dir, ner::DeviceChoice::Cpu).is_ok());
}

/// The default model runs over the base encoder's bottom layers only, as registered; a
/// truncation outside 1..=layers is refused.
#[test]
fn the_default_model_truncates_the_base_encoder_as_registered() {
    let Some(dir) = encoder_dir() else { return };
    let models = dir.parent().expect("models").to_path_buf();
    let reg = deid_core::registry::Registry::load(&models).expect("registry");
    let entry = reg.entry("ner-minilm").expect("default");
    let k = entry.training["encoder_layers"].as_u64().unwrap_or(0) as usize;
    let m = ner::load_model(&reg, "ner-minilm", &dir, ner::DeviceChoice::Cpu).expect("load");
    let full = Encoder::load(&dir, candle_core::Device::Cpu).expect("encoder");
    if k > 0 {
        assert_eq!(m.encoder.bert.num_layers(), k);
        assert!(k < full.bert.num_layers());
    } else {
        assert_eq!(m.encoder.bert.num_layers(), full.bert.num_layers());
    }
    assert!(
        m.calibration.is_some(),
        "the default model ships its calibration"
    );
    let mut e = Encoder::load(&dir, candle_core::Device::Cpu).expect("encoder");
    assert!(e.bert.truncate(0).is_err() && e.bert.truncate(99).is_err());
    e.bert.truncate(2).expect("two layers");
    assert_eq!(e.bert.num_layers(), 2);
}

/// A copy of the models folder under `at` (model files and registry copied, the base
/// encoder linked), for tests that write to the registry.
fn models_copy(encoder: &std::path::Path, at: &std::path::Path) -> PathBuf {
    let src = encoder.parent().expect("models").to_path_buf();
    let models = at.join("models");
    std::fs::create_dir(&models).expect("mkdir");
    for f in std::fs::read_dir(&src).expect("models") {
        let f = f.expect("entry").path();
        if f.is_file() {
            std::fs::copy(&f, models.join(f.file_name().expect("name"))).expect("copy");
        }
    }
    std::os::unix::fs::symlink(encoder, models.join("minilm")).expect("link the encoder");
    models
}

/// `pdf-deid ARGS` with the models folder `models`, a key and the working folder in `dir`,
/// `stdin` on its standard input.
fn pdf_deid(
    models: &std::path::Path,
    dir: &std::path::Path,
    args: &[&str],
    stdin: Option<&str>,
) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pdf-deid"))
        .args(args)
        .env("PDF_DEID_MODELS", models)
        .env("PDF_DEID_KEY", dir.join("key"))
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut pipe = child.stdin.take().expect("stdin");
    if let Some(s) = stdin {
        pipe.write_all(s.as_bytes()).expect("stdin");
    }
    drop(pipe);
    child.wait_with_output().expect("wait")
}

/// The standard output of a run that must have succeeded.
fn succeeded(args: &[&str], out: std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The arguments of a tiny `train ner` run (one encoder layer, no fine-tuning) with `extra`
/// data, registering `version` in `models`.
fn tiny_training(models: &std::path::Path, extra: &[&str], version: &str) -> Vec<String> {
    let mut args: Vec<String> = [
        "train",
        "ner",
        "--sentences",
        "40",
        "--epochs",
        "1",
        "--fine-tune-layers",
        "0",
        "--encoder-layers",
        "1",
    ]
    .iter()
    .chain(extra)
    .map(|a| a.to_string())
    .collect();
    args.extend(["--version".into(), version.into(), "--out".into()]);
    args.push(models.to_str().expect("utf-8").into());
    args
}

/// `train ner --handwritten` learns from the hand-written tuning material only: every
/// `nursing-tune*.txt` whole and the tuning halves of `nursing.txt`, `uk.txt` and `us.txt`;
/// never `nursing-test*.txt` or a held-back document (the registry entry says what it read).
#[test]
fn handwritten_training_reads_tuning_material_only() {
    let Some(dir) = encoder_dir() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let models = models_copy(&dir, tmp.path());
    let hand = tmp.path().join("handwritten");
    std::fs::create_dir(&hand).expect("mkdir");
    let doc = |id: &str| format!("=== doc {id} ===\nSEEN BY DR [[NAME|WALSH]] ON [[DATE|4/12]].\n");
    let docs = |ids: &[&str]| ids.iter().map(|i| doc(i)).collect::<String>();
    let halves = ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8"];
    std::fs::write(hand.join("nursing-tune9.txt"), docs(&["t1", "t2"])).expect("write");
    std::fs::write(hand.join("nursing-test.txt"), docs(&["x1", "x2", "x3"])).expect("write");
    std::fs::write(hand.join("nursing-test2.txt"), docs(&["y1"])).expect("write");
    for f in ["nursing.txt", "uk.txt", "us.txt"] {
        std::fs::write(hand.join(f), docs(&halves)).expect("write");
    }
    let tuning_halves = halves
        .iter()
        .filter(|i| !deid_devtools::ner_train::is_held_back(&serde_json::json!(i)))
        .count();
    assert!(tuning_halves > 0 && tuning_halves < halves.len());
    let args = tiny_training(
        &models,
        &["--handwritten", hand.to_str().expect("utf-8")],
        "2099.2.0",
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    succeeded(&args, pdf_deid(&models, tmp.path(), &args, None));
    let reg = deid_core::registry::Registry::load(&models).expect("registry");
    let read = &reg.entry("ner-minilm").expect("newest").training["handwritten"];
    assert_eq!(read["documents"], 2 + 3 * tuning_halves);
    let files: Vec<&str> = read["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    assert_eq!(
        files,
        ["nursing-tune9.txt", "nursing.txt", "uk.txt", "us.txt"]
    );
}

/// `train ner --annotated-notes` learns from the annotated tuning half of the
/// transcriptions only: never a held-back note or one without an annotation, and a window
/// holding a span the annotator doubted is left out.
#[test]
fn annotated_training_reads_the_tuning_half_only() {
    let Some(dir) = encoder_dir() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let models = models_copy(&dir, tmp.path());
    let text = "Seen by Dr Walsh at Mercy Hospital on 4/12 for chest pain.";
    let at = |w: &str| {
        let b = text.find(w).expect("in text");
        (
            text[..b].chars().count(),
            text[..b].chars().count() + w.chars().count(),
        )
    };
    let ids: Vec<usize> = (0..10).collect();
    let tuning: Vec<usize> = ids
        .iter()
        .copied()
        .filter(|i| !deid_devtools::ner_train::is_held_back(&serde_json::json!(i)))
        .collect();
    assert!(tuning.len() >= 2 && tuning.len() < ids.len());
    let mut csv = String::from("id,transcription\n");
    for i in &ids {
        csv.push_str(&format!("{i},\"{text}\"\n"));
    }
    // every note annotated but the last; the first tuning note's hospital is doubted
    let mut ann = String::new();
    for &i in &ids[..ids.len() - 1] {
        let (ws, we) = at("Walsh");
        let (hs, he) = at("Mercy Hospital");
        let doubt = i == tuning[0];
        ann.push_str(
            &serde_json::json!({
                "id": i,
                "sha256": deid_core::hash::sha256_hex(text.as_bytes()),
                "spans": [
                    {"start": ws, "end": we, "label": "NAME"},
                    {"start": hs, "end": he, "label": "ORGANIZATION", "doubt": doubt},
                ],
            })
            .to_string(),
        );
        ann.push('\n');
    }
    let (csv_path, ann_path) = (tmp.path().join("notes.csv"), tmp.path().join("ann.jsonl"));
    std::fs::write(&csv_path, csv).expect("write");
    std::fs::write(&ann_path, ann).expect("write");
    let args = tiny_training(
        &models,
        &[
            "--annotated-notes",
            csv_path.to_str().expect("utf-8"),
            "--annotation",
            ann_path.to_str().expect("utf-8"),
        ],
        "2099.3.0",
    );
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    succeeded(&args, pdf_deid(&models, tmp.path(), &args, None));
    let reg = deid_core::registry::Registry::load(&models).expect("registry");
    let read = &reg.entry("ner-minilm").expect("newest").training["annotated_transcriptions"];
    let annotated_tuning = tuning.iter().filter(|&&i| i != ids[ids.len() - 1]).count();
    assert_eq!(read["documents"], annotated_tuning);
    // one window a note; the doubted one is left out
    assert_eq!(read["windows"], annotated_tuning - 1);
    assert_eq!(read["windows_with_phi"], annotated_tuning - 1);
}

/// The feedback loop end to end on a small generated set: a reviewer's decision is
/// exported as training examples, `train ner --feedback` trains and registers a new
/// version next to the old ones, `run` uses it (it is the newest, so the default), and
/// `--ner-model name@version` rolls back (the documents are redone, not skipped).
#[test]
fn feedback_round_trip_export_train_register_run_roll_back() {
    let Some(dir) = encoder_dir() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let models = models_copy(&dir, tmp.path());
    let previous = deid_core::registry::Registry::load(&models)
        .expect("registry")
        .entry("ner-minilm")
        .expect("default")
        .version
        .clone();
    let input = tmp.path().join("in");
    std::fs::create_dir(&input).expect("mkdir");
    let (pdf, _) = deid_devtools::testpdf::clinical_letter(4);
    std::fs::write(input.join("letter.pdf"), pdf).expect("write");
    let cmd = |args: &[&str], stdin: Option<&str>| {
        succeeded(args, pdf_deid(&models, tmp.path(), args, stdin))
    };
    // review: the drug name is added as a term; export the examples
    let feedback = tmp.path().join("feedback");
    std::fs::create_dir(&feedback).expect("mkdir");
    cmd(
        &[
            "review",
            "export",
            "--decisions-stdin",
            "--input",
            "in/letter.pdf",
            "--out",
            "feedback/letter.jsonl",
        ],
        Some(r#"{"added_terms": [{"text": "metformin", "category": "NAME"}]}"#),
    );
    let exported = std::fs::read_to_string(feedback.join("letter.jsonl")).expect("export");
    assert!(exported.to_lowercase().contains("metformin"));
    // train (a tiny run) and register a new version
    let args = tiny_training(&models, &["--feedback", "feedback"], "2099.1.0");
    cmd(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
    let reg = deid_core::registry::Registry::load(&models).expect("registry");
    let new = reg.entry("ner-minilm").expect("newest");
    assert_eq!(new.version, "2099.1.0", "the new version is the default");
    assert!(new.training["feedback"]["windows"].as_u64() >= Some(1));
    assert_eq!(new.training["feedback"]["files"], 1);
    reg.read_verified("ner-minilm@2099.1.0")
        .expect("registered with its sha256");
    reg.read_verified(&format!("ner-minilm@{previous}"))
        .expect("the old version stays");
    // run with the new version, then roll back
    let models_of = |db: &std::path::Path| -> Vec<String> {
        let conn = rusqlite::Connection::open(db).expect("job log");
        let mut st = conn
            .prepare("SELECT model_versions FROM jobs ORDER BY id")
            .expect("query");
        st.query_map([], |r| r.get::<_, String>(0))
            .expect("rows")
            .map(|r| r.expect("row"))
            .collect()
    };
    cmd(&["run", "in", "--out", "out"], None);
    let db = tmp.path().join("out/pdf-deid-jobs.sqlite");
    assert!(models_of(&db)[0].contains("ner-minilm@2099.1.0"));
    let pinned = format!("ner-minilm@{previous}");
    let summary = cmd(&["run", "in", "--out", "out", "--ner-model", &pinned], None);
    let jobs = models_of(&db);
    assert!(jobs[1].contains(&pinned), "{jobs:?}");
    assert!(
        summary.contains("1 ok") && summary.contains("0 skipped"),
        "a rolled-back model redoes the document: {summary}"
    );
    assert!(tmp.path().join("out/letter.pdf").is_file());
}

/// `eval --calibrate` fits the calibration on a labelled set and stores it with the default
/// model (in a copy of the models folder here); `eval --reliability` scores it on other
/// sentences, prints the expected calibration error and draws the curve.
#[test]
fn eval_fits_stores_and_scores_a_calibration() {
    let Some(dir) = encoder_dir() else { return };
    let tmp = tempfile::tempdir().expect("tmp");
    let models = models_copy(&dir, tmp.path());
    let mut reg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(models.join("registry.json")).expect("registry"))
            .expect("json");
    // start from no calibration: the fit must write one
    for m in reg["models"].as_array_mut().expect("models") {
        if let Some(o) = m["metrics"].as_object_mut() {
            o.remove("calibration");
        }
    }
    std::fs::write(models.join("registry.json"), reg.to_string()).expect("write");
    let eval = |args: &[&str]| {
        let args = [&["eval"], args].concat();
        succeeded(&args, pdf_deid(&models, tmp.path(), &args, None))
    };
    let svg = tmp.path().join("reliability.svg");
    let svg_arg = svg.to_str().expect("utf-8");
    let refused = pdf_deid(
        &models,
        tmp.path(),
        &["eval", "--generated", "--no-text", "--reliability", svg_arg],
        None,
    );
    assert!(!refused.status.success(), "no calibration yet: refused");
    let fit = eval(&["--generated", "--no-text", "--calibrate"]);
    assert!(fit.contains("calibration fitted on"), "{fit}");
    let reg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(models.join("registry.json")).expect("registry"))
            .expect("json");
    let version = deid_core::registry::Registry::load(&models)
        .expect("registry")
        .entry("ner-minilm")
        .expect("default")
        .version
        .clone();
    let entry = reg["models"]
        .as_array()
        .expect("models")
        .iter()
        .find(|m| m["name"] == "ner-minilm" && m["version"] == version.as_str())
        .expect("entry");
    let c: deid_core::calibration::Calibration =
        serde_json::from_value(entry["metrics"]["calibration"].clone()).expect("calibration");
    assert!(c.all.n > 100 && !c.all.probs.is_empty());
    assert!(c.all.probs.windows(2).all(|w| w[0] <= w[1]), "isotonic");
    // the model file is unchanged, so the registry still verifies it
    deid_core::registry::Registry::load(&models)
        .expect("registry")
        .read_verified("ner-minilm")
        .expect("verified");
    let scored = eval(&[
        "--generated",
        "--generated-seed",
        "29",
        "--no-text",
        "--reliability",
        svg_arg,
    ]);
    assert!(scored.contains("expected calibration error"), "{scored}");
    let drawn = std::fs::read_to_string(&svg).expect("svg");
    assert!(drawn.starts_with("<svg") && drawn.contains("<circle"));
}
