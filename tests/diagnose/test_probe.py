"""run_probe against small honest servers on loopback: the normal path, AUTH, TLS, pipelining."""

from __future__ import annotations

import base64
import json

import pytest
from smtp_fakes import PASSWORD, USER, FakeSmtp

from smtpcodes.diagnose import (
    Clock,
    Outcome,
    ProbeOptions,
    QuitAfter,
    Timeouts,
    TlsInfo,
    TlsMode,
    run_probe,
)
from smtpcodes.explain import dumps
from smtpcodes.protocol import FindingKind, Stage

pytestmark = pytest.mark.asyncio

FAST = Timeouts.uniform(2.0)
WRONG = "wrong"


def options(port: int, **extra) -> ProbeOptions:
    extra.setdefault("timeouts", FAST)
    extra.setdefault("ehlo_name", "client.example.com")
    extra.setdefault("mail_from", "alice@example.com")
    return ProbeOptions("127.0.0.1", port, **extra)


async def test_happy_path_sends_the_message_and_explains_every_reply(serve):
    fake = FakeSmtp()
    port = await serve(fake)
    result = await run_probe(options(port, recipients=("bob@example.org",)))
    assert result.verdict.outcome is Outcome.OK
    assert result.exit_status == 0
    assert result.verdict.stage is Stage.END_OF_DATA
    assert result.verdict.message == "OK: the server accepted the message (250)."
    lines = result.lines()
    assert lines[0] == f"=== Trying 127.0.0.1:{port}..."
    assert " -> EHLO client.example.com" in lines
    assert " -> RCPT TO:<bob@example.org>" in lines
    assert "<-  221 2.0.0 Bye" in lines
    assert lines[-1] == "=== Connection closed."
    # every reply carries its parsed Reply and its explanation; stages follow the session
    annotated = [line for line in result.transcript if line.reply is not None]
    assert [line.stage for line in annotated] == [
        Stage.CONNECT,
        Stage.EHLO,
        Stage.MAIL,
        Stage.RCPT,
        Stage.DATA,
        Stage.END_OF_DATA,
        Stage.QUIT,
    ]
    assert all(line.explanation is not None for line in annotated)
    assert annotated[4].explanation.headline.startswith("354")
    assert result.findings == ()
    assert dict(result.extensions)["SIZE"] == "1000000"
    # what the server got is the generated message, with a declared SIZE
    [mail] = [line for line in fake.received if line.startswith(b"MAIL")]
    declared = int(mail.split(b"SIZE=")[1])
    assert declared == len(fake.messages[0])
    assert b"Subject: smtpcodes probe test" in fake.messages[0]


async def test_dot_stuffing_and_line_endings_reach_the_server_intact(serve):
    fake = FakeSmtp()
    port = await serve(fake)
    message = b"Subject: dots\n\n.starts with a dot\n..two dots\n.\nlast line without newline"
    result = await run_probe(options(port, recipients=("bob@example.org",), data=message))
    assert result.exit_status == 0
    [wire] = fake.messages
    assert wire == (
        b"Subject: dots\r\n\r\n..starts with a dot\r\n...two dots\r\n..\r\n"
        b"last line without newline\r\n"
    )
    # un-stuffing as a server does (RFC 5321 section 4.5.2) gives the message back
    unstuffed = b"".join(
        line[1:] if line.startswith(b".") else line for line in wire.splitlines(keepends=True)
    )
    assert unstuffed == message.replace(b"\n", b"\r\n") + b"\r\n"
    assert " -> ..starts with a dot" in result.lines()


async def test_control_characters_of_the_message_do_not_reach_the_terminal(serve):
    fake = FakeSmtp()
    port = await serve(fake)
    message = b"Subject: \x1b[2Jcleared\n\nbell\x07 tab\tkept\n"
    result = await run_probe(options(port, recipients=("bob@example.org",), data=message))
    assert fake.messages == [message.replace(b"\n", b"\r\n")]  # sent unchanged
    assert " -> Subject: \\x1b[2Jcleared" in result.lines()
    assert " -> bell\\x07 tab\tkept" in result.lines()


async def test_without_recipients_it_stops_before_data_and_sends_nothing(serve):
    fake = FakeSmtp()
    port = await serve(fake)
    result = await run_probe(options(port))
    assert result.exit_status == 0
    assert result.verdict.stage is Stage.RCPT
    assert b"RCPT TO:<postmaster>\r\n" in fake.received
    assert fake.messages == []
    assert not any(line.startswith(b"DATA") for line in fake.received)


@pytest.mark.parametrize(
    ("stop", "last_command", "stage"),
    [
        (QuitAfter.CONNECT, None, Stage.CONNECT),
        (QuitAfter.BANNER, b"QUIT", Stage.CONNECT),
        (QuitAfter.EHLO, b"EHLO", Stage.EHLO),
        (QuitAfter.MAIL, b"MAIL", Stage.MAIL),
        (QuitAfter.RCPT, b"RCPT", Stage.RCPT),
    ],
)
async def test_quit_after(serve, stop, last_command, stage):
    fake = FakeSmtp()
    port = await serve(fake)
    result = await run_probe(options(port, recipients=("bob@example.org",), quit_after=stop))
    assert result.exit_status == 0
    assert result.verdict.stage is stage
    commands = [line.split()[0].split(b":")[0] for line in fake.received]
    if last_command is None:
        assert commands == []
    else:
        assert commands[-1] == b"QUIT"
        assert commands[-2 if last_command != b"QUIT" else -1] == last_command


async def test_a_rejected_recipient_decides_even_when_another_is_accepted(serve):
    fake = FakeSmtp(
        reject={b"nobody": b"550 5.1.1 <nobody@example.org>: Recipient address rejected\r\n"}
    )
    port = await serve(fake)
    result = await run_probe(options(port, recipients=("nobody@example.org", "bob@example.org")))
    assert result.verdict.outcome is Outcome.PERMANENT
    assert result.exit_status == 5
    assert (result.verdict.stage, result.verdict.code, result.verdict.enhanced) == (
        Stage.RCPT,
        "550",
        "5.1.1",
    )
    assert "<** 550 5.1.1 <nobody@example.org>: Recipient address rejected" in result.lines()
    assert len(fake.messages) == 1  # bob was accepted: the message went to him
    assert result.verdict.message.startswith("Permanent failure at RCPT TO: 550 5.1.1.")


async def test_no_recipient_accepted_means_no_data(serve):
    fake = FakeSmtp(reject={b"@": b"550 5.1.1 No such user\r\n"})
    port = await serve(fake)
    result = await run_probe(options(port, recipients=("nobody@example.org",)))
    assert result.exit_status == 5
    assert fake.messages == []
    assert not any(line.startswith(b"DATA") for line in fake.received)
    assert " -> QUIT" in result.lines()


@pytest.mark.parametrize(
    ("greeting", "status", "quit_sent"),
    [
        (b"421 4.3.2 Service shutting down\r\n", 4, False),  # RFC 5321 3.8: server closes
        (b"554 5.7.1 No SMTP service here\r\n", 5, True),  # RFC 5321 3.1: client QUITs
        (b"521 5.3.2 Host does not accept mail\r\n", 5, True),  # RFC 7504 section 3
    ],
)
async def test_a_refusing_greeting_decides(serve, greeting, status, quit_sent):
    received = []

    async def refuse(reader, writer):
        writer.write(greeting)
        await writer.drain()
        line = await reader.readline()
        received.append(line)
        if line:
            writer.write(b"221 2.0.0 Bye\r\n")
            await writer.drain()

    port = await serve(refuse)
    result = await run_probe(options(port))
    assert result.exit_status == status
    assert result.verdict.stage is Stage.CONNECT
    assert (" -> QUIT" in result.lines()) is quit_sent
    assert result.lines()[2].startswith("<** ")


async def test_helo_fallback_when_ehlo_is_refused(serve):
    fake = FakeSmtp(ehlo=b"502 5.5.2 Error: command not recognized\r\n")
    port = await serve(fake)
    result = await run_probe(options(port, quit_after=QuitAfter.EHLO))
    assert result.exit_status == 0
    assert " -> HELO client.example.com" in result.lines()
    assert any("falling back to HELO" in line for line in result.lines())


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
async def test_auth_succeeds_and_the_password_never_shows(serve, mechanism):
    fake = FakeSmtp()
    port = await serve(fake)
    result = await run_probe(
        options(port, auth=mechanism, user=USER, password=PASSWORD, quit_after=QuitAfter.AUTH)
    )
    assert fake.authenticated == [mechanism]
    assert result.exit_status == 0
    assert result.verdict.stage is Stage.AUTH
    text = "\n".join(result.lines()) + dumps("probe", result)
    for secret in _secret_forms(PASSWORD):
        assert secret not in text
    assert "<redacted>" in text
    assert PASSWORD not in repr(options(port, auth=mechanism, user=USER, password=PASSWORD))


async def test_show_secrets_shows_the_auth_payload(serve):
    port = await serve(FakeSmtp())
    result = await run_probe(
        options(
            port,
            auth="LOGIN",
            user=USER,
            password=PASSWORD,
            quit_after=QuitAfter.AUTH,
            show_secrets=True,
        )
    )
    assert f" -> {base64.b64encode(PASSWORD.encode()).decode()}" in result.lines()


async def test_bad_credentials_give_535_and_exit_5(serve):
    port = await serve(FakeSmtp())
    result = await run_probe(
        options(port, auth="PLAIN", user=USER, password=WRONG, quit_after=QuitAfter.AUTH)
    )
    assert (result.exit_status, result.verdict.stage, result.verdict.code) == (5, Stage.AUTH, "535")


async def test_pipelining_sends_mail_rcpt_and_data_in_one_group(serve):
    # the server reads MAIL, both RCPTs and DATA before it answers anything: a probe that
    # waited for the MAIL reply would time out here
    fake = FakeSmtp(pipelining_check=4)
    port = await serve(fake)
    result = await run_probe(
        options(port, recipients=("bob@example.org", "carol@example.org"), pipelining=True)
    )
    assert result.exit_status == 0, result.lines()
    assert fake.reads == [4]
    assert any("PIPELINING" in line and line.startswith("===") for line in result.lines())


async def test_pipelining_is_not_used_unless_advertised(serve):
    fake = FakeSmtp(ehlo=b"250-fake.example\r\n250 SIZE 1000\r\n")
    port = await serve(fake)
    result = await run_probe(options(port, recipients=("bob@example.org",), pipelining=True))
    assert result.exit_status == 0
    assert any("not advertised" in line for line in result.lines())


async def test_starttls_with_a_verified_certificate(serve, certificates):
    fake = FakeSmtp(tls=certificates.server)
    port = await serve(fake)
    result = await run_probe(
        options(
            port,
            tls=TlsMode.STARTTLS,
            cafile=certificates.ca_file,
            recipients=("bob@example.org",),
        )
    )
    assert result.exit_status == 0, result.lines()
    assert isinstance(result.tls, TlsInfo)
    assert result.tls.verified
    assert result.tls.version.startswith("TLSv1.")
    assert result.tls.cipher
    assert result.tls.bits
    lines = result.lines()
    assert " -> STARTTLS" in lines
    assert "<-  220 2.0.0 Ready to start TLS" in lines
    # after the handshake the markers turn to ~>/<~ and EHLO is sent again (RFC 3207 4.2)
    after = lines[lines.index("<-  220 2.0.0 Ready to start TLS") + 1 :]
    assert " ~> EHLO client.example.com" in after
    assert "<~  221 2.0.0 Bye" in after
    assert any(line.startswith("=== TLS started: TLSv1.") for line in after)
    assert sum(1 for line in fake.received if line.startswith(b"EHLO")) == 2


async def test_starttls_with_an_untrusted_certificate_fails_with_exit_6(serve, certificates):
    port = await serve(FakeSmtp(tls=certificates.server))
    result = await run_probe(options(port, tls=TlsMode.STARTTLS))
    assert result.verdict.outcome is Outcome.TLS
    assert result.exit_status == 6
    assert result.verdict.stage is Stage.STARTTLS
    assert any(
        line.startswith("*** The server certificate could not be verified")
        for line in result.lines()
    )


async def test_starttls_insecure_skips_the_check(serve, certificates):
    port = await serve(FakeSmtp(tls=certificates.server))
    result = await run_probe(options(port, tls=TlsMode.STARTTLS, insecure=True))
    assert result.exit_status == 0
    assert result.tls is not None
    assert not result.tls.verified


async def test_implicit_tls(serve, certificates):
    port = await serve(FakeSmtp(), tls=certificates.server)
    result = await run_probe(options(port, tls=TlsMode.IMPLICIT, cafile=certificates.ca_file))
    assert result.exit_status == 0
    assert result.tls is not None
    assert result.tls.verified
    assert [line for line in result.lines() if "220 fake" in line] == [
        "<~  220 fake.example ESMTP ready"
    ]


async def test_starttls_refused_decides(serve):
    fake = FakeSmtp(
        ehlo=b"250-fake.example\r\n250 STARTTLS\r\n",
        replies={"STARTTLS": b"454 4.7.0 TLS not available due to temporary reason\r\n"},
    )
    port = await serve(fake)
    result = await run_probe(options(port, tls=TlsMode.STARTTLS))
    assert (result.exit_status, result.verdict.stage) == (4, Stage.STARTTLS)


async def test_enhanced_code_missing_is_a_finding_not_a_failure(serve):
    fake = FakeSmtp(replies={"MAIL": b"250 Ok\r\n"})
    port = await serve(fake)
    result = await run_probe(options(port))
    assert [f.kind for f in result.findings] == [FindingKind.ENHANCED_MISSING]
    assert result.exit_status == 0  # a warning only
    [line] = [line for line in result.transcript if line.findings]
    assert line.stage is Stage.MAIL
    assert line.findings[0].kind == "enhanced-missing"


async def test_connection_refused_is_a_network_failure():
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago, nobody listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await run_probe(options(port))
    assert result.verdict.outcome is Outcome.NETWORK
    assert result.exit_status == 6
    assert result.lines()[1].startswith(f"*** Could not connect to 127.0.0.1:{port}")


async def test_json_document_has_the_schema_and_no_bytes(serve):
    port = await serve(FakeSmtp())
    result = await run_probe(options(port, lang="th"))
    doc = json.loads(dumps("probe", result))
    assert doc["schema"] == "smtpcodes/probe@1"
    assert doc["verdict"]["exit_status"] == 0
    assert doc["lang"] == "th"
    assert doc["transcript"][2]["marker"] == "<- "
    assert doc["transcript"][2]["explanation"]["lang"] == "th"
    assert "ผ่าน" in doc["verdict"]["message"]


class ScriptedConnection:
    """A Connection without a network: replays server bytes, records what was written."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = list(chunks)
        self.written: list[bytes] = []

    async def read(self, limit: int) -> bytes:
        return self.chunks.pop(0)[:limit] if self.chunks else b""

    async def write(self, data: bytes) -> None:
        self.written.append(data)

    async def start_tls(self, context, server_hostname):
        raise AssertionError("no TLS in this script")

    def tls_info(self):
        return None

    def local_address(self):
        return "192.0.2.7"

    async def close(self) -> None:
        pass


async def test_fake_connection_and_clock_give_a_deterministic_transcript():
    connection = ScriptedConnection(
        [b"220 mx ESMTP\r\n", b"250 mx\r\n", b"250 2.1.0 Ok\r\n", b"221 2.0.0 Bye\r\n"]
    )
    seen = []

    async def connector(host, port, *, tls, server_hostname):
        seen.append((host, port, tls, server_hostname))
        return connection

    ticks = iter(range(0, 1000, 5))
    clock = Clock(monotonic=lambda: next(ticks) / 1000, wall=lambda: 0.0)
    result = await run_probe(
        ProbeOptions("mx.example.org", quit_after=QuitAfter.MAIL),
        connector=connector,
        clock=clock,
    )
    assert seen == [("mx.example.org", 25, None, "mx.example.org")]
    assert connection.written == [
        b"EHLO [192.0.2.7]\r\n",
        b"MAIL FROM:<probe@[192.0.2.7]>\r\n",
        b"QUIT\r\n",
    ]
    assert result.lines() == (
        "=== Trying mx.example.org:25...",
        "=== Connected to mx.example.org:25.",
        "<-  220 mx ESMTP",
        " -> EHLO [192.0.2.7]",
        "<-  250 mx",
        " -> MAIL FROM:<probe@[192.0.2.7]>",
        "<-  250 2.1.0 Ok",
        "=== Stopping after MAIL FROM, as asked with --quit-after.",
        " -> QUIT",
        "<-  221 2.0.0 Bye",
        "=== Connection closed.",
    )
    elapsed = [line.elapsed_ms for line in result.transcript]
    assert elapsed == sorted(elapsed)
    assert all(ms % 5 == 0 for ms in elapsed)


def _secret_forms(password: str) -> list[str]:
    plain = base64.b64encode(f"\0{USER}\0{password}".encode()).decode()
    return [password, base64.b64encode(password.encode()).decode(), plain]


async def test_plaintext_waiting_before_the_tls_handshake_is_reported_not_parsed():
    import asyncio

    from smtpcodes.diagnose import StreamConnection, tls_context

    class Writer:
        upgraded = False

        async def start_tls(self, context, server_hostname):
            self.upgraded = True

    reader = asyncio.StreamReader()
    reader.feed_data(b"250 injected before the handshake\r\n")
    writer = Writer()
    connection = StreamConnection(reader, writer)
    early = await connection.start_tls(tls_context(insecure=True, cafile=None), "mx")
    assert early == b"250 injected before the handshake\r\n"
    assert writer.upgraded
    reader.feed_data(b"250 after\r\n")
    assert await connection.read(100) == b"250 after\r\n"  # the injected line is gone
