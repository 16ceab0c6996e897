//! Settings and the validated configuration. `Config` has no `Default`: a policy is a
//! visible choice (`Config::safe_harbor()`, `Config::strict_raster()`).

use serde::{Deserialize, Serialize};

use crate::blobs::HeadingConfig;
use crate::layout::LayoutConfig;
use crate::propagate::PropagateConfig;
use crate::risk::RiskConfig;

/// Per-document time limit of the named policies, seconds, plus
/// [`DEFAULT_TIMEOUT_PER_PAGE_MS`] for every page.
pub const DEFAULT_TIMEOUT_S: u64 = 60;
/// Time allowed per page on top of [`DEFAULT_TIMEOUT_S`], milliseconds.
pub const DEFAULT_TIMEOUT_PER_PAGE_MS: u64 = 500;

/// Guards against hostile or huge input.
#[derive(Debug, Clone, Serialize)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_pages: usize,
    pub max_chars_per_page: usize,
    /// Per-document wall-clock limit, seconds, before the page allowance.
    pub timeout_s: u64,
    /// Added to the limit for every page once the page count is known, milliseconds
    /// (a 2,000-page record needs more time than a one-page letter).
    pub timeout_per_page_ms: u64,
}

impl Limits {
    /// The time limit of a document of `pages` pages, seconds.
    pub fn limit_for_pages(&self, pages: usize) -> u64 {
        self.timeout_s + (pages as u64 * self.timeout_per_page_ms).div_ceil(1000)
    }
}

/// Validated configuration of the pipeline.
#[derive(Debug, Clone)]
pub struct Config {
    pub policy: &'static str,
    pub layout: LayoutConfig,
    pub headings: HeadingConfig,
    pub propagate: PropagateConfig,
    pub risk: RiskConfig,
    pub limits: Limits,
    /// Resolution of rasterised pages.
    pub raster_dpi: f32,
    /// Rasterise every page that has a redaction (safe mode).
    pub raster_all: bool,
    /// Password for encrypted input (the empty password is always tried).
    pub password: Option<String>,
    /// Learned heading classifier (`name@version`, model); the rule score when `None`.
    pub heading_model: Option<(
        String,
        std::sync::Arc<crate::blobs::heading_model::HeadingModel>,
    )>,
    /// How redacted areas look in the output.
    pub mark: Mark,
    /// Where the NER model runs (not part of the settings hash: same results).
    pub device: crate::ner::DeviceChoice,
    /// Ages from this value up are redacted: 90 under Safe Harbor, 0 with `ages: all`.
    pub min_age: u32,
    /// `text-only`: images become grey, vector paths and inline images are removed
    /// (PHI drawn as pixels or outlines cannot be found without OCR).
    pub strip_graphics: bool,
    /// OCR of pages whose text is pixels (scans, large images, vector-drawn text).
    pub ocr: crate::ocr::OcrConfig,
    /// How text reaches the detectors (the default, [`Batching::Blobs`], unless a
    /// benchmark compares the designs it replaced).
    pub batching: Batching,
    /// What the policy keeps and how it shortens removed values (after the profile).
    pub rules: crate::policy::PolicyRules,
    /// The site profile the policy was adjusted with, if any.
    pub profile: Option<crate::policy::Profile>,
    /// Also hand back a de-identified text of each document (surrogates, shifted dates:
    /// [`crate::surrogate`]).
    pub text_out: bool,
}

/// How paragraphs are handed to the detectors. Only [`Batching::Blobs`] is the product;
/// the other two are the designs it is measured against (`pdf-deid bench --design`):
/// they give nearly the same findings, slower.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Batching {
    /// Each heading blob is one text (its paragraphs joined); the rule detectors run over
    /// batches of blobs in parallel; the NER model takes all of a document's blob windows
    /// at once, packed side by side into rows of equal length (`ner::pack_rows`).
    #[default]
    Blobs,
    /// Blob after blob, one thread: each blob's paragraphs go to the detectors as one
    /// batch of separate texts (batched predictions, no blob parallelism, no joined context).
    Paragraphs,
    /// Paragraph after paragraph, one thread: every paragraph is its own detector call
    /// (the NER model sees one sequence at a time).
    OneAtATime,
}

impl Batching {
    pub fn parse(s: &str) -> Option<Batching> {
        match s {
            "blobs" => Some(Batching::Blobs),
            "paragraphs" => Some(Batching::Paragraphs),
            "one-at-a-time" => Some(Batching::OneAtATime),
            _ => None,
        }
    }
}

pub use crate::types::Mark;

impl Config {
    /// HIPAA Safe Harbor with true glyph removal and raster fallback.
    pub fn safe_harbor() -> Config {
        Config {
            policy: "safe-harbor",
            layout: LayoutConfig::standard(),
            headings: HeadingConfig::standard(),
            propagate: PropagateConfig::standard(),
            risk: RiskConfig::standard(),
            limits: Limits {
                max_file_bytes: 200 << 20,
                max_pages: 2000,
                max_chars_per_page: 200_000,
                timeout_s: DEFAULT_TIMEOUT_S,
                timeout_per_page_ms: DEFAULT_TIMEOUT_PER_PAGE_MS,
            },
            raster_dpi: 200.0,
            raster_all: false,
            password: None,
            heading_model: None,
            mark: Mark::Black,
            device: crate::ner::DeviceChoice::Cpu,
            min_age: 90,
            strip_graphics: false,
            ocr: crate::ocr::OcrConfig::standard(),
            batching: Batching::Blobs,
            rules: crate::policy::PolicyRules::safe_harbor(),
            profile: None,
            text_out: false,
        }
    }

    /// The HIPAA limited data set: direct identifiers go; dates, ages, towns, states and
    /// ZIP codes stay.
    pub fn limited_data_set() -> Config {
        Config {
            policy: "limited-data-set",
            rules: crate::policy::PolicyRules::limited_data_set(),
            min_age: 0,
            ..Config::safe_harbor()
        }
    }

    /// UK letters: Safe Harbor's identifiers, whole dates, postcodes to their outward code.
    pub fn uk() -> Config {
        Config {
            policy: "uk",
            rules: crate::policy::PolicyRules::uk(),
            ..Config::safe_harbor()
        }
    }

    /// Safe Harbor on text only: images and vector graphics are removed from the output.
    pub fn text_only() -> Config {
        Config {
            policy: "text-only",
            strip_graphics: true,
            ..Config::safe_harbor()
        }
    }

    /// Safe Harbor, but every page with a redaction is rasterised.
    pub fn strict_raster() -> Config {
        Config {
            policy: "strict-raster",
            raster_all: true,
            ..Config::safe_harbor()
        }
    }

    /// Hash of the configuration's part of what changes the output (not the password).
    /// Resume decisions use [`crate::Engine::settings_hash`], which adds the detectors.
    pub fn settings_hash(&self) -> String {
        let mut s = format!(
            "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{}|{}|{:?}|{:?}|{}|{:?}|v{}",
            self.policy,
            self.layout,
            self.headings,
            self.propagate,
            self.risk,
            self.limits,
            self.raster_dpi,
            self.raster_all,
            self.heading_model.as_ref().map(|m| (&m.0, &m.1)),
            self.mark,
            self.min_age,
            self.ocr,
            env!("CARGO_PKG_VERSION")
        );
        // the default adds nothing, so hashes recorded before the setting existed still hold
        if self.batching != Batching::Blobs {
            s.push_str(&format!("|{:?}", self.batching));
        }
        if let Some(p) = &self.profile {
            s.push_str(&format!("|profile:{}|{:?}", p.sha256(), self.rules));
        }
        if self.text_out {
            s.push_str("|text-out");
        }
        crate::hash::sha256_hex(s.as_bytes())
    }
}

/// Raw user settings (CLI flags, a TOML/JSON file or the GUI form), validated into a Config.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    #[serde(default = "default_policy")]
    pub policy: String,
    #[serde(default)]
    pub timeout_s: Option<u64>,
    #[serde(default)]
    pub review_threshold: Option<f32>,
    /// "black" (default) or "white".
    #[serde(default)]
    pub mark: Option<String>,
    /// "cpu" (default), "cuda" or "auto".
    #[serde(default)]
    pub device: Option<String>,
    /// "over-89" (default, Safe Harbor) or "all" (every age, beyond Safe Harbor).
    #[serde(default)]
    pub ages: Option<String>,
    /// "blobs" (default), "paragraphs" or "one-at-a-time": see [`Batching`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batching: Option<String>,
    /// A validated site profile ([`crate::policy::Profile`]); the fields above win over
    /// the profile's `mark`, `ages` and `review_threshold`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::policy::Profile>,
    /// Also write a de-identified text file per document.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub text_out: bool,
}

fn default_policy() -> String {
    "safe-harbor".into()
}

impl Default for Settings {
    /// Safe Harbor with every default.
    fn default() -> Settings {
        Settings {
            policy: default_policy(),
            timeout_s: None,
            review_threshold: None,
            mark: None,
            device: None,
            ages: None,
            batching: None,
            profile: None,
            text_out: false,
        }
    }
}

impl Settings {
    pub fn into_config(self) -> Result<Config, crate::Error> {
        let mut c = match self.policy.as_str() {
            "safe-harbor" => Config::safe_harbor(),
            "strict-raster" => Config::strict_raster(),
            "text-only" => Config::text_only(),
            "limited-data-set" => Config::limited_data_set(),
            "uk" => Config::uk(),
            other => {
                return Err(crate::Error::Settings(format!(
                    "unknown policy '{other}' ({})",
                    crate::policy::POLICIES.join(", ")
                )))
            }
        };
        let profile = self.profile.clone();
        let mark = self.mark.or_else(|| profile.as_ref()?.mark.clone());
        let ages = self.ages.or_else(|| profile.as_ref()?.ages.clone());
        let review_threshold = self
            .review_threshold
            .or_else(|| profile.as_ref()?.review_threshold);
        if let Some(t) = self.timeout_s {
            if t == 0 {
                return Err(crate::Error::Settings("timeout must be > 0".into()));
            }
            c.limits.timeout_s = t;
        }
        if let Some(m) = &mark {
            c.mark = Mark::parse(m).ok_or_else(|| {
                crate::Error::Settings(format!("unknown mark mode '{m}' (black, white, label)"))
            })?;
        }
        if let Some(a) = &ages {
            c.min_age = match a.as_str() {
                "over-89" => 90,
                "all" => 0,
                other => {
                    return Err(crate::Error::Settings(format!(
                        "unknown ages setting '{other}' (over-89, all)"
                    )))
                }
            };
        }
        if let Some(d) = &self.device {
            c.device = crate::ner::DeviceChoice::parse(d).ok_or_else(|| {
                crate::Error::Settings(format!("unknown device '{d}' (cpu, cuda, auto)"))
            })?;
        }
        if let Some(b) = &self.batching {
            c.batching = Batching::parse(b).ok_or_else(|| {
                crate::Error::Settings(format!(
                    "unknown batching '{b}' (blobs, paragraphs, one-at-a-time)"
                ))
            })?;
        }
        if let Some(r) = review_threshold {
            if !(0.0..=1.0).contains(&r) {
                return Err(crate::Error::Settings(
                    "review threshold must be in 0..1".into(),
                ));
            }
            c.risk.review_threshold = r;
        }
        if let Some(p) = profile {
            p.adjust(&mut c.rules);
            c.profile = Some(p);
        }
        c.text_out = self.text_out;
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_limit_grows_with_the_page_count() {
        let l = Config::safe_harbor().limits;
        assert_eq!(l.limit_for_pages(0), DEFAULT_TIMEOUT_S);
        assert_eq!(l.limit_for_pages(1), DEFAULT_TIMEOUT_S + 1);
        assert_eq!(l.limit_for_pages(2000), DEFAULT_TIMEOUT_S + 1000);
    }
}
