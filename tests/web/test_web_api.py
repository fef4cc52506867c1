"""The JSON API: the CLI's documents, problem details, ETags, limits."""

from __future__ import annotations

import json
from http import HTTPStatus

import pytest
from web_support import run_async

from smtpcodes._errors import ReplyParseError
from smtpcodes.catalogue import load_catalogue
from smtpcodes.explain import code_info
from smtpcodes.web._site import basic_codes, enhanced_codes

PROBLEM = "application/problem+json"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    assert body["detail"]
    assert body["title"]
    return body


# -- the same documents as the CLI's --json ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "argv"),
    [
        ("/api/v1/codes/535", ["show", "535"]),
        ("/api/v1/codes/5.7.8?lang=th", ["show", "5.7.8", "--lang", "th"]),
        ("/api/v1/codes/X.7.X", ["show", "X.7.X"]),
        ("/api/v1/compare?a=535&b=354", ["compare", "535", "354"]),
        ("/api/v1/compare?a=450&b=550&lang=th", ["compare", "450", "550", "--lang", "th"]),
        ("/api/v1/codes?kind=basic", ["list", "--kind", "basic"]),
    ],
)
def test_documents_equal_the_cli_json(web, run_cli, path, argv):
    response = web.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    cli = run_cli(*argv, "--json")
    assert cli.code == 0, cli.err
    assert response.json() == json.loads(cli.out)


def test_explain_equals_the_cli_json(web, run_cli):
    reply = "550-5.1.1 The email account that you tried to reach does not exist.\r\n550 5.1.1 gsmtp"
    response = web.post("/api/v1/explain", json={"text": reply, "lang": "th"})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    cli = run_cli("explain", "-", "--lang", "th", "--json", stdin=reply.encode())
    assert response.json() == json.loads(cli.out)
    assert response.json()["schema"] == "smtpcodes/explanation@1"


def test_code_list_kinds_and_language(web):
    both = web.get("/api/v1/codes").json()
    assert both["schema"] == "smtpcodes/code-list@1"
    assert [i["code"] for i in both["items"]] == [*basic_codes(), *enhanced_codes()]
    enhanced = web.get("/api/v1/codes?kind=enhanced&lang=th").json()["items"]
    assert [i["code"] for i in enhanced] == list(enhanced_codes())
    assert enhanced[0]["title"] == code_info(enhanced[0]["code"], "th").title
    assert all(i["lang"] == "th" for i in enhanced)


def test_code_is_normalised(web):
    body = web.get("/api/v1/codes/x.7.8").json()
    assert body["code"] == "X.7.8"
    assert body["schema"] == "smtpcodes/code@1"


def test_unknown_code_is_404_with_the_class_explanation(web):
    body = problem(web.get("/api/v1/codes/599?lang=th"), 404)
    assert body["type"].endswith("unknown-code")
    assert "599" in body["detail"]
    assert body["info"]["schema"] == "smtpcodes/code@1"
    assert body["info"]["known"] is False
    assert body["info"]["class_digit"] == 5
    assert body["instance"] == "/api/v1/codes/599"


def test_compare_with_an_unknown_code_is_404(web):
    body = problem(web.get("/api/v1/compare?a=535&b=599"), 404)
    assert body["comparison"]["schema"] == "smtpcodes/comparison@1"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/codes/abc",
        "/api/v1/codes/6.1.1",
        "/api/v1/codes/1xx",
        "/api/v1/codes/5555",
        "/api/v1/codes/535?lang=fr",
        "/api/v1/codes?kind=vendor",
        "/api/v1/compare?a=535",
        "/api/v1/compare?a=535&b=nope",
        "/api/v1/search",
        "/api/v1/search?q=x&limit=0",
        "/api/v1/search?q=x&limit=101",
        "/api/v1/search?q=" + "x" * 201,
    ],
)
def test_invalid_requests_are_422_problems(web, path):
    body = problem(web.get(path), 422)
    assert body["errors"]
    assert all("loc" in e for e in body["errors"])


def test_problem_language_follows_the_request(web):
    english = problem(web.get("/api/v1/codes/599"), 404)
    thai = problem(web.get("/api/v1/codes/599?lang=th"), 404)
    assert english["detail"] != thai["detail"]
    assert "ฐานข้อมูล" in thai["detail"]


def test_no_route_and_wrong_method(web):
    body = problem(web.get("/api/v1/nothing-here"), 404)
    assert body["type"] == "about:blank"
    assert body["title"] == "Not Found"
    assert problem(web.get("/api"), 404)["type"] == "about:blank"
    wrong = web.delete("/api/v1/codes/535")
    assert problem(wrong, 405)["title"] == "Method Not Allowed"
    assert "GET" in wrong.headers["allow"]
    assert problem(web.get("/api/v1/explain"), 405)


# -- POST /explain ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "status", "kind"),
    [
        (b'{"text": "550 5.1.1 x"', 400, "bad-json"),
        (b"\xff\xfe", 400, "bad-json"),
        (b'{"text": 550}', 422, "invalid-request"),
        (b'{"text": "550", "extra": 1}', 422, "invalid-request"),
        (b'{"text": "   "}', 422, "invalid-request"),
        (b'{"text": "550", "lang": "fr"}', 422, "invalid-request"),
        (b'{"text": "550", "redact": "yes"}', 422, "invalid-request"),
        (b"[]", 422, "invalid-request"),
        (b'{"text": "hello"}', 422, "not-a-reply"),
        (b'{"text": "6.1.1"}', 422, "bad-code"),
        (b'{"text": "1 x"}', 422, "not-a-reply"),
    ],
)
def test_explain_rejects_bad_bodies_with_problems(web, body, status, kind):
    response = web.post(
        "/api/v1/explain", content=body, headers={"content-type": "application/json"}
    )
    assert problem(response, status)["type"].endswith(kind)


def test_explain_needs_json(web):
    response = web.post(
        "/api/v1/explain", content=b"text=550", headers={"content-type": "text/plain"}
    )
    assert problem(response, 415)["type"] == "about:blank"


def test_explain_not_a_reply_carries_the_parser_reason(web):
    from smtpcodes.explain import explain

    text = "250-ok\nhello"
    with pytest.raises(ReplyParseError) as caught:
        explain(text)
    body = problem(web.post("/api/v1/explain", json={"text": text}), 422)
    assert body["errors"] == [str(caught.value)]
    if caught.value.line is not None:
        assert f"line {caught.value.line}" in body["detail"]


def test_explain_redaction(web_with):
    def fake(text: str) -> str:
        return text.replace("bob@example.org", "<address>")

    client = web_with(redact=fake)
    body = client.post(
        "/api/v1/explain", json={"text": "550 5.1.1 <bob@example.org> unknown", "redact": True}
    ).json()
    assert "bob@example.org" not in json.dumps(body)
    missing = web_with(redact=None).post("/api/v1/explain", json={"text": "535", "redact": True})
    assert problem(missing, 422)["type"].endswith("redact-unavailable")


LIMIT = 64 * 1024


def padded(size: int) -> bytes:
    head = b'{"text": "550 5.1.1 '
    tail = b'"}'
    return head + b"x" * (size - len(head) - len(tail)) + tail


def test_body_of_64_kib_is_accepted_one_byte_more_is_413(web):
    ok = web.post(
        "/api/v1/explain", content=padded(LIMIT), headers={"content-type": "application/json"}
    )
    assert ok.status_code == 200
    over = web.post(
        "/api/v1/explain", content=padded(LIMIT + 1), headers={"content-type": "application/json"}
    )
    body = problem(over, 413)
    assert body["type"] == "about:blank"
    assert body["title"] == HTTPStatus(413).phrase


def test_oversized_streamed_body_without_length_is_413(web):
    def chunks():
        for _ in range(100):
            yield b"x" * 4096

    response = web.post(
        "/api/v1/explain", content=chunks(), headers={"content-type": "application/json"}
    )
    problem(response, 413)


def test_oversized_length_is_refused_before_reading(web_app):
    """A Content-Length above the limit is answered without reading the body at all."""
    received = []

    async def receive():
        received.append(1)
        return {"type": "http.request", "body": b"", "more_body": False}

    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/explain",
        "raw_path": b"/api/v1/explain",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-length", b"999999999"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    run_async(lambda: web_app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert not received


# -- search -----------------------------------------------------------------------------------


def test_search_document(web):
    from smtpcodes.search import search

    body = web.get("/api/v1/search?q=mailbox%20full&lang=th&limit=5").json()
    assert body["schema"] == "smtpcodes/search@1"
    hits = search("mailbox full", "th", 5)
    assert [h["code"] for h in body["items"]] == [h.code for h in hits]
    assert set(body["items"][0]) == {"code", "kind", "title", "snippet", "score"}


def test_search_without_an_index_is_503(web_with):
    response = web_with(search=None).get("/api/v1/search?q=550")
    assert problem(response, 503)["type"].endswith("search-unavailable")


# -- caching ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/codes/535", "/en/smtp/535", "/sitemap.xml"])
def test_strong_etag_and_conditional_get(web, path):
    first = web.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('"')
    assert not etag.startswith("W/")
    assert first.headers["cache-control"].startswith("public, max-age=")
    again = web.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert "cache-control" in again.headers
    for header in (f"W/{etag}", f'"other", {etag}', "*"):
        assert web.get(path, headers={"if-none-match": header}).status_code == 304
    assert web.get(path, headers={"if-none-match": '"other"'}).status_code == 200


def test_etag_differs_by_content(web):
    english = web.get("/api/v1/codes/535").headers["etag"]
    thai = web.get("/api/v1/codes/535?lang=th").headers["etag"]
    assert english != thai


def test_head_is_get_without_a_body(web):
    get = web.get("/api/v1/codes/535")
    head = web.head("/api/v1/codes/535")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-length"] == str(len(get.content))


def test_errors_are_not_cached_publicly(web):
    assert web.get("/api/v1/codes/599").headers["cache-control"] == "no-store"
    assert "etag" not in web.get("/api/v1/codes/599").headers


def test_api_get_is_open_to_other_origins(web):
    assert web.get("/api/v1/codes/535").headers["access-control-allow-origin"] == "*"
    assert web.get("/api/v1/codes/535?lang=th").headers["content-language"] == "th"


def test_catalogue_languages_are_the_api_languages(web):
    for lang in load_catalogue().languages:
        assert web.get(f"/api/v1/codes/250?lang={lang}").status_code == 200


def test_server_error_is_a_problem_without_internals(web_with):
    def broken(query, lang, limit):
        raise RuntimeError("database password is hunter2")

    client = web_with(raise_server_exceptions=False, search=broken)
    response = client.get("/api/v1/search?q=550")
    body = problem(response, 500)
    assert "hunter2" not in response.text
    assert body["type"].endswith("server-error")
