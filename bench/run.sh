#!/usr/bin/env bash
# All benchmarks; each runs its peer in the same run and prints the ratio.
#   core       parse_reply and explain throughput (pytest-benchmark)
#   cli        cold start against the bare interpreter (hyperfine)
#   web        smtpcodes serve against nginx serving build-site output (wrk)
#   probe      probe sessions/s against swaks, sandbox messages/s under 50 clients
#   explain    real-world explanations/s against Sisimai
# ./dev bench [NAME...] runs some of them; the exit status is 1 if any missed its target.
set -uo pipefail
cd "$(dirname "$0")/.."
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(core cli web probe explain)
status=0
for name in "${names[@]}"; do
  echo "=== bench: $name"
  case "$name" in
    core) .venv/bin/python -m pytest bench/test_throughput.py --benchmark-only -q -s \
            -p no:cacheprovider -o testpaths=bench || status=1 ;;
    cli) bash bench/cli_startup.sh || status=1 ;;
    web|probe|explain)
      if [ -f "bench/$name/run.sh" ]; then bash "bench/$name/run.sh" || status=1
      elif [ -f "bench/$name/run.py" ]; then .venv/bin/python "bench/$name/run.py" || status=1
      else echo "bench/$name/run.sh is missing"; status=1; fi ;;
    *) echo "unknown benchmark $name"; status=1 ;;
  esac
done
exit $status
