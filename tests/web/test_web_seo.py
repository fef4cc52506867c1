"""Search-engine plumbing: canonical, hreflang, sitemap, robots.txt, JSON-LD, noindex."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from web_html import parse

from smtpcodes.catalogue import load_catalogue
from smtpcodes.explain import code_info
from smtpcodes.web import curated_pairs, is_curated, sitemap_tails

LANGS = load_catalogue().languages
ORIGIN = "https://smtp.example.org"  # what conftest's web_app was built with (checked below)
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}


@pytest.fixture(scope="module")
def sitemap(web) -> ET.Element:
    response = web.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own sitemap, not foreign input


def test_origin_is_the_configured_one(origin):
    assert origin == ORIGIN


def test_sitemap_lists_every_page_in_every_language_with_alternates(sitemap):
    urls = sitemap.findall("s:url", NS)
    assert len(urls) == len(sitemap_tails()) * len(LANGS)
    assert len(urls) < 50_000  # one sitemap file may hold no more (sitemaps.org protocol)
    for url in urls:
        loc = url.find("s:loc", NS).text
        links = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)}
        assert set(links) == {*LANGS, "x-default"}
        assert loc in links.values()
        assert all(link.get("rel") == "alternate" for link in url.findall("x:link", NS))


def test_sitemap_holds_code_pages_and_curated_comparisons_only(sitemap):
    locs = {url.find("s:loc", NS).text for url in sitemap.findall("s:url", NS)}
    pairs = {loc for loc in locs if "-vs-" in loc}
    assert pairs == {
        f"{ORIGIN}/{lang}/smtp/{a}-vs-{b}" for lang in LANGS for a, b in curated_pairs()
    }
    for lang in LANGS:
        assert f"{ORIGIN}/{lang}/smtp/535" in locs
        assert f"{ORIGIN}/{lang}/smtp/5.7.8" in locs
        assert f"{ORIGIN}/{lang}/smtp/X.7.8" in locs
        assert f"{ORIGIN}/{lang}/smtp/5xx" in locs
        assert f"{ORIGIN}/{lang}/search" not in locs
    assert not any("/api/" in loc for loc in locs)


def test_every_sitemap_page_is_200_self_canonical_with_matching_alternates(web, sitemap):
    for url in sitemap.findall("s:url", NS):
        loc = url.find("s:loc", NS).text
        expected = {link.get("hreflang"): link.get("href") for link in url.findall("x:link", NS)}
        response = web.get(loc.removeprefix(ORIGIN))
        assert response.status_code == 200, loc
        page = parse(response.text.partition("</head>")[0])  # the head says it all
        assert page.one("link", rel="canonical").attrs["href"] == loc
        assert page.alternates() == expected, loc
        assert not page.all("meta", name="robots"), loc
        lang = loc.removeprefix(ORIGIN).split("/")[1]
        assert page.one("html").attrs["lang"] == lang
        assert response.headers["content-language"] == lang


def test_home_x_default_is_the_negotiating_root(web):
    alternates = parse(web.get("/th/").text).alternates()
    assert alternates == {"en": f"{ORIGIN}/en/", "th": f"{ORIGIN}/th/", "x-default": f"{ORIGIN}/"}


@pytest.mark.parametrize(
    "path", ["/en/explain", "/th/search?q=mailbox", "/en/smtp/599", "/th/smtp/abc", "/en/nowhere"]
)
def test_every_page_has_hreflang_alternates(web, path):
    page = parse(web.get(path).text)
    assert set(page.alternates()) == {*LANGS, "x-default"}


@pytest.mark.parametrize(
    "path", ["/en/smtp/599", "/en/smtp/abc", "/th/search?q=550", "/en/nowhere", "/fr/smtp/535"]
)
def test_pages_that_must_not_be_indexed(web, path):
    page = parse(web.get(path).text)
    assert page.one("meta", name="robots").attrs["content"] == "noindex"


def test_robots_txt(web):
    response = web.get("/robots.txt")
    assert response.status_code == 200
    lines = response.text.splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {ORIGIN}/sitemap.xml" in lines
    assert "Disallow: /api/" in lines
    for lang in LANGS:
        assert f"Disallow: /{lang}/search" in lines


def test_origin_comes_from_the_request_when_not_configured(web_with):
    from starlette.testclient import TestClient

    from smtpcodes.web import Settings, create_app

    client = TestClient(create_app(Settings()), base_url="http://localhost:8123")
    page = parse(client.get("/en/smtp/535").text)
    assert page.one("link", rel="canonical").attrs["href"] == "http://localhost:8123/en/smtp/535"


def test_settings_reject_a_base_url_that_is_not_an_origin():
    from smtpcodes.web import Settings

    for bad in ("smtp.example.org", "ftp://x", "https://x/path", "https://x?q=1"):
        with pytest.raises(ValueError, match="not an origin"):
            Settings(base_url=bad)
    assert Settings(base_url="https://x.example/").base_url == "https://x.example"


# -- JSON-LD ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_code_page_json_ld_is_a_defined_term_with_breadcrumbs(web, lang):
    page = parse(web.get(f"/{lang}/smtp/535").text)
    data = {item["@type"]: item for item in page.json_ld()}
    term = data["DefinedTerm"]
    info = code_info("535", lang)
    assert term["@context"] == "https://schema.org"
    assert term["termCode"] == "535"
    assert term["name"] == info.title
    assert term["description"] == info.summary
    assert term["inLanguage"] == lang
    assert term["url"] == f"{ORIGIN}/{lang}/smtp/535"
    term_set = term["inDefinedTermSet"]
    assert term_set["@type"] == "DefinedTermSet"
    assert term_set["url"] == f"{ORIGIN}/{lang}/smtp"
    crumbs = data["BreadcrumbList"]["itemListElement"]
    assert [c["position"] for c in crumbs] == [1, 2, 3]
    assert [c["item"] for c in crumbs] == [
        f"{ORIGIN}/{lang}/",
        f"{ORIGIN}/{lang}/smtp",
        f"{ORIGIN}/{lang}/smtp/535",
    ]


def test_comparison_json_ld_is_about_both_codes(web):
    page = parse(web.get("/th/smtp/354-vs-535").text)
    data = {item["@type"]: item for item in page.json_ld()}
    about = data["WebPage"]["about"]
    assert [t["termCode"] for t in about] == ["354", "535"]
    assert all(t["@type"] == "DefinedTerm" for t in about)
    assert "BreadcrumbList" in data


def test_home_json_ld_declares_the_search(web):
    page = parse(web.get("/en/").text)
    site = next(item for item in page.json_ld() if item["@type"] == "WebSite")
    assert site["potentialAction"]["target"] == f"{ORIGIN}/en/search?q={{search_term_string}}"


def test_unknown_code_has_no_defined_term(web):
    page = parse(web.get("/en/smtp/599").text)
    assert not [item for item in page.json_ld() if item["@type"] == "DefinedTerm"]


def test_code_pages_link_their_json(web):
    page = parse(web.get("/th/smtp/5.7.8").text)
    link = page.one("link", rel="alternate", type="application/json")
    assert link.attrs["href"] == f"{ORIGIN}/api/v1/codes/5.7.8?lang=th"
    assert web.get(link.attrs["href"].removeprefix(ORIGIN)).status_code == 200


def test_curation_matches_the_catalogue():
    for pair in load_catalogue().pairs():
        assert is_curated(pair.a, pair.b)
        assert is_curated(pair.b, pair.a)
    assert len(set(curated_pairs())) == len(curated_pairs())
