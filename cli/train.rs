//! `pdf-deid train headings`: train the learned heading classifier on generated PDFs with
//! known headings (deterministic from the seed), report held-out accuracy against the rule
//! score, write the weights into `models/` and register them.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use deid_core::blobs::{self, HeadingConfig};
use deid_core::heading_model::{feature_vector, HeadingModel, N_FEATURES};
use deid_core::pdfium::{self, ExtractLimits};
use deid_core::registry::{ModelEntry, Registry};
use deid_core::{job, layout, synth};

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
        data_hash.extend_from_slice(job::sha256_hex(bytes).as_bytes());
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
        sha256: job::sha256_hex(&bytes),
        training: serde_json::json!({
            "generator": "synth::heading_docs v1",
            "seed": seed,
            "documents": docs,
            "held_out": "every 5th document",
            "data_sha256": job::sha256_hex(&data_hash),
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
