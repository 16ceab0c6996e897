//! Criterion benches: extraction (pdfium owner thread → glyphs), layout + detection, and
//! the whole pipeline including redaction and verification, on a generated 20-page record.
//! Throughput is reported in pages per second. Results: docs/benchmarks.md.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use deid_core::pdfium::{self, ExtractLimits};
use deid_core::{layout, Config, Engine};
use deid_devtools::samples;

const PAGES: usize = 20;

fn bench(c: &mut Criterion) {
    let service = pdfium::service(None).expect("libpdfium.so: run scripts/setup.sh");
    let bytes = Arc::new(samples::long_record(PAGES));
    let limits = ExtractLimits {
        max_pages: 10_000,
        max_chars_per_page: 1_000_000,
    };
    let engine = Engine::new(Config::safe_harbor(), 0).expect("engine");
    let mut g = c.benchmark_group("pipeline");
    g.throughput(Throughput::Elements(PAGES as u64));
    g.sample_size(10);
    g.bench_function("extract_pages", |b| {
        b.iter(|| {
            service
                .extract(bytes.clone(), None, limits)
                .expect("extract")
        })
    });
    let ex = service
        .extract(bytes.clone(), None, limits)
        .expect("extract");
    g.bench_function("layout_pages", |b| {
        b.iter(|| layout::paragraphs(&ex.pages, &layout::LayoutConfig::standard()))
    });
    g.bench_function("redact_and_verify_pages", |b| {
        b.iter(|| {
            engine
                .process_pdf(&service, bytes.to_vec())
                .expect("process")
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
