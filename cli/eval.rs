//! `pdf-deid eval`: text-mode scores (token and entity level, per category) for the
//! default detector stack, or false positives per 1,000 words on PHI-free text.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use deid_core::eval::{GoldDoc, PredSpan, Scores};
use deid_core::{Config, Engine};

#[derive(clap::Args, Debug)]
pub struct EvalArgs {
    #[arg(long, required_unless_present_any = ["negatives", "generated"])]
    pub gold: Option<PathBuf>,
    /// Score the generated held-back slice instead: every tenth of the sentences the NER
    /// head was trained from (`ner::train::generate`, seed 11, 6,000 sentences), never
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
    /// Only the first N documents.
    #[arg(long)]
    pub limit: Option<usize>,
    /// Documents whose hash (sha256 of the id) is even are the held-back half; score
    /// only those.
    #[arg(long)]
    pub held_back: bool,
    /// Never print any text of missed spans (only categories).
    #[arg(long)]
    pub no_text: bool,
    #[arg(long)]
    pub json: bool,
    /// combined (rules + NER, the default detector), rules, or ner (the registered NER
    /// model alone, with propagation).
    #[arg(long, default_value = "combined")]
    pub detector: String,
}

use deid_core::ner::train::is_held_back as held_back;

fn predict(engine: &Engine, texts: &[&str]) -> anyhow::Result<Vec<Vec<PredSpan>>> {
    let found = engine.detect_texts(texts)?;
    Ok(texts
        .iter()
        .zip(found)
        .map(|(t, ents)| {
            ents.iter()
                .map(|e| PredSpan {
                    start: t.get(..e.start).map(|s| s.chars().count()).unwrap_or(0),
                    end: t.get(..e.end).map(|s| s.chars().count()).unwrap_or(0),
                    category: e.category,
                })
                .collect()
        })
        .collect())
}

fn load_docs(a: &EvalArgs) -> anyhow::Result<Vec<GoldDoc>> {
    let mut docs = Vec::new();
    if a.generated {
        let cp = |t: &str, b: usize| t.get(..b).map_or(0, |p| p.chars().count());
        for (i, e) in deid_core::ner::train::generate(a.generated_seed, 6000)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % 10 == 0)
        {
            docs.push(GoldDoc {
                id: serde_json::json!(i),
                spans: e
                    .spans
                    .iter()
                    .map(|&(s, en, c)| deid_core::eval::GoldSpan {
                        start: cp(&e.text, s),
                        end: cp(&e.text, en),
                        label: c.as_str().to_string(),
                    })
                    .collect(),
                text: e.text,
            });
        }
        return Ok(docs);
    }
    if let Some(g) = &a.gold {
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
        let mut r =
            csv::Reader::from_path(csvp).with_context(|| format!("opening {}", csvp.display()))?;
        let col = r
            .headers()?
            .iter()
            .position(|h| h == a.column)
            .ok_or_else(|| anyhow::anyhow!("no column '{}'", a.column))?;
        for (i, rec) in r.records().enumerate() {
            let rec = rec?;
            docs.push(GoldDoc {
                id: serde_json::json!(i),
                text: rec.get(col).unwrap_or("").to_string(),
                spans: Vec::new(),
            });
        }
    }
    if a.held_back {
        docs.retain(|d| held_back(&d.id));
    }
    if let Some(l) = a.limit {
        docs.truncate(l);
    }
    Ok(docs)
}

pub fn run(a: EvalArgs) -> anyhow::Result<ExitCode> {
    let engine = crate::commands::engine_for_detector(Config::safe_harbor(), &a.detector, None)?;
    let docs = load_docs(&a)?;
    let mut scores = Scores::default();
    let mut missed_examples: Vec<String> = Vec::new();
    for chunk in docs.chunks(128) {
        let texts: Vec<&str> = chunk.iter().map(|d| d.text.as_str()).collect();
        let preds = predict(&engine, &texts)?;
        for (d, p) in chunk.iter().zip(preds) {
            scores.add(&d.text, &d.spans, &p);
            if !a.no_text && missed_examples.len() < 20 {
                let chars: Vec<char> = d.text.chars().collect();
                for g in &d.spans {
                    let hit = p.iter().any(|x| x.start < g.end && g.start < x.end);
                    if !hit
                        && deid_core::eval::map_label(&g.label).is_some()
                        && missed_examples.len() < 20
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
    let line = |name: &str, c: &deid_core::eval::Counts| {
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
    line("token (PHI vs not)", &scores.token);
    line("entity (overlap)", &scores.entity);
    line("entity (exact)", &scores.entity_exact);
    for (k, c) in &scores.token_by_category {
        line(&format!("token {k}"), c);
    }
    for (k, c) in &scores.entity_by_category {
        line(&format!("entity {k}"), c);
    }
    println!(
        "false-positive words per 1,000 words: {:.2}",
        scores.fp_per_1000_words()
    );
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
    }
    Ok(ExitCode::SUCCESS)
}
