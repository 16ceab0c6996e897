#!/usr/bin/env bash
# Fetch libpdfium.so from the pinned PyPI wheel pypdfium2==5.15.2 (pdfium 159.0.8149),
# check both the wheel and the library against the sha256 in vendor/pdfium.sha256 and put
# the library in vendor/pdfium/ (git-ignored). No Python code from the wheel ever runs.
# Downloads are cached in ${XDG_CACHE_HOME:-~/.cache}/deid so reruns are offline.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/vendor/pdfium"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/deid"
wheel_name="pypdfium2-5.15.2-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
wheel_sha="dc31aea5b0fb9fefc9b537a65f4113980b2c40798445736a7e6565bc85161e37"
lib_sha="$(awk '$2=="libpdfium.so"{print $1}' "$root/vendor/pdfium.sha256")"

if [ -f "$dest/libpdfium.so" ] && echo "$lib_sha  $dest/libpdfium.so" | sha256sum -c --status; then
  echo "pdfium: $dest/libpdfium.so (sha256 ok)"
  exit 0
fi
mkdir -p "$cache" "$dest"
if ! { [ -f "$cache/$wheel_name" ] && echo "$wheel_sha  $cache/$wheel_name" | sha256sum -c --status; }; then
  echo "pdfium: downloading pypdfium2==5.15.2 wheel from PyPI"
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps --only-binary=:all: \
    --platform manylinux_2_17_x86_64 --python-version 3.11 pypdfium2==5.15.2 -d "$tmp"
  mv "$tmp/$wheel_name" "$cache/$wheel_name"
  rm -rf "$tmp"
fi
echo "$wheel_sha  $cache/$wheel_name" | sha256sum -c --status || { echo "pdfium: wheel checksum mismatch" >&2; exit 1; }
python3 - "$cache/$wheel_name" "$dest" <<'PY'
import sys, zipfile, os
w, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(w) as z:
    for n in z.namelist():
        if n == "pypdfium2_raw/libpdfium.so" or n == "pypdfium2_raw/version.json" or "/licenses/" in n and n.endswith((".txt", "LICENSE")):
            out = os.path.join(dest, "licenses", os.path.basename(n)) if "/licenses/" in n else os.path.join(dest, os.path.basename(n))
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with z.open(n) as src, open(out + ".part", "wb") as dst:
                dst.write(src.read())
            os.replace(out + ".part", out)
PY
echo "$lib_sha  $dest/libpdfium.so" | sha256sum -c --status || { rm -f "$dest/libpdfium.so"; echo "pdfium: libpdfium.so checksum mismatch" >&2; exit 1; }
echo "pdfium: $dest/libpdfium.so (sha256 ok)"
