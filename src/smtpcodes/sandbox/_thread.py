"""Run a sandbox in a background thread, for blocking clients (smtplib, swaks, tests).

    with SandboxThread(load_scenarios().get("rcpt-550")) as sandbox:
        smtp = smtplib.SMTP(sandbox.address.host, sandbox.address.port)
        ...

Like aiosmtpd's ``Controller``: the thread owns an event loop; ``start`` returns once the
server listens (or raises what stopped it), ``stop`` ends every session and joins.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType
from typing import Any

from smtpcodes._errors import LocalError
from smtpcodes.sandbox._director import Stats
from smtpcodes.sandbox._model import Scenario
from smtpcodes.sandbox._run import ListenAddress, Sandbox

#: How long ``start`` and ``stop`` wait for the thread.
THREAD_TIMEOUT = 30.0


class SandboxThread:
    """A :class:`Sandbox` on its own thread and event loop; same arguments as Sandbox."""

    def __init__(self, scenario: Scenario, **options: Any) -> None:
        options.setdefault("port", 0)
        self._sandbox_args = (scenario, options)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        self.sandbox: Sandbox | None = None

    @property
    def address(self) -> ListenAddress:
        if self.sandbox is None:
            raise LocalError("the sandbox thread is not running")
        return self.sandbox.address

    @property
    def stats(self) -> Stats:
        if self.sandbox is None:
            raise LocalError("the sandbox thread never started")
        return self.sandbox.stats

    def start(self) -> SandboxThread:
        self._thread = threading.Thread(target=self._run, name="smtpcodes-sandbox", daemon=True)
        self._thread.start()
        if not self._ready.wait(THREAD_TIMEOUT):
            raise LocalError(f"the sandbox did not start within {THREAD_TIMEOUT:g} s")
        if self._error is not None:
            raise self._error
        return self

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        scenario, options = self._sandbox_args
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            self.sandbox = Sandbox(scenario, **options)
            await self.sandbox.start()
        except BaseException as exc:  # handed to the thread that called start()
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await self.sandbox.close()

    def stop(self) -> None:
        loop, stop, thread = self._loop, self._stop, self._thread
        if loop is not None and stop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop already ended
                loop.call_soon_threadsafe(stop.set)
        if thread is not None:
            thread.join(THREAD_TIMEOUT)
            if thread.is_alive():
                raise LocalError(f"the sandbox thread did not stop within {THREAD_TIMEOUT:g} s")

    def __enter__(self) -> SandboxThread:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
