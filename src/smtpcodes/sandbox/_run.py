"""Run the sandbox: bind (loopback unless allowed otherwise), serve, stop cleanly.

    async with Sandbox(load_scenarios().get("rcpt-550"), port=0) as sandbox:
        host, port = sandbox.address          # ("127.0.0.1", 40123)
        ...                                   # point a client at it
    sandbox.stats.messages_accepted

The sandbox never relays: it opens no outbound connection, and every accepted message is
counted and dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import ssl
from types import TracebackType
from typing import Any

from smtpcodes._errors import LocalError
from smtpcodes._record import record
from smtpcodes.sandbox._director import Director, Stats
from smtpcodes.sandbox._model import Engine, Scenario
from smtpcodes.sandbox._replies import server_words
from smtpcodes.sandbox._server import ServerSession, Settings

#: RFC 5321 section 4.5.3.2.7: a server waits at least 5 minutes for the next command.
DEFAULT_IDLE_TIMEOUT = 300.0


class ListenError(LocalError):
    """The listen address is wrong, not allowed, or in use."""


@record
class ListenAddress:
    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_listen(text: str, *, allow_remote: bool = False) -> ListenAddress:
    """``127.0.0.1:2525``, ``[::1]:2525``, ``localhost:0``; refuses non-loopback hosts
    unless ``allow_remote``.

    >>> parse_listen("127.0.0.1:2525")
    ListenAddress(host='127.0.0.1', port=2525)
    """
    host, port_text = _split_host_port(text)
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ListenError(f"listen address {text!r}: the port must be 0 to 65535")
    if not allow_remote and not _is_loopback(host):
        raise ListenError(
            f"listen address {text!r} is not a loopback address; the sandbox answers anyone "
            "who can reach it, so give --allow-remote to listen there on purpose"
        )
    return ListenAddress(host, int(port_text))


def _split_host_port(text: str) -> tuple[str, str]:
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep or not rest.startswith(":"):
            raise ListenError(f"listen address {text!r}: expected [IPv6]:PORT, e.g. [::1]:2525")
        return host, rest[1:]
    host, sep, port = text.rpartition(":")
    if not sep or not host or ":" in host:
        raise ListenError(f"listen address {text!r}: expected HOST:PORT, e.g. 127.0.0.1:2525")
    return host, port


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Sandbox:
    """One SMTP server playing one scenario."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        host: str = "127.0.0.1",
        port: int = 2525,
        engine: Engine = Engine.AUTO,
        user: str = "sandbox",
        password: str = "sandbox",  # noqa: S107 - the published test password
        seed: int = 0,
        tls: bool = True,
        allow_remote: bool = False,
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        if not allow_remote and not _is_loopback(host):
            raise ListenError(
                f"{host} is not a loopback address; pass allow_remote=True to listen there"
            )
        if engine is Engine.AUTO:
            engine = scenario.engine_for()
        elif engine is Engine.AIOSMTPD:
            for number, rule in enumerate(scenario.rules, start=1):
                reason = rule.needs_raw()
                if reason:
                    raise LocalError(
                        f"scenario {scenario.name!r} rule {number} needs the raw engine "
                        f"({reason}); aiosmtpd cannot send it"
                    )
        self.scenario = scenario
        self.engine = engine
        self.host = host
        self.port = port
        self.seed = seed
        self.idle_timeout = idle_timeout
        self._want_tls = tls
        self._user = user
        self._password = password
        self.director = Director(scenario, seed)
        self.settings = Settings.of(scenario, user=user, password=password)
        self._tls_context: ssl.SSLContext | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._protocols: set[Any] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def stats(self) -> Stats:
        return self.director.stats

    @property
    def tls(self) -> bool:
        return self._tls_context is not None

    @property
    def address(self) -> ListenAddress:
        if self._server is None or not self._server.sockets:
            raise LocalError("the sandbox is not running")
        host, port = self._server.sockets[0].getsockname()[:2]
        return ListenAddress(host, port)

    async def start(self) -> None:
        if self._want_tls:
            from smtpcodes.sandbox._tls import self_signed_context, tls_available

            if tls_available():
                self._tls_context = await asyncio.to_thread(
                    self_signed_context, server_words().hostname
                )
        self.settings = Settings.of(
            self.scenario,
            tls=self._tls_context is not None,
            user=self._user,
            password=self._password,
        )
        loop = asyncio.get_running_loop()
        try:
            if self.engine is Engine.RAW:
                self._server = await asyncio.start_server(self._raw_client, self.host, self.port)
            else:
                self._server = await loop.create_server(
                    self._aiosmtpd_factory(), self.host, self.port
                )
        except OSError as exc:
            raise ListenError(
                f"cannot listen on {ListenAddress(self.host, self.port)}: {exc.strerror}"
            ) from None

    def _aiosmtpd_factory(self) -> Any:
        from smtpcodes.sandbox._aiosmtpd import SandboxHandler, SandboxSMTP

        handler = SandboxHandler(self.director, self.settings)
        # the hard cap of aiosmtpd's own reader: above our SIZE so that our handler, not
        # aiosmtpd, answers a message that is a little too big
        cap = self.settings.max_message * 2 + 65536

        def factory() -> Any:
            return SandboxSMTP(
                handler,
                registry=self._protocols,
                tls_context=self._tls_context,
                data_size_limit=cap,
                timeout=self.idle_timeout,
            )

        return factory

    async def _raw_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        from smtpcodes.sandbox._raw import serve_raw

        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        self._writers.add(writer)
        try:
            session = ServerSession(
                self.director, self.settings, session_number=self.stats.sessions + 1
            )
            await serve_raw(reader, writer, session, self._tls_context, self.idle_timeout)
        except asyncio.CancelledError:
            # close() ends a session that is still waiting (a slow-reply rule).  Python 3.11
            # logs a cancelled connection task as an error ("task.exception()" in the
            # streams callback), so the cancellation ends here.
            pass
        finally:
            self._writers.discard(writer)
            if task is not None:
                self._tasks.discard(task)

    async def serve_forever(self) -> None:
        if self._server is None:
            await self.start()
        if self._server is not None:
            await self._server.serve_forever()

    async def close(self) -> None:
        """Stop listening and end every open session."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for writer in list(self._writers):
            writer.transport.abort()
        for protocol in list(self._protocols):
            transport = getattr(protocol, "transport", None)
            if transport is not None:
                transport.abort()
        # sessions notice the closed connection and end; a sleeping one is cancelled
        handlers = [t for t in self._tasks if not t.done()]
        handlers += [
            p._handler_coroutine
            for p in list(self._protocols)
            if getattr(p, "_handler_coroutine", None) is not None
        ]
        if handlers:
            _, pending = await asyncio.wait(handlers, timeout=1)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending, timeout=5)
        self._protocols.clear()
        if server is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5):
                    await server.wait_closed()

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()
