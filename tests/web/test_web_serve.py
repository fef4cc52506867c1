"""``smtpcodes serve``: the real command on 127.0.0.1, an ephemeral port, bounded waits."""

from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

STARTUP_TIMEOUT = 20.0
_BANNER = re.compile(r"serving (http://127\.0\.0\.1:(\d+)/)")


def _lines(stream, out: queue.Queue) -> None:
    for line in iter(stream.readline, ""):
        out.put(line)
    out.put(None)


@pytest.fixture
def serve() -> Iterator:
    """Start ``smtpcodes serve ARGS`` and return (process, base URL); always stopped after."""
    started: list[tuple[subprocess.Popen, threading.Thread]] = []

    def start(*args: str) -> tuple[subprocess.Popen, str]:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.pop("SMTPCODES_BASE_URL", None)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "smtpcodes",
                "serve",
                "--port",
                "0",
                "--log-level",
                "warning",
                *args,
            ],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        lines: queue.Queue = queue.Queue()
        reader = threading.Thread(target=_lines, args=(process.stderr, lines), daemon=True)
        reader.start()
        started.append((process, reader))
        line = lines.get(timeout=STARTUP_TIMEOUT)
        match = _BANNER.search(line or "")
        assert match, line
        return process, match.group(1)

    yield start
    for process, reader in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        reader.join(timeout=5)
        process.stderr.close()


def fetch(url: str, timeout: float = STARTUP_TIMEOUT) -> tuple[int, dict[str, str], str]:
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(url, headers={"Accept-Language": "th"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - loopback
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            headers = {k.lower(): v for k, v in error.headers.items()}
            return error.code, headers, error.read().decode()


def test_serve_brings_the_site_up_and_stops_on_ctrl_c(serve):
    process, base = serve()
    status, headers, body = fetch(base + "en/smtp/535")
    assert status == 200
    assert "<h1" in body
    assert headers["content-language"] == "en"
    assert "server" not in {k.lower() for k in headers}
    status, _, body = fetch(base)  # "/" negotiates: urllib follows the 302 to /th/
    assert status == 200
    assert 'lang="th"' in body
    status, headers, _ = fetch(base + "api/v1/codes/599")
    assert status == 404
    assert headers["content-type"] == "application/problem+json"
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 130  # "interrupted", after a clean shutdown


def test_serve_with_a_public_origin(serve):
    _, base = serve("--base-url", "https://smtp.example.org/")
    _, _, body = fetch(base + "th/smtp/535")
    assert '<link rel="canonical" href="https://smtp.example.org/th/smtp/535">' in body


def test_serve_with_two_workers(serve):
    _, base = serve("--workers", "2")
    for _ in range(4):
        assert fetch(base + "en/smtp/354-vs-535")[0] == 200


def test_port_in_use_is_one_line_and_exit_6(run_cli):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = run_cli("serve", "--port", str(port))
    assert result.code == 6
    assert result.err.startswith(f"smtpcodes: cannot listen on 127.0.0.1:{port}:")
    assert result.err.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "is not a TCP port"),
        (["--port", "http"], "is not a TCP port"),
        (["--workers", "0"], "is not a worker count"),
        (["--base-url", "smtp.example.org"], "expected an origin"),
        (["--host"], "expected one argument"),
    ],
)
def test_bad_arguments_exit_2(run_cli, args, message):
    result = run_cli("serve", *args)
    assert result.code == 2
    assert message in result.err


def test_serve_keeps_the_cli_fast():
    """Parsing ``serve`` arguments must not import the web stack (DESIGN.md section 2)."""
    code = (
        "import sys; from smtpcodes.cli import build_parser; "
        "build_parser('serve').parse_args(['serve', '--port', '0']); "
        "heavy = [m for m in ('fastapi', 'uvicorn', 'jinja2', 'starlette') if m in sys.modules]; "
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert out.stdout.strip() == "[]"


def test_help_lists_serve():
    def run(*args: str) -> str:
        command = [sys.executable, "-m", "smtpcodes", *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=30).stdout

    assert "the website and JSON API (127.0.0.1:8000)" in run("--help")
    help_text = run("serve", "--help")
    assert "--port" in help_text
    assert "--base-url" in help_text
    assert "--workers" in help_text
