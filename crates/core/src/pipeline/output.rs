//! Building a candidate output: optional content made visible, pages rewritten or
//! rasterised, the document sanitised.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use lopdf::{Document, LoadOptions};

use super::{Engine, RasterReason, Stages};
use crate::error::{Error, Result};
use crate::ocr;
use crate::pdfium::{Extracted, PdfiumService};
use crate::plan::RedactionPlan;
use crate::redact::{self, raster, PageOutcome};
use crate::sanitize::{self, SanitizeReport};
use crate::verify::{self, Verified};

impl Engine {
    /// Content in optional-content groups that are switched off is still content (and
    /// pdfium would not extract it): a file with `/OCProperties` is rewritten without them
    /// before anything else looks at it, so every layer is searched and redacted.
    pub(super) fn all_layers_visible(&self, input: Vec<u8>) -> Vec<u8> {
        let needle: &[u8] = b"/OCProperties";
        if !input.windows(needle.len()).any(|w| w == needle) {
            return input;
        }
        let opts = LoadOptions {
            password: self.cfg.password.clone(),
            ..LoadOptions::default()
        };
        let Ok(mut doc) = Document::load_mem_with_options(&input, opts) else {
            return input;
        };
        let Some(root) = doc
            .trailer
            .get(b"Root")
            .ok()
            .and_then(|o| o.as_reference().ok())
        else {
            return input;
        };
        let removed = doc
            .get_dictionary_mut(root)
            .map(|c| c.remove(b"OCProperties").is_some())
            .unwrap_or(false);
        let mut out = Vec::new();
        if !removed || doc.is_encrypted() || doc.save_to(&mut out).is_err() {
            return input;
        }
        out
    }

    pub(super) fn build_output(
        &self,
        pdfium: &PdfiumService,
        input: &Arc<Vec<u8>>,
        plan: &mut RedactionPlan,
        extracted: &Extracted,
        (raster_in, no_text_layer): (&BTreeMap<usize, RasterReason>, &BTreeSet<usize>),
    ) -> Result<Built> {
        let opts = LoadOptions {
            password: self.cfg.password.clone(),
            ..LoadOptions::default()
        };
        let mut doc = Document::load_mem_with_options(input, opts).map_err(|e| match e {
            lopdf::Error::Decryption(_) | lopdf::Error::InvalidPassword => Error::Encrypted,
            other => Error::Damaged(format!("lopdf: {}", lopdf_kind(&other))),
        })?;
        if doc.is_encrypted() {
            return Err(Error::Encrypted);
        }
        let pages: Vec<lopdf::ObjectId> = doc.get_pages().into_values().collect();
        if pages.len() != extracted.pages.len() {
            return Err(Error::Damaged(format!(
                "page tree differs between readers ({} vs {})",
                pages.len(),
                extracted.pages.len()
            )));
        }
        // text-only: strip graphics first (the redaction boxes are painted afterwards), and
        // rasterise from the stripped document so no removed pixel comes back
        let mut images_removed = 0;
        let render_src = if self.cfg.strip_graphics {
            let rep = redact::strip::strip_graphics(&mut doc)
                .map_err(|why| Error::Damaged(format!("text-only policy: {why}")))?;
            images_removed = rep.images;
            let mut b = Vec::new();
            doc.save_to(&mut b)
                .map_err(|e| Error::io("serialising the stripped document", &e))?;
            Arc::new(b)
        } else {
            input.clone()
        };
        for (page, r) in sanitize::pending_redact_rects(&doc) {
            if !plan.rects(page).contains(&r) {
                plan.add_rect(page, r);
            }
        }
        let mut raster = raster_in.clone();
        // words read by OCR have no text object behind them: a page where one is redacted
        // is redacted in its pixels
        for (i, p) in extracted.pages.iter().enumerate() {
            let rects = plan.rects(i);
            let ocr_hit = p
                .glyphs
                .iter()
                .any(|g| g.ocr && !g.generated && rects.iter().any(|r| r.intersects(&g.loose)));
            if ocr_hit && !raster.contains_key(&i) {
                raster.insert(
                    i,
                    RasterReason::new(i, "ocr", "text read from the pixels is redacted in them"),
                );
            }
        }
        let mut removed = 0;
        for (i, pid) in pages.iter().enumerate() {
            if raster.contains_key(&i) {
                continue;
            }
            let rects = plan.rects(i).to_vec();
            let labels = plan.pages.get(&i).map_or(&[][..], |p| &p.labels[..]);
            match redact::redact_page(&mut doc, *pid, &rects, self.cfg.mark, labels) {
                PageOutcome::Rasterise(why) => {
                    raster.insert(i, RasterReason::new(i, "unsupported", &why));
                }
                PageOutcome::Rewritten { removed_glyphs } => removed += removed_glyphs,
                PageOutcome::Untouched => {}
            }
        }
        for &i in raster.keys() {
            let img = pdfium.render(
                render_src.clone(),
                if self.cfg.strip_graphics {
                    None
                } else {
                    self.cfg.password.clone()
                },
                i,
                self.cfg.raster_dpi,
            )?;
            let (visible, rotate) = crate::pdf::page_geometry(&doc, pages[i]);
            raster::rasterise_page(&mut doc, pages[i], &img, plan.rects(i), self.cfg.mark)
                .map_err(|why| Error::Redact {
                    page: i + 1,
                    reason: why.to_string(),
                })?;
            // searchable again: the words outside the boxes as invisible text, unless the
            // policy rasterises on purpose, or a redacted string would read from them
            let policy = raster.get(&i).is_some_and(|r| r.code == "policy");
            if !policy
                && !no_text_layer.contains(&i)
                && !self.cfg.strip_graphics
                && raster::text_layer_is_clean(
                    &extracted.pages[i].glyphs,
                    plan.rects(i),
                    &plan.strings,
                )
            {
                raster::add_text_layer(
                    &mut doc,
                    pages[i],
                    &extracted.pages[i].glyphs,
                    plan.rects(i),
                    &visible,
                    rotate,
                )
                .map_err(|why| Error::Redact {
                    page: i + 1,
                    reason: why.to_string(),
                })?;
            }
        }
        let sanitize = sanitize::sanitize(&mut doc);
        doc.compress();
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes)
            .map_err(|e| Error::io("serialising output", &e))?;
        Ok(Built {
            bytes,
            images_removed,
            raster,
            removed_glyphs: removed,
            sanitize,
        })
    }
}

pub(super) struct Built {
    pub(super) bytes: Vec<u8>,
    pub(super) images_removed: usize,
    /// Every page that is an image in this build, with its reason.
    pub(super) raster: BTreeMap<usize, RasterReason>,
    pub(super) removed_glyphs: usize,
    pub(super) sanitize: SanitizeReport,
}

/// The variant name of a lopdf error, never its payload (which may quote document bytes).
pub(super) fn lopdf_kind(e: &lopdf::Error) -> String {
    let s = format!("{e:?}");
    s.split(['(', '{', ' '])
        .next()
        .unwrap_or("error")
        .to_string()
}

impl Engine {
    /// Redact, sanitise and verify until the output passes: pages failing verification
    /// are rasterised (or widened to occurrences detection did not mark) and the build is
    /// retried, at most four times; then the pixel gate reads the OCR'd and rasterised
    /// pages back. Only a verified build leaves this function.
    pub(super) fn build_verified(
        &self,
        pdfium: &PdfiumService,
        input: &Arc<Vec<u8>>,
        plan: &mut RedactionPlan,
        (extracted, ocr_pages): (&Extracted, &[ocr::OcrPage]),
        st: &mut Stages<'_>,
    ) -> Result<Verifiedbuild> {
        // Redact, sanitise, verify; pages failing verification are rasterised and retried.
        let mut raster: BTreeMap<usize, RasterReason> = BTreeMap::new();
        if self.cfg.raster_all {
            for &i in plan.pages.keys() {
                raster.insert(
                    i,
                    RasterReason::new(i, "policy", "the policy rasterises redacted pages"),
                );
            }
        }
        let mut attempt = 0;
        let mut occurrences_added: BTreeSet<usize> = BTreeSet::new();
        let mut geometry: Option<Vec<(crate::types::Rect, i64)>> = None;
        // rasterised pages whose invisible text layer read a redacted string: written
        // without one on the next try
        let mut no_text_layer: BTreeSet<usize> = BTreeSet::new();
        let mut pixel_gate_pages: BTreeSet<usize> = BTreeSet::new();
        loop {
            attempt += 1;
            let built =
                self.build_output(pdfium, input, plan, extracted, (&raster, &no_text_layer))?;
            st.done("redact")?;
            let raster_now: BTreeSet<usize> = built.raster.keys().copied().collect();
            match verify::verify(
                pdfium,
                built.bytes.clone(),
                extracted,
                plan,
                &raster_now,
                self.limits(),
            ) {
                Ok(v) => {
                    // the pixel gate: pages read by OCR and rasterised pages are rendered
                    // and read again; no redacted string may read back from their pixels
                    let gate: BTreeSet<usize> = if self.cfg.ocr.enabled && !self.cfg.strip_graphics
                    {
                        ocr_pages
                            .iter()
                            .map(|o| o.page)
                            .chain(raster_now.iter().copied())
                            .collect()
                    } else {
                        BTreeSet::new()
                    };
                    if !gate.is_empty() && geometry.is_none() {
                        geometry = Some(ocr::geometry(input, self.cfg.password.as_deref())?);
                    }
                    let read_back = match &geometry {
                        Some(geo) => {
                            ocr::read_back(&self.cfg.ocr, pdfium, v.bytes(), geo, &gate, plan)?
                        }
                        None => Vec::new(),
                    };
                    pixel_gate_pages.extend(gate.iter().copied());
                    if let Some((page, _)) = read_back.first() {
                        st.done("verify")?;
                        if attempt >= 4 {
                            return Err(Error::Verification {
                                check: verify::PIXELS_READ_BACK,
                                page: Some(page + 1),
                                object: None,
                            });
                        }
                        raster = built.raster;
                        for (p, rects) in read_back {
                            for r in rects {
                                plan.add_rect(p, r.pad(1.0));
                            }
                            raster.entry(p).or_insert_with(|| {
                                RasterReason::new(p, "verification", verify::PIXELS_READ_BACK)
                            });
                        }
                        continue;
                    }
                    if self.cfg.strip_graphics {
                        let doc =
                            Document::load_mem(v.bytes()).map_err(|_| Error::Verification {
                                check: "output does not parse",
                                page: None,
                                object: None,
                            })?;
                        redact::strip::check_stripped(&doc).map_err(|check| {
                            Error::Verification {
                                check,
                                page: None,
                                object: None,
                            }
                        })?;
                    }
                    st.done("verify")?;
                    return Ok(Verifiedbuild {
                        verified: v,
                        built,
                        pixel_checked: pixel_gate_pages,
                    });
                }
                Err(Ok(failures)) if attempt < 4 => {
                    st.done("verify")?;
                    let before = built.raster.len();
                    raster = built.raster;
                    let mut widened = false;
                    for f in &failures {
                        // a rasterised page's only text is its invisible layer: when the
                        // layer joins kept words into a redacted string (another reading
                        // order) or a kept glyph reads back inside a box (Helvetica is
                        // wider than the page's own font), drop the layer, keep the pixels
                        if raster.contains_key(&f.page) && no_text_layer.insert(f.page) {
                            widened = true;
                            continue;
                        }
                        // an occurrence of a redacted string the detector did not mark:
                        // remove it too (once per page), rather than rasterise the page
                        if f.check == verify::STRING_SURVIVES
                            && !raster.contains_key(&f.page)
                            && occurrences_added.insert(f.page)
                        {
                            let rects = extracted
                                .pages
                                .get(f.page)
                                .map(|p| verify::unplanned_occurrences(&p.glyphs, plan))
                                .unwrap_or_default();
                            if !rects.is_empty() {
                                for r in rects {
                                    plan.add_rect(f.page, r);
                                }
                                widened = true;
                                continue;
                            }
                        }
                        raster
                            .entry(f.page)
                            .or_insert_with(|| RasterReason::new(f.page, "verification", f.check));
                    }
                    if raster.len() == before && !widened {
                        let f = &failures[0];
                        return Err(Error::Verification {
                            check: f.check,
                            page: Some(f.page + 1),
                            object: None,
                        });
                    }
                }
                Err(Ok(failures)) => {
                    let f = &failures[0];
                    return Err(Error::Verification {
                        check: f.check,
                        page: Some(f.page + 1),
                        object: None,
                    });
                }
                // the raw scan found a redacted string in a page's content stream before
                // the page-level check could: an occurrence the detector did not mark
                // (the raw scan runs first). Widen every page not widened yet to all its
                // occurrences, like a page failing the text check, instead of failing.
                // Only for text in content streams: a string in an image's bytes or any
                // other object still fails the document
                Err(Err(Error::Verification {
                    page: Some(_),
                    object: Some(o),
                    ..
                })) if attempt < 4
                    && o.starts_with("content stream")
                    && extracted.pages.iter().any(|p| {
                        !raster.contains_key(&p.index)
                            && !occurrences_added.contains(&p.index)
                            && !verify::unplanned_occurrences(&p.glyphs, plan).is_empty()
                    }) =>
                {
                    st.done("verify")?;
                    raster = built.raster;
                    for p in &extracted.pages {
                        if raster.contains_key(&p.index) || occurrences_added.contains(&p.index) {
                            continue;
                        }
                        let rects = verify::unplanned_occurrences(&p.glyphs, plan);
                        if !rects.is_empty() {
                            occurrences_added.insert(p.index);
                            for r in rects {
                                plan.add_rect(p.index, r);
                            }
                        }
                    }
                }
                // a check on the whole file failed after pages were widened to occurrences
                // the detector did not mark: rasterise those pages instead (their boxes,
                // the new ones included, are burnt in) and try again
                Err(Err(e @ Error::Verification { .. }))
                    if attempt < 4 && occurrences_added.iter().any(|p| !raster.contains_key(p)) =>
                {
                    st.done("verify")?;
                    raster = built.raster;
                    for &p in &occurrences_added {
                        raster.entry(p).or_insert_with(|| {
                            RasterReason::new(p, "verification", verify::STRING_SURVIVES)
                        });
                    }
                    drop(e);
                }
                Err(Err(e)) => return Err(e),
            }
        }
    }
}

/// A build that passed every gate.
pub(super) struct Verifiedbuild {
    pub(super) verified: Verified,
    pub(super) built: Built,
    /// Pages the pixel gate read back.
    pub(super) pixel_checked: BTreeSet<usize>,
}
