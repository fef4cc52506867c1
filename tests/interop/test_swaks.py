"""swaks, the tool mail admins know, against the same sandbox: the same replies in the same
order as the probe's recorded transcript, for every recorded code."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess

import pytest

from smtpcodes.sandbox import SandboxThread, load_scenarios
from smtpcodes.sandbox.record import TRANSCRIPT_DIR, read_transcript

pytestmark = pytest.mark.interop

SCENARIOS = load_scenarios()
TRANSCRIPTS = sorted(TRANSCRIPT_DIR.glob("*.toml"))
_REPLY = re.compile(r"^(?:<- |<~ |<\*\*|<~\*) ?(\d{3})[ -]")


def _swaks() -> str:
    binary = shutil.which("swaks")
    if binary is None:
        pytest.fail("swaks is not installed: apt-get install swaks (see ./dev)")
    return binary


def _reply_codes(lines) -> list[str]:
    return [m.group(1) for m in map(_REPLY.match, lines) if m is not None]


def _run_swaks(command: str, port: int) -> tuple[int, list[str], str]:
    words = shlex.split(command)
    env = dict(os.environ)
    while "=" in words[0]:
        name, _, value = words.pop(0).partition("=")
        env[name] = value
    assert words[0] == "swaks"
    words = [_swaks(), *(w.replace("127.0.0.1:2525", f"127.0.0.1:{port}") for w in words[1:])]
    done = subprocess.run(words, capture_output=True, text=True, timeout=30, env=env, check=False)
    return done.returncode, done.stdout.splitlines(), done.stderr


def test_swaks_can_do_tls():
    done = subprocess.run(
        [_swaks(), "--support"], capture_output=True, text=True, timeout=30, check=False
    )
    if "=== TLS supported" not in done.stdout + done.stderr:
        pytest.fail(
            "swaks here cannot do STARTTLS (Debian package libnet-ssleay-perl is missing): "
            + (done.stdout + done.stderr).strip()
        )


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
def test_swaks_sees_the_same_replies_as_the_probe(path):
    transcript = read_transcript(path)
    with SandboxThread(SCENARIOS.get(transcript.scenario)) as sandbox:
        status, lines, err = _run_swaks(transcript.swaks_command, sandbox.address.port)
    probe_codes = _reply_codes(transcript.lines)
    swaks_codes = _reply_codes(lines)
    if not any(line[1:].startswith(("-> QUIT", "~> QUIT")) for line in lines):
        # swaks gives up without QUIT after a refused STARTTLS ("STARTTLS attempted but
        # failed"); the probe still says QUIT, and the server's 221 is the only difference
        assert probe_codes[-1:] == ["221"]
        probe_codes = probe_codes[:-1]
    assert swaks_codes == probe_codes, (status, lines, err)
    assert transcript.code in swaks_codes
