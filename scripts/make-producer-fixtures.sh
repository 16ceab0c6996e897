#!/usr/bin/env bash
# Write tests/fixtures/producers/: the same fabricated two-page clinic letter rendered by five
# PDF producers (Chromium/Skia, LibreOffice, wkhtmltopdf, reportlab, groff + Ghostscript ps2pdf),
# then check each PDF (pages, extractable PHI and clinical strings, fonts) and write
# manifest.json. The letter and the checks live in scripts/make_producer_fixtures.py.
# Needs: chromium, soffice, wkhtmltopdf, groff, ps2pdf, python3 with reportlab and pypdf
# (pdfminer.six optional, used as a second text extractor).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
py="$root/scripts/make_producer_fixtures.py"
dest="$root/tests/fixtures/producers"

missing=()
for tool in chromium soffice wkhtmltopdf groff ps2pdf python3; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "make-producer-fixtures: missing tool(s): ${missing[*]}" >&2
  exit 1
fi
python3 -c 'import reportlab, pypdf' 2>/dev/null || {
  echo "make-producer-fixtures: python3 needs reportlab and pypdf (pip install reportlab pypdf)" >&2
  exit 1
}

# Fixed timestamps where a tool honours SOURCE_DATE_EPOCH (reportlab with invariant=1, groff,
# Ghostscript: byte-identical reruns); Chromium, LibreOffice and wkhtmltopdf stamp the time.
export SOURCE_DATE_EPOCH=1756166400 TZ=UTC LC_ALL=C.UTF-8
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$dest"
rm -f "$dest"/{chromium-skia,libreoffice,wkhtmltopdf,reportlab,ghostscript}.pdf
python3 "$py" sources "$work"

echo "chromium-skia.pdf"
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/chromium-profile" --no-pdf-header-footer \
  --print-to-pdf="$dest/chromium-skia.pdf" "file://$work/letter.html" >/dev/null 2>&1

echo "libreoffice.pdf"
soffice -env:UserInstallation="file://$work/lo-profile" --headless \
  --convert-to pdf:writer_pdf_Export --outdir "$work" "$work/letter.fodt" >/dev/null 2>"$work/lo.err" \
  || { cat "$work/lo.err" >&2; exit 1; }
[ -s "$work/letter.pdf" ] || { cat "$work/lo.err" >&2; echo "make-producer-fixtures: soffice wrote no PDF" >&2; exit 1; }
mv "$work/letter.pdf" "$dest/libreoffice.pdf"

echo "wkhtmltopdf.pdf"
mkdir -m 700 "$work/xdg"
XDG_RUNTIME_DIR="$work/xdg" QT_QPA_PLATFORM=offscreen wkhtmltopdf --quiet --page-size A4 \
  --margin-top 20mm --margin-bottom 20mm --margin-left 20mm --margin-right 20mm \
  "$work/letter.html" "$dest/wkhtmltopdf.pdf"

echo "reportlab.pdf"
python3 "$py" reportlab "$dest/reportlab.pdf"

echo "ghostscript.pdf"
groff -t -Tps -P-pa4 "$work/letter.tr" >"$work/letter.ps"
ps2pdf -sPAPERSIZE=a4 "$work/letter.ps" "$dest/ghostscript.pdf"

for f in chromium-skia libreoffice wkhtmltopdf reportlab ghostscript; do
  [ -s "$dest/$f.pdf" ] || { echo "make-producer-fixtures: $f.pdf was not written" >&2; exit 1; }
done
python3 "$py" check "$dest"
