//! Domain rules: HIPAA Safe Harbor details applied after detection.

/// ZIP3 areas with 20,000 or fewer people (2000 census), which Safe Harbor requires to be
/// changed to 000.
pub const RESTRICTED_ZIP3: &[&str] = &[
    "036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878",
    "879", "884", "890", "893",
];

/// Byte offset inside a ZIP string from which to redact: keep the first three digits when
/// the ZIP3 area is not restricted, otherwise redact it all.
pub fn zip_redaction_start(zip: &str) -> usize {
    let digits: String = zip.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() >= 5 && !RESTRICTED_ZIP3.contains(&&digits[..3]) {
        3
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zip3_rule() {
        assert_eq!(zip_redaction_start("62704"), 3);
        assert_eq!(zip_redaction_start("62704-1234"), 3);
        assert_eq!(zip_redaction_start("03601"), 0);
        assert_eq!(zip_redaction_start("8930"), 0);
    }
}
