//! The audit report of a job, as CSV and as PDF, made from the job log alone (so it holds
//! no document text: hashes, HMACs, categories, counts, codes, scores and times). Both
//! carry the same fields; `docs/audit-report.md` explains them.

use std::fmt::Write as _;

use lopdf::{dictionary, Document, Object, Stream};

use crate::joblog::{Audit, ChainCheck};

/// Columns of the CSV: one fact per row.
pub const CSV_HEADER: [&str; 7] = [
    "job_id",
    "document_id",
    "section",
    "page",
    "category",
    "key",
    "value",
];

fn chain_text(a: &Audit) -> String {
    match &a.chain {
        ChainCheck::Intact { rows } => format!("intact ({rows} document rows verified)"),
        ChainCheck::Broken {
            first_bad_row,
            reason,
        } => format!("BROKEN at row {first_bad_row}: {reason}"),
    }
}

/// One fact: (document id, section, page, category, key, value).
type Fact = (
    Option<i64>,
    &'static str,
    Option<u32>,
    String,
    String,
    String,
);

fn facts(a: &Audit) -> Vec<Fact> {
    let j = &a.job;
    let job = |k: &str, v: String| (None, "job", None, String::new(), k.to_string(), v);
    let mut out = vec![
        job("started_at", j.started_at.clone()),
        job("finished_at", j.finished_at.clone().unwrap_or_default()),
        job("status", j.status.clone()),
        job("tool_version", j.tool_version.clone()),
        job("settings_hash", j.settings_hash.clone()),
        job("model_versions", j.model_versions.clone()),
        job("documents", a.documents.len().to_string()),
        (
            None,
            "chain",
            None,
            String::new(),
            "check".into(),
            chain_text(a),
        ),
        (
            None,
            "chain",
            None,
            String::new(),
            "head".into(),
            a.chain_head.clone(),
        ),
    ];
    for d in &a.documents {
        let id = Some(d.id);
        let doc = |k: &str, v: String| (id, "document", None, String::new(), k.to_string(), v);
        out.extend([
            doc("input_sha256", d.input_sha256.clone()),
            doc("input_path_hmac", d.input_path_hmac.clone()),
            doc("output_tag", d.output_tag.clone().unwrap_or_default()),
            doc(
                "output_sha256",
                d.output
                    .as_ref()
                    .map(|o| o.sha256.clone())
                    .unwrap_or_default(),
            ),
            doc(
                "output_bytes",
                d.output
                    .as_ref()
                    .map(|o| o.bytes.to_string())
                    .unwrap_or_default(),
            ),
            doc("status", d.status.clone()),
            doc("error_code", d.error_code.clone().unwrap_or_default()),
            doc("pages", d.pages.to_string()),
            doc("paragraphs", d.paragraphs.to_string()),
            doc("risk_score", format!("{:.3}", d.risk_score)),
            doc("started_at", d.started_at.clone()),
            doc("finished_at", d.finished_at.clone()),
            doc("total_ms", d.stage_ms.values().sum::<u64>().to_string()),
            doc("row_hash", d.row_hash.clone()),
        ]);
        for (stage, ms) in &d.stage_ms {
            out.push((
                id,
                "stage_ms",
                None,
                String::new(),
                stage.clone(),
                ms.to_string(),
            ));
        }
        for (cat, n) in &d.counts {
            out.push((
                id,
                "count",
                None,
                cat.clone(),
                "detections".into(),
                n.to_string(),
            ));
        }
        for ((page, cat), n) in &d.per_page {
            out.push((
                id,
                "boxes",
                Some(*page),
                cat.clone(),
                "boxes".into(),
                n.to_string(),
            ));
        }
        for x in &d.decisions {
            out.push((
                id,
                "decision",
                Some(x.page),
                x.category.clone(),
                x.kind.to_string(),
                x.text_hmac.clone(),
            ));
        }
        for r in &d.raster {
            out.push((
                id,
                "rasterised",
                Some(r.page),
                String::new(),
                r.code.clone(),
                r.detail.clone(),
            ));
        }
        for o in &d.ocr {
            out.push((
                id,
                "ocr",
                Some(o.page),
                String::new(),
                o.reason.clone(),
                format!(
                    "{} words, mean confidence {:.0}",
                    o.words, o.mean_confidence
                ),
            ));
        }
    }
    out
}

/// The report as CSV (header [`CSV_HEADER`], one fact per row).
pub fn to_csv(a: &Audit) -> Result<String, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER)?;
    for (doc, section, page, cat, key, value) in facts(a) {
        w.write_record([
            a.job.id.to_string(),
            doc.map(|d| d.to_string()).unwrap_or_default(),
            section.to_string(),
            page.map(|p| p.to_string()).unwrap_or_default(),
            cat,
            key,
            value,
        ])?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The report's lines as the PDF shows them.
pub fn lines(a: &Audit) -> Vec<String> {
    let j = &a.job;
    let count = |s: &str| a.documents.iter().filter(|d| d.status == s).count();
    let mut l = vec![
        format!("pdf-deid audit report: job {}", j.id),
        String::new(),
        format!(
            "Started {}, finished {}, status {}",
            j.started_at,
            j.finished_at.as_deref().unwrap_or("-"),
            j.status
        ),
        format!("Tool version {}", j.tool_version),
        format!("Settings hash {}", j.settings_hash),
        format!("Models {}", j.model_versions),
        format!(
            "Documents {} (ok {}, review {}, failed {})",
            a.documents.len(),
            count("ok"),
            count("review"),
            count("failed")
        ),
        format!("Job-log hash chain: {}", chain_text(a)),
        format!("Chain head {}", a.chain_head),
    ];
    for d in &a.documents {
        l.push(String::new());
        l.push(format!("Document {} - {}", d.id, d.status.to_uppercase()));
        l.push(format!("  input sha256 {}", d.input_sha256));
        l.push(format!("  input path HMAC {}", d.input_path_hmac));
        l.push(format!(
            "  output tag {}",
            d.output_tag.as_deref().unwrap_or("(no output written)")
        ));
        if let Some(o) = &d.output {
            l.push(format!("  output sha256 {} ({} bytes)", o.sha256, o.bytes));
        }
        if let Some(e) = &d.error_code {
            l.push(format!("  error {e}"));
        }
        l.push(format!(
            "  {} pages, {} paragraphs, risk {:.3}, {} ms ({} - {})",
            d.pages,
            d.paragraphs,
            d.risk_score,
            d.stage_ms.values().sum::<u64>(),
            d.started_at,
            d.finished_at
        ));
        let join = |it: Vec<String>| {
            if it.is_empty() {
                "none".into()
            } else {
                it.join(", ")
            }
        };
        l.push(format!(
            "  stages (ms): {}",
            join(d.stage_ms.iter().map(|(k, v)| format!("{k} {v}")).collect())
        ));
        l.push(format!(
            "  detections: {}",
            join(d.counts.iter().map(|(k, v)| format!("{k} {v}")).collect())
        ));
        let mut pages: Vec<String> = Vec::new();
        let mut last = 0;
        for ((p, cat), n) in &d.per_page {
            if *p != last {
                pages.push(format!("p{p}:"));
                last = *p;
            }
            pages.push(format!("{cat} {n}"));
        }
        l.push(format!("  boxes per page: {}", join(pages)));
        for x in &d.decisions {
            l.push(format!(
                "  reviewer {} {} on page {} (HMAC {})",
                x.kind, x.category, x.page, x.text_hmac
            ));
        }
        for r in &d.raster {
            l.push(format!(
                "  page {} as image: {}: {}",
                r.page, r.code, r.detail
            ));
        }
        for o in &d.ocr {
            l.push(format!(
                "  page {} OCR ({}): {} words, mean confidence {:.0}",
                o.page, o.reason, o.words, o.mean_confidence
            ));
        }
        l.push(format!("  chain link {}", d.row_hash));
    }
    l
}

/// A PDF string literal: ASCII only (anything else becomes `?`), `\`, `(` and `)` escaped.
fn literal(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('(');
    for c in s.chars() {
        match c {
            '\\' | '(' | ')' => {
                o.push('\\');
                o.push(c);
            }
            ' '..='~' => o.push(c),
            _ => o.push('?'),
        }
    }
    o.push(')');
    o
}

/// Longest line on the page, in characters, before it wraps (Courier 8 pt on Letter).
const WRAP: usize = 100;
const LINES_PER_PAGE: usize = 70;

/// The report as a PDF (Letter pages, Courier 8 pt, no metadata but the producer).
pub fn to_pdf(a: &Audit) -> Result<Vec<u8>, lopdf::Error> {
    let mut wrapped = Vec::new();
    for line in lines(a) {
        let chars: Vec<char> = line.chars().collect();
        if chars.is_empty() {
            wrapped.push(String::new());
        }
        for (i, part) in chars.chunks(WRAP).enumerate() {
            let s: String = part.iter().collect();
            wrapped.push(if i == 0 { s } else { format!("    {s}") });
        }
    }
    let mut doc = Document::with_version("1.7");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier",
        "Encoding" => "WinAnsiEncoding",
    });
    let chunks: Vec<&[String]> = wrapped.chunks(LINES_PER_PAGE).collect();
    let total = chunks.len();
    let mut kids = Vec::new();
    for (n, chunk) in chunks.into_iter().enumerate() {
        let mut c = String::from("BT /F1 8 Tf 10 TL 40 750 Td\n");
        for line in chunk {
            let _ = writeln!(c, "{} Tj T*", literal(line));
        }
        let _ = writeln!(
            c,
            "ET BT /F1 7 Tf 40 30 Td {} Tj ET",
            literal(&format!("job {} - page {} of {total}", a.job.id, n + 1))
        );
        let content = doc.add_object(Stream::new(dictionary! {}, c.into_bytes()));
        let page = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 612.into(), 792.into()],
            "Contents" => content,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
        });
        kids.push(Object::from(page));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info = doc.add_object(dictionary! { "Producer" => Object::string_literal("pdf-deid") });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    let mut out = Vec::new();
    doc.save_to(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_and_keep_ascii() {
        assert_eq!(literal("a(b)c\\"), "(a\\(b\\)c\\\\)");
        assert_eq!(literal("é"), "(?)");
    }
}
