"""Record a real session for every code: ``python -m smtpcodes.sandbox.record``.

For each basic code with a probe-reachable scenario, start the sandbox in-process on a
loopback port, run the exact ``smtpcodes probe`` command the catalogue will show (as a
child process, so what is recorded is what the command prints), and write
``catalogue/data/transcripts/<code>.toml``::

    code = "535"
    scenario = "auth-535"
    probe_command = "SMTPCODES_PASSWORD=sandbox smtpcodes probe 127.0.0.1:2525 --auth PLAIN ..."
    swaks_command = "SWAKS_OPT_auth_password=sandbox swaks --server 127.0.0.1:2525 ..."
    recorded = "2026-11-27"
    lines = ["=== Trying 127.0.0.1:2525...", ...]

Files stay the same from one run to the next: the port shows as 2525 (the sandbox's
default), timings are left out, and the Date and Message-ID of the probe's generated
message are replaced by fixed values.  ``sandbox`` / ``sandbox`` are the sandbox's
published test credentials, not a secret.

Usage: ``python -m smtpcodes.sandbox.record [--check] [--out DIR] [CODE ...]``
(``--check`` compares with the files instead of writing; exit 1 when one differs).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import os
import re
import shlex
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from smtpcodes._errors import LocalError
from smtpcodes._record import record as value_type
from smtpcodes.catalogue import Transcript
from smtpcodes.sandbox._model import Scenario
from smtpcodes.sandbox._run import Sandbox
from smtpcodes.sandbox._scenarios import load_scenarios

#: Where recorded transcripts live (the catalogue compiles them into its bundle).
TRANSCRIPT_DIR = Path(__file__).resolve().parent.parent / "catalogue" / "data" / "transcripts"
#: The port every recorded command names: the sandbox's default.
SHOWN_PORT = 2525
#: The sandbox's test credentials (``smtpcodes sandbox`` defaults).
TEST_USER = "sandbox"
TEST_PASSWORD = "sandbox"  # noqa: S105 - the sandbox's published test password
PASSWORD_VARIABLE = "SMTPCODES_PASSWORD"  # noqa: S105 - a variable name
#: How long one probe may take, in all (each of its stages has its own timeout).
PROBE_TIME_LIMIT = 60.0
_FIXED_DATE = "Date: Thu, 01 Jan 2026 00:00:00 -0000"
_FIXED_MESSAGE_ID = "Message-ID: <00000000000000000000000000000000@smtpcodes.probe>"
_DATE_LINE = re.compile(r"^(.{3}) Date: .*$")
_MESSAGE_ID_LINE = re.compile(r"^(.{3}) Message-ID: <[0-9a-f]{32}@smtpcodes\.probe>$")
_HEADER = (
    "# Recorded by `python -m smtpcodes.sandbox.record` against `smtpcodes sandbox --scenario "
    "{scenario}`.\n"
    "# Do not edit: re-record instead.  The port shows as 2525, timings are left out, and\n"
    "# the Date and Message-ID of the probe's message are fixed so that files stay stable.\n"
)


class RecordError(LocalError):
    """A recording could not be made (the probe failed to run, or gave no transcript)."""


@value_type
class Recording:
    transcript: Transcript
    exit_status: int
    verdict_code: str | None
    verdict_stage: str


# -- the commands ------------------------------------------------------------------------


def _needs_password(args: Sequence[str]) -> bool:
    return "--auth" in args


def probe_argv(scenario: Scenario, port: int = SHOWN_PORT) -> list[str]:
    """``["probe", "127.0.0.1:PORT", *scenario.probe]``: arguments of ``smtpcodes``."""
    return ["probe", f"127.0.0.1:{port}", *scenario.probe]


def probe_command(scenario: Scenario) -> str:
    """The shell command that reproduces the scenario against ``smtpcodes sandbox``."""
    words = ["smtpcodes", *probe_argv(scenario)]
    prefix = f"{PASSWORD_VARIABLE}={TEST_PASSWORD} " if _needs_password(scenario.probe) else ""
    return prefix + shlex.join(words)


_SWAKS_QUIT_AFTER = {
    "connect": "CONNECT",
    "banner": "BANNER",
    "ehlo": "FIRST-HELO",
    "tls": "TLS",
    "auth": "AUTH",
    "mail": "MAIL",
    "rcpt": "RCPT",
}


def swaks_argv(scenario: Scenario, port: int = SHOWN_PORT) -> list[str]:
    """The equivalent swaks arguments (swaks 20201014: ``--tls`` is STARTTLS, the
    certificate is not verified by default, the password comes from the environment)."""
    argv = ["swaks", "--server", f"127.0.0.1:{port}"]
    recipients: list[str] = []
    quit_after = ""
    args = list(scenario.probe)
    index = 0
    while index < len(args):
        arg = args[index]
        value = args[index + 1] if index + 1 < len(args) else ""
        if arg == "--starttls":
            argv.append("--tls")
        elif arg == "--tls":
            argv.append("--tls-on-connect")
        elif arg == "--pipelining":
            argv.append("--pipeline")
        elif arg == "--insecure":
            pass  # swaks does not verify certificates unless asked to
        elif arg in ("--auth", "--from", "--user", "--to", "--quit-after", "--ehlo"):
            index += 1
            if arg == "--to":
                recipients.append(value)
            elif arg == "--quit-after":
                quit_after = _SWAKS_QUIT_AFTER.get(value, "")
            elif arg == "--user":
                argv += ["--auth-user", value]
            else:
                argv += [arg, value]
        else:
            raise RecordError(f"scenario {scenario.name}: no swaks equivalent for {arg!r}")
        index += 1
    if not recipients:
        # the probe without --to tries RCPT TO:<postmaster> and stops before DATA
        recipients = ["postmaster"]
        quit_after = quit_after or "RCPT"
    argv += ["--to", ",".join(recipients)]
    if quit_after:
        argv += ["--quit-after", quit_after]
    return argv


def swaks_command(scenario: Scenario) -> str:
    prefix = "SWAKS_OPT_auth_password=sandbox " if _needs_password(scenario.probe) else ""
    return prefix + shlex.join(swaks_argv(scenario))


# -- recording ---------------------------------------------------------------------------


def normalise(lines: Sequence[str], port: int) -> tuple[str, ...]:
    """Make a transcript stable: the port as 2525, a fixed Date and Message-ID."""
    result = []
    for line in lines:
        line = line.replace(f"127.0.0.1:{port}", f"127.0.0.1:{SHOWN_PORT}")
        line = _DATE_LINE.sub(lambda m: f"{m.group(1)} {_FIXED_DATE}", line)
        line = _MESSAGE_ID_LINE.sub(lambda m: f"{m.group(1)} {_FIXED_MESSAGE_ID}", line)
        result.append(line)
    return tuple(result)


async def run_probe_command(
    argv: Sequence[str], *, timeout: float = PROBE_TIME_LIMIT
) -> dict[str, Any]:
    """Run ``smtpcodes ARGV --json`` as a child process; return its JSON document."""
    env = {**os.environ, PASSWORD_VARIABLE: TEST_PASSWORD, "NO_COLOR": "1"}
    env.pop("LANG", None)
    env.pop("LC_ALL", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "smtpcodes",
        *argv,
        "--json",
        "--lang",
        "en",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        async with asyncio.timeout(timeout):
            out, err = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise RecordError(f"smtpcodes {shlex.join(argv)} took more than {timeout:g} s") from None
    try:
        document: dict[str, Any] = json.loads(out)
    except json.JSONDecodeError:
        detail = err.decode("utf-8", "replace").strip() or out[:200].decode("utf-8", "replace")
        raise RecordError(
            f"smtpcodes {shlex.join(argv)} printed no JSON (exit {process.returncode}): {detail}"
        ) from None
    document["exit_status"] = process.returncode
    return document


def transcript_lines(document: dict[str, Any]) -> list[str]:
    """The swaks-style lines of a ``smtpcodes/probe@1`` document."""
    try:
        return [f"{line['marker']} {line['text']}" for line in document["transcript"]]
    except (KeyError, TypeError):
        raise RecordError(
            f"the probe's JSON has no transcript (schema {document.get('schema')!r})"
        ) from None


async def record(scenario: Scenario, *, today: datetime.date | None = None) -> Recording:
    """Run ``scenario`` in a sandbox on a free loopback port and record the probe's session."""
    if not scenario.probe_reachable:
        raise RecordError(f"scenario {scenario.name}: the probe never sends {scenario.stage.value}")
    async with Sandbox(scenario, port=0, user=TEST_USER, password=TEST_PASSWORD) as sandbox:
        port = sandbox.address.port
        document = await run_probe_command(probe_argv(scenario, port))
    lines = normalise(transcript_lines(document), port)
    verdict = document.get("verdict", {})
    day = today or datetime.datetime.now(datetime.UTC).date()
    transcript = Transcript(
        code=scenario.code,
        scenario=scenario.name,
        probe_command=probe_command(scenario),
        swaks_command=swaks_command(scenario),
        recorded=day.isoformat(),
        lines=lines,
    )
    return Recording(
        transcript, int(document["exit_status"]), verdict.get("code"), verdict.get("stage", "")
    )


def recordable() -> dict[str, Scenario]:
    """For each basic code, the scenario its transcript comes from."""
    return {
        code: scenario
        for code, scenario in load_scenarios().primary().items()
        if scenario.probe_reachable
    }


# -- files -------------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a TOML basic string


def to_toml(transcript: Transcript) -> str:
    out = [_HEADER.format(scenario=transcript.scenario)]
    for name in ("code", "scenario", "probe_command", "swaks_command", "recorded"):
        out.append(f"{name} = {_toml_string(getattr(transcript, name))}\n")
    out.append("lines = [\n")
    out += [f"  {_toml_string(line)},\n" for line in transcript.lines]
    out.append("]\n")
    return "".join(out)


def read_transcript(path: Path) -> Transcript:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return Transcript(**{**data, "lines": tuple(data["lines"])})


async def record_all(codes: Sequence[str], out: Path, *, check: bool) -> int:
    scenarios = recordable()
    unknown = [code for code in codes if code not in scenarios]
    if unknown:
        raise RecordError(f"no recordable scenario for {', '.join(unknown)}")
    differ = 0
    for code in codes or list(scenarios):
        recording = await record(scenarios[code])
        path = out / f"{code}.toml"
        if check:
            old = read_transcript(path) if path.exists() else None
            same = old is not None and old.lines == recording.transcript.lines
            differ += not same
            print(f"{code}: {'same' if same else 'DIFFERS'}")  # noqa: T201 - a build tool
            continue
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(to_toml(recording.transcript), "utf-8")
        verdict = recording.verdict_code or "-"
        print(f"{code}: {scenarios[code].name} exit {recording.exit_status} verdict {verdict}")  # noqa: T201
    return 1 if differ else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m smtpcodes.sandbox.record")
    parser.add_argument("codes", nargs="*", metavar="CODE", help="only these codes")
    parser.add_argument("--out", type=Path, default=TRANSCRIPT_DIR, help="folder to write to")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    try:
        return asyncio.run(record_all(args.codes, args.out, check=args.check))
    except LocalError as exc:
        print(f"record: {exc}", file=sys.stderr)  # noqa: T201
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
