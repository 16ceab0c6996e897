//! The pdfium owner thread. pdfium is not thread-safe and binds once per process, so one
//! dedicated thread owns it and serves requests over a channel, returning owned plain data
//! (never pdfium handles). Extraction, rendering (raster fallback) and re-extraction for
//! the verification gate all go through here.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use pdfium_render::prelude::*;

use crate::error::{Error, Result};
use crate::types::{Glyph, PageText, Rect};

/// Environment variable that overrides where `libpdfium.so` is looked for (a file or a folder).
pub const PDFIUM_ENV: &str = "PDF_DEID_PDFIUM";

/// Limits applied inside the owner thread.
#[derive(Debug, Clone, Copy)]
pub struct ExtractLimits {
    pub max_pages: usize,
    pub max_chars_per_page: usize,
}

/// Text and geometry of a whole document.
#[derive(Debug, Clone)]
pub struct Extracted {
    pub pages: Vec<PageText>,
    /// Image placements per page (user space).
    pub images: Vec<Vec<Rect>>,
    /// Vector path objects per page (many of them may be text drawn as outlines).
    pub paths: Vec<usize>,
}

/// A rendered page: BGRA pixels, top row first, covering the page's crop box as displayed.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub width: usize,
    pub height: usize,
    pub bgra: Vec<u8>,
    /// Page size as pdfium reports it (points, after /Rotate).
    pub page_w: f32,
    pub page_h: f32,
}

enum Request {
    Extract {
        bytes: Arc<Vec<u8>>,
        password: Option<String>,
        limits: ExtractLimits,
        reply: mpsc::Sender<Result<Extracted>>,
    },
    Render {
        bytes: Arc<Vec<u8>>,
        password: Option<String>,
        page: usize,
        dpi: f32,
        reply: mpsc::Sender<Result<Rendered>>,
    },
}

/// Handle to the owner thread. Cheap to clone.
#[derive(Clone)]
pub struct PdfiumService {
    tx: mpsc::Sender<Request>,
    pub library: PathBuf,
    timeout: Duration,
}

static SERVICE: OnceLock<std::result::Result<PdfiumService, String>> = OnceLock::new();

/// Candidate locations of `libpdfium.so`, in order: the override, next to the executable
/// (and its parents' `vendor/pdfium`, which covers `target/{debug,release}` in a checkout,
/// and `lib/pdf-deid`, where the Debian package puts it),
/// then the source tree this crate was built from.
pub fn library_candidates(override_path: Option<&Path>) -> Vec<PathBuf> {
    let name = Pdfium::pdfium_platform_library_name();
    let mut out = Vec::new();
    let mut push_dir_or_file = |p: PathBuf| {
        if p.extension().is_some() && !p.is_dir() {
            out.push(p);
        } else {
            out.push(p.join(&name));
        }
    };
    if let Some(p) = override_path {
        push_dir_or_file(p.to_path_buf());
        return out;
    }
    if let Some(v) = std::env::var_os(PDFIUM_ENV) {
        push_dir_or_file(PathBuf::from(v));
    }
    if let Ok(exe) = std::env::current_exe() {
        let mut dir = exe.parent().map(Path::to_path_buf);
        let mut depth = 0;
        while let Some(d) = dir {
            push_dir_or_file(d.clone());
            push_dir_or_file(d.join("vendor").join("pdfium"));
            // installed package: /usr/bin/pdf-deid → /usr/lib/pdf-deid/
            push_dir_or_file(d.join("lib").join("pdf-deid"));
            depth += 1;
            if depth > 5 {
                break;
            }
            dir = d.parent().map(Path::to_path_buf);
        }
    }
    push_dir_or_file(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("..")
            .join("vendor")
            .join("pdfium"),
    );
    out
}

/// Find the library without loading it.
pub fn find_library(override_path: Option<&Path>) -> Option<PathBuf> {
    library_candidates(override_path)
        .into_iter()
        .find(|p| p.is_file())
        .and_then(|p| p.canonicalize().ok())
}

/// The process-wide service, started on first use. `override_path` only matters on the
/// first call (pdfium binds once per process).
pub fn service(override_path: Option<&Path>) -> Result<PdfiumService> {
    SERVICE
        .get_or_init(|| start(override_path))
        .clone()
        .map_err(Error::PdfiumMissing)
}

fn start(override_path: Option<&Path>) -> std::result::Result<PdfiumService, String> {
    let library = find_library(override_path).ok_or_else(|| {
        format!(
            "libpdfium.so not found (looked next to the executable, in vendor/pdfium, and ${PDFIUM_ENV}); run scripts/fetch-pdfium.sh"
        )
    })?;
    let (tx, rx) = mpsc::channel::<Request>();
    let (ready_tx, ready_rx) = mpsc::channel::<std::result::Result<(), String>>();
    let lib = library.clone();
    std::thread::Builder::new()
        .name("pdfium-owner".into())
        .spawn(move || owner_thread(lib, rx, ready_tx))
        .map_err(|e| format!("cannot start pdfium thread: {e}"))?;
    ready_rx
        .recv()
        .map_err(|_| "pdfium thread died during start-up".to_string())??;
    Ok(PdfiumService {
        tx,
        library,
        timeout: Duration::from_secs(120),
    })
}

fn owner_thread(
    lib: PathBuf,
    rx: mpsc::Receiver<Request>,
    ready: mpsc::Sender<std::result::Result<(), String>>,
) {
    let bindings = match Pdfium::bind_to_library(&lib) {
        Ok(b) => b,
        Err(e) => {
            let _ = ready.send(Err(format!("cannot load {}: {e:?}", lib.display())));
            return;
        }
    };
    let pdfium = Pdfium::new(bindings);
    let _ = ready.send(Ok(()));
    while let Ok(req) = rx.recv() {
        match req {
            Request::Extract {
                bytes,
                password,
                limits,
                reply,
            } => {
                let r = guarded(|| extract(&pdfium, &bytes, password.as_deref(), limits));
                let _ = reply.send(r);
            }
            Request::Render {
                bytes,
                password,
                page,
                dpi,
                reply,
            } => {
                let r = guarded(|| render(&pdfium, &bytes, password.as_deref(), page, dpi));
                let _ = reply.send(r);
            }
        }
    }
}

/// A panic inside pdfium-render must not take the owner thread down.
fn guarded<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => Err(Error::PdfiumPanic),
    }
}

fn map_load_error(e: PdfiumError) -> Error {
    match e {
        PdfiumError::PdfiumLibraryInternalError(PdfiumInternalError::PasswordError) => {
            Error::Encrypted
        }
        PdfiumError::PdfiumLibraryInternalError(k) => Error::Damaged(format!("pdfium: {k:?}")),
        other => Error::Damaged(format!("pdfium: {}", error_kind(&other))),
    }
}

fn error_kind(e: &PdfiumError) -> String {
    let s = format!("{e:?}");
    s.split(['(', '{', ' '])
        .next()
        .unwrap_or("error")
        .to_string()
}

fn rect_of(r: &PdfRect) -> Rect {
    Rect::new(
        r.left().value,
        r.bottom().value,
        r.right().value,
        r.top().value,
    )
}

fn strip_subset(name: &str) -> String {
    match name.split_once('+') {
        Some((tag, rest)) if tag.len() == 6 && tag.chars().all(|c| c.is_ascii_uppercase()) => {
            rest.to_string()
        }
        _ => name.to_string(),
    }
}

fn extract(
    pdfium: &Pdfium,
    bytes: &[u8],
    password: Option<&str>,
    limits: ExtractLimits,
) -> Result<Extracted> {
    let doc = pdfium
        .load_pdf_from_byte_slice(bytes, password)
        .map_err(map_load_error)?;
    let n = doc.pages().len() as usize;
    if n == 0 {
        return Err(Error::NoPages);
    }
    if n > limits.max_pages {
        return Err(Error::TooLarge {
            what: "pages",
            value: n as u64,
            limit: limits.max_pages as u64,
        });
    }
    let mut pages = Vec::with_capacity(n);
    let mut images = Vec::with_capacity(n);
    let mut paths = Vec::with_capacity(n);
    for (index, page) in doc.pages().iter().enumerate() {
        let text = page
            .text()
            .map_err(|e| Error::Damaged(format!("text layer: {}", error_kind(&e))))?;
        let chars = text.chars();
        let count = chars.len();
        if count > limits.max_chars_per_page {
            return Err(Error::TooLarge {
                what: "characters on a page",
                value: count as u64,
                limit: limits.max_chars_per_page as u64,
            });
        }
        let mut glyphs = Vec::with_capacity(count);
        for ch in chars.iter() {
            let Some(c) = ch.unicode_char() else {
                continue;
            };
            let generated = ch.is_generated().unwrap_or(false);
            let loose = if generated {
                Rect::default()
            } else {
                ch.loose_bounds().map(|r| rect_of(&r)).unwrap_or_default()
            };
            let origin = ch
                .origin()
                .map(|(x, y)| (x.value, y.value))
                .unwrap_or((loose.x0, loose.y0));
            let invisible = matches!(
                ch.render_mode(),
                Ok(PdfPageTextRenderMode::Invisible | PdfPageTextRenderMode::InvisibleClipping)
            );
            glyphs.push(Glyph {
                ch: c,
                loose,
                origin,
                size: ch.unscaled_font_size().value,
                font: if generated {
                    String::new()
                } else {
                    strip_subset(&ch.font_name())
                },
                generated,
                invisible,
                angle: ch.angle_degrees().unwrap_or(0.0),
                ocr: false,
            });
        }
        let mut imgs = Vec::new();
        let mut n_paths = 0;
        for obj in page.objects().iter() {
            match obj.object_type() {
                PdfPageObjectType::Image => {
                    if let Ok(b) = obj.bounds() {
                        imgs.push(rect_of(&b.to_rect()));
                    }
                }
                PdfPageObjectType::Path if obj.as_path_object().is_some_and(could_be_glyph) => {
                    n_paths += 1;
                }
                _ => {}
            }
        }
        pages.push(PageText {
            index,
            width: page.width().value,
            height: page.height().value,
            glyphs,
            has_images: !imgs.is_empty(),
        });
        images.push(imgs);
        paths.push(n_paths);
    }
    Ok(Extracted {
        pages,
        images,
        paths,
    })
}

/// Whether a path could draw a letter (text as outlines, which the OCR trigger counts):
/// one with a curve, or with more straight segments than a rectangle. Rules, boxes and
/// table borders (a move and up to four lines, one path each) are not counted, so a
/// table-heavy page with a text layer is not OCR'd for its grid.
fn could_be_glyph(path: &PdfPagePathObject) -> bool {
    let segments = path.segments();
    let mut lines = 0;
    for s in segments.iter() {
        match s.segment_type() {
            PdfPathSegmentType::BezierTo | PdfPathSegmentType::Unknown => return true,
            PdfPathSegmentType::LineTo => lines += 1,
            PdfPathSegmentType::MoveTo => {}
        }
    }
    lines > 5
}

fn render(
    pdfium: &Pdfium,
    bytes: &[u8],
    password: Option<&str>,
    page: usize,
    dpi: f32,
) -> Result<Rendered> {
    let doc = pdfium
        .load_pdf_from_byte_slice(bytes, password)
        .map_err(map_load_error)?;
    let p = doc
        .pages()
        .get(page as i32)
        .map_err(|e| Error::Damaged(format!("page: {}", error_kind(&e))))?;
    let (pw, ph) = (p.width().value, p.height().value);
    let scale = dpi / 72.0;
    let target_w = ((pw * scale).round() as i32).clamp(1, 10_000);
    let target_h = ((ph * scale).round() as i32).clamp(1, 10_000);
    let cfg = PdfRenderConfig::new()
        .set_target_width(target_w)
        .set_maximum_height(target_h)
        .set_format(PdfBitmapFormat::BGRA)
        .set_clear_color(PdfColor::WHITE)
        .render_form_data(false)
        .render_annotations(false);
    let bmp = p
        .render_with_config(&cfg)
        .map_err(|e| Error::Damaged(format!("render: {}", error_kind(&e))))?;
    Ok(Rendered {
        width: bmp.width() as usize,
        height: bmp.height() as usize,
        bgra: bmp.as_raw_bytes(),
        page_w: pw,
        page_h: ph,
    })
}

impl PdfiumService {
    pub fn with_timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    pub fn extract(
        &self,
        bytes: Arc<Vec<u8>>,
        password: Option<String>,
        limits: ExtractLimits,
    ) -> Result<Extracted> {
        let (reply, rx) = mpsc::channel();
        self.tx
            .send(Request::Extract {
                bytes,
                password,
                limits,
                reply,
            })
            .map_err(|_| Error::WorkerGone)?;
        self.wait(rx)
    }

    pub fn render(
        &self,
        bytes: Arc<Vec<u8>>,
        password: Option<String>,
        page: usize,
        dpi: f32,
    ) -> Result<Rendered> {
        let (reply, rx) = mpsc::channel();
        self.tx
            .send(Request::Render {
                bytes,
                password,
                page,
                dpi,
                reply,
            })
            .map_err(|_| Error::WorkerGone)?;
        self.wait(rx)
    }

    fn wait<T>(&self, rx: mpsc::Receiver<Result<T>>) -> Result<T> {
        match rx.recv_timeout(self.timeout) {
            Ok(r) => r,
            Err(mpsc::RecvTimeoutError::Timeout) => Err(Error::Timeout(self.timeout.as_secs())),
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(Error::WorkerGone),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_panic_in_the_reader_is_counted_as_a_panic_not_damage() {
        let r: crate::Result<()> = super::guarded(|| panic!("reader bug"));
        let e = r.expect_err("caught");
        assert_eq!(e.code(), "pdfium_panic");
        assert_eq!(e.fault(), crate::FaultClass::Internal);
    }
}
