//! Output names. Outputs mirror the inputs' relative paths, and file and folder names
//! often carry a patient's name, date of birth or record number, so under the default
//! (`redact`) every path component goes through the [`FileNameScrubber`]: identifying
//! parts become their category and the file name gets a short keyed tag (an HMAC of the
//! input's relative path, so two scrubbed names never collide and a re-run writes the
//! same name). `hash` replaces every component by its keyed hash; `keep` keeps the name.
//! The mapping lives only in the job log, as HMACs of both paths.

use std::path::{Path, PathBuf};

use crate::detect::rules::FileNameScrubber;
use crate::joblog::HmacKey;

/// What happens to the input's name in the output's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameMode {
    /// Identifying parts replaced by their category (the default).
    #[default]
    Redact,
    /// Every component replaced by a keyed hash.
    Hash,
    /// The input's relative path as it is.
    Keep,
}

impl NameMode {
    pub fn parse(s: &str) -> Option<NameMode> {
        match s {
            "redact" => Some(NameMode::Redact),
            "hash" => Some(NameMode::Hash),
            "keep" => Some(NameMode::Keep),
            _ => None,
        }
    }
}

/// Turns input-relative paths into output-relative paths (one per batch).
pub struct OutputNames<'k> {
    mode: NameMode,
    key: &'k HmacKey,
    scrubber: Option<FileNameScrubber>,
}

impl<'k> OutputNames<'k> {
    pub fn new(mode: NameMode, key: &'k HmacKey) -> OutputNames<'k> {
        OutputNames {
            mode,
            key,
            scrubber: (mode == NameMode::Redact).then(FileNameScrubber::new),
        }
    }

    /// The output's path relative to the output folder (same extension).
    pub fn relative(&self, input: &Path) -> PathBuf {
        if self.mode == NameMode::Keep {
            return input.to_path_buf();
        }
        // case and spacing kept: "Smith.pdf" and "smith.pdf" are two files on most disks
        let tag = || {
            self.key
                .hmac_hex_exact(input.as_os_str().as_encoded_bytes())
        };
        let parts: Vec<String> = input
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        let mut out = PathBuf::new();
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            let (stem, ext) = match (last, part.rsplit_once('.')) {
                (true, Some((s, e))) if !s.is_empty() => (s.to_string(), format!(".{e}")),
                _ => (part.clone(), String::new()),
            };
            let name = match (&self.scrubber, self.mode) {
                (_, NameMode::Hash) => {
                    self.key.hmac_hex_exact(format!("name:{part}").as_bytes())[..16].to_string()
                }
                (Some(s), _) => match s.scrub(&stem) {
                    Some(clean) if last => format!("{clean}-{}", &tag()[..8]),
                    Some(clean) => clean,
                    None => stem,
                },
                _ => stem,
            };
            out.push(format!("{name}{ext}"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_names_hide_identifying_parts_and_never_collide() {
        let key = HmacKey::from_bytes([7; 32]);
        let n = OutputNames::new(NameMode::Redact, &key);
        let a = n.relative(Path::new(
            "Okafor_Margaret/Smith_John_DOB1961_discharge.pdf",
        ));
        let s = a.to_string_lossy();
        assert!(s.starts_with("NAME_NAME/NAME_NAME_DATE_discharge-"), "{s}");
        assert!(s.ends_with(".pdf"));
        for phi in ["Okafor", "Margaret", "Smith", "John", "1961"] {
            assert!(!s.contains(phi), "{s}");
        }
        // another patient's file gets another tag; the same input the same name
        let b = n.relative(Path::new(
            "Okafor_Margaret/Jones_Mary_DOB1970_discharge.pdf",
        ));
        assert_ne!(a, b);
        assert_eq!(
            a,
            n.relative(Path::new(
                "Okafor_Margaret/Smith_John_DOB1961_discharge.pdf"
            ))
        );
        // nothing identifying: the name is kept as it is
        assert_eq!(
            n.relative(Path::new("letters/discharge-summary-2.pdf")),
            Path::new("letters/discharge-summary-2.pdf")
        );
        let h = OutputNames::new(NameMode::Hash, &key).relative(Path::new("a/letter.pdf"));
        let hs = h.to_string_lossy();
        assert!(hs.ends_with(".pdf") && !hs.contains("letter") && hs.len() == 16 + 1 + 16 + 4);
        // names that differ only in case stay apart
        assert_ne!(
            n.relative(Path::new("Smith_John.pdf")),
            n.relative(Path::new("smith_john.pdf"))
        );
        let hash = OutputNames::new(NameMode::Hash, &key);
        assert_ne!(
            hash.relative(Path::new("A.pdf")),
            hash.relative(Path::new("a.pdf"))
        );
        let k = OutputNames::new(NameMode::Keep, &key).relative(Path::new("Smith_John.pdf"));
        assert_eq!(k, Path::new("Smith_John.pdf"));
    }
}
