"""``smtpcodes build-site DIR``: the whole site as static files, for any static host or CDN.

Every page comes from the real application, requested in-process (Starlette's test
client), so a static page is byte for byte what ``smtpcodes serve`` answers::

    /en/smtp/535         ->  DIR/en/smtp/535/index.html
    /th/smtp/354-vs-535  ->  DIR/th/smtp/354-vs-535/index.html
    /sitemap.xml         ->  DIR/sitemap.xml
    /                    ->  DIR/index.html   (a redirect becomes a meta-refresh page)

The page list is the sitemap's (``smtpcodes.web._site.sitemap_tails``: home, code list,
class and subject pages, every code, every curated comparison) plus the explain form,
the reverse order of every curated comparison (a redirect page to the canonical order)
and the static assets.  Other comparisons, search results and the API stay dynamic.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urljoin, urlsplit

from smtpcodes._record import record
from smtpcodes.cli._app import UsageError
from smtpcodes.cli._exit import ExitStatus

if TYPE_CHECKING:
    from smtpcodes.cli._app import Context

HELP = "write the whole site as static files"
DEFAULT_BASE_URL = "http://localhost:8000"
_HTML = "text/html"
_REDIRECTS = (301, 302, 303, 307, 308)


# ---- arguments ----------------------------------------------------------------------------


def _keep_own_lang(parser: argparse.ArgumentParser) -> None:
    """Our ``--lang`` takes a list (``en,th``); skip the common single-language ``--lang``.

    The CLI adds ``--lang``, ``--json`` and ``--color`` to every command after
    ``register()``; a second ``--lang`` would be an argparse conflict.
    """
    add = parser.add_argument

    def add_argument(*names: Any, **kwargs: Any) -> Any:
        if "--lang" in names and "--lang" in parser._option_string_actions:
            return parser._option_string_actions["--lang"]
        return add(*names, **kwargs)

    parser.add_argument = add_argument  # type: ignore[method-assign]


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="DIR", help="where to write the site (created if needed)")
    parser.add_argument(
        "--lang",
        dest="site_langs",
        metavar="LANGS",
        help="languages to build, comma-separated, e.g. en,th (default: every language)",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="public origin for canonical, hreflang and sitemap addresses, "
        f"e.g. https://smtp.example.org (default {DEFAULT_BASE_URL})",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="PATTERN",
        help="build only the paths matching this shell pattern, e.g. '/en/smtp/5*' (repeatable)",
    )
    parser.epilog = (
        "examples:\n"
        "  smtpcodes build-site public --base-url https://smtp.example.org\n"
        "  smtpcodes build-site /tmp/site --lang th --only '/th/smtp/5*'\n\n"
        "exit status: 0 written, 1 a page failed or DIR is not writable, 2 usage.\n"
    )
    _keep_own_lang(parser)


def _languages(raw: str | None, available: Sequence[str]) -> tuple[str, ...]:
    if raw is None:
        return tuple(available)
    langs = tuple(dict.fromkeys(p.strip().lower() for p in raw.split(",") if p.strip()))
    if not langs:
        raise UsageError(f"--lang needs languages such as {','.join(available)}; got {raw!r}")
    for lang in langs:
        if lang not in available:
            raise UsageError(
                f"unknown language {lang!r} in --lang: expected some of {', '.join(available)}"
            )
    return langs


def _base_url(raw: str | None) -> str:
    url = (raw or DEFAULT_BASE_URL).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query:
        raise UsageError(
            f"--base-url {raw!r} is not an origin: expected scheme and host only, "
            "such as https://smtp.example.org"
        )
    return url


# ---- the build ----------------------------------------------------------------------------


@record
class Failure:
    path: str
    status: int


@dataclass(slots=True)
class BuildReport:
    """What a build wrote (``--json`` prints it as ``smtpcodes/build-site@1``)."""

    dir: str
    base_url: str
    languages: tuple[str, ...]
    pages: int = 0  #: HTML pages
    files: int = 0  #: other files: sitemap.xml, robots.txt, assets
    redirects: int = 0  #: meta-refresh pages written for redirects
    bytes: int = 0
    seconds: float = 0.0
    failures: list[Failure] = field(default_factory=list)


def site_paths(languages: Sequence[str], app: Any = None) -> list[str]:
    """Every URL path a static build writes, in a stable order."""
    from smtpcodes.web._site import curated_pairs, pair_tail, sitemap_tails

    paths = ["/"]
    for lang in languages:
        for tail in (*sitemap_tails(), "/explain"):
            paths.append(f"/{lang}{tail}")
        # the reverse order of a curated comparison 301-redirects: a static host gets a
        # meta-refresh page there, so both orders work without the application
        for a, b in curated_pairs():
            paths.append(f"/{lang}{pair_tail(b, a)}")
    paths += ["/sitemap.xml", "/robots.txt"]
    if app is not None:
        paths += list(_asset_paths(app))
    return list(dict.fromkeys(paths))


def _asset_paths(app: Any) -> Iterable[str]:
    """Files under every StaticFiles mount of the application (``/static/site.css`` ...)."""
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    for route in getattr(app, "routes", ()):
        if not isinstance(route, Mount) or not isinstance(route.app, StaticFiles):
            continue
        directory = route.app.directory
        if directory is None:
            continue
        root = os.fspath(directory)
        for here, _dirs, files in sorted(os.walk(root)):
            for name in sorted(files):
                rel = os.path.relpath(os.path.join(here, name), root).replace(os.sep, "/")
                yield f"{route.path.rstrip('/')}/{rel}"


def target_file(out_dir: str, path: str, content_type: str) -> str:
    """Where the answer for ``path`` goes; HTML pages become ``<path>/index.html``."""
    parts = [p for p in path.split("/") if p]
    if any(p in (".", "..") or "\\" in p or "\x00" in p for p in parts):
        raise ValueError(f"refusing to write {path!r}: it leaves the output directory")
    if content_type.startswith(_HTML) or not parts:
        return os.path.join(out_dir, *parts, "index.html")
    return os.path.join(out_dir, *parts)


def _redirect_page(location: str, canonical: str) -> bytes:
    """A static stand-in for a redirect: meta refresh, canonical link, and a plain link.

    ``location`` stays as the application wrote it (root-relative works on any host);
    the canonical address is absolute, on the public origin.
    """
    from html import escape

    href = escape(location, quote=True)
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={href}">'
        f'<link rel="canonical" href="{escape(canonical, quote=True)}">'
        '<meta name="robots" content="noindex">'
        f'</head><body><a href="{href}">{href}</a></body></html>\n'
    ).encode()


def _write(path: str, body: bytes) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".part"
    with open(temporary, "wb") as handle:
        handle.write(body)
    os.replace(temporary, path)


ProgressFn = Callable[[int, int, str], None]


def build_site(
    out_dir: str,
    languages: Sequence[str],
    base_url: str,
    *,
    only: Sequence[str] = (),
    progress: ProgressFn | None = None,
    app: Any = None,
) -> BuildReport:
    """Request every static page from the application and write it under ``out_dir``."""
    from starlette.testclient import TestClient

    from smtpcodes.web import create_app
    from smtpcodes.web._settings import Settings

    started = time.perf_counter()
    if app is None:
        app = create_app(Settings(base_url=base_url))
    paths = site_paths(languages, app)
    if only:
        paths = [p for p in paths if any(fnmatch.fnmatchcase(p, pattern) for pattern in only)]
    report = BuildReport(out_dir, base_url, tuple(languages))
    os.makedirs(out_dir, exist_ok=True)
    first = languages[0]
    with TestClient(app, base_url=base_url, follow_redirects=False) as client:
        for done, path in enumerate(paths, 1):
            # the bare root negotiates by Accept-Language; a static copy points at the first
            headers = {"accept-language": first}
            response = client.get(path, headers=headers)
            content_type = response.headers.get("content-type", "")
            if response.status_code in _REDIRECTS and "location" in response.headers:
                location = response.headers["location"]
                body = _redirect_page(location, urljoin(base_url + path, location))
                target = target_file(out_dir, path, _HTML)
                report.redirects += 1
            elif response.status_code == 200:
                body = response.content
                target = target_file(out_dir, path, content_type)
                if content_type.startswith(_HTML):
                    report.pages += 1
                else:
                    report.files += 1
            else:
                report.failures.append(Failure(path, response.status_code))
                if progress is not None:
                    progress(done, len(paths), path)
                continue
            _write(target, body)
            report.bytes += len(body)
            if progress is not None:
                progress(done, len(paths), path)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


# ---- progress -----------------------------------------------------------------------------


class Progress:
    """A bar redrawn in place on a terminal; a count every tenth of the way otherwise."""

    def __init__(self, stream: TextIO, width: int = 28) -> None:
        self.stream = stream
        isatty = getattr(stream, "isatty", None)
        self.tty = bool(isatty and isatty())
        self.width = width
        self._last_tenth = -1

    def __call__(self, done: int, total: int, path: str) -> None:
        if total <= 0:
            return
        if self.tty:
            filled = self.width * done // total
            bar = "#" * filled + "-" * (self.width - filled)
            self.stream.write(f"\r[{bar}] {done}/{total} {path[:40]:<40}")
            if done == total:
                self.stream.write("\n")
            self.stream.flush()
            return
        tenth = 10 * done // total
        if tenth != self._last_tenth:
            self._last_tenth = tenth
            self.stream.write(f"build-site: {done}/{total}\n")


# ---- command ------------------------------------------------------------------------------


def run(ctx: Context) -> int:
    args = ctx.args
    languages = _languages(args.site_langs, ctx.catalogue.languages)
    base_url = _base_url(args.base_url)
    out_dir = os.path.abspath(args.dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise UsageError(f"{args.dir!r} exists and is not a directory: expected a directory")
    try:
        from smtpcodes.web import create_app  # noqa: F401 - fail early, with a clear line
    except ImportError as exc:
        raise UsageError(
            f"build-site needs the web extra (pip install 'smtpcodes[web]'): {exc}"
        ) from None
    try:
        report = build_site(
            out_dir, languages, base_url, only=args.only or (), progress=Progress(ctx.io.stderr)
        )
    except OSError as exc:
        ctx.io.stderr.write(f"smtpcodes: build-site cannot write {out_dir}: {exc.strerror}\n")
        return ExitStatus.ERROR
    if args.json:
        ctx.json("build-site", report)
    else:
        ctx.out(
            f"{report.pages} pages, {report.files} files and {report.redirects} redirects "
            f"({report.bytes // 1024} KiB) in {report.dir} in {report.seconds:.1f} s\n"
        )
    for failure in report.failures:
        ctx.io.stderr.write(
            f"smtpcodes: build-site: GET {failure.path} answered {failure.status}\n"
        )
    if report.failures:
        return ExitStatus.ERROR
    if not (report.pages or report.files):
        ctx.io.stderr.write("smtpcodes: build-site: no page matches --only\n")
        return ExitStatus.NOT_FOUND
    return ExitStatus.OK
