//! Label-driven fields ("Name:", "Address:", "NHS Number:"...): the value after the
//! label, whatever its format.

use super::ContextRules;
use crate::detect::rules::rules_dict::Dicts;
use crate::detect::rules::span;
use crate::types::{Category, Span};

impl ContextRules {
    /// Label-driven fields: the value after "Name:", "Address:", "Tel:", "DOB:", "NHS
    /// Number:", "Hospital Number:", "MRN:", "Email:", "Ref:" is PHI whatever its format, to
    /// the end of the field (end of line, a tab or two spaces, the next label). A name
    /// label's value must read as a name (no clinical or ordinary words); number labels
    /// need a digit. The label itself is never part of the span.
    pub(super) fn fields(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        let labels: Vec<(usize, usize, String)> = self
            .field
            .captures_iter(text)
            .filter_map(|c| {
                let (m, l) = (c.get(0)?, c.get(1)?);
                Some((l.start(), m.end(), l.as_str().to_lowercase()))
            })
            .collect();
        for (i, (_, label_end, label)) in labels.iter().enumerate() {
            let next_label = labels.get(i + 1).map_or(text.len(), |l| l.0);
            let Some((vstart, value)) = field_value(text, *label_end, next_label, label) else {
                continue;
            };
            let vstart = &vstart;
            let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
            if ORG_LABELS.contains(&label.as_str()) {
                org_field(d, *vstart, value, out);
                continue;
            }
            let first = label.split(' ').next().unwrap_or("");
            let (cat, needs_digit) = match first {
                "name" | "full" | "patient" | "next" | "nok" | "gp" | "re" | "regarding" | "to"
                | "attn" | "attention" => (Category::Name, false),
                "address" | "home" if !label.contains("phone") => (Category::Address, false),
                "tel" | "telephone" | "phone" | "mobile" | "fax" | "home" => {
                    (Category::Phone, true)
                }
                "e-mail" | "email" => (Category::Email, false),
                _ if label.starts_with('d') => (Category::Date, true),
                _ => (Category::Id, true),
            };
            let (vs, ve) = (*vstart, *vstart + value.len());
            if needs_digit {
                // the number itself: from the first digit (or '+', '(') to the last digit
                let Some(mut a) =
                    value.find(|ch: char| ch.is_ascii_digit() || ch == '+' || ch == '(')
                else {
                    continue;
                };
                // a reference runs from the start of its word ("NEU/SB/558031")
                if cat == Category::Id {
                    a = value[..a].rfind(char::is_whitespace).map_or(0, |w| w + 1);
                }
                let b = value
                    .rfind(|ch: char| ch.is_ascii_digit())
                    .map_or(0, |b| b + 1);
                let core = &value[a..b.max(a)];
                let digits = core.chars().filter(char::is_ascii_digit).count();
                // an ID may carry letters ("RX4 55231"); everything else is digits and
                // separators, and ends at the first word without a digit
                let words_ok = core.split_whitespace().all(|w| {
                    w.chars().any(|ch| ch.is_ascii_digit())
                        || (cat == Category::Id && w.len() <= 4)
                        || (cat == Category::Date && is_month(w))
                });
                if digits < 2 || !words_ok {
                    continue;
                }
                out.push(span(vs + a, vs + b.max(a), cat, 0.95, "field"));
                continue;
            }
            // a fax cover's "To:" and "Re:" name a person only when a census first name or
            // a title opens the value ("re: olin askins"; not "re: follow-up visit")
            let addressed = matches!(first, "re" | "regarding" | "to" | "attn" | "attention");
            if addressed {
                let opener = d
                    .words(value)
                    .next()
                    .map(|w| w.as_str().trim_end_matches('.'));
                let titled = opener.is_some_and(|w| {
                    matches!(
                        w.to_lowercase().as_str(),
                        "mr" | "mrs" | "ms" | "miss" | "dr"
                    )
                });
                if !titled && !opener.is_some_and(|w| d.first_name(w) && !d.clinical(w)) {
                    continue;
                }
            }
            if cat == Category::Name {
                // up to four name words; titles are skipped, an ordinary word ends it
                let mut s = None;
                let mut e = vs;
                for w in d.words(value).take(5) {
                    let off = vs + w.start();
                    let bare = w.as_str().trim_end_matches('.');
                    let title = matches!(
                        bare.to_lowercase().as_str(),
                        "mr" | "mrs" | "ms" | "miss" | "mx" | "dr" | "prof"
                    );
                    if title && s.is_none() {
                        continue;
                    }
                    let initial =
                        bare.chars().count() == 1 && bare.chars().all(char::is_alphabetic);
                    // after an explicit name label ("Patient Name:", "Next of kin:")
                    // ordinary words are names too ("moon, hugh")
                    // so after "Patient:" when the field is short ("patient: tufts, kati")
                    let explicit = label.contains("name")
                        || matches!(first, "next" | "nok")
                        || addressed
                        || (first == "patient" && d.words(value).count() <= 4);
                    let ok = initial
                        || d.name_like(bare)
                        || ((explicit || !d.english(bare))
                            && !d.clinical(bare)
                            && !d.stop(bare)
                            && bare
                                .chars()
                                .all(|ch| ch.is_alphabetic() || "-'’".contains(ch)));
                    if !ok {
                        break;
                    }
                    s.get_or_insert(off);
                    e = off + bare.len();
                }
                if let Some(s) = s {
                    if e > s && text.get(s..e).is_some_and(|t| t.chars().count() > 1) {
                        out.push(span(s, e, Category::Name, 0.9, "field"));
                    }
                }
                continue;
            }
            out.push(span(vs, ve, cat, 0.9, "field"));
        }
    }
}

/// Labels whose value names an organisation ("Practice: Bluegrass Internal Medicine",
/// "Insurance: Medicare + Tufts Health Plan").
const ORG_LABELS: &[&str] = &[
    "practice",
    "gp practice",
    "gp surgery",
    "facility",
    "insurance",
    "ins",
    "insurer",
    "employer",
    "school",
    "setting",
    "pharmacy",
    "outpt pharmacy",
    "outpatient pharmacy",
    "home infusion",
    "home health",
    "agency",
    "hospice",
    "vna",
    "snf",
    "funeral home",
    "transport",
    "anticoag",
    "pick up",
    "pickup",
    "drop off",
    "sending",
    "receiving",
];

/// Words that end an organisation field's name and the field ("KACHEMAK COMMUNITY VAN
/// *AVAILABLE* MWF", "BI-MART *ON* MAIN ST").
const ORG_FIELD_STOPS: &[&str] = &[
    "for",
    "referral",
    "faxed",
    "sent",
    "last",
    "on",
    "in",
    "per",
    "available",
    "accepted",
    "will",
    "is",
    "was",
    "has",
    "aware",
    "notified",
    "called",
    "contacted",
    "confirmed",
    "arranged",
    "scheduled",
    "set",
    "uses",
];

/// People in a field of care or daily life, whose names are no organisation's ("transport:
/// *son* kyle will drive", "setting: home w/ *wife*"): the field names none from there on.
const ORG_FIELD_PEOPLE: &[&str] = &[
    "son",
    "daughter",
    "dtr",
    "wife",
    "husband",
    "spouse",
    "partner",
    "family",
    "mother",
    "father",
    "mom",
    "dad",
    "sister",
    "brother",
    "friend",
    "neighbor",
    "neighbour",
    "niece",
    "nephew",
    "grandson",
    "granddaughter",
    "aunt",
    "uncle",
    "pt",
    "patient",
    "self",
    "caregiver",
];

/// Words before an organisation's name in its field, never part of it ("HOSPICE:
/// REFERRAL *TO* …", "SNF: ACCEPTED *AT* …", "Pharmacy: blister packs *via* …").
const ORG_FIELD_LEADS: &[&str] = &[
    "to", "at", "via", "from", "with", "w/", "by", "thru", "through",
];

/// Words a payer or employer field holds that name no organisation of the patient's own
/// (public programmes, plan types, "none", "retired").
const NO_ORG_VALUES: &[&str] = &[
    "medicare",
    "medicaid",
    "medi-cal",
    "masshealth",
    "self-pay",
    "self",
    "pay",
    "none",
    "uninsured",
    "private",
    "commercial",
    "hmo",
    "ppo",
    "pos",
    "epo",
    "primary",
    "secondary",
    "supplemental",
    "supplement",
    "part",
    "a",
    "b",
    "c",
    "d",
    "advantage",
    "n/a",
    "na",
    "unknown",
    "pending",
    "nhs",
    "retired",
    "unemployed",
    "disabled",
    "disability",
    "homemaker",
    "student",
    "self-employed",
    "n",
    "and",
    "with",
    "plus",
    "the",
];

/// Words that end a name in an organisation field: what comes after it on the line
/// ("Bay State Health Plan ID 1002…", "Member ID:").
const ORG_FIELD_ENDS: &[&str] = &[
    "id",
    "auth",
    "authorization",
    "member",
    "policy",
    "group",
    "no",
    "number",
    "ph",
    "phone",
    "tel",
    "fax",
    "subscriber",
];

/// Facility kinds that close a name in an organisation field whatever its words ("valley
/// women's imaging center").
const ORG_FIELD_KINDS: &[&str] = &[
    "center",
    "centre",
    "clinic",
    "hospital",
    "group",
    "practice",
    "associates",
    "plan",
    "plans",
    "surgery",
    "medicine",
    "partners",
    "rehab",
    "pediatrics",
    "paediatrics",
    "care",
    "health",
];

/// Kinds of services and congregations that close a name in an organisation field when
/// two words lead them ("kachemak community *van*", "elm city visiting *nurses*"; not
/// "wheelchair van").
const ORG_FIELD_WEAK_KINDS: &[&str] = &[
    "pharmacy",
    "drug",
    "drugs",
    "hospice",
    "dialysis",
    "infusion",
    "program",
    "association",
    "shelter",
    "van",
    "transport",
    "ambulance",
    "nurses",
    "church",
    "chapel",
    "parish",
    "baptist",
    "methodist",
    "lutheran",
    "pentecostal",
    "presbyterian",
    "episcopal",
    "congregational",
    "tabernacle",
    "ministries",
    "temple",
    "synagogue",
    "mosque",
];

/// The organisations an organisation field names: its parts between '+', '/', ',' and ';',
/// each up to a number, an ID word or the end of a sentence, without payer words and plan
/// types; a part is kept when a word in it is no ordinary word, when it is capitalised in
/// mixed-case text, or when a facility kind closes it after another word. Values of
/// clinical or ordinary words alone ("MICU", "retired", "3rd grade") give none.
fn org_field(d: &Dicts, vstart: usize, value: &str, out: &mut Vec<Span>) {
    let flat = super::flat_case(value);
    let mut part: Vec<(usize, &str)> = Vec::new();
    let flush = |part: &mut Vec<(usize, &str)>, out: &mut Vec<Span>| {
        while part
            .last()
            .is_some_and(|(_, w)| NO_ORG_VALUES.contains(&w.to_lowercase().as_str()))
        {
            part.pop();
        }
        let lead = part
            .iter()
            .position(|(_, w)| !NO_ORG_VALUES.contains(&w.to_lowercase().as_str()))
            .unwrap_or(part.len());
        let kept = &part[lead..];
        let (Some(&(s, _)), Some(&(e, last))) = (kept.first(), kept.last()) else {
            part.clear();
            return;
        };
        let unknown = kept.iter().any(|(_, w)| !d.ordinary(w));
        let titled = !flat && kept.iter().all(|(_, w)| w.starts_with(char::is_uppercase));
        let last_lower = last.to_lowercase();
        let kind = (kept.len() >= 2 && ORG_FIELD_KINDS.contains(&last_lower.as_str()))
            || (kept.len() >= 3 && ORG_FIELD_WEAK_KINDS.contains(&last_lower.as_str()));
        let clinical_only = kept.iter().all(|(_, w)| d.clinical(w) || d.stop(w));
        if (unknown || titled || kind) && !clinical_only {
            out.push(span(
                vstart + s,
                vstart + e + last.len(),
                Category::Organization,
                0.85,
                "field",
            ));
        }
        part.clear();
    };
    let mut last_end = 0;
    let mut sentence_end = false;
    for w in d.words(value) {
        let between = &value[last_end..w.start()];
        let word = w.as_str().trim_end_matches('.');
        last_end = w.end();
        if between.contains(['+', '/', ',', ';', '(']) {
            flush(&mut part, out);
        }
        let lower = word.to_lowercase();
        if ORG_FIELD_PEOPLE.contains(&lower.as_str()) {
            break;
        }
        // a dash between words closes the name before what the field adds ("GRATIOT AVE
        // PHARMACY - NEW LASIX DOSE"), and a month opens a date
        let dash = between.trim() == "-" || between.trim() == "\u{2013}";
        if sentence_end
            || dash
            || (month_word(word) && !part.is_empty())
            || word.chars().any(|c| c.is_ascii_digit())
            || ORG_FIELD_ENDS.contains(&lower.as_str())
            || between.contains(['#', ':'])
        {
            break;
        }
        if ORG_FIELD_STOPS.contains(&lower.as_str()) || ORG_FIELD_LEADS.contains(&lower.as_str()) {
            // after a name the field ends; before one, what came names no organisation
            // ("REFERRAL TO …", "bed available at …")
            if part.iter().any(|(_, w)| !d.ordinary(w)) {
                break;
            }
            part.clear();
            continue;
        }
        part.push((w.start(), word));
        // a full stop after a word of four letters or more ends the field ("ANTHEM
        // MEDIGAP. PT IS A VETERAN"; not "ST. MARY'S", "INC.")
        sentence_end = (w.as_str().ends_with('.') || value[w.end()..].starts_with('.'))
            && word.chars().count() >= 4;
    }
    flush(&mut part, out);
}

/// The value of a field whose label ends at `label_end`: the rest of the label's line up
/// to a tab, a double space or the next label; when the label ends its line (a form laid
/// out as "Address:" over its value), the next line, and for an address up to three more
/// lines before a blank line. `None` when there is no value or it is too long for one.
fn field_value<'t>(
    text: &'t str,
    label_end: usize,
    next_label: usize,
    label: &str,
) -> Option<(usize, &'t str)> {
    let rest = text.get(label_end..next_label.max(label_end))?;
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let own_line = rest[..line_end].trim();
    let (start, mut end, max_lines) = if own_line.is_empty() && line_end < rest.len() {
        let after = &rest[line_end + 1..];
        let lead = after.len() - after.trim_start_matches([' ', '\t']).len();
        let s = line_end + 1 + lead;
        if rest[s..].starts_with(['\n', '\r']) || s >= rest.len() {
            return None; // a blank line: the label has no value
        }
        let lines = if label.starts_with("address") || label.starts_with("home address") {
            4
        } else {
            1
        };
        (s, rest[s..].find('\n').map_or(rest.len(), |p| s + p), lines)
    } else {
        (0, line_end, 1)
    };
    for _ in 1..max_lines {
        // an address goes on over lines that are not blank
        let more = &rest[end..];
        let Some(line) = more.strip_prefix('\n') else {
            break;
        };
        let len = line.find('\n').unwrap_or(line.len());
        if line[..len].trim().is_empty() {
            break;
        }
        end += 1 + len;
    }
    if max_lines == 1 {
        let seg = &rest[start..end];
        if let Some(p) = seg.find('\t') {
            end = end.min(start + p);
        }
        if let Some(p) = seg.find("  ") {
            end = end.min(start + p);
        }
    }
    let value =
        rest[start..end].trim_end_matches(|ch: char| ch.is_whitespace() || ",;.|".contains(ch));
    let limit = if max_lines > 1 { 160 } else { 80 };
    (!value.is_empty() && value.chars().count() <= limit).then_some((label_end + start, value))
}

/// A month's name or its usual abbreviation, exactly ("FEB", "march", "sept"; not
/// "marine").
fn month_word(w: &str) -> bool {
    let l = w.trim_end_matches('.').to_lowercase();
    crate::text::MONTHS
        .iter()
        .any(|m| l == *m || ((l.len() == 3 || l == "sept") && m.starts_with(l.as_str())))
}

/// A month name or its abbreviation ("Aug", "august", "SEPT.").
fn is_month(w: &str) -> bool {
    let w = w.trim_end_matches('.').to_lowercase();
    w.len() >= 3
        && w.is_char_boundary(3)
        && [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ]
        .contains(&&w[..3])
}
