"""The HTML pages through the test client: what each shows, redirects, status codes."""

from __future__ import annotations

import pytest
from markupsafe import escape
from starlette.requests import Request
from web_html import parse

import smtpcodes.explain
from smtpcodes._record import replace
from smtpcodes.catalogue import load_catalogue
from smtpcodes.explain import TranscriptView, canonical_pair, code_info, compare
from smtpcodes.web import class_members, curated_pairs, is_curated

CATALOGUE = load_catalogue()


def text_of(value: str) -> str:
    """How a catalogue string reads once rendered (whitespace collapsed)."""
    return " ".join(value.split())


def assert_shows(page_text: str, *values: str) -> None:
    for value in values:
        for paragraph in value.split("\n\n"):
            if paragraph.strip():
                assert text_of(paragraph) in page_text, paragraph[:80]


# -- home and index ---------------------------------------------------------------------------


def test_home_has_explain_search_classes_and_comparisons(web):
    response = web.get("/en/")
    assert response.status_code == 200
    page = parse(response.text)
    explain_form = page.one("form", method="post", action="/en/explain")
    assert explain_form is not None
    textarea = page.one("textarea", name="text")
    assert page.one("label", for_=textarea.attrs["id"])
    search = page.one("form", role="search")
    assert search.attrs["action"] == "/en/search"
    assert page.one("input", name="q", type="search")
    hrefs = page.hrefs()
    for klass in ("2xx", "3xx", "4xx", "5xx"):
        assert f"/en/smtp/{klass}" in hrefs
    for subject in range(8):
        assert f"/en/smtp/X.{subject}.X" in hrefs
    popular = [f"/en/smtp/{a}-vs-{b}" for a, b in curated_pairs()[:16]]
    assert popular
    assert all(href in hrefs for href in popular)
    # catalogue pairs come first among the popular comparisons
    first = CATALOGUE.pairs()[0]
    assert popular[0] == "/en/smtp/{}-vs-{}".format(*canonical_pair(first.a, first.b))


def test_home_counts_codes_per_class(web):
    page = parse(web.get("/en/").text)
    for klass in ("4xx", "5xx"):
        count = len(class_members(klass))
        assert f"{count} codes" in page.body_text


def test_landmarks_and_skip_link(web):
    page = parse(web.get("/en/smtp/535").text)
    assert page.one("main", id="main")
    assert page.all("header")
    assert page.all("footer")
    labels = {e.attrs.get("aria-label") for e in page.all("nav")}
    assert {"Main", "Language", "Breadcrumb"} <= labels
    skip = page.all("a", class_="skip")[0]
    assert skip.attrs["href"] == "#main"
    assert page.one("meta", name="viewport").attrs["content"].startswith("width=device-width")


def test_index_links_every_code(web):
    page = parse(web.get("/en/smtp").text)
    hrefs = set(page.hrefs())
    for code in CATALOGUE.codes():
        if code.endswith(("xx", ".X")):
            continue
        assert f"/en/smtp/{code}" in hrefs


# -- code pages -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["535", "354", "550", "5.7.8", "X.7.8", "4.7.0", "X.1.1"])
@pytest.mark.parametrize("lang", ["en", "th"])
def test_code_page_shows_everything_code_info_gives(web, code, lang):
    info = code_info(code, lang)
    response = web.get(f"/{lang}/smtp/{code}")
    assert response.status_code == 200
    page = parse(response.text)
    text = page.body_text
    assert page.one("h1").text == f"{info.code} {info.title}"
    assert_shows(text, info.summary, info.description, info.when, info.retry_note)
    for item in (*info.fix_client, *info.fix_server, *info.notes):
        assert text_of(item) in text
    labels = CATALOGUE.phrases(lang)["labels"]
    for fact in info.facts:
        assert fact.label in text
        assert text_of(fact.value) in text
    for ref in (*info.related, *info.confused_with):
        assert f"/{lang}/smtp/{ref.code}" in page.hrefs()
    for ref in info.confused_with:
        a, b = canonical_pair(info.code, ref.code)
        assert f"/{lang}/smtp/{a}-vs-{b}" in page.hrefs()
        if ref.note:
            assert text_of(ref.note) in text
    for link in info.sources:
        if link.url:
            assert link.url in page.hrefs()
        assert link.label in text
    for example in info.examples:
        for line in example.splitlines():
            assert str(escape(line.strip())) in response.text
    if info.registry is not None:
        assert labels["registry"] in text
        assert text_of(info.registry.description) in text


def test_registry_and_vendor_uses_side_by_side(web):
    code = next(c for c in CATALOGUE.vendor_codes() if code_info(c, "en").registry)
    info = code_info(code, "en")
    page = parse(web.get(f"/en/smtp/{code}").text)
    cards = [e.text for e in page.all("section", class_="card")]
    assert any(text_of(info.registry.description) in card for card in cards)
    for use in info.vendor:
        card = next(c for c in cards if use.provider in c and text_of(use.title) in c)
        assert text_of(use.summary) in card
        for item in use.fix_client:
            assert text_of(item) in card


def test_vendor_only_code_has_a_page(web):
    for code in CATALOGUE.vendor_codes()[:5]:
        response = web.get(f"/th/smtp/{code}")
        assert response.status_code == 200, code
        assert code_info(code, "th").title in parse(response.text).one("h1").text


def test_recorded_transcript_is_shown_with_its_date(web, web_app):
    """Rendered through the app's own page builder with a recorded session attached."""
    transcript = TranscriptView(
        scenario="auth-bad-password",
        probe_command="smtpcodes probe 127.0.0.1:2525 --auth user:<redacted>",
        swaks_command="swaks --server 127.0.0.1:2525 --auth-user user",
        recorded="2026-03-14",
        lines=(
            "<-  220 sandbox ESMTP",
            " -> AUTH PLAIN <redacted>",
            "<** 535 5.7.8 Bad credentials",
        ),
    )
    pages = web_app.state.pages
    for lang, year in (("en", "2026"), ("th", "2569")):
        info = replace(code_info("535", lang), transcript=transcript)
        request = Request(
            {
                "type": "http",
                "method": "GET",
                "path": f"/{lang}/smtp/535",
                "headers": [],
                "query_string": b"",
                "scheme": "https",
                "server": ("smtp.example.org", 443),
            }
        )
        response = pages.code_page(request, lang, info)
        body = response.body.decode()
        page = parse(body)
        assert CATALOGUE.phrases(lang)["labels"]["transcript"] in page.body_text
        for line in transcript.lines:
            assert str(escape(line)) in body
        assert str(escape(transcript.probe_command)) in body
        assert year in page.one("time").text
        assert page.one("time").attrs["datetime"] == "2026-03-14"


@pytest.mark.parametrize(
    ("code", "members"),
    [("5xx", "5"), ("4xx", "4"), ("X.7.X", "X.7."), ("5.X.X", "5.")],
)
def test_class_and_subject_pages_list_their_codes(web, code, members):
    response = web.get(f"/en/smtp/{code}")
    assert response.status_code == 200
    page = parse(response.text)
    listed = [h for h in page.hrefs() if h.startswith("/en/smtp/") and h != f"/en/smtp/{code}"]
    expected = class_members(code)
    assert expected
    assert all(c.startswith(members) for c in expected)
    for member in expected:
        assert f"/en/smtp/{member}" in listed
    assert "noindex" not in response.text


def test_unknown_but_valid_code_is_explained_by_its_class_with_404(web):
    response = web.get("/en/smtp/599")
    assert response.status_code == 404
    page = parse(response.text)
    info = code_info("599", "en")
    assert not info.known
    assert CATALOGUE.phrases("en")["class_meaning"]["5"] in page.body_text
    assert page.one("meta", name="robots").attrs["content"] == "noindex"
    assert "/en/smtp/5xx" in page.hrefs()
    assert web.get("/th/smtp/5.9.123").status_code == 404


@pytest.mark.parametrize("bad", ["abc", "55", "5555", "6.1.1", "5.1000.1", "1xx", "X.9.X", "9xx"])
def test_malformed_code_gets_404_saying_what_a_code_looks_like(web, bad):
    response = web.get(f"/en/smtp/{bad}")
    assert response.status_code == 404
    page = parse(response.text)
    assert f"“{bad}” is not an SMTP reply code" in page.one("h1").text
    for example in ("/en/smtp/550", "/en/smtp/5.7.8", "/en/smtp/5xx"):
        assert example in page.hrefs()


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        ("x.7.8", "X.7.8"),
        ("5XX", "5xx"),
        ("x.7.x", "X.7.X"),
        ("5.07.8", "5.7.8"),
        ("535-vs-354", "354-vs-535"),
        ("5.7.8-vs-535", "535-vs-5.7.8"),
        ("X.7.8-vs-530", "530-vs-X.7.8"),
    ],
)
def test_non_canonical_addresses_301_to_the_canonical_one(web, given, canonical):
    response = web.get(f"/th/smtp/{given}")
    assert response.status_code == 301
    assert response.headers["location"] == f"/th/smtp/{canonical}"
    assert web.get(response.headers["location"]).status_code == 200


@pytest.mark.parametrize(
    ("given", "target"),
    [
        ("/en", "/en/"),
        ("/th/smtp/535/", "/th/smtp/535"),
        ("/en/explain/", "/en/explain"),
        ("/en/smtp/", "/en/smtp"),
        ("/en/search/", "/en/search"),
    ],
)
def test_one_form_per_page_308(web, given, target):
    response = web.get(given)
    assert response.status_code == 308
    assert response.headers["location"] == target


# -- comparisons ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "th"])
@pytest.mark.parametrize("pair", [("354", "535"), ("450", "550"), ("530", "535")])
def test_comparison_shows_everything_compare_gives(web, lang, pair):
    comp = compare(*pair, lang)
    response = web.get(f"/{lang}/smtp/{pair[0]}-vs-{pair[1]}")
    assert response.status_code == 200
    page = parse(response.text)
    text = page.body_text
    assert page.one("h1").text == text_of(comp.title)
    assert text_of(comp.intro) in text
    for info in (comp.a, comp.b):
        assert_shows(text, info.description, info.when)
        for item in (*info.fix_client, *info.fix_server):
            assert text_of(item) in text
    for item in (*comp.differences, *comp.shared):
        assert text_of(item.sentence) in text
    for sentence in comp.when_which:
        assert text_of(sentence) in text
    if comp.curated_note:
        assert_shows(text, comp.curated_note)
    rows = page.all("tr")
    for row in comp.table:
        assert any(row.label in r.text and text_of(row.a) in r.text for r in rows), row.key
    for link in comp.learn_more:
        assert link.url in page.hrefs()
    labels = CATALOGUE.phrases(lang)["labels"]
    assert labels["key_differences"] in text
    assert labels["learn_more"] in text


def test_curated_pairs_are_indexed_other_pairs_are_not(web):
    a, b = curated_pairs()[0]
    assert "noindex" not in web.get(f"/en/smtp/{a}-vs-{b}").text
    uncurated = canonical_pair("250", "556")
    assert not is_curated(*uncurated)
    response = web.get("/en/smtp/{}-vs-{}".format(*uncurated))
    assert response.status_code == 200
    assert parse(response.text).one("meta", name="robots").attrs["content"] == "noindex"


def test_comparison_with_an_unknown_code_is_404(web):
    response = web.get("/en/smtp/535-vs-599")
    assert response.status_code == 404
    assert "noindex" in response.text


def test_same_code_comparison_renders_one_side(web):
    response = web.get("/en/smtp/535-vs-535")
    assert response.status_code == 200
    comp = compare("535", "535", "en")
    assert text_of(comp.intro) in parse(response.text).body_text


@pytest.mark.parametrize("bad", ["535-vs-", "-vs-535", "535-vs-abc", "535-vs-535-vs-354"])
def test_malformed_comparison_is_404(web, bad):
    assert web.get(f"/en/smtp/{bad}").status_code == 404


# -- session diagram --------------------------------------------------------------------------


def test_diagram_is_embedded_on_code_and_comparison_pages(web):
    page = parse(web.get("/en/smtp/535").text)
    figure = page.all("figure", class_="diagram")
    assert figure
    assert page.all("svg")
    assert "535" in page.all("figure", class_="diagram")[0].text
    comparison = parse(web.get("/en/smtp/354-vs-535").text)
    caption = comparison.all("figcaption")[0].text
    assert "354" in caption
    assert "535" in caption


def test_diagram_gets_the_marks_and_language(web_with):
    seen = []

    def fake_svg(marks, lang):
        seen.append((tuple(marks), lang))
        return '<svg class="fake"><text>drawn</text></svg>'

    client = web_with(diagram=fake_svg)
    assert '<svg class="fake">' in client.get("/th/smtp/354-vs-535").text
    assert seen[-1] == ((("354", ("data",)), ("535", ("auth",))), "th")
    none = web_with(diagram=None).get("/en/smtp/535")
    assert "<figure" not in none.text
    assert none.status_code == 200


# -- explain ----------------------------------------------------------------------------------


def test_explain_form_get(web):
    response = web.get("/th/explain")
    assert response.status_code == 200
    page = parse(response.text)
    assert page.one("form", method="post", action="/th/explain")
    assert page.one("label", for_="text")


def post_explain(client, lang, text, **extra):
    return client.post(f"/{lang}/explain", data={"text": text, **extra})


@pytest.mark.parametrize("lang", ["en", "th"])
def test_explain_a_multiline_reply(web, lang):
    reply = (
        "550-5.1.1 The email account that you tried to reach does not exist.\r\n"
        "550 5.1.1 Please try double-checking the recipient's email address - gsmtp"
    )
    response = post_explain(web, lang, reply)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    page = parse(response.text)
    expl = smtpcodes.explain.explain(reply, lang)
    assert text_of(expl.headline) in page.body_text
    for info in (expl.basic, expl.enhanced):
        assert f"/{lang}/smtp/{info.code}" in page.hrefs()
        assert text_of(info.summary) in page.body_text
    assert page.one("textarea").text == text_of(reply)


def test_explain_several_replies_at_once(web):
    text = "250-mx.example.org\n250 SIZE 10240000\n550 5.7.1 relay denied\n"
    page = parse(post_explain(web, "en", text).text)
    headings = [h.text for h in page.all("h2") if h.attrs.get("id", "").startswith("r")]
    assert len(headings) == 2
    assert headings[0].startswith("250")
    assert headings[1].startswith("550 5.7.1")


def test_explain_a_bare_code(web):
    response = post_explain(web, "en", "535")
    assert response.status_code == 200
    assert code_info("535", "en").title in parse(response.text).body_text


def test_explain_findings_are_listed(web):
    expl = smtpcodes.explain.explain("550-5.1.1 first\r\n550 4.1.1 second", "en")
    response = post_explain(web, "en", "550-5.1.1 first\r\n550 4.1.1 second")
    assert expl.findings
    for note in expl.findings:
        assert text_of(note.message) in parse(response.text).body_text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "There is nothing to explain yet"),
        ("   \n ", "There is nothing to explain yet"),
        ("hello world", "A reply starts with a three-digit code"),
        ("6.1.1", "is not an SMTP reply code"),
        ("1 x", "A reply starts with a three-digit code"),
    ],
)
def test_explain_bad_input_says_what_was_expected(web, text, message):
    response = post_explain(web, "en", text)
    assert response.status_code == 422
    page = parse(response.text)
    alert = page.one("div", role="alert")
    assert message in alert.text
    assert page.one("textarea").attrs.get("aria-invalid") == "true"


def test_explain_bad_input_in_thai(web):
    response = post_explain(web, "th", "hello")
    assert response.status_code == 422
    alert = parse(response.text).one("div", role="alert").text
    assert "คำตอบ SMTP" in alert
    assert "three-digit" not in alert


def test_explain_form_encoding_errors(web):
    multipart = web.post("/en/explain", files={"text": ("a.txt", b"250 OK")})
    assert multipart.status_code == 415
    bad_utf8 = web.post(
        "/en/explain",
        content=b"text=%ff%fe",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert bad_utf8.status_code == 400
    assert 'role="alert"' in bad_utf8.text


def test_redact_checkbox(web_with):
    def fake_redact(text: str) -> str:
        return text.replace("alice@example.org", "<address>")

    client = web_with(redact=fake_redact)
    assert 'name="redact"' in client.get("/en/explain").text
    response = post_explain(client, "en", "550 5.1.1 <alice@example.org> unknown", redact="1")
    assert response.status_code == 200
    assert "alice@example.org" not in response.text
    assert "&lt;address&gt;" in response.text
    kept = post_explain(client, "en", "550 5.1.1 <alice@example.org> unknown")
    assert "alice@example.org" in kept.text


def test_without_redaction_the_checkbox_is_absent_and_secrets_not_echoed(web_with):
    client = web_with(redact=None)
    assert 'name="redact"' not in client.get("/en/explain").text
    response = post_explain(client, "en", "535 5.7.8 AUTH PLAIN c2VjcmV0", redact="1")
    assert response.status_code == 422
    assert "c2VjcmV0" not in response.text


def test_redact_checkbox_with_the_library_redact(web):
    text = "550 5.1.1 <alice@example.org>: Recipient address rejected"
    redacted = smtpcodes.explain.redact(text)
    response = post_explain(web, "en", text, redact="1")
    assert response.status_code == 200
    assert parse(response.text).one("textarea").text == text_of(redacted)


# -- search -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "query"), [("en", "mailbox full"), ("th", "รหัสผ่าน"), ("en", "autentication")]
)
def test_search_finds_codes(web, lang, query):
    from smtpcodes.search import search

    response = web.get(f"/{lang}/search", params={"q": query})
    assert response.status_code == 200
    page = parse(response.text)
    hits = search(query, lang, 20)
    assert hits
    results = page.one("ol", class_="hits")
    for hit in hits:
        assert f"/{lang}/smtp/{hit.code}" in page.hrefs()
        assert text_of(hit.title) in results.text
    assert page.one("meta", name="robots").attrs["content"] == "noindex"
    assert page.one("input", name="q").attrs["value"] == query


def test_search_marks_matches(web):
    response = web.get("/en/search", params={"q": "mailbox"})
    assert "<mark>Mailbox</mark>" in response.text or "<mark>mailbox</mark>" in response.text


def test_search_offers_the_code_itself(web):
    page = parse(web.get("/en/search", params={"q": "5.7.8"}).text)
    notice = page.all("p", class_="notice")[0]
    assert "5.7.8" in notice.text
    assert "/en/smtp/5.7.8" in page.hrefs()


def test_search_page_renders_injected_hits_escaped(web_with):
    from smtpcodes.search import SearchHit

    def fake(query, lang, limit):
        return [SearchHit("550", "basic", "<b>bold</b> title", "snippet <i>x</i>", 99.0)]

    client = web_with(search=fake, highlight=None)
    text = client.get("/en/search", params={"q": "x"}).text
    assert "&lt;b&gt;bold&lt;/b&gt;" in text
    assert "<b>bold</b>" not in text


def test_search_without_an_index_fails_clearly(web_with):
    client = web_with(search=None)
    response = client.get("/en/search", params={"q": "mailbox"})
    assert response.status_code == 503
    assert "Search is not available" in parse(response.text).one("div", role="alert").text
    empty = client.get("/en/search")
    assert empty.status_code == 200


def test_empty_search_shows_the_form(web):
    response = web.get("/en/search")
    assert response.status_code == 200
    assert parse(response.text).one("form", role="search")


# -- errors -----------------------------------------------------------------------------------


def test_unknown_page_under_a_language_is_404_in_that_language(web):
    response = web.get("/th/no-such-page")
    assert response.status_code == 404
    page = parse(response.text)
    assert page.one("html").attrs["lang"] == "th"
    assert "ไม่พบหน้านี้" in page.one("h1").text


def test_wrong_method_on_a_page(web):
    response = web.post("/en/smtp/535")
    assert response.status_code == 405


def test_server_error_page_has_no_traceback(web_with):
    def broken(marks, lang):
        raise RuntimeError("secret internals")

    client = web_with(raise_server_exceptions=False, diagram=broken)
    response = client.get("/en/smtp/535")
    assert response.status_code == 500
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    assert 'lang="th"' in response.text
