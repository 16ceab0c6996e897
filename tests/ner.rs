//! The NER encoder and detector with the real base model (fetched by scripts/setup.sh; the
//! tests print a notice and stop when it is missing).
//! 1. Tokenizer parity with the reference ids.
//! 2. Batched encoder output: shape, padding does not change a sequence's vectors.
//! 3. The registered NER head loads (checksums verified) and finds names without context.

use std::path::PathBuf;

use deid_core::ner::{self, Encoder};

fn encoder_dir() -> Option<PathBuf> {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/minilm");
    if d.join("model.safetensors").is_file() {
        Some(d)
    } else {
        println!("NOTICE: models/minilm missing (run scripts/setup.sh); NER tests skipped");
        None
    }
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
    let max_diff = a
        .iter()
        .flatten()
        .zip(s.iter().flatten())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(max_diff < 1e-3, "padding changed the vectors by {max_diff}");
}

#[test]
fn registered_ner_head_finds_names_without_context() {
    let Some(dir) = encoder_dir() else { return };
    let models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models");
    let reg = deid_core::registry::Registry::load(&models).expect("registry");
    if reg.entry("ner-minilm").is_err() {
        println!("NOTICE: no ner-minilm in models/registry.json; skipped");
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
    let e = enc.encode(&texts).expect("encode");
    let vectors = |enc: &Encoder| -> Vec<f32> {
        enc.features(&texts, &e)
            .and_then(|t| {
                t.flatten_all()
                    .and_then(|t| t.to_vec1())
                    .map_err(|_| deid_core::Error::Internal("tensor"))
            })
            .expect("features")
    };
    let fast = vectors(&enc);
    enc.bert.set_differentiable(true);
    let slow = vectors(&enc);
    let max_diff = fast
        .iter()
        .zip(&slow)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(max_diff < 1e-3, "fused kernels differ by {max_diff}");
}
