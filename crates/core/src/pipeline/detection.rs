//! Detection over heading blobs (batched, rayon over batches), the precision guards on
//! learned spans, and propagation (hybrid search).

use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;

use super::Engine;
use crate::config::Batching;
use crate::detect::{merge_spans, Entity, TextUnit};
use crate::error::Result;
use crate::propagate;
use crate::types::{Category, HeadingBlob, Span};

/// Spans found per paragraph of one batch of blobs.
pub(super) type BlobSpans = Vec<(usize, Vec<Span>)>;

fn add(by_para: &mut BTreeMap<usize, Vec<Span>>, found: BlobSpans) {
    for (para, spans) in found {
        by_para.entry(para).or_default().extend(spans);
    }
}

/// Learned spans scoring below this are dropped (the model's own per-category thresholds
/// are recall-biased and can sit lower).
pub(super) const NER_MIN_SCORE: f32 = 0.3;
/// A single-word organisation or place from the model needs more confidence ("Doctor",
/// "Center" and sentence-initial words are its typical false positives).
pub(super) const NER_SINGLE_WORD_PLACE: f32 = 0.35;
/// Minimum score of a lower-case multi-word name, organisation or place.
pub(super) const NER_LOWER_CASE: f32 = 0.5;

/// A clock time, a clock range or a number range: "0600", "7P-7A", "89-109", "0700-1900"
/// (a four-digit number from 1900 to 2099 stays a possible year).
pub(super) fn time_or_range(t: &str) -> bool {
    let t = t.trim();
    let digits_only = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let year = |s: &str| s.len() == 4 && (s.starts_with("19") || s.starts_with("20"));
    if digits_only(t) && t.len() <= 4 && !year(t) {
        return true;
    }
    // a clock, or a count of hours ("7P", "7P-7A", "48-72h"; not "28TH")
    let suffix = |s: &str| {
        let l = s.trim().to_ascii_lowercase();
        ["am", "pm", "hrs", "hr", "a", "p", "h"]
            .iter()
            .find_map(|x| l.strip_suffix(x).map(str::len))
    };
    let clock = |s: &str| {
        let s = s.trim();
        let s = &s[..suffix(s).unwrap_or(s.len())];
        digits_only(s) && s.len() <= 4
    };
    if !t.contains('-') && suffix(t).is_some() && clock(t) {
        return true;
    }
    match t.split_once('-') {
        // "12-2019" is a month and a year
        Some((a, b)) if a.len() <= 2 && year(b) => false,
        Some((a, b)) => clock(a) && clock(b),
        None => false,
    }
}

/// "10/24H", "500/8hr": an amount per so many hours, no date.
fn per_hours(t: &str) -> bool {
    let l = t.trim().to_ascii_lowercase();
    let body = ["hrs", "hr", "h"]
        .iter()
        .find_map(|x| l.strip_suffix(x))
        .unwrap_or("");
    body.contains('/') && body.ends_with(|c: char| c.is_ascii_digit())
}

/// "VISITED 2000", "CALLED AT 1930": a four-digit number that reads as a clock after a
/// word of a visit or a call is the time, not the year.
fn clock_after_event(text: &str, start: usize, t: &str) -> bool {
    crate::text::bare_clock(t.trim())
        && matches!(
            crate::text::last_word_lower(text[..start].trim_end_matches([' ', '\t', '@'])).as_str(),
            "at" | "visited"
                | "called"
                | "phoned"
                | "arrived"
                | "left"
                | "returned"
                | "came"
                | "around"
                | "approx"
        )
}

/// "3.4", "12.5": a decimal number, no date.
fn short_decimal(t: &str) -> bool {
    let t = t.trim();
    t.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty()
            && !b.is_empty()
            && a.len() <= 3
            && b.len() <= 2
            && a.chars().chain(b.chars()).all(|c| c.is_ascii_digit())
    })
}

/// A clock time inside `t`: a digit, then "am" or "pm" as a word ("8.30am", "4 PM").
fn has_clock(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    let b = l.as_bytes();
    (1..b.len().saturating_sub(1)).any(|i| {
        let meridiem = matches!(&b[i..i + 2], b"am" | b"pm");
        let after = b.get(i + 2).is_none_or(|c| !c.is_ascii_alphabetic());
        // only at an "am"/"pm" is `i` a character boundary to cut at
        meridiem && after && l[..i].trim_end().ends_with(|c: char| c.is_ascii_digit())
    })
}

/// Some decimal number inside `t` ("33.0", "36.9-37.3").
fn has_decimal(t: &str) -> bool {
    let b = t.as_bytes();
    (1..b.len().saturating_sub(1))
        .any(|i| b[i] == b'.' && b[i - 1].is_ascii_digit() && b[i + 1].is_ascii_digit())
}

/// Blobs handed to the detectors in one batch.
pub(super) const BLOB_BATCH: usize = 8;

/// The text of one blob: its paragraphs joined by `\n`, with each paragraph's start.
pub(super) struct BlobText {
    text: String,
    page: Option<usize>,
    /// (paragraph id, byte offset of its first byte in `text`, its length)
    parts: Vec<(usize, usize, usize)>,
}

impl BlobText {
    pub(super) fn new(b: &HeadingBlob, units: &[TextUnit<'_>]) -> BlobText {
        let mut text = String::new();
        let mut parts = Vec::with_capacity(b.paragraphs.len());
        let mut page = None;
        for &pid in &b.paragraphs {
            let Some(u) = units.get(pid) else { continue };
            if !text.is_empty() {
                text.push('\n');
            }
            page = page.or(u.page);
            parts.push((pid, text.len(), u.text.len()));
            text.push_str(u.text);
        }
        BlobText { text, page, parts }
    }

    /// The blob as one detector input.
    pub(super) fn unit(&self) -> TextUnit<'_> {
        TextUnit {
            text: &self.text,
            page: self.page,
            is_heading: false,
        }
    }

    /// Map spans of the joined text back to paragraphs, splitting any that cross one.
    pub(super) fn split(&self, spans: Vec<Span>) -> Vec<(usize, Vec<Span>)> {
        let mut out: Vec<(usize, Vec<Span>)> =
            self.parts.iter().map(|p| (p.0, Vec::new())).collect();
        for s in spans {
            for (i, &(_, off, len)) in self.parts.iter().enumerate() {
                let (a, b) = (s.start.max(off), s.end.min(off + len));
                if a < b {
                    let mut piece = s.clone();
                    piece.start = a - off;
                    piece.end = b - off;
                    out[i].1.push(piece);
                }
            }
        }
        out
    }
}

impl BlobText {
    /// One paragraph alone as a detector input (the designs that do not join blobs).
    fn paragraph(pid: usize, units: &[TextUnit<'_>]) -> BlobText {
        let (text, page) = units
            .get(pid)
            .map_or((String::new(), None), |u| (u.text.to_string(), u.page));
        BlobText {
            parts: vec![(pid, 0, text.len())],
            text,
            page,
        }
    }
}

impl Engine {
    /// Detect and merge entities over text units grouped into blobs, in parallel over
    /// batches of blobs; the result does not depend on the number of threads.
    pub fn detect(&self, units: &[TextUnit<'_>], blobs: &[HeadingBlob]) -> Result<Vec<Entity>> {
        // words the document itself writes in lower case are common words, not names (the
        // NER guard's input; nothing to collect without a model)
        let lower: HashSet<&str> = if self.ner.is_some() {
            units
                .iter()
                .flat_map(|u| u.text.split(|c: char| !c.is_alphanumeric()))
                .filter(|w| w.len() >= 3 && w.chars().all(|c| c.is_lowercase()))
                .collect()
        } else {
            HashSet::new()
        };
        let mut by_para: BTreeMap<usize, Vec<Span>> = BTreeMap::new();
        match self.config().batching {
            Batching::Blobs => {
                // Each blob is detected as one text (its paragraphs joined by newlines), so
                // a label and its value in neighbouring paragraphs ("Hospital ID:" /
                // "HOSP4942…") stay in context; blobs go to the rule detectors in batches,
                // the batches run in parallel; the NER model takes the whole document.
                let joined: Vec<BlobText> = blobs.iter().map(|b| BlobText::new(b, units)).collect();
                let per_batch: Vec<Result<BlobSpans>> = self.pool.install(|| {
                    joined
                        .par_chunks(BLOB_BATCH)
                        .map(|chunk| self.rule_spans(chunk))
                        .collect()
                });
                for r in per_batch {
                    add(&mut by_para, r?);
                }
                add(&mut by_para, self.ner_spans(&joined, &lower)?);
            }
            design => {
                // the designs the default replaced: blob after blob on this thread, each
                // paragraph a separate text, one call per blob or per paragraph
                for b in blobs {
                    let texts: Vec<BlobText> = b
                        .paragraphs
                        .iter()
                        .map(|&p| BlobText::paragraph(p, units))
                        .collect();
                    let size = if design == Batching::OneAtATime {
                        1
                    } else {
                        texts.len().max(1)
                    };
                    for call in texts.chunks(size) {
                        add(&mut by_para, self.rule_spans(call)?);
                        add(&mut by_para, self.ner_spans(call, &lower)?);
                    }
                }
            }
        }
        // author lines, on the pages a profile names for them (the first and last page by
        // default); text mode has no pages
        if !self.detectors.is_empty() {
            let pages = self.author_pages();
            let count = units
                .iter()
                .filter_map(|u| u.page)
                .max()
                .map_or(0, |p| p + 1);
            for (pid, u) in units.iter().enumerate() {
                if u.page.is_some_and(|p| pages.contains(p, count)) {
                    let found = self.rules.author_line(u.text);
                    if !found.is_empty() {
                        by_para.entry(pid).or_default().extend(found);
                    }
                }
            }
        }
        let mut entities = Vec::new();
        for (para, mut spans) in by_para {
            if let Some(u) = units.get(para) {
                spans.retain(|s| {
                    !code_or_page(u.text, s)
                        && !title_alone(u.text, s)
                        && !time_of_year(u.text, s.start, s.end, s.category)
                        && !ward(u.text, s)
                        && !near_the_hospital(u.text, s)
                });
                spans.iter_mut().for_each(|s| {
                    trim_title(u.text, s);
                    trim_possessive(u.text, s);
                    trim_workplace_part(u.text, s);
                    trim_leading_weekday(u.text, s);
                    trim_name_tail(u.text, s);
                    trim_phone(u.text, s);
                    trim_number_tail(u.text, s);
                    trim_next_label(u.text, s);
                    trim_title_line(u.text, s);
                    trim_number_line(u.text, s);
                    self.trim_edges(u.text, s);
                });
                let flat = crate::text::flat_case(u.text);
                let mut acronyms: Vec<Span> = spans
                    .iter()
                    .filter_map(|s| {
                        acronym_after(u.text, s)
                            .or_else(|| self.state_after(u.text, s, flat))
                            .or_else(|| self.town_after_address(u.text, s, flat))
                    })
                    .collect();
                acronyms.extend(spans.iter_mut().filter_map(|s| split_extension(u.text, s)));
                spans.extend(acronyms);
            }
            entities.extend(merge_spans(para, spans));
        }
        entities.sort_by_key(|e| (e.para, e.start, e.end));
        for (i, e) in entities.iter_mut().enumerate() {
            e.id = i;
        }
        Ok(entities)
    }

    /// Edges no name, organisation or address has: a name ends before a credential ("sw
    /// kerry *msw*"); an organisation before "vs", a preposition or a weekday ("REHAB AT
    /// HERITAGE WINDS *vs* HOME", "ORCHARDS *near* WAPATO", "RED CLIFFS CONSTRUCTION
    /// *MON*"); an address takes its road's number.
    fn trim_edges(&self, text: &str, s: &mut Span) {
        let Some(t) = text.get(s.start..s.end) else {
            return;
        };
        let letters = |h: &str| h.chars().filter(|c| c.is_alphabetic()).count() >= 2;
        match s.category {
            Category::Name => {
                let mut head = t.trim_end();
                while let Some((h, last)) = head.rsplit_once(char::is_whitespace) {
                    let last = last.trim_end_matches(['.', ',']);
                    // not the credentials that are also surnames or shorthand ("TRAN
                    // *DO*", "pa", "pt", "rd")
                    let short = matches!(
                        last.to_lowercase().as_str(),
                        "do" | "pa" | "pt" | "ot" | "mt" | "ct" | "rt" | "rd"
                    );
                    if short || !self.rules.is_sign_credential(last) || !letters(h) {
                        break;
                    }
                    head = h.trim_end_matches([' ', '\t', ',']);
                }
                s.end = s.start + head.len();
            }
            Category::Organization => {
                if let Some((h, last)) = t.trim_end().rsplit_once(char::is_whitespace) {
                    let l = last.to_lowercase();
                    let cut = matches!(
                        l.as_str(),
                        "vs" | "vs."
                            | "versus"
                            | "near"
                            | "in"
                            | "at"
                            | "on"
                            | "from"
                            | "to"
                            | "w/"
                    ) || crate::text::WEEKDAY_ABBREVIATIONS.contains(&l.as_str());
                    if cut && letters(h) {
                        s.end = s.start + h.trim_end().len();
                        return;
                    }
                }
                // (the co-op whose "CO" the model took: "ELECTRIC CO*-OP*")
                if t.to_lowercase().ends_with(" co")
                    && text[s.end..]
                        .get(..3)
                        .is_some_and(|r| r.eq_ignore_ascii_case("-op"))
                {
                    s.end += 3;
                    return;
                }
                // a company's form closes its name ("MAUMEE VALLEY ELECTRIC *CO-OP*",
                // "CONNECTICUT MEDICAL EQUIPMENT *CO*."; not "CO 4.2", cardiac output)
                let Some(r) = text[s.end..].strip_prefix(' ') else {
                    return;
                };
                let w: String = r
                    .chars()
                    .take_while(|c| c.is_alphabetic() || *c == '-')
                    .collect();
                let form = matches!(
                    w.to_lowercase().as_str(),
                    "co" | "co-op"
                        | "coop"
                        | "inc"
                        | "llc"
                        | "corp"
                        | "ltd"
                        | "company"
                        | "cooperative"
                );
                let number = r[w.len()..]
                    .trim_start()
                    .starts_with(|c: char| c.is_ascii_digit());
                if form && !number {
                    s.end += 1 + w.len();
                }
            }
            // a town's second word that names a kind of place goes with it ("SACO
            // *HEIGHTS*", "KINGSBURG *FLATS*, CA", "sisters *junction*")
            Category::Location => {
                let Some(r) = text[s.end..].strip_prefix(' ') else {
                    return;
                };
                let w: String = r.chars().take_while(|c| c.is_alphabetic()).collect();
                let kind = matches!(
                    w.to_lowercase().as_str(),
                    "heights"
                        | "hollow"
                        | "junction"
                        | "point"
                        | "flats"
                        | "creek"
                        | "springs"
                        | "corner"
                        | "corners"
                        | "crossing"
                        | "landing"
                        | "bend"
                        | "ridge"
                        | "mills"
                        | "harbor"
                        | "harbour"
                );
                // ("paxton *falls*, ma", "barnet *center*, vt": words that are verbs or
                // nouns too only where the place's phrase closes after them)
                let closing = matches!(
                    w.to_lowercase().as_str(),
                    "falls" | "center" | "centre" | "village"
                ) && r[w.len()..].starts_with([',', '.', ';', '\n']);
                let closed = !r[w.len()..].starts_with(|c: char| c.is_alphanumeric() || c == '-');
                if (kind || closing) && closed && !t.contains(char::is_whitespace) {
                    s.end += 1 + w.len();
                }
            }
            // a road's number goes with it ("4417 COUNTY ROAD *12*", "HWY *93 N*")
            Category::Address => {
                let last = t.rsplit(char::is_whitespace).next().unwrap_or("");
                let road = matches!(
                    last.to_lowercase().as_str(),
                    "road" | "rd" | "hwy" | "highway" | "route" | "rte" | "rt" | "fm"
                );
                let Some(r) = text[s.end..].strip_prefix(' ') else {
                    return;
                };
                let n = r.chars().take_while(char::is_ascii_digit).count();
                let after = &r[n..];
                let decimal =
                    after.starts_with('.') && after[1..].starts_with(|c: char| c.is_ascii_digit());
                let bounded = after
                    .chars()
                    .next()
                    .is_none_or(|c| !c.is_alphanumeric() && c != '/')
                    && !decimal;
                if road && (1..=4).contains(&n) && bounded {
                    s.end += 1 + n;
                }
            }
            _ => {}
        }
    }

    /// A state's code after a place and a comma ("WASHITA BEND, *OK*. UROSEPSIS",
    /// "FARMINGTON, *NM* 505-555-0126", "Burlington, *VT* staying"): the place found by
    /// any detector, so a town no gazetteer holds takes its state too (the labelling
    /// counts a state where someone lives). A code that is also a word or an
    /// abbreviation ("me", "ok", "or", "ct", "tx") counts where the phrase ends after it
    /// or a ZIP code or phone number follows, or in capitals after a place written in
    /// mixed case; a credential never does ("Houston, MD" reads as a name's).
    fn state_after(&self, text: &str, s: &Span, flat: bool) -> Option<Span> {
        if s.category != Category::Location {
            return None;
        }
        // (a place's span closes with a letter: not "PROLONGED WALKING.,IN ABOUT 1993")
        let place = text.get(s.start..s.end)?;
        if !place.ends_with(char::is_alphabetic) {
            return None;
        }
        let rest = text.get(s.end..)?.strip_prefix(',')?;
        let code_at = s.end + 1 + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        let code = text.get(code_at..code_at + 2)?;
        let after = &text[code_at + 2..];
        if !code.chars().all(|c| c.is_ascii_alphabetic())
            || after.starts_with(|c: char| c.is_alphanumeric())
            || !self.rules.is_us_state(code)
            || self.rules.is_credential(code)
        {
            return None;
        }
        let next = after.trim_start_matches([' ', '\t']);
        let ends = crate::detect::rules::state_phrase_ends(next);
        // a label's word ("MassHealth, ID# 1003…", "MassHealth Standard, ID 1004…": a
        // number that is no ZIP code or phone, "Boston, MA: pending") or a credential's
        // qualifier ("T. Murrill, MT(ASCP)")
        if next.starts_with(['#', ':', '('])
            || (next.starts_with(|c: char| c.is_ascii_digit()) && !ends)
        {
            return None;
        }
        // a laboratory or therapy credential that is a state's code too ("MT", "CT") counts
        // only where the phrase ends
        if self.rules.is_sign_credential(code) && !ends {
            return None;
        }
        let word = self.rules.is_ordinary_word(code) || self.rules.is_allowed_term(code);
        // capitals after a place written in mixed case ("Burlington, VT staying"; an ALL
        // CAPS line says nothing)
        let capitals = !flat
            && code.chars().all(|c| c.is_ascii_uppercase())
            && place.chars().any(char::is_lowercase);
        (ends || capitals || !word).then(|| Span {
            start: code_at,
            end: code_at + 2,
            category: Category::Location,
            score: s.score,
            detector: "rule:place".into(),
        })
    }

    /// A town after a street line and a comma ("9012 RIDGE RD, *BUCK MEADOW* (NAME:",
    /// "1187 CYPRESS LN, *WINTER HAVEN*, LEASE", "4418 PLANK RD, UNIT 6, *BATON
    /// ROUGE* 70805"): the street found by any detector; one to three words, none a
    /// function, clinical or unit word nor a number, capitalised in mixed-case text, a
    /// single word a known place or no ordinary word; then the phrase ends, a comma, a
    /// state's code or a ZIP code follows.
    fn town_after_address(&self, text: &str, s: &Span, flat: bool) -> Option<Span> {
        const UNIT_WORDS: &[&str] = &[
            "apt",
            "apartment",
            "unit",
            "suite",
            "ste",
            "rm",
            "room",
            "floor",
            "fl",
            "bldg",
            "building",
            "lot",
            "trailer",
            "basement",
            "upstairs",
            "downstairs",
            "rear",
            "box",
            "po",
            "rr",
            "hc",
        ];
        if s.category != Category::Address {
            return None;
        }
        let rest = text.get(s.end..)?.strip_prefix(',')?;
        let start = s.end + 1 + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        let mut end = start;
        let mut words: Vec<&str> = Vec::new();
        loop {
            let r = &text[end..];
            let gap = if words.is_empty() {
                0
            } else {
                r.len() - r.trim_start_matches(' ').len()
            };
            if !words.is_empty() && gap != 1 {
                break;
            }
            let w_at = end + gap;
            let w: &str = {
                let r = &text[w_at..];
                let n = r
                    .find(|c: char| !(c.is_alphabetic() || c == '\'' || c == '-'))
                    .unwrap_or(r.len());
                &r[..n]
            };
            // a state's code after the town closes it ("BOSTON MA")
            let code = w.len() == 2 && self.rules.is_us_state(w) && !words.is_empty();
            if w.is_empty() || code || words.len() == 3 {
                break;
            }
            words.push(w);
            end = w_at + w.len();
        }
        let after = text[end..].trim_start_matches([' ', '\t']);
        let next: String = after.chars().take_while(|c| c.is_alphanumeric()).collect();
        let closes = after.is_empty()
            || after.starts_with(['\n', '\r', '.', ',', ';', '('])
            || (next.len() == 5 && next.chars().all(|c| c.is_ascii_digit()))
            || (next.len() == 2 && self.rules.is_us_state(&next));
        let plain = words.iter().all(|w| {
            let l = w.to_lowercase();
            !self.rules.is_function_word(w)
                && !self.rules.is_clinical_word(w)
                && !UNIT_WORDS.contains(&l.as_str())
                && (flat || w.starts_with(char::is_uppercase))
        });
        let single_ok = words.len() > 1
            || words
                .first()
                .is_some_and(|w| self.rules.is_known_place(w) || !self.rules.is_ordinary_word(w));
        (!words.is_empty() && closes && plain && single_ok).then(|| Span {
            start,
            end,
            category: Category::Location,
            score: s.score.min(0.8),
            detector: "rule:place".into(),
        })
    }

    /// The pages whose author lines are searched (the profile's `author_pages`).
    fn author_pages(&self) -> crate::policy::AuthorPages {
        self.config()
            .profile
            .as_ref()
            .and_then(|p| p.author_pages)
            .unwrap_or_default()
    }

    /// Every rule detector over `texts` as one batch, spans mapped back to paragraphs.
    fn rule_spans(&self, texts: &[BlobText]) -> Result<BlobSpans> {
        let batch: Vec<TextUnit<'_>> = texts.iter().map(BlobText::unit).collect();
        let mut spans: Vec<Vec<Span>> = vec![Vec::new(); batch.len()];
        for d in &self.detectors {
            let found = d.detect_batch(&batch)?;
            for (slot, mut f) in spans.iter_mut().zip(found) {
                slot.append(&mut f);
            }
        }
        Ok(texts
            .iter()
            .zip(spans)
            .flat_map(|(b, sp)| b.split(sp))
            .collect())
    }

    /// The NER model over `texts` as one call, its spans through the precision guard and
    /// mapped back to paragraphs (nothing without a model).
    fn ner_spans(&self, texts: &[BlobText], lower: &HashSet<&str>) -> Result<BlobSpans> {
        let Some(ner) = &self.ner else {
            return Ok(Vec::new());
        };
        let units: Vec<TextUnit<'_>> = texts.iter().map(BlobText::unit).collect();
        let mut out = Vec::new();
        for (b, spans) in texts.iter().zip(ner.detect_batch(&units)?) {
            let flat = crate::detect::rules::flat_case(&b.text);
            let spans: Vec<Span> = spans
                .into_iter()
                .map(|s| self.shape_ner(&b.text, s, flat))
                .filter(|s| self.plausible_ner(&b.text, s, lower, flat))
                .map(|s| Self::trim_ner_separator(&b.text, s))
                .collect();
            out.extend(b.split(spans));
        }
        Ok(out)
    }

    /// A learned span's edges: a name trimmed to its name words, joined across a hyphen
    /// and to a surname's closing initial; a ZIP code ended at its last digit, a date
    /// before a clock time.
    pub(super) fn shape_ner(&self, text: &str, s: Span, flat: bool) -> Span {
        let s = self.trim_ner_name(text, s, flat);
        let s = self.extend_ner_initial(text, self.extend_ner_hyphen(text, s));
        let s = Self::relabel_ner_contact(text, Self::extend_ner_plan(text, s));
        let s = self.extend_ner_org_words(text, s);
        let s = Self::trim_ner_shorthand_end(text, Self::extend_ner_saint(text, s));
        let shaped = self.shape_ner_org_place(text, s.clone(), flat);
        // a county the shaping added takes its body's kind after it ("WELD *COUNTY*
        // SHERIFF")
        let s = if shaped.end > s.end {
            self.extend_ner_org_words(text, shaped)
        } else {
            shaped
        };
        let s = Self::extend_county_body(text, s);
        let mut s = Self::trim_ner_date_time(text, Self::trim_ner_zip(text, s));
        trim_number_line(text, &mut s);
        s
    }

    /// In text of one casing, an ordinary word ending in "ed" that is no known name or
    /// place: a verb's past that closes no name ("SANDRA SHOCKED", "VNA ACCEPTED").
    fn flat_verb_past(&self, w: &str, flat: bool) -> bool {
        flat && w.to_lowercase().ends_with("ed")
            && self.rules.is_ordinary_word(w)
            && !self.rules.is_known_name_or_place(w)
    }

    /// A learned organisation ends at its name: a closing "and" or "or" ("hallmark rehab
    /// *and* oak grove") and, in text of one casing, a closing verb's past that is no
    /// known name ("PIONEER VALLEY VNA *ACCEPTED*") leave it, and the "s" of a
    /// possessive opens none ("Pt'*s pharmacy*"). A place or organisation takes the
    /// county or parish after it ("El Paso *County*"); an address takes its apartment or
    /// unit number ("1730 e. 14th st*, #6*").
    pub(super) fn shape_ner_org_place(&self, text: &str, mut s: Span, flat: bool) -> Span {
        if s.category == Category::Organization {
            if let Some(rest) = text[s.start..s.end].strip_prefix(['s', 'S']) {
                let possessive = text[..s.start].ends_with(['\'', '’']);
                let gap = rest.len() - rest.trim_start().len();
                if possessive && gap > 0 && !rest.trim().is_empty() {
                    s.start += 1 + gap;
                }
            }
            loop {
                let t = &text[s.start..s.end];
                let Some(k) = t.trim_end().rfind(char::is_whitespace) else {
                    break;
                };
                let last = t[k..].trim();
                let lower = last.to_lowercase();
                let past = lower.len() >= 5 && self.flat_verb_past(last, flat);
                // what is left keeps two words ("Diabetes, Endocrinology and" stays)
                let left = t[..k].split_whitespace().count();
                if left < 2 || !(matches!(lower.as_str(), "and" | "or" | "&") || past) {
                    break;
                }
                s.end = s.start + t[..k].trim_end().len();
            }
        }
        let after = &text[s.end..];
        if matches!(s.category, Category::Location | Category::Organization) {
            let gap = after.len() - after.trim_start_matches([' ', '\t']).len();
            let word = crate::text::first_word_lower(after);
            let closes = after[gap..]
                .get(word.len()..)
                .is_some_and(|r| !r.starts_with(char::is_alphanumeric));
            if gap > 0 && closes && matches!(word.as_str(), "county" | "parish") {
                s.end += gap + word.len();
            }
        }
        if s.category == Category::Address {
            let rest = after.strip_prefix(',').unwrap_or(after);
            let gap = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            let r = &rest[gap..];
            let word = crate::text::first_word_lower(r);
            let marker = if r.starts_with('#') {
                Some(0)
            } else if matches!(
                word.as_str(),
                "apt" | "apartment" | "suite" | "ste" | "unit"
            ) {
                Some(word.len())
            } else {
                None
            };
            if let (true, Some(m)) = (gap > 0, marker) {
                let v = r
                    .get(m..)
                    .unwrap_or("")
                    .trim_start_matches(['.', ' ', '\t', '#']);
                let n = v
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                    .unwrap_or(v.len());
                if n > 0 && v[..n].chars().any(|c| c.is_ascii_digit()) {
                    s.end = text.len() - (v.len() - n);
                }
            }
        }
        s
    }

    /// A kept learned span does not end in the comma, semicolon or colon after it ("dts
    /// in *03,* sz 2001"); trimmed after the guards, which judge the span as learned.
    pub(super) fn trim_ner_separator(text: &str, mut s: Span) -> Span {
        let t = &text[s.start..s.end];
        let k = t.trim_end_matches([',', ';', ':', ' ', '\t']).len();
        if k > 0 {
            s.end = s.start + k;
        }
        s
    }

    /// A learned organisation or place takes the saint's title before it ("ST." of "ST.
    /// ANSELM'S REHAB") and the possessive after it ("COLUMBA" of "COLUMBA'S").
    pub(super) fn extend_ner_saint(text: &str, mut s: Span) -> Span {
        if !matches!(s.category, Category::Organization | Category::Location) {
            return s;
        }
        let start = crate::detect::rules::saint_start(text, s.start);
        if start < s.start {
            s.start = start;
            let rest = text.get(s.end..).unwrap_or("");
            // the possessive, where the word ends after it
            let possessive = ["'s", "'S", "’s", "’S"].into_iter().find(|p| {
                rest.strip_prefix(p)
                    .is_some_and(|r| r.chars().next().is_none_or(|c| !c.is_alphanumeric()))
            });
            if let Some(p) = possessive {
                s.end += p.len();
            }
        }
        s
    }

    /// A learned name, organisation or place does not end in the letter of a slashed
    /// shorthand ("mercywood *w*/ gi bleed", "s/p", "c/o").
    pub(super) fn trim_ner_shorthand_end(text: &str, mut s: Span) -> Span {
        if !matches!(
            s.category,
            Category::Name | Category::Organization | Category::Location
        ) {
            return s;
        }
        let t = &text[s.start..s.end];
        let Some(k) = t.rfind([' ', '\t']) else {
            return s;
        };
        let last = &t[k + 1..];
        let one_letter = last.chars().count() == 1 && last.chars().all(char::is_alphabetic);
        if one_letter && text[s.end..].starts_with('/') {
            s.end = s.start + t[..k].trim_end().len();
        }
        s
    }

    /// A learned organisation that ends in "health", "care" or "alliance" takes the word
    /// "plan" after it ("HARBOR HEALTH *PLAN*", "commonwealth care alliance *plan*").
    pub(super) fn extend_ner_plan(text: &str, mut s: Span) -> Span {
        if s.category != Category::Organization {
            return s;
        }
        let last = crate::text::last_word_lower(&text[..s.end]);
        let rest = &text[s.end..];
        let Some(after) = rest.strip_prefix(' ') else {
            return s;
        };
        // "plan" is ASCII, so byte 4 after it is a character boundary
        let plan = after
            .get(..4)
            .is_some_and(|w| w.eq_ignore_ascii_case("plan"))
            && after[4..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
        if plan && matches!(last.as_str(), "health" | "care" | "alliance") {
            s.end += 5;
        }
        s
    }

    /// A learned organisation takes a word of its name the encoder left out: a kind of
    /// firm or body right after it ("QUINCY FIRE *DEPT*", "CASCADE TIMBER *PRODUCTS*",
    /// "st. marguerite's *residence*") and a word of geography before it when a
    /// preposition or "w/" comes before that ("AT *UPPER* CUMBERLAND DIABETES CLINIC",
    /// "W/ *OLD* COLONY HOME CARE"); the word written in the casing of the name's word
    /// next to it. "Department", "dept" and "services" join only a name that holds a word
    /// that is no ordinary or clinical word ("Mental Health" does not take "Services": the
    /// pair describes a service, it names no firm).
    pub(super) fn extend_ner_org_words(&self, text: &str, mut s: Span) -> Span {
        const KINDS: &[&str] = &[
            "dept",
            "department",
            "products",
            "residence",
            "services",
            "industries",
            "enterprises",
            "inc",
            "llc",
            "corp",
            "corporation",
            "company",
            // trades ("PASSUMPSIC *TIMBER*", "SUNCOAST *GROCERS*")
            "timber",
            "lumber",
            "roofing",
            "paving",
            "trucking",
            "logging",
            "plumbing",
            "construction",
            "landscaping",
            "grocers",
            "foods",
            "farms",
            "dairy",
            "mills",
            "motors",
            "freight",
            "shipyard",
            "builders",
            "contractors",
            "manufacturing",
            "processors",
            "lube",
            "supply",
        ];
        // kinds of service that close a name of two words or one of no list ("TECHE
        // *DRUG*", "CHURCH HILL MIDDLE *SCHOOL*", "TOWER AREA *AMBULANCE*"; not "VA
        // *PHARMACY*")
        const SERVICE_KINDS: &[&str] = &[
            "school",
            "schools",
            "academy",
            "ambulance",
            "association",
            "assoc",
            "nurses",
            "living",
            "transport",
            "pharmacy",
            "drug",
            "program",
            "shelter",
            "church",
            "chapel",
            // public bodies and services ("WELD COUNTY *SHERIFF*", "GILA MESA COUNTY
            // *JAIL*", "NANVIK TRIBAL HEALTH *CONSORTIUM*"; not "church *mission*")
            "jail",
            "prison",
            "sheriff",
            "police",
            "probation",
            "consortium",
            "mission",
            "paratransit",
            "collaborative",
        ];
        const QUALIFIERS: &[&str] = &[
            "old", "upper", "lower", "middle", "high", "north", "south", "east", "west",
            "northern", "southern", "eastern", "western", "great", "greater", "grand", "cape",
            "central",
        ];
        if s.category != Category::Organization {
            return s;
        }
        let upper_first = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
        let name = &text[s.start..s.end];
        let after = &text[s.end..];
        if let Some(rest) = after.strip_prefix(' ') {
            let word: String = rest.chars().take_while(|c| c.is_alphabetic()).collect();
            let closes = rest[word.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
            let last = name.split_whitespace().last().unwrap_or("");
            let kind = word.to_lowercase();
            let unlisted = name.split_whitespace().any(|w| {
                let w = w.trim_matches(|c: char| !c.is_alphanumeric());
                !self.rules.is_ordinary_word(w) && !self.rules.is_clinical_word(w)
            });
            let named = !matches!(kind.as_str(), "services" | "department" | "dept") || unlisted;
            let service = SERVICE_KINDS.contains(&kind.as_str())
                && (unlisted || name.split_whitespace().count() >= 2);
            if closes
                && (KINDS.contains(&kind.as_str()) || service)
                && named
                && upper_first(&word) == upper_first(last)
            {
                s.end += 1 + word.len();
            }
        }
        let head = &text[..s.start];
        if let Some(before) = head.strip_suffix(' ') {
            let word: String = {
                let w: Vec<char> = before
                    .chars()
                    .rev()
                    .take_while(|c| c.is_alphabetic())
                    .collect();
                w.into_iter().rev().collect()
            };
            let lead = &before[..before.len() - word.len()];
            let opener = crate::text::last_word_lower(lead);
            let led = lead.ends_with("w/ ")
                || lead.ends_with("W/ ")
                || (lead.ends_with(' ')
                    && matches!(
                        opener.as_str(),
                        "at" | "from"
                            | "to"
                            | "with"
                            | "for"
                            | "of"
                            | "per"
                            | "via"
                            | "by"
                            | "through"
                    ));
            let first = name.split_whitespace().next().unwrap_or("");
            if !word.is_empty()
                && led
                && QUALIFIERS.contains(&word.to_lowercase().as_str())
                && upper_first(&word) == upper_first(first)
            {
                s.start -= 1 + word.len();
            }
        }
        s
    }

    /// A learned county or parish takes the public body named after it, and is then that
    /// organisation ("*pike county adult probation*", "ESSEX COUNTY *CRISIS TEAM*", "WELD
    /// COUNTY *SHERIFF*"): up to three words on the same line, the last a body of justice or
    /// a team, commission or coalition, none a function word or a number. (Health, services,
    /// programme, office, board and department were left out: they found nothing more on
    /// the tuning sets and cost a never-tuned set precision.)
    pub(super) fn extend_county_body(text: &str, mut s: Span) -> Span {
        const BODIES: &[&str] = &[
            "team",
            "probation",
            "court",
            "sheriff",
            "jail",
            "commissioner",
            "commission",
            "connection",
            "coalition",
            "corrections",
        ];
        const FUNCTION: &[&str] = &[
            "and", "or", "of", "in", "at", "on", "to", "for", "the", "a", "an", "with", "by",
            "from", "is", "was", "has", "had", "will", "w",
        ];
        if !matches!(s.category, Category::Organization | Category::Location) {
            return s;
        }
        // from the span's last "county" or "parish" ("essex county *crisis*" learned)
        let t = &text[s.start..s.end];
        let Some(k) = t
            .split_whitespace()
            .rev()
            .find(|w| matches!(w.to_lowercase().as_str(), "county" | "parish"))
            .map(|w| w.as_ptr() as usize - text.as_ptr() as usize + w.len())
        else {
            return s;
        };
        let mut end = k;
        let mut found = None;
        for _ in 0..3 {
            let Some(rest) = text[end..].strip_prefix(' ') else {
                break;
            };
            let word: String = rest.chars().take_while(|c| c.is_alphabetic()).collect();
            let closes = rest[word.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric());
            let lower = word.to_lowercase();
            if word.is_empty() || !closes || FUNCTION.contains(&lower.as_str()) {
                break;
            }
            end += 1 + word.len();
            if BODIES.contains(&lower.as_str()) {
                found = Some(end);
            }
        }
        if let Some(e) = found.filter(|&e| e >= s.end) {
            s.end = e;
            s.category = Category::Organization;
        }
        s
    }

    /// A learned name runs from its first name word to its last: words at either end that
    /// are no part of a name leave it ("Dr. Patel *pager*", "Kathy *paged*", "Lisa Marr
    /// *RN*", "*NP* Ortiz"): a function word, title or credential at either end, an
    /// ordinary or clinical word written in lower case at the end of a name in mixed-case
    /// text (in text in one casing nothing tells "PATEL PAGER" from "REBECCA HIDES"),
    /// unless it is also a census name or a known place ("Kim Do", "Kim Son" keep their
    /// surnames); never an initial. The span keeps at least one word.
    pub(super) fn trim_ner_name(&self, text: &str, mut s: Span, flat: bool) -> Span {
        if s.category != Category::Name {
            return s;
        }
        let Some(mut t) = text.get(s.start..s.end) else {
            return s;
        };
        // "fxn.\njen rn": a sentence or field closing before a line break opens no name
        // across it
        if let Some(k) = t.rfind('\n') {
            let after = t[k + 1..].trim_start();
            if t[..k].trim_end().ends_with(['.', ':', ';', ',']) && !after.trim().is_empty() {
                s.start += t.len() - after.len();
                t = after;
            }
        }
        // "BILL (WORCESTER": a bracket closes a name
        if let Some(k) = t.find(['(', ')']).filter(|&k| !t[..k].trim().is_empty()) {
            t = t[..k].trim_end();
            s.end = s.start + (t.as_ptr() as usize - text[s.start..].as_ptr() as usize) + t.len();
        }
        let words: Vec<(usize, &str)> = t
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .filter(|w| !w.is_empty())
            .map(|w| (w.as_ptr() as usize - t.as_ptr() as usize, w))
            .collect();
        // words of how to reach someone or where they are close no name in any casing
        // ("DUBOIS PAGER", "David HCP", "GLORIA HERE", "DR. STRAUSS CLINIC"); those in the
        // stop list (pager, cell, phone, aware, updated, today…) already do as function
        // words
        let contact = |w: &str| {
            matches!(
                w.to_lowercase().as_str(),
                "pgr"
                    | "beeper"
                    | "pager"
                    | "paged"
                    | "hcp"
                    | "here"
                    | "present"
                    | "tonight"
                    | "flying"
                    | "drove"
                    | "driving"
                    | "arrived"
                    | "arriving"
                    | "clinic"
                    | "office"
                    | "tearful"
                    | "upset"
                    | "anxious"
                    | "crying"
                    | "distraught"
                    | "emotional"
                    | "frustrated"
                    | "overwhelmed"
                    | "worried"
                    | "agreeable"
            )
        };
        // a word of letters and digits is none ("X2", "FY1"); `at_end`: an ordinary word
        // that is no known name is no name either there in lower case ("Patel pager"), nor
        // in text of one casing a verb's past that is no known name ("SANDRA SHOCKED"); a
        // capitalised one may be a surname ("Rebecca Hides", "REBECCA HIDES", "Daniela C
        // Capon") and a first name may be an English word ("lea", "mark")
        let not_name = |w: &str, at_end: bool| {
            let code = w.chars().any(|c| c.is_ascii_digit()) && w.chars().any(char::is_alphabetic);
            let no_name = w.chars().count() > 1
                && !self.rules.is_known_name_or_place(w)
                && (self.rules.is_function_word(w)
                    || self.rules.is_credential(w)
                    || (at_end
                        && ((!flat
                            && w.chars().all(char::is_lowercase)
                            && self.rules.is_ordinary_word(w))
                            || self.flat_verb_past(w, flat))));
            code || (!at_end && opens_name(w)) || (at_end && contact(w)) || no_name
        };
        let (mut first, mut last) = (0, words.len());
        // "BOOTHROYD  D.O.B. 08/05/1946": the label of the next field
        let spelled = |k: usize| words.get(k).map(|(_, w)| w.to_ascii_uppercase());
        if last >= 4
            && (spelled(last - 3), spelled(last - 2), spelled(last - 1))
                == (Some("D".into()), Some("O".into()), Some("B".into()))
        {
            last -= 3;
        }
        // a credential after a comma closes a name even when it is also a place code
        // ("T. Murrill, MT(ASCP)"; MT is Montana too)
        let credential_after_comma = |k: usize| {
            k > 0
                && self.rules.is_sign_credential(words[k].1)
                && t[words[k - 1].0 + words[k - 1].1.len()..words[k].0].contains(',')
        };
        // nor is a number standing alone at the end ("DR KIM 2 WKS"; "ENDO-778213" is
        // one reference)
        let number = |k: usize| {
            let (o, w) = words[k];
            w.chars().all(|c| c.is_ascii_digit()) && t[..o].ends_with(char::is_whitespace)
        };
        while last > first + 1
            && (not_name(words[last - 1].1, true)
                || credential_after_comma(last - 1)
                || number(last - 1))
        {
            last -= 1;
        }
        // a word glued to a slash is shorthand, no name ("D/W H. FENTON": discussed with;
        // "s/p", "c/o")
        let slashed = |k: usize| {
            let (o, w) = words[k];
            text[..s.start + o].ends_with('/') || t[o + w.len()..].starts_with('/')
        };
        while last > first + 1 && (not_name(words[first].1, false) || slashed(first)) {
            first += 1;
        }
        // a modal and its verb close no name ("DR. BELIZAIRE WILL SEE PT")
        if let Some(k) = (first + 1..last.saturating_sub(1))
            .find(|&k| crate::text::modal_use(words[k].1, words[k + 1].1))
        {
            last = k;
        }
        if (first, last) != (0, words.len()) {
            let (a, _) = words[first];
            let (b, w) = words[last - 1];
            s.end = s.start + b + w.len();
            s.start += a;
        }
        s
    }

    /// A learned name cut at a hyphen takes the rest of the hyphenated name ("Soo" of
    /// "Soo-Jin", "KAPLAN" of "KAPLAN-REYES"), unless that part is an ordinary word that
    /// is no name ("Patel-approved").
    pub(super) fn extend_ner_hyphen(&self, text: &str, mut s: Span) -> Span {
        if s.category != Category::Name || !text[..s.end].ends_with(|c: char| c.is_alphabetic()) {
            return s;
        }
        let Some(rest) = text.get(s.end..).and_then(|r| r.strip_prefix('-')) else {
            return s;
        };
        let word: &str = &rest[..rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(rest.len())];
        let known = self.rules.is_known_name_or_place(word);
        if word.chars().count() >= 2 && (known || !self.rules.is_ordinary_word(word)) {
            s.end += 1 + word.len();
        }
        s
    }

    /// A learned name followed by the initial of a surname that closes a signature takes
    /// it ("RT DAN O." at the note's end, "mary b. rn", "Kathy D., RN").
    pub(super) fn extend_ner_initial(&self, text: &str, mut s: Span) -> Span {
        if s.category != Category::Name || !text[..s.end].ends_with(|c: char| c.is_alphabetic()) {
            return s;
        }
        let rest = &text[s.end..];
        let Some(after_space) = rest.strip_prefix(' ') else {
            return s;
        };
        let mut chars = after_space.chars();
        let (Some(letter), Some('.')) = (chars.next(), chars.next()) else {
            return s;
        };
        let tail = chars.as_str();
        let next_word = crate::text::first_word_lower(tail);
        let closes = tail.trim_start_matches([' ', '\t']).is_empty()
            || tail.starts_with(['\n', '\r', ','])
            || (tail.starts_with(' ') && self.rules.is_sign_credential(&next_word));
        if letter.is_alphabetic() && closes {
            s.end += 1 + letter.len_utf8() + 1;
        }
        s
    }

    /// A learned date ends before a clock time written after it ("04/06/2019 14:32" is
    /// "04/06/2019"; a time of day is no date).
    pub(super) fn trim_ner_date_time(text: &str, mut s: Span) -> Span {
        if s.category != Category::Date {
            return s;
        }
        let Some(t) = text.get(s.start..s.end) else {
            return s;
        };
        // "INR 12-4 1.2": a decimal value after the date is a lab result, no part of it
        if let Some(k) = t.trim_end().rfind([' ', '\t']) {
            let (head, tail) = (t[..k].trim_end(), t[k..].trim());
            let decimal = tail.split_once('.').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.chars().all(|c| c.is_ascii_digit())
                    && b.chars().all(|c| c.is_ascii_digit())
            });
            if decimal && head.ends_with(|c: char| c.is_ascii_digit()) {
                s.end = s.start + head.len();
                return s;
            }
        }
        // a meridiem after the time, glued or a word of its own ("07:52pm", "07:52 p.m.")
        // and a time zone after that ("16:22 EST")
        let t = t.trim_end();
        let t = match t.rfind([' ', '\t']) {
            Some(k)
                if matches!(
                    t[k + 1..].to_ascii_uppercase().as_str(),
                    "EST"
                        | "EDT"
                        | "CST"
                        | "CDT"
                        | "MST"
                        | "MDT"
                        | "PST"
                        | "PDT"
                        | "GMT"
                        | "BST"
                        | "UTC"
                ) =>
            {
                t[..k].trim_end()
            }
            _ => t,
        };
        let t = t
            .trim_end_matches(['a', 'p', 'm', 'A', 'P', 'M', '.'])
            .trim_end();
        let Some(cut) = t.rfind([' ', '\t']) else {
            return s;
        };
        let (head, tail) = (t[..cut].trim_end(), t[cut..].trim());
        if clock_hm(tail) && head.ends_with(|c: char| c.is_ascii_digit()) {
            s.end = s.start + head.len();
        }
        s
    }

    /// A learned ZIP code ends at its last digit ("43604   tel" is "43604") and starts at
    /// the first word holding a digit ("LICSW X3356" is "X3356"; a UK postcode keeps its
    /// letters).
    pub(super) fn trim_ner_zip(text: &str, mut s: Span) -> Span {
        if s.category == Category::Zip {
            if let Some(k) = text
                .get(s.start..s.end)
                .and_then(|t| t.rfind(|c: char| c.is_ascii_digit()))
            {
                s.end = s.start + k + 1;
            }
            let t = &text[s.start..s.end];
            let first_digit_word = t
                .split_whitespace()
                .enumerate()
                .find(|(_, w)| w.chars().any(|c| c.is_ascii_digit()));
            if let Some((_, w)) = first_digit_word.filter(|&(i, _)| i > 0) {
                s.start += w.as_ptr() as usize - t.as_ptr() as usize;
            }
        }
        s
    }

    /// A learned identifier that is a pager, beeper or extension number, or written as a
    /// US phone number, is a phone number ("PAGER # 41902", "x3-5528", "cell
    /// 508-555-0177"); after "fax"/"faxed" within five words before it, in its sentence
    /// with no other number and no nearer phone word between, a fax number ("WILL FAX TO
    /// ATTY AT 304-555-0158").
    pub(super) fn relabel_ner_contact(text: &str, mut s: Span) -> Span {
        if !matches!(s.category, Category::Id | Category::Phone) {
            return s;
        }
        let t = &text[s.start..s.end];
        let head = text[..s.start].trim_end_matches([' ', '\t', '#', ':', '.']);
        let clause = head
            .rsplit(['.', ';', '\n'])
            .next()
            .unwrap_or(head)
            .rsplit(|c: char| c.is_ascii_digit())
            .next()
            .unwrap_or("");
        let before: Vec<String> = clause
            .rsplit(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(5)
            .map(str::to_lowercase)
            .collect();
        let digits: String = t.chars().filter(char::is_ascii_digit).collect();
        let us_phone = digits.len() == 10
            && t.chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')' | '.'))
            && t.matches(['-', ' ', ')', '.']).count() >= 2;
        // (the nearest of a fax word and a phone word decides: "faxed, call 555-…")
        let nearest = before.iter().find(|w| {
            matches!(
                w.as_str(),
                "fax" | "faxed" | "faxing" | "call" | "called" | "cell" | "phone" | "ph" | "tel"
            )
        });
        if nearest.is_some_and(|w| w.starts_with("fax"))
            && (us_phone || s.category == Category::Phone)
        {
            s.category = Category::Fax;
            return s;
        }
        // "x3-5528": an extension with its x
        let x_number =
            t.starts_with(['x', 'X']) && t[1..].starts_with(|c: char| c.is_ascii_digit());
        if s.category == Category::Id
            && (crate::detect::rules::after_pager_word(text, s.start) || us_phone || x_number)
        {
            s.category = Category::Phone;
        }
        s
    }

    /// Whether a US state's two-letter code at `start..end` stands where addresses put
    /// one: before a ZIP code, after a town (a known place or a word of no word list,
    /// with or without a comma) or after a place word ("from", "in", "lives").
    fn state_code_placed(&self, text: &str, start: usize, end: usize) -> bool {
        let rest = text[end..].trim_start_matches([' ', ',']);
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        if digits == 5 {
            return true;
        }
        let head = text[..start].trim_end().trim_end_matches(',').trim_end();
        let prev = crate::text::last_word_lower(head);
        if prev.is_empty() || !head.ends_with(|c: char| c.is_alphabetic()) {
            return false;
        }
        matches!(
            prev.as_str(),
            "in" | "from" | "to" | "near" | "of" | "lives" | "live" | "moved" | "visiting"
        ) || self.rules.is_known_place(&prev)
            || !self.rules.is_ordinary_word(&prev)
    }

    /// Precision guard for learned spans: a minimum score; in mixed-case text names,
    /// organisations and places must contain a capitalised word (in text written in one
    /// casing, `flat`, the word lists decide instead); a single allow-listed clinical word
    /// is never PHI.
    pub(super) fn plausible_ner(
        &self,
        text: &str,
        s: &Span,
        lower_words: &std::collections::HashSet<&str>,
        flat: bool,
    ) -> bool {
        let Some(t) = text.get(s.start..s.end) else {
            return false;
        };
        if s.score < NER_MIN_SCORE {
            return false;
        }
        // a clock time alone is no date ("at 11:15", "0730 pm" aside)
        if s.category == Category::Date
            && clock_hm(
                t.trim()
                    .trim_end_matches(['a', 'p', 'm', 'A', 'P', 'M', '.', ' ']),
            )
        {
            return false;
        }
        // "Boston Naming Test", "Glasgow Coma Scale", "West Nile virus": a place or an
        // organisation that names an instrument or a disease is no PHI
        // (an organisation of several words is a facility: "Boston Medical Center test
        // results" stays)
        let one_word = !t.trim().contains(char::is_whitespace);
        if (s.category == Category::Location || (s.category == Category::Organization && one_word))
            && crate::text::names_instrument(&text[s.end..])
        {
            return false;
        }
        // a UK doctor's training grade is no postcode, place or organisation ("Dr Tomasz
        // Nowak, ST4 Emergency Medicine", "DR L ASHDOWN ST6 PEM"): ST1-8, CT1-3, FY1-2 not
        // followed by a postcode's inward part ("ST4 6QG")
        if matches!(
            s.category,
            Category::Zip | Category::Location | Category::Organization
        ) && uk_grade(t.trim())
            && !text[s.end..]
                .split_whitespace()
                .next()
                .is_some_and(|w| w.len() == 3 && w.starts_with(|c: char| c.is_ascii_digit()))
        {
            return false;
        }
        // "NPO AFTER MN", "since mn": midnight, no Minnesota
        if s.category == Category::Location
            && t.trim().eq_ignore_ascii_case("mn")
            && matches!(
                crate::text::last_word_lower(&text[..s.start]).as_str(),
                "after" | "since" | "until" | "till" | "before" | "at" | "by" | "past"
            )
        {
            return false;
        }
        // a US state the model calls a place stays (Safe Harbor keeps states, but the
        // model's place spans often run "City, ST"): "OR", "TX" are words too. A state's
        // two-letter code stays only where an address or a place word puts it ("Nashua,
        // NH", "lives in PA", "MA 02150"; not "CABG 98, MI '92", "HEAD CT")
        if s.category == Category::Location && self.rules.is_us_state(t.trim()) {
            return t.trim().len() > 2 || self.state_code_placed(text, s.start, s.end);
        }
        // any other place of one or two letters is an abbreviation ("NA", sodium)
        if s.category == Category::Location && t.trim().chars().count() <= 2 {
            return false;
        }
        let words: Vec<&str> = t
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        let person_or_place = matches!(
            s.category,
            Category::Name | Category::Organization | Category::Location
        );
        if words.len() == 1
            && (self.rules.is_allowed_term(words[0])
                || (person_or_place && self.rules.is_function_word(words[0]))
                || (matches!(s.category, Category::Name | Category::Organization)
                    && opens_name(words[0])))
        {
            return false;
        }
        // "BP ROSE TO 160S", "lactate rose from 1.2": a word that is also a verb before a
        // number it moved to or from; "NO FRANK BLOOD": an adjective after a negation;
        // "HER FAITH KEEPS HER GOING", "his will": a noun after a possessive
        if s.category == Category::Name && words.len() == 1 && self.rules.is_ordinary_word(words[0])
        {
            let mut after = text[s.end..].split_whitespace();
            let moved = after
                .next()
                .is_some_and(|w| w.eq_ignore_ascii_case("to") || w.eq_ignore_ascii_case("from"))
                && after
                    .next()
                    .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_digit()));
            let prior = crate::text::last_word_lower(&text[..s.start]);
            let negated = matches!(prior.as_str(), "no" | "without");
            let possessed = matches!(
                prior.as_str(),
                "her" | "his" | "their" | "my" | "our" | "your" | "its"
            );
            if moved || negated || possessed {
                return false;
            }
        }
        // a range of clock times ("DAD IN 0100-0230") is no number of any kind
        let trimmed = t.trim();
        if matches!(
            s.category,
            Category::Phone | Category::Fax | Category::Id | Category::Zip
        ) && crate::text::clock_range(trimmed)
        {
            return false;
        }
        // a frequency ("2x/wk", "X3") is no date, name or number of any kind
        let digits_x = trimmed.trim_start_matches(['x', 'X']);
        let digits_x = digits_x.trim_end_matches(['x', 'X']);
        if trimmed.len() > digits_x.len()
            && !digits_x.is_empty()
            && digits_x.chars().all(|c| c.is_ascii_digit())
            && digits_x.len() <= 2
        {
            return false;
        }
        // a bare clock time ("0700", "1400") is no identifier or phone number (a house
        // number may look like one)
        let clock = crate::text::bare_clock(t);
        if clock && matches!(s.category, Category::Id | Category::Phone) {
            return false;
        }
        // a shift written as two clock times ("NOTE 1900-0700") holds no year
        let shift_after = text[s.end..]
            .strip_prefix('-')
            .is_some_and(|r| r.get(..4).is_some_and(crate::text::bare_clock));
        let shift_before = text[..s.start].strip_suffix('-').is_some_and(|h| {
            h.len() >= 4 && h.get(h.len() - 4..).is_some_and(crate::text::bare_clock)
        });
        if clock && s.category == Category::Date && (shift_after || shift_before) {
            return false;
        }
        // "EXTUBATED AT 2015", "called at 0100": a clock time after "at" is no year, age,
        // ZIP code or house number; a house number has a street's name and type after it
        // ("at 1930 Elm St"; not "at 1930 w/ Dr. Halvorsen")
        let street_follows = || {
            text[s.end..]
                .split_whitespace()
                .take(3)
                .map(|w| w.trim_end_matches([',', '.']))
                .take_while(|w| w.chars().all(char::is_alphabetic))
                .skip(1)
                .any(|w| STREET_WORDS.contains(&w.to_lowercase().as_str()))
        };
        if clock
            && matches!(
                s.category,
                Category::Date | Category::Zip | Category::Address | Category::Age
            )
            && matches!(
                text[..s.start].trim_end().rsplit([' ', '\t', '\n']).next(),
                Some(w) if w.eq_ignore_ascii_case("at") || w == "@" || w == "~"
            )
            && !street_follows()
        {
            return false;
        }
        // nor after a word that times it or a date, where no street follows ("ARRIVAL 1342
        // VIA FORT BEND COUNTY EMS", "TIME IN 1015 / OUT 1150", "07/19/2023 2240⏎PT NAME";
        // a four-digit postcode after its town stays: "Sydney NSW 2000")
        let timed = {
            let head = text[..s.start].trim_end_matches([' ', '\t']);
            let prev = head.rsplit(char::is_whitespace).next().unwrap_or("");
            let dated = prev.contains('/') && prev.chars().any(|c| c.is_ascii_digit());
            dated
                || matches!(
                    prev.to_lowercase().as_str(),
                    "arrival"
                        | "arrived"
                        | "ed"
                        | "er"
                        | "pacu"
                        | "out"
                        | "in"
                        | "time"
                        | "until"
                        | "till"
                        | "since"
                        | "by"
                        | "after"
                        | "before"
                        | "approx"
                        | "around"
                        | "between"
                )
        };
        if clock
            && timed
            && matches!(s.category, Category::Zip | Category::Address)
            && !street_follows()
        {
            return false;
        }
        // "DATE: THURS 10/12/2023": a weekday alone is no place or organisation
        if matches!(s.category, Category::Location | Category::Organization) && {
            crate::text::weekday_word(&trimmed.trim_end_matches('.').to_lowercase())
        } {
            return false;
        }
        // "1400-*1530*", "⏎*0950* scheduled home visit": the end of a span of time, or a
        // clock time opening a line, is no ZIP
        if s.category == Category::Zip && crate::text::bare_clock(trimmed) && {
            let line = text[..s.start].rsplit('\n').next().unwrap_or("");
            let word = text[..s.end].rsplit([' ', '\t', '\n']).next().unwrap_or("");
            line.trim().is_empty() || crate::text::clock_range(word)
        } {
            return false;
        }
        // an obstetric history ("G2P1001", "g3p2002") and a coma scale's parts ("e3v4m6")
        // are no identifiers
        if obstetric_formula(trimmed) || (s.category == Category::Id && coma_scale(trimmed)) {
            return false;
        }
        // "PS 10/PEEP 5": a number slashed to a clinical word is a setting, no date
        let slashed_word = t.match_indices('/').any(|(k, _)| {
            let after: String = t[k + 1..]
                .chars()
                .take_while(|c| c.is_alphabetic())
                .collect();
            let before: String = t[..k]
                .chars()
                .rev()
                .take_while(|c| c.is_alphabetic())
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            [after, before].iter().any(|w| {
                w.chars().count() > 1 && self.rules.is_clinical_word(w) && !is_month_or_weekday(w)
            })
        });
        if s.category == Category::Date && slashed_word {
            return false;
        }
        // "BP 118/62", "2/7 WKS", "chest pressure 4/10": a measurement, no month and day
        if s.category == Category::Date
            && crate::detect::rules::month_day_is_measure(text, s.start, s.end)
        {
            return false;
        }
        // the policy decides which ages are PHI (Safe Harbor: 90 and over); a number after a
        // comparison sign is a measurement ("SBP <90")
        // nor is a number no one lives to, unless it could be a year ("AT 1400": a time)
        if s.category == Category::Age
            && (t
                .trim()
                .parse::<u32>()
                .is_ok_and(|a| a < self.cfg.min_age || (a > 125 && !(1880..=2100).contains(&a)))
                || text[..s.start]
                    .trim_end()
                    .ends_with(['<', '>', '=', '≤', '≥']))
        {
            return false;
        }
        // In ALL CAPS or all lower case the casing says nothing: a name, organisation or
        // place made only of ordinary or clinical words ("KAYEXALATE", "LS CLEAR", "cont")
        // is not one.
        // A census name or a known place among them keeps a name or place ("BROWN",
        // "MILL VILLAGE"); an organisation of several words keeps unless every word is
        // clinical ("RAPID CYCLE SOLUTIONS" stays, "LS CLEAR" goes).
        // a single letter among ordinary words is shorthand ("r ij swan": right IJ)
        let ordinary = |w: &&str| self.rules.is_ordinary_word(w) || w.chars().count() == 1;
        let dropped = match s.category {
            // a census surname that is also a word keeps no span of shorthand in which an
            // allow-listed clinical term stands ("r ij swan", "trach mask"); a first name does
            Category::Name | Category::Location => {
                let shorthand = words.len() >= 2
                    && words.iter().any(|w| self.rules.is_allowed_term(w))
                    && !words.iter().any(|w| self.rules.is_known_first_name(w));
                words.iter().all(ordinary)
                    && (shorthand || !words.iter().any(|w| self.rules.is_known_name_or_place(w)))
            }
            Category::Organization if words.len() == 1 => words.iter().all(ordinary),
            Category::Organization => words.iter().all(|w| self.rules.is_clinical_word(w)),
            _ => false,
        };
        if dropped && words.iter().all(|w| crate::detect::rules::flat_case(w)) {
            return false;
        }
        // in any casing: a department named by its specialty is no organisation
        // ("Department of Colorectal Surgery", "Head and Neck Surgery", "Respiratory
        // Medicine"): a department word or medicine/surgery, and every word a clinical or
        // department word or and/of/the/for ("Foundation Medical Partners" stays)
        let department = |w: &&str| {
            matches!(
                w.to_lowercase().as_str(),
                "department" | "dept" | "unit" | "service" | "division" | "medicine" | "surgery"
            )
        };
        if s.category == Category::Organization
            && words.len() >= 2
            && words.iter().any(department)
            && words.iter().all(|w| {
                self.rules.is_clinical_word(w)
                    || department(w)
                    || matches!(
                        w.to_lowercase().as_str(),
                        "services" | "ward" | "team" | "and" | "of" | "the" | "for"
                    )
            })
        {
            return false;
        }
        // opening hours are no date ("Monday to Friday", "MON-FRI"): weekdays alone, with
        // "to"/"through"/"-" between them or to the next weekday after the span
        let weekday = |w: &str| {
            let l = w.to_lowercase();
            crate::text::WEEKDAYS
                .iter()
                .any(|d| l == *d || (l.len() == 3 && d.starts_with(l.as_str())))
        };
        if s.category == Category::Date
            && words.iter().all(|w| {
                weekday(w) || matches!(w.to_lowercase().as_str(), "to" | "through" | "thru")
            })
        {
            let next: Vec<&str> = text[s.end..]
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .take(2)
                .collect();
            let range_after = match next.as_slice() {
                [w, d, ..] if matches!(w.to_lowercase().as_str(), "to" | "through" | "thru") => {
                    weekday(d)
                }
                [d, ..] => text[s.end..].trim_start().starts_with('-') && weekday(d),
                _ => false,
            };
            let range_before = {
                let head = text[..s.start].trim_end();
                let to_at = head.len().saturating_sub(3);
                let head = head
                    .strip_suffix('-')
                    .or_else(|| {
                        head.get(to_at..)
                            .is_some_and(|t| t.eq_ignore_ascii_case(" to"))
                            .then(|| &head[..to_at])
                    })
                    .map(str::trim_end);
                head.is_some_and(|h| {
                    weekday(
                        h.rsplit(|c: char| !c.is_alphanumeric())
                            .next()
                            .unwrap_or(""),
                    )
                })
            };
            // a weekday right before the date it names is no part of it ("Date seen:
            // Thursday 16th January 2025": the date is found on its own)
            let date_after = words.len() == 1
                && text[s.end..]
                    .trim_start_matches([',', '.', ' '])
                    .split_whitespace()
                    .next()
                    .is_some_and(|w| {
                        w.starts_with(|c: char| c.is_ascii_digit())
                            || crate::text::MONTHS
                                .iter()
                                .any(|m| w.to_lowercase().starts_with(&m[..3]))
                    });
            if words.iter().filter(|w| weekday(w)).count() >= 2
                || range_after
                || range_before
                || date_after
            {
                return false;
            }
        }
        // a modal verb is no name ("WILL BE IN AM")
        if s.category == Category::Name && crate::text::modal_use(t, &text[s.end..]) {
            return false;
        }
        // a word-name after a determiner, a possessive or "has" is the word ("SHE HAS
        // *FAITH* SHE CAN", "no *hope* of", "her *will*"), not after a relation's word
        if s.category == Category::Name
            && words.len() == 1
            && self.rules.is_ordinary_word(words[0])
            && matches!(
                crate::text::last_word_lower(&text[..s.start]).as_str(),
                "has"
                    | "have"
                    | "had"
                    | "the"
                    | "a"
                    | "an"
                    | "no"
                    | "any"
                    | "some"
                    | "her"
                    | "his"
                    | "my"
                    | "your"
                    | "their"
                    | "our"
                    | "its"
            )
        {
            return false;
        }
        // a contraction is no name ("I CAN'T DO ANYTHING")
        if s.category == Category::Name && crate::text::has_contraction(t) {
            return false;
        }
        // a credential alone is no name ("ck/rn"), nor is a short word closing a signature
        // after one ("D. BOUCHARD, RN, *CDCES*", "m. cabral, rn, *cohn*")
        let named = matches!(
            s.category,
            Category::Name | Category::Location | Category::Organization
        );
        let after_credential = || {
            let head = text[..s.start].trim_end_matches([' ', '\t']);
            let Some(head) = head.strip_suffix(',') else {
                return false;
            };
            let prev = crate::text::last_word_lower(head.trim_end());
            let closes = text[s.end..]
                .trim_start_matches([' ', '\t'])
                .chars()
                .next()
                .is_none_or(|c| matches!(c, '\n' | '\r' | ',' | ';' | '/' | '-'));
            words.len() == 1
                && words[0].len() <= 7
                && words[0].chars().all(|c| c.is_alphabetic() || c == '-')
                && closes
                && self.rules.is_sign_credential(&prev)
        };
        let credential = s.category == Category::Name
            && (words.len() == 1 && self.rules.is_credential(words[0])
                || self.rules.is_credential(&t.trim().replace('.', "")));
        if credential || (named && after_credential()) {
            return false;
        }
        // a code of a letter or two and digits is no name ("X2", "FY1")
        if s.category == Category::Name
            && words.len() == 1
            && words[0].chars().any(|c| c.is_ascii_digit())
            && words[0].chars().filter(|c| c.is_alphabetic()).count() <= 2
        {
            return false;
        }
        // an eponym is no person or organisation ("Hartmann's procedure", "BRANDT-DAROFF
        // EXERCISES", "Reed-Sternberg cells"): one word, or names joined by a hyphen, before
        // an eponym's noun, or a noun that closes the span itself
        let one_token = !t.trim().contains(char::is_whitespace);
        let noun_after =
            || crate::text::eponym_noun(&crate::text::first_word_lower(&text[s.end..]));
        if matches!(s.category, Category::Name | Category::Organization)
            && ((one_token
                && (crate::propagate::eponym_use(text, s.end)
                    || (t.contains('-') && noun_after())))
                || (words.len() >= 2 && words.last().is_some_and(|w| crate::text::eponym_noun(w))))
        {
            return false;
        }
        // in any casing: a one-word "name" that is an ordinary or clinical word and no
        // known name or place ("Palpation")
        if s.category == Category::Name
            && words.len() == 1
            && self.rules.is_ordinary_word(words[0])
            && !self.rules.is_known_name_or_place(words[0])
        {
            return false;
        }
        // in any casing: one word that is an ordinary word misread by OCR ("VISLT",
        // "RECOVCRY") and no known name or place is no name, organisation or place
        if person_or_place
            && words.len() == 1
            && !self.rules.is_known_name_or_place(words[0])
            && !self.rules.is_ordinary_word(words[0])
            && self.rules.is_ocr_misread_ordinary(words[0])
        {
            return false;
        }
        // in any casing: a one-word "organisation" that is clinical vocabulary — a
        // specialty or a profession ("Cardiology", "Consultant Cardiologist") — is none
        if s.category == Category::Organization
            && words.len() == 1
            && self.rules.is_clinical_word(words[0])
        {
            return false;
        }
        // the span is the start of a decimal number ("TMAX 101.6", "42/1.8")
        let decimal_follows = text[s.end..].starts_with('.')
            && text[s.end + 1..].starts_with(|c: char| c.is_ascii_digit());
        match s.category {
            Category::Name | Category::Organization | Category::Location
                if !flat
                    && words.len() == 1
                    && lower_words.contains(words[0].to_lowercase().as_str()) =>
            {
                false
            }
            Category::Organization | Category::Location
                if words.len() == 1 && s.score < NER_SINGLE_WORD_PLACE =>
            {
                false
            }
            // capitalised, or several words the model is sure of; in text written in one
            // casing the capitals say nothing (the ordinary-word guard above decided)
            Category::Name | Category::Organization | Category::Location => {
                flat || words
                    .iter()
                    .any(|w| w.chars().next().is_some_and(char::is_uppercase))
                    || (words.len() >= 2 && s.score >= NER_LOWER_CASE)
            }
            // an address has a number; one clinical abbreviation or code is none ("Q4H",
            // "Q1H"), nor are measurements ("isolette 33.0", "TEMP 36.9-37.3")
            Category::Address => {
                let code = words.len() == 1
                    && (self.rules.is_clinical_word(words[0])
                        || (words[0].len() <= 4 && words[0].chars().any(char::is_alphabetic)));
                t.chars().any(|c| c.is_ascii_digit()) && !code && !has_decimal(t)
            }
            // a phone, pager or extension has four digits or more, and no clock time
            // ("8.30am to 4.30pm") or measurement ("PH >7.25") is one
            Category::Phone => t.chars().filter(char::is_ascii_digit).count() >= 4 && !has_clock(t),
            // a short number after a room's word is the room ("RM *6*B", "rm *108*")
            Category::Zip => {
                let digits = t.chars().filter(char::is_ascii_digit).count();
                let room = matches!(
                    crate::text::last_word_lower(&text[..s.start]).as_str(),
                    "rm" | "room" | "bed" | "bay" | "apt" | "ste" | "suite" | "unit"
                );
                digits > 0 && (digits >= 4 || !room)
            }
            Category::Age => t.chars().any(|c| c.is_ascii_digit()),
            // an identifier has a few digits ("X3", "A&OX3", "RIJ" are not identifiers)
            // (nor part of a decimal number: "TMAX 101.6")
            // (nor a shift's clock range: "0700-1900  2-14")
            Category::Id => {
                let digits = t.chars().filter(char::is_ascii_digit).count();
                let shift = t
                    .split_whitespace()
                    .next()
                    .is_some_and(crate::text::clock_range);
                let decimal = decimal_follows || (has_decimal(t) && digits <= 5);
                digits >= 3 && !decimal && !shift
            }
            // a date needs a digit or a month or weekday name ("exacerbation" is no date);
            // times, vital-sign ranges and shift times are not dates (0600, 89-109, 7P-7A)
            // part of a longer number is no date either ("7.38/40/98", an ABG)
            Category::Date => {
                // "42/1.8": a slash and a decimal, or a decimal running on after it
                let in_decimal = (t.contains('/') && has_decimal(t)) || decimal_follows;
                (t.chars().any(|c| c.is_ascii_digit())
                    || words.iter().any(|w| is_month_or_weekday(w)))
                    && !time_or_range(t)
                    && !text[..s.start].ends_with(|c: char| {
                        c.is_ascii_digit() || matches!(c, '.' | '/' | '-' | '<' | '>')
                    })
                    && !short_decimal(t)
                    && !in_decimal
                    && !per_hours(t)
                    && !clock_after_event(text, s.start, t)
                    && !gestational_or_secondary(text, s.start, s.end)
            }
            // e-mail, URL, IP, SSN, fax: some digit, capital or symbol, never a plain
            // lower-case word
            _ => t.chars().any(|c| !c.is_lowercase() && !c.is_whitespace()),
        }
    }

    /// Hybrid search: fold propagated hits into `entities` (lexical half), with the hits
    /// lexical search cannot decide settled by the NER encoder's contextual embeddings
    /// when it is loaded (semantic half, [`crate::propagate::semantic`]).
    pub fn propagate(&self, units: &[TextUnit<'_>], entities: &mut Vec<Entity>) -> Result<()> {
        let texts: Vec<&str> = units.iter().map(|u| u.text).collect();
        let rules = self.rules.clone();
        let mut ambiguous = propagate::propagate(
            &texts,
            entities,
            &self.cfg.propagate,
            &|w| rules.is_allowed_term(w),
            &|w| rules.is_ordinary_word(w),
        );
        ambiguous.retain(|h| !time_of_year(texts[h.para], h.start, h.end, h.category));
        if ambiguous.is_empty() {
            return Ok(());
        }
        // the encoder, when one is loaded and the semantic half is on (a threshold above 1
        // turns it off: the lexical rule decides, as without an encoder — for measuring
        // what the semantic half adds)
        let encoder = self.ner.as_deref().filter(|n| {
            self.cfg.propagate.semantic_threshold <= 1.0 && n.embed_spans(&[]).is_some()
        });
        let embed = |spans: &[crate::types::SpanRef<'_>]| -> Result<Vec<Vec<f32>>> {
            encoder
                .and_then(|n| n.embed_spans(spans))
                .unwrap_or_else(|| Ok(Vec::new()))
        };
        let accepted = crate::propagate::semantic::decide(
            &texts,
            entities,
            ambiguous,
            &self.cfg.propagate,
            encoder.map(|_| &embed as crate::propagate::semantic::Embed<'_>),
        )?;
        propagate::fold(entities, accepted);
        Ok(())
    }

    /// Detection, the policy and profile ([`Engine::apply_policy`], the deny-list added),
    /// propagation, the policy again: what the PDF path does without a reviewer.
    pub fn analyse(&self, units: &[TextUnit<'_>], blobs: &[HeadingBlob]) -> Result<Vec<Entity>> {
        let texts: Vec<&str> = units.iter().map(|u| u.text).collect();
        let mut entities = self.detect(units, blobs)?;
        self.apply_policy(&texts, &mut entities, true);
        self.propagate(units, &mut entities)?;
        self.apply_policy(&texts, &mut entities, false);
        Ok(entities)
    }

    /// The policy's and the site profile's choices on detections: a detection of a
    /// category the policy keeps, scoring below the profile's minimum for its category, or
    /// whose text is exactly an allow-listed term leaves `entities`; with `deny`, every
    /// occurrence of a deny-listed term joins (before propagation, so its other forms are
    /// searched too). Returns the detections the policy keeps (quasi-identifiers left in
    /// the document, for the risk score).
    pub(super) fn apply_policy(
        &self,
        texts: &[&str],
        entities: &mut Vec<Entity>,
        deny: bool,
    ) -> Vec<Entity> {
        let rules = &self.cfg.rules;
        let profile = self.cfg.profile.as_ref();
        if deny {
            if let Some(p) = profile {
                let terms: Vec<crate::review::AddedTerm> = p
                    .deny_terms()
                    .into_iter()
                    .map(|(category, text)| crate::review::AddedTerm {
                        text: text.to_string(),
                        category,
                    })
                    .collect();
                let next = entities.iter().map(|e| e.id + 1).max().unwrap_or(0);
                let found = crate::review::term_entities(
                    &terms,
                    texts,
                    next,
                    crate::detector::PROFILE_SOURCE,
                );
                // a term already inside a detection of its category adds nothing
                let new: Vec<Entity> = found
                    .into_iter()
                    .filter(|t| {
                        !entities.iter().any(|e| {
                            e.para == t.para
                                && e.category == t.category
                                && e.start <= t.start
                                && t.end <= e.end
                        })
                    })
                    .collect();
                entities.extend(new);
            }
        }
        let mut kept = Vec::new();
        entities.retain(|e| {
            if rules.keep.contains(&e.category) && !e.mixed() {
                kept.push(e.clone());
                return false;
            }
            let Some(p) = profile else { return true };
            if e.score < p.min_score(e.category) {
                return false;
            }
            let text = texts.get(e.para).and_then(|t| t.get(e.start..e.end));
            !text.is_some_and(|t| p.allows(t))
        });
        kept
    }

    /// Name- or place-like words of `text` outside every entity of `entities` (those of
    /// this text): a census name or a known place that is no ordinary or clinical word,
    /// capitalised where the text has both casings. A risk input: candidates the
    /// detectors did not take.
    pub fn candidates_left<'e>(
        &self,
        text: &str,
        entities: impl Iterator<Item = &'e Entity> + Clone,
    ) -> usize {
        let flat = crate::detect::rules::flat_case(text);
        let mut n = 0;
        let mut start = 0;
        for w in text.split(|c: char| !c.is_alphabetic()) {
            let (s, e) = (start, start + w.len());
            start = e + text[e..].chars().next().map_or(0, char::len_utf8);
            if w.chars().count() < 3
                || (!flat && !w.chars().next().is_some_and(char::is_uppercase))
                || entities.clone().any(|x| x.start < e && s < x.end)
            {
                continue;
            }
            if self.rules.is_known_name_or_place(w)
                && !self.rules.is_ordinary_word(w)
                && !self.rules.is_clinical_word(w)
            {
                n += 1;
            }
        }
        n
    }

    /// Text mode's document risk ([`crate::risk::text_document_risk`]).
    pub fn text_risk(&self, text: &str, entities: &[Entity]) -> crate::risk::RiskReport {
        let left = self.candidates_left(text, entities.iter());
        crate::risk::text_document_risk(text, entities, left, &self.cfg.risk)
    }

    /// Text mode: each text is its own document (one unit, one blob).
    pub fn detect_texts(&self, texts: &[&str]) -> Result<Vec<Vec<Entity>>> {
        texts
            .iter()
            .map(|t| {
                let units = [TextUnit {
                    text: t,
                    page: None,
                    is_heading: false,
                }];
                let blob = [HeadingBlob {
                    id: 0,
                    paragraphs: vec![0],
                }];
                self.analyse(&units, &blob)
            })
            .collect()
    }
}

/// A name ends before its possessive ("dr. kowalski*'s* office"): the "'s" is no part of
/// it.
fn trim_possessive(text: &str, s: &mut Span) {
    if s.category != Category::Name {
        return;
    }
    let Some(t) = text.get(s.start..s.end) else {
        return;
    };
    let cut = ["'s", "’s", "'S", "’S"]
        .iter()
        .find_map(|p| t.strip_suffix(p).map(|rest| t.len() - rest.len()));
    if let Some(cut) = cut {
        if t[..t.len() - cut]
            .chars()
            .filter(|c| c.is_alphabetic())
            .count()
            >= 2
        {
            s.end -= cut;
        }
    }
}

/// Parts of a workplace that close no employer's name ("works at Nissan *plant*", "SAFEWAY
/// *DELI*", "LIBERTY MUTUAL *CLAIMS*", "Tufts *supplement*").
const WORKPLACE_PARTS: &[&str] = &[
    "plant",
    "deli",
    "warehouse",
    "factory",
    "claims",
    "crew",
    "kitchen",
    "cafeteria",
    "supplement",
    "basement",
];

/// An organisation of two words or more ends before a closing part of a workplace, before
/// the emergency department it sent a patient from ("OUR LADY OF THE BAYOU *ED*", "MERCY
/// *ER*") and before a distribution centre ("SHAW'S *DISTRIBUTION CTR*").
fn trim_workplace_part(text: &str, s: &mut Span) {
    if s.category != Category::Organization {
        return;
    }
    let Some(t) = text.get(s.start..s.end) else {
        return;
    };
    let Some((head, last)) = t.trim_end().rsplit_once(char::is_whitespace) else {
        return;
    };
    let last = last.to_lowercase();
    let mut head = head.trim_end();
    if matches!(last.as_str(), "center" | "ctr" | "centre") {
        match head.rsplit_once(char::is_whitespace) {
            Some((h, w)) if w.eq_ignore_ascii_case("distribution") => head = h.trim_end(),
            _ => return,
        }
    } else if !WORKPLACE_PARTS.contains(&last.as_str()) && last != "ed" && last != "er" {
        return;
    }
    if !head.trim().is_empty() {
        s.end = s.start + head.len();
    }
}

/// A name or organisation opens after a title, a role or a relation's shorthand ("*DAU*
/// GRACE", "*DR.* LINDQVIST"; `opens_name`).
fn trim_title(text: &str, s: &mut Span) {
    if !matches!(s.category, Category::Name | Category::Organization) {
        return;
    }
    while let Some((first, rest)) = text
        .get(s.start..s.end)
        .and_then(|t| t.split_once(char::is_whitespace))
    {
        let rest_trim = rest.trim_start();
        // a surname before its comma stays ("HO, WEI")
        if first.ends_with(',')
            || !opens_name(first.trim_end_matches(['.', ':']))
            || rest_trim.is_empty()
        {
            return;
        }
        s.start = s.end - rest_trim.len();
    }
}

/// A season or a time of day after a word that times it is no name ("at *dawn*", "last
/// *summer*", "all *SUMMER*", "since *spring*"), found or propagated; "by", "after" and the
/// like lead to a person as often ("visited by summer").
fn time_of_year(text: &str, start: usize, end: usize, category: Category) -> bool {
    let Some(t) = text.get(start..end) else {
        return false;
    };
    category == Category::Name
        && matches!(
            t.to_lowercase().as_str(),
            "summer" | "winter" | "spring" | "autumn" | "fall" | "dawn" | "dusk" | "noon"
        )
        && matches!(
            crate::text::last_word_lower(&text[..start]).as_str(),
            "at" | "last"
                | "all"
                | "this"
                | "next"
                | "since"
                | "in"
                | "until"
                | "till"
                | "early"
                | "late"
                | "each"
                | "every"
                | "the"
                | "mid"
                | "past"
        )
}

/// A title, role or relation's shorthand alone is no name, organisation or place ("LOCAL
/// CONTACT IS *GRANDDAU* SAVANNAH", "ck/*rn*"); a place of two letters is a state's code
/// ("KING OF PRUSSIA, *PA* 19406").
fn title_alone(text: &str, s: &Span) -> bool {
    let Some(w) = text
        .get(s.start..s.end)
        .map(|t| t.trim().trim_end_matches(['.', ':', ',']))
    else {
        return false;
    };
    // after a title it is a surname ("SEEN BY DR *LAWYER*")
    let titled = opens_name(&crate::text::last_word_lower(&text[..s.start]));
    match s.category {
        Category::Name | Category::Organization => opens_name(w) && !titled,
        Category::Location => w.chars().count() > 2 && opens_name(w) && !titled,
        _ => false,
    }
}

/// An organisation's initials in brackets right after it name it too ("MERRIMACK VALLEY
/// MED CTR (MVMC)", "AROOSTOOK VALLEY HOSPITAL (AVH)"); the later mentions are found by
/// propagation.
fn acronym_after(text: &str, s: &Span) -> Option<Span> {
    if s.category != Category::Organization {
        return None;
    }
    let t = text.get(s.start..s.end)?;
    let rest = &text[s.end..];
    let open = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let inner_at = s.end + open + 1;
    let inner = text.get(s.end + open..)?.strip_prefix('(')?;
    let close = inner.find(')')?;
    let acronym = &inner[..close];
    if !(2..=6).contains(&acronym.len()) || !acronym.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let initials: String = t
        .split(|c: char| c.is_whitespace() || c == '-')
        .filter(|w| {
            !w.is_empty()
                && !matches!(
                    w.to_lowercase().as_str(),
                    "of" | "the" | "and" | "&" | "at" | "for"
                )
        })
        .filter_map(|w| w.chars().next())
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_uppercase)
        .collect();
    (initials.len() >= 2 && acronym.to_ascii_uppercase() == initials).then(|| Span {
        start: inner_at,
        end: inner_at + close,
        category: Category::Organization,
        score: s.score,
        detector: "rule:org".into(),
    })
}

/// A phone number and its extension are two numbers; the word between them is no PHI
/// ("508-555-0145 *ext* 12", "(603) 555-0199 x 4410"): the span ends before the word and
/// the extension's digits are returned as a span of their own.
fn split_extension(text: &str, s: &mut Span) -> Option<Span> {
    if !matches!(s.category, Category::Phone | Category::Fax) {
        return None;
    }
    let t = text.get(s.start..s.end)?;
    let words: Vec<(usize, &str)> = t
        .split_whitespace()
        .map(|w| (w.as_ptr() as usize - t.as_ptr() as usize, w))
        .collect();
    let (i, (at, _)) = words.iter().enumerate().skip(1).find(|(_, (_, w))| {
        matches!(
            w.trim_end_matches(['.', ':']).to_lowercase().as_str(),
            "ext" | "x" | "extension"
        )
    })?;
    let (num_at, num) = words.get(i + 1)?;
    let digits = num.trim_start_matches('#');
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let head = t[..*at].trim_end().trim_end_matches(',');
    if !head.ends_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    // "281-555-0162 X 10 MIN": a number of minutes or times after the phone number, no
    // extension; the phone number ends before it
    if crate::detect::rules::followed_by_unit(text, s.start + num_at + num.len()) {
        s.end = s.start + head.len();
        return None;
    }
    let ext = Span {
        start: s.start + num_at + (num.len() - digits.len()),
        end: s.start + num_at + num.len(),
        category: s.category,
        score: s.score,
        detector: s.detector.clone(),
    };
    s.end = s.start + head.len();
    Some(ext)
}

/// Gravida and para ("G2P1001", "g4p3013", "G1P0"): a pregnancy history.
fn obstetric_formula(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    let Some(rest) = l.strip_prefix('g') else {
        return false;
    };
    let g = rest.chars().take_while(char::is_ascii_digit).count();
    let Some(p) = rest[g..].strip_prefix('p') else {
        return false;
    };
    (1..=2).contains(&g) && (1..=4).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit())
}

/// A Glasgow coma scale by its parts ("e3v4m6", "E4VTM6").
fn coma_scale(t: &str) -> bool {
    let b = t.to_ascii_lowercase().into_bytes();
    b.len() == 6
        && b[0] == b'e'
        && (b'1'..=b'4').contains(&b[1])
        && b[2] == b'v'
        && (b[3].is_ascii_digit() || b[3] == b't')
        && b[4] == b'm'
        && (b'1'..=b'6').contains(&b[5])
}

/// A procedure code after its label ("(CPT 72148)") and a page count after "P."/"PAGE"
/// ("P. 1/1", "PAGE 2/3") are no number or date of a person.
fn code_or_page(text: &str, s: &Span) -> bool {
    let Some(t) = text.get(s.start..s.end) else {
        return false;
    };
    let before = text[..s.start].trim_end();
    let label = before
        .rsplit(|c: char| c.is_whitespace() || c == '(')
        .next()
        .unwrap_or("")
        .trim_end_matches([':', '#'])
        .to_ascii_lowercase();
    match s.category {
        Category::Phone | Category::Id | Category::Zip => {
            matches!(label.as_str(), "cpt" | "hcpcs")
                && (4..=5).contains(&t.len())
                && t.chars().all(|c| c.is_ascii_alphanumeric())
        }
        Category::Date => {
            matches!(label.as_str(), "p." | "p" | "page" | "pg" | "pg.")
                && t.split_once('/').is_some_and(|(a, b)| {
                    matches!((a.parse::<u32>(), b.parse::<u32>()), (Ok(a), Ok(b)) if a >= 1 && a <= b && b <= 99)
                })
        }
        _ => false,
    }
}

/// A name ends before a gap between columns (three spaces or a tab: "PATIENT: WILLIAMS,
/// LOUISE B           *MED* REC #"), before a modal verb in use ("MR. YOUNG *MAY* BE
/// RESUBMITTED"), before the "D.O" of "D.O.B." and before "AM"/"PM" ("DR. LINDQVIST
/// *AM*").
fn trim_name_tail(text: &str, s: &mut Span) {
    if s.category != Category::Name {
        return;
    }
    let Some(t) = text.get(s.start..s.end) else {
        return;
    };
    let letters = |h: &str| h.chars().filter(|c| c.is_alphabetic()).count() >= 2;
    // a gap of three blanks or a tab ends a name, and of two before a number ("cabot,
    // priscilla  *ste 204*")
    let two = t.find("  ").filter(|&g| {
        let rest = &text[s.start + g..];
        let line = &rest[..rest.find('\n').unwrap_or(rest.len())];
        line.split_whitespace()
            .take(2)
            .any(|w| w.chars().any(|c| c.is_ascii_digit()))
    });
    if let Some(gap) = t.find("   ").or_else(|| t.find('\t')).or(two) {
        let head = t[..gap].trim_end();
        if letters(head) {
            s.end = s.start + head.len();
            return;
        }
    }
    let Some((head, last)) = t.trim_end().rsplit_once(char::is_whitespace) else {
        return;
    };
    let head = head.trim_end();
    let after = &text[s.end..];
    let dob = last.eq_ignore_ascii_case("d.o") && after.to_ascii_lowercase().starts_with(".b");
    let morning = last.eq_ignore_ascii_case("am") || last.eq_ignore_ascii_case("pm");
    if letters(head) && (dob || morning || crate::text::modal_use(last, after)) {
        s.end = s.start + head.len();
        return;
    }
    // "re" (about), a "re-" verb, "OSH" (outside hospital), "messaged", "prefers" and
    // "OK'D" close a name ("sw beth *re kids'*", "slp greta *re-eval*", "BROUSSARD, ALCIDE  *OSH*
    // MRN", "dr. anand *messaged*", "Whitaker, Julian *(prefers* "Jules")")
    let cut = t
        .split_whitespace()
        .skip(1)
        .find(|w| {
            let l = w.trim_start_matches('(').to_lowercase();
            matches!(
                l.as_str(),
                "re" | "osh" | "messaged" | "prefers" | "ok'd" | "okd" | "ok'ed"
            ) || l.starts_with("re-")
        })
        // a word of `t` starts at its offset in `t`
        .map(|w| w.as_ptr() as usize - t.as_ptr() as usize);
    if let Some(at) = cut {
        let head = t[..at].trim_end();
        if letters(head) {
            s.end = s.start + head.len();
        }
    }
}

/// "near hospital", "near the hospital": where a place is, no organisation ("STAYING AT
/// WASATCH FAMILY HOUSE *NEAR HOSPITAL*").
fn near_the_hospital(text: &str, s: &Span) -> bool {
    let Some(t) = text.get(s.start..s.end) else {
        return false;
    };
    let words: Vec<String> = t.split_whitespace().map(str::to_lowercase).collect();
    s.category == Category::Organization
        && words.first().is_some_and(|w| w == "near")
        && (2..=3).contains(&words.len())
        && words[1..].iter().all(|w| {
            matches!(
                w.as_str(),
                "the" | "hospital" | "hosp" | "clinic" | "campus"
            )
        })
}

/// A gestational age in weeks and days ("GA *29+3*") or "2/2" meaning "secondary to"
/// before the word of a cause ("resp failure *2/2* RSV pna"; not "intubated 2/2 at osh").
fn gestational_or_secondary(text: &str, start: usize, end: usize) -> bool {
    let Some(t) = text.get(start..end).map(str::trim) else {
        return false;
    };
    let digits = |w: &str| !w.is_empty() && w.len() <= 2 && w.chars().all(|c| c.is_ascii_digit());
    if t.split_once('+')
        .is_some_and(|(w, d)| digits(w) && d.len() == 1 && digits(d))
    {
        return true;
    }
    let same = t
        .split_once('/')
        .is_some_and(|(a, b)| a == b && matches!(a, "1" | "2" | "3"));
    // after the condition it explains ("ECHO 2/2 EF 25%", "SET FOR 2/2 W/ HOSPICE" date)
    let before = crate::text::last_word_lower(&text[..start]);
    let condition = matches!(
        before.as_str(),
        "failure"
            | "pna"
            | "pneumonia"
            | "arrest"
            | "shock"
            | "effusion"
            | "bleed"
            | "exacerbation"
            | "exac"
            | "edema"
            | "hypotension"
            | "hypoxia"
            | "sepsis"
            | "ards"
            | "ams"
            | "delirium"
            | "aki"
            | "arf"
            | "dka"
            | "sob"
            | "pain"
            | "fever"
            | "weakness"
            | "anemia"
    );
    let rest = text[end..].trim_start_matches([' ', '\t']);
    let next = crate::text::first_word_lower(rest);
    same && condition
        && rest.starts_with(char::is_alphabetic)
        && !matches!(
            next.as_str(),
            "at" | "in" | "and" | "on" | "w" | "with" | "while"
        )
}

/// A ward named by its floor and wing is no organisation, address or place ("6 *East
/// Medical*", "*4 NORTH* STEPDOWN", "*3* WEST MEDICAL", "*5 north* tele"): a floor
/// number of one or two digits (in the span or right before it), a compass word, then
/// only words of a ward's kind.
fn ward(text: &str, s: &Span) -> bool {
    const WINGS: &[&str] = &["north", "south", "east", "west"];
    const KINDS: &[&str] = &[
        "medical",
        "medicine",
        "surgical",
        "surgery",
        "tele",
        "telemetry",
        "stepdown",
        "step-down",
        "ortho",
        "cardiac",
        "oncology",
        "onc",
        "neuro",
        "peds",
        "med-surg",
        "rehab",
        "icu",
        "day",
        "days",
        "night",
        "nights",
    ];
    // (a ward read as a person: "6 *NORTH MED-SURG* DAY RN NOTE")
    if !matches!(
        s.category,
        Category::Organization | Category::Address | Category::Location | Category::Name
    ) {
        return false;
    }
    let Some(t) = text.get(s.start..s.end) else {
        return false;
    };
    let floor = |w: &str| (1..=2).contains(&w.len()) && w.chars().all(|c| c.is_ascii_digit());
    let mut words: Vec<String> = t.split_whitespace().map(str::to_lowercase).collect();
    let floor_inside = words.first().is_some_and(|w| floor(w));
    if floor_inside {
        words.remove(0);
    } else if !text[..s.start]
        .trim_end_matches([' ', '-'])
        .rsplit(char::is_whitespace)
        .next()
        .is_some_and(floor)
    {
        return false;
    }
    if words.is_empty() {
        // the floor alone: its wing follows ("*3* WEST MEDICAL")
        let next = crate::text::first_word_lower(&text[s.end..]);
        return floor_inside && WINGS.contains(&next.as_str());
    }
    WINGS.contains(&words[0].as_str()) && words[1..].iter().all(|w| KINDS.contains(&w.as_str()))
}

/// A number (ID, phone, ZIP) ends at a line break or a column gap when what comes before
/// it is a number of its own (four digits or more): a number never wraps, so what follows
/// is the next field ("MRN 4471902⏎*74* YO F", "MRN M00912264   *66* M", "callback
/// 617-555-0108.⏎*0631* transport"). A date ends at a line break before a clock time.
fn trim_number_tail(text: &str, s: &mut Span) {
    let Some(t) = text.get(s.start..s.end) else {
        return;
    };
    // a date ends at a line break before a clock time: the next line's event ("UNTIL
    // JAN.⏎*0300* RECOVERY COACH")
    if s.category == Category::Date {
        if let Some((head, tail)) = t.split_once('\n') {
            if crate::text::bare_clock(tail.trim()) && !head.trim().is_empty() {
                s.end = s.start + head.trim_end().len();
            }
        }
        return;
    }
    if !matches!(s.category, Category::Id | Category::Phone | Category::Zip) {
        return;
    }
    let Some(gap) = ["\n", "\r", "\t", "   "]
        .iter()
        .filter_map(|g| t.find(g))
        .min()
    else {
        return;
    };
    let head = t[..gap].trim_end().trim_end_matches(['.', ',', ';']);
    if head.chars().filter(char::is_ascii_digit).count() >= 4 {
        s.end = s.start + head.len();
    }
}

/// A phone number runs from its first digit (or the bracket or plus sign before it) to its
/// tenth, or eleventh after a leading 1: a word before it ("(POA) 406-555-7793") and a
/// number after it that no extension word joins ("(808-555-0270) 2245") are no part of it.
fn trim_phone(text: &str, s: &mut Span) {
    if s.category != Category::Phone {
        return;
    }
    let Some(t) = text.get(s.start..s.end) else {
        return;
    };
    let Some(first) = t.find(|c: char| c.is_ascii_digit()) else {
        return;
    };
    let lead = t[..first].trim_end_matches(['(', '+', ' ']);
    if lead.chars().any(char::is_alphabetic) {
        let open = t[lead.len()..first]
            .rfind(['(', '+'])
            .map_or(first, |p| lead.len() + p);
        s.start += open;
    }
    let t = &text[s.start..s.end];
    let digits: Vec<(usize, char)> = t
        .char_indices()
        .filter(|(_, c)| c.is_ascii_digit())
        .collect();
    let want = if digits.first().is_some_and(|&(_, c)| c == '1') && digits.len() >= 11 {
        11
    } else {
        10
    };
    if let Some(&(at, _)) = digits.get(want - 1) {
        // a North American number: its digits in groups of three, three and four
        let groups: Vec<usize> = t[..=at]
            .split(|c: char| !c.is_ascii_digit())
            .filter(|g| !g.is_empty())
            .map(str::len)
            .collect();
        if !(groups == [3, 3, 4] || groups == [1, 3, 3, 4] || groups == [10]) {
            return;
        }
        let rest = &t[at + 1..];
        let after = rest.trim_start_matches([')', ' ', '\t']);
        if after.starts_with(|c: char| c.is_ascii_digit()) {
            s.end = s.start + at + 1 + (rest.len() - rest.trim_start_matches(')').len());
        }
    }
}

/// A span ends at a line break when its last line is the next field's label ("HUSBAND
/// GERALD⏎*REASON*: ESTABLISH CARE", "the willows at hingham⏎*res*: cabot").
fn trim_next_label(text: &str, s: &mut Span) {
    let Some(t) = text.get(s.start..s.end) else {
        return;
    };
    let Some(nl) = t.rfind('\n') else {
        return;
    };
    let label = t[nl + 1..].trim();
    let colon = text[s.end..]
        .trim_start_matches([' ', '\t'])
        .starts_with(':');
    if colon
        && !t[..nl].trim().is_empty()
        && (1..=3).contains(&label.split_whitespace().count())
        && label
            .chars()
            .all(|c| c.is_alphabetic() || c == ' ' || c == '/')
    {
        s.end = s.start + t[..nl].trim_end().len();
    }
}

/// A name, place or organisation ends at a line break when the next line is a note's
/// title ("ADULT UNIT 3 EAST⏎*NURSING* SHIFT NOTE", "AKILAQ VILLAGE CLINIC⏎*COMMUNITY
/// HEALTH* AIDE ENCOUNTER"): the line the span runs onto holds a title's word after it.
fn trim_title_line(text: &str, s: &mut Span) {
    const TITLE: &[&str] = &[
        "note",
        "notes",
        "visit",
        "encounter",
        "assessment",
        "log",
        "call",
        "eval",
        "evaluation",
        "admission",
        "report",
        "consult",
        "consultation",
        "summary",
        "record",
    ];
    if !matches!(
        s.category,
        Category::Name | Category::Location | Category::Organization
    ) {
        return;
    }
    let Some(t) = text.get(s.start..s.end) else {
        return;
    };
    let Some(nl) = t.rfind('\n') else {
        return;
    };
    let line_rest = text[s.end..].split('\n').next().unwrap_or("");
    let titled = line_rest
        .split(|c: char| !c.is_alphabetic())
        .any(|w| TITLE.contains(&w.to_lowercase().as_str()));
    let head = t[..nl].trim_end();
    if titled && !head.trim().is_empty() {
        s.end = s.start + head.len();
    }
}

/// A number (ZIP, phone, fax, identifier) ends at the line it starts on: what the model
/// ran on across a line break is another field or a clock time ("new haven 06511⏎⏎*0950*
/// scheduled home visit").
fn trim_number_line(text: &str, s: &mut Span) {
    if !matches!(
        s.category,
        Category::Zip | Category::Phone | Category::Fax | Category::Id
    ) {
        return;
    }
    let Some(t) = text.get(s.start..s.end) else {
        return;
    };
    if let Some(nl) = t.find('\n') {
        let head = t[..nl].trim_end();
        if head.chars().any(|c| c.is_ascii_digit()) {
            s.end = s.start + head.len();
        }
    }
}

/// A UK doctor's training grade ("ST4", "CT2", "FY1").
fn uk_grade(t: &str) -> bool {
    let u = t.to_ascii_uppercase();
    let Some((p, n)) = u.get(..2).zip(u.get(2..)) else {
        return false;
    };
    matches!(
        (p, n),
        ("ST", "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8")
            | ("CT", "1" | "2" | "3")
            | ("FY", "1" | "2")
    )
}

/// A date that opens with a weekday starts after it: the weekday alone is no part of the
/// date ("Date seen: *Thursday* 16th January 2025", "SAT, 3/14"); the rest must still
/// hold a digit.
fn trim_leading_weekday(text: &str, s: &mut Span) {
    if s.category != Category::Date {
        return;
    }
    let Some(t) = text.get(s.start..s.end) else {
        return;
    };
    let word: String = t.chars().take_while(|c| c.is_alphabetic()).collect();
    let l = word.to_lowercase();
    let weekday = crate::text::weekday_word(&l) || matches!(l.as_str(), "sat" | "sun");
    if !weekday {
        return;
    }
    let rest =
        t[word.len()..].trim_start_matches(|c: char| c == '.' || c == ',' || c.is_whitespace());
    if rest.len() < t.len() - word.len() && rest.chars().any(|c| c.is_ascii_digit()) {
        s.start = s.end - rest.len();
    }
}

pub(super) fn is_month_or_weekday(w: &str) -> bool {
    let l = w.to_lowercase();
    crate::text::MONTHS
        .iter()
        .chain(&crate::text::WEEKDAYS)
        .any(|n| l == *n || (l.len() >= 3 && l.len() <= 4 && n.starts_with(l.as_str())))
}

/// Street types after a house number ("at 2224 Oak Street").
const STREET_WORDS: &[&str] = &[
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "lane",
    "ln",
    "drive",
    "dr",
    "boulevard",
    "blvd",
    "way",
    "court",
    "ct",
    "place",
    "pl",
    "terrace",
    "circle",
    "highway",
    "hwy",
];

/// A clock time written with a colon, hours of one or two digits ("9:40", "16:22").
fn clock_hm(t: &str) -> bool {
    t.split_once(':').is_some_and(|(h, m)| {
        (1..=2).contains(&h.len())
            && m.len() == 2
            && h.chars().chain(m.chars()).all(|c| c.is_ascii_digit())
    })
}

/// A title, a role or a relation's shorthand: it opens a name and never belongs to it
/// ("Miss R. Dunlop"; Miss is also a census surname; "HO WEISS", "NNP ROSSI", "SURG
/// RESIDENT DUBOIS", "DAU JOY"), and is no name alone.
fn opens_name(w: &str) -> bool {
    matches!(
        w.to_lowercase().as_str(),
        "dr" | "mr"
            | "mrs"
            | "ms"
            | "miss"
            | "mx"
            | "prof"
            | "professor"
            | "sister"
            | "ho"
            | "np"
            | "nnp"
            | "rn"
            | "resident"
            | "intern"
            | "fellow"
            | "attending"
            | "nurse"
            | "chaplain"
            | "fr"
            | "surg"
            | "att"
            | "attg"
            | "mgr"
            | "nana"
            | "hcp"
            | "dau"
            | "dil"
            | "sil"
            | "auntie"
            | "aunty"
            | "dtr"
            | "gm"
            | "educator"
            | "interpreter"
            | "pca"
            | "cna"
            | "slp"
            | "cde"
            | "therapist"
            | "supervisor"
            | "sw"
            | "liaison"
            | "coordinator"
            | "manager"
            | "dietitian"
            | "pharmacist"
            | "advocate"
            | "rrt"
            | "lpn"
            | "daus"
            | "granddau"
            | "granddaus"
            | "mgm"
            | "pgm"
            | "gma"
            | "gpa"
            | "gf"
            | "bf"
            | "pa"
            | "rt"
            | "lc"
            | "rep"
            | "detective"
            | "det"
            | "officer"
            | "trooper"
            | "sgt"
            | "atty"
            | "attorney"
            | "lawyer"
            | "lactation"
            | "charge"
            | "covering"
            | "deacon"
            | "pastor"
            | "sib"
            | "sibs"
            | "fob"
            | "mob"
            | "preceptor"
            | "caseworker"
            | "cha"
            | "chw"
            | "chr"
            | "judge"
            | "grandson"
            | "granddaughter"
            | "promotora"
            | "doña"
            | "counselor"
            | "sponsor"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::HeadingBlob;

    /// A learned span over the first `what` in `text`.
    fn learned_span(text: &str, what: &str, category: Category) -> Span {
        let start = text.find(what).expect("in text");
        Span {
            start,
            end: start + what.len(),
            category,
            score: 0.99,
            detector: "ner".into(),
        }
    }

    /// What the guards make of a learned span covering `what` in `text`: its trimmed
    /// text, or `None` when it is dropped.
    fn learned(engine: &Engine, text: &str, what: &str, category: Category) -> Option<String> {
        let s = learned_span(text, what, category);
        let flat = crate::detect::rules::flat_case(text);
        let s = engine.shape_ner(text, s, flat);
        engine
            .plausible_ner(text, &s, &HashSet::new(), flat)
            .then(|| Engine::trim_ner_separator(text, s))
            .map(|s| text[s.start..s.end].to_string())
    }

    #[test]
    fn extensions_next_labels_rooms_signatures_and_word_names() {
        let engine = &Engine::new(crate::Config::safe_harbor(), 1).expect("engine");
        use Category::{Location, Name, Organization, Phone, Zip};
        // a phone number and its extension are two spans, the word between them none
        for (t, whole, number, ext) in [
            (
                "called her at 508-555-0145 ext 12, verbal",
                "508-555-0145 ext 12",
                "508-555-0145",
                "12",
            ),
            (
                "OFFICE (603) 555-0199 X 4410.",
                "(603) 555-0199 X 4410",
                "(603) 555-0199",
                "4410",
            ),
        ] {
            let mut s = span_at(t, whole, Phone);
            let e = split_extension(t, &mut s).expect("extension");
            assert_eq!(&t[s.start..s.end], number, "{t}");
            assert_eq!(&t[e.start..e.end], ext, "{t}");
        }
        // a phone number runs from its first digit to its tenth (or eleventh after a 1)
        for (t, whole, want) in [
            ("pager\n4417 2231", "pager\n4417 2231", "4417 2231"),
            (
                "DAUGHTER MARGE IN MISSOULA (POA) 406-555-7793 - STATES",
                "POA) 406-555-7793",
                "406-555-7793",
            ),
            (
                "KANEOHE (808-555-0270) 2245; CHARGE RN",
                "(808-555-0270) 2245",
                "(808-555-0270)",
            ),
            (
                "call 1-800-555-0170 today",
                "1-800-555-0170",
                "1-800-555-0170",
            ),
            (
                "call (603) 555-0199 today",
                "(603) 555-0199",
                "(603) 555-0199",
            ),
            // (numbers of other lengths keep their groups)
            (
                "Desk: +41 (0)85 806 98 67\n",
                "+41 (0)85 806 98 67",
                "+41 (0)85 806 98 67",
            ),
            (
                "Phone: 21 284 698 2548\n",
                "21 284 698 2548",
                "21 284 698 2548",
            ),
        ] {
            let mut s = span_at(t, whole, Phone);
            trim_phone(t, &mut s);
            assert_eq!(&t[s.start..s.end], want, "{t}");
        }
        let mut plain = span_at("call 508-555-0145 now", "508-555-0145", Phone);
        assert!(split_extension("call 508-555-0145 now", &mut plain).is_none());
        // a span ends at a line break when its last line is the next field's label
        for (t, what, c, want) in [
            (
                "ACCOMPANIED BY: HUSBAND GERALD\nREASON: ESTABLISH CARE.",
                "GERALD\nREASON",
                Name,
                "GERALD",
            ),
            (
                "nurse note, the willows at hingham\nres: cabot",
                "hingham\nres",
                Organization,
                "hingham",
            ),
            (
                "SON JOHN\nSMITH VISITED",
                "JOHN\nSMITH",
                Name,
                "JOHN\nSMITH",
            ),
        ] {
            let mut s = span_at(t, what, c);
            trim_next_label(t, &mut s);
            assert_eq!(&t[s.start..s.end], want, "{t}");
        }
        // a name's two-blank gap before a number ends it
        let t = "res: cabot, priscilla  ste 204  dob 11/19/33";
        let mut s = span_at(t, "cabot, priscilla  ste", Name);
        trim_name_tail(t, &mut s);
        assert_eq!(&t[s.start..s.end], "cabot, priscilla");
        // a postcode has four digits or letters with its digits, a room number is none
        assert_eq!(
            learned(engine, "RES: OSTERMAN   RM 6B   RES #", "6", Zip),
            None
        );
        assert_eq!(
            learned(engine, "setting: rosewood, salem, rm 108", "108", Zip),
            None
        );
        assert_eq!(
            learned(engine, "my zip code is 880", "880", Zip).as_deref(),
            Some("880")
        );
        assert_eq!(learned(engine, "—é—é rm 108", "108", Zip), None);
        assert_eq!(
            learned(engine, "ARRIVED ED 1348. NIHSS 17", "1348", Zip),
            None
        );
        assert_eq!(
            learned(engine, "LIVES IN MANCHESTER, NH 03104", "03104", Zip).as_deref(),
            Some("03104")
        );
        // a short word closing a signature after a credential is one
        for (t, w, c) in [
            ("D. BOUCHARD, RN, CDCES\n", "CDCES", Location),
            ("T. HOLLOWAY, RN, COHN-S\n", "COHN", Location),
            ("Kathleen Redhorse, RN, CFRN\n", "CFRN", Name),
        ] {
            assert_eq!(learned(engine, t, w, c), None, "{t}");
        }
        assert_eq!(
            learned(engine, "lives in Salem, MA with son", "Salem", Location).as_deref(),
            Some("Salem")
        );
        // a word-name after a determiner, a possessive or "has" is the word
        assert_eq!(
            learned(engine, "PT STATES SHE HAS FAITH SHE CAN", "FAITH", Name),
            None
        );
        assert_eq!(
            learned(engine, "there is no hope of recovery", "hope", Name),
            None
        );
        assert_eq!(
            learned(engine, "her daughter Grace called", "Grace", Name).as_deref(),
            Some("Grace")
        );
    }

    #[test]
    fn county_bodies_durations_weekdays_clock_zips_and_titles() {
        let engine = &Engine::new(crate::Config::safe_harbor(), 1).expect("engine");
        use Category::{Location, Name, Organization, Phone, Zip};
        // a county takes the public body named after it, and is then an organisation
        for (t, what, c, want) in [
            (
                "phone w/ po tim, pike county adult probation. po requests",
                "pike county",
                Location,
                Some("pike county adult probation"),
            ),
            (
                "pt has # for essex county crisis team 978-555-0144.",
                "essex county crisis",
                Organization,
                Some("essex county crisis team"),
            ),
            (
                "BROUGHT BY WELD COUNTY SHERIFF CO-RESPONDER TEAM",
                "WELD COUNTY",
                Organization,
                Some("WELD COUNTY SHERIFF"),
            ),
            // (no body, or a function word first: the county alone)
            (
                "lives in pike county and works",
                "pike county",
                Location,
                None,
            ),
            (
                "moved to essex county with her son",
                "essex county",
                Location,
                None,
            ),
        ] {
            let s = Engine::extend_county_body(t, span_at(t, what, c));
            let got = &t[s.start..s.end];
            match want {
                Some(w) => {
                    assert_eq!(got, w, "{t}");
                    assert_eq!(s.category, Organization, "{t}");
                }
                None => {
                    assert_eq!(got, what, "{t}");
                    assert_eq!(s.category, c, "{t}");
                }
            }
        }
        // a number of minutes after a phone number is no extension
        let t = "CALL PLACED TO 281-555-0162 X 10 MIN, PT CALMER";
        let mut s = span_at(t, "281-555-0162 X 10", Phone);
        assert!(split_extension(t, &mut s).is_none());
        assert_eq!(&t[s.start..s.end], "281-555-0162");
        // a span ends at a line break when the next line is a note's title
        for (t, what, c, want) in [
            (
                "BEHAVIORAL HOSPITAL - ADULT UNIT 3 EAST\nNURSING SHIFT NOTE 1900-0700",
                "EAST\nNURSING",
                Organization,
                "EAST",
            ),
            (
                "AKILAQ VILLAGE CLINIC\nCOMMUNITY HEALTH AIDE ENCOUNTER",
                "AKILAQ VILLAGE CLINIC\nCOMMUNITY HEALTH",
                Organization,
                "AKILAQ VILLAGE CLINIC",
            ),
            // (a name across a line break in prose stays whole)
            (
                "SON JOHN\nSMITH VISITED TODAY",
                "JOHN\nSMITH",
                Name,
                "JOHN\nSMITH",
            ),
        ] {
            let mut s = span_at(t, what, c);
            trim_title_line(t, &mut s);
            assert_eq!(&t[s.start..s.end], want, "{t}");
        }
        // a number ends at the line it starts on
        let t = "new haven 06511\n\n0950 scheduled home visit";
        let mut s = span_at(t, "06511\n\n0950", Zip);
        trim_number_line(t, &mut s);
        assert_eq!(&t[s.start..s.end], "06511");
        // a weekday alone is no place; a clock time ending a span of time or opening a
        // line is no ZIP
        assert_eq!(
            learned(
                engine,
                "DATE: THURS 10/12/2023   1400-1530",
                "THURS",
                Location
            ),
            None
        );
        assert_eq!(
            learned(engine, "DATE: THURS 10/12/2023   1400-1530\n", "1530", Zip),
            None
        );
        assert_eq!(
            learned(engine, "new haven 06511\n\n0950 scheduled", "0950", Zip),
            None
        );
        assert_eq!(
            learned(engine, "LIVES IN BERLIN, NH 03570\n", "03570", Zip).as_deref(),
            Some("03570")
        );
        // a town after a street line and a comma, closing the phrase
        let town = |t: &str, street: &str| {
            let flat = crate::text::flat_case(t);
            engine
                .town_after_address(t, &span_at(t, street, Category::Address), flat)
                .map(|s| t[s.start..s.end].to_string())
        };
        for (t, street, want) in [
            (
                "FROM 9012 RIDGE RD, BUCK MEADOW (NAME: TOM H)",
                "9012 RIDGE RD",
                "BUCK MEADOW",
            ),
            (
                "LIVED AT 1187 CYPRESS LN, WINTER HAVEN, LEASE IN HIS NAME",
                "1187 CYPRESS LN",
                "WINTER HAVEN",
            ),
            (
                "home: 212 eagle loop, prairie wind, sd 57752",
                "212 eagle loop",
                "prairie wind",
            ),
            (
                "4418 PLANK RD, UNIT 6, BATON ROUGE 70805.",
                "4418 PLANK RD, UNIT 6",
                "BATON ROUGE",
            ),
            ("lives at 12 Oak St, Boston MA 02110", "12 Oak St", "Boston"),
        ] {
            assert_eq!(town(t, street).as_deref(), Some(want), "{t}");
        }
        for (t, street) in [
            ("lives at 12 oak st, with wife", "12 oak st"),
            ("LIVES 44 ELM ST, ALONE.", "44 ELM ST"),
            ("lives at 12 Oak St, Apt 4", "12 Oak St"),
            ("lives at 12 Oak St, second floor walkup", "12 Oak St"),
            ("at 9 Elm St, wife present.", "9 Elm St"),
        ] {
            assert_eq!(town(t, street), None, "{t}");
        }
        // a judge's, a promotora's or a grandson's word opens a name and is none of it
        for (t, what, want) in [
            (
                "OPC SIGNED BY JUDGE WHITLEY. PROBABLE",
                "JUDGE WHITLEY",
                "WHITLEY",
            ),
            (
                "interp by promotora marisol. originally",
                "promotora marisol",
                "marisol",
            ),
            ("Her mother Doña Carmen is staying", "Doña Carmen", "Carmen"),
        ] {
            assert_eq!(learned(engine, t, what, Name).as_deref(), Some(want), "{t}");
        }
    }

    #[test]
    fn states_after_places_company_forms_and_what_closes_a_span() {
        let at = span_at;
        use Category::{Address, Date, Id, Location, Name, Organization, Zip};
        let engine = &Engine::new(crate::Config::safe_harbor(), 1).expect("engine");
        // a state's code after a place found by any detector and a comma
        let state = |t: &str, place: &str| {
            let flat = crate::text::flat_case(t);
            engine
                .state_after(t, &at(t, place, Location), flat)
                .map(|s| t[s.start..s.end].to_string())
        };
        assert_eq!(
            state("REHAB IN WASHITA BEND, OK. UROSEPSIS", "WASHITA BEND").as_deref(),
            Some("OK")
        );
        assert_eq!(
            state("from Saco Heights, ME. Arrived", "Saco Heights").as_deref(),
            Some("ME")
        );
        assert_eq!(state("lives in boston, ct scan today", "boston"), None);
        assert_eq!(
            state("WHEN WALKING.,IN 2002 SHE WAS SEEN x", "WALKING."),
            None
        );
        assert_eq!(
            state(
                "NUMBNESS, COGNITIVE DYSFUNCTION, OR MEMORY x",
                "COGNITIVE DYSFUNCTION"
            ),
            None
        );
        assert_eq!(
            state("son from Burlington, VT staying", "Burlington").as_deref(),
            Some("VT")
        );
        assert_eq!(state("seen in Houston, MD note", "Houston"), None);
        assert_eq!(state("has MassHealth, ID# 1003488", "MassHealth"), None);
        assert_eq!(
            state(
                "Insurance: MassHealth Standard, ID 100448221733.",
                "MassHealth Standard"
            ),
            None
        );
        assert_eq!(state("Verified by: T. Murrill, MT(ASCP)", "Murrill"), None);
        assert_eq!(state("Verified by: T. Murrill, MT MLS", "Murrill"), None);
        assert_eq!(
            state("MINER FROM HAZARD, TX FROM PERRY COUNTY", "HAZARD"),
            None
        );
        // a company's form closes its name; a town's kind of place goes with it
        for (t, w, c, want) in [
            (
                "LINEMAN FOR MAUMEE VALLEY ELECTRIC CO-OP, STARTED",
                "MAUMEE VALLEY ELECTRIC",
                Organization,
                "MAUMEE VALLEY ELECTRIC CO-OP",
            ),
            (
                "ACME HEART CO 4.2 L/MIN",
                "ACME HEART",
                Organization,
                "ACME HEART",
            ),
            (
                "FOR MISSISQUOI VALLEY CREAMERY CO-OP HAS",
                "MISSISQUOI VALLEY CREAMERY CO",
                Organization,
                "MISSISQUOI VALLEY CREAMERY CO-OP",
            ),
            (
                "IN KINGSBURG FLATS, CA.",
                "KINGSBURG",
                Location,
                "KINGSBURG FLATS",
            ),
            (
                "in sisters junction after",
                "sisters",
                Location,
                "sisters junction",
            ),
            ("in boston points to", "boston", Location, "boston"),
            (
                "at 22 oak terrace, paxton falls, ma;",
                "paxton",
                Location,
                "paxton falls",
            ),
            ("from boston falls often", "boston", Location, "boston"),
        ] {
            let mut s = at(t, w, c);
            engine.trim_edges(t, &mut s);
            assert_eq!(&t[s.start..s.end], want, "{t}");
        }
        // a date ends at a line break before the next line's clock time; a name before a
        // "re-" verb, "messaged" or "(prefers"
        for (t, w, c, want) in [
            (
                "UNTIL JAN.\n0300 RECOVERY COACH",
                "JAN.\n0300",
                Date,
                "JAN.",
            ),
            (
                "0900 slp greta re-eval: failed",
                "greta re-eval",
                Name,
                "greta",
            ),
            ("DR. ANAND MESSAGED.", "ANAND MESSAGED", Name, "ANAND"),
            (
                "Patient: Whitaker, Julian (prefers \"Jules\")",
                "Whitaker, Julian (prefers",
                Name,
                "Whitaker, Julian",
            ),
        ] {
            let mut s = at(t, w, c);
            trim_number_tail(t, &mut s);
            trim_name_tail(t, &mut s);
            assert_eq!(&t[s.start..s.end], want, "{t}");
        }
        let t = "6 NORTH MED-SURG DAY RN NOTE 1/27";
        assert!(ward(t, &at(t, "NORTH MED-SURG DAY", Name)));
        // a clock time is no ZIP code, nor an address with no street after it; an
        // obstetric history and a coma scale's parts are no identifiers
        assert_eq!(
            learned(engine, "ARRIVAL 1342 VIA FORT BEND", "1342", Address),
            None
        );
        assert_eq!(
            learned(engine, "TIME IN 1015 / OUT 1150", "1150", Zip),
            None
        );
        assert!(learned(engine, "LIVES AT 1342 ELM ST", "1342", Address).is_some());
        assert_eq!(learned(engine, "G2P1001 @ 39W3D", "G2P1001", Id), None);
        assert_eq!(learned(engine, "gcs 13 (e3v4m6)", "e3v4m6", Id), None);
        assert!(learned(engine, "MRN G2P100177", "G2P100177", Id).is_some());
    }

    #[test]
    fn learned_pager_extension_and_fax_numbers_are_relabelled() {
        let relabel = |text: &str, what: &str, category: Category| {
            Engine::relabel_ner_contact(text, learned_span(text, what, category)).category
        };
        let id = Category::Id;
        assert_eq!(
            relabel("PAGER # 41902, REPLETED", "41902", id),
            Category::Phone
        );
        assert_eq!(
            relabel("case mgr donna x3-5528", "x3-5528", id),
            Category::Phone
        );
        assert_eq!(
            relabel("her cell 508-555-0177.", "508-555-0177", id),
            Category::Phone
        );
        assert_eq!(
            relabel(
                "referral faxed to 617-555-0186",
                "617-555-0186",
                Category::Phone
            ),
            Category::Fax
        );
        assert_eq!(relabel("MRN 4471039 on transfer", "4471039", id), id);
        // a fax word up to five words before, in the sentence, with no nearer phone word
        let phone = Category::Phone;
        for (t, n, want) in [
            (
                "WILL FAX TO ATTY AT 304-555-0158 W/ PT'S",
                "304-555-0158",
                Category::Fax,
            ),
            (
                "FAXED TO STUDENT HEALTH 860-555-0191, ATTN",
                "860-555-0191",
                Category::Fax,
            ),
            ("faxed to pcp, call 603-555-0110 if", "603-555-0110", phone),
            ("faxed. daughter at 603-555-0110", "603-555-0110", phone),
            ("fax 2 pages, 603-555-0110", "603-555-0110", phone),
        ] {
            assert_eq!(relabel(t, n, phone), want, "{t}");
        }
    }

    #[test]
    fn learned_ages_are_ages_people_reach() {
        let engine = Engine::new(crate::Config::safe_harbor(), 1).expect("engine");
        let age = Category::Age;
        let text = "SEEN BY PT AT 1400. 94 YO. IN 1998 SBP <90";
        assert_eq!(learned(&engine, text, "1400", age), None);
        assert_eq!(learned(&engine, text, "94", age).as_deref(), Some("94"));
        assert_eq!(learned(&engine, text, "1998", age).as_deref(), Some("1998"));
        assert_eq!(learned(&engine, text, "90", age), None);
        let text = "son called at 2000 from tampa. Meeting held at 1930 w/ Dr. Hale";
        assert_eq!(learned(&engine, text, "2000", age), None);
        assert_eq!(learned(&engine, text, "1930", Category::Date), None);
        let text = "lives at 1930 Elm St";
        assert_eq!(
            learned(&engine, text, "1930", Category::Address).as_deref(),
            Some("1930")
        );
    }

    #[test]
    fn a_name_ends_before_its_possessive() {
        let text = "forms given to dr. kowalski's office; O'Hara’s son";
        let mut a = Span {
            start: 19,
            end: 29,
            category: Category::Name,
            score: 0.9,
            detector: "rule:name".into(),
        };
        trim_possessive(text, &mut a);
        assert_eq!(&text[a.start..a.end], "kowalski");
        let s = text.find("O'Hara").expect("in text");
        let mut b = Span {
            start: s,
            end: s + "O'Hara’s".len(),
            ..a.clone()
        };
        trim_possessive(text, &mut b);
        assert_eq!(&text[b.start..b.end], "O'Hara");
        // other categories keep theirs ("St Mary's")
        let mut c = Span {
            category: Category::Organization,
            start: 19,
            end: 29,
            ..a
        };
        trim_possessive(text, &mut c);
        assert_eq!(&text[c.start..c.end], "kowalski's");
    }

    /// A span over the first `what` in `text`.
    fn span_at(text: &str, what: &str, category: Category) -> Span {
        let start = text.find(what).expect("in text");
        Span {
            start,
            end: start + what.len(),
            category,
            score: 0.8,
            detector: "rule:test".into(),
        }
    }

    #[test]
    fn spans_lose_weekdays_titles_gaps_and_codes_and_an_acronym_joins_its_organisation() {
        let at = span_at;
        let trimmed = |text: &str, what: &str, category: Category, f: fn(&str, &mut Span)| {
            let mut s = at(text, what, category);
            f(text, &mut s);
            text[s.start..s.end].to_string()
        };
        use Category::{Date, Location, Name, Organization, Phone};
        // a weekday opening a date is no part of it; alone it stays
        for (t, d, want) in [
            (
                "Date seen: Thursday 16th January 2025",
                "Thursday 16th January 2025",
                "16th January 2025",
            ),
            ("ADM SAT, 3/14", "SAT, 3/14", "3/14"),
            ("SEEN THURSDAY", "THURSDAY", "THURSDAY"),
        ] {
            assert_eq!(trimmed(t, d, Date, trim_leading_weekday), want, "{t}");
        }
        // a name ends at a column gap, a modal verb, "AM", the D.O of D.O.B., "re"
        for (t, n, want) in [
            (
                "PATIENT: WILLIAMS, LOUISE B           MED REC #: M00218847",
                "WILLIAMS, LOUISE B           MED",
                "WILLIAMS, LOUISE B",
            ),
            ("MR. YOUNG MAY BE RESUBMITTED", "YOUNG MAY", "YOUNG"),
            (
                "SCHEDULED W/ DR. LINDQVIST AM.",
                "LINDQVIST AM",
                "LINDQVIST",
            ),
            (
                "RE: Mr Terence BOOTHROYD  D.O.B. 08/05/1946",
                "Terence BOOTHROYD  D.O",
                "Terence BOOTHROYD",
            ),
            (
                "referral to onc sw beth re kids' support",
                "beth re kids",
                "beth",
            ),
            (
                "referral to onc sw beth re kids' support",
                "onc sw beth",
                "onc sw beth",
            ),
        ] {
            assert_eq!(trimmed(t, n, Name, trim_name_tail), want, "{t}");
        }
        // a relation's shorthand opens a name and is none alone
        let t = "DAILY VISITS FROM DAU GRACE WHO LIVES NEXT DOOR";
        assert_eq!(trimmed(t, "DAU GRACE", Organization, trim_title), "GRACE");
        let t = "Patient: HO, WEI    MRN: 123";
        assert_eq!(trimmed(t, "HO, WEI", Name, trim_title), "HO, WEI");
        let t = "LOCAL CONTACT IS GRANDDAU SAVANNAH";
        assert!(title_alone(t, &at(t, "GRANDDAU", Location)));
        assert!(!title_alone(t, &at(t, "SAVANNAH", Name)));
        let t = "SEEN BY DR LAWYER ON ROUNDS";
        assert!(!title_alone(t, &at(t, "LAWYER", Name)));
        let t = "hope to wean to nc in am.\nck/rn";
        assert!(title_alone(t, &at(t, "rn", Name)));
        let t = "77 industrial blvd, king of prussia, pa 19406";
        assert!(!title_alone(t, &at(t, "pa", Location)));
        // an emergency department and a distribution centre close no organisation
        let t = "admitted 8/14 from our lady of the bayou ed (houma)";
        let o = "our lady of the bayou ed";
        assert_eq!(
            trimmed(t, o, Organization, trim_workplace_part),
            "our lady of the bayou"
        );
        let t = "DAD WORKS NIGHTS AT SHAW'S DISTRIBUTION CTR.";
        let o = "SHAW'S DISTRIBUTION CTR";
        assert_eq!(trimmed(t, o, Organization, trim_workplace_part), "SHAW'S");
        let t = "PT SEEN AT SMALLTOWN HEALTH CTR";
        let o = "SMALLTOWN HEALTH CTR";
        assert_eq!(trimmed(t, o, Organization, trim_workplace_part), o);
        // initials in brackets after an organisation name it too
        let t = "TX FROM MERRIMACK VALLEY MED CTR (MVMC) 2/11";
        let a = acronym_after(t, &at(t, "MERRIMACK VALLEY MED CTR", Organization));
        assert_eq!(a.map(|s| &t[s.start..s.end]), Some("MVMC"));
        let t = "BACK TO AROOSTOOK VALLEY HOSPITAL (ICU) WHEN";
        assert!(acronym_after(t, &at(t, "AROOSTOOK VALLEY HOSPITAL", Organization)).is_none());
        // a procedure code and a page count are no number or date of a person
        let t = "LUMBAR MRI WITHOUT CONTRAST (CPT 72148)";
        assert!(code_or_page(t, &at(t, "72148", Phone)));
        let t = "TO: 8595550172   P. 1/1";
        assert!(code_or_page(t, &at(t, "1/1", Date)));
        let t = "SEEN 1/1 IN CLINIC";
        assert!(!code_or_page(t, &at(t, "1/1", Date)));
        // a season or time of day after a word that times it
        let t = "at dawn pt was resting; wife dawn stayed";
        let first = at(t, "dawn", Name);
        assert!(time_of_year(t, first.start, first.end, Name));
        let second = t.rfind("dawn").expect("in text");
        assert!(!time_of_year(t, second, second + 4, Name));
        let t = "pt visited by summer this am";
        let by = at(t, "summer", Name);
        assert!(!time_of_year(t, by.start, by.end, Name));
        // a UK training grade
        assert!(uk_grade("ST4") && uk_grade("fy1") && !uk_grade("ST9") && !uk_grade("ST"));
    }

    #[test]
    fn wards_clock_ranges_and_next_fields_are_cut_from_spans() {
        let at = span_at;
        use Category::{Address, Id, Name, Organization, Phone};
        // a ward by floor and wing is no organisation or address; a street is one
        for (t, w, c) in [
            (
                "Transfer-In Note — 6 East Medical (from ICU)",
                "East Medical",
                Organization,
            ),
            ("MEDICAL CENTER 4 NORTH STEPDOWN", "4 NORTH", Address),
            ("MEDICAL CENTER - 3 WEST MEDICAL   2/20/24", "3", Address),
            ("amoskeag valley hospital 5 north tele", "5 north", Address),
        ] {
            assert!(ward(t, &at(t, w, c)), "{t}");
        }
        for (t, w, c) in [
            ("LIVES AT 4 NORTH ST, BARRE", "4 NORTH ST", Address),
            (
                "WORKS AT WEST MEDICAL SUPPLY",
                "WEST MEDICAL SUPPLY",
                Organization,
            ),
            (
                "pt lives in east providence",
                "east providence",
                Category::Location,
            ),
        ] {
            assert!(!ward(t, &at(t, w, c)), "{t}");
        }
        // a number ends at a line break or column gap when it stands alone before it
        for (t, n, c, want) in [
            ("MRN 4471902\n74 YO F", "4471902\n74", Id, "4471902"),
            ("MRN M00912264   66 M", "M00912264   66", Id, "M00912264"),
            (
                "callback 617-555-0108.\n0631 transport",
                "617-555-0108.\n0631",
                Phone,
                "617-555-0108",
            ),
            (
                "pager\n4417 2231",
                "pager\n4417 2231",
                Phone,
                "pager\n4417 2231",
            ),
        ] {
            let mut s = at(t, n, c);
            trim_number_tail(t, &mut s);
            assert_eq!(&t[s.start..s.end], want, "{t}");
        }
        let t = "STAYING AT WASATCH FAMILY HOUSE NEAR HOSPITAL.";
        assert!(near_the_hospital(t, &at(t, "NEAR HOSPITAL", Organization)));
        assert!(!near_the_hospital(
            t,
            &at(t, "WASATCH FAMILY HOUSE", Organization)
        ));
        // a gestational age and "2/2" meaning "secondary to" are no dates
        let secondary = |t: &str, what: &str| {
            let s = at(t, what, Category::Date);
            gestational_or_secondary(t, s.start, s.end)
        };
        assert!(secondary("GA 29+3 AT BIRTH", "29+3"));
        assert!(secondary("resp failure 2/2 RSV pna", "2/2"));
        for t in [
            "intubated 2/2 at osh",
            "ECHO 2/2 EF 25-30%",
            "FAMILY MTG SET FOR 2/2 W/ HOSPICE",
            "RESP FAILURE 2/2 AT OSH",
        ] {
            assert!(!secondary(t, "2/2"), "{t}");
        }
        // the engine's own checks: a shift's clock range is no ID; credentials, "vs", a
        // preposition and a weekday are cut from a name's or organisation's edges
        let engine = &Engine::new(crate::Config::safe_harbor(), 1).expect("engine");
        let t = "med-surg day note 0700-1900  2-14";
        assert_eq!(learned(engine, t, "0700-1900  2", Id), None);
        let t = "GA 29+3 AT BIRTH";
        assert_eq!(learned(engine, t, "29+3", Category::Date), None);
        for (t, w, c, want) in [
            ("sw kerry msw saw pt", "kerry msw", Name, "kerry"),
            (
                "rehab at Heritage Winds vs home",
                "Heritage Winds vs",
                Organization,
                "Heritage Winds",
            ),
            (
                "WORK AT RED CLIFFS CONSTRUCTION MON, DRIVING",
                "RED CLIFFS CONSTRUCTION MON",
                Organization,
                "RED CLIFFS CONSTRUCTION",
            ),
            ("SEEN BY DR. MARK MON", "MARK MON", Name, "MARK MON"),
            ("SEEN BY DR. TRAN DO", "TRAN DO", Name, "TRAN DO"),
            (
                "lives at 4417 COUNTY ROAD 12, near town",
                "4417 COUNTY ROAD",
                Address,
                "4417 COUNTY ROAD 12",
            ),
            ("lives off hwy 93.5 mi out", "hwy", Address, "hwy"),
            (
                "works at ahtanum ridge orchards near wapato",
                "ahtanum ridge orchards near",
                Organization,
                "ahtanum ridge orchards",
            ),
        ] {
            let mut s = at(t, w, c);
            engine.trim_edges(t, &mut s);
            assert_eq!(&t[s.start..s.end], want, "{t}");
        }
    }

    #[test]
    fn an_employer_ends_before_the_part_of_its_workplace() {
        let text = "works at nissan plant in smyrna; the plant";
        let org = |start: usize, end: usize| Span {
            start,
            end,
            category: Category::Organization,
            score: 0.75,
            detector: "rule:org".into(),
        };
        let mut a = org(9, 21);
        trim_workplace_part(text, &mut a);
        assert_eq!(&text[a.start..a.end], "nissan");
        // a part alone is left as it is
        let mut b = org(37, 42);
        trim_workplace_part(text, &mut b);
        assert_eq!(&text[b.start..b.end], "plant");
    }

    #[test]
    fn a_learned_organisation_takes_its_kind_and_its_leading_geography() {
        let org = Category::Organization;
        let engine = Engine::new(crate::Config::safe_harbor(), 1).expect("engine");
        let grown = |text: &str, what: &str| {
            let s = engine.extend_ner_org_words(text, learned_span(text, what, org));
            text[s.start..s.end].to_string()
        };
        for (text, what, want) in [
            (
                "pt is a firefighter w/ quincy fire dept, lives in milton",
                "quincy fire",
                "quincy fire dept",
            ),
            (
                "PLAN THROUGH CASCADE TIMBER PRODUCTS (PT IS",
                "CASCADE TIMBER",
                "CASCADE TIMBER PRODUCTS",
            ),
            (
                "lived at st. marguerite's residence. daughters",
                "st. marguerite's",
                "st. marguerite's residence",
            ),
            (
                "HOPE IS AN RN W/ OLD COLONY HOME CARE, ASKING",
                "COLONY HOME CARE",
                "OLD COLONY HOME CARE",
            ),
            (
                "DR PATEL AT UPPER CUMBERLAND DIABETES CLINIC, 931",
                "CUMBERLAND DIABETES CLINIC",
                "UPPER CUMBERLAND DIABETES CLINIC",
            ),
            // no preposition before the word of geography, a word of another casing after
            // the name, a kind that runs on into another word
            ("PT HAS OLD MERCY RECORDS", "MERCY", "MERCY"),
            ("at old Colony home care", "Colony", "Colony"),
            ("works for Acme products now", "Acme", "Acme"),
            ("w/ quincy fire departments", "quincy fire", "quincy fire"),
            (
                "Older Adult Mental Health Services",
                "Mental Health",
                "Mental Health",
            ),
        ] {
            assert_eq!(grown(text, what), want, "{text:?}");
        }
        // a name is left as it is
        let text = "w/ old smith services";
        let s = engine.extend_ner_org_words(text, learned_span(text, "smith", Category::Name));
        assert_eq!(&text[s.start..s.end], "smith");
    }

    #[test]
    fn learned_spans_lose_titles_codes_and_labels_and_eponyms_go() {
        let engine = Engine::new(crate::Config::safe_harbor(), 1).expect("engine");
        let e = &engine;
        let name = Category::Name;
        // a modal verb
        assert_eq!(
            learned(e, "SON JOE CALLED, WILL BE IN AM.", "WILL", name),
            None
        );
        assert_eq!(
            learned(e, "SON WILL CALLED, AWARE.", "WILL", name).as_deref(),
            Some("WILL")
        );
        // relation shorthand and roles open no name; a modal and its verb close none
        for (text, what, want) in [
            (
                "WIFE CLAUDETTE, DAUS MONIQUE AND RENEE",
                "DAUS MONIQUE",
                Some("MONIQUE"),
            ),
            ("MGM Dottie from Erie staying", "MGM Dottie", Some("Dottie")),
            (
                "PCP DR. BELIZAIRE WILL SEE PT 9/8",
                "BELIZAIRE WILL SEE",
                Some("BELIZAIRE"),
            ),
            ("SUBJ: \"I CAN'T DO ANYTHING\"", "I CAN'T", None),
            ("Rev. T. Alvarado, M.Div., BCC", "M.Div", None),
            // a verb before the number it moved to, an adjective after a negation, a
            // mood after a name, a nurse's role or the covering clinician's post
            ("cv: sr 60s. bp rose to 160s/80s at 1100", "rose", None),
            ("lactate rose from 1.2 to 2.4", "rose", None),
            ("NGT TO LCS, NO FRANK BLOOD.", "FRANK", None),
            ("PT SAYS HER FAITH KEEPS HER GOING.", "FAITH", None),
            ("DAUGHTERS JOY AND FAITH AT BEDSIDE", "FAITH", Some("FAITH")),
            ("FRANK TO VISIT 1/12", "FRANK", Some("FRANK")),
            ("dawn tearful, states mom", "dawn tearful", Some("dawn")),
            (
                "NH CHARGE RN LAVERNE AT 1900",
                "CHARGE RN LAVERNE",
                Some("LAVERNE"),
            ),
            (
                "called covering, patel, @ 0225",
                "covering, patel",
                Some("patel"),
            ),
            (
                "MOM LINH, DAD DANNY, SIBS JOY (4) AND MARCUS (7)",
                "SIBS JOY",
                Some("JOY"),
            ),
            (
                "Deacon Mayfield plans to come",
                "Deacon Mayfield",
                Some("Mayfield"),
            ),
        ] {
            assert_eq!(learned(e, text, what, name).as_deref(), want, "{text}");
        }
        let org = Category::Organization;
        for (text, what, cat, want) in [
            // a rate per hours, a threshold, a clock after a visit; a year after "in"
            ("AIM DROP <10/24H, NEURO", "10/24H", Category::Date, None),
            ("JOSH VISITED 2000. PT'S", "2000", Category::Date, None),
            ("hx mi in 2000, cabg", "2000", Category::Date, Some("2000")),
            ("GREAT-GRANDDAU GRACE BROUGHT CARDS", "GRANDDAU", org, None),
            (
                "screened for hallmark rehab and oak grove ltc.",
                "hallmark rehab and",
                org,
                Some("hallmark rehab"),
            ),
            (
                "VNA: PIONEER VALLEY VNA ACCEPTED FOR RN/PT",
                "PIONEER VALLEY VNA ACCEPTED",
                org,
                Some("PIONEER VALLEY VNA"),
            ),
            (
                "pt lives in Colorado Springs (El Paso County) w/ husband",
                "El Paso",
                org,
                Some("El Paso County"),
            ),
            (
                "lives w/ daughter at 1730 e. 14th st, #6, oakland, ca",
                "1730 e. 14th st",
                Category::Address,
                Some("1730 e. 14th st, #6"),
            ),
        ] {
            assert_eq!(learned(e, text, what, cat).as_deref(), want, "{text}");
        }
        assert_ne!(
            learned(e, "Pt's pharmacy is Fred Meyer", "s pharmacy", org).as_deref(),
            Some("s pharmacy")
        );
        // no separator after it
        assert_eq!(
            learned(
                e,
                "hx: etoh abuse, dts in 03, sz 2001",
                "03,",
                Category::Date
            )
            .as_deref(),
            Some("03")
        );
        assert_eq!(
            learned(e, "WIFE: MARGARET; SON KEVIN", "MARGARET;", name).as_deref(),
            Some("MARGARET")
        );
        assert_eq!(
            learned(
                e,
                "Consultant: Miss R. Dunlop, Surgery",
                "Miss R. Dunlop",
                name
            )
            .as_deref(),
            Some("R. Dunlop")
        );
        assert_eq!(
            learned(e, "DTR PATRICIA CALLED X2, UPDATED.", "DTR PATRICIA", name).as_deref(),
            Some("PATRICIA")
        );
        // a relation's shorthand or a role opens a name and is none alone; in one casing a
        // verb's past closes a name, an English surname does not
        assert_eq!(
            learned(e, "HUSBAND AND DAU JOY IN WAITING RM", "DAU JOY", name).as_deref(),
            Some("JOY")
        );
        assert_eq!(learned(e, "HUSBAND AND DAU JOY IN", "DAU", name), None);
        assert_eq!(
            learned(
                e,
                "CALL; SANDRA SHOCKED, WILL COME UP",
                "SANDRA SHOCKED",
                name
            )
            .as_deref(),
            Some("SANDRA")
        );
        assert_eq!(
            learned(e, "NAME? REBECCA HIDES\n", "REBECCA HIDES", name).as_deref(),
            Some("REBECCA HIDES")
        );
        assert_eq!(
            learned(e, "REFERRAL SENT BY SW PRIYA.", "SW PRIYA", name).as_deref(),
            Some("PRIYA")
        );
        assert_eq!(
            learned(e, "F/U W/ DR. STRAUSS CLINIC 12/1", "STRAUSS CLINIC", name).as_deref(),
            Some("STRAUSS")
        );
        // a range of clock times is no phone number
        assert_eq!(
            learned(
                e,
                "dad jordan in 0100-0230, did bath",
                "0100-0230",
                Category::Phone
            ),
            None
        );
        // a learned facility takes the saint's title before it and the possessive after
        let org = Category::Organization;
        // a place or an organisation naming an instrument or a disease is no PHI
        let place = Category::Location;
        let naming = "Reading Comprehension,Boston Naming Test, Second Edition";
        assert_eq!(learned(e, naming, "Boston", org), None);
        assert_eq!(
            learned(e, "GCS (Glasgow Coma Scale) 15", "Glasgow", place),
            None
        );
        assert_eq!(
            learned(e, "negative for West Nile virus.", "West Nile", place),
            None
        );
        assert_eq!(
            learned(e, "moved from Boston. Tests were normal", "Boston", place).as_deref(),
            Some("Boston")
        );
        assert_eq!(
            learned(
                e,
                "Boston Medical Center test results",
                "Boston Medical Center",
                org
            )
            .as_deref(),
            Some("Boston Medical Center")
        );
        assert_eq!(
            learned(e, "TX TO F2 VS ST. ANSELM'S REHAB", "ANSELM'S REHAB", org).as_deref(),
            Some("ST. ANSELM'S REHAB")
        );
        assert_eq!(
            learned(e, "BACK TO ST. ANSELM'S CLOSER TO HOME", "ANSELM", org).as_deref(),
            Some("ST. ANSELM'S")
        );
        assert_eq!(
            learned(e, "12 MAIN ST. ELOI HOSPITAL", "ELOI HOSPITAL", org).as_deref(),
            Some("ELOI HOSPITAL")
        );
        // a bracket closes a name
        assert_eq!(
            learned(e, "SON BILL (WORCESTER) IS HCP", "BILL (WORCESTER", name).as_deref(),
            Some("BILL")
        );
        // a number alone closes no name; one glued by a hyphen is kept with its word
        assert_eq!(
            learned(e, "F/U DR KIM 2 WKS.", "KIM 2", name).as_deref(),
            Some("KIM")
        );
        assert_eq!(
            learned(e, "Booking ref: ENDO-778213", "ENDO-778213", name).as_deref(),
            Some("ENDO-778213")
        );
        // eponyms joined by a hyphen, the noun inside the span or after it
        for (text, span) in [
            (
                "I HAVE SHOWN HER THE BRANDT-DAROFF EXERCISES TO DO",
                "BRANDT-DAROFF EXERCISES",
            ),
            (
                "I have shown her the Brandt-Daroff exercises",
                "Brandt-Daroff",
            ),
            ("NODE. REED-STERNBERG CELLS CD15+", "REED-STERNBERG CELLS"),
            (
                "DISPOSITION PER SCHMITT-THOMPSON PROTOCOL (HEART",
                "SCHMITT-THOMPSON",
            ),
        ] {
            assert_eq!(learned(e, text, span, name), None, "{text}");
        }
        // midnight after a time word is no state; a state the patient comes from stays
        let place = Category::Location;
        assert_eq!(learned(e, "NPO AFTER MN", "MN", place), None);
        assert_eq!(learned(e, "npo since mn, then sips", "mn", place), None);
        assert_eq!(
            learned(e, "PT FROM MN, VISITING", "MN", place).as_deref(),
            Some("MN")
        );
        // a state's code that is also clinical shorthand is a place only where an address
        // or a place word puts it
        for (text, code) in [
            ("PMH: CAD S/P CABG 98, MI '92", "MI"),
            ("HEAD CT NEG", "CT"),
        ] {
            assert_eq!(learned(e, text, code, place), None, "{text}");
        }
        for (text, code) in [
            ("Pt from Nashua, NH, arrived", "NH"),
            ("son lives in PA", "PA"),
            ("48 Elm St, MA 02150", "MA"),
        ] {
            assert_eq!(
                learned(e, text, code, place).as_deref(),
                Some(code),
                "{text}"
            );
        }
        // shorthand around a surname that is also a word is no name; a first name keeps
        // one; a pager word closes a name
        let flat_name = |text: &str, what: &str| learned(e, text, what, Category::Name);
        assert_eq!(
            flat_name("lines: r ij swan 4/6, l radial", "r ij swan"),
            None
        );
        assert_eq!(
            flat_name("now on trach mask 40%, sats 94", "trach mask"),
            None
        );
        assert_eq!(
            flat_name("wife mary swan in to visit", "mary swan").as_deref(),
            Some("mary swan")
        );
        assert_eq!(
            flat_name("DR. PETRAKIS PAGED RE: K 3.4", "PETRAKIS PAGED").as_deref(),
            Some("PETRAKIS")
        );
        // "PS 10/PEEP 5": a number slashed to a clinical word is no date
        let date = Category::Date;
        assert_eq!(
            learned(e, "INTUBATED, PS 10/PEEP 5 FIO2", "10/PEEP", date),
            None
        );
        // a frequency and a shift's clock times are no dates
        assert_eq!(learned(e, "day center 2x/wk.", "2x", date), None);
        assert_eq!(
            learned(e, "PROGRESS NOTE 1900-0700\nPT", "1900", date),
            None
        );
        assert_eq!(
            learned(e, "PROGRESS NOTE 1900-0700\nPT", "0700", date),
            None
        );
        // a health plan keeps its last word; a place of another script after an
        // organisation is left as it is
        assert_eq!(
            learned(
                e,
                "moved to Acme Health in Ålesund, which later",
                "Acme Health",
                Category::Organization
            )
            .as_deref(),
            Some("Acme Health")
        );
        assert_eq!(
            learned(
                e,
                "worked at Acme Care åsane",
                "Acme Care",
                Category::Organization
            )
            .as_deref(),
            Some("Acme Care")
        );
        assert_eq!(
            learned(
                e,
                "INS: HARBOR HEALTH PLAN, AUTH # HH7730184",
                "HARBOR HEALTH",
                Category::Organization
            )
            .as_deref(),
            Some("HARBOR HEALTH PLAN")
        );
        // a lab value after a learned date is no part of it
        assert_eq!(
            learned(e, "wife updated. CXR 12/4 1.2.", "12/4 1.2", date).as_deref(),
            Some("12/4")
        );
        // roles open no name, travel closes none
        for (text, span, want) in [
            (
                "FAMILY MTG W/ ATT RUBENSTEIN AT 1500",
                "ATT RUBENSTEIN",
                "RUBENSTEIN",
            ),
            ("CASE MGR PAULA SPOKE W/ FAMILY", "MGR PAULA", "PAULA"),
            ("MOM, DAD AND NANA RUTH IN", "NANA RUTH", "RUTH"),
            ("DTR JEN FLYING IN FROM CHICAGO", "JEN FLYING", "JEN"),
            ("WIFE DEBORAH DROVE FROM LENOX", "DEBORAH DROVE", "DEBORAH"),
            ("per hcp gloria (sister), bipap", "hcp gloria", "gloria"),
            // a sentence closing before a line break opens no name across it
            ("monitor renal fxn.\njen rn", "fxn.\njen", "jen"),
        ] {
            assert_eq!(
                learned(e, text, span, name).as_deref(),
                Some(want),
                "{text}"
            );
        }
        // a name cut at its hyphen takes the rest of it, not an ordinary word after one
        assert_eq!(
            learned(e, "social: pt's wife soo-jin and son", "soo", name).as_deref(),
            Some("soo-jin")
        );
        assert_eq!(
            learned(e, "SURGEON DR. KAPLAN-REYES SAW PT", "KAPLAN", name).as_deref(),
            Some("KAPLAN-REYES")
        );
        assert_eq!(
            learned(e, "plan Patel-approved, cont", "Patel", name).as_deref(),
            Some("Patel")
        );
        // opening hours are no date; a weekday with its date is
        for (text, span) in [
            ("OFFICE: 023 8096 0214 (MONDAY TO FRIDAY, 8.30AM)", "MONDAY"),
            ("OFFICE: 023 8096 0214 (MONDAY TO FRIDAY, 8.30AM)", "FRIDAY"),
            ("open mon-fri 9-5", "mon"),
            ("Monday to Friday", "Monday to Friday"),
        ] {
            assert_eq!(
                learned(e, text, span, Category::Date),
                None,
                "{text} {span}"
            );
        }
        assert_eq!(
            learned(
                e,
                "DATE: WEDNESDAY 21ST MAY 2025",
                "WEDNESDAY 21ST MAY 2025",
                Category::Date
            )
            .as_deref(),
            Some("WEDNESDAY 21ST MAY 2025")
        );
        // a clock time after a date is no part of it
        for (text, span, want) in [
            (
                "SIGNED: 10/09/2020 16:44\n",
                "10/09/2020 16:44",
                "10/09/2020",
            ),
            (
                "collected 2023-04-28 07:52 pm by",
                "2023-04-28 07:52 pm",
                "2023-04-28",
            ),
            (
                "seen 4th March 2025 09:30.",
                "4th March 2025 09:30",
                "4th March 2025",
            ),
            (
                "TO: 3135550142  2021-09-14 16:22 EST  PAGE 1",
                "2021-09-14 16:22 EST",
                "2021-09-14",
            ),
        ] {
            assert_eq!(
                learned(e, text, span, Category::Date).as_deref(),
                Some(want),
                "{text}"
            );
        }
        // a clock time alone is no date
        for (text, span) in [
            ("md on 01/03/2019 at 11:15.", "11:15"),
            ("called back at 9:40 pm", "9:40 pm"),
        ] {
            assert_eq!(learned(e, text, span, Category::Date), None, "{text}");
        }
        // a surname's initial closing a signature joins the name
        for (text, first, want) in [
            ("REPEAT ABG @ 0600. RT DAN O.", "DAN", "DAN O."),
            ("transition to lovenox. mary b. rn", "mary", "mary b."),
            ("updated.\nKathy D., RN", "Kathy", "Kathy D."),
        ] {
            assert_eq!(
                learned(e, text, first, name).as_deref(),
                Some(want),
                "{text}"
            );
        }
        // not an initial opening the next sentence
        assert_eq!(
            learned(e, "seen by Dan. A. fib noted", "Dan", name).as_deref(),
            Some("Dan")
        );
        // vitals, scores and clock times are no dates or ZIP codes; dates stay
        let date = Category::Date;
        for (text, span, cat) in [
            ("HR 88 SR, BP 118/62, SAT 97% 2L.", "118/62", date),
            ("EGA 29 2/7 WKS BY DATES.", "2/7", date),
            ("c/o chest pressure 4/10, ekg done", "4/10", date),
            ("RESP: EXTUBATED AT 2015 TO 50% FACE TENT", "2015", date),
            ("wife helen called at 0100, she is", "0100", Category::Zip),
        ] {
            assert_eq!(learned(e, text, span, cat), None, "{text}");
        }
        for (text, span, cat) in [
            ("ADMITTED 4/12 FROM OSH", "4/12", date),
            ("MI IN 2015, CABG", "2015", date),
            ("lives at 2224 Oak Street", "2224", Category::Address),
        ] {
            assert_eq!(learned(e, text, span, cat).as_deref(), Some(span), "{text}");
        }
        // decimals are no identifiers or dates, departments no organisations
        for (text, span, cat) in [
            ("ID: TMAX 100.9, BLD CX X2 SENT", "100.9", Category::Id),
            ("bun/cr 42/1.8. id: tmax", "42/1", date),
            ("bun/cr 42/1.8. id: tmax", "42/1.8", date),
            (
                "Department of Colorectal Surgery, Freeman Road",
                "Department of Colorectal Surgery",
                Category::Organization,
            ),
        ] {
            assert_eq!(learned(e, text, span, cat), None, "{text}");
        }
        assert_eq!(
            learned(e, "Seen 12.03.2024 in clinic", "12.03.2024", date).as_deref(),
            Some("12.03.2024")
        );
        // a learned ZIP code ends at its last digit
        assert_eq!(
            learned(
                e,
                "toledo, oh 43604   tel 504",
                "43604   tel",
                Category::Zip
            )
            .as_deref(),
            Some("43604")
        );
        // roles open a name and contact words close none, in any casing
        for (text, span, want) in [
            ("UPDATED BY HO STEIN. PT'S HOSP #", "HO STEIN", "STEIN"),
            (
                "EVENTS: NONE. D/W H. FENTON, RN",
                "W H. FENTON",
                "H. FENTON",
            ),
            (
                "EVENTS: NONE. D/W H. FENTON, RN",
                "D/W H. FENTON",
                "H. FENTON",
            ),
            (
                "Verified by: T. Murrill, MT(ASCP)",
                "T. Murrill, MT",
                "T. Murrill",
            ),
            ("SENT PER NNP ROSSI, FOLLOW UP", "NNP ROSSI", "ROSSI"),
            (
                "W/ SURG RESIDENT DUBOIS PAGER 41902.",
                "RESIDENT DUBOIS PAGER",
                "DUBOIS",
            ),
            ("Son David HCP in from Hartford", "David HCP", "David"),
            ("SOCIAL: WIFE GLORIA HERE, STATES", "GLORIA HERE", "GLORIA"),
        ] {
            assert_eq!(
                learned(e, text, span, name).as_deref(),
                Some(want),
                "{text}"
            );
        }
        assert_eq!(
            learned(
                e,
                "COMPLETED BY: DR S O'NEILL FY1   BLEEP",
                "S O'NEILL FY1",
                name
            )
            .as_deref(),
            Some("S O'NEILL")
        );
        assert_eq!(
            learned(
                e,
                "RE: Mr Terence BOOTHROYD  D.O.B. 08/05/1946",
                "Terence BOOTHROYD  D.O.B",
                name
            )
            .as_deref(),
            Some("Terence BOOTHROYD")
        );
        let org = Category::Organization;
        assert_eq!(
            learned(
                e,
                "laparotomy, Hartmann's procedure (31/10)",
                "Hartmann",
                org
            ),
            None
        );
        assert_eq!(
            learned(e, "Right facial weakness, ? Bell's palsy.", "Bell", name),
            None
        );
        let phone = Category::Phone;
        assert_eq!(
            learned(
                e,
                "(Monday to Friday, 8.30am to 4.30pm)",
                "8.30am to 4.30pm",
                phone
            ),
            None
        );
        assert_eq!(
            learned(e, "GOAL PH >7.25. CHECK TOF Q4H.", "7.25", phone),
            None
        );
        assert_eq!(
            learned(e, "PAGER #45321 AWARE", "45321", phone).as_deref(),
            Some("45321")
        );
        assert_eq!(
            learned(e, "call Sam 617-555-0142 today", "Sam 617-555-0142", phone).as_deref(),
            Some("Sam 617-555-0142")
        );
        assert_eq!(learned(e, "ID: TMAX 101.6 AX.", "101", Category::Id), None);
        assert_eq!(
            learned(e, "DTR PATRICIA CALLED X2, UPDATED.", "X2", name),
            None
        );
        assert_eq!(
            learned(e, "PLAN: CONT CHECK NA Q4H.", "NA", Category::Location),
            None
        );
        assert_eq!(
            learned(e, "PLAN: CONT CHECK NA Q4H.", "Q4H", Category::Address),
            None
        );
        assert_eq!(
            learned(e, "ABG 7.38/40/98. LS COARSE", "38/40/98", Category::Date),
            None
        );
        assert_eq!(
            learned(e, "ADMITTED 10/27 W/ HYPOTENSION", "10/27", Category::Date).as_deref(),
            Some("10/27")
        );
    }

    /// Names found in a four-page document whose every page holds the same author line,
    /// by page.
    fn author_pages_found(profile: Option<crate::policy::Profile>) -> Vec<usize> {
        let mut cfg = crate::Config::safe_harbor();
        cfg.profile = profile;
        let engine = Engine::new(cfg, 1).expect("engine");
        let line = "Maria Quellbrandt; Ahmed Vokshire and Wei Trannoch";
        let units: Vec<TextUnit<'_>> = (0..4)
            .map(|p| TextUnit {
                text: line,
                page: Some(p),
                is_heading: false,
            })
            .collect();
        let blobs: Vec<HeadingBlob> = (0..4)
            .map(|i| HeadingBlob {
                id: i,
                paragraphs: vec![i],
            })
            .collect();
        let found = engine.detect(&units, &blobs).expect("detect");
        let mut pages: Vec<usize> = found
            .iter()
            .filter(|e| e.category == Category::Name && &line[e.start..e.end] == "Ahmed Vokshire")
            .map(|e| e.para)
            .collect();
        pages.dedup();
        pages
    }

    #[test]
    fn author_lines_are_searched_on_the_pages_the_profile_names() {
        assert_eq!(
            author_pages_found(None),
            [0, 3],
            "first and last by default"
        );
        let profile =
            crate::policy::Profile::parse("site.toml", "[author_pages]\nfirst = 2\nlast = 0\n")
                .expect("profile");
        assert_eq!(author_pages_found(Some(profile)), [0, 1]);
        let bad = crate::policy::Profile::parse("site.toml", "[author_pages]\nfirst = 5000\n")
            .expect_err("refused");
        assert!(bad.detail.contains("author_pages.first"), "{}", bad.detail);
        let unknown = crate::policy::Profile::parse("site.toml", "[author_pages]\nmiddle = 1\n")
            .expect_err("refused");
        assert!(unknown.detail.contains("middle"), "{}", unknown.detail);
    }
}

#[cfg(test)]
mod edge_props {
    use super::*;
    use crate::ner::NER_CATEGORIES;
    use proptest::prelude::*;

    /// Pieces that put multi-byte characters next to the words and signs the edge rules
    /// look at (slashes, "x", "plan", clock times, line breaks).
    fn text() -> impl Strategy<Value = String> {
        let piece = prop::sample::select(vec![
            "Å",
            "ø",
            "é",
            "中",
            "—",
            "’",
            " ",
            "\n",
            "/",
            "-",
            ".",
            ",",
            "#",
            "x",
            "X",
            "plan",
            "PLAN",
            "health",
            "care",
            "1900",
            "0700",
            "12",
            "4",
            "2x",
            "w",
            "fxn.",
            "jen",
            "rn",
            "MI",
            "CT",
            "98",
            "1.2",
            "PEEP",
            "pager",
            "ij",
            "swan",
            "Ålesund",
            "508-555-0177",
        ]);
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Shaping and checking a learned span never panics, whatever characters surround
        /// it, and the shaped span stays inside the text on character boundaries.
        #[test]
        fn learned_span_edges_hold_on_any_text(t in text(), a in 0usize..64, b in 0usize..64, k in 0usize..NER_CATEGORIES.len()) {
            let engine = test_engine();
            let cuts: Vec<usize> = t.char_indices().map(|(i, _)| i).chain([t.len()]).collect();
            let (x, y) = (cuts[a % cuts.len()], cuts[b % cuts.len()]);
            let (start, end) = (x.min(y), x.max(y));
            let s = Span { start, end, category: NER_CATEGORIES[k], score: 0.9, detector: "ner".into() };
            for flat in [false, true] {
                let shaped = engine.shape_ner(&t, s.clone(), flat);
                prop_assert!(shaped.start <= shaped.end && shaped.end <= t.len());
                prop_assert!(t.is_char_boundary(shaped.start) && t.is_char_boundary(shaped.end));
                let _ = engine.plausible_ner(&t, &shaped, &HashSet::new(), flat);
            }
        }

        /// The rules never panic on such text either.
        #[test]
        fn rules_hold_on_any_text(t in text()) {
            let engine = test_engine();
            let units = vec![TextUnit { text: &t, page: None, is_heading: false }];
            prop_assert!(crate::detector::BatchDetector::detect_batch(&*engine.rules, &units).is_ok());
        }
    }

    fn test_engine() -> &'static Engine {
        static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
        ENGINE.get_or_init(|| Engine::new(crate::Config::safe_harbor(), 1).expect("engine"))
    }
}
