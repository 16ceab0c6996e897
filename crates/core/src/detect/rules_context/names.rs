//! Names in any casing: after a title or a relation word, in a signature, census first
//! name + surname pairs, and (in one-casing text) greetings, lists of names and employers.

use super::ContextRules;
use crate::detect::rules::rules_dict::Dicts;
use crate::detect::rules::{first_word_lower, last_word_lower, span};
use crate::types::{Category, Span};

/// A name span (score 0.8) over capture `group` of every match of `re` in `text` that
/// `accept` takes; `accept` sees the whole match and the group's text. The shape the
/// rules for nicknames, roles in brackets, handoffs and covering clinicians share.
fn names_where(
    re: &regex::Regex,
    group: usize,
    text: &str,
    out: &mut Vec<Span>,
    accept: impl Fn(&regex::Captures, &str) -> bool,
) {
    for c in re.captures_iter(text) {
        let Some(w) = c.get(group) else { continue };
        if accept(&c, w.as_str()) {
            out.push(span(w.start(), w.end(), Category::Name, 0.8, "name"));
        }
    }
}

impl ContextRules {
    /// Names that only their capitals show in mixed case, found in one-casing text by
    /// context and word lists: a word that is no ordinary word or place after a greeting
    /// ("hi vinicio,"), the
    /// items of a list of three or more single words that are census names or no ordinary
    /// words, two thirds of them census names that are no ordinary word ("romi, erik, amy, nathaniel and kristen"; not "brown, green
    /// and white"), and an employer after "work for / at" whose first word is no ordinary
    /// word ("worked for intermap technologies").
    pub(super) fn flat_names(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.greeting.captures_iter(text) {
            let Some(w) = c.get(1) else { continue };
            if !d.ordinary(w.as_str()) && !d.place(w.as_str()) {
                out.push(span(w.start(), w.end(), Category::Name, 0.75, "name"));
            }
        }
        for m in self.word_list.find_iter(text) {
            let items: Vec<regex::Match> = d
                .words(m.as_str())
                .filter(|w| !matches!(w.as_str().to_lowercase().as_str(), "and"))
                .collect();
            let census = |w: &str| d.first_name(w) || d.surname(w);
            let named = items.iter().filter(|w| d.name_like(w.as_str())).count();
            // every item a census name or no ordinary word ("romi"), none clinical
            let ok = items.iter().all(|w| {
                let w = w.as_str();
                (census(w) || !d.ordinary(w)) && !d.clinical(w) && !d.stop(w)
            });
            if ok && named * 3 >= items.len() * 2 {
                for w in items {
                    let s = m.start() + w.start();
                    out.push(span(s, s + w.len(), Category::Name, 0.75, "name"));
                }
            }
        }
        for c in self.employer.captures_iter(text) {
            let Some(g) = c.get(2) else { continue };
            let words: Vec<regex::Match> = d.words(g.as_str()).collect();
            let Some(first) = words.first() else { continue };
            // ordinary words name an employer that says what kind of business it is, two of
            // them before the kind ("WORKS PART TIME AT CITY FRESH FOODS"; not "works at a
            // local pharmacy", "at local pharmacy"): no function word or abbreviation
            // among them ("city" is a stop word as an address label)
            let kind_named = self.firm_kind.find(g.as_str()).filter(|k| {
                let named: Vec<&str> = words
                    .iter()
                    .take_while(|w| w.start() < k.end())
                    .map(|w| w.as_str())
                    .collect();
                k.start() == 0
                    && named.len() >= 3
                    && named
                        .iter()
                        .all(|w| !d.allowed(w) && (!d.stop(w) || w.eq_ignore_ascii_case("city")))
            });
            if let Some(k) = kind_named {
                let end = g.start() + k.end() - usize::from(k.as_str().ends_with('.'));
                out.push(span(g.start(), end, Category::Organization, 0.75, "org"));
                continue;
            }
            if d.ordinary(first.as_str()) || d.place(first.as_str()) {
                continue;
            }
            // the name runs while its words are no function or clinical words
            let last = words
                .iter()
                .take_while(|w| !d.stop(w.as_str()) && !d.clinical(w.as_str()))
                .last()
                .unwrap_or(first);
            out.push(span(
                g.start() + first.start(),
                g.start() + last.end(),
                Category::Organization,
                0.75,
                "org",
            ));
        }
    }

    /// In mixed-case text, an employer after "works at / retired from": the capitalised
    /// words that follow ("works days at Home Depot", "retired from Polaroid", "works for
    /// the Boston Globe").
    pub(super) fn titled_employers(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.employer.captures_iter(text) {
            let Some(g) = c.get(2) else { continue };
            // after "the" the name is two capitalised words or more, or one that is no
            // ordinary word ("works for the Boston Globe"; not "works at the Hospital")
            let the = c.get(1).is_some();
            let words: Vec<regex::Match> = d
                .words(g.as_str())
                .take_while(|w| {
                    let t = w.as_str();
                    t.starts_with(char::is_uppercase) && !d.clinical(t)
                })
                .collect();
            let (Some(first), Some(last)) = (words.first(), words.last()) else {
                continue;
            };
            // "works at Home Depot" yes; "works at The", "retired from Boston" no
            if (words.len() == 1
                && (d.stop(first.as_str())
                    || d.place(first.as_str())
                    || (the && d.ordinary(first.as_str()))))
                || matches!(first.as_str(), "The" | "A" | "An")
            {
                continue;
            }
            let end = g.start() + last.end() - usize::from(last.as_str().ends_with('.'));
            out.push(span(
                g.start() + first.start(),
                end,
                Category::Organization,
                0.75,
                "org",
            ));
        }
    }

    /// A word after a title or in a signature is a name when it reads as one: a census
    /// name that is no English word, or (in a title) any word that is neither English
    /// nor clinical ("DR WALSH", "dr okafor"; not "DR NOTIFIED", "dr aware").
    pub(super) fn names(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        // a title's word may itself be a title ("HO DR LEE", "FELLOW DR. OKONKWO"): the
        // search goes on from that word
        let mut at = 0;
        while let Some(c) = self.title.captures_at(text, at) {
            let (Some(m), Some(w1)) = (c.get(0), c.get(1)) else {
                break;
            };
            at = w1.start();
            // "his primary doctor.  He was…": a title written out ends the sentence
            let title = text[m.start()..w1.start()].to_lowercase();
            let written_out = [
                "doctor",
                "professor",
                "sister",
                "nurse",
                "matron",
                "miss",
                "attending",
                "fellow",
                "resident",
                "intern",
            ]
            .iter()
            .any(|t| title.starts_with(&format!("{t}.")));
            if written_out {
                continue;
            }
            let (a, b) = (w1.as_str(), c.get(2).map(|m| m.as_str()));
            // "dr amber mathew": a first name that is also a word, then a surname
            // (not a function word that is also a census name: "SISTER IN SHREWSBURY")
            let first_then_surname = d.first_name(a)
                && !matches!(a.to_lowercase().as_str(), "in" | "an" | "so")
                && b.is_some_and(|b| d.name_like(b));
            // "mr. wight," / "dr. porch" at the end of a line: a surname that is also a
            // word, where nothing continues the phrase ("dr aware of labs" does)
            let rest = text.get(w1.end()..).unwrap_or("");
            let ends_phrase = rest.is_empty()
                || rest.starts_with([',', '.', ';', '\n', ')'])
                || rest.trim_start_matches([' ', '\t']).starts_with('\n');
            let surname_alone = d.surname(a) && ends_phrase;
            // "NURSE MANAGER DEB 508-555-0146", "CM LUPE EXT 4417": a first name that is
            // also a word, then the number to reach that person by
            let first_then_number = d.first_name(a) && !d.stop(a) && number_follows(rest);
            // "seen by dr wake on rounds", "mrs. tufts is": a census surname followed by a
            // function word; not a verb that reads as one ("dr will be notified")
            let a_lower = a.to_lowercase();
            let surname_then_function = d.surname(a)
                && a.chars().count() >= 3
                && !d.stop(a)
                && !TITLE_VERBS.contains(&a_lower.as_str())
                && first_word(rest)
                    .is_some_and(|w| d.stop(w) || NAME_VERBS.contains(&w.to_lowercase().as_str()));
            // "DR H OSEI", "dr a khan": an initial without its full stop, then a surname
            let initial_then_surname = a.chars().count() == 1
                && a.chars().all(char::is_alphabetic)
                && b.is_some_and(|b| b.chars().count() > 1 && !d.stop(b) && !d.clinical(b));
            // "mrs g. is a 78 yo": a personal title and an initial alone
            let initial_alone = a.chars().count() == 1
                && a.chars().all(char::is_alphabetic)
                && rest.starts_with('.')
                && ["mr", "mrs", "ms", "miss", "mx"]
                    .contains(&title.trim_end_matches([' ', '\t', '.']));
            // "DR. ST. JOHN", "dr saint clair": a surname with a saint's prefix (not a
            // saint's hospital, "st. mary's")
            let saint_surname = matches!(a_lower.as_str(), "st" | "saint")
                && b.is_some_and(|b| {
                    let l = b.to_lowercase();
                    b.chars().count() > 1
                        && !d.stop(b)
                        && !d.clinical(b)
                        && !l.ends_with(['\'', '’'])
                        && !l.ends_with("'s")
                        && !l.ends_with("’s")
                });
            // "INTERPRETER (KOREAN)": a word in brackets after a title is a census name;
            // so is the word after a role or shorthand that is mostly no title ("md (tran)
            // aware", "lactation (marisol)", "RES PRIYA", "IB O'SULLIVAN" for an infant
            // boy; not "MD PGY-1", "RES PENDING")
            let bracketed = text[m.start()..w1.start()].contains('(');
            let role = title.trim_end_matches([' ', '\t', '(', '.']);
            let loose = matches!(role, "md" | "lactation" | "res" | "ib" | "ig");
            if (bracketed || loose) && !d.first_name(a) && !d.surname(a) {
                continue;
            }
            // after shorthand that is mostly a unit, a lab or a measure ("2 CM LONG.", "PO
            // INTAKE GOOD.") only a name that is no word, or one a number follows ("CM
            // LUPE EXT 4417", "PCT BAO")
            if matches!(role, "cm" | "pct" | "intake") && !d.name_like(a) && !first_then_number {
                continue;
            }
            // "L. CHU, RN BSN": a second credential is no name
            if d.credential(a) {
                continue;
            }
            if let (true, Some(w2)) = (saint_surname, c.get(2)) {
                out.push(span(w1.start(), w2.end(), Category::Name, 0.9, "name"));
                at = w2.end();
                continue;
            }
            if d.ordinary(a)
                && !initial_alone
                && !first_then_surname
                && !surname_alone
                && !surname_then_function
                && !initial_then_surname
                && !first_then_number
            {
                continue;
            }
            let mut end = w1.end();
            if let (Some(w2), Some(b)) = (c.get(2), b) {
                // "Dr John Walsh": a first name, then a surname
                if (d.first_name(a) && !d.ordinary(b)) || initial_then_surname {
                    end = w2.end();
                }
            }
            out.push(span(w1.start(), end, Category::Name, 0.9, "name"));
            at = end;
        }
        // the word after a relation word may be the next one ("PARENTS: MOM (JESSICA)",
        // "HCP: WIFE MARY"): the search goes on from it
        let mut at = 0;
        while let Some(c) = self.relation.captures_at(text, at) {
            let (Some(m), Some(w1)) = (c.get(0), c.get(1)) else {
                break;
            };
            at = w1.start().max(m.start() + 1);
            // "wife sandy and son", "sister dolly in to visit", "HCP FAITH.", "WIFE HOPE TO
            // PICK UP": a first name that is also a word, where a list, a visit or the
            // sentence's end continues the phrase
            let rest = text.get(w1.end()..).unwrap_or("");
            let continues = rest.starts_with([',', ')', '.', ';'])
                || rest
                    .trim_start_matches([' ', '\t'])
                    .starts_with(['&', '(', '\n'])
                || first_word(rest).is_some_and(|w| {
                    matches!(
                        w.to_lowercase().as_str(),
                        "and"
                            | "in"
                            | "at"
                            | "is"
                            | "was"
                            | "were"
                            | "visited"
                            | "visiting"
                            | "staying"
                            | "coming"
                            | "arrived"
                            | "called"
                            | "phoned"
                            | "spent"
                            | "stayed"
                            | "updated"
                            | "present"
                            | "to"
                            | "by"
                            | "with"
                            | "w"
                            | "ok"
                            | "wants"
                            | "agrees"
                            | "asks"
                            | "asked"
                            | "brought"
                            | "came"
                            | "also"
                    ) || AGREEING_VERBS.contains(&w.to_lowercase().as_str())
                        // "neighbor dawn doing the milking": a verb's -ing form
                        || (w.len() >= 5
                            && w.to_lowercase().ends_with("ing")
                            && d.english(w))
                })
                // "SISTER-IN-LAW DOT 508-555-0158": the number to reach her
                || number_follows(rest);
            // "MOB CRYSTAL HENDERSON": or a surname that is no word follows
            let surname_follows = c
                .get(2)
                .is_some_and(|w2| d.surname(w2.as_str()) && d.name_like(w2.as_str()));
            // across a line break only a first name that is no word ("WIFE\nDEBRA CALLED")
            let across_line = text[m.start()..w1.start()].contains('\n');
            if !d.first_name(w1.as_str())
                || (d.ordinary(w1.as_str()) && ((!continues && !surname_follows) || across_line))
            {
                continue;
            }
            // "NIECE PEG O'ROURKE": a clinical word is a first name where a surname that is
            // no word follows
            // "son will lives in nh": a modal before a verb that agrees with a subject is
            // a first name
            let subject_verb = first_word(rest)
                .is_some_and(|w| AGREEING_VERBS.contains(&w.to_lowercase().as_str()));
            if (d.clinical(w1.as_str()) && !surname_follows)
                || (d.stop(w1.as_str()) && !subject_verb)
            {
                continue;
            }
            let mut end = w1.end();
            if let Some(w2) = c.get(2) {
                // "NEPHEW DAVID FROST,": a census surname that is also a word, where the
                // phrase ends after it
                let after = text.get(w2.end()..).unwrap_or("");
                let phrase_ends = after.is_empty() || after.starts_with([',', '.', ';', '\n', ')']);
                let word_surname = phrase_ends
                    && !d.stop(w2.as_str())
                    && !d.clinical(w2.as_str())
                    && d.first_name(w1.as_str())
                    && !d.ordinary(w1.as_str());
                if d.surname(w2.as_str()) && (d.name_like(w2.as_str()) || word_surname) {
                    end = w2.end();
                }
            }
            out.push(span(w1.start(), end, Category::Name, 0.85, "name"));
            // "DAUGHTERS LISA & ANN", "sons mark and paul", "KIDS RYAN, KATIE AND SEAN",
            // "SIBLINGS MIA (4) AND LUCAS (2)", "SISTERS MARY IN WORCESTER AND ANN IN
            // FLORIDA": first names listed after the first, each no word of any kind
            while let Some(next) = listed_name(d, text, end) {
                let w = &text[next.0..next.1];
                if !d.first_name(w) || d.clinical(w) || d.stop(w) || d.ordinary(w) {
                    break;
                }
                out.push(span(next.0, next.1, Category::Name, 0.8, "name"));
                end = next.1;
            }
        }
        for c in self.signature.captures_iter(text) {
            let Some(g) = c.get(1) else { continue };
            // "D/W GUERRA, RRT": a letter glued to a slash is shorthand, no initial
            if text[..g.start()].ends_with('/')
                && g.as_str()
                    .split_whitespace()
                    .next()
                    .is_some_and(|w| w.chars().count() <= 2)
            {
                continue;
            }
            let words: Vec<&str> = g
                .as_str()
                .split([' ', '\t', '.'])
                .filter(|w| w.chars().count() > 1)
                .collect();
            let Some(last) = words.last() else { continue };
            // "sue b. rn", "kelly b., rn": a first name and a surname's initial that
            // close a signature count as an initial and a surname do
            let closing_initial = words.len() == 1
                && g.as_str().strip_suffix('.').is_some_and(|h| {
                    let mut cs = h.chars();
                    cs.next_back().is_some_and(char::is_alphabetic)
                        && cs.as_str().ends_with([' ', '\t'])
                })
                && d.first_name(last)
                && !d.clinical(last)
                && !d.stop(last);
            let initial = c.get(2).is_some() || closing_initial;
            let Some(cred) = c.get(3) else { continue };
            let credential = cred.as_str().to_lowercase();
            // what stands before the signature on its line
            let line_head = text[..g.start()].rsplit('\n').next().unwrap_or("");
            // an initial and a surname opening their line ("P. GREEN RN, CM")
            let opens_line = line_head.trim_start_matches(['-', ' ', '\t']).is_empty();
            // without a comma ("J. SMITH RN"), only an initial and a surname closing their
            // line sign a note
            if !text[g.end()..cred.start()].contains(',') {
                let tail = text[cred.end()..].trim_start_matches(['.', ' ', '\t']);
                // a comma after the credential closes a signature in a list of staff
                // ("K. O'BRIEN RN, FR. MULCAHY"), with an initial
                let line_ends = tail.is_empty()
                    || tail.starts_with(['\n', '\r'])
                    || (initial && tail.starts_with([',', '/']));
                // or how to reach the signer, or another credential, closes the line
                // ("RICK ALMEIDA RRT X6721", "M. OSTROWSKI RD BEEPER 4411", "c. obrien rn cm")
                let next = tail
                    .split(|c: char| c.is_whitespace() || matches!(c, '.' | ','))
                    .next()
                    .unwrap_or("")
                    .to_lowercase();
                let reach = matches!(
                    next.as_str(),
                    "pager" | "pgr" | "beeper" | "bleep" | "ext" | "cm" | "ccrn" | "bsn"
                ) || ((next.starts_with('x') || next.starts_with('#'))
                    && next.len() > 1
                    && next[1..].chars().all(|c| c.is_ascii_digit() || c == '-'));
                // "-- Maureen RN": a first name after a dash, signing
                let dashed = text[..g.start()].trim_end().ends_with('-')
                    && d.first_name(g.as_str())
                    && !d.ordinary(g.as_str());
                // a first name and a surname that is no ordinary word, signing
                let full = words.len() == 2
                    && d.first_name(words[0])
                    && !d.clinical(words[0])
                    && !d.stop(words[0])
                    && !d.ordinary(words[1])
                    && !d.clinical(words[1]);
                // "jen rn" on a line of its own: a first name that is no word, signing
                let alone = line_head.trim().is_empty()
                    && d.first_name(g.as_str())
                    && !d.ordinary(g.as_str());
                // "BY MAUREEN RN FOR", "SPOKE W/ DEB RN AT": a first name that is no word
                // with a credential, after a word of who did or was told something
                // (the signature's match may hold the word before: "BY MAUREEN")
                let (lead, name) = match words.as_slice() {
                    [lead, name] => (lead.to_lowercase(), *name),
                    [name] => (
                        last_word_lower(text[..g.start()].trim_end_matches(['/', ' ', '\t'])),
                        *name,
                    ),
                    _ => (String::new(), ""),
                };
                let led = !initial
                    && d.first_name(name)
                    && !d.ordinary(name)
                    && !d.clinical(name)
                    && matches!(
                        lead.as_str(),
                        "by" | "w" | "with" | "per" | "from" | "to" | "spoke" | "called" | "paged"
                    );
                if led {
                    let start = g.end() - name.len();
                    out.push(span(start, g.end(), Category::Name, 0.85, "name"));
                    continue;
                }
                let signs = ((initial || dashed || alone) && words.len() == 1) || full;
                if !signs || !(line_ends || reach) {
                    continue;
                }
            }
            // "t. ours, rn", "kerri herb, md": with an initial or a census first name and a
            // credential that is no ordinary abbreviation, a surname that is also a word
            let strong = !matches!(credential.as_str(), "pt" | "ot" | "ct" | "rt" | "do" | "pa")
                && (!d.clinical(last) || (initial && opens_line && words.len() == 1))
                && !d.stop(last)
                && (initial
                    || (words.len() == 2 && d.first_name(words[0]) && !d.clinical(words[0])));
            if !strong && (!d.name_like(last) || words.iter().any(|w| d.ordinary(w))) {
                continue;
            }
            // "Baltimore, MD", "Erie, PA": a credential that is also a state code needs a
            // first name or an initial, and never follows a known place
            let statey = matches!(credential.as_str(), "md" | "pa" | "do");
            if statey && (d.place(g.as_str()) || (words.len() < 2 && !initial)) {
                continue;
            }
            out.push(span(g.start(), g.end(), Category::Name, 0.85, "name"));
        }
    }

    /// A nickname in quotes right after a name, no brackets ('INFANT GIRL MCCARTHY
    /// "NORA"', 'DTR FRANCES "FRANKIE" ABBOTT'): a census first name that is no ordinary
    /// word, after a census name that is no ordinary word either (not 'PT STATES
    /// "NORA"'; bracketed ones are `quoted_name`'s). A quoted word that shortens the name before it is its nickname too ('HUSBAND
    /// DESMOND "DES"', 'adeyemi, folasade "sade"').
    pub(super) fn nicknames(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        names_where(&self.quoted_after_name, 2, text, out, |c, b| {
            let Some(a) = c.get(1).map(|a| a.as_str()) else {
                return false;
            };
            let shortens = b.chars().count() >= 3
                && a.to_lowercase().contains(&b.to_lowercase())
                && a.chars().count() > b.chars().count()
                && !d.ordinary(b);
            (d.name_like(a) && d.first_name(b) && d.name_like(b))
                || (shortens && (d.name_like(a) || !d.ordinary(a)))
        });
    }

    /// A header line that opens with "SURNAME, FIRST [M]" and holds a record label
    /// ("CHHOEUN, SOPHEAP   MRN 7612290", "pt: cyr, lucien   mrn 3390021   77 m"), or one
    /// after "pt:"/"patient:" whose words read as names, closing the line or a column: the
    /// name and a quoted nickname after it ('BROUSSARD, ALCIDE J "T-BOY"'). No clinical
    /// or function word ("NEURO, CV   DOB…" is none).
    pub(super) fn header_names(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.header_name.captures_iter(text) {
            let (Some(n), Some(rest)) = (c.get(3), c.get(5)) else {
                continue;
            };
            let r = rest.as_str();
            // an age and a sex right after the name ("OCHOA, BENITO 24M  MRN", "pt:
            // delgado, hector 61m") mark a patient's header as a record label does
            let aged = self.age_sex.is_match(r);
            let column = r.trim().is_empty()
                || r.starts_with("  ")
                || r.starts_with('\t')
                || r.trim_start().starts_with([',', ';', '|'])
                || aged;
            let recorded = self.record_label.is_match(r) || aged;
            // "pt:", "patient name:"; "PT DESROCHERS, AMBER L.  MRN" needs its record label
            let labelled = c.get(2).is_some();
            if !column || !(recorded || labelled) {
                continue;
            }
            let words: Vec<&str> = n
                .as_str()
                .split([',', ' ', '\t'])
                .map(|w| w.trim_end_matches('.'))
                .filter(|w| !w.is_empty())
                .collect();
            let ok = words.iter().all(|w| {
                w.chars().count() == 1
                    || (!d.clinical(w)
                        && !d.stop(w)
                        && !d.credential(w)
                        && (recorded || d.name_like(w) || !d.english(w)))
            });
            if !ok {
                continue;
            }
            out.push(span(n.start(), n.end(), Category::Name, 0.85, "name"));
            if let Some(k) = c.get(4) {
                let nick = k.as_str().trim();
                if !nick.is_empty() && !d.clinical(nick) && !d.stop(nick) && !d.allowed(nick) {
                    let at = k.start() + (k.as_str().len() - k.as_str().trim_start().len());
                    out.push(span(at, at + nick.len(), Category::Name, 0.8, "name"));
                }
            }
        }
    }

    /// A word that is no ordinary, clinical or function word right before a clinician's
    /// role in brackets is that clinician's name ("per okafor (attending)"; not "seen by
    /// team (attending)", "pt (np) aware").
    pub(super) fn role_in_brackets(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        names_where(&self.role_in_brackets, 1, text, out, |_, t| {
            t.chars().count() >= 2 && t.chars().all(char::is_alphabetic) && !d.ordinary(t)
        });
    }

    /// A census first name after a handoff ("REPORT GIVEN TO SUE AT 1330", "handed off
    /// to marcus"); one that is also a word only where the phrase ends or a time or place
    /// follows; no function, clinical or credential word ("report given to floor rn").
    pub(super) fn handoff_names(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        names_where(&self.handoff, 1, text, out, |c, t| {
            let end = c.get(1).map_or(text.len(), |w| w.end());
            let rest = text[end..].trim_start_matches([' ', '\t']);
            let closes = rest.is_empty()
                || rest.starts_with([',', '.', ';', '\n', '(', '@'])
                || first_word(rest).is_some_and(|n| {
                    matches!(n.to_lowercase().as_str(), "at" | "on" | "in" | "rn" | "lpn")
                });
            d.first_name(t)
                && !d.stop(t)
                && !d.clinical(t)
                && !d.credential(t)
                && (!d.ordinary(t) || closes)
        });
    }

    /// A first name that is no word of any kind alone on the text's last line, dashes
    /// before it allowed, signs the note ("...I/O.\nMEG", "-- Maureen").
    pub(super) fn closing_first_name(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        let body = text.trim_end();
        let Some(k) = body.rfind('\n') else { return };
        let line = body[k + 1..].trim_start_matches(['-', ' ', '\t']);
        let w = line.trim_end_matches('.');
        if w.chars().count() > 1
            && w.chars().all(char::is_alphabetic)
            && d.first_name(w)
            && !d.ordinary(w)
            && !d.clinical(w)
            && !d.stop(w)
        {
            let start = body.len() - line.len();
            out.push(span(start, start + w.len(), Category::Name, 0.8, "name"));
        }
    }

    /// The covering clinician named after "covering" and a comma, colon, bracket or dash
    /// ("called covering, patel, @ 0225", "covering md: Nguyen"): a census name that is no
    /// function or clinical word, and no ordinary word unless capitalised.
    pub(super) fn covering_names(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        names_where(&self.covering, 1, text, out, |_, t| {
            let named = (d.surname(t) || d.first_name(t)) && !d.stop(t) && !d.clinical(t);
            let plain = !d.ordinary(t)
                || (t.starts_with(char::is_uppercase) && t.chars().skip(1).any(char::is_lowercase));
            named && plain
        });
    }

    /// A census surname before "family" ("SMITH FAMILY IN", "the Nguyen family"): no
    /// clinical or function word, none of the common words that are also names, and no
    /// adjective that qualifies a family ("foster", "whole", "young").
    pub(super) fn family_names(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        for c in self.family_name.captures_iter(text) {
            let (Some(m), Some(w)) = (c.get(0), c.get(1)) else {
                continue;
            };
            let t = w.as_str();
            let adjective = matches!(
                t.to_lowercase().as_str(),
                "foster"
                    | "host"
                    | "nuclear"
                    | "immediate"
                    | "whole"
                    | "extended"
                    | "entire"
                    | "large"
                    | "own"
                    | "close"
                    | "new"
                    | "young"
                    | "big"
                    | "good"
                    | "bad"
                    | "strong"
                    | "poor"
                    | "loving"
                    | "church"
                    | "parish"
                    | "work"
                    | "school"
                    | "chosen"
                    | "birth"
                    | "adoptive"
            );
            // "a bad family history", "STRONG FAMILY HX": the history of a family
            let history = matches!(
                first_word_lower(&text[m.end()..]).as_str(),
                "history" | "hx"
            );
            if d.surname(t)
                && !adjective
                && !history
                && !d.common(t)
                && !d.clinical(t)
                && !d.stop(t)
            {
                out.push(span(w.start(), w.end(), Category::Name, 0.8, "name"));
            }
        }
        // a family by its surname in the plural ("THE OLSONS", "the Joneses"): a census
        // surname that is no word of any kind, nor is its plural
        for c in self.family_plural.captures_iter(text) {
            let (Some(w), Some(stem)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let (t, st) = (w.as_str(), stem.as_str());
            // (a stem of four letters or more: "the pons" is anatomy)
            if st.chars().count() >= 4
                && d.surname(st)
                && !d.ordinary(st)
                && !d.ordinary(t)
                && !d.common(st)
            {
                out.push(span(w.start(), w.end(), Category::Name, 0.8, "name"));
            }
        }
    }

    /// The initials of dictating and typing staff that close a transcription ("am/jt",
    /// "hv/dm d: 02/06/2024"): two groups of two or three letters on a line of their own
    /// or after a date or a full stop; not two allow-listed clinical terms or two English
    /// words ("pt/ot", "and/or"; nearly every pair of letters is some clinical
    /// abbreviation, so the wider lists cannot decide).
    pub(super) fn dictation_initials(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        // "-kt", "-- mh rn": a nurse's initials after a dash on the note's last lines
        for c in self.dash_initials.captures_iter(text) {
            let Some(a) = c.get(1) else { continue };
            // closing a line after a dash, a pair of letters is initials even when it is
            // also some abbreviation ("-ak"); not an ordinary or allow-listed word ("-OK")
            let w = a.as_str();
            if !d.english(w) && !d.stop(w) && !d.allowed(w) {
                out.push(span(a.start(), a.end(), Category::Name, 0.7, "name"));
            }
        }
        // 'asks to be called "tillie"': a name in quotes after a naming verb
        for c in self.nickname.captures_iter(text) {
            let Some(a) = c.get(1) else { continue };
            let w = a.as_str();
            if (d.first_name(w) || !d.english(w)) && !d.clinical(w) && !d.stop(w) {
                out.push(span(a.start(), a.end(), Category::Name, 0.75, "name"));
            }
        }
        // a word in quotes after a relation word or "real name", or after a name, is what
        // the person is called, an ordinary word or not ('friend "skip"', 'BABY GIRL "GRACE"
        // TRAN'); after "call me" a first name only ("CALL ME BUD", not "call me back")
        for c in self.quoted_name.captures_iter(text) {
            // a quoted word may be a clinical one ("dizzy"), not an abbreviation
            let no_word = |w: &str| d.allowed(w) || d.stop(w);
            if let Some(a) = c.get(1).or(c.get(6)) {
                if no_word(a.as_str()) {
                    continue;
                }
                out.push(span(a.start(), a.end(), Category::Name, 0.8, "name"));
                if let Some(b) = c.get(2).filter(|b| d.name_like(b.as_str())) {
                    out.push(span(b.start(), b.end(), Category::Name, 0.8, "name"));
                }
            } else if let Some(a) = c.get(3) {
                if d.first_name(a.as_str()) && !no_word(a.as_str()) && !d.clinical(a.as_str()) {
                    out.push(span(a.start(), a.end(), Category::Name, 0.75, "name"));
                }
            } else if let (Some(n), Some(a)) = (c.get(4), c.get(5)) {
                // 'ANDRE BAPTISTE ("DRE")', 'JEAN-PAUL ("J.P.")': the word before is a name
                // ('Noelani ("Noe")': or no word of any list)
                let named = d.name_like(n.as_str())
                    || (n.as_str().contains('-') && n.as_str().split('-').all(|p| d.name_like(p)))
                    || !(d.english(n.as_str()) || d.clinical(n.as_str()) || d.stop(n.as_str()));
                if named && !no_word(a.as_str()) {
                    out.push(span(a.start(), a.end(), Category::Name, 0.8, "name"));
                }
            } else if let Some(a) = c.get(7) {
                // 'CALLING OUT FOR "CLOYD"': a name, not a thing asked for ("help")
                let w = a.as_str();
                if (d.name_like(w) || !d.english(w)) && !no_word(w) && !d.clinical(w) {
                    out.push(span(a.start(), a.end(), Category::Name, 0.75, "name"));
                }
            }
        }
        for c in self.dictation_initials.captures_iter(text) {
            let (Some(a), Some(b)) = (c.get(1), c.get(2)) else {
                continue;
            };
            let (a_, b_) = (a.as_str(), b.as_str());
            if (d.allowed(a_) && d.allowed(b_))
                || (d.english(a_) && d.english(b_))
                || d.stop(a_)
                || d.stop(b_)
            {
                continue;
            }
            out.push(span(a.start(), a.end(), Category::Name, 0.7, "name"));
            out.push(span(b.start(), b.end(), Category::Name, 0.7, "name"));
        }
    }

    /// In text written in one casing, a census first name followed by a census surname,
    /// neither an ordinary or clinical word ("sara schwarz", "NATALIE ÅBERG"): a name
    /// without any context word, which mixed case would show by its capitals.
    pub(super) fn name_pairs(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        let mut at = 0;
        while let Some(c) = self.word_pair.captures_at(text, at) {
            let (Some(m), Some(a), Some(b)) = (c.get(0), c.get(1), c.get(2)) else {
                break;
            };
            let (wa, wb) = (a.as_str(), b.as_str());
            if d.first_name(wa) && d.name_like(wa) && d.surname(wb) && d.name_like(wb) {
                out.push(span(m.start(), m.end(), Category::Name, 0.75, "name"));
                at = m.end();
            } else {
                // overlapping pairs: the second word may start the next one
                at = b.start();
            }
        }
    }
}

/// Verbs that agree with a third-person subject, after which a relation's word is a first
/// name even when it is a word or a modal ("son will lives in nh", "wife hope states").
const AGREEING_VERBS: &[&str] = &[
    "lives", "works", "states", "says", "reports", "visits", "calls",
];

/// Words that follow a title as verbs, not names ("dr will be notified", "dr may call").
const TITLE_VERBS: &[&str] = &[
    "will", "may", "can", "shall", "must", "should", "would", "could", "might", "did", "does",
    "has", "had", "was", "is", "aware", "notified", "here", "paged", "called",
];

/// Verbs that follow a patient's name in letters and notes ("mr pitcher reports").
const NAME_VERBS: &[&str] = &[
    "reports",
    "states",
    "presents",
    "presented",
    "denies",
    "complains",
    "says",
    "feels",
    "underwent",
    "returns",
    "returned",
    "notes",
    "agrees",
    "understands",
    "tolerated",
    "remains",
    "remained",
    "continues",
    "attended",
    "attends",
    "describes",
    "declined",
];

/// The next name of a list after a name ending at `at`: past an age in brackets or alone
/// ("(4)") and a place ("in worcester", "from nh"), after a comma, "and" or "&".
fn listed_name(d: &Dicts, text: &str, at: usize) -> Option<(usize, usize)> {
    let mut at = at;
    let rest = text.get(at..)?;
    let t = rest.trim_start_matches([' ', '\t']);
    // an age: "(4)", "4"
    let age = t
        .strip_prefix('(')
        .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit()))
        .and_then(|r| r.strip_prefix(')'))
        .filter(|r| r.len() + 2 < t.len())
        .or_else(|| {
            let r = t.trim_start_matches(|c: char| c.is_ascii_digit());
            (r.len() < t.len()).then_some(r)
        });
    if let Some(r) = age {
        at += rest.len() - r.len();
    }
    // a place: "in worcester", "from cape cod"
    let rest = &text[at..];
    if let Some(w) = first_word(rest).filter(|w| matches!(w.to_lowercase().as_str(), "in" | "from"))
    {
        let after_in = &rest[rest.find(w)? + w.len()..];
        let place = first_word(after_in)?;
        if !d.place(place) {
            return joined_name(text, at);
        }
        at += rest.len() - after_in.len() + after_in.find(place)? + place.len();
    }
    let rest = text.get(at..)?;
    if let Some(after) = rest.trim_start_matches([' ', '\t']).strip_prefix(',') {
        let w = first_word(after)?;
        let start = at + (rest.len() - after.len()) + after.find(w)?;
        return Some((start, start + w.len()));
    }
    joined_name(text, at)
}

/// The byte range of the word after " and " or " & " at `at` in `text`.
fn joined_name(text: &str, at: usize) -> Option<(usize, usize)> {
    let rest = text.get(at..)?;
    let t = rest.trim_start_matches([' ', '\t']);
    let lower = t.get(..4).map(str::to_ascii_lowercase);
    let after = if let Some(after) = t.strip_prefix('&') {
        after
    } else if lower.as_deref() == Some("and ") || lower.as_deref() == Some("and\t") {
        &t[3..]
    } else {
        return None;
    };
    let w = first_word(after)?;
    let start = at
        + (rest.len() - after.len())
        + (after.len() - after.trim_start_matches([' ', '\t']).len());
    Some((start, start + w.len()))
}

/// The first word of `s` (letters only), if `s` starts with one after blanks.
fn first_word(s: &str) -> Option<&str> {
    let t = s.trim_start_matches([' ', '\t']);
    let end = t.find(|c: char| !c.is_alphabetic()).unwrap_or(t.len());
    (end > 0).then(|| &t[..end])
}

/// Whether a phone number or extension opens `rest`, its label before it or not
/// ("508-555-0146", "(978) 555-0101", "EXT 4417", "x4417", "BEEPER #4-5521").
fn number_follows(rest: &str) -> bool {
    let mut r = rest
        .trim_start_matches([' ', '\t', ',', '-'])
        .to_lowercase();
    for label in ["beeper", "pager", "cell", "phone", "ph", "tel", "ext", "x"] {
        if let Some(t) = r.strip_prefix(label) {
            r = t.trim_start_matches([' ', '.', ':', '#']).to_string();
            break;
        }
    }
    let r = r.trim_start_matches(['#', '(']);
    r.chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | '.' | ' ' | ')'))
        .filter(char::is_ascii_digit)
        .count()
        >= 4
}
