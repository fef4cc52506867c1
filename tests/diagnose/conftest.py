"""Servers on 127.0.0.1:0 for the probe tests, in the test's loop or in a thread.

``serve`` runs a handler inside the test's event loop; ``serve_in_thread`` runs it in a
thread with its own loop (for the CLI, which calls ``asyncio.run`` itself).  Every
connection is closed and every handler task cancelled at teardown.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import threading
from dataclasses import dataclass

import pytest
import pytest_asyncio
import trustme
from smtp_fakes import Handler


class _Servers:
    def __init__(self) -> None:
        self.servers: list[asyncio.Server] = []
        self.writers: list[asyncio.StreamWriter] = []
        self.tasks: set[asyncio.Task[None]] = set()

    async def start(self, handler: Handler, *, tls: ssl.SSLContext | None = None) -> int:
        async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.writers.append(writer)
            task = asyncio.current_task()
            assert task is not None
            self.tasks.add(task)
            try:
                await handler(reader, writer)
            except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(guarded, "127.0.0.1", 0, ssl=tls)
        self.servers.append(server)
        return server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        for task in list(self.tasks):
            if not task.done():
                task.cancel()
        for writer in self.writers:
            writer.close()
        for server in self.servers:
            server.close()
        for task in list(self.tasks):
            with contextlib.suppress(BaseException):
                await task
        for writer in self.writers:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(1):
                    await writer.wait_closed()
        for server in self.servers:
            await server.wait_closed()


@pytest_asyncio.fixture
async def serve():
    """``port = await serve(handler)``: a server on 127.0.0.1:0 in this test's loop."""
    servers = _Servers()
    yield servers.start
    await servers.close()


@pytest.fixture
def serve_in_thread():
    """``port = serve_in_thread(handler)``: the same, in a thread with its own loop."""
    loop = asyncio.new_event_loop()
    servers = _Servers()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def start(handler: Handler, *, tls: ssl.SSLContext | None = None) -> int:
        future = asyncio.run_coroutine_threadsafe(servers.start(handler, tls=tls), loop)
        return future.result(timeout=5)

    yield start
    asyncio.run_coroutine_threadsafe(servers.close(), loop).result(timeout=5)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(timeout=5)
    loop.close()


@dataclass
class Certificates:
    ca_file: str
    server: ssl.SSLContext


@pytest.fixture(scope="session")
def certificates(tmp_path_factory) -> Certificates:
    """A trustme CA and a server certificate for 127.0.0.1 and localhost."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(server)
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return Certificates(str(path), server)
