#!/usr/bin/env bash
# The probe against swaks, and the sandbox under 50 concurrent clients, in one run.
#
#   bash bench/probe/run.sh [--sessions N] [--clients N] [--messages N] [--time-limit S]
#
# Prints sequential complete sessions/s of `smtpcodes probe` and of swaks against the same
# sandbox (and the ratio probe/swaks), run_probe() in-process for reference, and sandbox
# messages/s under 50 concurrent clients for each engine.  Loopback only; every step is
# bounded; the sandbox processes are stopped on exit.  Exit status 1 on any failed session
# or message (the target: zero errors).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v swaks >/dev/null || { echo "bench/probe: swaks is missing (Debian package swaks)" >&2; exit 1; }
exec .venv/bin/python bench/probe/bench_probe.py "$@"
