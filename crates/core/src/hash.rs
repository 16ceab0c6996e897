//! Hashes used across the crate (file identities, settings, model pins).

use sha2::{Digest, Sha256};

/// Hex sha256 of bytes.
pub fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}
