"""Probe and sandbox throughput, with swaks as the peer, in one run.

1. Complete sessions per second, sequential, against one sandbox (scenario data-354: EHLO,
   MAIL, RCPT, DATA with a message, QUIT):
   - ``smtpcodes probe`` as a command (process start included), and swaks the same way:
     the two tools a mail admin types; the ratio probe/swaks is printed;
   - ``run_probe`` in-process, the library without process start-up, for reference.
2. Sandbox messages per second under 50 concurrent clients (aiosmtplib, one connection per
   client, several messages each), for each engine; every message must be accepted.

The sandbox runs as its own process (``smtpcodes sandbox``) so that clients and server do
not share an interpreter.  Everything is bounded: session counts, a time limit per step,
and the sandbox process is stopped on exit.  Exit status 1 when any session or message
failed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PY = sys.executable
SMTPCODES = [PY, "-m", "smtpcodes"]
MESSAGE = b"Subject: bench\r\nFrom: <a@example.test>\r\nTo: <b@example.test>\r\n\r\n" + (
    b"benchmark line of text, seventy-odd characters long, to make it real.\r\n" * 10
)


@dataclass
class Rate:
    label: str
    count: int
    seconds: float
    failures: int

    @property
    def per_second(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    def show(self) -> str:
        failed = f", {self.failures} failed" if self.failures else ""
        return (
            f"  {self.label:<38} {self.per_second:9.1f}/s  "
            f"({self.count} in {self.seconds:.2f} s{failed})"
        )


@contextmanager
def sandbox_process(engine: str, time_limit: float):
    """``smtpcodes sandbox --scenario data-354`` on a free loopback port; yields the port."""
    process = subprocess.Popen(
        [
            *SMTPCODES,
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--scenario",
            "data-354",
            "--engine",
            engine,
            "--no-tls",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=REPO,
    )
    try:
        yield _start_port(process, min(time_limit, 30))
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _start_port(process: subprocess.Popen[bytes], limit: float) -> int:
    """The port from the sandbox's start document (``--json``)."""
    assert process.stdout is not None
    assert process.stderr is not None
    text = b""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        chunk = os.read(process.stdout.fileno(), 65536)  # the document comes at once
        if not chunk:
            raise SystemExit(f"bench/probe: the sandbox exited: {process.stderr.read()!r}")
        text += chunk
        try:
            return int(json.loads(text)["port"])
        except json.JSONDecodeError:
            continue
    raise SystemExit(f"bench/probe: the sandbox did not start in {limit:g} s")


def _commands(
    port: int, sessions: int, argv: list[str], label: str, env: dict[str, str], limit: float
) -> Rate:
    failures = 0
    started = time.monotonic()
    done = 0
    for _ in range(sessions):
        if time.monotonic() - started > limit:
            break
        result = subprocess.run(argv, capture_output=True, timeout=60, env=env, check=False)
        failures += result.returncode != 0
        done += 1
    return Rate(label, done, time.monotonic() - started, failures)


def sequential(port: int, sessions: int, limit: float) -> list[Rate]:
    env = {**os.environ, "NO_COLOR": "1"}
    message = REPO / "bench" / "probe" / ".message.eml"
    message.write_bytes(MESSAGE)
    try:
        probe = _commands(
            port,
            sessions,
            [
                *SMTPCODES,
                "probe",
                f"127.0.0.1:{port}",
                "--to",
                "b@example.test",
                "--from",
                "a@example.test",
                "--data",
                str(message),
            ],
            "smtpcodes probe (command)",
            env,
            limit,
        )
        swaks_binary = shutil.which("swaks")
        if swaks_binary is None:
            raise SystemExit("bench/probe: swaks is missing (Debian package swaks)")
        swaks = _commands(
            port,
            sessions,
            [
                swaks_binary,
                "--server",
                f"127.0.0.1:{port}",
                "--to",
                "b@example.test",
                "--from",
                "a@example.test",
                "--data",
                str(message),
                "--silent",
                "2",
            ],
            "swaks (command)",
            env,
            limit,
        )
    finally:
        message.unlink(missing_ok=True)
    return [probe, swaks]


def in_process(port: int, sessions: int, limit: float) -> Rate:
    from smtpcodes.diagnose import ProbeOptions, run_probe

    options = ProbeOptions(
        "127.0.0.1", port, recipients=("b@example.test",), mail_from="a@example.test", data=MESSAGE
    )

    async def loop() -> Rate:
        failures = done = 0
        started = time.monotonic()
        for _ in range(sessions):
            if time.monotonic() - started > limit:
                break
            result = await run_probe(options)
            failures += result.exit_status != 0
            done += 1
        return Rate("run_probe() in-process", done, time.monotonic() - started, failures)

    return asyncio.run(loop())


def concurrent(port: int, clients: int, messages: int, limit: float, engine: str) -> Rate:
    import aiosmtplib

    async def client(errors: list[str]) -> int:
        sent = 0
        smtp = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=30)
        try:
            await smtp.connect()
            for _ in range(messages):
                await smtp.sendmail("a@example.test", ["b@example.test"], MESSAGE)
                sent += 1
            await smtp.quit()
        except (aiosmtplib.SMTPException, OSError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        return sent

    async def run() -> Rate:
        errors: list[str] = []
        started = time.monotonic()
        async with asyncio.timeout(limit):
            counts = await asyncio.gather(*(client(errors) for _ in range(clients)))
        seconds = time.monotonic() - started
        for error in errors[:5]:
            print(f"    error: {error}")
        expected = clients * messages
        return Rate(
            f"sandbox ({engine}), {clients} clients",
            sum(counts),
            seconds,
            len(errors) + expected - sum(counts),
        )

    return asyncio.run(run())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=40, help="sequential sessions per tool")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--messages", type=int, default=100, help="messages per client")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per step")
    args = parser.parse_args()
    failed = False
    print(f"Sequential complete sessions (EHLO, MAIL, RCPT, DATA, QUIT), {args.sessions} each:")
    with sandbox_process("aiosmtpd", args.time_limit) as port:
        probe, swaks = sequential(port, args.sessions, args.time_limit)
        library = in_process(port, args.sessions, args.time_limit)
    for rate in (probe, swaks, library):
        print(rate.show())
        failed |= rate.failures > 0
    if swaks.per_second:
        print(f"  ratio probe/swaks (commands): {probe.per_second / swaks.per_second:.2f}")
    print(f"Sandbox under {args.clients} concurrent clients, {args.messages} messages each:")
    for engine in ("aiosmtpd", "raw"):
        with sandbox_process(engine, args.time_limit) as port:
            rate = concurrent(port, args.clients, args.messages, args.time_limit, engine)
        print(rate.show())
        failed |= rate.failures > 0
    print("errors: " + ("some (see above)" if failed else "none"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
