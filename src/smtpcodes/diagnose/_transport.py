"""The I/O seam of the probe: a :class:`Connection` and the :class:`Connector` that opens one.

The default connector uses asyncio streams (``asyncio.open_connection``, and
``StreamWriter.start_tls`` for STARTTLS, Python 3.11+).  Tests pass their own connector,
or a real one pointed at a loopback server, so nothing global is ever patched.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from typing import Any, Protocol

from smtpcodes.diagnose._result import TlsInfo

#: How much one read may take from the socket.  The session bounds what it keeps.
READ_CHUNK = 4096
#: How long closing may take (a TLS close_notify to a server that never answers).
_CLOSE_TIMEOUT = 1.0


class Connection(Protocol):
    """A byte stream to the server."""

    async def read(self, limit: int) -> bytes:
        """Up to ``limit`` bytes; ``b""`` when the server closed the connection."""

    async def write(self, data: bytes) -> None:
        """Send ``data`` (waits until the transport takes it)."""

    async def start_tls(self, context: ssl.SSLContext, server_hostname: str) -> bytes:
        """Upgrade the connection in place (after 220 to STARTTLS).

        Returns the plaintext that had already arrived and was waiting to be read: it
        came before the handshake, so it must be reported and never parsed as if TLS
        protected it (the STARTTLS command-injection flaw, CERT VU#555316).
        """

    def tls_info(self) -> TlsInfo | None:
        """The negotiated TLS, or None on a plain connection."""

    def local_address(self) -> str | None:
        """Our end's IP address (for the EHLO address literal), if known."""

    async def close(self) -> None:
        """Close; never raises."""


class Connector(Protocol):
    """Opens a :class:`Connection`; ``tls`` given means implicit TLS from the first byte."""

    async def __call__(
        self, host: str, port: int, *, tls: ssl.SSLContext | None, server_hostname: str
    ) -> Connection: ...


class StreamConnection:
    """A :class:`Connection` over asyncio streams."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._server_name = ""

    async def read(self, limit: int) -> bytes:
        return await self._reader.read(limit)

    async def write(self, data: bytes) -> None:
        self._writer.write(data)
        await self._writer.drain()

    async def start_tls(self, context: ssl.SSLContext, server_hostname: str) -> bytes:
        self._server_name = server_hostname
        # StreamReader has no public "bytes waiting" API; its buffer is where plaintext
        # sent right after the 220 would sit, to be served after the upgrade.
        waiting: bytearray = getattr(self._reader, "_buffer", bytearray())
        early = bytes(waiting)
        waiting.clear()
        await self._writer.start_tls(context, server_hostname=server_hostname)
        return early

    def tls_info(self) -> TlsInfo | None:
        obj = self._writer.get_extra_info("ssl_object")
        if obj is None:
            return None
        return tls_info_from(obj, self._server_name)

    def local_address(self) -> str | None:
        sockname = self._writer.get_extra_info("sockname")
        return str(sockname[0]) if sockname else None

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            self._writer.close()
            async with asyncio.timeout(_CLOSE_TIMEOUT):
                await self._writer.wait_closed()


async def open_stream(
    host: str, port: int, *, tls: ssl.SSLContext | None, server_hostname: str
) -> Connection:
    """The default :class:`Connector`: TCP, with TLS from the start when ``tls`` is given."""
    reader, writer = await asyncio.open_connection(
        host, port, ssl=tls, server_hostname=server_hostname if tls is not None else None
    )
    connection = StreamConnection(reader, writer)
    connection._server_name = server_hostname
    return connection


def tls_context(*, insecure: bool, cafile: str | None) -> ssl.SSLContext:
    """A client context: the system's trust store (or ``cafile``), names checked.

    ``insecure`` turns verification off, as ``swaks --tls`` does by default; we verify by
    default because a probe that hides a bad certificate hides half the diagnosis.
    """
    context = ssl.create_default_context(cafile=cafile)
    if insecure:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def tls_info_from(obj: Any, server_name: str) -> TlsInfo:
    """Read version, cipher and certificate from an ``ssl.SSLObject`` (or ``SSLSocket``)."""
    cipher = obj.cipher() or ("", "", None)
    verified = obj.context.verify_mode != ssl.CERT_NONE
    cert = obj.getpeercert() if verified else None
    subject = issuer = not_after = ""
    if cert:
        subject = _name(cert.get("subject", ()))
        issuer = _name(cert.get("issuer", ()))
        not_after = str(cert.get("notAfter", ""))
    return TlsInfo(
        version=str(obj.version() or ""),
        cipher=str(cipher[0]),
        bits=cipher[2] if isinstance(cipher[2], int) else None,
        verified=verified,
        server_name=server_name,
        subject=subject,
        issuer=issuer,
        not_after=not_after,
    )


_SHORT = {
    "commonName": "CN",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "countryName": "C",
}


def _name(rdns: Any) -> str:
    parts = []
    for rdn in rdns:
        for key, value in rdn:
            parts.append(f"{_SHORT.get(key, key)}={value}")
    return ", ".join(parts)
