"""Our reply parser against smtplib and aiosmtplib, on the same replies from the sandbox.

Both libraries collapse a multi-line reply into one code and the lines' texts joined with
a newline, so that is what is compared: the code, and the joined text.
"""

from __future__ import annotations

import asyncio
import smtplib
import socket
from pathlib import Path

import aiosmtplib
import pytest

from smtpcodes.protocol import Reply, ReplyParser
from smtpcodes.sandbox import SandboxThread, load_file

pytestmark = pytest.mark.interop

TIMEOUT = 10
RULES = """\
[[scenario]]
name = "multi-line"
code = "550"
stage = "rcpt"
engine = "raw"

[[scenario.rule]]
stage = "connect"
reply = ["220-sandbox.smtpcodes.test ESMTP", "220-second line of the greeting", "220 ready"]

[[scenario.rule]]
stage = "mail"
reply = ["250-2.1.0 sender looks fine", "250 2.1.0 Ok"]

[[scenario.rule]]
stage = "rcpt"
reply = [
  "550-5.1.1 The email account that you tried to reach does not exist. Please try",
  "550-5.1.1 double-checking the recipient's email address for typos or",
  "550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser",
]

[[scenario.rule]]
stage = "other"
command = "NOOP"
reply = ["250-2.0.0 still", "250-2.0.0 here", "250 2.0.0 ok"]
"""
COMMANDS = [
    ("EHLO", "client.test"),
    ("MAIL", "FROM:<a@example.test>"),
    ("RCPT", "TO:<nobody@example.test>"),
    ("NOOP", ""),
    ("VRFY", "someone"),
    ("QUIT", ""),
]


@pytest.fixture
def sandbox(tmp_path: Path):
    path = tmp_path / "multi.toml"
    path.write_text(RULES, "utf-8")
    [scenario] = load_file(path)
    with SandboxThread(scenario) as running:
        yield running


def _joined(reply: Reply) -> str:
    return "\n".join(line.text.strip() for line in reply.lines)


def _ours(port: int) -> list[tuple[int, str]]:
    """Raw socket, our parser (wire mode)."""
    parser = ReplyParser(wire=True)
    replies: list[Reply] = []

    def next_reply(sock: socket.socket) -> Reply:
        while len(replies) == 0:
            chunk = sock.recv(4096)
            assert chunk, "the sandbox closed early"
            replies.extend(parser.feed(chunk))
        return replies.pop(0)

    with socket.create_connection(("127.0.0.1", port), TIMEOUT) as sock:
        sock.settimeout(TIMEOUT)
        result = [next_reply(sock)]
        for verb, arg in COMMANDS:
            sock.sendall(f"{verb} {arg}".strip().encode() + b"\r\n")
            result.append(next_reply(sock))
    for reply in result:
        assert reply.complete
        assert not [f for f in reply.findings if f.severity.value == "error"]
    return [(reply.code, _joined(reply)) for reply in result]


def _smtplib(port: int) -> list[tuple[int, str]]:
    smtp = smtplib.SMTP(timeout=TIMEOUT)
    result = [smtp.connect("127.0.0.1", port)]
    for verb, arg in COMMANDS:
        result.append(smtp.docmd(verb, arg))
    smtp.close()
    return [(code, text.decode()) for code, text in result]


def _aiosmtplib(port: int) -> list[tuple[int, str]]:
    async def session() -> list[tuple[int, str]]:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False, timeout=TIMEOUT)
        greeting = await client.connect()
        result = [greeting]
        for verb, arg in COMMANDS:
            args = (verb.encode(), arg.encode()) if arg else (verb.encode(),)
            result.append(await client.execute_command(*args))
        client.close()
        return [(r.code, r.message) for r in result]

    return asyncio.run(session())


def test_all_three_read_the_same_codes_and_text(sandbox):
    port = sandbox.address.port
    ours = _ours(port)
    assert [code for code, _ in ours] == [220, 250, 250, 550, 250, 252, 221]
    assert ours[3][1].count("\n") == 2  # the three lines of the 550
    assert ours == _smtplib(port)
    assert ours == _aiosmtplib(port)


def test_aiosmtplib_raises_the_code_we_read_for_a_refused_recipient(sandbox):
    async def send() -> aiosmtplib.SMTPRecipientRefused:
        client = aiosmtplib.SMTP(
            hostname="127.0.0.1", port=sandbox.address.port, start_tls=False, timeout=TIMEOUT
        )
        await client.connect()
        await client.ehlo()
        await client.mail("a@example.test")
        with pytest.raises(aiosmtplib.SMTPRecipientRefused) as caught:
            await client.rcpt("nobody@example.test")
        await client.quit()
        return caught.value

    refused = asyncio.run(send())
    [ours] = [entry for entry in _ours(sandbox.address.port) if entry[0] == 550]
    assert (refused.code, refused.message) == ours
