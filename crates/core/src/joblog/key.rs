//! The installation's HMAC key: where it lives, loading or creating it, and the keyed
//! hashes the job log stores instead of texts.

use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::Path;

use hmac::digest::generic_array::GenericArray;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use sha2::Sha256;

use super::{JobLogError, Result};

/// Where the installation's HMAC key lives: `$PDF_DEID_KEY`, else
/// `$XDG_CONFIG_HOME/pdf-deid/hmac.key`, else `~/.config/pdf-deid/hmac.key`. The CLI and
/// the desktop app share it, so their job-log tags and reviewer decisions agree.
pub fn default_key_path() -> std::path::PathBuf {
    use std::path::PathBuf;
    if let Some(p) = std::env::var_os("PDF_DEID_KEY") {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("pdf-deid").join("hmac.key")
}

fn key_io(op: &'static str) -> impl FnOnce(io::Error) -> JobLogError {
    move |source| JobLogError::KeyIo { op, source }
}

/// Per-installation 32-byte HMAC key (kept in its own file, not in the DB).
#[derive(Clone)]
pub struct HmacKey([u8; 32]);

impl fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacKey(<redacted>)")
    }
}

impl HmacKey {
    /// Load the key from `path`, or create it (random, 0600 permissions on
    /// unix, written atomically via temp file + link/rename) if missing.
    /// If two processes race to create it, both end up with the same key.
    pub fn load_or_create(path: &Path) -> Result<HmacKey> {
        match Self::load(path) {
            Err(JobLogError::KeyIo { source, .. }) if source.kind() == io::ErrorKind::NotFound => {}
            other => return other,
        }
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        if install_key_file(path, &bytes)? {
            Ok(HmacKey(bytes))
        } else {
            Self::load(path) // another process won the race
        }
    }

    fn load(path: &Path) -> Result<HmacKey> {
        let data = fs::read(path).map_err(key_io("read"))?;
        let bytes: [u8; 32] = data
            .as_slice()
            .try_into()
            .map_err(|_| JobLogError::KeyInvalid("expected exactly 32 bytes"))?;
        Ok(HmacKey(bytes))
    }

    pub fn from_bytes(b: [u8; 32]) -> HmacKey {
        HmacKey(b)
    }

    /// HMAC-SHA256 of the text after normalisation (lowercase + collapse
    /// whitespace, trimmed), hex.
    pub fn hmac_hex(&self, text: &str) -> String {
        let norm = text
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        self.hmac_hex_exact(norm.as_bytes())
    }

    /// HMAC-SHA256 of the bytes as they are (no normalisation: "A.pdf" and "a.pdf"
    /// differ), hex.
    pub fn hmac_hex_exact(&self, bytes: &[u8]) -> String {
        // HMAC zero-pads keys shorter than the block size (64 bytes for
        // SHA-256), so this equals keying with the 32 raw bytes, infallibly.
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&self.0);
        let mut mac = <Hmac<Sha256> as KeyInit>::new(GenericArray::from_slice(&block));
        mac.update(bytes);
        hex::encode(mac.finalize().into_bytes())
    }
}

/// Write `bytes` to a fresh temp file next to `path`, then link it into place
/// without clobbering. Returns false if `path` appeared meanwhile.
fn install_key_file(path: &Path, bytes: &[u8; 32]) -> Result<bool> {
    let name = path
        .file_name()
        .ok_or(JobLogError::KeyInvalid("key path has no file name"))?;
    let mut suffix = [0u8; 8];
    OsRng.fill_bytes(&mut suffix);
    let tmp_name = format!(".{}.tmp-{}", name.to_string_lossy(), hex::encode(suffix));
    let tmp = path.with_file_name(tmp_name);
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let written = opts.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(key_io("write")(e));
    }
    // hard_link fails if the destination exists, so a concurrent creator's
    // key is never overwritten; fall back to rename where links are unsupported.
    let installed = match fs::hard_link(&tmp, path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(_) => fs::rename(&tmp, path).map(|()| true),
    };
    let _ = fs::remove_file(&tmp);
    installed.map_err(key_io("install"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> HmacKey {
        HmacKey::from_bytes([7u8; 32])
    }

    #[test]
    fn hmac_is_stable_normalised_and_keyed() {
        let k = key();
        let h = k.hmac_hex("John Smith");
        assert_eq!(h.len(), 64);
        assert_eq!(h, k.hmac_hex("John Smith"));
        assert_eq!(h, k.hmac_hex("  john \n\t SMITH "));
        assert_ne!(h, k.hmac_hex("John Smyth"));
        assert_ne!(h, HmacKey::from_bytes([8u8; 32]).hmac_hex("John Smith"));
        // Same as keying HMAC with the raw 32 bytes.
        let mut reference = <Hmac<Sha256> as Mac>::new_from_slice(&[7u8; 32]).unwrap();
        reference.update(b"john smith");
        assert_eq!(h, hex::encode(reference.finalize().into_bytes()));
        assert_eq!(format!("{k:?}"), "HmacKey(<redacted>)");
    }

    #[test]
    fn key_file_created_once_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hmac.key");
        let k1 = HmacKey::load_or_create(&path).unwrap();
        assert_eq!(fs::read(&path).unwrap().len(), 32);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let k2 = HmacKey::load_or_create(&path).unwrap();
        assert_eq!(k1.hmac_hex("x"), k2.hmac_hex("x"));
        // Only the key file remains (temp file cleaned up).
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        let other = HmacKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert_ne!(k1.hmac_hex("x"), other.hmac_hex("x"));
        fs::write(&path, b"short").unwrap();
        assert!(matches!(
            HmacKey::load_or_create(&path),
            Err(JobLogError::KeyInvalid(_))
        ));
    }
}
