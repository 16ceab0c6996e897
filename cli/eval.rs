//! `pdf-deid eval`: text-mode scores (token and entity level, per category) for the
//! default detector stack, or false positives per 1,000 words on PHI-free text.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use deid_core::joblog::JobStats;
use deid_core::Engine;
use deid_devtools::eval::{AnnotatedDoc, GoldDoc, PredSpan, Scores};

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    /// Gold JSONL, or a `.txt` of documents with inline marks (`=== doc ID ===` lines,
    /// `[[LABEL|text]]`; assets/eval/handwritten)
    #[arg(long, required_unless_present_any = ["negatives", "generated", "realistic"])]
    pub gold: Option<PathBuf>,
    /// Score realistic-format documents of one genre (nursing, discharge, radiology, lab,
    /// referral-us, letter-uk, fax-cover) or `all` (a line per genre): surrogate PHI in the
    /// slots such documents have, around real clinical sentences from the mtsamples
    /// transcriptions (`realistic.rs`).
    #[arg(long)]
    pub realistic: Option<String>,
    /// Which transcriptions carry the realistic documents: `dev` (the even half of the
    /// notes outside mtsamples_subset.csv: look at errors and tune here) or `test` (the
    /// 500 notes of mtsamples_subset.csv, with other surrogates: never tuned on).
    #[arg(long, default_value = "test", value_parser = ["dev", "test"])]
    pub realistic_slice: String,
    /// Documents per genre.
    #[arg(long, default_value_t = 100)]
    pub realistic_docs: usize,
    /// Also write the realistic documents (in the asked casing) as gold JSONL here, for
    /// other tools or other versions to score.
    #[arg(long)]
    pub write_gold: Option<PathBuf>,
    /// With --realistic: write the detections' statistics (documents, words, entities per
    /// category, score bins; no text) here as a drift reference for `jobs drift`.
    #[arg(long)]
    pub write_reference: Option<PathBuf>,
    /// The shared corpus (for the mtsamples transcriptions).
    #[arg(long, default_value = "../shared/corpus")]
    pub corpus: PathBuf,
    /// Score the generated held-back slice instead: every tenth of the sentences the NER
    /// head was trained from (`ner_train::generate`, seed 11, 6,000 sentences), never
    /// trained on.
    #[arg(long)]
    pub generated: bool,
    /// Seed of the generated sentences. The training seed (11) gives the held-back slice
    /// of the training run; any other seed gives sentences no model or setting was
    /// trained or tuned on (every tenth of 6,000, like the held-back slice).
    #[arg(long, default_value_t = 11)]
    pub generated_seed: u64,
    /// CSV of PHI-free text (every prediction is a false positive).
    #[arg(long)]
    pub negatives: Option<PathBuf>,
    /// Column of the CSV holding the text.
    #[arg(long, default_value = "transcription")]
    pub column: String,
    /// With --negatives: a hand annotation of the PHI the de-identified texts still hold
    /// (`assets/eval/mtsamples-residual/annotation.jsonl`); only annotated documents are
    /// scored, against it, besides the count of every prediction.
    #[arg(long, requires = "negatives")]
    pub annotation: Option<PathBuf>,
    /// Whether spans the annotator marked doubtful count as PHI.
    #[arg(long, default_value = "not-phi", value_parser = ["not-phi", "phi"])]
    pub annotation_doubt: String,
    /// Only the first N documents.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Documents whose hash (sha256 of the id) is even are the held-back half; score
    /// only those.
    #[arg(long, conflicts_with = "tuning_half")]
    pub held_back: bool,
    /// The other half (hash odd): the documents to read errors on and tune against.
    #[arg(long)]
    pub tuning_half: bool,
    /// Never print any text of missed spans or false positives (only categories).
    #[arg(long)]
    pub no_text: bool,
    #[arg(long)]
    pub json: bool,
    /// combined (rules + NER, the default detector), rules, or ner (the registered NER
    /// model alone, with propagation).
    #[arg(long, default_value = "combined")]
    pub detector: String,
    /// Ages the policy redacts: over-89 (Safe Harbor, default) or all (for gold sets that
    /// label every age).
    #[arg(long, default_value = "over-89", value_parser = ["over-89", "all"])]
    pub ages: String,
    /// Casing of the text before detection: as-is (default), upper (ALL CAPS) or lower
    /// (all lower case). Gold offsets stay valid (characters are mapped one to one).
    #[arg(long, default_value = "as-is", value_parser = ["as-is", "upper", "lower"])]
    pub case: String,
    /// Fused-score threshold of the semantic half of hybrid search (tuning only; the
    /// default is the configured one, docs/accuracy.md). Above 1.0 turns it off: the
    /// lexical rule then decides ambiguous hits, as without an encoder.
    #[arg(long, hide = true)]
    pub semantic_threshold: Option<f32>,
    /// How many missed gold spans to print (with their text, unless --no-text).
    #[arg(long, default_value_t = 20)]
    pub examples: usize,
    /// Fit the calibration of the detections' scores (probability of PHI per category,
    /// isotonic) on this set and store it with the default NER model's registry entry
    /// (`metrics.calibration` in models/registry.json). Fit on a tuning slice; measure
    /// with --reliability on a held-back one.
    #[arg(long)]
    pub calibrate: bool,
    /// Score the stored calibration on this set: a reliability table and its expected
    /// calibration error, and the reliability curve drawn as SVG into this file.
    #[arg(long)]
    pub reliability: Option<PathBuf>,
}

/// `text` in the asked casing, one character for one character (a character whose
/// upper/lower form is several characters, like 'ß', stays as it is), so character offsets
/// of gold spans still point at the same words.
pub fn recase(text: &str, case: &str) -> String {
    fn single(mut it: impl Iterator<Item = char>, c: char) -> char {
        match (it.next(), it.next()) {
            (Some(x), None) => x,
            _ => c,
        }
    }
    match case {
        "upper" => text.chars().map(|c| single(c.to_uppercase(), c)).collect(),
        "lower" => text.chars().map(|c| single(c.to_lowercase(), c)).collect(),
        _ => text.to_string(),
    }
}

use deid_devtools::ner_train::is_held_back as held_back;

/// What [`predict_into`] gathers besides the spans.
#[derive(Default)]
struct Collected {
    /// Words and detections, for a drift reference (when asked).
    stats: Option<JobStats>,
    /// Each text's document risk, in order.
    risks: Vec<f64>,
    /// Every detection's category, score and whether it was PHI (for calibration).
    labelled: Vec<(String, f32, bool)>,
}

impl Collected {
    fn label(&mut self, d: &GoldDoc, preds: &[PredSpan]) {
        self.labelled.extend(preds.iter().map(|p| {
            (
                p.category.as_str().to_string(),
                p.score,
                deid_devtools::eval::is_phi(&d.spans, p),
            )
        }));
    }
}

/// [`predict`], gathering each text's document risk and, when asked, its statistics.
fn predict_into(
    engine: &Engine,
    texts: &[&str],
    into: &mut Collected,
) -> anyhow::Result<Vec<Vec<PredSpan>>> {
    let found = engine.detect_texts(texts)?;
    Ok(texts
        .iter()
        .zip(found)
        .map(|(t, ents)| {
            if let Some(s) = into.stats.as_mut() {
                s.add_document(
                    t.split_whitespace().count(),
                    ents.iter().map(|e| (e.category.as_str(), e.score)),
                );
            }
            let risk = engine.text_risk(t, &ents);
            into.risks.push(f64::from(risk.score));
            ents.iter()
                .map(|e| PredSpan {
                    start: t.get(..e.start).map(|s| s.chars().count()).unwrap_or(0),
                    end: t.get(..e.end).map(|s| s.chars().count()).unwrap_or(0),
                    category: e.category,
                    source: e.source_label(),
                    score: e.score,
                })
                .collect()
        })
        .collect())
}

/// The documents to score, in the asked casing.
fn load_docs(a: &EvalArgs) -> anyhow::Result<Vec<GoldDoc>> {
    let mut docs = load_docs_as_is(a)?;
    for d in &mut docs {
        d.text = recase(&d.text, &a.case);
    }
    Ok(docs)
}

/// A generated example (byte offsets) as a gold document (character offsets).
fn gold_of(id: usize, e: deid_devtools::ner_train::Example) -> GoldDoc {
    let cp = |t: &str, b: usize| t.get(..b).map_or(0, |p| p.chars().count());
    GoldDoc {
        id: serde_json::json!(id),
        spans: e
            .spans
            .iter()
            .map(|&(s, en, c)| deid_devtools::eval::GoldSpan {
                start: cp(&e.text, s),
                end: cp(&e.text, en),
                label: c.as_str().to_string(),
            })
            .collect(),
        text: e.text,
        ignored: Vec::new(),
    }
}

/// The mtsamples transcriptions that carry the realistic documents of `slice`.
pub(crate) fn carriers(corpus: &std::path::Path, slice: &str) -> anyhow::Result<Vec<String>> {
    let mts = corpus.join("text/mtsamples");
    let subset_path = mts.join("mtsamples_subset.csv");
    let mut subset = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut r = csv::Reader::from_path(&subset_path)
        .with_context(|| format!("opening {}", subset_path.display()))?;
    let h = r.headers()?.clone();
    let (id, tx) = (
        h.iter()
            .position(|c| c == "note_id")
            .context("note_id column")?,
        h.iter()
            .position(|c| c == "transcription")
            .context("transcription column")?,
    );
    for rec in r.records() {
        let rec = rec?;
        subset.insert(rec.get(id).unwrap_or("").to_string());
        if slice == "test" {
            out.push(rec.get(tx).unwrap_or("").to_string());
        }
    }
    if slice == "dev" {
        let all = mts.join("mtsamples_all.csv.gz");
        let f = std::fs::File::open(&all).with_context(|| format!("opening {}", all.display()))?;
        let mut r = csv::Reader::from_reader(flate2::read::GzDecoder::new(f));
        for rec in r.records() {
            let rec = rec?;
            let nid = rec.get(id).unwrap_or("");
            // the same split as scripts/gen_dicts.py: the sha256's last byte is even
            let last_hex = deid_core::hash::sha256_hex(nid.as_bytes()).pop();
            let even = last_hex
                .and_then(|c| c.to_digit(16))
                .is_some_and(|v| v % 2 == 0);
            if even && !subset.contains(nid) {
                out.push(rec.get(tx).unwrap_or("").to_string());
            }
        }
    }
    Ok(out)
}

fn load_docs_as_is(a: &EvalArgs) -> anyhow::Result<Vec<GoldDoc>> {
    let mut docs = Vec::new();
    if a.generated {
        for (i, e) in deid_devtools::ner_train::generate(a.generated_seed, 6000)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % 10 == 0)
        {
            docs.push(gold_of(i, e));
        }
        return Ok(docs);
    }
    if let Some(g) = a
        .gold
        .as_ref()
        .filter(|g| g.extension().is_some_and(|e| e == "txt"))
    {
        // documents with inline marks (assets/eval/handwritten)
        let src = std::fs::read_to_string(g).with_context(|| format!("opening {}", g.display()))?;
        docs = deid_devtools::eval::parse_marked(&src).map_err(|n| {
            anyhow::anyhow!("line {n}: a mark that does not close or has no known label")
        })?;
    } else if let Some(g) = &a.gold {
        let f = std::fs::File::open(g).with_context(|| format!("opening {}", g.display()))?;
        for (n, line) in std::io::BufReader::new(f).lines().enumerate() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let d: GoldDoc = serde_json::from_str(&line)
                .map_err(|_| anyhow::anyhow!("line {}: not a gold record", n + 1))?;
            docs.push(d);
        }
    } else if let Some(csvp) = &a.negatives {
        docs = csv_docs(csvp, &a.column)?;
    }
    if a.held_back {
        docs.retain(|d| held_back(&d.id));
    }
    if a.tuning_half {
        docs.retain(|d| !held_back(&d.id));
    }
    if let Some(path) = &a.annotation {
        let (ann, _) = read_annotation(path)?;
        docs.retain(|d| ann.contains_key(&d.id.to_string()));
        for d in &mut docs {
            let key = d.id.to_string();
            (d.spans, d.ignored) = deid_devtools::eval::annotated_spans(
                &d.text,
                &ann[&key],
                a.annotation_doubt == "phi",
            )
            .map_err(|e| anyhow::anyhow!("document {key}: the annotation does not fit ({e:?})"))?;
        }
    }
    if let Some(l) = a.limit {
        docs.truncate(l);
    }
    Ok(docs)
}

/// The texts of a CSV's `column`, one document each, its row number as id.
pub(crate) fn csv_docs(path: &Path, column: &str) -> anyhow::Result<Vec<GoldDoc>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let col = r
        .headers()?
        .iter()
        .position(|h| h == column)
        .ok_or_else(|| anyhow::anyhow!("no column '{column}'"))?;
    let mut docs = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec?;
        docs.push(GoldDoc {
            id: serde_json::json!(i),
            text: rec.get(col).unwrap_or("").to_string(),
            spans: Vec::new(),
            ignored: Vec::new(),
        });
    }
    Ok(docs)
}

/// A hand annotation of the PHI a de-identified corpus still holds
/// (`assets/eval/mtsamples-residual/annotation.jsonl`), by document id, and the sha256 of
/// the file.
pub(crate) fn read_annotation(
    path: &Path,
) -> anyhow::Result<(BTreeMap<String, AnnotatedDoc>, String)> {
    let src =
        std::fs::read_to_string(path).with_context(|| format!("opening {}", path.display()))?;
    let ann = deid_devtools::eval::parse_annotation(&src)
        .map_err(|n| anyhow::anyhow!("{}: line {n} is not an annotation", path.display()))?;
    Ok((ann, deid_core::hash::sha256_hex(src.as_bytes())))
}

/// Realistic documents per genre: one score line each, then the total.
fn run_realistic(a: &EvalArgs, engine: &Engine, which: &str) -> anyhow::Result<ExitCode> {
    use deid_devtools::realistic::{generate, Genre};
    let genres: Vec<Genre> = if which == "all" {
        Genre::ALL.to_vec()
    } else {
        vec![Genre::parse(which).ok_or_else(|| anyhow::anyhow!("unknown genre '{which}'"))?]
    };
    let texts = carriers(&a.corpus, &a.realistic_slice)?;
    let carriers: Vec<&str> = texts.iter().map(String::as_str).collect();
    let seed = if a.realistic_slice == "dev" { 101 } else { 202 };
    let mut total = Scores::default();
    println!(
        "realistic {} slice, {} carriers, case {}, detector {}",
        a.realistic_slice,
        carriers.len(),
        a.case,
        a.detector
    );
    let mut examples = Vec::new();
    let mut collected = Collected {
        stats: a.write_reference.as_ref().map(|_| JobStats::default()),
        ..Collected::default()
    };
    let mut missed = Vec::new();
    let mut gold_out = match &a.write_gold {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
        )),
        None => None,
    };
    for g in genres {
        let mut scores = Scores::default();
        for (i, e) in generate(&carriers, g, seed, a.realistic_docs)
            .into_iter()
            .enumerate()
        {
            let mut d = gold_of(i, e);
            d.text = recase(&d.text, &a.case);
            if let Some(w) = gold_out.as_mut() {
                use std::io::Write;
                d.id = serde_json::json!(format!("{}-{i}", g.as_str()));
                serde_json::to_writer(&mut *w, &d)?;
                writeln!(w)?;
            }
            let p = predict_into(engine, &[d.text.as_str()], &mut collected)?;
            collected.label(&d, &p[0]);
            scores.add(&d.text, &d.spans, &p[0]);
            missed.push(missed_entities(&d, &p[0]));
            total.add(&d.text, &d.spans, &p[0]);
            if !a.no_text {
                // generated surrogates only: safe to print
                examples.extend(differences(g.as_str(), &d, &p[0]));
            }
        }
        print_row(g.as_str(), &scores);
    }
    print_row("all", &total);
    print_risk_rank(&collected.risks, &missed);
    calibration(
        a,
        engine,
        &collected.labelled,
        &format!(
            "realistic {which}, {} slice, {} documents per genre, case {}",
            a.realistic_slice, a.realistic_docs, a.case
        ),
    )?;
    if let (Some(path), Some(stats)) = (&a.write_reference, collected.stats) {
        let reference = deid_core::drift::DriftReference {
            made_with: format!(
                "pdf-deid eval --realistic {which} --realistic-slice {} --realistic-docs {} \
                 --case {} --detector {}",
                a.realistic_slice, a.realistic_docs, a.case, a.detector
            ),
            detectors: serde_json::json!(engine.detector_names()),
            stats,
        };
        deid_core::job::write_atomic(path, &serde_json::to_vec_pretty(&reference)?)?;
        println!("drift reference written to {}", path.display());
    }
    for e in examples.iter().take(80) {
        println!("  {e}");
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&total)?);
    }
    Ok(ExitCode::SUCCESS)
}

/// `--calibrate`: fit on `labelled` and store with the default NER model;
/// `--reliability`: score the model's stored calibration on `labelled` (table, expected
/// calibration error, SVG curve).
fn calibration(
    a: &EvalArgs,
    engine: &Engine,
    labelled: &[(String, f32, bool)],
    set: &str,
) -> anyhow::Result<()> {
    use deid_core::calibration::{reliability, Calibration};
    if a.calibrate {
        anyhow::ensure!(
            a.detector == "combined",
            "--calibrate fits the combined detector"
        );
        let fitted = Calibration::fit(labelled, &format!("{set}; detector combined"));
        let dir = deid_core::registry::find_models_dir(None)
            .context("no models folder (run scripts/setup.sh)")?;
        let mut reg = deid_core::registry::Registry::load(&dir)?;
        let version = reg.entry("ner-minilm")?.version.clone();
        let entry = reg
            .models
            .iter_mut()
            .find(|m| m.name == "ner-minilm" && m.version == version)
            .context("the default NER model")?;
        if !entry.metrics.is_object() {
            entry.metrics = serde_json::json!({});
        }
        entry.metrics["calibration"] = serde_json::to_value(&fitted)?;
        let json = serde_json::to_vec_pretty(&reg)?;
        deid_core::job::write_atomic(&dir.join("registry.json"), &json)?;
        println!(
            "calibration fitted on {} detections ({} categories of their own) and stored with ner-minilm@{version}",
            fitted.all.n,
            fitted.categories.len()
        );
    }
    if let Some(path) = &a.reliability {
        let Some(c) = engine.calibration() else {
            anyhow::bail!("the NER model carries no calibration (eval --calibrate)");
        };
        let points: Vec<(f32, bool)> = labelled
            .iter()
            .filter_map(|(cat, s, y)| Some((c.prob(cat, *s)?, *y)))
            .collect();
        let (bins, ece) = reliability(&points, 10);
        println!(
            "reliability of the stored calibration ({}) on {set}: {} detections, expected calibration error {ece:.3}",
            c.fitted_on,
            points.len()
        );
        for b in &bins {
            println!(
                "  predicted {:.3}  observed {:.3}  n {}",
                b.predicted, b.observed, b.n
            );
        }
        let svg = deid_devtools::plot::reliability_svg(
            &format!("Reliability: {set} (ECE {ece:.3})"),
            &bins
                .iter()
                .map(|b| (f64::from(b.predicted), f64::from(b.observed), b.n))
                .collect::<Vec<_>>(),
        )
        .map_err(|e| anyhow::anyhow!("drawing the curve: {e}"))?;
        deid_core::job::write_atomic(path, svg.as_bytes())?;
        println!("reliability curve written to {}", path.display());
    }
    Ok(())
}

/// Gold entities of `d` no prediction touches.
fn missed_entities(d: &GoldDoc, pred: &[PredSpan]) -> f64 {
    let mut s = Scores::default();
    s.add(&d.text, &d.spans, pred);
    s.entity.fn_ as f64
}

/// Does the document risk rank documents by what they still hold? Spearman's ρ between
/// each document's risk and its missed gold entities.
fn print_risk_rank(risks: &[f64], missed: &[f64]) {
    let with_miss = missed.iter().filter(|m| **m > 0.0).count();
    match deid_devtools::eval::spearman(risks, missed) {
        Some(rho) => println!(
            "document risk vs missed PHI entities: Spearman rho {rho:.3} over {} documents ({with_miss} with a miss)",
            risks.len()
        ),
        None => println!(
            "document risk vs missed PHI entities: no rank correlation ({} documents, {with_miss} with a miss)",
            risks.len()
        ),
    }
}

/// Gold spans no prediction touches ("missed") and predictions touching no gold span
/// ("false"), with their text.
fn differences(genre: &str, d: &GoldDoc, pred: &[PredSpan]) -> Vec<String> {
    let chars: Vec<char> = d.text.chars().collect();
    let show = |s: usize, e: usize| -> String {
        chars
            .get(s..e)
            .map(|c| c.iter().collect())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for g in &d.spans {
        if !pred.iter().any(|x| x.start < g.end && g.start < x.end) {
            out.push(format!(
                "{genre} missed {}: {:?} in {:?}",
                g.label,
                show(g.start, g.end),
                show(g.start.saturating_sub(25), (g.end + 25).min(chars.len()))
            ));
        }
    }
    for x in pred {
        let touches = |g: &deid_devtools::eval::GoldSpan| x.start < g.end && g.start < x.end;
        if !d.spans.iter().any(touches) && !d.ignored.iter().any(touches) {
            let residual = deid_devtools::eval::residual_phi(&chars, x)
                .map(|why| format!(" [{why}]"))
                .unwrap_or_default();
            out.push(format!(
                "{genre} false {} ({}){residual}: {:?} in {:?}",
                x.category.as_str(),
                x.source,
                show(x.start, x.end),
                show(x.start.saturating_sub(25), (x.end + 25).min(chars.len()))
            ));
        }
    }
    out
}

fn print_row(name: &str, s: &Scores) {
    println!(
        "{name:<12} token P {:.3} R {:.3} | entity P {:.3} R {:.3} | words {} | missed {}",
        s.token.precision(),
        s.token.recall(),
        s.entity.precision(),
        s.entity.recall(),
        s.words,
        s.missed_by_category
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
}

pub fn run(a: EvalArgs) -> anyhow::Result<ExitCode> {
    let mut cfg = crate::engines::safe_harbor_with_ages(&a.ages)?;
    if let Some(t) = a.semantic_threshold {
        cfg.propagate.semantic_threshold = t;
    }
    let engine = crate::engines::engine_for_detector(cfg, &a.detector, None)?;
    if let Some(which) = &a.realistic {
        return run_realistic(&a, &engine, which);
    }
    let docs = load_docs(&a)?;
    let mut scores = Scores::default();
    let mut collected = Collected::default();
    let mut missed = Vec::new();
    let mut missed_examples: Vec<String> = Vec::new();
    let mut false_examples: Vec<String> = Vec::new();
    for chunk in docs.chunks(128) {
        let texts: Vec<&str> = chunk.iter().map(|d| d.text.as_str()).collect();
        let preds = predict_into(&engine, &texts, &mut collected)?;
        for (d, p) in chunk.iter().zip(preds) {
            collected.label(d, &p);
            scores.add_with_ignored(&d.text, &d.spans, &d.ignored, &p);
            missed.push(missed_entities(d, &p));
            if !a.no_text && false_examples.len() < 400 {
                false_examples.extend(
                    differences("", d, &p)
                        .into_iter()
                        .filter(|l| l.starts_with(" false")),
                );
            }
            if !a.no_text && missed_examples.len() < a.examples {
                let chars: Vec<char> = d.text.chars().collect();
                for g in &d.spans {
                    let hit = p.iter().any(|x| x.start < g.end && g.start < x.end);
                    if !hit
                        && deid_devtools::eval::map_label(&g.label).is_some()
                        && missed_examples.len() < a.examples
                    {
                        let s: String = chars
                            .get(g.start..g.end)
                            .map(|c| c.iter().collect())
                            .unwrap_or_default();
                        missed_examples.push(format!("{}: {s:?}", g.label));
                    }
                }
            }
        }
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&scores)?);
        return Ok(ExitCode::SUCCESS);
    }
    let line = |name: &str, c: &deid_devtools::eval::Counts| {
        println!(
            "{name:<28} P {:.3}  R {:.3}  F1 {:.3}  F2 {:.3}   (tp {}, fp {}, fn {})",
            c.precision(),
            c.recall(),
            c.f(1.0),
            c.f(2.0),
            c.tp,
            c.fp,
            c.fn_
        )
    };
    println!("documents {}, words {}", scores.docs, scores.words);
    print_risk_rank(&collected.risks, &missed);
    let set = a
        .gold
        .as_ref()
        .or(a.negatives.as_ref())
        .and_then(|p| p.file_name())
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "generated".into());
    let half = if a.held_back {
        "held-back half"
    } else if a.tuning_half {
        "tuning half"
    } else {
        "all"
    };
    calibration(
        &a,
        &engine,
        &collected.labelled,
        &format!("{set}, {half}, case {}, ages {}", a.case, a.ages),
    )?;
    line("token (PHI vs not)", &scores.token);
    line("entity (overlap)", &scores.entity);
    line("entity (exact)", &scores.entity_exact);
    for (k, c) in &scores.token_by_category {
        line(&format!("token {k}"), c);
    }
    for (k, c) in &scores.entity_by_category {
        line(&format!("entity {k}"), c);
    }
    if a.annotation.is_some() {
        println!(
            "predicted words per 1,000 words (every prediction counted as false): {:.2}",
            scores.predicted_per_1000_words()
        );
        println!(
            "false-positive words per 1,000 words against the annotated PHI (doubtful spans {}): {:.2}",
            a.annotation_doubt,
            scores.fp_per_1000_words()
        );
    } else {
        println!(
            "false-positive words per 1,000 words: {:.2}",
            scores.fp_per_1000_words()
        );
    }
    if a.negatives.is_some() {
        let residual: Vec<String> = scores
            .residual_phi_words
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        println!(
            "  of which PHI left in the de-identified text (Safe Harbor, eval::residual_phi): {}",
            if residual.is_empty() {
                "none".into()
            } else {
                residual.join(", ")
            }
        );
        println!(
            "false-positive words per 1,000 words without that PHI: {:.2}",
            scores.fp_per_1000_words_adjudicated()
        );
    }
    let missed: Vec<String> = scores
        .missed_by_category
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    println!(
        "missed entities by category: {}",
        if missed.is_empty() {
            "none".into()
        } else {
            missed.join(", ")
        }
    );
    if !a.no_text {
        for m in missed_examples {
            println!("  missed {m}");
        }
        for f in false_examples.iter().take(400) {
            println!(" {f}");
        }
    }
    Ok(ExitCode::SUCCESS)
}
