#!/usr/bin/env bash
# Cold start of the CLI against the bare interpreter it runs on, in one hyperfine run.
# Target (issue 2): smtpcodes explain "550 5.1.1 no such user" <= 4x `python3 -c pass`.
# The ratio that counts uses the virtual environment's own interpreter on both sides, so it
# measures our start-up only; `python3` on PATH is also timed, because on machines where it
# is a pyenv shim (a bash script) it is several times slower than the interpreter itself.
# Byte-code is compiled first and written (as a pip install of a wheel does).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python3
SMTP=.venv/bin/smtpcodes
command -v hyperfine >/dev/null || { echo "hyperfine missing (./dev setup installs it as root)"; exit 1; }
unset PYTHONDONTWRITEBYTECODE
"$PY" -m compileall -q src >/dev/null
"$SMTP" explain "550 5.1.1 no such user" >/dev/null   # compile the catalogue bundle first
out=$(mktemp)
hyperfine --warmup 5 --runs "${RUNS:-40}" -N --export-json "$out" \
  "$PY -c pass" \
  "$SMTP explain '550 5.1.1 no such user'" \
  "python3 -c pass" >&2
"$PY" - "$out" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
bare, cli, path_python3 = (r["mean"] * 1000 for r in results)
ratio = cli / bare
print(f"cli cold start: {cli:.1f} ms, bare interpreter: {bare:.1f} ms, ratio {ratio:.2f}x (target <= 4x)")
print(f"(python3 -c pass through PATH: {path_python3:.1f} ms, ratio {cli / path_python3:.2f}x)")
sys.exit(0 if ratio <= 4 else 1)
PY
rm -f "$out"
