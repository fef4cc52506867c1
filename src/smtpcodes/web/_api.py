"""The JSON API under ``/api/v1``: the same documents as the CLI's ``--json``.

    GET  /api/v1/codes?kind=&lang=        smtpcodes/code-list@1
    GET  /api/v1/codes/{code}?lang=       smtpcodes/code@1
    GET  /api/v1/compare?a=&b=&lang=      smtpcodes/comparison@1
    POST /api/v1/explain                  smtpcodes/explanation@1   {"text": "...", "lang": "en"}
    GET  /api/v1/search?q=&lang=&limit=   smtpcodes/search@1

Errors are RFC 9457 problem details.  (No ``from __future__ import annotations`` here:
FastAPI reads the parameter annotations at run time.)
"""

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from smtpcodes._errors import CodeSyntaxError, ReplyParseError
from smtpcodes.catalogue import load_catalogue
from smtpcodes.explain import (
    code_info,
    compare,
    document,
    dumps,
    explain,
    normalize_code,
    redact_explanation,
)
from smtpcodes.web._pages import RedactFn, SearchFn, shorten
from smtpcodes.web._problem import Problems
from smtpcodes.web._settings import Settings
from smtpcodes.web._site import basic_codes, enhanced_codes

PREFIX = "/api/v1"
LANGUAGES = load_catalogue().languages
LANG_PATTERN = "^(" + "|".join(LANGUAGES) + ")$"
#: What the path and query accept; RFC 5321 section 4.2 (three digits), RFC 3463 section 2
#: (class.subject.detail, subject and detail of 1 to 3 digits), classes 5xx, 5.X.X, X.7.X.
#: The OpenAPI document carries it, so generated clients and schemathesis respect it.
CODE_PATTERN = (
    r"^(?:[1-5][0-9]{2}|[245xX]\.[0-9]{1,3}\.[0-9]{1,3}|[2-5][xX]{2}"
    r"|[245]\.[xX]\.[xX]|[xX]\.[0-7]\.[xX])$"
)
MAX_QUERY = 200
JSON = "application/json"

Lang = Annotated[str, Query(pattern=LANG_PATTERN)]
Code = Annotated[str, Query(pattern=CODE_PATTERN)]


class ExplainRequest(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``{"text": "550 5.1.1 no such user", "lang": "en", "redact": false}``"""

    text: Annotated[str, msgspec.Meta(min_length=1, pattern=r"\S")]
    lang: Annotated[str, msgspec.Meta(pattern=LANG_PATTERN)] = "en"
    redact: bool = False


def request_language(request: Request) -> str:
    """The language an API error answers in: ``?lang=`` when valid, else English."""
    lang = request.query_params.get("lang", "")
    return lang if lang in LANGUAGES else LANGUAGES[0]


class Api:
    def __init__(
        self,
        *,
        settings: Settings,
        problems: Problems,
        search: SearchFn | None,
        redact: RedactFn | None,
    ) -> None:
        self.problems = problems
        self.search_fn = search
        self.redact_fn = redact
        self.public = f"public, max-age={settings.max_age}"

    def router(self) -> APIRouter:
        router = APIRouter(prefix=PREFIX)
        get: dict[str, Any] = {"methods": ["GET"], "response_model": None}
        router.add_api_route("/codes", self.codes, operation_id="listCodes", **get)
        router.add_api_route("/codes/{code}", self.code, operation_id="getCode", **get)
        router.add_api_route("/compare", self.compare, operation_id="compareCodes", **get)
        router.add_api_route(
            "/explain",
            self.explain,
            methods=["POST"],
            response_model=None,
            operation_id="explainReply",
            openapi_extra={
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": {"$ref": "#/components/schemas/ExplainRequest"}}},
                }
            },
        )
        router.add_api_route("/search", self.search, operation_id="search", **get)
        return router

    def _json(self, name: str, value: Any, lang: str, *, cache: bool = True) -> Response:
        return Response(
            dumps(name, value, indent=None).encode("utf-8"),
            media_type=JSON,
            headers={
                "Cache-Control": self.public if cache else "no-store",
                "Content-Language": lang,
                "Access-Control-Allow-Origin": "*",
            },
        )

    def _problem(
        self, request: Request, status: int, kind: str, lang: str, **extra: Any
    ) -> Response:
        values = extra.pop("values", None)
        return self.problems.response(
            status, kind, lang=lang, instance=request.url.path, values=values, extra=extra
        )

    async def codes(
        self,
        kind: Annotated[str | None, Query(pattern="^(basic|enhanced)$")] = None,
        lang: Lang = "en",
    ) -> Response:
        if kind == "basic":
            codes = basic_codes()
        elif kind == "enhanced":
            codes = enhanced_codes()
        else:
            codes = (*basic_codes(), *enhanced_codes())
        return self._json("code-list", [code_info(c, lang) for c in codes], lang)

    async def code(
        self,
        request: Request,
        code: Annotated[str, Path(pattern=CODE_PATTERN)],
        lang: Lang = "en",
    ) -> Response:
        try:
            info = code_info(normalize_code(code), lang)
        except (CodeSyntaxError, KeyError):
            return self._problem(request, 400, "bad-code", lang, values={"text": shorten(code)})
        if not (info.known or info.kind == "class"):
            return self._problem(
                request,
                404,
                "unknown-code",
                lang,
                values={"code": info.code},
                info=document("code", info),
            )
        return self._json("code", info, lang)

    async def compare(self, request: Request, a: Code, b: Code, lang: Lang = "en") -> Response:
        try:
            comparison = compare(normalize_code(a), normalize_code(b), lang)
        except (CodeSyntaxError, KeyError):
            return self._problem(
                request, 400, "bad-code", lang, values={"text": shorten(f"{a} {b}")}
            )
        unknown = [
            i.code for i in (comparison.a, comparison.b) if not (i.known or i.kind == "class")
        ]
        if unknown:
            return self._problem(
                request,
                404,
                "unknown-code",
                lang,
                values={"code": ", ".join(unknown)},
                comparison=document("comparison", comparison),
            )
        return self._json("comparison", comparison, lang)

    async def explain(self, request: Request) -> Response:
        lang = request_language(request)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != JSON:
            return self._problem(request, 415, "unsupported-media-type", lang)
        try:
            body = msgspec.json.decode(await request.body(), type=ExplainRequest)
        except msgspec.ValidationError as exc:
            return self._problem(request, 422, "invalid-request", lang, errors=[str(exc)])
        except msgspec.DecodeError as exc:
            return self._problem(request, 400, "bad-json", lang, errors=[str(exc)])
        lang = body.lang
        text = body.text
        if body.redact and self.redact_fn is None:
            # 422, not 503: the request can be sent again without "redact"
            return self._problem(request, 422, "redact-unavailable", lang)
        try:
            # classify first, redact after: host names often identify the provider
            explanation = explain(text, lang)
            if body.redact:
                explanation = redact_explanation(explanation)
        except CodeSyntaxError as exc:
            return self._problem(
                request,
                422,
                "bad-code",
                lang,
                values={"text": shorten(exc.text)},
                errors=[str(exc)],
            )
        except ReplyParseError as exc:
            return self._problem(
                request, 422, "not-a-reply", lang, values={"line": exc.line}, errors=[str(exc)]
            )
        except KeyError:  # a 1xx reply: the catalogue's phrases have no class 1
            return self._problem(request, 422, "not-a-reply", lang, values={"line": None})
        return self._json("explanation", explanation, lang, cache=False)

    async def search(
        self,
        request: Request,
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY)],
        lang: Lang = "en",
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> Response:
        if self.search_fn is None:
            return self._problem(request, 503, "search-unavailable", lang)
        return self._json("search", list(self.search_fn(q, lang, limit)), lang)
