#!/usr/bin/env python3
"""Sources, the reportlab rendering, and the check + manifest for the producer fixtures.

One fabricated two-page clinic letter (fake patient data only) is defined once below and
written out as HTML (Chromium, wkhtmltopdf), flat ODT (LibreOffice), troff (groff + Ghostscript)
and rendered directly with reportlab. scripts/make-producer-fixtures.sh drives the tools.

Usage:
  make_producer_fixtures.py sources DIR      write letter.html, letter.fodt, letter.tr in DIR
  make_producer_fixtures.py reportlab OUT    render the letter with reportlab to OUT
  make_producer_fixtures.py check FIXDIR     check every PDF in FIXDIR, write manifest.json
"""
import html
import json
import logging
import os
import re
import sys

# --- the letter -------------------------------------------------------------------------

LETTERHEAD = [
    "Riverside NHS Foundation Trust",
    "Department of Cardiology",
    "Riverside Hospital, Mill Lane, Ripon",
]

RECIPIENT = ["Dr Alistair Penrose", "Moorside Surgery", "Knaresborough"]

DEMOGRAPHICS = [
    ("Name", "Margaret Ellen Thornton"),
    ("Date of birth", "12/03/1956"),
    ("NHS Number", "943 476 5919"),
    ("Hospital Number", "RX4471920"),
    ("Address", "14 Elmfield Row, Harrogate HG1 4PQ"),
    ("Tel", "01632 960634"),
]

MED_TABLE = [
    ("Medication", "Dose", "Frequency"),
    ("Bisoprolol", "2.5 mg", "Once daily"),
    ("Ramipril", "5 mg", "Once daily"),
    ("Furosemide", "40 mg", "Once daily (morning)"),
    ("Warfarin", "As per INR", "Once daily (evening)"),
]

# Body blocks in order: ("p", text), ("h", heading), ("table",), ("pagebreak",).
# Non-ASCII on purpose: the degree sign and the en dash.
BODY = [
    ("p", "Dear Dr Penrose,"),
    ("p", "I reviewed Mrs Thornton in the heart failure clinic. She was seen in clinic on "
          "22nd August 2025, accompanied by her daughter Rebecca, for follow-up after her "
          "admission in June with decompensated heart failure. Since discharge she reports a "
          "marked improvement in her breathlessness. She can now walk about 400 yards on the "
          "flat before stopping and manages one flight of stairs slowly, which places her in "
          "NYHA class II. She denies orthopnoea, chest pain or syncope. Her daughter Rebecca "
          "has noticed a fine resting tremor of the right hand over the last three months, "
          "which Mrs Thornton herself had put down to anxiety."),
    ("p", "On examination she was comfortable at rest. Pulse 78 beats per minute, irregularly "
          "irregular; blood pressure 118/72 mmHg; temperature 36.8 °C; oxygen saturation 96% "
          "on room air. The jugular venous pressure was not raised, her chest was clear and "
          "there was only trace ankle oedema."),
    ("h", "Diagnosis"),
    ("p", "1. Heart failure with reduced ejection fraction – left ventricular ejection "
          "fraction 35% on echocardiogram"),
    ("p", "2. Permanent atrial fibrillation, rate controlled, anticoagulated with warfarin"),
    ("p", "3. Resting tremor of the right hand, cause to be established"),
    ("p", "4. Urinary retention during the admission – Foley catheter removed before "
          "discharge, now voiding normally"),
    ("h", "Medication"),
    ("table",),
    ("p", "Her warfarin control is good, with INR 2.4 on the day of clinic, within the target "
          "range of 2.0–3.0. Renal function and potassium were stable on ramipril and "
          "furosemide."),
    ("pagebreak",),
    ("h", "Plan"),
    ("p", "1. Continue bisoprolol 2.5 mg once daily for now. I would be grateful if the "
          "practice could increase this to 5 mg once daily in four weeks if her resting heart "
          "rate remains above 70 and she has no symptomatic hypotension."),
    ("p", "2. Continue ramipril 5 mg once daily. Please check urea and electrolytes two weeks "
          "after any change in dose."),
    ("p", "3. Continue furosemide 40 mg each morning. Mrs Thornton has been advised to weigh "
          "herself daily and to contact the heart failure nurses if her weight rises by more "
          "than 2 kg in three days."),
    ("p", "4. Continue warfarin, with monitoring through the anticoagulation clinic."),
    ("p", "5. I have arranged a repeat echocardiogram in six months to reassess left "
          "ventricular function, and will consider referral for device therapy if the "
          "ejection fraction remains at or below 35%."),
    ("p", "6. I have referred Mrs Thornton to the movement disorders clinic about the resting "
          "tremor. There was no rigidity or bradykinesia today, but I would value a "
          "neurological opinion."),
    ("p", "Mrs Thornton and her daughter Rebecca were given written information about heart "
          "failure and were happy with this plan. I will see her again in clinic in six "
          "months, after the echocardiogram. Please do not hesitate to contact me if you have "
          "any concerns in the meantime."),
]

SIGNATURE = ["Yours sincerely,", "", "", "Dr Fiona McAllister", "Consultant Cardiologist"]
CC = "cc: Dr Alistair Penrose, Moorside Surgery, Knaresborough"

# Strings for manifest.json: planted PHI (exactly as in the text) and clinical text to keep.
PHI = [
    "Margaret Ellen Thornton", "Thornton", "12/03/1956", "943 476 5919", "RX4471920",
    "14 Elmfield Row", "Harrogate", "HG1 4PQ", "01632 960634", "22nd August 2025",
    "Rebecca", "Alistair Penrose", "Penrose", "Moorside Surgery", "Knaresborough",
    "Fiona McAllister",
]
KEPT = [
    "ejection fraction", "bisoprolol", "ramipril", "furosemide", "warfarin", "INR 2.4",
    "resting tremor", "Foley catheter", "atrial fibrillation", "echocardiogram",
    "NYHA class II", "Diagnosis", "Medication", "Plan", "Consultant Cardiologist",
]

# Also checked (not in the manifest): the non-ASCII characters survive extraction.
NON_ASCII = ["36.8 °C", "2.0–3.0", "fraction – left"]

DEJAVU = "/usr/share/fonts/truetype/dejavu"


def all_text():
    parts = LETTERHEAD + RECIPIENT + [f"{k}: {v}" for k, v in DEMOGRAPHICS]
    parts += [b[1] for b in BODY if b[0] in ("p", "h")]
    parts += [" ".join(r) for r in MED_TABLE] + SIGNATURE + [CC]
    return "\n".join(parts)


# --- HTML (Chromium, wkhtmltopdf) -------------------------------------------------------

def make_html():
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>Clinic letter</title>", "<style>",
           "@page { size: A4; margin: 20mm; }",
           "body { font-family: 'DejaVu Serif', serif; font-size: 10.5pt; line-height: 1.3; }",
           # no ligatures: Skia maps an "fi" glyph to U+FB01, which breaks text matching
           "body { font-variant-ligatures: none; }",
           ".lh { text-align: right; font-family: 'DejaVu Sans', sans-serif; }",
           ".lh .org { font-size: 15pt; font-weight: bold; }",
           "h2 { font-family: 'DejaVu Sans', sans-serif; font-size: 12pt; margin: 14pt 0 4pt; }",
           "p { margin: 0 0 7pt; }",
           "table { border-collapse: collapse; margin: 4pt 0 8pt; }",
           "th, td { border: 1px solid #444; padding: 2pt 8pt; text-align: left; }",
           ".demo td { border: none; padding: 0 12pt 0 0; }",
           ".brk { page-break-before: always; break-before: page; }",
           "</style></head><body>"]
    out.append('<div class="lh"><div class="org">%s</div>' % e(LETTERHEAD[0]))
    out += ["<div>%s</div>" % e(x) for x in LETTERHEAD[1:]]
    out.append("</div>")
    out.append("<p>%s</p>" % "<br>".join(e(x) for x in RECIPIENT))
    out.append('<table class="demo">')
    out += ["<tr><td><b>%s:</b></td><td>%s</td></tr>" % (e(k), e(v)) for k, v in DEMOGRAPHICS]
    out.append("</table>")
    brk = False
    for b in BODY:
        cls = ' class="brk"' if brk else ""
        if b[0] == "pagebreak":
            brk = True
            continue
        brk = False
        if b[0] == "h":
            out.append("<h2%s>%s</h2>" % (cls, e(b[1])))
        elif b[0] == "p":
            out.append("<p%s>%s</p>" % (cls, e(b[1])))
        elif b[0] == "table":
            out.append("<table>")
            out.append("<tr>%s</tr>" % "".join("<th>%s</th>" % e(c) for c in MED_TABLE[0]))
            for row in MED_TABLE[1:]:
                out.append("<tr>%s</tr>" % "".join("<td>%s</td>" % e(c) for c in row))
            out.append("</table>")
    out.append("<p><br>%s</p>" % "<br>".join(e(x) for x in SIGNATURE[:1] + SIGNATURE[3:]))
    out.append("<p>%s</p>" % e(CC))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# --- flat ODT (LibreOffice) -------------------------------------------------------------

def make_fodt():
    e = lambda s: html.escape(s, quote=False)  # noqa: E731
    head = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls>
 <style:font-face style:name="DejaVu Serif" svg:font-family="'DejaVu Serif'" style:font-family-generic="roman"/>
 <style:font-face style:name="DejaVu Sans" svg:font-family="'DejaVu Sans'" style:font-family-generic="swiss"/>
</office:font-face-decls>
<office:styles>
 <style:default-style style:family="paragraph">
  <style:paragraph-properties fo:hyphenation-ladder-count="no-limit"/>
  <style:text-properties style:font-name="DejaVu Serif" fo:font-size="11pt" fo:language="en" fo:country="GB" fo:hyphenate="false"/>
 </style:default-style>
 <style:style style:name="Standard" style:family="paragraph">
  <style:paragraph-properties fo:margin-bottom="0.18cm"/>
 </style:style>
 <style:style style:name="Letterhead" style:family="paragraph">
  <style:paragraph-properties fo:text-align="end"/>
  <style:text-properties style:font-name="DejaVu Sans"/>
 </style:style>
 <style:style style:name="Org" style:family="paragraph" style:parent-style-name="Letterhead">
  <style:text-properties fo:font-size="15pt" fo:font-weight="bold"/>
 </style:style>
 <style:style style:name="Heading" style:family="paragraph">
  <style:paragraph-properties fo:margin-top="0.4cm" fo:margin-bottom="0.15cm" fo:keep-with-next="always"/>
  <style:text-properties style:font-name="DejaVu Sans" fo:font-size="12pt" fo:font-weight="bold"/>
 </style:style>
 <style:style style:name="Bold" style:family="text">
  <style:text-properties fo:font-weight="bold"/>
 </style:style>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="pm1">
  <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"
   fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2cm" fo:margin-right="2cm"/>
 </style:page-layout>
 <style:style style:name="Break" style:family="paragraph" style:parent-style-name="Heading">
  <style:paragraph-properties fo:break-before="page"/>
 </style:style>
 <style:style style:name="Cell" style:family="table-cell">
  <style:table-cell-properties fo:padding="0.06cm" fo:border="0.5pt solid #444444"/>
 </style:style>
 <style:style style:name="Plain" style:family="table-cell">
  <style:table-cell-properties fo:padding="0cm" fo:border="none"/>
 </style:style>
</office:automatic-styles>
<office:master-styles>
 <style:master-page style:name="Standard" style:page-layout-name="pm1"/>
</office:master-styles>
<office:body><office:text>
"""
    out = [head]
    out.append('<text:p text:style-name="Org">%s</text:p>' % e(LETTERHEAD[0]))
    out += ['<text:p text:style-name="Letterhead">%s</text:p>' % e(x) for x in LETTERHEAD[1:]]
    out.append('<text:p text:style-name="Standard">%s</text:p>'
               % "<text:line-break/>".join(e(x) for x in RECIPIENT))

    def table(name, rows, cell, bold_col0=False, bold_row0=False):
        t = ['<table:table table:name="%s"><table:table-column table:number-columns-repeated="%d"/>'
             % (name, len(rows[0]))]
        for i, row in enumerate(rows):
            t.append("<table:table-row>")
            for j, c in enumerate(row):
                txt = e(c)
                if (bold_col0 and j == 0) or (bold_row0 and i == 0):
                    txt = '<text:span text:style-name="Bold">%s</text:span>' % txt
                t.append('<table:table-cell table:style-name="%s" office:value-type="string">'
                         '<text:p text:style-name="Standard">%s</text:p></table:table-cell>'
                         % (cell, txt))
            t.append("</table:table-row>")
        t.append("</table:table>")
        return "".join(t)

    out.append(table("Demographics", [(k + ":", v) for k, v in DEMOGRAPHICS], "Plain",
                     bold_col0=True))
    brk = False
    for b in BODY:
        if b[0] == "pagebreak":
            brk = True
            continue
        if b[0] == "h":
            out.append('<text:p text:style-name="%s">%s</text:p>'
                       % ("Break" if brk else "Heading", e(b[1])))
        elif b[0] == "p":
            out.append('<text:p text:style-name="Standard">%s</text:p>' % e(b[1]))
        elif b[0] == "table":
            out.append(table("Medication", MED_TABLE, "Cell", bold_row0=True))
        brk = False
    out.append('<text:p text:style-name="Standard"/>')
    out.append('<text:p text:style-name="Standard">%s</text:p>'
               % "<text:line-break/>".join(e(x) for x in SIGNATURE))
    out.append('<text:p text:style-name="Standard">%s</text:p>' % e(CC))
    out.append("</office:text></office:body></office:document>\n")
    return "\n".join(out)


# --- plain troff (groff -Tps, then Ghostscript via ps2pdf) -------------------------------
# No macro package (groff-base ships none of ms/mm): a few page-layout requests and macros.

def roff(s):
    """Escape text for a troff text line (non-ASCII as named glyphs)."""
    s = s.replace("\\", "\\e").replace("°", "\\[de]").replace("–", "\\[en]")
    if s[:1] in (".", "'"):
        s = "\\&" + s
    assert all(ord(c) < 128 for c in s), s
    return s


TROFF_SETUP = r""".\" Clinic letter fixture (fabricated data). Render: groff -t -Tps -P-pa4 letter.tr
.pl 29.7c
.po 2c
.ll 17c
.ps 11
.vs 14p
.\" no hyphenation, ligatures or kerning: words stay whole in the extracted text
.nh
.lg 0
.kern 0
.\" top and bottom margins of 2 cm
.de HD
'sp |2c
..
.de FO
'bp
..
.wh 0 HD
.wh -2c FO
.\" P: paragraph in Times Roman; H: heading in Helvetica Bold (text on the next line)
.de P
.br
.ft TR
.ps 11
.sp 0.5v
..
.de H
.br
.sp 0.8v
.ne 4v
.ft HB
.ps 12
..
.sp |2c
"""


def make_troff():
    out = [TROFF_SETUP.rstrip("\n"), ".rj %d" % len(LETTERHEAD),
           "\\f[HB]\\s[15]%s\\s0\\f[HR]" % roff(LETTERHEAD[0])]
    out += [roff(x) for x in LETTERHEAD[1:]]
    out += [".ft TR", ".sp", ".nf"] + [roff(x) for x in RECIPIENT] + [".sp"]
    out += ["\\f[TB]%s:\\fP\\h'|3.5c'%s" % (roff(k), roff(v)) for k, v in DEMOGRAPHICS]
    out += [".fi"]
    for b in BODY:
        if b[0] == "pagebreak":
            out.append(".bp")
        elif b[0] == "h":
            out += [".H", roff(b[1])]
        elif b[0] == "p":
            out += [".P", roff(b[1])]
        elif b[0] == "table":
            out += [".P", ".TS", "box tab(|);", "lB lB lB", "l l l."]
            out += ["|".join(roff(c) for c in row) for row in MED_TABLE]
            out.append(".TE")
    out += [".P", ".nf", roff(SIGNATURE[0]), ".sp 2"] + [roff(x) for x in SIGNATURE[3:]]
    out += [".sp", roff(CC), ".fi"]
    return "\n".join(out) + "\n"


# --- reportlab --------------------------------------------------------------------------

def make_reportlab(path):
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import (PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table,
                                    TableStyle)

    # Body text in an embedded TrueType subset; headings in built-in (unembedded) Helvetica.
    pdfmetrics.registerFont(TTFont("DejaVuSans", os.path.join(DEJAVU, "DejaVuSans.ttf")))
    body = ParagraphStyle("body", fontName="DejaVuSans", fontSize=10.5, leading=14,
                          spaceAfter=6)
    head = ParagraphStyle("head", fontName="Helvetica-Bold", fontSize=12, leading=15,
                          spaceBefore=10, spaceAfter=4)
    lh_org = ParagraphStyle("lhorg", fontName="Helvetica-Bold", fontSize=15, leading=19,
                            alignment=TA_RIGHT)
    lh = ParagraphStyle("lh", fontName="Helvetica", fontSize=10.5, leading=14,
                        alignment=TA_RIGHT)
    e = lambda s: html.escape(s, quote=False)  # noqa: E731

    story = [Paragraph(e(LETTERHEAD[0]), lh_org)]
    story += [Paragraph(e(x), lh) for x in LETTERHEAD[1:]]
    story += [Spacer(1, 8), Paragraph("<br/>".join(e(x) for x in RECIPIENT), body)]
    label = ParagraphStyle("label", fontName="Helvetica-Bold", fontSize=10.5, leading=14)
    demo = Table([[Paragraph(e(k) + ":", label), Paragraph(e(v), body)]
                  for k, v in DEMOGRAPHICS], colWidths=[38 * mm, None], hAlign="LEFT")
    demo.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                              ("TOPPADDING", (0, 0), (-1, -1), 0),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                              ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [demo, Spacer(1, 8)]
    for b in BODY:
        if b[0] == "pagebreak":
            story.append(PageBreak())
        elif b[0] == "h":
            story.append(Paragraph(e(b[1]), head))
        elif b[0] == "p":
            story.append(Paragraph(e(b[1]), body))
        elif b[0] == "table":
            t = Table([list(r) for r in MED_TABLE], hAlign="LEFT")
            t.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), "DejaVuSans", 10.5),
                                   ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 10.5),
                                   ("GRID", (0, 0), (-1, -1), 0.5, colors.grey)]))
            story += [t, Spacer(1, 6)]
    story += [Spacer(1, 6), Paragraph(e(SIGNATURE[0]), body), Spacer(1, 24)]
    story += [Paragraph("<br/>".join(e(x) for x in SIGNATURE[3:]), body), Spacer(1, 6),
              Paragraph(e(CC), body)]
    doc = SimpleDocTemplate(path, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm, invariant=1,
                            title="Clinic letter", author="", subject="", creator="")
    doc.build(story)


# --- check + manifest -------------------------------------------------------------------

def font_report(reader):
    """Describe each font: subtype, encoding, base font, embedded font program, ToUnicode."""
    seen = {}

    def walk(res, depth=0):
        if res is None or depth > 8:
            return
        res = res.get_object()
        fonts = res.get("/Font")
        if fonts is not None:
            for f in fonts.get_object().values():
                f = f.get_object()
                base = str(f.get("/BaseFont", "?"))
                sub = str(f.get("/Subtype", "?"))
                enc = f.get("/Encoding")
                enc = enc.get_object() if enc is not None else None
                if hasattr(enc, "get"):
                    encs = "dict(base=%s, differences=%s)" % (
                        enc.get("/BaseEncoding", "-"), "yes" if "/Differences" in enc else "no")
                else:
                    encs = str(enc) if enc is not None else "-"
                desc = f.get("/FontDescriptor")
                kind = sub
                if sub == "/Type0":
                    d = f["/DescendantFonts"][0].get_object()
                    kind += "/" + str(d.get("/Subtype"))
                    desc = d.get("/FontDescriptor")
                prog = "not embedded"
                if desc is not None:
                    desc = desc.get_object()
                    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                        if key in desc:
                            prog = key[1:]
                            if key == "/FontFile3":
                                prog += "(%s)" % desc[key].get_object().get("/Subtype")
                tu = "ToUnicode" if "/ToUnicode" in f else "no ToUnicode"
                seen[(base, kind)] = "%s %s enc=%s %s %s" % (base, kind, encs, prog, tu)
        xo = res.get("/XObject")
        if xo is not None:
            for x in xo.get_object().values():
                x = x.get_object()
                if x.get("/Subtype") == "/Form":
                    walk(x.get("/Resources"), depth + 1)

    for page in reader.pages:
        walk(page.get("/Resources"))
    return sorted(seen.values())


def norm(s):
    return re.sub(r"\s+", " ", s).strip()


def check(fixdir):
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # quiet font-parsing warnings
    try:
        from pypdf import PdfReader
    except ImportError:
        sys.exit("check: pypdf is needed (python3 -m pip install pypdf)")
    try:
        from pdfminer.high_level import extract_text as pdfminer_text
    except ImportError:
        pdfminer_text = None

    files = ["chromium-skia.pdf", "libreoffice.pdf", "wkhtmltopdf.pdf", "reportlab.pdf",
             "ghostscript.pdf"]
    producers, problems = {}, []
    for name in files:
        path = os.path.join(fixdir, name)
        reader = PdfReader(path)
        producer = str((reader.metadata or {}).get("/Producer", ""))
        producers[name] = producer
        pages = [p.extract_text() or "" for p in reader.pages]
        texts = {"pypdf": norm(" ".join(pages))}
        if pdfminer_text is not None:
            texts["pdfminer"] = norm(pdfminer_text(path))
        print("%s: %d bytes, %d pages, Producer %r"
              % (name, os.path.getsize(path), len(reader.pages), producer))
        for f in font_report(reader):
            print("    font:", f)
        # the letter breaks before "Plan": page 2 has the plan, Mrs Thornton and the signature
        if len(reader.pages) != 2:
            problems.append("%s: %d page(s), expected 2" % (name, len(reader.pages)))
        elif not all(s in norm(pages[1]) for s in ("Plan", "Mrs Thornton", "Fiona McAllister")):
            problems.append("%s: page 2 lacks the plan, Mrs Thornton or the signature" % name)
        for s in PHI + KEPT + NON_ASCII:
            for tool, text in texts.items():
                if s in text:
                    continue
                if s.replace(" ", "") in text.replace(" ", ""):
                    how = "only with spaces removed"
                else:
                    how = "missing"
                problems.append("%s: %r %s (%s)" % (name, s, how, tool))
    for p in problems:
        print("PROBLEM:", p)

    manifest = {"phi": PHI, "kept": KEPT, "producers": producers}
    with open(os.path.join(fixdir, "manifest.json"), "w") as fh:
        json.dump(manifest, fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    return 1 if problems else 0


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    cmd, arg = sys.argv[1], sys.argv[2]
    text = all_text()
    for s in PHI + KEPT + NON_ASCII:  # every checked string must be planted in the letter
        assert s in text, s
    if cmd == "sources":
        for name, body in (("letter.html", make_html()), ("letter.fodt", make_fodt()),
                           ("letter.tr", make_troff())):
            with open(os.path.join(arg, name), "w", encoding="utf-8") as fh:
                fh.write(body)
    elif cmd == "reportlab":
        make_reportlab(arg)
    elif cmd == "check":
        sys.exit(check(arg))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
