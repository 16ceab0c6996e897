//! Assembles an [`Engine`] from the model registry: the heading classifier and the NER
//! model named by the settings (or the newest registered ones), each checked against its
//! registered sha256. The only module that knows both the registry and the detectors.

use crate::blobs::heading_model;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::ner;
use crate::pipeline::Engine;
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
    let mut engine = Engine::new(cfg, threads)?;
    if let (Some(r), Some(spec), Some(d)) = (&reg, pick(ner_model, Some("ner-minilm")), &dir) {
        let device = engine.config().device;
        let model = ner::load_model(r, &spec, &d.join("minilm"), device).map_err(|e| {
            Error::Settings(format!(
                "loading the NER model {spec} (run scripts/setup.sh for the base encoder): {e}"
            ))
        })?;
        engine = engine.with_ner(std::sync::Arc::new(model));
    }
    Ok(engine)
}
