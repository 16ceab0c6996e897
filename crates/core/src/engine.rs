//! Assembles an [`Engine`] from the model registry: the heading classifier and the NER
//! model named by the settings (or the newest registered ones), each checked against its
//! registered sha256. The only module that knows both the registry and the detectors.

use crate::blobs::heading_model;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ner;
use crate::pipeline::{Engine, EngineInfo};
use crate::registry::{find_models_dir, Registry};

/// Use the newest (or the named `name@version`) heading classifier from the registry;
/// a model whose checksum does not match is refused.
pub fn with_heading_model(mut cfg: Config, reg: &Registry, spec: &str) -> Result<Config> {
    let (entry, bytes) = reg.read_verified(spec)?;
    let m: heading_model::HeadingModel = serde_json::from_slice(&bytes)
        .map_err(|_| Error::Settings(format!("model {spec} is malformed")))?;
    if m.weights.len() != heading_model::N_FEATURES {
        return Err(Error::Settings(format!("model {spec} has the wrong shape")));
    }
    cfg.heading_model = Some((
        format!("{}@{}", entry.name, entry.version),
        std::sync::Arc::new(m),
    ));
    Ok(cfg)
}

/// The engine every front end builds: rules, the heading classifier (`heading-lr` from the
/// registry unless `heading_model` is given or "none") and the NER model (`ner-minilm`
/// unless `ner_model` names another version or "none"): rules + NER is the combined
/// detector, the default. The base encoder is looked up in `<models>/minilm`; when the
/// registry lists the model but the encoder is missing, building the engine fails (run
/// scripts/setup.sh) rather than silently detecting less.
pub fn engine_with_models(
    cfg: Config,
    threads: usize,
    heading_model: Option<&str>,
    ner_model: Option<&str>,
) -> Result<Engine> {
    let (cfg, ner) = resolve(cfg, heading_model, ner_model)?;
    let device = cfg.device;
    // the NER model loads beside the rules' pattern compilation (start-up time)
    let (engine, model) = std::thread::scope(|s| {
        let model = ner.as_ref().map(|n| {
            s.spawn(move || ner::load_model(&n.registry, &n.spec, &n.encoder_dir, device))
        });
        let engine = Engine::new(cfg, threads);
        let model = model.map(|h| {
            h.join().unwrap_or(Err(Error::Internal(
                "the NER model's loading thread panicked",
            )))
        });
        (engine, model)
    });
    let mut engine = engine?;
    if let (Some(n), Some(model)) = (&ner, model) {
        let model = model.map_err(|e| {
            Error::Settings(format!(
                "loading the NER model {} (run scripts/setup.sh for the base encoder): {e}",
                n.spec
            ))
        })?;
        engine = engine.with_ner(std::sync::Arc::new(model));
    }
    Ok(engine)
}

/// What [`engine_with_models`] would build, described without loading the NER model: the
/// settings hash, detector names and policy a batch records. A parent process that runs
/// documents in workers calls this, so only the workers load weights. The base encoder
/// must be present (its checksum is checked by each worker when it loads).
pub fn describe(
    cfg: Config,
    heading_model: Option<&str>,
    ner_model: Option<&str>,
) -> Result<EngineInfo> {
    let (cfg, ner) = resolve(cfg, heading_model, ner_model)?;
    let ner = match ner {
        Some(n) => {
            if !n.encoder_dir.join("model.safetensors").is_file() {
                return Err(Error::Settings(format!(
                    "loading the NER model {}: the base encoder is missing (run scripts/setup.sh)",
                    n.spec
                )));
            }
            Some(ner::identity(n.registry.entry(&n.spec)?, &n.spec)?)
        }
        None => None,
    };
    Ok(EngineInfo::new(
        &cfg,
        Engine::new_detector_fingerprints(&cfg),
        ner,
    ))
}

/// The registered NER model an engine gets.
struct NerChoice {
    registry: Registry,
    spec: String,
    encoder_dir: std::path::PathBuf,
}

/// The configuration with its heading model, and the NER model to add (if any).
fn resolve(
    cfg: Config,
    heading_model: Option<&str>,
    ner_model: Option<&str>,
) -> Result<(Config, Option<NerChoice>)> {
    let dir = find_models_dir(None);
    let reg = match &dir {
        Some(d) => Some(Registry::load(d)?),
        None if heading_model.is_some_and(|m| m != "none")
            || ner_model.is_some_and(|m| m != "none") =>
        {
            return Err(Error::Settings("no models/registry.json found".into()))
        }
        None => None,
    };
    let pick = |asked: Option<&str>, default: Option<&str>| -> Option<String> {
        match asked {
            Some("none") => None,
            Some(s) => Some(s.to_string()),
            None => default
                .filter(|d| reg.as_ref().is_some_and(|r| r.entry(d).is_ok()))
                .map(str::to_string),
        }
    };
    let mut cfg = cfg;
    if let (Some(r), Some(spec)) = (&reg, pick(heading_model, Some("heading-lr"))) {
        cfg = with_heading_model(cfg, r, &spec)?;
    }
    let ner_spec = pick(ner_model, Some("ner-minilm"));
    // the semantic half of hybrid search compares the model's own embeddings: a model
    // whose embeddings spread differently registers its fused-score threshold (a threshold
    // the settings changed from the standard one stays)
    if let (Some(r), Some(spec)) = (&reg, &ner_spec) {
        let standard = crate::propagate::PropagateConfig::standard().semantic_threshold;
        let registered = r
            .entry(spec)?
            .training
            .get("semantic_threshold")
            .and_then(|v| v.as_f64());
        if let Some(t) = registered.filter(|_| cfg.propagate.semantic_threshold == standard) {
            cfg.propagate.semantic_threshold = t as f32;
        }
    }
    Ok(match (reg, ner_spec, dir) {
        (Some(registry), Some(spec), Some(d)) => (
            cfg,
            Some(NerChoice {
                registry,
                spec,
                encoder_dir: d.join("minilm"),
            }),
        ),
        _ => (cfg, None),
    })
}
