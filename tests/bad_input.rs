//! Bad input gets a clear error or a safe result, never a panic or an unverified output.

mod common;

use common::*;
use deid_core::Error;
use deid_devtools::testpdf;

fn err_of(bytes: Vec<u8>) -> Error {
    match engine().process_pdf(&pdfium(), bytes) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn encrypted_with_user_password_is_a_clear_error() {
    let e = err_of(testpdf::encrypted("secret"));
    assert_eq!(e.code(), "encrypted");
    assert!(!e.to_string().contains("Evelyn"));
}

#[test]
fn encrypted_with_password_given_is_processed() {
    let mut cfg = deid_core::Config::safe_harbor();
    cfg.password = Some("secret".into());
    let eng = deid_core::Engine::new(cfg, 1).expect("engine");
    let p = eng
        .process_pdf(&pdfium(), testpdf::encrypted("secret"))
        .expect("processed");
    let out = p.output.bytes();
    assert!(lopdf::Document::load_mem(out)
        .expect("parses")
        .trailer
        .get(b"Encrypt")
        .is_err());
    assert_gone(
        &text_of(&extract(out)),
        &["Evelyn Hartley".into(), "7730215".into()],
    );
}

#[test]
fn encrypted_with_empty_password_is_processed() {
    let p = process(testpdf::encrypted(""));
    assert_gone(
        &text_of(&extract(p.output.bytes())),
        &["Evelyn Hartley".into(), "7730215".into()],
    );
}

#[test]
fn truncated_file_fails_closed() {
    let e = err_of(testpdf::truncated());
    assert!(matches!(e.code(), "damaged" | "verification_failed"), "{e}");
}

#[test]
fn garbage_and_empty_input_fail_with_damaged() {
    assert_eq!(err_of(b"not a pdf at all".to_vec()).code(), "damaged");
    assert_eq!(err_of(Vec::new()).code(), "damaged");
}

#[test]
fn oversized_input_is_refused_before_parsing() {
    let mut cfg = deid_core::Config::safe_harbor();
    cfg.limits.max_file_bytes = 100;
    let eng = deid_core::Engine::new(cfg, 1).expect("engine");
    let e = eng
        .process_pdf(&pdfium(), testpdf::clinical_letter(0).0)
        .expect_err("too large");
    assert_eq!(e.code(), "too_large");
}
