//! Mutated and hostile inputs through the whole pipeline: truncation, byte flips, a bogus
//! xref offset, deep object nesting, a huge image and a decompression bomb. Every case
//! must end as verified output or a clear error: no panic (a panic would surface as the
//! `internal` code), no case over 60 s.
//!
//! Bounded in CI; `PDF_DEID_FUZZ_CASES=5000 cargo test --release --test fuzz` runs longer.

mod common;

use std::io::Write;
use std::time::{Duration, Instant};

use common::*;
use deid_devtools::testpdf::{self, Lcg};

fn check(case: &str, bytes: Vec<u8>) {
    let t = Instant::now();
    let r = deid_core::pipeline::process_guarded(engine(), &pdfium(), bytes);
    assert!(
        t.elapsed() < Duration::from_secs(60),
        "{case}: took {:?}",
        t.elapsed()
    );
    match r {
        Ok(p) => {
            // only verified bytes come back; they must reopen
            extract(p.output.bytes());
        }
        Err(e) => assert_ne!(e.code(), "internal", "{case}: {e}"),
    }
}

fn cases() -> usize {
    std::env::var("PDF_DEID_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60)
}

#[test]
fn truncations_and_byte_flips() {
    let seeds: Vec<Vec<u8>> = vec![
        testpdf::clinical_letter(7).0,
        testpdf::two_column().0,
        testpdf::with_headings(),
        testpdf::encrypted(""),
    ];
    let mut rng = Lcg(0x5eed);
    for i in 0..cases() {
        let mut b = seeds[i % seeds.len()].clone();
        match i % 3 {
            0 => b.truncate(rng.below(b.len())),
            1 => {
                for _ in 0..1 + rng.below(20) {
                    let at = rng.below(b.len());
                    b[at] ^= 1 << rng.below(8);
                }
            }
            _ => {
                // overwrite a random window with random bytes
                let at = rng.below(b.len());
                let len = (1 + rng.below(64)).min(b.len() - at);
                for x in &mut b[at..at + len] {
                    *x = rng.next_u64() as u8;
                }
            }
        }
        check(&format!("mutation {i}"), b);
    }
}

#[test]
fn bogus_xref_offset() {
    let (mut b, _) = testpdf::clinical_letter(8);
    let key = b"startxref";
    let at = b
        .windows(key.len())
        .rposition(|w| w == key)
        .expect("startxref")
        + key.len()
        + 1;
    let end = at + b[at..].iter().position(|c| *c == b'\n').expect("nl");
    b.splice(at..end, b"99999".iter().copied());
    check("bogus xref", b);
}

/// A minimal one-page PDF whose page has `extra_page_keys` and an extra object `extra`.
fn raw_pdf(content: &[u8], extra_obj: &str, filter: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut offs = Vec::new();
    out.extend_from_slice(b"%PDF-1.7\n");
    let objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /XObject << /Im 5 0 R >> >> >>".to_vec(),
        {
            let mut s = format!("<< /Length {} {filter} >>\nstream\n", content.len()).into_bytes();
            s.extend_from_slice(content);
            s.extend_from_slice(b"\nendstream");
            s
        },
        extra_obj.as_bytes().to_vec(),
    ];
    for (i, o) in objs.iter().enumerate() {
        offs.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for o in offs {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[test]
fn deep_nesting() {
    let depth = 20_000;
    let nested = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
    check("deep array nesting", raw_pdf(b"BT ET", &nested, ""));
    let dicts = format!("{}1{}", "<< /A ".repeat(depth), " >>".repeat(depth));
    check("deep dictionary nesting", raw_pdf(b"BT ET", &dicts, ""));
}

#[test]
fn huge_image_header() {
    let img = "<< /Type /XObject /Subtype /Image /Width 200000 /Height 200000 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length 3 >>\nstream\nabc\nendstream";
    check(
        "huge image",
        raw_pdf(
            b"q 612 0 0 792 0 0 cm /Im Do Q BT /F1 12 Tf 72 700 Td (Patient: Anna Karenina) Tj ET",
            img,
            "",
        ),
    );
}

#[test]
fn decompression_bomb() {
    // 256 MiB of spaces deflate to about 250 KiB
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..256 {
        enc.write_all(&chunk).expect("deflate");
    }
    let bomb = enc.finish().expect("deflate");
    check(
        "decompression bomb",
        raw_pdf(&bomb, "<< >>", "/Filter /FlateDecode"),
    );
}
