#!/usr/bin/env bash
# Cold start of the CLI against the bare interpreter it runs on, in one hyperfine run.
# Target (issue 2): smtpcodes explain "550 5.1.1 no such user" <= 4x `python3 -c pass`.
# Both sides use the virtual environment's python3, so the ratio measures our start-up only.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python3
SMTP=.venv/bin/smtpcodes
command -v hyperfine >/dev/null || { echo "hyperfine missing (./dev setup installs it as root)"; exit 1; }
"$SMTP" explain "550 5.1.1 no such user" >/dev/null   # compile the catalogue bundle first
out=$(mktemp)
hyperfine --warmup 5 --runs "${RUNS:-40}" -N --export-json "$out" \
  "$PY -c pass" \
  "$SMTP explain '550 5.1.1 no such user'" >&2
"$PY" - "$out" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
bare, cli = (r["mean"] * 1000 for r in results)
ratio = cli / bare
print(f"cli cold start: {cli:.1f} ms, bare interpreter: {bare:.1f} ms, ratio {ratio:.2f}x (target <= 4x)")
PY
rm -f "$out"
