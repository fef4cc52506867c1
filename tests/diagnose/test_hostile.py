"""Hostile servers: each ends in a finding and the right exit status, in time, in bounded memory.

Every server listens on 127.0.0.1:0; every timeout is short; a counting connector checks
that the probe stops reading once a limit is passed instead of buffering what it gets.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from smtpcodes.diagnose import (
    READ_CHUNK,
    Outcome,
    ProbeOptions,
    QuitAfter,
    Timeouts,
    open_stream,
    run_probe,
)
from smtpcodes.protocol import FindingKind, Stage
from smtpcodes.protocol._session import MAX_LINE_BYTES, MAX_REPLY_BYTES

pytestmark = pytest.mark.asyncio

TIMEOUT = 0.6


class Counting:
    """A connector that wraps the real one and counts the bytes the probe reads."""

    def __init__(self) -> None:
        self.total = 0
        self.largest = 0

    async def __call__(self, host, port, *, tls, server_hostname):
        inner = await open_stream(host, port, tls=tls, server_hostname=server_hostname)
        counter = self

        class Wrapped:
            async def read(self, limit):
                data = await inner.read(limit)
                counter.total += len(data)
                counter.largest = max(counter.largest, len(data))
                return data

            def __getattr__(self, name):
                return getattr(inner, name)

        return Wrapped()


async def probe(port: int, connector=None, **extra):
    started = time.monotonic()
    result = await run_probe(
        ProbeOptions(
            "127.0.0.1",
            port,
            ehlo_name="client.example.com",
            timeouts=Timeouts.uniform(TIMEOUT),
            **extra,
        ),
        connector=connector,
    )
    return result, time.monotonic() - started


def kinds(result) -> list[FindingKind]:
    return [finding.kind for finding in result.findings]


async def forever() -> None:
    await asyncio.Event().wait()


async def test_a_server_that_never_answers_times_out(serve):
    async def silent(reader, writer):
        await forever()

    port = await serve(silent)
    result, took = await probe(port)
    assert took < TIMEOUT + 1.5
    assert result.verdict.outcome is Outcome.TIMEOUT
    assert result.exit_status == 6
    assert result.verdict.stage is Stage.CONNECT
    assert kinds(result) == [FindingKind.TIMEOUT]
    assert any(
        line.startswith("*** The server did not answer within 0.6") for line in result.lines()
    )


async def test_a_trickling_server_cannot_stretch_the_timeout(serve):
    async def trickle(reader, writer):
        for byte in b"220 mx.example.org ESMTP " * 100:  # one byte per 0.2 s
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.2)

    port = await serve(trickle)
    result, took = await probe(port)
    assert took < TIMEOUT + 1.5  # the timeout covers the whole reply, not each read
    assert result.exit_status == 6
    assert kinds(result) == [FindingKind.TIMEOUT]


async def test_a_trickle_that_stalls_mid_session(serve):
    async def slow_ehlo(reader, writer):
        writer.write(b"220 ok\r\n")
        await writer.drain()
        await reader.readline()
        for byte in b"250-slow\r\n" * 100:
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.2)

    port = await serve(slow_ehlo)
    result, took = await probe(port)
    assert took < TIMEOUT + 1.5
    assert result.exit_status == 6
    assert result.verdict.stage is Stage.EHLO


async def test_an_endless_continuation_is_cut(serve):
    async def endless(reader, writer):
        writer.write(b"220 ok\r\n")
        await writer.drain()
        await reader.readline()
        while True:
            writer.write(b"250-AND ANOTHER EXTENSION\r\n" * 64)
            await writer.drain()

    port = await serve(endless)
    counting = Counting()
    result, took = await probe(port, counting)
    assert took < TIMEOUT + 1.5
    assert result.verdict.outcome is Outcome.PROTOCOL
    assert result.exit_status == 7
    assert result.verdict.stage is Stage.EHLO
    assert FindingKind.REPLY_TOO_LONG in kinds(result)
    # the probe stopped reading soon after the limit: what it read is bounded
    assert counting.largest <= READ_CHUNK
    assert counting.total <= MAX_REPLY_BYTES + 8 + READ_CHUNK


async def test_a_one_megabyte_line_is_cut(serve):
    async def huge(reader, writer):
        writer.write(b"220 " + b"x" * (1 << 20) + b"\r\n")
        await writer.drain()
        await forever()

    port = await serve(huge)
    counting = Counting()
    result, took = await probe(port, counting)
    assert took < TIMEOUT + 1.5
    assert result.exit_status == 7
    assert result.verdict.stage is Stage.CONNECT
    assert kinds(result) == [FindingKind.LINE_TOO_LONG]
    assert counting.total <= MAX_LINE_BYTES + READ_CHUNK  # not 1 MiB
    assert any(line.startswith("*** Line ") for line in result.lines())


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x00\x01\x02\xff\xfe binary garbage\r\n",
        b"HTTP/1.1 400 Bad Request\r\n\r\n",
        b"SSH-2.0-OpenSSH_9.2p1\r\n",
        b"\x1b[31m220 colour escape\r\n",  # would repaint the user's terminal
    ],
)
async def test_garbage_is_a_protocol_violation(serve, garbage):
    async def noise(reader, writer):
        writer.write(garbage)
        await writer.drain()
        await forever()

    port = await serve(noise)
    result, took = await probe(port)
    assert took < TIMEOUT + 1.5
    assert result.verdict.outcome is Outcome.PROTOCOL
    assert result.exit_status == 7
    assert len(result.findings) == 1
    assert result.findings[0].rfc == "RFC 5321 section 4.2"
    assert not any("\x1b" in line for line in result.lines())


async def test_a_close_in_the_middle_of_a_reply(serve):
    async def cut(reader, writer):
        writer.write(b"220 ok\r\n")
        await writer.drain()
        await reader.readline()
        writer.write(b"250-mx.example.org\r\n250-SIZE 1000\r\n250-PIPEL")
        await writer.drain()

    port = await serve(cut)
    result, took = await probe(port)
    assert took < TIMEOUT + 1.5
    assert result.exit_status == 7
    assert result.verdict.stage is Stage.EHLO
    assert kinds(result) == [FindingKind.NO_FINAL_LINE, FindingKind.UNEXPECTED_CLOSE]
    assert result.transcript[-3].reply is not None
    assert result.transcript[-3].reply.complete is False


async def test_a_close_instead_of_an_answer(serve):
    async def hang_up(reader, writer):
        writer.write(b"220 ok\r\n")
        await writer.drain()
        await reader.readline()

    port = await serve(hang_up)
    result, _ = await probe(port)
    assert result.exit_status == 7
    assert kinds(result) == [FindingKind.UNEXPECTED_CLOSE]
    assert result.verdict.message.startswith("Protocol violation at EHLO / HELO")


async def test_a_reply_before_any_command(serve):
    async def eager(reader, writer):
        writer.write(b"220 ok\r\n250 I answer questions nobody asked\r\n")
        await writer.drain()
        while line := await reader.readline():
            writer.write(b"221 2.0.0 bye\r\n" if line.startswith(b"QUIT") else b"250 ok\r\n")
            await writer.drain()

    port = await serve(eager)
    result, _ = await probe(port, quit_after=QuitAfter.EHLO)
    assert FindingKind.UNSOLICITED_REPLY in kinds(result)
    assert result.exit_status == 7  # an error-level finding, though the session went on


async def test_bare_lf_is_a_warning_not_a_failure(serve):
    async def unix(reader, writer):
        writer.write(b"220 ok\n")
        await writer.drain()
        while line := await reader.readline():
            writer.write(b"221 bye\n" if line.startswith(b"QUIT") else b"250 ok\n")
            await writer.drain()

    port = await serve(unix)
    result, _ = await probe(port, quit_after=QuitAfter.EHLO)
    assert set(kinds(result)) == {FindingKind.BARE_LF}
    assert result.exit_status == 0


async def test_endless_auth_challenges_are_abandoned(serve):
    async def sphinx(reader, writer):
        writer.write(b"220 ok\r\n")
        await writer.drain()
        await reader.readline()
        writer.write(b"250-mx\r\n250 AUTH LOGIN\r\n")
        await writer.drain()
        while await reader.readline():
            writer.write(b"334 VXNlcm5hbWU6\r\n")
            await writer.drain()

    port = await serve(sphinx)
    result, took = await probe(port, auth="LOGIN", user="alice", password="x" * 8)
    assert took < TIMEOUT + 1.5
    assert result.exit_status == 7
    assert result.verdict.stage is Stage.AUTH
    assert sum(1 for line in result.lines() if line == " -> *") >= 1
