#!/usr/bin/env bash
# All benchmarks; each prints its figures and the ratio against its peer.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -m pytest bench/test_throughput.py --benchmark-only -q -s -p no:cacheprovider \
  -o testpaths=bench -W ignore::pytest.PytestUnraisableExceptionWarning "$@"
bash bench/cli_startup.sh
