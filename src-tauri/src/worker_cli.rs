//! The `pdf-deid` command-line program as the desktop app's worker: it runs each document
//! in its own process (`pdf-deid worker`), renders pages for the review screen
//! (`pdf-deid review render`) and writes training examples (`pdf-deid review export`).
//! The window process itself never loads pdfium, so a PDF that crashes pdfium fails that
//! document, not the app.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use deid_core::child::{run_child, ChildEnd};
use deid_core::job::WorkerSettings;
use deid_core::review::{Decisions, PageView};

use crate::error::{AppError, AppResult};

/// Where the `pdf-deid` program is.
#[derive(Debug, Clone)]
pub struct WorkerCli {
    path: Option<PathBuf>,
}

/// A rendered page: PNG bytes and how pixels map to the page.
pub struct Rendered {
    pub png: Vec<u8>,
    pub view: PageView,
    pub pages: usize,
}

const EXE: &str = if cfg!(windows) {
    "pdf-deid.exe"
} else {
    "pdf-deid"
};

impl WorkerCli {
    /// `$PDF_DEID_CLI`, else `pdf-deid` beside this executable (a bundle ships it as a
    /// sidecar; `cargo build` puts both in one folder), else on `PATH`.
    pub fn locate() -> WorkerCli {
        let from_env = std::env::var_os("PDF_DEID_CLI").map(PathBuf::from);
        let beside = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join(EXE)));
        let on_path = std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(EXE))
                .find(|p| p.is_file())
        });
        let path = [from_env, beside, on_path]
            .into_iter()
            .flatten()
            .find(|p| p.is_file());
        WorkerCli { path }
    }

    pub fn path(&self) -> Option<PathBuf> {
        self.path.clone()
    }

    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.path.is_none() {
            out.push(format!(
                "The {EXE} program was not found next to the app or on PATH: documents cannot be processed. Build it with `cargo build` or set PDF_DEID_CLI."
            ));
        }
        if deid_core::pdfium::find_library(None).is_none() {
            out.push(
                "The PDF library (libpdfium) was not found: documents cannot be processed. Run scripts/setup.sh or set PDF_DEID_PDFIUM."
                    .into(),
            );
        }
        out
    }

    /// A command for a document opened with `password` (handed over in its environment,
    /// never on the command line).
    fn command_for(&self, password: Option<&str>) -> AppResult<Command> {
        let p = self
            .path
            .as_ref()
            .ok_or_else(|| AppError::Worker(self.problems().join(" ")))?;
        let mut c = Command::new(p);
        c.env_remove("PDF_DEID_PASSWORD");
        if let Some(pw) = password {
            c.env("PDF_DEID_PASSWORD", pw);
        }
        Ok(c)
    }

    /// Run `c` with an optional stdin payload and a time limit; stdout on success.
    fn run(c: Command, stdin: Option<Vec<u8>>, limit: Duration) -> AppResult<Vec<u8>> {
        let mut error_line = None;
        let run = run_child(c, stdin.as_deref(), limit, &|| false, &mut |line| {
            // the CLI's own messages carry error codes and pages, never document text
            if line.starts_with("error") {
                error_line = Some(line);
            }
            None
        })
        .map_err(|e| AppError::Worker(format!("running {EXE}: {}", e.kind())))?;
        match run.end {
            ChildEnd::Exited(s) if s.success() => Ok(run.stdout),
            ChildEnd::Exited(_) => Err(AppError::Worker(
                error_line.unwrap_or_else(|| "the worker failed".into()),
            )),
            ChildEnd::TimedOut | ChildEnd::Cancelled => Err(AppError::Worker(format!(
                "{EXE} did not finish within {} s",
                limit.as_secs()
            ))),
        }
    }

    pub fn render(&self, input: &Path, page: usize, password: Option<&str>) -> AppResult<Rendered> {
        let mut c = self.command_for(password)?;
        c.args(["review", "render", "--page", &page.to_string(), "--input"])
            .arg(input);
        let out = Self::run(c, None, Duration::from_secs(60))?;
        #[derive(serde::Deserialize)]
        struct Header {
            pages: usize,
            view: PageView,
            png_bytes: usize,
        }
        let (h, body): (Header, _) = header_and_body(&out, "render")?;
        let png = body.to_vec();
        if png.len() != h.png_bytes {
            return Err(AppError::Worker("render: truncated image".into()));
        }
        Ok(Rendered {
            png,
            view: h.view,
            pages: h.pages,
        })
    }

    /// Small PNGs of the document's pages (`pdf-deid review thumbnails`).
    pub fn thumbnails(&self, input: &Path, password: Option<&str>) -> AppResult<Vec<Vec<u8>>> {
        let mut c = self.command_for(password)?;
        c.args(["review", "thumbnails", "--input"]).arg(input);
        let out = Self::run(c, None, Duration::from_secs(120))?;
        #[derive(serde::Deserialize)]
        struct Header {
            png_bytes: Vec<usize>,
        }
        let (h, mut rest): (Header, _) = header_and_body(&out, "thumbnails")?;
        let mut pngs = Vec::new();
        for n in h.png_bytes {
            if rest.len() < n {
                return Err(AppError::Worker("thumbnails: truncated".into()));
            }
            let (png, tail) = rest.split_at(n);
            pngs.push(png.to_vec());
            rest = tail;
        }
        Ok(pngs)
    }

    /// Every occurrence of `terms` in the document's text layer (`pdf-deid review find`;
    /// the terms go on stdin, never on the command line).
    pub fn find(
        &self,
        input: &Path,
        terms: &[deid_core::review::AddedTerm],
        policy: &str,
        password: Option<&str>,
    ) -> AppResult<Vec<deid_core::pipeline::TermHit>> {
        let mut c = self.command_for(password)?;
        c.args(["review", "find", "--policy", policy, "--input"])
            .arg(input);
        let json = serde_json::to_vec(terms)
            .map_err(|_| AppError::Worker("serialising the terms".into()))?;
        let out = Self::run(c, Some(json), Duration::from_secs(60))?;
        #[derive(serde::Deserialize)]
        struct Found {
            hits: Vec<deid_core::pipeline::TermHit>,
        }
        serde_json::from_slice::<Found>(&out)
            .map(|f| f.hits)
            .map_err(|_| AppError::Worker("find: bad answer".into()))
    }

    pub fn export(
        &self,
        input: &Path,
        out: &Path,
        decisions: &Decisions,
        settings: &WorkerSettings,
        password: Option<&str>,
    ) -> AppResult<()> {
        let mut c = self.command_for(password)?;
        c.args([
            "review",
            "export",
            "--decisions-stdin",
            "--policy",
            &settings.policy,
        ])
        .arg("--input")
        .arg(input)
        .arg("--out")
        .arg(out);
        if let Some(m) = &settings.ner_model {
            c.args(["--ner-model", m]);
        }
        let json = serde_json::to_vec(decisions)
            .map_err(|_| AppError::Worker("serialising decisions".into()))?;
        Self::run(c, Some(json), Duration::from_secs(300))?;
        Ok(())
    }
}

/// A `review render|thumbnails` answer: its JSON header line and the bytes after it.
fn header_and_body<'a, H: serde::de::DeserializeOwned>(
    out: &'a [u8],
    what: &str,
) -> AppResult<(H, &'a [u8])> {
    let nl = out
        .iter()
        .position(|b| *b == b'\n')
        .ok_or_else(|| AppError::Worker(format!("{what}: no header")))?;
    let h = serde_json::from_slice(&out[..nl])
        .map_err(|_| AppError::Worker(format!("{what}: bad header")))?;
    Ok((h, &out[nl + 1..]))
}
