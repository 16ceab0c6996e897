//! Reviewer decisions through the whole pipeline and through `pdf-deid worker` / `run`-style
//! job runs: a rejected detection stays (every occurrence), an added term and an added box
//! are removed, surviving text does not move, and the job log records the decisions as
//! HMACs only.

mod common;

use std::sync::Arc;

use common::*;
use deid_core::joblog::HmacKey;
use deid_core::review::{AddedBox, AddedTerm, Decisions, RejectedAt, Review};
use deid_core::types::{Category, Rect};
use deid_core::{ProcessOptions, Stage};

fn word_box(ex: &deid_core::pdfium::Extracted, word: &str) -> Rect {
    deid_devtools::testpdf::word_glyphs(ex, 0, word)
        .expect("word on the page")
        .iter()
        .map(|g| g.loose)
        .reduce(|a, b| a.union(&b))
        .expect("glyphs")
        .pad(0.5)
}

/// The pipeline with reviewer decisions (and an optional stage observer).
fn process_reviewed(
    pdf: Vec<u8>,
    decisions: &Decisions,
    key: &HmacKey,
    on_stage: Option<&dyn Fn(Stage)>,
) -> deid_core::Result<deid_core::Processed> {
    engine().process_pdf_with(
        &pdfium(),
        pdf,
        ProcessOptions {
            review: Some(Review { decisions, key }),
            on_stage,
            on_limit: None,
            key: None,
        },
    )
}

#[test]
fn decisions_reject_add_term_and_box() {
    let (pdf, phi) = deid_devtools::testpdf::clinical_letter(4);
    let before = extract(&pdf);
    let key = HmacKey::from_bytes([3; 32]);
    let doctor = phi[5].clone();
    // the doctor's name as the detector reports it: find the entity whose text matches
    let plain = process(pdf.clone());
    let doctor_entity = plain
        .report
        .entities
        .iter()
        .find(|e| e.text.contains(&doctor))
        .expect("the doctor's name is detected");
    let decisions = Decisions {
        rejected: vec![key.hmac_hex(&doctor_entity.text)],
        added_terms: vec![AddedTerm {
            text: "METFORMIN".into(),
            category: Category::Name,
        }],
        added_boxes: vec![AddedBox {
            page: 0,
            rect: word_box(&before, "hypertension"),
            category: Category::Location,
        }],
        ..Decisions::default()
    };
    let stages = std::sync::Mutex::new(Vec::new());
    let observe = |s: Stage| stages.lock().expect("lock").push(s);
    let p =
        process_reviewed(pdf, &decisions, &key, Some(&observe)).expect("process with decisions");
    assert_eq!(stages.into_inner().expect("stages"), Stage::ALL.to_vec());
    let after = extract(p.output.bytes());
    let text = text_of(&after);
    assert_kept(&text, &[&doctor, "diabetes", "Blood pressure"]);
    assert_gone(&text, &["hypertension".into(), "metformin".into()]);
    assert_gone(&text, &phi[..5]);
    assert_survivors_unmoved(&before, &after);
    assert!(p
        .report
        .rejected
        .iter()
        .all(|e| e.text == doctor_entity.text));
    assert!(!p.report.rejected.is_empty());
    assert!(p
        .report
        .entities
        .iter()
        .any(|e| e.source == deid_core::review::BOX_SOURCE));
    let sources: Vec<&str> = p
        .report
        .entities
        .iter()
        .map(|e| e.source.as_str())
        .collect();
    assert!(
        sources
            .iter()
            .any(|s| s.split('+').any(|d| d == "reviewer")),
        "{sources:?}"
    );
}

#[test]
fn a_rejected_occurrence_stays_where_it_was_and_the_others_go() {
    let (pdf, _) = deid_devtools::testpdf::clinical_letter(4);
    let before = extract(&pdf);
    let key = HmacKey::from_bytes([9; 32]);
    let plain = process(pdf.clone());
    // a detected text that occurs more than once (the patient's name: header and body)
    let es = &plain.report.entities;
    let twice = es
        .iter()
        .find(|e| {
            e.text.len() > 3
                && e.at.is_some()
                && es
                    .iter()
                    .filter(|o| o.text == e.text && o.at.is_some())
                    .count()
                    >= 2
        })
        .expect("a detected text occurs twice");
    let mut places: Vec<_> = es
        .iter()
        .filter(|o| o.text == twice.text)
        .filter_map(|o| o.at)
        .collect();
    places.sort_by_key(|a| (a.para, a.start));
    let decisions = Decisions {
        rejected_at: vec![RejectedAt {
            key: key.hmac_hex(&twice.text),
            at: places[0],
        }],
        ..Decisions::default()
    };
    let p = process_reviewed(pdf, &decisions, &key, None).expect("process with decisions");
    let after = extract(p.output.bytes());
    let text = text_of(&after);
    let squash = |t: &str| t.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    assert_eq!(
        squash(&text).matches(&squash(&twice.text)).count(),
        1,
        "exactly the rejected occurrence is kept"
    );
    assert_eq!(
        squash(&text_of(&before))
            .matches(&squash(&twice.text))
            .count(),
        places.len()
    );
    assert_eq!(p.report.rejected.len(), 1);
    assert_eq!(p.report.rejected[0].at, Some(places[0]));
    assert!(
        p.report.rasterised_pages.is_empty(),
        "{:?}",
        p.report.raster
    );
    assert_survivors_unmoved(&before, &after);
    // another place with the right text, or the right place with another text: nothing kept
    for wrong in [
        RejectedAt {
            key: key.hmac_hex(&twice.text),
            at: deid_core::review::TextAt {
                para: places[0].para,
                start: places[0].start + 1,
            },
        },
        RejectedAt {
            key: key.hmac_hex("someone else"),
            at: places[0],
        },
    ] {
        let d = Decisions {
            rejected_at: vec![wrong],
            ..Decisions::default()
        };
        let (pdf, _) = deid_devtools::testpdf::clinical_letter(4);
        let p = process_reviewed(pdf, &d, &key, None).expect("process");
        let text = text_of(&extract(p.output.bytes()));
        assert!(!squash(&text).contains(&squash(&twice.text)));
        assert!(p.report.rejected.is_empty());
    }
}

#[test]
fn a_box_outside_the_document_is_a_clear_error() {
    let (pdf, _) = deid_devtools::testpdf::clinical_letter(5);
    let key = HmacKey::from_bytes([3; 32]);
    let decisions = Decisions {
        added_boxes: vec![AddedBox {
            page: 7,
            rect: Rect::new(0.0, 0.0, 10.0, 10.0),
            category: Category::Name,
        }],
        ..Decisions::default()
    };
    let result = process_reviewed(pdf, &decisions, &key, None);
    match result {
        Err(e) => assert_eq!(e.code(), "settings"),
        Ok(_) => panic!("a box on a page that does not exist was accepted"),
    }
}

/// The default engine as a parent that starts workers knows it: described from the
/// registry, no model loaded.
fn described() -> deid_core::job::Pipeline<'static> {
    static INFO: std::sync::OnceLock<deid_core::pipeline::EngineInfo> = std::sync::OnceLock::new();
    deid_core::job::Pipeline::Described(INFO.get_or_init(|| {
        let ner = (!common::encoder_present()).then_some("none");
        deid_core::engine::describe(deid_core::Config::safe_harbor(), None, ner).expect("describe")
    }))
}

/// One `pdf-deid worker` process per document.
fn worker_isolation() -> deid_core::job::Isolation {
    deid_core::job::Isolation::Subprocess {
        exe: env!("CARGO_BIN_EXE_pdf-deid").into(),
        settings: deid_core::job::WorkerSettings {
            policy: "safe-harbor".into(),
            max_memory_mb: 4096,
            ner_model: (!common::encoder_present()).then(|| "none".to_string()),
            ..Default::default()
        },
        timeout: std::time::Duration::from_secs(120),
        password: None,
        reuse: true,
    }
}

/// A job with decisions through a worker process: stage events arrive, the output follows
/// the decisions, the job log holds the rejection as an HMAC row and no plaintext.
#[test]
fn job_with_decisions_in_a_worker_process() {
    use deid_core::job::{self, JobEvent, JobRequest};
    let dir = tempfile::tempdir().expect("tmp");
    let (pdf, phi) = deid_devtools::testpdf::clinical_letter(6);
    let input = dir.path().join("in/letter.pdf");
    std::fs::create_dir_all(input.parent().expect("parent")).expect("mkdir");
    std::fs::write(&input, &pdf).expect("write");
    let key_path = dir.path().join("key");
    let key = HmacKey::load_or_create(&key_path).expect("key");
    let plain = process(pdf);
    let doctor_entity = plain
        .report
        .entities
        .iter()
        .find(|e| e.text.contains(&phi[5]))
        .expect("doctor detected");
    let req = JobRequest {
        inputs: vec![input.clone()],
        out_dir: dir.path().join("out"),
        db: dir.path().join("out/jobs.sqlite"),
        key: key_path,
        force: true,
        isolation: worker_isolation(),
        review: Some(Decisions {
            rejected: vec![key.hmac_hex(&doctor_entity.text)],
            added_terms: vec![AddedTerm {
                text: "hypertension".into(),
                category: Category::Name,
            }],
            ..Decisions::default()
        }),
        cancel: None,
        names: Default::default(),
    };
    let mut stages = Vec::new();
    let outcome = job::run_job(described(), &req, &mut |ev| {
        if let JobEvent::DocStage { stage, .. } = ev {
            stages.push(*stage)
        }
    })
    .expect("job");
    assert_eq!(
        outcome.documents[0].status,
        job::DocStatus::Ok,
        "{:?}",
        outcome.documents[0]
    );
    assert_eq!(stages, Stage::ALL.to_vec());
    let out = std::fs::read(dir.path().join("out/letter.pdf")).expect("output");
    let text = text_of(&extract(&out));
    assert_kept(&text, &[&phi[5]]);
    assert_gone(&text, &["hypertension".into(), phi[0].clone()]);
    let conn = rusqlite::Connection::open(dir.path().join("out/jobs.sqlite")).expect("db");
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM entities WHERE source LIKE 'rejected:%'",
            [],
            |r| r.get(0),
        )
        .expect("query");
    assert!(n >= 1);
    drop(conn);
    let raw = std::fs::read(dir.path().join("out/jobs.sqlite")).expect("db bytes");
    for s in [&phi[5], &"hypertension".to_string()] {
        assert!(!raw.windows(s.len()).any(|w| w == s.as_bytes()));
    }

    // the audit report of that job: the same facts as CSV and PDF, no document text
    let (csv_path, pdf_path) = (dir.path().join("audit.csv"), dir.path().join("audit.pdf"));
    let r = std::process::Command::new(env!("CARGO_BIN_EXE_pdf-deid"))
        .arg("report")
        .arg("--db")
        .arg(dir.path().join("out/jobs.sqlite"))
        .arg("--csv")
        .arg(&csv_path)
        .arg("--pdf")
        .arg(&pdf_path)
        .output()
        .expect("report");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let csv = std::fs::read_to_string(&csv_path).expect("csv");
    let pdf_text = text_of(&extract(&std::fs::read(&pdf_path).expect("pdf")));
    let input_sha = deid_core::hash::sha256_hex(&std::fs::read(&input).expect("input"));
    let rejected_hmac = key.hmac_hex(&doctor_entity.text);
    let head: String = rusqlite::Connection::open(dir.path().join("out/jobs.sqlite"))
        .expect("db")
        .query_row(
            "SELECT row_hash FROM documents ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("head");
    assert!(csv.starts_with("job_id,document_id,section,page,category,key,value"));
    assert!(
        csv.contains(&format!("document,,,input_sha256,{input_sha}")),
        "{csv}"
    );
    assert!(csv.contains(&format!("chain,,,head,{head}")), "{csv}");
    // the file that was written, by its hash and size
    let out_sha = deid_core::hash::sha256_hex(&out);
    assert!(
        csv.contains(&format!("document,,,output_sha256,{out_sha}"))
            && csv.contains(&format!("document,,,output_bytes,{}", out.len())),
        "{csv}"
    );
    assert!(csv.contains("chain,,,check,intact"), "{csv}");
    assert!(
        csv.contains(&format!(",decision,1,NAME,rejected,{rejected_hmac}")),
        "{csv}"
    );
    assert!(
        csv.contains(",decision,") && csv.contains(",NAME,added,"),
        "{csv}"
    );
    assert!(csv.contains(",count,,NAME,detections,"), "{csv}");
    assert!(csv.contains(",stage_ms,,,detect,"), "{csv}");
    let flat = pdf_text.split_whitespace().collect::<String>();
    for fact in [&input_sha, &head, &rejected_hmac, &out_sha] {
        assert!(
            flat.contains(fact.as_str()),
            "{fact} missing from the PDF report"
        );
    }
    let hay = format!("{csv}\n{pdf_text}").to_lowercase();
    for s in phi
        .iter()
        .chain([&doctor_entity.text, &"hypertension".to_string()])
    {
        assert!(
            !hay.contains(&s.to_lowercase()),
            "the audit report holds document text"
        );
    }
}

/// A batch over `dir/in` into `dir/out` (job log and key inside `dir`).
fn batch_request(
    dir: &std::path::Path,
    isolation: deid_core::job::Isolation,
    cancel: Option<Arc<deid_core::job::Cancel>>,
) -> deid_core::job::JobRequest {
    deid_core::job::JobRequest {
        inputs: vec![dir.join("in")],
        out_dir: dir.join("out"),
        db: dir.join("out/jobs.sqlite"),
        key: dir.join("key"),
        force: false,
        isolation,
        review: None,
        cancel,
        names: Default::default(),
    }
}

/// Cancelling a document kills its worker; the rest of the batch goes on.
#[test]
fn cancel_one_document_of_a_batch() {
    use deid_core::job::{self, Cancel};
    let dir = tempfile::tempdir().expect("tmp");
    let mut inputs = Vec::new();
    for i in 0..3u64 {
        let p = dir.path().join(format!("in/{i}.pdf"));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(&p, deid_devtools::testpdf::clinical_letter(i).0).expect("write");
        inputs.push(p);
    }
    let cancel = Arc::new(Cancel::default());
    cancel.cancel_doc(1);
    let req = batch_request(dir.path(), worker_isolation(), Some(cancel));
    let outcome = job::run_job(described(), &req, &mut |_| {}).expect("job");
    let st: Vec<&str> = outcome
        .documents
        .iter()
        .map(|d| d.status.as_str())
        .collect();
    assert_eq!(st, vec!["ok", "cancelled", "ok"]);
    assert!(!dir.path().join("out/1.pdf").exists());
    assert!(dir.path().join("out/2.pdf").exists());
    // one worker served both documents (the cancelled one never started)
    let pids: Vec<u32> = outcome.documents.iter().map(|d| d.worker_pid).collect();
    assert!(pids[0] != 0 && pids[0] == pids[2], "{pids:?}");
}

/// Cancelling a document while its worker runs (it has already reported a stage) kills
/// that worker: the document ends `cancelled` with no output, the batch goes on.
#[test]
fn cancel_kills_a_running_worker() {
    use deid_core::job::{self, Cancel, JobEvent};
    let dir = tempfile::tempdir().expect("tmp");
    let inp = dir.path().join("in");
    std::fs::create_dir_all(&inp).expect("mkdir");
    std::fs::write(
        inp.join("0.pdf"),
        deid_devtools::testpdf::clinical_letter(0).0,
    )
    .expect("w");
    // long enough that it is still running when the cancel arrives
    std::fs::write(inp.join("1.pdf"), deid_devtools::samples::long_record(150)).expect("w");
    std::fs::write(
        inp.join("2.pdf"),
        deid_devtools::testpdf::clinical_letter(2).0,
    )
    .expect("w");
    let cancel = Arc::new(Cancel::default());
    let req = batch_request(dir.path(), worker_isolation(), Some(cancel.clone()));
    let mut stages_of_1 = 0;
    let mut cancelled_at = None;
    let outcome = job::run_job(described(), &req, &mut |ev| match ev {
        JobEvent::DocStage { index: 1, .. } => {
            stages_of_1 += 1;
            if cancelled_at.is_none() {
                cancelled_at = Some(std::time::Instant::now());
                cancel.cancel_doc(1);
            }
        }
        JobEvent::DocCancelled { index: 1 } => {
            let waited = cancelled_at.expect("cancelled after a stage").elapsed();
            assert!(
                waited.as_secs() < 10,
                "the worker was not killed: {waited:?}"
            );
        }
        _ => {}
    })
    .expect("job");
    let st: Vec<&str> = outcome
        .documents
        .iter()
        .map(|d| d.status.as_str())
        .collect();
    assert_eq!(st, vec!["ok", "cancelled", "ok"]);
    // the killed worker was replaced: the last document ran in a new one
    let pids: Vec<u32> = outcome.documents.iter().map(|d| d.worker_pid).collect();
    assert!(
        pids[0] != 0 && pids[2] != 0 && pids[0] != pids[2],
        "{pids:?}"
    );
    // the worker had started (it reported a stage) and did not finish its stages
    assert!(
        (1..Stage::ALL.len()).contains(&stages_of_1),
        "{stages_of_1} stages"
    );
    assert!(!dir.path().join("out/1.pdf").exists());
    assert!(dir.path().join("out/2.pdf").exists());
}

/// A worker that crashes (killed by a signal) fails its document with `worker_crashed`;
/// the documents before and after it are done.
#[test]
fn a_crashing_worker_fails_its_document_and_the_batch_goes_on() {
    use deid_core::job;
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tmp");
    let inp = dir.path().join("in");
    std::fs::create_dir_all(&inp).expect("mkdir");
    for (i, name) in ["a.pdf", "b-crash.pdf", "c.pdf"].iter().enumerate() {
        std::fs::write(
            inp.join(name),
            deid_devtools::testpdf::clinical_letter(i as u64).0,
        )
        .expect("w");
    }
    // a wrapper that segfaults on one document and runs the real worker on the others
    let wrapper = dir.path().join("worker.sh");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nreq=$(cat)\ncase \"$req\" in *crash.pdf*) kill -SEGV $$ ;; esac\nprintf '%s' \"$req\" | exec {} \"$@\"\n",
            env!("CARGO_BIN_EXE_pdf-deid")
        ),
    )
    .expect("wrapper");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let deid_core::job::Isolation::Subprocess {
        settings, timeout, ..
    } = worker_isolation()
    else {
        unreachable!("worker isolation")
    };
    let isolation = deid_core::job::Isolation::Subprocess {
        exe: wrapper,
        settings,
        timeout,
        password: None,
        // a worker per document: the wrapper reads one request
        reuse: false,
    };
    let req = batch_request(dir.path(), isolation, None);
    let outcome = job::run_job(described(), &req, &mut |_| {}).expect("job");
    let got: Vec<(&str, Option<&str>)> = outcome
        .documents
        .iter()
        .map(|d| (d.status.as_str(), d.error_code))
        .collect();
    assert_eq!(
        got,
        vec![
            ("ok", None),
            ("failed", Some("worker_crashed")),
            ("ok", None)
        ]
    );
    assert!(!dir.path().join("out/b-crash.pdf").exists());
    assert!(dir.path().join("out/a.pdf").exists() && dir.path().join("out/c.pdf").exists());
}

/// The review screen's page of a password-protected document: without its password a
/// plain `encrypted` error (not "page 1 requested, the document has 0"), with it the page.
#[test]
fn an_encrypted_page_renders_only_with_its_password() {
    let pdf = deid_devtools::testpdf::encrypted("s3cret");
    let pdfium = pdfium();
    let err = deid_core::review::render_page(&pdfium, pdf.clone(), None, 0, 50.0)
        .err()
        .expect("refused without its password");
    assert_eq!(err.code(), "encrypted", "{err}");
    let page = deid_core::review::render_page(&pdfium, pdf, Some("s3cret".into()), 0, 50.0)
        .expect("rendered with its password");
    assert!(page.pages >= 1 && !page.png.is_empty());
}
