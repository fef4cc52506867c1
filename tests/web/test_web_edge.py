"""The outermost ASGI layer on its own: cache, ETags, HEAD, body limit (fake inner apps)."""

from __future__ import annotations

import pytest
from starlette.responses import Response
from web_support import run_async

from smtpcodes.web._edge import Edge, etag_matches


def make_edge(app, **kwargs) -> Edge:
    options = {
        "fingerprint": b"catalogue-v1",
        "too_large": lambda scope: Response("too large", status_code=413),
        "max_body": 16,
        "cache_entries": 8,
        "cache_bytes": 1 << 20,
    }
    options.update(kwargs)
    return Edge(app, **options)


def counting_app(body: bytes = b"hello", control: str = "public, max-age=60", status: int = 200):
    calls: list[dict] = []

    async def app(scope, receive, send):
        calls.append(scope)
        message = await receive()
        text = body + message.get("body", b"")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"cache-control", control.encode()), (b"content-type", b"text/html")],
            }
        )
        await send({"type": "http.response.body", "body": text})

    return app, calls


def call(edge, method="GET", path="/en/x", headers=(), chunks=(b"",)):
    sent: list[dict] = []
    queue = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]

    async def receive():
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "scheme": "http",
        "headers": [(b"host", b"example"), *headers],
    }
    run_async(lambda: edge(scope, receive, send))
    start = sent[0]
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), body


@pytest.mark.parametrize(
    ("header", "matches"),
    [
        (b'"abc"', True),
        (b'W/"abc"', True),
        (b'"x", "abc"', True),
        (b"*", True),
        (b'"abcd"', False),
        (b"", False),
    ],
)
def test_if_none_match_uses_weak_comparison(header, matches):
    assert etag_matches(header, b'"abc"') is matches


def test_public_200_is_cached_and_revalidated():
    app, calls = counting_app()
    edge = make_edge(app)
    status, headers, body = call(edge)
    assert (status, body) == (200, b"hello")
    etag = headers[b"etag"]
    assert call(edge)[2] == b"hello"
    assert len(calls) == 1  # the second answer came from the cache
    status, headers, body = call(edge, headers=[(b"if-none-match", etag)])
    assert status == 304
    assert body == b""
    assert headers[b"etag"] == etag
    assert b"content-type" not in headers


def test_etag_depends_on_the_catalogue_fingerprint():
    app, _ = counting_app()
    one = call(make_edge(app, fingerprint=b"a"))[1][b"etag"]
    two = call(make_edge(app, fingerprint=b"b"))[1][b"etag"]
    assert one != two


@pytest.mark.parametrize(("control", "status"), [("no-store", 200), ("public", 404)])
def test_only_public_200_is_cached(control, status):
    app, calls = counting_app(control=control, status=status)
    edge = make_edge(app)
    call(edge)
    headers = call(edge)[1]
    assert len(calls) == 2
    assert b"etag" not in headers


def test_head_answers_from_get_without_body():
    app, calls = counting_app()
    edge = make_edge(app)
    status, headers, body = call(edge, method="HEAD")
    assert status == 200
    assert body == b""
    assert headers[b"content-type"] == b"text/html"
    assert calls[0]["method"] == "GET"
    assert call(edge)[2] == b"hello"
    assert len(calls) == 1


def test_cache_is_bounded_by_entries_and_bytes():
    app, _calls = counting_app()
    edge = make_edge(app, cache_entries=3)
    for n in range(10):
        call(edge, path=f"/en/{n}")
    assert len(edge._cache) == 3
    small = make_edge(counting_app(body=b"x" * 1000)[0], cache_bytes=5000)
    for n in range(10):
        call(small, path=f"/en/{n}")
    size = next(iter(small._cache.values())).size
    assert size > 1000
    assert small._cached_bytes <= 5000
    assert len(small._cache) == 5000 // size


def test_root_and_long_urls_are_not_cached():
    app, calls = counting_app()
    edge = make_edge(app)
    for path in ("/", "/" + "a" * 600, "/", "/" + "a" * 600):
        call(edge, path=path)
    assert len(calls) == 4


def test_security_headers_on_every_answer():
    app, _ = counting_app()
    headers = call(make_edge(app))[1]
    assert headers[b"x-content-type-options"] == b"nosniff"
    assert b"default-src 'none'" in headers[b"content-security-policy"]


def test_body_is_read_in_full_and_replayed():
    app, _calls = counting_app(body=b"got:")
    status, _, body = call(make_edge(app), method="POST", chunks=(b"abc", b"def"))
    assert (status, body) == (200, b"got:abcdef")


def test_body_over_the_limit_is_refused():
    app, calls = counting_app()
    edge = make_edge(app)
    assert call(edge, method="POST", chunks=(b"x" * 10, b"y" * 10))[0] == 413
    declared = call(edge, method="POST", headers=[(b"content-length", b"17")])
    assert declared[0] == 413
    assert not calls
    assert call(edge, method="POST", chunks=(b"z" * 16,))[0] == 200


def test_client_gone_before_the_body_ends():
    app, calls = counting_app()
    edge = make_edge(app)
    sent = []

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/x", "headers": [], "query_string": b""}
    run_async(lambda: edge(scope, receive, send))
    assert not sent
    assert not calls
