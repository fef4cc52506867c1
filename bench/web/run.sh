#!/usr/bin/env bash
# smtpcodes serve against nginx serving the build-site output of the same pages, in one run.
#
#   bash bench/web/run.sh            (DURATION=10s THREADS=2 CONNECTIONS=32 by default)
#
# Both servers listen on free loopback ports only; wrk is bounded (-t2 -c32 -d10s). One
# uvicorn process against one nginx worker by default (SERVE_ARGS, NGINX_WORKERS change
# that), each measured alone, so they never compete for the CPU.  SMTPCODES names another
# smtpcodes executable to measure.  Prints per URL: requests/s of both, the ratio
# serve / nginx, p99 latency and errors (socket errors, non-2xx/3xx).  Target (issue 4):
# ratio >= 0.3 and zero errors; the exit status is 1 when either misses.
# Everything started here is stopped on exit (trap), including on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
TARGET=${TARGET:-0.3}
NGINX_WORKERS=${NGINX_WORKERS:-1}
# extra arguments for smtpcodes serve, e.g. SERVE_ARGS="--workers 2" (with NGINX_WORKERS=2)
SERVE_ARGS=${SERVE_ARGS:-}
PY=.venv/bin/python
SMTP=${SMTPCODES:-.venv/bin/smtpcodes}
URLS=(/en/smtp/535 /th/smtp/354-vs-535)

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "bench/web: $tool is missing (Debian package $tool)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/smtpcodes-bench-web.XXXXXX)
serve_pid=""
nginx_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "$serve_pid" "$nginx_pid"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "$serve_pid" "$nginx_pid"; do
    if [ -n "$pid" ]; then
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_200() {  # wait_200 URL: bounded wait (20 s) until the URL answers 200
  local url=$1
  for _ in $(seq 200); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url")" = 200 ]; then return 0; fi
    sleep 0.1
  done
  echo "bench/web: $url did not answer 200 within 20 s" >&2
  return 1
}

serve_port=$(free_port)
nginx_port=$(free_port)
base="http://127.0.0.1:$nginx_port"

# 1. the static site: the same pages, built by the same application
only=()
for url in "${URLS[@]}"; do only+=(--only "$url"); done
"$SMTP" build-site "$work/site" --base-url "$base" "${only[@]}" >&2
chmod -R a+rX "$work"

# 2. nginx: its own prefix, config, pid file and temp dirs; not a daemon; loopback only
mkdir -p "$work/nginx/logs" "$work/nginx/tmp"
cat > "$work/nginx/nginx.conf" <<CONF
daemon off;
master_process on;
worker_processes $NGINX_WORKERS;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  charset utf-8;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path $work/nginx/tmp/body;
  proxy_temp_path $work/nginx/tmp/proxy;
  fastcgi_temp_path $work/nginx/tmp/fastcgi;
  uwsgi_temp_path $work/nginx/tmp/uwsgi;
  scgi_temp_path $work/nginx/tmp/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/site;
    location / { try_files \$uri \$uri/index.html =404; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/logs/error.log" &
nginx_pid=$!

# 3. smtpcodes serve: the real application, as users start it (no access log, like nginx)
# shellcheck disable=SC2086
"$SMTP" serve --host 127.0.0.1 --port "$serve_port" --log-level warning $SERVE_ARGS \
  >"$work/serve.log" 2>&1 &
serve_pid=$!

for url in "${URLS[@]}"; do
  wait_200 "http://127.0.0.1:$serve_port$url"
  wait_200 "$base$url"
done

# 4. wrk, one server at a time
run_wrk() {  # run_wrk NAME URL -> NAME.txt
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --timeout 5s --latency "$2" >"$work/$1.txt"
}
i=0
for url in "${URLS[@]}"; do
  curl -s -o /dev/null "http://127.0.0.1:$serve_port$url"   # warm the page cache
  run_wrk "serve-$i" "http://127.0.0.1:$serve_port$url"
  run_wrk "nginx-$i" "$base$url"
  i=$((i + 1))
done

"$PY" - "$work" "$TARGET" "$DURATION" "$THREADS" "$CONNECTIONS" "$NGINX_WORKERS" "$SERVE_ARGS" \
  "${URLS[@]}" <<'PY'
import re, sys
work, target, duration, threads, connections, nginx_workers, serve_args, *urls = sys.argv[1:]
target = float(target)

def parse(name):
    text = open(f"{work}/{name}.txt").read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    socket_errors = sum(int(n) for n in socket.groups()) if socket else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    return rate, p99, socket_errors, int(non2xx.group(1)) if non2xx else 0, requests

print(f"wrk -t{threads} -c{connections} -d{duration} --latency, loopback; smtpcodes serve "
      f"{serve_args or '(1 uvicorn process)'} vs nginx ({nginx_workers} worker(s)) "
      "serving build-site output")
header = f"{'url':<22} {'server':<7} {'req/s':>10} {'p99':>9} {'socket err':>10} {'non-2xx':>8} {'requests':>9}"
print(header)
ok = True
for i, url in enumerate(urls):
    serve = parse(f"serve-{i}")
    nginx = parse(f"nginx-{i}")
    for name, (rate, p99, sock, bad, n) in (("serve", serve), ("nginx", nginx)):
        print(f"{url:<22} {name:<7} {rate:>10.0f} {p99:>9} {sock:>10} {bad:>8} {n:>9}")
    ratio = serve[0] / nginx[0] if nginx[0] else 0.0
    errors = serve[2] + serve[3] + nginx[2] + nginx[3]
    verdict = "ok" if ratio >= target and errors == 0 else "MISSED"
    print(f"{url:<22} ratio serve/nginx {ratio:.3f} (target >= {target}), errors {errors}: {verdict}")
    ok = ok and verdict == "ok"
sys.exit(0 if ok else 1)
PY
