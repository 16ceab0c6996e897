//! Domain rules applied after detection: what a named policy leaves in the document and
//! how it shortens what it removes (HIPAA Safe Harbor, the HIPAA limited data set, a UK
//! profile), and the site profile that adjusts a policy for one installation.

use std::collections::{BTreeMap, BTreeSet};

use crate::types::Category;

/// ZIP3 areas with 20,000 or fewer people (2000 census), which Safe Harbor requires to be
/// changed to 000. Source: HHS Office for Civil Rights, "Guidance Regarding Methods for
/// De-identification of Protected Health Information in Accordance with the HIPAA Privacy
/// Rule" (2012), its list of the 17 restricted three-digit ZIP codes (2000 Census).
pub const RESTRICTED_ZIP3: &[&str] = &[
    "036", "059", "063", "102", "203", "556", "692", "790", "821", "823", "830", "831", "878",
    "879", "884", "890", "893",
];

/// The named policies, in the order they are listed to users.
pub const POLICIES: &[&str] = &[
    "safe-harbor",
    "limited-data-set",
    "uk",
    "strict-raster",
    "text-only",
];

/// What a named policy keeps and how it shortens a removed value.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyRules {
    /// Categories left in the document (detected, reported, not removed).
    pub keep: BTreeSet<Category>,
    /// A date keeps its four-digit year when that year cannot reveal an age over 89
    /// (Safe Harbor: "all elements of dates (except year)").
    pub keep_year: bool,
    /// A US ZIP code keeps its first three digits unless the ZIP3 area is restricted.
    pub zip3: bool,
    /// A UK postcode keeps its outward code ("HG1 4PQ" → "HG1").
    pub postcode_outward: bool,
    /// All-numeric dates are day first ("05/03/2021" is 5 March: UK letters).
    pub day_first: bool,
}

impl PolicyRules {
    /// HIPAA Safe Harbor: the 18 identifiers; dates reduced to the year, ZIP to ZIP3,
    /// ages over 89.
    pub fn safe_harbor() -> PolicyRules {
        PolicyRules {
            keep: BTreeSet::new(),
            keep_year: true,
            zip3: true,
            postcode_outward: false,
            day_first: false,
        }
    }

    /// HIPAA limited data set: the 16 direct identifiers go; dates, ages, towns, states
    /// and five-digit ZIP codes stay. Street addresses still go whole (a detected address
    /// span may hold its town and ZIP too: removed with it, the safe side).
    pub fn limited_data_set() -> PolicyRules {
        PolicyRules {
            keep: [
                Category::Date,
                Category::Age,
                Category::Location,
                Category::Zip,
            ]
            .into_iter()
            .collect(),
            keep_year: false,
            zip3: false,
            postcode_outward: false,
            day_first: false,
        }
    }

    /// UK letters: every identifier of Safe Harbor, dates removed whole (no year
    /// exemption), postcodes reduced to their outward code (the postal district).
    pub fn uk() -> PolicyRules {
        PolicyRules {
            keep: BTreeSet::new(),
            keep_year: false,
            zip3: true,
            postcode_outward: true,
            day_first: true,
        }
    }

    /// The byte ranges of `text` (an entity's text of `category`) to remove, in order;
    /// empty to remove nothing.
    pub fn removed_ranges(&self, category: Category, text: &str) -> Vec<(usize, usize)> {
        if self.keep.contains(&category) {
            return Vec::new();
        }
        let whole = vec![(0, text.len())];
        let ranges = match category {
            Category::Zip if self.zip3 => vec![(zip_redaction_start(text), text.len())],
            Category::Date if self.keep_year => vec![date_without_year(text, current_year())],
            // "Springfield, IL": a town and its state, which the limited data set keeps
            Category::Address if self.keep.contains(&Category::Location) && city_state(text) => {
                Vec::new()
            }
            // an address that ends in a UK postcode keeps the postcode's outward code
            // (an empty range before the outward code is dropped below)
            Category::Address if self.postcode_outward => match trailing_postcode(text) {
                Some((outward, inward)) => vec![(0, outward), (inward, text.len())],
                None => whole,
            },
            _ => whole,
        };
        ranges.into_iter().filter(|(a, b)| a < b).collect()
    }
}

/// "Springfield, IL", "St. Louis, MO": a town, a comma and a two-letter state, no digits.
fn city_state(text: &str) -> bool {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"^\s*[A-Za-z][A-Za-z .'-]*,\s*[A-Z]{2}\s*$").expect("city, ST")
    });
    RE.is_match(text)
}

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

/// The year now, from the system clock (UTC).
pub fn current_year() -> i32 {
    crate::types::civil_utc(crate::types::unix_now()).0 as i32
}

/// The part of a date to remove when its year may stay: a four-digit year that starts or
/// ends the date stays when it is no earlier than `now - 89` (an earlier year could be
/// the birth year of someone over 89) and no later than `now + 1`; anything else goes
/// whole ("3/14/21", "14 March", "2021" alone: a bare year is no date element to keep).
pub fn date_without_year(date: &str, now: i32) -> (usize, usize) {
    let whole = (0, date.len());
    let plausible = |y: &str| {
        y.len() == 4
            && y.chars().all(|c| c.is_ascii_digit())
            && y.parse::<i32>()
                .is_ok_and(|y| y >= now - 89 && y <= now + 1)
    };
    let sep = |c: char| !c.is_alphanumeric();
    let t = date.trim_end();
    // the year at the end: "March 14, 2021", "14/03/2021"
    if let Some((i, c)) = t.char_indices().rev().find(|&(_, c)| sep(c)) {
        let after = i + c.len_utf8();
        let (head, year) = (&t[..i], &t[after..]);
        if plausible(year) && head.chars().any(char::is_alphanumeric) {
            return (0, after);
        }
    }
    // the year first: "2021-03-14"
    let s = date.trim_start();
    let lead = date.len() - s.len();
    if let Some((i, _)) = s.char_indices().find(|&(_, c)| sep(c)) {
        let (year, tail) = (&s[..i], &s[i..]);
        if plausible(year) && tail.chars().any(char::is_alphanumeric) {
            return (lead + i, date.len());
        }
    }
    whole
}

/// A UK postcode at the end of `text` ("14 Elmfield Row, Harrogate HG1 4PQ"): the byte
/// offsets where its outward code and its inward code start.
pub fn trailing_postcode(text: &str) -> Option<(usize, usize)> {
    static RE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)(?:^|[\s,])([a-z]{1,2}[0-9][a-z0-9]?)\s+([0-9][a-z]{2})\s*$")
            .expect("postcode pattern")
    });
    let c = RE.captures(text)?;
    Some((c.get(1)?.start(), c.get(2)?.start()))
}

/// A site profile as written in TOML (`--profile site.toml`): adjusts a named policy for
/// one installation. Validated by [`Profile::parse`]; travels to workers as this value.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// Shown in reports and the job log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The named policy the profile adjusts (a `--policy` flag wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// "black" or "white" (a `--mark` flag wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mark: Option<String>,
    /// "over-89" or "all" (an `--ages` flag wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ages: Option<String>,
    /// Document risk from which a document is marked for review (0..1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_threshold: Option<f32>,
    /// Per category (NAME, DATE, …): whether it is removed and the lowest detector score
    /// that removes it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub categories: BTreeMap<String, CategoryRule>,
    /// Terms never removed when a detection is exactly this term (any casing): drug names,
    /// the site's own name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow: Vec<String>,
    /// Terms always removed wherever they occur (whole words, any casing), by category:
    /// `NAME = ["…"]` for the staff list.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deny: BTreeMap<String, Vec<String>>,
    /// The pages whose author lines ("Maria Lopez, MD; Ahmed Khan") are searched: the
    /// first `first` and the last `last` (default 1 and 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_pages: Option<AuthorPages>,
}

/// Pages counted from the start and from the end of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorPages {
    #[serde(default = "one")]
    pub first: usize,
    #[serde(default = "one")]
    pub last: usize,
}

fn one() -> usize {
    1
}

impl Default for AuthorPages {
    fn default() -> AuthorPages {
        AuthorPages { first: 1, last: 1 }
    }
}

impl AuthorPages {
    /// Whether page `page` (from 0) of a document of `pages` pages is one of them.
    pub fn contains(self, page: usize, pages: usize) -> bool {
        page < self.first || page + self.last >= pages
    }
}

/// One category's settings in a profile.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryRule {
    /// false: the category stays in the document; true: it is removed even where the
    /// policy keeps it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redact: Option<bool>,
    /// Detections scoring below this (0..1) stay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_score: Option<f32>,
}

/// A profile that failed validation: where and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {detail}")]
pub struct ProfileError {
    pub file: String,
    pub detail: String,
}

impl Profile {
    /// Parse and validate a profile's TOML (`file` only names it in errors). Errors say
    /// the line, the key and what is allowed.
    pub fn parse(file: &str, toml_text: &str) -> Result<Profile, ProfileError> {
        let err = |detail: String| ProfileError {
            file: file.to_string(),
            detail,
        };
        let p: Profile = toml::from_str(toml_text).map_err(|e| {
            let line = e
                .span()
                .map(|s| format!("line {}: ", line_of(toml_text, s.start)))
                .unwrap_or_default();
            err(format!("{line}{}", e.message().trim()))
        })?;
        let at = |key: &str| {
            find_key(toml_text, key).map_or_else(String::new, |l| format!("line {l}: "))
        };
        let cats = Category::ALL.map(|c| c.as_str()).join(", ");
        let check_category = |k: &str| -> Result<(), ProfileError> {
            if Category::parse(k).is_none() {
                return Err(err(format!(
                    "{}key `{k}`: unknown category (one of {cats})",
                    at(k)
                )));
            }
            Ok(())
        };
        if let Some(pol) = &p.policy {
            if !POLICIES.contains(&pol.as_str()) {
                return Err(err(format!(
                    "{}key `policy`: unknown policy '{pol}' (one of {})",
                    at("policy"),
                    POLICIES.join(", ")
                )));
            }
        }
        if let Some(m) = &p.mark {
            if crate::types::Mark::parse(m).is_none() {
                return Err(err(format!(
                    "{}key `mark`: unknown mark '{m}' (black, white, label)",
                    at("mark")
                )));
            }
        }
        if let Some(a) = &p.ages {
            if !matches!(a.as_str(), "over-89" | "all") {
                return Err(err(format!(
                    "{}key `ages`: unknown ages setting '{a}' (over-89, all)",
                    at("ages")
                )));
            }
        }
        // `place`: "line N: " or nothing
        let unit = |place: String, key: &str, v: f32| -> Result<(), ProfileError> {
            if !(0.0..=1.0).contains(&v) {
                return Err(err(format!("{place}key `{key}`: {v} is outside 0..1")));
            }
            Ok(())
        };
        if let Some(r) = p.review_threshold {
            unit(at("review_threshold"), "review_threshold", r)?;
        }
        for (k, rule) in &p.categories {
            check_category(k)?;
            if let Some(s) = rule.min_score {
                // the line of this category's min_score, not another's
                let table = find_key(toml_text, k).unwrap_or(1);
                let line = toml_text
                    .lines()
                    .enumerate()
                    .skip(table - 1)
                    .find(|(_, l)| l.trim_start().starts_with("min_score"))
                    .map_or(table, |(i, _)| i + 1);
                unit(
                    format!("line {line}: "),
                    &format!("categories.{k}.min_score"),
                    s,
                )?;
            }
        }
        for (k, terms) in &p.deny {
            check_category(k)?;
            if terms.iter().any(|t| t.trim().is_empty()) {
                return Err(err(format!("{}key `{k}`: an empty term", at(k))));
            }
        }
        if p.allow.iter().any(|t| t.trim().is_empty()) {
            return Err(err(format!("{}key `allow`: an empty term", at("allow"))));
        }
        if let Some(a) = p.author_pages {
            for (k, v) in [("first", a.first), ("last", a.last)] {
                if v > 1000 {
                    return Err(err(format!(
                        "{}key `author_pages.{k}`: {v} is outside 0..1000",
                        at(k)
                    )));
                }
            }
        }
        Ok(p)
    }

    /// Read and validate a profile file.
    pub fn load(path: &std::path::Path) -> Result<Profile, ProfileError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ProfileError {
            file: file.clone(),
            detail: format!("cannot read it: {}", e.kind()),
        })?;
        Profile::parse(&file, &text)
    }

    /// sha256 of the profile's canonical form (its content, not its comments or layout).
    pub fn sha256(&self) -> String {
        use sha2::Digest;
        let canonical = serde_json::to_string(self).unwrap_or_default();
        hex::encode(sha2::Sha256::digest(canonical.as_bytes()))
    }

    /// "name sha256:…" for the job log and reports.
    pub fn label(&self) -> String {
        format!(
            "{} sha256:{}",
            self.name.as_deref().unwrap_or("profile"),
            self.sha256()
        )
    }

    /// The profile applied to a policy's rules: categories switched off or on.
    pub fn adjust(&self, rules: &mut PolicyRules) {
        for (k, rule) in &self.categories {
            let Some(c) = Category::parse(k) else {
                continue;
            };
            match rule.redact {
                Some(false) => {
                    rules.keep.insert(c);
                }
                Some(true) => {
                    rules.keep.remove(&c);
                }
                None => {}
            }
        }
    }

    /// The lowest score that removes a detection of `c` (0 when the profile sets none).
    pub fn min_score(&self, c: Category) -> f32 {
        self.categories
            .iter()
            .find(|(k, _)| Category::parse(k) == Some(c))
            .and_then(|(_, r)| r.min_score)
            .unwrap_or(0.0)
    }

    /// Whether a detected text is on the allow-list (exactly, any casing).
    pub fn allows(&self, text: &str) -> bool {
        let t = text.trim().to_lowercase();
        self.allow.iter().any(|a| a.trim().to_lowercase() == t)
    }

    /// The deny-list: `(category, term)`.
    pub fn deny_terms(&self) -> Vec<(Category, &str)> {
        self.deny
            .iter()
            .filter_map(|(k, terms)| Category::parse(k).map(|c| (c, terms)))
            .flat_map(|(c, terms)| terms.iter().map(move |t| (c, t.trim())))
            .collect()
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// 1-based line where `key` is defined (`key =`, `"key" =`, `[….key]`), if any.
fn find_key(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            let bare = l.strip_prefix('"').unwrap_or(l);
            let assigned = bare
                .strip_prefix(key)
                .map(|r| r.strip_prefix('"').unwrap_or(r).trim_start())
                .is_some_and(|r| r.starts_with('='));
            let table = l.starts_with('[')
                && (l.contains(&format!(".{key}]")) || l.contains(&format!(".\"{key}\"]")));
            assigned || table
        })
        .map(|i| i + 1)
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

    #[test]
    fn dates_keep_a_year_that_reveals_no_age_over_89() {
        let cut = |d: &str| {
            let (s, e) = date_without_year(d, 2026);
            format!("{}|{}|{}", &d[..s], &d[s..e], &d[e..])
        };
        assert_eq!(cut("March 14, 2021"), "|March 14, |2021");
        assert_eq!(cut("14/03/2021"), "|14/03/|2021");
        assert_eq!(cut("2021-03-14"), "2021|-03-14|");
        assert_eq!(cut("March 2021"), "|March |2021");
        assert_eq!(cut("22nd August 2025"), "|22nd August |2025");
        assert_eq!(cut("1/1/1937"), "|1/1/|1937");
        // separators of several bytes
        assert_eq!(cut("14–03–2021"), "|14–03–|2021");
        assert_eq!(cut("2021–03–14"), "2021|–03–14|");
        assert_eq!(cut("März 2021"), "|März |2021");
        // a birth year of someone over 89, two-digit years, no year, a bare year: whole
        for whole in ["03/14/1931", "3/14/21", "4/12", "2021"] {
            assert_eq!(cut(whole), format!("|{whole}|"));
        }
    }

    #[test]
    fn postcodes_keep_their_outward_code_under_the_uk_policy() {
        let uk = PolicyRules::uk();
        assert_eq!(
            uk.removed_ranges(Category::Address, "HG1 4PQ"),
            vec![(4, 7)]
        );
        let a = "14 Elmfield Row, Harrogate HG1 4PQ";
        assert_eq!(
            uk.removed_ranges(Category::Address, a),
            vec![(0, 27), (31, a.len())]
        );
        assert_eq!(trailing_postcode("sw1a 1aa"), Some((0, 5)));
        // a street address without a postcode goes whole
        let s = "14 Elmfield Row";
        assert_eq!(uk.removed_ranges(Category::Address, s), vec![(0, s.len())]);
        // and Safe Harbor removes the whole postcode
        assert_eq!(
            PolicyRules::safe_harbor().removed_ranges(Category::Address, a),
            vec![(0, a.len())]
        );
    }

    #[test]
    fn the_limited_data_set_keeps_dates_towns_and_zip5() {
        let lds = PolicyRules::limited_data_set();
        assert!(lds.removed_ranges(Category::Date, "03/14/2021").is_empty());
        assert!(lds.removed_ranges(Category::Zip, "62704").is_empty());
        assert!(lds
            .removed_ranges(Category::Location, "Springfield")
            .is_empty());
        assert!(lds
            .removed_ranges(Category::Address, "Springfield, IL")
            .is_empty());
        assert_eq!(
            lds.removed_ranges(Category::Address, "42 Elm Street"),
            vec![(0, 13)]
        );
        assert_eq!(lds.removed_ranges(Category::Name, "Ann Lee"), vec![(0, 7)]);
        assert_eq!(
            lds.removed_ranges(Category::Phone, "555-0100"),
            vec![(0, 8)]
        );
        // Safe Harbor removes the town and state
        assert_eq!(
            PolicyRules::safe_harbor().removed_ranges(Category::Address, "Springfield, IL"),
            vec![(0, 15)]
        );
    }

    #[test]
    fn profiles_validate_with_line_key_and_what_is_allowed() {
        let ok = Profile::parse(
            "site.toml",
            "name = \"St Elsewhere\"\npolicy = \"limited-data-set\"\nallow = [\"Kayexalate\"]\n\
             [categories.ORGANIZATION]\nredact = false\n[categories.NAME]\nmin_score = 0.6\n\
             [deny]\nNAME = [\"Ann Walsh\"]\n",
        )
        .unwrap();
        assert_eq!(ok.min_score(Category::Name), 0.6);
        assert!(ok.allows("KAYEXALATE"));
        assert_eq!(ok.deny_terms(), vec![(Category::Name, "Ann Walsh")]);
        let e = Profile::parse(
            "site.toml",
            "name = \"x\"\n\n[categories.NAMEE]\nredact = false\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("line 3"), "{e}");
        assert!(e.to_string().contains("NAMEE"), "{e}");
        assert!(e.to_string().contains("ORGANIZATION"), "{e}");
        let e = Profile::parse("site.toml", "name = \"x\"\npolicy = \"gdpr\"\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        assert!(e.to_string().contains("limited-data-set"), "{e}");
        let e = Profile::parse("site.toml", "colour = \"red\"\n").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
        assert!(e.to_string().contains("colour"), "{e}");
        let e = Profile::parse("site.toml", "[categories.DATE]\nmin_score = 1.5\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = Profile::parse("site.toml", "review_threshold = \"high\"\n").unwrap_err();
        assert!(e.to_string().contains("line 1"), "{e}");
    }
}
