"""How one instance of the site runs: its public address, caching and request limits."""

from __future__ import annotations

from urllib.parse import urlsplit

from smtpcodes._record import record

#: RFC 9110 section 15.5.14: the server refuses a request body larger than it will process.
#: 64 KiB holds any real reply or bounce excerpt many times over.
MAX_BODY = 64 * 1024


@record
class Settings:
    """``Settings(base_url="https://smtp.example.org")``.

    ``base_url`` is the public origin used for canonical, ``hreflang``, sitemap and JSON-LD
    addresses.  Without it the origin of each request is used (fine on a laptop; set it
    behind a proxy or for a static build, so pages never depend on a client's Host header).
    """

    base_url: str | None = None
    #: Cache-Control max-age (seconds) of pages and GET API answers; the catalogue only
    #: changes with a deploy, and the ETag lets clients revalidate cheaply.
    max_age: int = 3600
    max_body: int = MAX_BODY
    #: rendered responses kept in memory (LRU), bounded by count and by total size
    cache_entries: int = 2048
    cache_bytes: int = 32 * 1024 * 1024

    def __post_init__(self) -> None:
        if self.base_url is not None:
            parts = urlsplit(self.base_url)
            if (
                parts.scheme not in ("http", "https")
                or not parts.netloc
                or parts.path not in ("", "/")
                or parts.query
                or parts.fragment
            ):
                raise ValueError(
                    f"base_url {self.base_url!r} is not an origin: expected scheme and host "
                    "only, such as https://smtp.example.org"
                )
            object.__setattr__(self, "base_url", f"{parts.scheme}://{parts.netloc}")
        if self.max_age < 0 or self.max_body < 1 or self.cache_entries < 0:
            raise ValueError(
                "max_age must be >= 0, max_body >= 1 and cache_entries >= 0; got "
                f"{self.max_age}, {self.max_body}, {self.cache_entries}"
            )
