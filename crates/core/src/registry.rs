//! Model registry: `models/registry.json` lists every model file the app can load, with
//! its sha256, training provenance and metrics. The loader refuses a file whose hash
//! differs (fail closed, no silent swap); `name@version` selects a version, and earlier
//! versions stay loadable for rollback.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelEntry {
    pub name: String,
    pub version: String,
    pub file: String,
    pub sha256: String,
    #[serde(default)]
    pub training: serde_json::Value,
    #[serde(default)]
    pub metrics: serde_json::Value,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Registry {
    pub models: Vec<ModelEntry>,
    #[serde(skip)]
    pub dir: PathBuf,
}

/// Where `models/` is looked for: the override, `PDF_DEID_MODELS`, the source tree when
/// the executable was built inside it (a build's copies under `target/` can be stale), next
/// to the executable and its parents (an installed package), then the source tree.
pub fn find_models_dir(override_dir: Option<&Path>) -> Option<PathBuf> {
    if let Some(d) = override_dir {
        return Some(d.to_path_buf());
    }
    if let Some(v) = std::env::var_os("PDF_DEID_MODELS") {
        return Some(PathBuf::from(v));
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    let exe = std::env::current_exe().ok();
    if let (Some(exe), Ok(root)) = (
        &exe,
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .canonicalize(),
    ) {
        if exe.starts_with(&root) && source.join("registry.json").is_file() {
            return Some(source);
        }
    }
    let mut cands = Vec::new();
    if let Some(exe) = exe {
        let mut dir = exe.parent().map(Path::to_path_buf);
        for _ in 0..6 {
            let Some(d) = dir else { break };
            cands.push(d.join("models"));
            cands.push(d.join("lib").join("pdf-deid").join("models"));
            dir = d.parent().map(Path::to_path_buf);
        }
    }
    cands.push(source);
    // a folder that also holds the base encoder wins (a bundle build copies the registry
    // but not the encoder next to the executables)
    let with_registry: Vec<PathBuf> = cands
        .into_iter()
        .filter(|d| d.join("registry.json").is_file())
        .collect();
    with_registry
        .iter()
        .find(|d| d.join("minilm").join("model.safetensors").is_file())
        .or(with_registry.first())
        .cloned()
}

impl Registry {
    pub fn load(dir: &Path) -> Result<Registry> {
        let text = std::fs::read_to_string(dir.join("registry.json"))
            .map_err(|e| Error::io("reading models/registry.json", &e))?;
        let mut r: Registry = serde_json::from_str(&text)
            .map_err(|_| Error::Settings("models/registry.json is malformed".into()))?;
        r.dir = dir.to_path_buf();
        Ok(r)
    }

    /// `spec` is `name` (newest version) or `name@version`.
    pub fn entry(&self, spec: &str) -> Result<&ModelEntry> {
        let (name, version) = match spec.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (spec, None),
        };
        self.models
            .iter()
            .filter(|m| m.name == name && version.is_none_or(|v| m.version == v))
            .max_by(|a, b| a.version.cmp(&b.version))
            .ok_or_else(|| Error::Settings(format!("model '{spec}' is not in the registry")))
    }

    /// The bytes of a model file, after checking its sha256 against the registry.
    pub fn read_verified(&self, spec: &str) -> Result<(ModelEntry, Vec<u8>)> {
        let e = self.entry(spec)?;
        let bytes = std::fs::read(self.dir.join(&e.file))
            .map_err(|err| Error::io("reading a model file", &err))?;
        let sha = crate::hash::sha256_hex(&bytes);
        if sha != e.sha256 {
            return Err(Error::Settings(format!(
                "model {}@{}: sha256 mismatch (file {sha}, registry {})",
                e.name, e.version, e.sha256
            )));
        }
        Ok((e.clone(), bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_rollback_and_tamper_detection() {
        let d = tempfile::tempdir().expect("tmp");
        std::fs::write(d.path().join("a1.json"), b"one").expect("w");
        std::fs::write(d.path().join("a2.json"), b"two").expect("w");
        let sha = crate::hash::sha256_hex;
        let reg = serde_json::json!({"models": [
            {"name": "m", "version": "2026.11.0", "file": "a1.json", "sha256": sha(b"one")},
            {"name": "m", "version": "2026.11.1", "file": "a2.json", "sha256": sha(b"two")},
        ]});
        std::fs::write(d.path().join("registry.json"), reg.to_string()).expect("w");
        let r = Registry::load(d.path()).expect("load");
        assert_eq!(r.read_verified("m").expect("newest").1, b"two");
        assert_eq!(r.read_verified("m@2026.11.0").expect("rollback").1, b"one");
        assert!(r.read_verified("m@9").is_err());
        std::fs::write(d.path().join("a2.json"), b"tampered").expect("w");
        assert!(r.read_verified("m").is_err());
    }
}
