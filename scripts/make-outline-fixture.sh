#!/usr/bin/env bash
# Write tests/fixtures/outlines/letter-outlines.pdf: the reportlab producer fixture with every
# glyph turned into a vector path by Ghostscript (-dNoOutputFonts), so the letter has no text
# layer at all and its PHI is drawn as outlines. Its planted identifiers are those of
# tests/fixtures/producers/manifest.json. Needs: gs.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export SOURCE_DATE_EPOCH=1756166400 TZ=UTC
gs -q -o "$root/tests/fixtures/outlines/letter-outlines.pdf" -sDEVICE=pdfwrite -dNoOutputFonts \
  "$root/tests/fixtures/producers/reportlab.pdf"
