//! De-identified text output (`run --text-out`): each document's paragraphs in reading
//! order with every removed span replaced by a realistic surrogate of the same shape.
//!
//! - Names: each word becomes a census first name or surname chosen by the installation's
//!   HMAC of the word, so the same name gets the same surrogate in every document of every
//!   batch (and no table is stored); the casing of the original is kept.
//! - Dates: shifted by a per-patient number of days (1 to 365, earlier), derived from the
//!   HMAC of the patient's key — the document's first record number, else its most
//!   frequent name — so intervals between dates of one patient hold across documents; the
//!   offset is never stored. The format is kept (`3/14/2021`, `2021-03-14`, `14 March
//!   2021`, `March 14`); a date whose format is not understood becomes `[DATE]`.
//! - Numbers (phone, fax, IDs, ZIP codes, house numbers): every digit and letter replaced,
//!   keyed by the HMAC of the whole value, separators kept.
//! - E-mail, URL, IP: reserved example forms (`example.org`, `192.0.2.x`).
//! - Ages (only those the policy removes, 90 and over): `90+`.
//!
//! The result is checked before it is handed back: no detected string may appear in it
//! (whole words, any casing); otherwise the document fails.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use crate::entity::Entity;
use crate::joblog::HmacKey;
use crate::text::MONTHS;
use crate::types::{Category, Paragraph};

const FIRST_NAMES: &str = include_str!("../../../assets/dict/first_names.txt");
const SURNAMES: &str = include_str!("../../../assets/dict/surnames.txt");

static FIRST: LazyLock<Vec<&'static str>> = LazyLock::new(|| words(FIRST_NAMES));
static LAST: LazyLock<Vec<&'static str>> = LazyLock::new(|| words(SURNAMES));
static FIRST_SET: LazyLock<BTreeSet<String>> =
    LazyLock::new(|| FIRST.iter().map(|w| w.to_lowercase()).collect());

fn words(list: &'static str) -> Vec<&'static str> {
    list.lines()
        .map(str::trim)
        .filter(|w| w.len() >= 3 && w.chars().all(char::is_alphabetic))
        .collect()
}

/// A detected string survived into the text output.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("the text output still held a detected {category} (entity {entity}); no text file written")]
pub struct SurvivorError {
    pub category: &'static str,
    pub entity: usize,
}

/// Surrogates for one document.
pub struct Surrogates<'a> {
    key: &'a HmacKey,
    /// Days every date moves back.
    shift_days: i64,
    /// Day before month in all-numeric dates (UK policy).
    day_first: bool,
    /// Lower-case words the document's detections hold: a surrogate is never one of them.
    taken: BTreeSet<String>,
}

impl<'a> Surrogates<'a> {
    /// For a document: the patient key and the date offset come from its detections.
    pub fn new(
        key: &'a HmacKey,
        paras: &[Paragraph],
        entities: &[Entity],
        day_first: bool,
    ) -> Surrogates<'a> {
        let text_of = |e: &Entity| -> String {
            paras
                .get(e.para)
                .and_then(|p| p.text.get(e.start..e.end))
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        for e in entities.iter().filter(|e| e.category == Category::Name) {
            *names.entry(text_of(e)).or_default() += 1;
        }
        let patient = entities
            .iter()
            .find(|e| e.category == Category::Id)
            .map(|e| format!("id:{}", text_of(e)))
            .or_else(|| {
                names
                    .iter()
                    .max_by_key(|(t, n)| (**n, t.len()))
                    .map(|(t, _)| format!("name:{t}"))
            })
            .unwrap_or_default();
        let h = key.hmac_hex_exact(format!("date-shift|{patient}").as_bytes());
        let shift_days = 1 + (u64::from_str_radix(&h[..8], 16).unwrap_or(0) % 365) as i64;
        let taken = entities
            .iter()
            .flat_map(|e| {
                text_of(e)
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        Surrogates {
            key,
            shift_days,
            day_first,
            taken,
        }
    }

    /// How many days dates move back (for tests and the report; never stored).
    pub fn shift_days(&self) -> i64 {
        self.shift_days
    }

    fn index(&self, what: &str, value: &str, n: usize) -> usize {
        let h = self
            .key
            .hmac_hex_exact(format!("{what}|{value}").as_bytes());
        (u64::from_str_radix(&h[..12], 16).unwrap_or(0) % n.max(1) as u64) as usize
    }

    /// A name word's surrogate: a first name for a census first name, else a surname;
    /// never a word of the document's own detections.
    fn name_word(&self, w: &str) -> String {
        let lower = w.to_lowercase();
        let list: &[&str] = if FIRST_SET.contains(&lower) {
            &FIRST
        } else {
            &LAST
        };
        let mut i = self.index("name", &lower, list.len());
        for _ in 0..list.len() {
            let cand = list[i];
            if !self.taken.contains(&cand.to_lowercase()) {
                return cand.to_string();
            }
            i = (i + 1) % list.len();
        }
        "Name".into()
    }

    /// Every letter and digit of `t` replaced (keyed by the whole value), the rest kept.
    fn shape(&self, what: &str, t: &str) -> String {
        let h = self
            .key
            .hmac_hex_exact(format!("{what}|{}", t.to_lowercase()).as_bytes());
        let mut bytes = h.bytes().cycle();
        t.chars()
            .map(|c| {
                let b = bytes.next().unwrap_or(b'0');
                if c.is_ascii_digit() {
                    char::from(b'0' + b % 10)
                } else if c.is_alphabetic() {
                    let l = char::from(b'a' + b % 26);
                    if c.is_uppercase() {
                        l.to_ascii_uppercase()
                    } else {
                        l
                    }
                } else {
                    c
                }
            })
            .collect()
    }

    /// Words of `t` replaced through `f`, digits reshaped, the rest kept.
    fn per_word(&self, t: &str, keep: &dyn Fn(&str) -> bool) -> String {
        let mut out = String::new();
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            if word.is_empty() {
                return;
            }
            let w = std::mem::take(word);
            if w.chars().any(|c| c.is_ascii_digit()) {
                out.push_str(&self.shape("number", &w));
            } else if keep(&w) || w.chars().count() == 1 {
                out.push_str(&w);
            } else {
                out.push_str(&with_case_of(&self.name_word(&w), &w));
            }
        };
        for c in t.chars() {
            if c.is_alphanumeric() || c == '\'' {
                word.push(c);
            } else {
                flush(&mut word, &mut out);
                out.push(c);
            }
        }
        flush(&mut word, &mut out);
        out
    }

    /// The surrogate of one detected span.
    pub fn replace(&self, category: Category, t: &str) -> String {
        match category {
            Category::Name => self.per_word(t, &|w| is_title(w)),
            Category::Date => self.shift_date(t.trim()).unwrap_or_else(|| "[DATE]".into()),
            Category::Age => "90+".into(),
            Category::Email => format!("user{}@example.org", &self.shape("email", "000000")),
            Category::Url => format!("https://example.org/{}", self.shape("url", "aaaaaa")),
            Category::Ip => format!("192.0.2.{}", 1 + self.index("ip", t, 254)),
            Category::Organization | Category::Location | Category::Address => {
                self.per_word(t, &|w| is_place_word(w))
            }
            Category::Phone | Category::Fax | Category::Id | Category::Ssn | Category::Zip => {
                self.shape(category.as_str(), t)
            }
        }
    }

    /// `t` as a date moved `shift_days` back, in its own format.
    pub fn shift_date(&self, t: &str) -> Option<String> {
        static NUMERIC: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(r"^(\d{1,2})([/.\-])(\d{1,2})(?:([/.\-])(\d{4}|\d{2}))?$")
                .expect("numeric date")
        });
        static ISO: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(r"^(\d{4})-(\d{1,2})-(\d{1,2})$").expect("iso date")
        });
        static NAMED: LazyLock<regex::Regex> = LazyLock::new(|| {
            regex::Regex::new(
                r"(?i)^(?:(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?)?([a-z]{3,9})\.?(?:\s+(\d{1,2})(?:st|nd|rd|th)?)?(,?\s+(\d{4}))?$",
            )
            .expect("named date")
        });
        let this_year = crate::types::civil_utc(crate::types::unix_now()).0;
        if let Some(c) = ISO.captures(t) {
            let (y, m, d) = (num(&c[1])?, num(&c[2])?, num(&c[3])?);
            let (y, m, d) = self.moved(y, m, d)?;
            return Some(format!(
                "{y:04}-{}-{}",
                pad_like(m, &c[2]),
                pad_like(d, &c[3])
            ));
        }
        if let Some(c) = NUMERIC.captures(t) {
            let (a, b) = (num(&c[1])?, num(&c[3])?);
            let day_first = self.day_first || a > 12;
            let (m, d) = if day_first { (b, a) } else { (a, b) };
            let year = c.get(5).map(|y| y.as_str());
            let y = match year {
                Some(y) if y.len() == 4 => num(y)?,
                Some(y) => {
                    let yy = num(y)?;
                    if yy > this_year % 100 + 1 {
                        1900 + yy
                    } else {
                        2000 + yy
                    }
                }
                None => this_year,
            };
            let (ny, nm, nd) = self.moved(y, m, d)?;
            let (first, second) = if day_first { (nd, nm) } else { (nm, nd) };
            let mut out = format!(
                "{}{}{}",
                pad_like(first, &c[1]),
                &c[2],
                pad_like(second, &c[3])
            );
            if let (Some(sep), Some(y)) = (c.get(4), year) {
                out.push_str(sep.as_str());
                if y.len() == 4 {
                    out.push_str(&format!("{ny:04}"));
                } else {
                    out.push_str(&format!("{:02}", ny % 100));
                }
            }
            return Some(out);
        }
        if let Some(c) = NAMED.captures(t) {
            let month_word = c.get(2)?.as_str();
            let m = month_number(month_word)?;
            let day_before = c.get(1).map(|d| d.as_str());
            let day_after = c.get(3).map(|d| d.as_str());
            if day_before.is_some() && day_after.is_some() {
                return None;
            }
            let day = day_before.or(day_after);
            let year = c.get(5).map(|y| y.as_str());
            let y = match year {
                Some(y) => num(y)?,
                None => this_year,
            };
            let d = match day {
                Some(d) => num(d)?,
                None => 15,
            };
            let (ny, nm, nd) = self.moved(y, m, d)?;
            let name = with_case_of(&month_name(nm, month_word.len() <= 4), month_word);
            let dot = if t[c.get(2)?.end()..].starts_with('.') {
                "."
            } else {
                ""
            };
            let yr = match (c.get(4), year) {
                (Some(g), Some(_)) => {
                    let sep: String = g
                        .as_str()
                        .chars()
                        .take_while(|c| !c.is_ascii_digit())
                        .collect();
                    format!("{sep}{ny:04}")
                }
                _ => String::new(),
            };
            // month only ("March 2021"): the month of the moved mid-month day
            return Some(match (day_before, day_after) {
                (Some(_), _) => format!("{} {name}{dot}{yr}", ordinal_like(nd, t)),
                (_, Some(_)) => format!("{name}{dot} {}{yr}", ordinal_like(nd, t)),
                _ => format!("{name}{dot}{yr}"),
            });
        }
        None
    }

    fn moved(&self, y: i64, m: i64, d: i64) -> Option<(i64, i64, i64)> {
        if !(1..=12).contains(&m) || !(1..=31).contains(&d) || d > days_in_month(y, m) {
            return None;
        }
        let days = days_from_civil(y, m, d) - self.shift_days;
        let (y, m, d, _) = crate::types::civil_utc(days * 86_400);
        Some((y, m, d))
    }

    /// The document's text, paragraph after paragraph, every entity replaced; checked that
    /// no detected string survives.
    pub fn document_text(
        &self,
        paras: &[Paragraph],
        entities: &[Entity],
        also: &[&str],
    ) -> Result<String, SurvivorError> {
        let mut by_para: BTreeMap<usize, Vec<&Entity>> = BTreeMap::new();
        for e in entities {
            by_para.entry(e.para).or_default().push(e);
        }
        let mut out = String::new();
        for p in paras {
            let mut spans: Vec<(usize, usize, Category)> = by_para
                .get(&p.id)
                .into_iter()
                .flatten()
                .map(|e| {
                    // a merged span that holds an address is replaced as one
                    let address = e.sources.iter().any(|s| s.category == Category::Address);
                    let c = if e.mixed() && address {
                        Category::Address
                    } else {
                        e.category
                    };
                    (e.start, e.end, c)
                })
                .collect();
            spans.sort_by_key(|s| (s.0, std::cmp::Reverse(s.1)));
            // overlapping spans become one, with the category of the first (the longest)
            let mut merged: Vec<(usize, usize, Category)> = Vec::new();
            for s in spans {
                match merged.last_mut() {
                    Some(last) if s.0 < last.1 => last.1 = last.1.max(s.1),
                    _ => merged.push(s),
                }
            }
            let mut pos = 0;
            for (s, e, c) in merged {
                let (Some(before), Some(t)) = (p.text.get(pos..s), p.text.get(s..e)) else {
                    continue;
                };
                out.push_str(before);
                out.push_str(&self.replace(c, t));
                pos = e;
            }
            out.push_str(p.text.get(pos..).unwrap_or_default());
            out.push_str("\n\n");
        }
        let hay = format!(" {} ", crate::text::normalise(&out));
        let survives = |t: &str| {
            let n = crate::text::normalise(t);
            n.chars().filter(|c| c.is_alphanumeric()).count() >= 3
                && hay.contains(&format!(" {n} "))
        };
        for e in entities {
            let t = paras
                .get(e.para)
                .and_then(|p| p.text.get(e.start..e.end))
                .unwrap_or_default();
            if survives(t) {
                return Err(SurvivorError {
                    category: e.category.as_str(),
                    entity: e.id,
                });
            }
        }
        // texts the output removed without an entity (the reviewer's boxes)
        if let Some(i) = also.iter().position(|t| survives(t)) {
            return Err(SurvivorError {
                category: "REPORTED",
                entity: i,
            });
        }
        Ok(out.trim_end().to_string() + "\n")
    }
}

fn num(s: &str) -> Option<i64> {
    s.parse().ok()
}

fn pad_like(n: i64, orig: &str) -> String {
    if orig.len() == 2 {
        format!("{n:02}")
    } else {
        n.to_string()
    }
}

fn ordinal_like(d: i64, orig: &str) -> String {
    static ORDINAL: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"(?i)\d(?:st|nd|rd|th)\b").expect("ordinal"));
    if !ORDINAL.is_match(orig) {
        return d.to_string();
    }
    let suffix = match (d % 10, d % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{d}{suffix}")
}

fn month_number(w: &str) -> Option<i64> {
    let l = w.to_lowercase();
    MONTHS
        .iter()
        .position(|m| *m == l || ((3..=4).contains(&l.len()) && m.starts_with(&l)))
        .map(|i| i as i64 + 1)
}

fn month_name(m: i64, short: bool) -> String {
    let full = MONTHS[(m - 1).clamp(0, 11) as usize];
    let name = if short { &full[..3] } else { full };
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// `s` in the casing of `like`: ALL CAPS, all lower case, or capitalised.
fn with_case_of(s: &str, like: &str) -> String {
    let letters: Vec<char> = like.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() > 1 && letters.iter().all(|c| c.is_uppercase()) {
        s.to_uppercase()
    } else if letters.iter().all(|c| c.is_lowercase()) {
        s.to_lowercase()
    } else {
        let lower = s.to_lowercase();
        let mut c = lower.chars();
        c.next()
            .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    }
}

fn is_title(w: &str) -> bool {
    matches!(
        w.to_lowercase().trim_end_matches('.'),
        "dr" | "mr"
            | "mrs"
            | "ms"
            | "miss"
            | "prof"
            | "md"
            | "rn"
            | "np"
            | "pa"
            | "do"
            | "phd"
            | "jr"
            | "sr"
            | "ii"
            | "iii"
    )
}

fn is_place_word(w: &str) -> bool {
    matches!(
        w.to_lowercase().trim_end_matches('.'),
        "hospital"
            | "clinic"
            | "medical"
            | "center"
            | "centre"
            | "health"
            | "university"
            | "memorial"
            | "community"
            | "general"
            | "street"
            | "st"
            | "road"
            | "rd"
            | "avenue"
            | "ave"
            | "lane"
            | "ln"
            | "drive"
            | "dr"
            | "row"
            | "court"
            | "apt"
            | "suite"
            | "the"
            | "of"
            | "and"
            | "inc"
            | "llc"
            | "ltd"
    )
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's days-from-civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> HmacKey {
        HmacKey::from_bytes([7u8; 32])
    }

    fn para(id: usize, text: &str) -> Paragraph {
        Paragraph {
            id,
            page: 0,
            bbox: crate::types::Rect::default(),
            text: text.into(),
            char_glyphs: Vec::new(),
            char_offsets: Vec::new(),
            font_size: 11.0,
            bold: false,
            line_count: 1,
            gap_above: 0.0,
            heading_score: 0.0,
            is_heading: false,
            dep_flag: false,
            furniture: false,
        }
    }

    fn ent(id: usize, para: usize, text: &str, needle: &str, category: Category) -> Entity {
        let start = text.find(needle).expect("needle");
        Entity {
            id,
            para,
            start,
            end: start + needle.len(),
            category,
            score: 1.0,
            sources: Vec::new(),
            propagated_from: None,
        }
    }

    #[test]
    fn dates_move_back_together_in_their_own_format() {
        let k = key();
        let s = Surrogates {
            key: &k,
            shift_days: 10,
            day_first: false,
            taken: BTreeSet::new(),
        };
        assert_eq!(s.shift_date("03/14/2021").as_deref(), Some("03/04/2021"));
        assert_eq!(s.shift_date("3/4/21").as_deref(), Some("2/22/21"));
        assert_eq!(s.shift_date("2021-03-14").as_deref(), Some("2021-03-04"));
        assert_eq!(
            s.shift_date("March 14, 2021").as_deref(),
            Some("March 4, 2021")
        );
        assert_eq!(
            s.shift_date("14th March 2021").as_deref(),
            Some("4th March 2021")
        );
        assert_eq!(s.shift_date("JAN 5, 2020").as_deref(), Some("DEC 26, 2019"));
        assert_eq!(s.shift_date("31/12/2020").as_deref(), Some("21/12/2020"));
        assert_eq!(s.shift_date("yesterday"), None);
        assert_eq!(s.shift_date("02/30/2021"), None);
        let uk = Surrogates {
            day_first: true,
            ..s
        };
        assert_eq!(uk.shift_date("05/03/2021").as_deref(), Some("23/02/2021"));
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn the_same_name_gets_the_same_surrogate_and_no_detected_string_survives() {
        let k = key();
        let text = "Patient: Margaret Okafor, MRN 4471923, seen 03/14/2021 by Dr. Walsh. \
                    Mrs Okafor returns on 04/01/2021. Call 555-201-7788.";
        let paras = [para(0, text)];
        let es = vec![
            ent(0, 0, text, "Margaret Okafor", Category::Name),
            ent(1, 0, text, "4471923", Category::Id),
            ent(2, 0, text, "03/14/2021", Category::Date),
            ent(3, 0, text, "Walsh", Category::Name),
            ent(4, 0, text, "Okafor returns", Category::Name),
            ent(5, 0, text, "04/01/2021", Category::Date),
            ent(6, 0, text, "555-201-7788", Category::Phone),
        ];
        // "Okafor returns" is a wrong span: the check still passes on the merged text
        let s = Surrogates::new(&k, &paras, &es[..4], false);
        let out = s.document_text(&paras, &es, &[]).expect("text");
        for gone in [
            "Margaret",
            "Okafor",
            "4471923",
            "03/14/2021",
            "Walsh",
            "7788",
        ] {
            assert!(!out.contains(gone), "{gone} in {out}");
        }
        assert!(out.contains("Patient: ") && out.contains("Dr. "), "{out}");
        // the interval between the two dates holds (18 days)
        let dates: Vec<&str> = out
            .split(|c: char| c.is_whitespace() || c == ',' || c == '.')
            .filter(|w| w.matches('/').count() == 2)
            .collect();
        assert_eq!(dates.len(), 2, "{out}");
        let day = |d: &str| {
            let v: Vec<i64> = d.split('/').map(|x| x.parse().expect("n")).collect();
            days_from_civil(v[2], v[0], v[1])
        };
        assert_eq!(day(dates[1]) - day(dates[0]), 18, "{out}");
        // the same patient in another document: the same offset and the same surrogate
        let other = "OKAFOR, MARGARET (MRN 4471923) was discharged.";
        let p2 = [para(0, other)];
        let e2 = vec![
            ent(0, 0, other, "OKAFOR, MARGARET", Category::Name),
            ent(1, 0, other, "4471923", Category::Id),
        ];
        let s2 = Surrogates::new(&k, &p2, &e2, false);
        assert_eq!(s2.shift_days(), s.shift_days());
        let first = s.replace(Category::Name, "Margaret");
        assert_eq!(
            s2.replace(Category::Name, "MARGARET"),
            first.to_uppercase(),
            "{first}"
        );
    }
}
