"""Fixtures for the website tests: the app in-process (Starlette's test client, httpx2)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from smtpcodes.web import Settings, create_app

#: the public origin the test app believes it has (canonical and hreflang addresses)
ORIGIN = "https://smtp.example.org"


@pytest.fixture(scope="session")
def origin() -> str:
    return ORIGIN


@pytest.fixture(scope="session")
def web_app() -> Any:
    return create_app(Settings(base_url=ORIGIN))


@pytest.fixture(scope="session")
def web(web_app: Any) -> Iterator[TestClient]:
    """The site with every collaborator the library has, redirects not followed."""
    with TestClient(web_app, follow_redirects=False) as client:
        yield client


@pytest.fixture
def web_with() -> Any:
    """A client for an app built with injected collaborators: ``web_with(search=fake)``."""

    def build(raise_server_exceptions: bool = True, **kwargs: Any) -> TestClient:
        app = create_app(Settings(base_url=ORIGIN), **kwargs)
        return TestClient(
            app, follow_redirects=False, raise_server_exceptions=raise_server_exceptions
        )

    return build
