"""The outermost ASGI layer: body limit, response cache, strong ETags, security headers.

Pure ASGI (no BaseHTTPMiddleware) so a cached page costs one dict lookup:

* POST bodies above ``max_body`` get 413 before anything parses them (RFC 9110 15.5.14);
  a ``Content-Length`` that already says so is refused without reading a byte.
* GET and HEAD answers marked ``Cache-Control: public`` are kept (LRU, bounded by count
  and size) and carry a strong ETag: SHA-256 of the catalogue fingerprint and the body.
  ``If-None-Match`` that matches gets 304 (RFC 9110 sections 8.8.3, 13.1.2, 15.4.5).
* HEAD is answered from the GET response without its body (RFC 9110 section 9.3.2).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smtpcodes._record import record

Headers = list[tuple[bytes, bytes]]
#: Builds the 413 answer for a request (problem+json under /api, a page elsewhere).
TooLarge = Callable[[Scope], Response]

#: Keys longer than this are never cached: nobody links to such a URL twice.
_MAX_KEY = 512
_SECURITY = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]
#: Pages run no script: JSON-LD blocks are data, not code; styles are inline.
_CSP = (
    b"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    b"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: Headers a 304 repeats from the 200 it stands for (RFC 9110 section 15.4.5).
_KEEP_ON_304 = frozenset(
    {b"etag", b"cache-control", b"content-language", b"vary", b"content-location", b"expires"}
)


@record
class Stored:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    etag: bytes  #: b"" when the answer is not cacheable

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 64


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def etag_matches(if_none_match: bytes, etag: bytes) -> bool:
    """Weak comparison, as If-None-Match requires (RFC 9110 section 13.1.2)."""
    if if_none_match.strip() == b"*":
        return True
    plain = etag.removeprefix(b"W/")
    return any(tag.strip().removeprefix(b"W/") == plain for tag in if_none_match.split(b","))


class Edge:
    def __init__(
        self,
        app: ASGIApp,
        *,
        fingerprint: bytes,
        too_large: TooLarge,
        max_body: int,
        cache_entries: int,
        cache_bytes: int,
    ) -> None:
        self.app = app
        self.fingerprint = fingerprint
        self.too_large = too_large
        self.max_body = max_body
        self.cache_entries = cache_entries
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[tuple[bytes, ...], Stored] = OrderedDict()
        self._cached_bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
        elif scope["method"] in ("GET", "HEAD"):
            await self._get(scope, receive, send)
        else:
            await self._with_body(scope, receive, send)

    # -- requests with a body ---------------------------------------------------------

    async def _with_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        declared = _header(scope, b"content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_body:
            await self.too_large(scope)(scope, receive, self._secured(send))
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client went away; there is nobody to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                await self.too_large(scope)(scope, receive, self._secured(send))
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, self._secured(send))

    def _secured(self, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": _with_security(list(message["headers"]))}
            await send(message)

        return wrapped

    # -- GET and HEAD -----------------------------------------------------------------

    def _key(self, scope: Scope) -> tuple[bytes, ...] | None:
        path: bytes = scope.get("raw_path") or scope["path"].encode()
        query: bytes = scope.get("query_string", b"")
        if path == b"/" or len(path) + len(query) > _MAX_KEY or self.cache_entries == 0:
            return None  # "/" depends on Accept-Language; long URLs are one-offs
        host = _header(scope, b"host") or b""
        return (scope.get("scheme", "http").encode(), host, path, query)

    async def _get(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope)
        stored = self._cache.get(key) if key is not None else None
        if stored is not None:
            self._cache.move_to_end(key)  # type: ignore[arg-type]
        else:
            get_scope = {**scope, "method": "GET"} if scope["method"] == "HEAD" else scope
            stored = await self._capture(get_scope, receive, send)
            if stored is None:
                return
            if key is not None and stored.etag:
                self._store(key, stored)
        await self._answer(scope, stored, send)

    async def _capture(self, scope: Scope, receive: Receive, send: Send) -> Stored | None:
        start: Message | None = None
        parts: list[bytes] = []

        async def collect(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.app(scope, receive, collect)
        if start is None:
            return None
        status = int(start["status"])
        headers = _with_security(list(start.get("headers", [])))
        body = b"".join(parts)
        etag = b""
        control = dict(headers).get(b"cache-control", b"")
        if status == 200 and control.startswith(b"public"):
            digest = hashlib.sha256(self.fingerprint + b"\0" + body).hexdigest()[:32]
            etag = f'"{digest}"'.encode()
            headers.append((b"etag", etag))
        return Stored(status, tuple(headers), body, etag)

    def _store(self, key: tuple[bytes, ...], stored: Stored) -> None:
        if stored.size > self.cache_bytes:
            return
        self._cache[key] = stored
        self._cached_bytes += stored.size
        while len(self._cache) > self.cache_entries or self._cached_bytes > self.cache_bytes:
            _, old = self._cache.popitem(last=False)
            self._cached_bytes -= old.size

    async def _answer(self, scope: Scope, stored: Stored, send: Send) -> None:
        if_none_match = _header(scope, b"if-none-match")
        if stored.etag and if_none_match is not None and etag_matches(if_none_match, stored.etag):
            headers = [(k, v) for k, v in stored.headers if k in _KEEP_ON_304]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(
            {"type": "http.response.start", "status": stored.status, "headers": stored.headers}
        )
        body = b"" if scope["method"] == "HEAD" else stored.body
        await send({"type": "http.response.body", "body": body})


def _with_security(headers: Headers) -> Headers:
    names = {k.lower() for k, _ in headers}
    out = list(headers)
    out += [(k, v) for k, v in _SECURITY if k not in names]
    content_type = dict(out).get(b"content-type", b"")
    if content_type.startswith(b"text/html") and b"content-security-policy" not in names:
        out.append((b"content-security-policy", _CSP))
    return out
