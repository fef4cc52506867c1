"""``create_app()``: the website and the JSON API as one ASGI application.

FastAPI used in a Starlette style: HTML routes are plain Starlette routes (left out of the
OpenAPI document), the API is a FastAPI router; both only call the library.  Optional
collaborators (search, redaction, the session diagram) are injectable and looked up in
the library when not given, so the site runs, and says what it lacks, without them.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from typing import Any

import jinja2
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates
from starlette.types import Scope

from smtpcodes.catalogue import load_catalogue
from smtpcodes.explain import canonical_pair
from smtpcodes.i18n import active_language
from smtpcodes.web._api import PREFIX, Api, request_language
from smtpcodes.web._edge import Edge
from smtpcodes.web._i18n import Interface, local_date
from smtpcodes.web._openapi import build_openapi
from smtpcodes.web._pages import (
    DiagramFn,
    HighlightFn,
    NoSuchLanguage,
    Pages,
    RedactFn,
    SearchFn,
)
from smtpcodes.web._problem import Problems
from smtpcodes.web._settings import Settings
from smtpcodes.web._site import code_tail, linkify, pair_tail, trusted

#: "look it up in the library" (None means "this site has none")
DEFAULT: Any = object()


def _default_search() -> tuple[SearchFn | None, HighlightFn | None]:
    try:
        import smtpcodes.search as module
    except ImportError:
        return None, None
    return getattr(module, "search", None), getattr(module, "highlight", None)


def _default_redact() -> RedactFn | None:
    import smtpcodes.explain as module

    redact: RedactFn | None = getattr(module, "redact", None)
    return redact


def _default_diagram() -> DiagramFn | None:
    try:
        from smtpcodes.web._diagram import session_svg
    except ImportError:
        return None
    diagram: DiagramFn = session_svg
    return diagram


def catalogue_fingerprint() -> bytes:
    """What the ETags depend on besides the body: the compiled catalogue bundle."""
    load_catalogue()  # compiles the bundle when stale
    bundle = resources.files("smtpcodes.catalogue") / "_compiled" / "bundle.json"
    try:
        return hashlib.sha256(bundle.read_bytes()).digest()
    except OSError:  # a read-only install compiles in memory: fall back to the code list
        return hashlib.sha256(" ".join(load_catalogue().codes()).encode()).digest()


def _environment(interface: Interface) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("smtpcodes.web", "templates"),
        autoescape=jinja2.select_autoescape(("html", "xml")),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=interface.gettext, ngettext=interface.ngettext, newstyle=True
    )
    env.globals.update(
        link=lambda text, current="": linkify(text, active_language.get(), current),
        code_url=lambda code: f"/{active_language.get()}{code_tail(code)}",
        pair_url=lambda a, b: f"/{active_language.get()}{pair_tail(a, b)}",
        local_date=local_date,
        is_web_url=lambda url: url.startswith(("https://", "http://")),
        crumbs_ld=crumbs_ld,
        pair_of=canonical_pair,
    )
    return env


def crumbs_ld(crumbs: list[tuple[str, str]], origin: str) -> list[dict[str, Any]]:
    """schema.org ``ListItem``s of a BreadcrumbList, absolute addresses."""
    return [
        {"@type": "ListItem", "position": n, "name": str(name), "item": origin + href}
        for n, (name, href) in enumerate(crumbs, start=1)
    ]


def create_app(
    settings: Settings | None = None,
    *,
    search: SearchFn | None = DEFAULT,
    highlight: HighlightFn | None = DEFAULT,
    redact: RedactFn | None = DEFAULT,
    diagram: DiagramFn | None = DEFAULT,
) -> FastAPI:
    """The site: ``uvicorn.run(create_app())``, or ``smtpcodes serve``."""
    settings = settings or Settings()
    languages = load_catalogue().languages
    if search is DEFAULT or highlight is DEFAULT:
        found_search, found_highlight = _default_search()
        search = found_search if search is DEFAULT else search
        highlight = found_highlight if highlight is DEFAULT else highlight
    redact = _default_redact() if redact is DEFAULT else redact
    diagram = _default_diagram() if diagram is DEFAULT else diagram

    interface = Interface(languages)
    env = _environment(interface)
    templates = Jinja2Templates(env=env)
    css = (resources.files("smtpcodes.web") / "static" / "site.css").read_text("utf-8")
    problems = Problems(env, interface)
    pages = Pages(
        settings=settings,
        templates=templates,
        interface=interface,
        css=css,
        search=search,
        highlight=highlight,
        redact=redact,
        diagram=diagram,
    )
    api = Api(settings=settings, problems=problems, search=search, redact=redact)

    app = FastAPI(
        title="smtpcodes",
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        redirect_slashes=False,
    )
    app.state.pages = pages  # for tools that render a page directly (tests, build-site)
    api_router = api.router()
    app.include_router(api_router)
    api_routes = [r for r in api_router.routes if isinstance(r, APIRoute)]

    async def api_fallback(request: Request) -> Response:
        """Under /api nothing falls through to the pages: 405 (with Allow) or 404."""
        allowed = {
            method
            for route in api_routes
            if route.path_regex.match(request.url.path)
            for method in route.methods or ()
        }
        if allowed:
            allowed |= {"HEAD"} if "GET" in allowed else set()
            raise HTTPException(405, headers={"Allow": ", ".join(sorted(allowed))})
        raise HTTPException(404)

    every_method = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    app.router.routes.append(Route(f"{PREFIX}/{{rest:path}}", api_fallback, methods=every_method))
    app.router.routes.extend(pages.routes())
    app.openapi = lambda: build_openapi(app)  # type: ignore[method-assign]

    def is_api(request: Request) -> bool:
        return request.url.path == "/api" or request.url.path.startswith("/api/")

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)  # noqa: S101 - registered for it only
        path = request.url.path
        if is_api(request):
            kind = {404: "no-route", 405: "method-not-allowed"}.get(exc.status_code, "no-route")
            return problems.response(
                exc.status_code,
                kind,
                lang=request_language(request),
                instance=path,
                headers=dict(exc.headers or {}),
            )
        prefix, _, rest = path.lstrip("/").partition("/")
        if prefix in languages:
            response = pages.not_found(request, prefix, exc.status_code)
        else:
            response = pages.no_such_language(
                request, NoSuchLanguage(prefix, "/" + rest), exc.status_code
            )
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    async def invalid_request(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)  # noqa: S101 - registered for it only
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": e.get("type")}
            for e in exc.errors()
        ]
        return problems.response(
            422,
            "invalid-request",
            lang=request_language(request),
            instance=request.url.path,
            extra={"errors": errors},
        )

    async def no_such_language(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NoSuchLanguage)  # noqa: S101 - registered for it only
        return pages.no_such_language(request, exc)

    async def server_error(request: Request, exc: Exception) -> Response:
        """No traceback ever reaches the client; uvicorn logs it."""
        if is_api(request):
            return problems.response(
                500, "server-error", lang=request_language(request), instance=request.url.path
            )
        try:
            parts = []
            for lang in languages:
                with interface.using(lang):
                    name = load_catalogue().phrases(lang)["name"]
                    parts.append(
                        trusted(env.get_template("_error_part.html").render(lang=lang, name=name))
                    )
            body = env.get_template("error.html").render(
                css=pages.css, parts=parts, lang=languages[0]
            )
        except Exception:  # the error page itself failed: say only the status
            body = "500"
        return HTMLResponse(body, status_code=500, headers={"Cache-Control": "no-store"})

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(NoSuchLanguage, no_such_language)
    app.add_exception_handler(Exception, server_error)

    def too_large(scope: Scope) -> Response:
        request = Request(scope)
        if is_api(request):
            return problems.response(
                413,
                "too-large",
                lang=request_language(request),
                instance=request.url.path,
                values={"limit": settings.max_body},
            )
        prefix = request.url.path.lstrip("/").partition("/")[0]
        lang = prefix if prefix in languages else languages[0]
        return pages.render(
            request,
            lang,
            "explain.html",
            "/explain",
            status=413,
            cache=False,
            text="",
            error="too-large",
            error_values={"limit": settings.max_body // 1024},
        )

    app.add_middleware(
        Edge,
        fingerprint=catalogue_fingerprint(),
        too_large=too_large,
        max_body=settings.max_body,
        cache_entries=settings.cache_entries,
        cache_bytes=settings.cache_bytes,
    )
    return app


def app_from_environment() -> FastAPI:
    """Factory for ``smtpcodes serve --workers N``: each worker process builds its app,
    with the public origin from ``SMTPCODES_BASE_URL`` (set by the command)."""
    import os

    return create_app(Settings(base_url=os.environ.get("SMTPCODES_BASE_URL") or None))
