//! The package ships every model the registry lists: a registry entry whose file is not
//! in `tauri.bundle.json`'s resources would make the installed app refuse to start its
//! workers ("model file missing").

#[test]
fn the_bundle_ships_every_registered_model_file() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let read = |p: std::path::PathBuf| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json")
    };
    let bundle = read(root.join("tauri.bundle.json"));
    let resources = bundle["bundle"]["resources"]
        .as_object()
        .expect("resources map");
    let registry = read(root.join("../models/registry.json"));
    let models = registry["models"].as_array().expect("models");
    assert!(!models.is_empty());
    for m in models {
        let file = m["file"].as_str().expect("file");
        let src = format!("../models/{file}");
        assert_eq!(
            resources.get(&src).and_then(|v| v.as_str()),
            Some(format!("models/{file}").as_str()),
            "{file} is registered but not bundled"
        );
    }
    assert!(resources.contains_key("../models/registry.json"));
    // the model's drift reference (`jobs drift`, the History's drift column)
    assert!(resources.contains_key("../models/drift-reference.json"));
    assert!(root.join("../models/drift-reference.json").is_file());
}
