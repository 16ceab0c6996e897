//! File and folder names: the parts of a name that can identify a person — words that are
//! no English, clinical or function word, census names that are also English words when
//! beside another name-like word ("Smith_John", not "ward 7"), dates written with
//! separators, runs of five or more digits (record numbers, dates of birth), and
//! "DOB…" tokens — replaced by their category. Output names mirror input names, and
//! "Smith_John_DOB1961_discharge.pdf" is as much PHI as the letter inside.

use regex::Regex;

use super::rules_dict::Dicts;
use crate::types::Category;

enum NameKind {
    Strong,
    Weak,
    No,
}

/// Finds identifying parts of file and folder names (built once per batch).
pub struct FileNameScrubber {
    dicts: Dicts,
    date: Regex,
    token: Regex,
}

impl Default for FileNameScrubber {
    fn default() -> Self {
        Self::new()
    }
}

impl FileNameScrubber {
    pub fn new() -> FileNameScrubber {
        FileNameScrubber {
            dicts: Dicts::new(),
            date: Regex::new(r"\d{1,4}[-.]\d{1,2}[-.]\d{2,4}").expect("date pattern"),
            token: Regex::new(r"[\p{L}\p{N}]+").expect("token pattern"),
        }
    }

    /// Byte ranges of `name` that identify someone, with their category, in order.
    pub fn find(&self, name: &str) -> Vec<(usize, usize, Category)> {
        let mut out: Vec<(usize, usize, Category)> = self
            .date
            .find_iter(name)
            .map(|m| (m.start(), m.end(), Category::Date))
            .collect();
        // (start, end, category, a word that is a name only beside another name-like word)
        let mut tokens: Vec<(usize, usize, Option<Category>, bool)> = Vec::new();
        for m in self.token.find_iter(name) {
            if out.iter().any(|&(a, b, _)| m.start() < b && a < m.end()) {
                continue;
            }
            let t = m.as_str();
            let digits = t.chars().filter(char::is_ascii_digit).count();
            let lower = t.to_lowercase();
            let (cat, weak) = if lower.starts_with("dob") && digits > 0 {
                (Some(Category::Date), false)
            } else if digits >= 5 {
                (Some(Category::Id), false)
            } else if digits == 0 && t.chars().count() >= 2 {
                match self.name_kind(t) {
                    NameKind::Strong => (Some(Category::Name), false),
                    NameKind::Weak => (None, true),
                    NameKind::No => (None, false),
                }
            } else {
                (None, false)
            };
            tokens.push((m.start(), m.end(), cat, weak));
        }
        for i in 0..tokens.len() {
            let (a, b, cat, weak) = tokens[i];
            let name_beside = |j: usize| {
                tokens
                    .get(j)
                    .is_some_and(|t| t.3 || t.2 == Some(Category::Name))
            };
            if let Some(c) = cat {
                out.push((a, b, c));
            } else if weak && ((i > 0 && name_beside(i - 1)) || name_beside(i + 1)) {
                out.push((a, b, Category::Name));
            }
        }
        out.sort_by_key(|s| s.0);
        out
    }

    /// How a word of a file name reads: `Strong`, a name on its own — no English,
    /// clinical or function word ("Okafor", "Margaret"); `Weak`, a census first name or
    /// surname that is also an English word ("Smith", "John", "Ward"), a name only beside
    /// another name-like word ("Smith_John", not "ward 7"); `No` otherwise.
    fn name_kind(&self, w: &str) -> NameKind {
        let d = &self.dicts;
        if d.clinical(w) || d.stop(w) {
            NameKind::No
        } else if !d.english(w) {
            NameKind::Strong
        } else if d.first_name(w) || d.surname(w) {
            NameKind::Weak
        } else {
            NameKind::No
        }
    }

    /// `name` with every identifying part replaced by its category (`NAME`, `DATE`,
    /// `ID`), or `None` when nothing in it identifies anyone.
    pub fn scrub(&self, name: &str) -> Option<String> {
        let found = self.find(name);
        if found.is_empty() {
            return None;
        }
        let mut out = String::with_capacity(name.len());
        let mut at = 0;
        for (a, b, c) in found {
            out.push_str(&name[at..a]);
            out.push_str(c.as_str());
            at = b;
        }
        out.push_str(&name[at..]);
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_dates_and_record_numbers_in_file_names_are_replaced() {
        let s = FileNameScrubber::new();
        assert_eq!(
            s.scrub("Smith_John_DOB1961_discharge").as_deref(),
            Some("NAME_NAME_DATE_discharge")
        );
        assert_eq!(
            s.scrub("margaret-okafor 2024-03-12 MRN 4471923").as_deref(),
            Some("NAME-NAME DATE MRN ID")
        );
        // ordinary and clinical words, short numbers and years stay
        for keep in [
            "discharge summary 2",
            "letter-1",
            "0001",
            "lab report 2024",
            "copy-042",
        ] {
            assert_eq!(s.scrub(keep), None, "{keep}");
        }
    }
}
