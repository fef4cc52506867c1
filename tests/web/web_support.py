"""Helpers for the website tests that call the ASGI app directly."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
TIMEOUT = 30.0


def run_async(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine on a fresh event loop in its own thread, bounded by a timeout.

    Not ``asyncio.run`` in the test's thread: a session-wide browser driver (playwright's
    sync API, tests/web/e2e) keeps a loop marked running there for the whole session.
    """

    async def bounded() -> T:
        return await asyncio.wait_for(make(), TIMEOUT)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, bounded()).result(timeout=TIMEOUT + 5)
