//! How the commands build their engines: the default one from the models registry, one
//! detector alone (for evaluation), Safe Harbor with an ages setting.

use deid_core::Engine;

/// The Safe Harbor policy with the given age setting (`over-89` or `all`), for the
/// measuring commands (`eval`, `corpus phi-lists`).
pub fn safe_harbor_with_ages(ages: &str) -> anyhow::Result<deid_core::Config> {
    Ok(deid_core::Settings {
        ages: Some(ages.into()),
        ..deid_core::Settings::default()
    }
    .into_config()?)
}

/// The engine for an evaluation's `--detector`: `rules` (no NER), `ner` (the NER model
/// alone; the allow-list and propagation still apply) or `combined` (the default stack).
/// `ner_model` pins a version (default: the newest `ner-minilm`).
pub fn engine_for_detector(
    cfg: deid_core::Config,
    detector: &str,
    ner_model: Option<&str>,
) -> anyhow::Result<deid_core::Engine> {
    let ner = match detector {
        "rules" => "none",
        "combined" | "ner" => ner_model.unwrap_or("ner-minilm"),
        other => anyhow::bail!("unknown detector '{other}' (rules, ner, combined)"),
    };
    let engine = engine_with_models(cfg, 0, None, Some(ner))?;
    Ok(if detector == "ner" {
        engine.without_rules()
    } else {
        engine
    })
}

/// Build the engine with the learned models from `models/registry.json` when there is one:
/// the heading classifier by default, and the NER detector (rules + NER = the combined
/// detector) when asked for. A spec of "none" leaves that model out; a registered model whose checksum (or whose base
/// encoder's checksum) does not match is an error, never silently skipped.
pub fn engine_with_models(
    cfg: deid_core::Config,
    threads: usize,
    heading_model: Option<&str>,
    ner_model: Option<&str>,
) -> anyhow::Result<Engine> {
    Ok(deid_core::engine::engine_with_models(
        cfg,
        threads,
        heading_model,
        ner_model,
    )?)
}
