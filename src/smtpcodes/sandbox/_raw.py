"""The scripted engine's driver: asyncio streams around :class:`ServerSession`."""

from __future__ import annotations

import asyncio
import contextlib
import ssl

from smtpcodes.sandbox._replies import error_reply
from smtpcodes.sandbox._server import Close, Send, ServerSession, StartTls, encode

_READ = 65536
#: After closing on purpose, how long to wait for the client to close its side.
_LINGER = 2.0


async def serve_raw(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    session: ServerSession,
    tls_context: ssl.SSLContext | None,
    idle_timeout: float,
) -> None:
    """Run one connection until the session closes, the client leaves or it idles out."""
    try:
        if await _converse(reader, writer, session, tls_context, idle_timeout):
            await _linger(reader, writer)  # we closed on purpose (421, QUIT, a drop)
    except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
        pass  # the client went away or broke the handshake: nothing to answer
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError, ssl.SSLError, TimeoutError):
            async with asyncio.timeout(5):
                await writer.wait_closed()


async def _converse(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    session: ServerSession,
    tls_context: ssl.SSLContext | None,
    idle_timeout: float,
) -> bool:
    """The command loop; True when the server ended the session, False when the client did."""
    if not await _perform(writer, session, session.start(), tls_context):
        return True
    while not session.closed:
        try:
            async with asyncio.timeout(idle_timeout):
                data = await reader.read(_READ)
        except TimeoutError:
            # RFC 5321 section 4.5.3.2.7: the server may close an idle session
            writer.write(encode([error_reply("timeout")]))
            return True
        if not data:
            return False
        if not await _perform(writer, session, session.receive(data), tls_context):
            return True
    return True


async def _linger(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Close our side first and read (and drop) what the client still sends until it closes.

    Closing outright while the client is still sending (its QUIT after a 421, the rest of a
    message after a drop) makes the kernel answer with a reset, and the client then reports
    "connection reset" or "closed" by chance; this way it always sees an orderly close.
    """
    with contextlib.suppress(ConnectionError, ssl.SSLError, TimeoutError, OSError):
        await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
        async with asyncio.timeout(_LINGER):
            while await reader.read(_READ):
                pass


async def _perform(
    writer: asyncio.StreamWriter,
    session: ServerSession,
    actions: list[Send | StartTls | Close],
    tls_context: ssl.SSLContext | None,
) -> bool:
    """Carry out actions; False once the connection is to be closed."""
    for action in actions:
        if isinstance(action, Send):
            if action.delay:
                await writer.drain()
                await asyncio.sleep(action.delay)
            writer.write(action.data)
            await writer.drain()
        elif isinstance(action, StartTls):
            if tls_context is None:
                return False
            async with asyncio.timeout(30):
                await writer.start_tls(tls_context)
            session.tls_started()
        else:
            if action.delay:
                await asyncio.sleep(action.delay)
            return False
    return True
