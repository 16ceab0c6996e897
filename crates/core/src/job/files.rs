//! Files of a batch: walking input folders, atomic writes (temp file beside the target,
//! fsync, rename), temp files a killed run left behind, and the job's clock.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// One input with the path its output gets under the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    pub relative: PathBuf,
}

/// Files a killed run can leave behind: our own temp files. Removed at the start of a job.
pub(super) fn remove_stale_temps(dir: &Path) {
    for e in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
    {
        let name = e.file_name().to_string_lossy();
        if e.file_type().is_file() && name.starts_with(".deid-") && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn is_pdf(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
}

/// Expand files and folders (recursively, `*.pdf`) into inputs with output-relative paths.
/// Sorted, de-duplicated.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<InputFile>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| Error::io("reading input path", &e))?;
        if meta.is_dir() {
            for entry in walkdir::WalkDir::new(p)
                .follow_links(false)
                .sort_by_file_name()
            {
                let entry = entry.map_err(|e| Error::Io {
                    op: "walking input folder",
                    kind: e
                        .io_error()
                        .map(|i| i.kind())
                        .unwrap_or(std::io::ErrorKind::Other),
                })?;
                if entry.file_type().is_file() && is_pdf(entry.path()) {
                    let rel = entry
                        .path()
                        .strip_prefix(p)
                        .unwrap_or(entry.path())
                        .to_path_buf();
                    out.push(InputFile {
                        path: entry.path().to_path_buf(),
                        relative: rel,
                    });
                }
            }
        } else {
            let name = p
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("input.pdf"));
            out.push(InputFile {
                path: p.clone(),
                relative: name,
            });
        }
    }
    out.sort_by(|a, b| a.relative.cmp(&b.relative).then(a.path.cmp(&b.path)));
    out.dedup_by(|a, b| a.relative == b.relative);
    Ok(out)
}

/// RFC 3339 UTC timestamp of now (second precision).
pub fn now_rfc3339() -> String {
    let (y, m, d, rem) = crate::types::civil_utc(crate::types::unix_now());
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// A `.deid-*.tmp` file in the folder of `path` (created if needed); it is deleted when
/// dropped unless persisted, and a later job removes any that a killed run left behind.
pub(super) fn temp_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io("creating output folder", &e))?;
    tempfile::Builder::new()
        .prefix(".deid-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io("creating temp file", &e))
}

/// Write `bytes` to `path` atomically: a temp file in the same folder, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = temp_beside(path)?;
    tmp.write_all(bytes)
        .map_err(|e| Error::io("writing output", &e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| Error::io("syncing output", &e))?;
    tmp.persist(path)
        .map_err(|e| Error::io("renaming output", &e.error))?;
    Ok(())
}

/// Whether two paths name the same existing file.
pub(super) fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_shape() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 20);
        assert!(t.starts_with("20"));
        assert!(t.ends_with('Z'));
    }

    #[test]
    fn collect_inputs_walks_folders() {
        let d = tempfile::tempdir().expect("tmp");
        std::fs::create_dir_all(d.path().join("a/b")).expect("mkdir");
        std::fs::write(d.path().join("a/b/x.pdf"), b"x").expect("w");
        std::fs::write(d.path().join("a/y.PDF"), b"y").expect("w");
        std::fs::write(d.path().join("a/z.txt"), b"z").expect("w");
        let got = collect_inputs(&[d.path().join("a")]).expect("collect");
        let rel: Vec<_> = got.iter().map(|i| i.relative.clone()).collect();
        assert_eq!(rel, vec![PathBuf::from("b/x.pdf"), PathBuf::from("y.PDF")]);
    }

    #[test]
    fn atomic_write_leaves_no_temp() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("o/out.pdf");
        write_atomic(&p, b"abc").expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"abc");
        let names: Vec<_> = std::fs::read_dir(d.path().join("o"))
            .expect("ls")
            .map(|e| e.expect("e").file_name())
            .collect();
        assert_eq!(names.len(), 1);
    }
}
