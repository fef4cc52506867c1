"""Hostile and odd input: path tricks, markup in every box, huge bodies, foreign prefixes."""

from __future__ import annotations

import pytest
from web_html import parse

from smtpcodes.catalogue import load_catalogue

LANGS = load_catalogue().languages
SCRIPT = "<script>alert(1)</script>"


def no_leak(response) -> None:
    """Never a 500, never a traceback, never a file from outside the site."""
    assert response.status_code < 500
    for marker in ("Traceback", "root:x:0:0", "[tool.ruff]", 'File "/'):
        assert marker not in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/en/smtp/../../../etc/passwd",
        "/en/smtp/%2e%2e/%2e%2e/etc/passwd",
        "/en/smtp/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/en/smtp/..%2F..%2F..%2Fpyproject.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/en/%2e%2e/%2e%2e/pyproject.toml",
        "/en/smtp/535%00",
        "/en/smtp/535%0d%0aSet-Cookie:%20x=1",
        "/en/smtp/%252e%252e",
        "/en/smtp/535;jsessionid=1",
        "/en//smtp//535",
        "/en/smtp/5%2E7%2E8",
        "/static/../../pyproject.toml",
        "/api/v1/codes/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/codes/%2e%2e",
        "/" + "a" * 4000,
        "/en/smtp/" + "5" * 5000,
        "/en/smtp/" + "5-vs-" * 1000 + "5",
        "/en/search?q=" + "x" * 10000,
    ],
)
def test_path_tricks_never_escape_or_break(web, path):
    response = web.get(path)
    no_leak(response)
    assert response.status_code in (200, 301, 308, 404, 422), response.status_code
    location = response.headers.get("location", "")
    assert not location.startswith("//")
    assert "://" not in location
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "path", ["//evil.example/", "//evil.example/en/", "/en//evil.example/", "/\\evil.example/"]
)
def test_no_open_redirect(web, path):
    response = web.get(path)
    no_leak(response)
    location = response.headers.get("location", "")
    assert "evil.example" not in location


def test_long_input_is_echoed_shortened(web):
    response = web.get("/en/smtp/" + "5" * 5000)
    assert response.status_code == 404
    heading = parse(response.text).one("h1").text
    assert len(heading) < 200
    assert "…" in heading


def test_encoded_slash_in_a_code_is_a_plain_404(web):
    """ASGI decodes %2F before routing: the path has more segments, matches no page."""
    response = web.get("/en/smtp/5%2F7%2F8")
    assert response.status_code == 404
    assert parse(response.text).one("html").attrs["lang"] == "en"


# -- markup in every box ----------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGS)
def test_script_in_the_explain_box_is_escaped(web, lang):
    response = web.post(f"/{lang}/explain", data={"text": SCRIPT})
    assert response.status_code == 422
    assert SCRIPT not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_markup_inside_a_real_reply_is_escaped(web):
    reply = f'550 5.1.1 <img src=x onerror="alert(1)"> {SCRIPT}'
    response = web.post("/en/explain", data={"text": reply})
    assert response.status_code == 200
    assert "<img src=x" not in response.text
    assert SCRIPT not in response.text
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in response.text


def test_script_in_search_and_codes_is_escaped(web):
    search = web.get("/en/search", params={"q": SCRIPT})
    assert SCRIPT not in search.text
    assert search.status_code == 200
    code = web.get("/en/smtp/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert code.status_code == 404
    assert SCRIPT not in code.text
    pair = web.get("/en/smtp/535-vs-%3Cscript%3E")
    assert pair.status_code == 404
    assert "<script>" not in pair.text.split("</head>")[1]


def test_script_in_the_api_stays_data(web):
    body = web.post("/api/v1/explain", json={"text": f"550 5.1.1 {SCRIPT}"}).json()
    assert SCRIPT in body["input"]  # JSON is data; the content type keeps browsers out
    problem = web.get("/api/v1/codes/abc%3Cscript%3E")
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.headers["x-content-type-options"] == "nosniff"


def test_pages_forbid_scripts_and_framing(web):
    headers = web.get("/en/smtp/535").headers
    policy = headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-frame-options"] == "DENY"


# -- big bodies -------------------------------------------------------------------------------


def test_oversized_explain_form_is_413_with_a_page(web):
    response = web.post("/th/explain", data={"text": "550 " + "x" * 70_000})
    assert response.status_code == 413
    page = parse(response.text)
    assert page.one("html").attrs["lang"] == "th"
    assert "64" in page.one("div", role="alert").text


def test_oversized_api_body_is_problem_json(web):
    response = web.post(
        "/api/v1/explain",
        content=b'{"text": "' + b"5" * 100_000 + b'"}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_many_replies_are_bounded(web):
    text = "\n".join(f"250 ok {n}" for n in range(60))
    response = web.post("/en/explain", data={"text": text})
    assert response.status_code == 200
    page = parse(response.text)
    results = [s for s in page.all("section") if s.attrs.get("class") == "result"]
    assert len(results) == 50
    assert "Only the first 50 replies" in page.body_text


def test_too_many_form_fields(web):
    body = "&".join(f"f{n}=1" for n in range(50))
    response = web.post(
        "/en/explain", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400


def test_binary_and_control_characters_in_the_box(web):
    response = web.post("/en/explain", data={"text": "550 5.1.1 \x00\x01\x7f bad"})
    no_leak(response)
    assert response.status_code in (200, 422)


# -- foreign language prefixes ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "offers"),
    [
        ("/fr/", ["/en/", "/th/"]),
        ("/fr/smtp/535", ["/en/smtp/535", "/th/smtp/535"]),
        ("/de/smtp/354-vs-535", ["/en/smtp/354-vs-535", "/th/smtp/354-vs-535"]),
        ("/zh-TW/explain", ["/en/explain", "/th/explain"]),
        ("/EN/smtp/535", ["/en/smtp/535", "/th/smtp/535"]),
        ("/xx/some/../odd/path", ["/en/", "/th/"]),
        ("/favicon.ico", ["/en/", "/th/"]),
    ],
)
def test_unknown_language_prefix_is_404_offering_each_language(web, path, offers):
    response = web.get(path)
    assert response.status_code == 404
    page = parse(response.text)
    hrefs = page.hrefs()
    for offer in offers:
        assert offer in hrefs
    sections = {s.attrs["lang"]: s.text for s in page.all("section") if "lang" in s.attrs}
    assert set(sections) == set(LANGS)
    assert "The site is in English and Thai." in sections["en"]
    assert "เว็บไซต์นี้มีภาษาอังกฤษและภาษาไทย" in sections["th"]
    assert page.one("meta", name="robots").attrs["content"] == "noindex"


def test_unknown_prefix_is_echoed_escaped(web):
    response = web.get("/%3Cb%3Ex/smtp/535")
    assert response.status_code == 404
    assert "<b>x" not in response.text
    assert "“&lt;b&gt;x”" in response.text
