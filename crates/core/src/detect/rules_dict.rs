//! Word lists for the rule detector: embedded census name lists, the clinical
//! allow-list and small hand-written stop lists. All lookups are case-insensitive.

use std::collections::HashSet;

use regex::{Matches, Regex};

const FIRST_NAMES: &str = include_str!("../../../../assets/dict/first_names.txt");
const SURNAMES: &str = include_str!("../../../../assets/dict/surnames.txt");
const ALLOWLIST: &str = include_str!("../../../../assets/dict/allowlist.txt");

/// Capitalised words that end or precede a name in labelled context but are not
/// names themselves (labels, pronouns, function words, sentence openers).
const STOP_WORDS: &str = "\
    a about account acct address admitted after all also an and appreciate as at before \
    by called cc cell city contact dear diagnosed dictated dob doctor dr during \
    electronically email for from gender had has have he her his home i id if in is it \
    mr mrn mrs ms name no not of on or per phone please pt re ref referred regards \
    reviewed seen she sincerely so ssn state tel thank thanks that the their then there \
    they this to today tomorrow transcribed was we were when which who with work \
    yesterday you zip monday tuesday wednesday thursday friday saturday sunday fax \
    mobile pager npi dea license spouse mother father son daughter wife husband sister \
    brother friend guardian caregiver";

/// Professional credentials that may follow a name.
const CREDENTIALS: &str = "\
    md m.d. do d.o. rn np pa pa-c phd ph.d. dds dmd dpm pharmd mbbs facp facs facc cnm \
    crna lpn msn aprn dnp bsn lcsw mph ms ma od dc psyd fnp fnp-bc cns";

/// Words that make a capitalised run an organisation/place rather than a person.
const ORG_WORDS: &str = "\
    hospital clinic center centre health healthcare medical university college institute \
    foundation pharmacy laboratory laboratories associates group system services \
    infirmary hospice street avenue road county inc llc church bank school company";

/// English words that also occur in the census name lists. A dictionary name made
/// only of such words ("Will Hope", "May Rose") is not reported.
const COMMON_WORDS: &str = "\
    will may hope bill rose brown white green black gray grey young king long short \
    little hall wood stone hill price bell mark grant page chase case park rich ward day \
    rice lane field low best good strong sharp start early post cross head hand back \
    heart love joy faith grace sugar sweet major summer winter spring fall moon snow \
    rain frost lake river bay banks bush reed root branch fox wolf bird crane lamb bear \
    buck hart child baby mean hardy blood bone bass chance dean june april august art guy don \
    ray sue pat gene dale bob jack frank earnest ernest noble sterling precious sunny \
    dusty rusty penny ruby pearl iris ivy holly daisy ginger candy crystal amber jewel \
    star north south west east see set plan given said over under new more less held \
    left right lower upper free wells marsh small large tall bright";

/// Title-case token only (no ALL CAPS), used for dictionary names and credentials.
const TTOK: &str = r"(?:\p{Lu}\.|(?:\p{Lu}\p{Ll}+(?:\p{Lu}\p{Ll}+)?(?:[-'’]\p{Lu}?\p{Ll}+)*|\p{Lu}'\p{Lu}\p{Ll}+)\b)";

/// Lower-cased word sets (and the tokenisers that feed them), built once per detector.
#[derive(Debug, Clone)]
pub(crate) struct Dicts {
    word: Regex,
    cap_token: Regex,
    first: HashSet<String>,
    last: HashSet<String>,
    allow: HashSet<String>,
    stop: HashSet<&'static str>,
    cred: HashSet<&'static str>,
    org: HashSet<&'static str>,
    common: HashSet<&'static str>,
}

fn word_set(src: &str) -> HashSet<String> {
    src.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_lowercase)
        .collect()
}

/// Lower-cases and strips a trailing possessive and surrounding punctuation.
fn norm(w: &str) -> String {
    let w = w.trim_matches(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'');
    let w = w
        .strip_suffix("'s")
        .or_else(|| w.strip_suffix("’s"))
        .unwrap_or(w);
    w.to_lowercase()
}

impl Dicts {
    pub(crate) fn new() -> Dicts {
        Dicts {
            first: word_set(FIRST_NAMES),
            last: word_set(SURNAMES),
            allow: word_set(ALLOWLIST),
            stop: STOP_WORDS.split_whitespace().collect(),
            cred: CREDENTIALS.split_whitespace().collect(),
            org: ORG_WORDS.split_whitespace().collect(),
            common: COMMON_WORDS.split_whitespace().collect(),
            word: Regex::new(r"[\p{L}\p{N}][\p{L}\p{N}'’\-]*\.?").expect("word pattern"),
            cap_token: Regex::new(&format!(r"\b{TTOK}")).expect("token pattern"),
        }
    }

    /// Word-like tokens of `s` (letters/digits with inner apostrophes and hyphens).
    pub(crate) fn words<'r, 't>(&'r self, s: &'t str) -> Matches<'r, 't> {
        self.word.find_iter(s)
    }

    pub(crate) fn allowed(&self, w: &str) -> bool {
        let n = norm(w);
        !n.is_empty() && (self.allow.contains(&n) || self.allow.contains(&w.to_lowercase()))
    }
    pub(crate) fn first_name(&self, w: &str) -> bool {
        self.first.contains(&norm(w))
    }
    pub(crate) fn surname(&self, w: &str) -> bool {
        self.last.contains(&norm(w))
    }
    pub(crate) fn stop(&self, w: &str) -> bool {
        self.stop.contains(norm(w).as_str())
    }
    pub(crate) fn credential(&self, w: &str) -> bool {
        let lw = w.to_lowercase();
        self.cred.contains(lw.as_str()) || self.cred.contains(lw.trim_end_matches('.'))
    }
    pub(crate) fn org_word(&self, w: &str) -> bool {
        self.org.contains(norm(w).as_str())
    }
    pub(crate) fn common(&self, w: &str) -> bool {
        self.common.contains(norm(w).as_str())
    }

    /// A bare "Name:" label only counts at the start of a line/cell or after a
    /// person-ish word ("Patient Name:", "Full Name:"), not in "Drug Name:".
    pub(crate) fn name_label_context_ok(&self, text: &str, start: usize) -> bool {
        let label = text.get(start..).unwrap_or("");
        if !label
            .get(..4)
            .is_some_and(|l| l.eq_ignore_ascii_case("name"))
        {
            return true;
        }
        let line_start = text
            .get(..start)
            .and_then(|s| s.rfind('\n'))
            .map_or(0, |i| i + 1);
        let before = text.get(line_start..start).unwrap_or("").trim_end();
        match self.word.find_iter(before).last() {
            None => true,
            Some(w) if w.end() < before.len() => true, // punctuation/separator before label
            Some(w) => {
                let w = w.as_str().to_lowercase();
                [
                    "first",
                    "last",
                    "legal",
                    "member",
                    "contact",
                    "preferred",
                    "insured",
                    "doctor",
                    "physician",
                    "provider",
                    "patient",
                    "patient's",
                    "nurse",
                    "surgeon",
                    "attending",
                    "referring",
                    "parent",
                    "guardian",
                    "mother's",
                    "father's",
                    "spouse",
                    "emergency",
                    "sender",
                    "recipient",
                    "author",
                    "reviewer",
                    "signer",
                    "subscriber",
                    "caregiver",
                    "maiden",
                    "full",
                    "given",
                    "family",
                    "middle",
                ]
                .contains(&w.as_str())
            }
        }
    }

    /// Drops leading stop/allow-listed tokens of `[s, e)`; `None` when nothing is left.
    pub(crate) fn trim_leading(&self, text: &str, s: usize, e: usize) -> Option<(usize, usize)> {
        let seg = text.get(s..e)?;
        self.word
            .find_iter(seg)
            .find(|w| !self.allowed(w.as_str()) && !self.stop(w.as_str()))
            .map(|w| (s + w.start(), e))
    }

    /// Trims a candidate name to its person-name core: leading/trailing label words,
    /// clinical terms and credentials are cut; facility words reject the candidate.
    /// With `titled` ("Dr. Foley") the first token is kept even if it is a clinical term.
    pub(crate) fn trim_name(
        &self,
        text: &str,
        s: usize,
        e: usize,
        titled: bool,
    ) -> Option<(usize, usize)> {
        let seg = text.get(s..e)?;
        let toks: Vec<(usize, usize, &str)> = self
            .word
            .find_iter(seg)
            .map(|w| (s + w.start(), s + w.end(), w.as_str()))
            .collect();
        let is_bad = |w: &str| {
            let bare = w.trim_end_matches('.');
            bare.chars().count() > 1 && (self.stop(bare) || self.allowed(bare))
        };
        if toks.iter().any(|t| self.org_word(t.2)) {
            return None;
        }
        let first = if titled {
            0
        } else {
            toks.iter().position(|t| !is_bad(t.2))?
        };
        let mut kept = Vec::new();
        for t in toks.get(first..)? {
            let keep_first = titled && kept.is_empty() && !self.stop(t.2);
            if (is_bad(t.2) && !keep_first) || (!kept.is_empty() && self.credential(t.2)) {
                break;
            }
            kept.push(*t);
        }
        let (ks, _, _) = *kept.first()?;
        let (_, mut ke, last) = *kept.last()?;
        if !kept
            .iter()
            .any(|t| t.2.trim_end_matches('.').chars().count() > 1)
        {
            return None;
        }
        if last.ends_with('.') && last.chars().count() > 2 {
            ke -= 1;
        }
        Some((ks, ke))
    }

    /// "First [Middle] Last" with a known first name and surname (title case, same
    /// line), and "Last, First". Clinical terms and all-common-word pairs are skipped.
    pub(crate) fn dictionary_names(&self, text: &str) -> Vec<(usize, usize, f32)> {
        let mut out = Vec::new();
        let toks: Vec<(usize, usize, &str)> = self
            .cap_token
            .find_iter(text)
            .map(|m| (m.start(), m.end(), m.as_str()))
            .collect();
        let spaced = |a: usize, b: usize| {
            text.get(a..b).is_some_and(|g| {
                !g.is_empty() && g.len() <= 2 && g.chars().all(|c| c == ' ' || c == '\t')
            })
        };
        let ok =
            |w: &str| !w.ends_with('.') && !self.allowed(w) && !self.stop(w) && !self.org_word(w);
        let mut i = 0;
        while i < toks.len() {
            let (s0, e0, w0) = toks[i];
            let mut found = None;
            if ok(w0) && self.first_name(w0) {
                if let (Some(&(s1, e1, w1)), Some(&(s2, e2, w2))) =
                    (toks.get(i + 1), toks.get(i + 2))
                {
                    let mid_ok = w1.ends_with('.') || ok(w1);
                    if spaced(e0, s1) && spaced(e1, s2) && mid_ok && ok(w2) && self.surname(w2) {
                        found = Some((i + 2, e2, w2));
                    }
                }
                if found.is_none() {
                    if let Some(&(s1, e1, w1)) = toks.get(i + 1) {
                        if spaced(e0, s1) && ok(w1) && self.surname(w1) {
                            found = Some((i + 1, e1, w1));
                        }
                    }
                }
            }
            if let Some((j, e, last)) = found {
                let common = usize::from(self.common(w0)) + usize::from(self.common(last));
                if common < 2 {
                    let score = if common == 1 { 0.6 } else { 0.8 };
                    out.push((s0, e, score));
                }
                i = j + 1;
                continue;
            }
            // "Last, First"
            if let Some(&(s1, e1, w1)) = toks.get(i + 1) {
                let comma = text.get(e0..s1) == Some(", ");
                if comma
                    && ok(w0)
                    && ok(w1)
                    && self.surname(w0)
                    && self.first_name(w1)
                    && !self.common(w0)
                    && !self.common(w1)
                {
                    out.push((s0, e1, 0.7));
                    i += 2;
                    continue;
                }
            }
            i += 1;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionaries_and_allowlist() {
        let d = Dicts::new();
        assert!(d.allowed("lasix"));
        assert!(d.allowed("COUMADIN"));
        assert!(d.allowed("Parkinson"));
        assert!(d.allowed("HbA1c"));
        assert!(d.allowed("Assessment"));
        assert!(!d.allowed("March"));
        assert!(!d.allowed("Monday"));
        assert!(!d.allowed("Smith"));
        assert!(d.first_name("mary"));
        assert!(d.first_name("JOHN"));
        assert!(!d.first_name("Lasix"));
        assert!(d.surname("Smith"));
        assert!(d.surname("o'brien") || d.surname("obrien"));
        assert!(!d.surname(""));
        for w in "January February March April May June July August September October \
                  November December Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec \
                  Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
            .split_whitespace()
        {
            assert!(!d.allowed(w), "{w} must not be allow-listed");
        }
        assert!(d.stop("The") && !d.stop("Smith"));
        assert!(d.credential("M.D.") && d.credential("PhD") && !d.credential("Smith"));
        assert!(d.org_word("Hospital") && d.common("Will") && !d.common("Smith"));
    }

    #[test]
    fn trimming() {
        let d = Dicts::new();
        let t = "The Patient John Smith MD Plan";
        assert_eq!(d.trim_name(t, 0, t.len(), false), Some((12, 22)));
        assert_eq!(d.trim_name("Lasix", 0, 5, false), None);
        assert_eq!(d.trim_name("Foley", 0, 5, true), Some((0, 5)));
        assert_eq!(d.trim_name("Mercy Hospital", 0, 14, false), None);
        assert_eq!(d.trim_leading("Admitted Springfield", 0, 20), Some((9, 20)));
        assert_eq!(d.dictionary_names("saw Mary Johnson"), vec![(4, 16, 0.8)]);
        assert!(d.dictionary_names("Will Hope").is_empty());
    }
}
