"""Browser fixtures: the site under uvicorn in a thread, Debian's chromium through playwright.

Never ``playwright install``: the browser is /usr/bin/chromium (executable_path), started
with a fresh user-data-dir and no network beyond loopback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: every wait in these tests is bounded by this (milliseconds, playwright's unit)
TIMEOUT_MS = 15_000
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts"


@dataclass(frozen=True, slots=True)
class LiveServer:
    url: str  #: http://127.0.0.1:<port>


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """``smtpcodes.web.create_app()`` under uvicorn on 127.0.0.1, an ephemeral port."""
    import uvicorn

    from smtpcodes.web import create_app

    config = uvicorn.Config(
        create_app(),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        ws="none",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-e2e", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            server.should_exit = True
            raise RuntimeError("uvicorn did not start within 20 s")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveServer(f"http://127.0.0.1:{port}")
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _require_chromium() -> None:
    if not os.access(CHROMIUM, os.X_OK):
        # ./dev installs it; a missing browser is a broken setup, not a reason to skip
        pytest.fail(f"Debian chromium is not installed at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


def _launch(driver: Any, profile: str, **options: Any) -> Any:
    context = driver.chromium.launch_persistent_context(
        profile,
        executable_path=CHROMIUM,
        headless=True,
        args=CHROMIUM_ARGS,
        timeout=TIMEOUT_MS,
        **options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@pytest.fixture(scope="session")
def browser_context(playwright_driver: Any) -> Iterator[Any]:
    """One chromium with JavaScript on, a fresh profile, for the whole session."""
    profile = tempfile.mkdtemp(prefix="smtpcodes-chromium-")
    context = _launch(playwright_driver, profile, locale="en-US")
    try:
        yield context
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser_context: Any) -> Iterator[Any]:
    page = browser_context.new_page()
    try:
        yield page
    finally:
        page.close()


@pytest.fixture
def no_js_page(playwright_driver: Any) -> Iterator[Any]:
    """A page in a chromium with JavaScript disabled (its own fresh profile)."""
    profile = tempfile.mkdtemp(prefix="smtpcodes-chromium-nojs-")
    context = _launch(playwright_driver, profile, java_script_enabled=False, locale="en-US")
    try:
        yield context.new_page()
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def thai_font_families() -> frozenset[str]:
    """Font families fontconfig says cover Thai (fonts-thai-tlwg: Garuda, Loma, Waree ...)."""
    out = subprocess.run(
        ["fc-list", ":lang=th", "family"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    families = {name.strip() for line in out.splitlines() for name in line.split(",")}
    return frozenset(f for f in families if f)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
