//! Criterion benches for the NER detector: encoder forward pass at batch 32 × 128 tokens
//! (sequences/s; multiply by 128 for tokens/s) and the whole detector (windowing,
//! tokenising, length-sorted batches, decoding) on paragraphs of realistic, mixed lengths.
//! Needs the base encoder (`scripts/fetch-model.sh`); without it the benches are skipped
//! with a notice. Results: docs/benchmarks.md.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use deid_core::ner::{self, DeviceChoice};
use deid_core::registry::{find_models_dir, Registry};

fn bench(c: &mut Criterion) {
    // what the `pdf-deid` program does at start
    deid_core::ner::kernels::tune_allocator();
    let model = find_models_dir(None)
        .and_then(|d| Registry::load(&d).ok().map(|r| (d, r)))
        .and_then(|(d, r)| {
            ner::load_model(&r, "ner-minilm", &d.join("minilm"), DeviceChoice::Cpu).ok()
        });
    let Some(model) = model else {
        eprintln!("NOTICE: NER model or base encoder missing (scripts/fetch-model.sh): NER benches skipped");
        return;
    };
    // 32 sequences of exactly 128 word pieces ([CLS] + 126 + [SEP])
    let word = "patient ";
    let text: String = word.repeat(126);
    let texts: Vec<&str> = vec![text.trim_end(); 32];
    let enc = model.encoder.encode(&texts).expect("encode");
    assert_eq!(enc[0].ids.len(), 128, "the sequence is 128 tokens");
    let mut g = c.benchmark_group("ner");
    g.sample_size(10);
    g.throughput(Throughput::Elements(32));
    g.bench_function("encoder_32x128_sequences", |b| {
        b.iter(|| model.encoder.features(&texts, &enc).expect("forward"))
    });
    // realistic paragraphs: 20 to 400 characters, mixed
    let sentences = [
        "Seen in clinic today.",
        "Patient Maria Gonzalez was seen on 03/14/2024 at Riverside Clinic for follow-up of hypertension.",
        "Blood pressure was well controlled and HbA1c has improved on metformin; no medication changes were made at this visit.",
        "Dr. Samuel Brandt, Attending Physician, Department of Internal Medicine, St. Mary's Hospital, 42 Elm Street, Springfield, IL 62704. Phone (555) 201-3344.",
        "HISTORY OF PRESENT ILLNESS: The patient is a 67-year-old man with chronic kidney disease stage 3 and long-standing gout who presented with fatigue, reduced urine output and ankle swelling over two weeks; he denies chest pain or shortness of breath.",
    ];
    let paras: Vec<&str> = (0..256)
        .map(|i| sentences[(i * 7) % sentences.len()])
        .collect();
    g.throughput(Throughput::Elements(paras.len() as u64));
    g.bench_function("detect_256_paragraphs", |b| {
        b.iter(|| model.detect_texts(&paras).expect("detect"))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
