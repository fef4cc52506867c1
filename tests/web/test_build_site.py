"""``smtpcodes build-site``: static files that are exactly what the application serves."""

from __future__ import annotations

import io
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from starlette.testclient import TestClient

from smtpcodes.cli._cmd_build_site import Progress, build_site, site_paths, target_file
from smtpcodes.web import Settings, create_app, curated_pairs, sitemap_tails

BASE = "https://smtp.example.org"
#: a small but varied sample: home, code, enhanced code, class, subject, comparisons, forms
SAMPLE = [
    "/",
    "/en/",
    "/th/",
    "/en/smtp",
    "/en/smtp/535",
    "/th/smtp/535",
    "/en/smtp/5.7.8",
    "/en/smtp/X.7.8",
    "/en/smtp/5xx",
    "/th/smtp/X.7.X",
    "/th/smtp/354-vs-535",
    "/en/smtp/354-vs-535",
    "/th/smtp/535-vs-354",
    "/en/explain",
    "/sitemap.xml",
    "/robots.txt",
]


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is not None and (
                (tag == "a" and name == "href")
                or (tag in ("img", "script", "source") and name == "src")
                or (tag == "link" and name == "href")
                or (tag == "form" and name == "action")
            ):
                rel = dict(attrs).get("rel") or ""
                self.links.append((tag if tag != "link" else f"link[{rel}]", name, value))


def links_of(html: str) -> list[tuple[str, str, str]]:
    parser = Links()
    parser.feed(html)
    return parser.links


@pytest.fixture(scope="module")
def app():
    return create_app(Settings(base_url=BASE))


@pytest.fixture(scope="module")
def built(tmp_path_factory, app):
    out = tmp_path_factory.mktemp("site")
    report = build_site(str(out), ("en", "th"), BASE, only=SAMPLE, app=app)
    return out, report


def test_sample_is_written_where_a_static_host_looks(built):
    out, report = built
    assert report.failures == []
    for rel in (
        "index.html",
        "en/index.html",
        "th/index.html",
        "en/smtp/index.html",
        "en/smtp/535/index.html",
        "th/smtp/535/index.html",
        "en/smtp/5.7.8/index.html",
        "en/smtp/X.7.8/index.html",
        "en/smtp/5xx/index.html",
        "th/smtp/X.7.X/index.html",
        "th/smtp/354-vs-535/index.html",
        "en/explain/index.html",
        "sitemap.xml",
        "robots.txt",
    ):
        assert (out / rel).is_file(), rel
    assert report.pages + report.files + report.redirects == len(SAMPLE)
    assert not list(out.rglob("*.part"))  # every write finished


def test_static_pages_are_what_the_application_serves(built, app):
    out, _ = built
    with TestClient(app, base_url=BASE) as client:
        for path, rel in (
            ("/th/smtp/354-vs-535", "th/smtp/354-vs-535/index.html"),
            ("/en/smtp/535", "en/smtp/535/index.html"),
            ("/sitemap.xml", "sitemap.xml"),
        ):
            assert (out / rel).read_bytes() == client.get(path).content, path


def test_pages_name_the_public_origin_never_the_build_host(built):
    out, _ = built
    page = (out / "en/smtp/535/index.html").read_text("utf-8")
    assert f'href="{BASE}/en/smtp/535"' in page  # canonical
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_text("utf-8")
            assert "testserver" not in text, path
            assert "localhost:8000" not in text, path
    assert f"{BASE}/en/smtp/535" in (out / "sitemap.xml").read_text("utf-8")


def test_root_redirect_becomes_a_meta_refresh(built):
    out, report = built
    assert report.redirects >= 1
    html = (out / "index.html").read_text("utf-8")
    assert 'http-equiv="refresh"' in html
    target = re.search(r'url=([^"]+)"', html).group(1)
    assert f'rel="canonical" href="{BASE}{target}"' in html
    path = urlsplit(target).path
    assert (out / path.strip("/") / "index.html").is_file()


def test_reverse_order_of_a_curated_comparison_redirects_to_the_canonical(built):
    out, _ = built
    html = (out / "th/smtp/535-vs-354/index.html").read_text("utf-8")
    assert 'url=/th/smtp/354-vs-535"' in html
    assert f'rel="canonical" href="{BASE}/th/smtp/354-vs-535"' in html


def test_links_are_relative_or_root_relative_and_resolve(built):
    """Every internal link of the sample resolves to a written file, or to a page the
    full build writes, or to a page that stays dynamic by design."""
    out, _ = built
    static = set(site_paths(("en", "th")))
    dynamic = re.compile(r"^/(en|th)/(search|explain)$|^/api/|^/(en|th)/smtp/[^/]+-vs-[^/]+$")
    checked = 0
    for html_file in out.rglob("index.html"):
        for tag, _attr, value in links_of(html_file.read_text("utf-8")):
            parts = urlsplit(value)
            if tag in ("link[canonical]", "link[alternate]"):
                assert value.startswith(BASE + "/"), (html_file, value)  # absolute, public
                continue
            if parts.scheme == "data":
                continue  # an inline resource (the empty favicon)
            if parts.scheme in ("http", "https", "mailto"):
                assert not value.startswith(BASE), (html_file, value)  # internal: no origin
                continue
            assert not parts.netloc, (html_file, value)  # no protocol-relative //host
            if not parts.path:
                continue  # "#section" or "?q=" on the same page
            path = (
                parts.path
                if parts.path.startswith("/")
                else "/"
                + os.path.normpath(os.path.join(str(html_file.parent.relative_to(out)), parts.path))
            )
            checked += 1
            written = (out / path.strip("/") / "index.html").is_file() or (
                out / path.strip("/")
            ).is_file()
            if written or path in static or path.rstrip("/") in static:
                continue
            if dynamic.match(path):
                pair = path.rsplit("/", 1)[-1]
                if "-vs-" in pair:  # a comparison not curated stays dynamic
                    a, b = pair.split("-vs-")
                    assert (a, b) not in curated_pairs(), path
                continue
            raise AssertionError(f"{html_file.relative_to(out)} links to {value}: not built")
    assert checked > 50


def test_page_list_is_the_sitemaps_in_every_language_plus_forms():
    paths = site_paths(("en", "th"))
    for tail in sitemap_tails():
        assert f"/en{tail}" in paths
        assert f"/th{tail}" in paths
    assert {"/", "/en/explain", "/th/explain", "/sitemap.xml", "/robots.txt"} <= set(paths)
    for a, b in curated_pairs():
        assert f"/th/smtp/{a}-vs-{b}" in paths
        assert f"/th/smtp/{b}-vs-{a}" in paths  # becomes a redirect page
    assert len(paths) == len(set(paths))


def test_cli_build_with_language_and_progress(run_cli, tmp_path):
    out = tmp_path / "site"
    r = run_cli(
        "build-site", str(out), "--lang", "th", "--base-url", BASE + "/",
        "--only", "/th/smtp/5??", "--only", "/th/smtp/5.7.8", "--only", "/sitemap.xml", "--json",
    )  # fmt: skip
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["schema"] == "smtpcodes/build-site@1"
    assert doc["languages"] == ["th"]
    assert doc["base_url"] == BASE
    assert doc["failures"] == []
    assert doc["pages"] >= 5
    assert (out / "th/smtp/535/index.html").is_file()
    assert not (out / "en").exists()
    # not a terminal: a plain count on stderr, ending with the total
    counts = re.findall(r"build-site: (\d+)/(\d+)", r.err)
    assert counts
    assert counts[-1][0] == counts[-1][1]


def test_progress_bar_on_a_terminal():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    bar = Progress(stream, width=10)
    for done in range(1, 5):
        bar(done, 4, f"/en/smtp/{done}")
    text = stream.getvalue()
    assert text.count("\r") == 4
    assert "[##########] 4/4" in text
    assert text.endswith("\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lang", "en,xx"], "unknown language 'xx' in --lang"),
        (["--lang", ","], "--lang needs languages"),
        (["--base-url", "ftp://example.org"], "is not an origin"),
        (["--base-url", "https://example.org/sub"], "is not an origin"),
    ],
)
def test_bad_arguments_exit_2(run_cli, tmp_path, args, message):
    r = run_cli("build-site", str(tmp_path / "site"), *args)
    assert r.code == 2
    assert message in r.err
    assert not (tmp_path / "site").exists()


def test_dir_that_is_a_file_exits_2(run_cli, tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    r = run_cli("build-site", str(target))
    assert r.code == 2
    assert "is not a directory" in r.err


def test_only_matching_nothing_exits_3(run_cli, tmp_path):
    r = run_cli("build-site", str(tmp_path / "site"), "--only", "/nowhere/*")
    assert r.code == 3
    assert "no page matches" in r.err


@pytest.mark.parametrize("path", ["/../etc/passwd", "/en/../../x", "/a/\\b"])
def test_target_file_never_leaves_the_directory(path):
    with pytest.raises(ValueError, match="leaves the output directory"):
        target_file("/tmp/site", path, "text/html")


def test_target_file_layout():
    assert target_file("/s", "/", "text/html; charset=utf-8") == str(Path("/s/index.html"))
    assert target_file("/s", "/en/", "text/html") == str(Path("/s/en/index.html"))
    assert target_file("/s", "/en/smtp/5.7.8", "text/html") == str(
        Path("/s/en/smtp/5.7.8/index.html")
    )
    assert target_file("/s", "/sitemap.xml", "application/xml") == str(Path("/s/sitemap.xml"))


#: pages a static build leaves to the application, by design (issue 4: "other pairs stay
#: dynamic"), plus the forms' targets and the JSON API
DYNAMIC = re.compile(r"^/(en|th)/search$|^/api/|^/(en|th)/smtp/[^/]+-vs-[^/]+$")


def test_full_english_build_every_internal_link_resolves(tmp_path, app):
    """The whole English site; every root-relative link is a written file, or dynamic."""
    report = build_site(str(tmp_path), ("en",), BASE, app=app)
    assert report.failures == []
    assert report.pages > 100
    curated = set(curated_pairs())
    dead: dict[str, str] = {}
    for html_file in tmp_path.rglob("index.html"):
        for _tag, _attr, value in links_of(html_file.read_text("utf-8")):
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            path = parts.path
            if path.startswith("/th/"):
                continue  # the language switch: not built here
            rel = path.strip("/")
            if (tmp_path / rel / "index.html").is_file() or (rel and (tmp_path / rel).is_file()):
                continue
            if DYNAMIC.match(path):
                name = path.rsplit("/", 1)[-1]
                if "-vs-" in name:
                    assert tuple(name.split("-vs-")) not in curated, path
                continue
            dead.setdefault(path, str(html_file.relative_to(tmp_path)))
    assert dead == {}
