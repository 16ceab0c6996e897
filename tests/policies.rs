//! Named policies and site profiles end to end: each output is re-extracted and checked for
//! what the policy removes and what it keeps, and the surviving glyphs must not move.

mod common;

use common::*;
use deid_core::policy::Profile;
use deid_core::{Config, Engine, Settings};
use deid_devtools::testpdf;

/// The output's text (spaces normalised) with the policy of `cfg`, rules only.
fn redacted(cfg: Config) -> String {
    let input = policy_letter();
    let engine = Engine::new(cfg, 2).expect("engine");
    let out = engine
        .process_pdf(&pdfium(), input.clone())
        .expect("process");
    let (before, after) = (extract(&input), extract(out.output.bytes()));
    assert_survivors_unmoved(&before, &after);
    spaced_text(&after)
}

fn has(text: &str, s: &str) -> bool {
    text.contains(s)
}

#[test]
fn safe_harbor_keeps_the_year_and_zip3_only() {
    let t = redacted(Config::safe_harbor());
    for gone in [
        "Okafor",
        "03/14",
        "01632",
        "960634",
        "Elmfield",
        "4PQ",
        "62704",
        "Springfield",
        "Mercy",
    ] {
        assert!(!has(&t, gone), "{gone} survived: {t}");
    }
    assert!(has(&t, " 2021 "), "the year went: {t}");
    assert!(has(&t, " 627"), "ZIP3 went: {t}");
    assert!(has(&t, "chest pain"), "{t}");
}

#[test]
fn the_limited_data_set_keeps_dates_towns_and_zip_codes() {
    let t = redacted(Config::limited_data_set());
    for gone in ["Okafor", "01632", "960634", "Elmfield"] {
        assert!(!has(&t, gone), "{gone} survived: {t}");
    }
    for kept in ["03/14/2021", "Springfield", "62704"] {
        assert!(has(&t, kept), "{kept} went: {t}");
    }
}

#[test]
fn the_uk_policy_removes_whole_dates_and_keeps_the_outward_code() {
    let t = redacted(Config::uk());
    for gone in [
        "Okafor",
        "03/14",
        "2021",
        "01632",
        "4PQ",
        "Elmfield",
        "Harrogate",
    ] {
        assert!(!has(&t, gone), "{gone} survived: {t}");
    }
    assert!(has(&t, " HG1 "), "the outward code went: {t}");
}

#[test]
fn a_profile_switches_categories_off_and_keeps_and_adds_terms() {
    let profile = Profile::parse(
        "site.toml",
        r#"
name = "St Elsewhere"
allow = ["mercy hospital"]
[categories.PHONE]
redact = false
[deny]
NAME = ["Bellweather"]
"#,
    )
    .expect("profile");
    let base = redacted(Config::safe_harbor());
    assert!(
        has(&base, "Bellweather"),
        "the rules alone leave it: {base}"
    );
    assert!(!has(&base, "Mercy"), "the rules alone find it: {base}");
    let cfg = Settings {
        profile: Some(profile),
        ..Settings::default()
    }
    .into_config()
    .expect("config");
    let plain_hash = Config::safe_harbor().settings_hash();
    assert_ne!(
        cfg.settings_hash(),
        plain_hash,
        "the profile is in the hash"
    );
    let t = redacted(cfg);
    assert!(!has(&t, "Bellweather"), "the deny-list term survived: {t}");
    assert!(has(&t, "Mercy Hospital"), "the allow-listed term went: {t}");
    assert!(has(&t, "01632 960634"), "PHONE is off: {t}");
    assert!(!has(&t, "Okafor"), "{t}");
}

#[test]
fn a_street_address_merged_with_its_zip_code_is_never_kept_as_a_zip_code() {
    // "Address: 42 Elm Street, Springfield, IL 62704": the field's value and the ZIP code
    // merge into one span; the limited data set keeps ZIP codes but not streets
    let (pdf, _) = testpdf::clinical_letter(1);
    let engine = Engine::new(Config::limited_data_set(), 2).expect("engine");
    let out = engine.process_pdf(&pdfium(), pdf).expect("process");
    let t = text_of(&extract(out.output.bytes()));
    for gone in ["Elm Street", "Maple Avenue", "Harbor View", "Cedar Lane"] {
        assert!(!t.contains(gone), "{gone} survived: {t}");
    }
}
