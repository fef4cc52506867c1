"""An honest little SMTP server for the probe tests (the fixtures are in conftest.py)."""

from __future__ import annotations

import asyncio
import base64
import hmac
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

EHLO = (
    b"250-fake.example Hello\r\n"
    b"250-SIZE 1000000\r\n"
    b"250-8BITMIME\r\n"
    b"250-AUTH PLAIN LOGIN CRAM-MD5\r\n"
    b"250-ENHANCEDSTATUSCODES\r\n"
    b"250 PIPELINING\r\n"
)
USER, PASSWORD = "alice", "correct horse battery staple"
CHALLENGE = b"<4711.1700000000@fake.example>"


@dataclass
class FakeSmtp:
    """An honest little SMTP server that records what it got.

    ``replies`` overrides the answer to a command verb ("MAIL", "RCPT", ...);
    ``pipelining_check`` makes it read MAIL, RCPT... and DATA before answering any,
    so a probe that waits for each reply would stall.
    """

    ehlo: bytes = EHLO
    replies: dict[str, bytes] = field(default_factory=dict)
    reject: dict[bytes, bytes] = field(default_factory=dict)  #: address part -> reply
    tls: ssl.SSLContext | None = None  #: offer STARTTLS with this context
    pipelining_check: int = 0  #: number of commands to read before answering
    received: list[bytes] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)
    reads: list[int] = field(default_factory=list)  #: how many lines arrived per batch
    authenticated: list[str] = field(default_factory=list)

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 fake.example ESMTP ready\r\n")
        await writer.drain()
        while True:
            line = await reader.readline()
            if not line:
                return
            self.received.append(line)
            verb = line.split(b" ", 1)[0].split(b":", 1)[0].strip().upper().decode()
            if verb == "MAIL" and self.pipelining_check:
                batch = [line]
                for _ in range(self.pipelining_check - 1):
                    batch.append(await reader.readline())
                self.received += batch[1:]
                self.reads.append(len(batch))
                for item in batch:
                    v = item.split(b" ", 1)[0].split(b":", 1)[0].strip().upper().decode()
                    writer.write(self._answer(v, item))
                await writer.drain()
                if batch[-1].strip().upper() == b"DATA":
                    await self._data(reader, writer)
                continue
            if verb == "EHLO":
                extra = b"250-STARTTLS\r\n" if self.tls is not None else b""
                first, rest = self.ehlo.split(b"\r\n", 1)
                writer.write(first + b"\r\n" + extra + rest if rest else self.ehlo)
            elif verb == "STARTTLS" and self.tls is not None:
                writer.write(b"220 2.0.0 Ready to start TLS\r\n")
                await writer.drain()
                await writer.start_tls(self.tls)
                continue
            elif verb == "AUTH":
                writer.write(await self._auth(line, reader, writer))
            elif verb == "DATA" and verb not in self.replies:
                writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                await writer.drain()
                await self._data(reader, writer)
                continue
            elif verb == "QUIT":
                writer.write(b"221 2.0.0 Bye\r\n")
                await writer.drain()
                return
            else:
                writer.write(self._answer(verb, line))
            await writer.drain()

    def _answer(self, verb: str, line: bytes) -> bytes:
        for part, reply in self.reject.items():
            if verb == "RCPT" and part in line:
                return reply
        if verb in self.replies:
            return self.replies[verb]
        if verb == "DATA":
            return b"354 End data with <CR><LF>.<CR><LF>\r\n"
        return b"250 2.0.0 Ok\r\n"

    async def _data(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        chunks = []
        while True:
            line = await reader.readline()
            if not line or line == b".\r\n":
                break
            chunks.append(line)
        self.messages.append(b"".join(chunks))
        writer.write(self.replies.get(".", b"250 2.0.0 Ok: queued as FAKE1\r\n"))
        await writer.drain()

    async def _auth(
        self, line: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bytes:
        parts = line.decode().split()
        mechanism = parts[1].upper()
        ok = b"235 2.7.0 Authentication successful\r\n"
        bad = b"535 5.7.8 Authentication credentials invalid\r\n"
        if mechanism == "PLAIN":
            _, user, password = base64.b64decode(parts[2]).split(b"\0")
        elif mechanism == "LOGIN":
            user = await _challenge(reader, writer, b"Username:")
            password = await _challenge(reader, writer, b"Password:")
        else:
            response = await _challenge(reader, writer, CHALLENGE)
            user, digest = response.split(b" ")
            expected = hmac.new(PASSWORD.encode(), CHALLENGE, "md5").hexdigest().encode()
            password = PASSWORD.encode() if digest == expected else b""
        if (user.decode(), password.decode()) == (USER, PASSWORD):
            self.authenticated.append(mechanism)
            return ok
        return bad


async def _challenge(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, text: bytes
) -> bytes:
    """Send a 334 challenge, return the decoded answer."""
    writer.write(b"334 " + base64.b64encode(text) + b"\r\n")
    await writer.drain()
    return base64.b64decode((await reader.readline()).strip())
