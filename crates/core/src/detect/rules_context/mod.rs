//! Context rules that hold in any casing: clinical notes are often written in ALL CAPS or
//! all lower case, where a capital letter says nothing. Each rule needs a context word
//! (a title, a relation word, a facility word, a place preposition, a field label) and
//! checks the candidate against word lists instead of its casing: census names, English
//! words (SCOWL), clinical abbreviations and vocabulary, and a GeoNames gazetteer.
//! Also the formats of UK letters: NHS numbers (checksum), UK phone numbers and postcodes.
//! Offsets are UTF-8 byte offsets into the input.

use regex::Regex;

use super::re;
use super::rules_dict::Dicts;
use crate::types::Span;

// The rule families, one file each (detect/rules_context/).
mod dates;
mod fields;
mod names;
mod orgs;
mod places;
pub use dates::month_day_is_measure;
pub(crate) use orgs::saint_start;
mod uk;

/// One word of a name or place in any casing.
const WORD: &str = r"[\p{L}][\p{L}'’\-]*";

/// Titles before a person's name. "Sister"/"nurse" are UK nursing titles.
/// Roles used as titles in nursing notes too ("NP ORTIZ", "RESIDENT TOWNSEND", "ATT
/// RUBENSTEIN", "BABY BOY DELGADO", "INTERPRETER MAI", "pca ana").
const TITLES: &str = r"dr|drs|doctor|mr|mrs|ms|mx|miss|prof|professor|sister|nurse|matron|np|nnp|rn|pa|rt|rrt|lpn|fr|rev|chaplain|attending|att|fellow|resident|intern|ho|tech|admissions|liaison|coordinator|manager|sw|dietitian|pharmacist|educator|interpreter|pca|cna|slp|cde|therapist|supervisor|advocate|detective|det|officer|trooper|sgt|rep|lc|atty|attorney|lawyer|md|lactation|deacon|pastor|res|ib|ig|pharmd|pharm-d|cm|pct|sitter|intake|preceptor|cha|chw|(?:baby|infant)[ \t]+(?:boy|girl)";

/// Relation words before a relative's first name ("WIFE MARGARET", "son kevin").
/// Plurals ("SONS MARK AND PAUL") and nursing shorthand (dtr, dau, sis, bro, gm for a
/// grandmother) included.
const RELATIONS: &str = r"(?:wife|husband|son|daughter|sister|brother|niece|nephew|mother|father|mom|mum|dad|grandson|granddaughter|grandmother|grandfather|grandma|grandpa|aunt|uncle|cousin|partner|fiance|fiancee|friend|boyfriend|girlfriend|spouse|neighbor|neighbour|stepson|stepdaughter|roommate|dtr|sis|bro|parent|guardian|hcp|fob|mob|stepfather|stepmother|stepdad|stepmom|kid|child|children|sibling|dau|gm|mgm|pgm|gma|gpa|caregiver|companion|godmother|godfather|granddau|gf|bf|abuela|abuelo|dil|sil|auntie|aunty)s?(?:[ \t\-]in[ \t\-]law)?";

/// Credentials after a signature name ("J. SMITH, RN").
const SIGN_CREDENTIALS: &str = r"rn|np|md|do|pa-c|pa|lpn|rrt|crna|aprn|cna|msw|lcsw|licsw|pt|ot|slp|rd|mbbs|mrcp|frcp|mrcgp|mt|mls|mlt|ct|rt|rph|pharmd|ibclc|rnc|cde|m\.?div|bcc";

/// Facility words: the words before them name the facility.
const FACILITY: &str = r"hospitals?|hosp|(?:high|middle|elementary|primary)\s+school|preschool|daycare|medical\s+(?:cent(?:er|re)|ctr)|memorial\s+hospital|memorial|infirmary|health\s+board|rehab(?:ilitation)?\s+(?:center|centre|hospital|facility)|rehab|nursing\s+home|care\s+home|residential\s+home|home\s+health(?:\s+(?:services|care|agency))?|nursing\s+facility|hospice(?:\s+care)?|health\s+cent(?:er|re)|clinic|practice|surgery|medical\s+group|(?:clinical\s+)?laborator(?:y|ies)|manor|house|inn|commons|lodge|detox|home\s+care|health\s+plans?|assisted\s+living|medflight|partnership|associates|pediatrics|paediatrics|cardiology|neurology|dermatology|orthop(?:a)?edics|urology|oncology|gastroenterology|rheumatology|family\s+(?:medicine|health|practice)|primary\s+care|pavilion|university|senior\s+life|visiting\s+nurses?|ems|ambulance|vna|funeral\s+home|adult\s+day(?:\s+(?:center|centre|health|program))?|elder\s+services|auto\s+body|nursing\s+(?:&|and)\s+rehab(?:ilitation)?|(?:medical|health|care)\s+partners|dialysis|recovery|college|shelter|parish|church|transit|(?:van|chair\s+car|wheelchair\s+van)\s+service|services|connections|counseling|senior\s+cent(?:er|re)|transplant\s+(?:cent(?:er|re)|program)|early\s+intervention|correctional\s+(?:facility|institution|cent(?:er|re))|(?:district|probate(?:\s+(?:and|&)\s+family)?|family|juvenile|housing|superior|municipal)\s+court|ltach|ltc|tcu|home\s+infusion|health\s+ctr|med\s+(?:cent(?:er|re)|ctr)|(?:nursing|youth|cancer|rehab|treatment|wellness|heart|birth(?:ing)?|dialysis|surgical|surgery|care|recovery)\s+ctr|medical\s+supply|ob/?gyn|urgent\s+care|assoc|elder\s+svcs|alf";

/// Specialties that name a practice with a facility word after them ("PIEDMONT ENDOSCOPY
/// CENTER", "BLUE RIDGE NEUROLOGY ASSOCIATES"); such a facility is weak (its name must not
/// be ordinary words in one casing).
pub(super) const SPECIALTIES: &[&str] = &[
    "endoscopy",
    "surgery",
    "surgical",
    "imaging",
    "dialysis",
    "fertility",
    "cancer",
    "heart",
    "eye",
    "kidney",
    "dental",
    "wellness",
    "sleep",
    "pain",
    "wound",
    "vein",
    "spine",
    "birth",
    "women's",
    "womens",
    "cardiology",
    "neurology",
    "dermatology",
    "orthopedic",
    "orthopaedic",
    "pediatric",
    "paediatric",
    "urology",
    "oncology",
    "gastroenterology",
    "pulmonary",
    "radiology",
    "rheumatology",
    "physicians",
    "family",
    "addiction",
    "recovery",
];

/// Street types (US and UK) for addresses written in one casing.
const STREET_TYPES: &str = r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|gardens|row|way|court|ct|place|pl|crescent|grove|terrace|boulevard|blvd|mews|walk|parkway|pkwy|highway|hwy|circle|square|approach";

/// Two-letter US state codes.
const STATE_CODES: &str = r"al|ak|az|ar|ca|co|ct|de|dc|fl|ga|hi|id|il|in|ia|ks|ky|la|me|md|ma|mi|mn|ms|mo|mt|ne|nv|nh|nj|nm|ny|nc|nd|oh|ok|or|pa|ri|sc|sd|tn|tx|ut|vt|va|wa|wv|wi|wy|pr";

/// Prepositions after which a known place name is a location.
const PLACE_CONTEXT: &str = r"from|in|to|near|(?:area|region|parts?|outskirts|suburbs?)\s+of|(?:lives|live|living|resides)(?:\s+alone|\s+at\s+home)?\s+in|moved\s+to|visiting|born\s+in";

/// Labels whose value is PHI whatever its format, up to the end of the field.
const FIELD_LABELS: &str = r"patient\s+name|full\s+name|name|patient|next\s+of\s+kin|nok|gp|address|home\s+address|tel(?:ephone)?(?:\s+no\.?)?|phone|mobile|home\s+phone|fax|d\.?o\.?b\.?|date\s+of\s+birth|nhs\s+(?:number|no\.?)|nhs|hospital\s+(?:number|no\.?)|hosp\.?\s+no\.?|unit\s+(?:number|no\.?)|mrn|e-?mail|(?:our\s+|your\s+)?ref(?:erence)?|re|regarding|to|attn|attention|(?:gp\s+)?practice|gp\s+surgery|facility|insurance|ins|insurer|employer|school|setting|(?:outpt\s+|outpatient\s+)?pharmacy|home\s+(?:infusion|health)|agency|hospice|vna|snf|funeral\s+home|transport|anticoag|pick\s?up|drop\s+off|sending|receiving";

/// Context rules, compiled once per detector.
#[derive(Debug, Clone)]
pub(crate) struct ContextRules {
    title: Regex,
    relation: Regex,
    signature: Regex,
    facility: Regex,
    /// "transferred from metrowest", "d/c to Youville", "staying at Holiday Inn": words
    /// after a verb of moving, living or care and a place preposition.
    facility_after_verb: Regex,
    /// A word or '&' as facility names are matched.
    facility_token: Regex,
    /// "St. Elizabeth's", "saint mary's": a hospital named after a saint.
    saint: Regex,
    congregation: Regex,
    /// "FAMILY DRUG OF LEWISBURG": a pharmacy named with its town.
    pharmacy_of: Regex,
    /// "Henderson, Hicks and Brown": a firm named after partners.
    firm_partners: Regex,
    /// "Abt Associates", "Acme Ltd": one or two words before a legal suffix.
    firm_suffix: Regex,
    /// "Kessler Electric Co", "Brackley Logistics": one or two words before a kind of
    /// business.
    firm_kind: Regex,
    /// "VNA of Cape Ann", "Elder Services of the Merrimack Valley": an agency's kind, "of"
    /// and the place it serves.
    agency_of: Regex,
    /// "taken to Lawrence General", "from New England Baptist": a hospital by its short
    /// name after a place preposition.
    hospital_short: Regex,
    /// Two words in a row, for census first name + surname pairs in one-casing text.
    word_pair: Regex,
    /// "am/jt", "hv/dm d: 02/06/2024": the initials of dictating and typing staff closing
    /// a transcription.
    dictation_initials: Regex,
    /// "-kt", "-- MH RN": initials after a dash on a line of their own.
    dash_initials: Regex,
    /// 'called "tillie"', "goes by 'Bud'": a quoted name after a naming verb.
    nickname: Regex,
    /// 'boyfriend "Dizzy"', 'BABY GIRL "GRACE" TRAN', 'BABY "PAISLEY"', '"CALL ME BUD"',
    /// 'ANDRE BAPTISTE ("DRE")', '"bear" (real name eddie)', 'CALLING OUT FOR "CLOYD"': a
    /// quoted name, or one after "call me".
    quoted_name: Regex,
    /// "SMITH FAMILY IN ALL DAY": a surname before "family".
    family_name: Regex,
    /// "THE OLSONS", "the Joneses": a family by its surname in the plural.
    family_plural: Regex,
    /// "on the 28th.", "since the 3rd,": a day of the month on its own.
    ordinal_day: Regex,
    /// "apt. 105", "suite 442": an apartment or suite number.
    unit_no: Regex,
    /// "hi vinicio,", "hello megan": a greeting before a first name.
    greeting: Regex,
    /// "romi, erik, amy and kristen": a list of single words.
    word_list: Regex,
    /// "work for intermap technologies", "a supervisor at Excel": an employer after a work
    /// verb or a job (past "the": the first group).
    employer: Regex,
    /// "came to the Salem ED", "seen in the beverly ed": one or two words naming an
    /// emergency room.
    named_er: Regex,
    /// "intubated at osh (mercy west)", "OSH (BAYVIEW)": an outside hospital's name in
    /// brackets.
    named_osh: Regex,
    /// "the Bremerton area", "the greater Boston area": a town named for its surroundings.
    place_area: Regex,
    /// "WARWICK, RI", "salem, nh", "manchester (nh)": a state's code after a town and a
    /// comma, or in brackets.
    town_state: Regex,
    /// "called covering, patel", "paged covering md: Nguyen": the covering clinician.
    covering: Regex,
    /// "GREELEY, WELD COUNTY", "springfield (lane county)", "in Pierce County": a
    /// county's or a parish's name after a place preposition, a comma or a bracket.
    county: Regex,
    police: Regex,
    quoted_after_name: Regex,
    /// A header line opening with "SURNAME, FIRST [M]" (after "pt:"/"patient:" or
    /// none), a nickname in quotes, then the rest of the line ("CHHOEUN, SOPHEAP   MRN
    /// 7612290").
    header_name: Regex,
    /// An age and a sex opening a header line's rest (" 24M  MRN", " 31 m ", " 66 M").
    age_sex: Regex,
    /// A record label in a header line's rest ("MRN", "DOB", "ACCT#").
    record_label: Regex,
    /// "per okafor (attending)", "D/W LINDQVIST (PULM FELLOW)": a word before a
    /// clinician's role in brackets.
    role_in_brackets: Regex,
    /// "REPORT GIVEN TO SUE", "handed off to marcus": the nurse a shift is handed to.
    handoff: Regex,
    residence_at: Regex,
    /// "SON ARNE (ST. CLOUD)": a town in brackets after a person's name.
    town_in_brackets: Regex,
    place: Regex,
    date_md: Regex,
    /// "admitted on 3-15": a month-day with a dash after a word that dates an event or
    /// after a shift's clock range ("DAY NOTE 0700-1900  2-14").
    date_md_dash: Regex,
    /// Any month-day with a dash ("3-4"), a date only in a text that dates that month so.
    md_dash_any: Regex,
    /// A four-digit year on its own (checked against the word before it).
    year_bare: Regex,
    /// "hemodialysis (1983-1988)": a range of years.
    year_range: Regex,
    /// "cabg in 87": an event, "in" and a two-digit year.
    year_short_in: Regex,
    year_apostrophe: Regex,
    /// "in October", "since last March": a month on its own after a word that dates.
    month_alone: Regex,
    /// "lives in venice fl nov-apr", "Jan through March": a range of months.
    month_range: Regex,
    /// "Pennine Moor Hospitals NHS Foundation Trust" on a line of its own.
    trust: Regex,
    /// "NHS Greater Glasgow and Clyde" on a line of its own: a health board.
    nhs_board: Regex,
    /// "through the VA": the Veterans Affairs system after a place preposition.
    va: Regex,
    /// "Infirmary Road," / "BECKETT STREET" ending a line: a street without a number.
    street_name: Regex,
    /// "WANDERING ON BAYOU DULARGE RD", "on Broadway St.": a street without a number after
    /// "on", "off" or "along".
    street_on: Regex,
    uk_phone: Regex,
    nhs: Regex,
    nhs_labelled: Regex,
    postcode: Regex,
    pager: Regex,
    field: Regex,
    street_any: Regex,
    city_state_zip: Regex,
}

pub use crate::text::flat_case;

/// NHS number check digit of the first nine digits (modulus 11); `None` when the number
/// cannot be valid (remainder 10).
pub fn nhs_check_digit(first9: &[u32]) -> Option<u32> {
    let sum: u32 = first9
        .iter()
        .take(9)
        .enumerate()
        .map(|(i, d)| d * (10 - i as u32))
        .sum();
    Some((11 - sum % 11) % 11).filter(|&c| c != 10)
}

/// Ten digits whose last is the NHS check digit of the first nine.
pub fn nhs_checksum_ok(digits: &[u32]) -> bool {
    digits.len() == 10 && nhs_check_digit(&digits[..9]) == Some(digits[9])
}

impl ContextRules {
    pub(crate) fn new() -> ContextRules {
        let specialties = SPECIALTIES.join("|");
        ContextRules {
            title: re(&format!(
                r"(?i)\b(?:{TITLES})\b\.?[ \t]+\(?({WORD})\.?(?:[ \t]+({WORD}))?"
            )),
            relation: re(&format!(
                r"(?i)\b(?:{RELATIONS})\b(?:[ \t]*[,:(][ \t]*|[ \t]*\r?\n[ \t]*|[ \t]+|-)({WORD})(?:[ \t]+({WORD}))?"
            )),
            signature: re(&format!(
                r"(?i)(?:^|[\s(/-])((\p{{L}}\.[ \t]*)?{WORD}(?:[ \t]+{WORD})?(?:[ \t]+\p{{L}}\.)?)(?:[ \t]*,[ \t]*|[ \t]+)({SIGN_CREDENTIALS})\b"
            )),
            facility: re(&format!(
                r"(?i)\b((?:{WORD}[ \t]+){{1,3}}?)((?:{specialties})[ \t]+(?:associates|group|cent(?:er|re)|clinic|practice)|{FACILITY})(?:[ \t]+(?:cent(?:er|re)|ctr|clinic|hospital|group|associates|practice|rehab(?:ilitation)?|nursing[ \t]+home|skilled[ \t]+nursing(?:[ \t]+(?:&|and)[ \t]+rehab(?:ilitation)?)?|nursing[ \t]+(?:&|and)[ \t]+rehab(?:ilitation)?|(?:&|and)[ \t]+rehab(?:ilitation)?(?:[ \t]+cent(?:er|re))?|(?:&|and)[ \t]+nursing(?:[ \t]+(?:home|cent(?:er|re)|ctr))?))?\b"
            )),
            facility_after_verb: re(&format!(
                r"(?i)\b(?:(?:transferred|transfer|xfer(?:red|'d)?|tx'd|d/c'?d?|dc'd|discharged|admitted|adm|accepted|referred|referrals?|sent|screened|followed|lives|living|resides|returned|returns|staying|stays|works|worked|transported|taken|pcp|nurse|md|ordered|seen|saw|evaluated|treated|arrived|presented|went|visited)(?:[ \t]+(?:back|home|here|out|over|today|yesterday|directly|initially|previously|originally|again|days|nights|there|later|first|\d{{1,2}}[/-]\d{{1,2}}))?[ \t]+(?:at|from|to|via|by|through|@)|via|through)[ \t]+({WORD}(?:[ \t]+(?:{WORD}|&)){{0,3}})"
            )),
            facility_token: re(r"[\p{L}\p{N}][\p{L}\p{N}'’\-]*\.?|&"),
            saint: re(
                r"(?i)\b(?:(?:st|saint)\.?[ \t]+([a-z]+)['’]s|our[ \t]+lady[ \t]+of[ \t]+(?:the[ \t]+)?([a-z]+)|(?:st|saint)\.?[ \t]+([a-z]+)[ \t]+of[ \t]+[a-z]+)\b",
            ),
            pharmacy_of: re(&format!(
                r"(?i)\b((?:{WORD}[ \t]+){{1,2}}(?:drug|drugs|pharmacy|apothecary)[ \t]+of[ \t]+)([a-z]+(?:[ \t]+[a-z]+)?)\b"
            )),
            congregation: re(
                r"(?i)\b(?:first|second|greater)[ \t]+(?:united[ \t]+|free[ \t]+will[ \t]+|freewill[ \t]+|missionary[ \t]+|southern[ \t]+)?(?:baptist|methodist|presbyterian|pentecostal|congregational|lutheran|episcopal|(?:evangelical|reformed|christian|bible)[ \t]+church|nazarene|church[ \t]+of[ \t]+(?:christ|god|the[ \t]+nazarene)|assembly[ \t]+of[ \t]+god)(?:[ \t]+church)?(?:[ \t]+of[ \t]+([a-z]+(?:[ \t]+[a-z]+)?))?\b",
            ),
            firm_partners: re(&format!(
                r"(?i)\b({WORD}),[ \t]+({WORD})[ \t]+(?:and|&)[ \t]+({WORD})\b"
            )),
            word_pair: re(&format!(r"\b({WORD})[ \t]+({WORD})\b")),
            dictation_initials: re(
                r"(?m)(?:^|[\d.][ \t]+)[ \t]*([A-Za-z]{2,3})/([A-Za-z]{2,3})[ \t]*(?:$|[dDtT]:)",
            ),
            dash_initials: re(&format!(
                r"(?im)(?:^|[.;:][ \t]+)[ \t]*--?[ \t]*([a-z]{{2,3}}|[a-z]\.[a-z]\.?)\.?(?:[ \t]+(?:{SIGN_CREDENTIALS}))?[ \t]*$"
            )),
            nickname: re(
                r#"(?i)\b(?:called|goes[ \t]+by|known[ \t]+as|calls[ \t]+(?:him|her)self|nickname(?:d)?)[ \t]+["“']([a-z][a-z\-]+)["”']"#,
            ),
            quoted_name: re(&format!(
                r#"(?i)(?:\b(?:{RELATIONS}|baby(?:[ \t]+(?:boy|girl))?|real[ \t]+name(?:[ \t]+is)?|a\.?k\.?a\.?)[ \t]*[:(]?[ \t]*["“']([\p{{L}}][\p{{L}}\-]+)["”'](?:[ \t]+({WORD}))?|\bcall[ \t]+me[ \t]+["“']?({WORD})|\b({WORD})[ \t]*\([ \t]*["“']([\p{{L}}][\p{{L}}.\-]+)["”'][ \t]*\)|["“']([\p{{L}}][\p{{L}}\-]+)["”'][ \t]*\((?:real[ \t]+name|aka|a\.k\.a\.))|\b(?:call(?:ing|s|ed)?|ask(?:ing|s|ed)?)[ \t]+(?:out[ \t]+)?for[ \t]+["“]([\p{{L}}][\p{{L}}\-]+)["”]"#
            )),
            family_name: re(&format!(r"(?i)\b({WORD})[ \t]+family\b")),
            family_plural: re(r"(?i)\bthe[ \t]+(([\p{L}'’-]{2,}?)(?:es|s))\b"),
            ordinal_day: re(
                r"(?i)\b(?:on|since|until|till|til|by|from|for|before|after|thru|through|of)[ \t]+the[ \t]+((?:[12]?\d|3[01])(?:st|nd|rd|th))\b",
            ),
            unit_no: re(r"(?i)\b(?:apt|apartment|suite|ste)\b\.?[ \t]*#?[ \t]*\d{1,5}[a-z]?\b"),
            greeting: re(&format!(
                r"(?i)\b(?:hi|hello|hey|dear)[ \t]+({WORD})[ \t]*[,!]"
            )),
            word_list: re(&format!(
                r"(?i)\b{WORD}(?:,[ \t]+{WORD}){{2,}},?[ \t]+(?:and|&)[ \t]+{WORD}\b"
            )),
            named_er: re(&format!(
                r"(?i)\b(?:at|from|to|in|of)[ \t]+(?:the[ \t]+)?({WORD}(?:[ \t]+{WORD})?)[ \t]+(?:er|ed|emergency[ \t]+(?:room|department|dept\.?))\b"
            )),
            named_osh: re(&format!(
                r"(?i)\b(?:osh|outside[ \t]+hosp(?:ital)?)[ \t]*\([ \t]*({WORD}(?:[ \t]+{WORD}){{0,3}})[ \t]*\)"
            )),
            town_state: re(&format!(
                r"(?i)\b({WORD}(?:[ \t]+{WORD})?)(?:,[ \t]*|[ \t]+\()({STATE_CODES})\b"
            )),
            quoted_after_name: re(&format!(r#"(?i)\b({WORD})[ \t]+["“]({WORD})["”]"#)),
            header_name: re(
                r#"(?m)^[ \t]*((?i:pt|patient|pt[ \t]+name|patient[ \t]+name|name)[ \t]*(:)?[ \t]*)?(\p{L}[\p{L}'’\-]+,[ \t]*\p{L}[\p{L}'’\-]+(?:[ \t]+\p{L}(?:\.|\b))?)(?:[ \t]+\(?["“]([^"”\n]{2,20})["”]\)?)?([^\n]*)"#,
            ),
            age_sex: re(r"(?i)^[ \t]+\d{1,3}[ \t]?(?:m|f|yo|y/o|yom|yof)\b"),
            record_label: re(
                r"(?i)\b(?:mrn|mr[ \t]*#|med[ \t]+rec|dob|d\.o\.b|acct|account|hosp(?:ital)?[ \t]*(?:#|no)|nhs)\b",
            ),
            handoff: re(&format!(
                r"(?i)\b(?:report[ \t]+(?:given|called)|(?:handoff|hand-off)(?:[ \t]+given)?|handed[ \t]+off|signed[ \t]+out)[ \t]+to[ \t]+({WORD})\b"
            )),
            role_in_brackets: re(&format!(
                r"(?i)\b({WORD})[ \t]*\((?:(?:pulm|pulmonary|renal|cards|gi|id|surg|neuro|ortho|onc|heme|icu|micu|sicu|ccu|nicu|night|covering)[ \t]+)?(?:attending|fellow|resident|intern|np|pa|charge[ \t]+(?:rn|nurse)|social[ \t]+worker|case[ \t]+manager|pgy-?\d)\)"
            )),
            covering: re(&format!(
                r"(?i)\bcovering(?:[ \t]+(?:md|doc|doctor|resident|intern|np|pa|ho))?[ \t]*[,:(\-][ \t]*({WORD})\b"
            )),
            county: re(&format!(
                r"(?i)(?:\b(?:in|from|of|near|to)[ \t]+|[,(][ \t]*)((?:{WORD}[ \t]+)?{WORD}[ \t]+(?:county|parish))\b"
            )),
            town_in_brackets: re(&format!(
                r"(?i)\b({WORD})[ \t]*\([ \t]*((?:(?:st|mt|ft)\.?[ \t]*|saint[ \t]+)?{WORD}(?:[ \t]+{WORD})?)[ \t]*\)"
            )),
            residence_at: re(&format!(
                r"(?i)\b(?:from|to|at|and|or|vs|toured|visited)[ \t]+(the[ \t]+{WORD}s[ \t]+at[ \t]+({WORD}(?:[ \t]+{WORD})?))\b"
            )),
            police: re(&format!(
                r"(?i)\b({WORD}(?:[ \t]+{WORD})?)[ \t]+(?:police(?:[ \t]+(?:dept|department))?|pd|sheriff(?:'s)?(?:[ \t]+(?:office|dept|department))?)\b"
            )),
            place_area: re(&format!(
                r"(?i)\bthe[ \t]+(?:general[ \t]+|greater[ \t]+)?({WORD}(?:[ \t]+{WORD})?)[ \t]+area\b"
            )),
            employer: re(&format!(
                r"(?i)\b(?:(?:work(?:s|ed|ing)?|employed)(?:[ \t]+(?:days|nights|part[ \t-]time|full[ \t-]time))?[ \t]+(?:for|at|by)|retired[ \t]+from|(?:manager|supervisor|foreman|cashier|clerk|mechanic|technician|engineer|teacher|secretary|accountant|employee|owner|worker|aide|assistant|driver|operator|programmer|analyst|officer|administrator|director|consultant|instructor|professor|student)[ \t]+(?:at|for))[ \t]+(the[ \t]+)?({WORD}(?:[ \t]+{WORD}){{0,2}})"
            )),
            firm_suffix: re(&format!(
                r"(?i)\b((?:{WORD}[ \t]+){{1,2}})(?:inc|llc|ltd|plc|corp|corporation|co|company|associates|gmbh|partners|&[ \t]+sons?)\b\.?"
            )),
            firm_kind: re(&format!(
                r"(?i)\b((?:{WORD}[ \t]+){{1,2}})(?:construction|logistics|analytics|beverages|electric(?:[ \t]+co)?|plumbing|trucking|landscaping|roofing|industries|manufacturing|insurance|realty|motors|automotive|foods|bakery|builders|contractors|excavating|farms|dairy|(?:medical[ \t]+)?suppl(?:y|ies)|lumber(?:[ \t]+(?:and|&)[ \t]+supply)?|hardware|tool[ \t]+(?:and|&)[ \t]+die|freight(?:[ \t]+lines)?|pharmacy|drugstore|drugs?|paper|moving|transport(?:ation)?)\b\.?"
            )),
            agency_of: re(&format!(
                r"(?i)\b(?:(?:{specialties})[ \t]+)?(?:visiting[ \t]+nurses?(?:[ \t]+association)?|vna|elder[ \t]+services|hospice|home[ \t]+care|home[ \t]+health|associates|council[ \t]+on[ \t]+aging|meals[ \t]+on[ \t]+wheels|university|hospital|infirmary)[ \t]+(?:of|for)[ \t]+(?:the[ \t]+)?({WORD}(?:[ \t]+{WORD}){{0,2}})"
            )),
            hospital_short: re(&format!(
                r"(?i)(?:\b(?:at|from|to|of|via|thru)|@)[ \t]+(?:the[ \t]+)?((?:{WORD}[ \t]+){{1,2}}(?:general|regional|baptist|deaconess|presbyterian|methodist|lutheran|medical))\b([ \t]*[\p{{L}}]*)"
            )),
            place: re(&format!(
                r"(?i)\b(?:{PLACE_CONTEXT})[ \t]+((?:so|no|n|s|e|w)\.[ \t]*)?({WORD}(?:[ \t]+{WORD}){{0,2}})"
            )),
            date_md: re(r"\b(\d{1,2})/(\d{1,2})\b"),
            date_md_dash: re(
                r"(?i)\b(?:(?:admitted|adm|admit|discharged|transferred)[ \t]+(?:here|there|home|back|(?:to|at)[ \t]+[a-z]+)|on|admitted|adm|admit|since|dated|discharged|d/c'?d|born|cath|cabg|cva|stroke|intubated|extubated|surgery|transferred|last|due|until|till|drink|dose|appt|started|placed|inserted|changed|removed|pulled|drawn|obtained|cxr|mri|echo|ekg|ecg|bm|planned|scheduled|booked|ct|cta|tte|tee|eeg|bcx|ucx|cx|egd|ercp|kub|hus|labs|lytes|seen|orif|whipple|angio|tavr|pci|done|performed|\d{4}-\d{4}|\d{1,2}[ap]m?-\d{1,2}[ap]m?)[ \t]+((\d{1,2})-(\d{1,2}))\b",
            ),
            md_dash_any: re(r"\b(\d{1,2})-(\d{1,2})\b"),
            year_bare: re(r"\b(?:19[0-9]{2}|20[0-9]{2})\b"),
            year_range: re(r"\b(19[0-9]{2}|20[0-9]{2})[-–](19[0-9]{2}|20[0-9]{2})\b"),
            year_short_in: re(r"(?i)\b([a-z/']+)[ \t]+in[ \t]+('?\d{2})\b"),
            year_apostrophe: re(r"(?:^|[\s(,])('\d{2})\b"),
            month_alone: re(
                r"(?i)\b(?:in|since|until|till|during|last|next|early|late|mid|this|by|(?:end|beginning|start|middle|week|month)[ \t]+of)[ \t]+(january|february|march|april|may|june|july|august|september|october|november|december|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)\b",
            ),
            month_range: re(
                r"(?i)\b(january|february|march|april|may|june|july|august|september|october|november|december|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)(?:[ \t]*-[ \t]*|[ \t]+(?:through|thru)[ \t]+)(january|february|march|april|may|june|july|august|september|october|november|december|sept|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)\b",
            ),
            nhs_board: re(r"(?im)^[ \t]*(nhs(?:[ \t]+[\p{L}'’&\-]+){1,6})[ \t]*$"),
            va: re(r"(?i)\b(?:at|from|to|through|via)[ \t]+the[ \t]+(va)\b"),
            trust: re(
                r"(?im)^[ \t]*((?:[\p{L}'’&\-]+[ \t]+){1,7}?(?:nhs[ \t]+(?:foundation[ \t]+)?trust|health[ \t]+and[ \t]+social[ \t]+care[ \t]+trust|(?:university[ \t]+|teaching[ \t]+)?health[ \t]+board))\b",
            ),
            street_name: re(&format!(
                r"(?i)\b((?:{WORD}[ \t]+){{1,3}}(?:road|street|lane|avenue|drive|close|crescent|grove|terrace|gardens|mews|parade|way)(?:[ \t]+(?:east|west|north|south))?)[ \t]*(?:,|\r?\n|$)"
            )),
            street_on: re(&format!(
                r"(?i)\b(?:on|off|along)[ \t]+((?:{WORD}[ \t]+){{1,3}}(?:st|rd|ave|hwy|blvd|ln|pkwy|street|road|avenue|highway|lane|boulevard|pike))\b\.?"
            )),
            uk_phone: re(
                r"(?:\+44[ \t]?(?:\(0\)[ \t]?)?|\(?\b0)\d{2,4}\)?(?:[ \t\-]?\d{3,4}){1,2}\b",
            ),
            nhs: re(r"\b(\d{3})[ \t\-]?(\d{3})[ \t\-]?(\d{4})\b"),
            nhs_labelled: re(
                r"(?i)\bnhs[ \t]*(?:number|no\.?|#)?[ \t]*[:#]?[ \t]*(\d{3}[ \t\-]?\d{3}[ \t\-]?\d{4}|\d{10})\b",
            ),
            postcode: re(
                r"(?i)\b((?:[a-pr-uwyz][a-hk-y]?\d[a-z\d]?|[a-pr-uwyz]\d[a-hjkps-uw])[ \t]?\d[abd-hjlnp-uw-z]{2})\b",
            ),
            pager: re(
                r"(?i)\b(?:pager|pgr|beeper|bleep|beep|page)[ \t]*(?:#|no\.?|number)?[ \t]*[:#]?[ \t]*#?(\d(?:-?\d){3,6})\b|\bpaged[ \t]*#[ \t]*(\d(?:-?\d){3,6})\b|(?:^|[\s(])#(\d{4,6})\b|(?:^|[\s(:,])(?:ext\.?[ \t]*)?x(\d-?\d{3,4})\b|\bext(?:ension)?\.?[ \t]*#?[ \t]*(\d(?:-?\d){2,4})\b|\bpaged[ \t]+(?:(?:at|to)[ \t]+)?(\d-\d{4})\b|(?:^|[\s(:,])x(\d{3})\b",
            ),
            street_any: re(&format!(
                r"(?i)\b\d{{1,5}}[a-z]?[ \t]+((?:{WORD}[ \t]+){{1,3}}?)(?:{STREET_TYPES})\b\.?"
            )),
            city_state_zip: re(&format!(
                r"(?i)\b({WORD}(?:[ \t]+{WORD}){{0,2}}),?[ \t]+({STATE_CODES})\.?,?[ \t]+(\d{{5}}(?:-\d{{4}})?)\b"
            )),
            field: re(&format!(
                r"(?im)(?:^|[\t|;]|[ ]{{2}}|\.[ ]|,[ ])[ \t]*((?:{FIELD_LABELS}))[ \t]*[:#][ \t]*"
            )),
        }
    }

    pub(crate) fn detect(&self, d: &Dicts, text: &str, out: &mut Vec<Span>) {
        let flat = flat_case(text);
        self.names(d, text, out);
        self.facilities(d, text, flat, out);
        self.known_facilities(d, text, flat, out);
        self.facilities_after_verbs(d, text, flat, out);
        self.saints(d, text, flat, out);
        self.congregations(d, text, flat, out);
        self.pharmacies_of_towns(d, text, flat, out);
        self.firms(d, text, out);
        self.agencies(d, text, flat, out);
        self.short_hospitals(d, text, flat, out);
        self.letterhead_facility(d, text, out);
        self.towns_after_facilities(d, text, out);
        self.places(d, text, flat, out);
        self.place_areas(d, text, flat, out);
        self.town_states(d, text, out);
        self.counties(d, text, flat, out);
        self.police(d, text, flat, out);
        self.residences_at(d, text, out);
        self.towns_in_brackets(d, text, out);
        self.named_ers(d, text, flat, out);
        self.dates(text, out);
        self.months(text, flat, out);
        self.ordinal_days(d, text, out);
        self.dictation_initials(d, text, out);
        self.family_names(d, text, out);
        self.closing_first_name(d, text, out);
        self.nicknames(d, text, out);
        self.header_names(d, text, out);
        self.role_in_brackets(d, text, out);
        self.handoff_names(d, text, out);
        self.covering_names(d, text, out);
        self.trusts(text, flat, out);
        self.boards_and_va(d, text, flat, out);
        self.street_names(d, text, flat, out);
        self.streets_on(d, text, out);
        self.uk(d, text, out);
        self.fields(d, text, out);
        if flat {
            self.flat_addresses(d, text, out);
            self.name_pairs(d, text, out);
            self.flat_names(d, text, out);
        } else {
            self.titled_employers(d, text, out);
        }
    }
}
