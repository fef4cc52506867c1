"""The HTML pages: server-rendered, usable without JavaScript, in every catalogue language.

Handlers are Starlette-style (``Request`` in, ``Response`` out) and only call the library;
the templates hold every sentence, through gettext or the catalogue's phrases.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Sequence
from typing import Any

from markupsafe import Markup, escape
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from smtpcodes._errors import CodeSyntaxError, ReplyParseError, SmtpcodesError
from smtpcodes._record import record
from smtpcodes.catalogue import load_catalogue
from smtpcodes.explain import (
    CodeInfo,
    Explanation,
    canonical_pair,
    code_info,
    compare,
    explain,
    explain_reply,
    normalize_code,
    redact_explanation,
    verdict_labels,
)
from smtpcodes.i18n import negotiate
from smtpcodes.protocol import parse_replies
from smtpcodes.web._i18n import Interface
from smtpcodes.web._settings import Settings
from smtpcodes.web._site import (
    BASIC_CLASSES,
    PAIR_SEPARATOR,
    SUBJECTS,
    alternates,
    basic_codes,
    class_members,
    code_tail,
    curated_pairs,
    enhanced_codes,
    is_curated,
    is_page_tail,
    pair_tail,
    sitemap_tails,
    trusted,
)

SearchFn = Callable[[str, str, int], Sequence[Any]]
HighlightFn = Callable[[str, str], Sequence[tuple[str, bool]]]
RedactFn = Callable[[str], str]
#: ``session_svg(marks, lang)``: marks are ``(code, stages)`` pairs
DiagramFn = Callable[[Sequence[tuple[str, tuple[str, ...]]], str], str]

#: A pasted log can hold many replies; past this many the rest is left out (and said so).
MAX_REPLIES = 50
SEARCH_LIMIT = 20
#: Echoed input (a malformed code, a query) is cut to this many characters.
MAX_ECHO = 80
POPULAR_PAIRS = 16
_FORM = "application/x-www-form-urlencoded"


class NoSuchLanguage(Exception):
    """The first path segment is not a language we serve (``/fr/smtp/535``)."""

    def __init__(self, prefix: str, tail: str = "/") -> None:
        super().__init__(prefix)
        self.prefix = prefix
        self.tail = tail


@record
class LanguageLink:
    lang: str
    name: str
    href: str
    current: bool


@record
class ClassCard:
    code: str
    digit: str
    name: str
    short: str
    meaning: str
    count: int


@record
class PairLink:
    a: CodeInfo
    b: CodeInfo
    href: str


@record
class Group:
    code: str  #: the class or subject page: "5xx", "X.7.X"
    name: str
    members: tuple[CodeInfo, ...]


def shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_ECHO else text[: MAX_ECHO - 1] + "…"


class Pages:
    def __init__(
        self,
        *,
        settings: Settings,
        templates: Jinja2Templates,
        interface: Interface,
        css: str,
        search: SearchFn | None,
        highlight: HighlightFn | None,
        redact: RedactFn | None,
        diagram: DiagramFn | None,
    ) -> None:
        self.settings = settings
        self.templates = templates
        self.interface = interface
        self.css = trusted(css)
        self.search_fn = search
        self.highlight_fn = highlight
        self.redact_fn = redact
        self.diagram_fn = diagram
        self.catalogue = load_catalogue()
        self.languages = self.catalogue.languages
        self.public = f"public, max-age={settings.max_age}"

    def routes(self) -> list[Route]:
        return [
            Route("/", self.root, methods=["GET"]),
            Route("/robots.txt", self.robots, methods=["GET"]),
            Route("/sitemap.xml", self.sitemap, methods=["GET"]),
            Route("/{lang}", self.lang_root, methods=["GET"]),
            Route("/{lang}/", self.home, methods=["GET"]),
            Route("/{lang}/smtp", self.index, methods=["GET"]),
            Route("/{lang}/smtp/{slug}", self.code, methods=["GET"]),
            Route("/{lang}/explain", self.explain, methods=["GET", "POST"]),
            Route("/{lang}/search", self.search, methods=["GET"]),
            Route("/{lang}/{rest:path}", self.fallback, methods=["GET"]),
        ]

    # -- helpers ----------------------------------------------------------------------

    def origin(self, request: Request) -> str:
        if self.settings.base_url:
            return self.settings.base_url
        return f"{request.url.scheme}://{request.url.netloc}"

    def _lang(self, request: Request) -> str:
        lang: str = request.path_params["lang"]
        if lang not in self.languages:
            if lang == "api":
                raise HTTPException(404)
            raise NoSuchLanguage(lang, request.url.path[len(lang) + 1 :] or "/")
        return lang

    def context(self, request: Request, lang: str, tail: str, query: str = "") -> dict[str, Any]:
        origin = self.origin(request)
        suffix = f"?{query}" if query else ""
        return {
            "lang": lang,
            "labels": self.catalogue.phrases(lang)["labels"],
            "phrases": self.catalogue.phrases(lang),
            "origin": origin,
            "tail": tail,
            "canonical": f"{origin}/{lang}{tail}",
            "alternates": alternates(origin, tail, self.languages, query),
            "switch": [
                LanguageLink(
                    other,
                    self.catalogue.phrases(other)["name"],
                    f"/{other}{tail}{suffix}",
                    other == lang,
                )
                for other in self.languages
            ],
            "home": f"/{lang}/",
            "codes_url": f"/{lang}/smtp",
            "explain_url": f"/{lang}/explain",
            "search_url": f"/{lang}/search",
            "css": self.css,
            "noindex": False,
            "json_href": None,
            "can_redact": self.redact_fn is not None,
            "can_search": self.search_fn is not None,
        }

    def render(
        self,
        request: Request,
        lang: str,
        template: str,
        tail: str,
        *,
        status: int = 200,
        query: str = "",
        cache: bool = True,
        **values: Any,
    ) -> Response:
        context = self.context(request, lang, tail, query)
        context.update(values)
        if status != 200:
            context["noindex"] = True
        control = self.public if status == 200 and cache else ("no-cache" if cache else "no-store")
        headers = {"Content-Language": lang, "Cache-Control": control}
        with self.interface.using(lang):
            return self.templates.TemplateResponse(
                request, template, context, status_code=status, headers=headers
            )

    def redirect(self, location: str, status: int) -> Response:
        return RedirectResponse(location, status, headers={"Cache-Control": self.public})

    def diagram(self, marks: Sequence[tuple[str, tuple[str, ...]]], lang: str) -> Markup | None:
        if self.diagram_fn is None or not any(stages for _, stages in marks):
            return None
        return trusted(self.diagram_fn(marks, lang))

    # -- root, robots, sitemap --------------------------------------------------------

    async def root(self, request: Request) -> Response:
        """``/``: the visitor's language by Accept-Language (RFC 9110 section 12.5.4)."""
        lang = negotiate(request.headers.get("accept-language", ""), self.languages)
        return RedirectResponse(
            f"/{lang}/",
            302,
            headers={"Vary": "Accept-Language", "Cache-Control": self.public},
        )

    async def robots(self, request: Request) -> Response:
        body = self.templates.get_template("robots.txt").render(
            origin=self.origin(request), languages=self.languages
        )
        return Response(body, media_type="text/plain", headers={"Cache-Control": self.public})

    async def sitemap(self, request: Request) -> Response:
        origin = self.origin(request)
        pages = [(tail, alternates(origin, tail, self.languages)) for tail in sitemap_tails()]
        body = self.templates.get_template("sitemap.xml").render(
            origin=origin, pages=pages, languages=self.languages
        )
        return Response(body, media_type="application/xml", headers={"Cache-Control": self.public})

    # -- pages ------------------------------------------------------------------------

    async def lang_root(self, request: Request) -> Response:
        """``/en`` -> ``/en/`` (308: one form per page, ecosystem-notes B17)."""
        lang = self._lang(request)
        return self.redirect(f"/{lang}/", 308)

    async def home(self, request: Request) -> Response:
        lang = self._lang(request)
        phrases = self.catalogue.phrases(lang)
        classes = [
            ClassCard(
                code,
                code[0],
                phrases["class_name"][code[0]],
                phrases["class_short"].get(code[0], ""),
                phrases["class_meaning"].get(code[0], ""),
                len(class_members(code)),
            )
            for code in BASIC_CLASSES
        ]
        subjects = [
            ClassCard(code, code, phrases["subject"][code[2]], "", "", len(class_members(code)))
            for code in SUBJECTS
        ]
        pairs = [
            PairLink(code_info(a, lang), code_info(b, lang), f"/{lang}{pair_tail(a, b)}")
            for a, b in curated_pairs()[:POPULAR_PAIRS]
        ]
        return self.render(
            request, lang, "home.html", "/", classes=classes, subjects=subjects, pairs=pairs
        )

    async def index(self, request: Request) -> Response:
        """``/{lang}/smtp``: every code, grouped by class (basic) and subject (enhanced)."""
        lang = self._lang(request)
        phrases = self.catalogue.phrases(lang)
        basic: list[Group] = []
        for digit in sorted({c[0] for c in basic_codes()}):
            members = tuple(code_info(c, lang) for c in basic_codes() if c[0] == digit)
            basic.append(Group(f"{digit}xx", phrases["class_name"].get(digit, digit), members))
        enhanced: list[Group] = []
        for subject in sorted({c.split(".")[1] for c in enhanced_codes()}, key=int):
            members = tuple(
                code_info(c, lang) for c in enhanced_codes() if c.split(".")[1] == subject
            )
            name = phrases["subject"].get(subject) or phrases["subject"]["other"].format(
                subject=subject
            )
            enhanced.append(Group(f"X.{subject}.X", name, members))
        return self.render(request, lang, "index.html", "/smtp", basic=basic, enhanced=enhanced)

    async def code(self, request: Request) -> Response:
        lang = self._lang(request)
        slug: str = request.path_params["slug"]
        if PAIR_SEPARATOR in slug:
            return self._comparison(request, lang, slug)
        try:
            code = normalize_code(slug)
        except CodeSyntaxError:
            return self.bad_code(request, lang, slug)
        if code != slug:
            return self.redirect(f"/{lang}{code_tail(code)}", 301)
        try:
            info = code_info(code, lang)
        except KeyError:  # 1xx, X.9.X: well-formed, but nothing defines them (RFC 3463 3.1)
            return self.bad_code(request, lang, slug)
        return self.code_page(request, lang, info)

    def code_page(self, request: Request, lang: str, info: CodeInfo) -> Response:
        """The page of one code (or class): 200, or 404 for a code nobody defines."""
        members: tuple[CodeInfo, ...] = ()
        if info.kind == "class":
            members = tuple(code_info(c, lang) for c in class_members(info.code))
        found = info.known or info.kind == "class"
        return self.render(
            request,
            lang,
            "code.html",
            code_tail(info.code),
            status=200 if found else 404,
            info=info,
            members=members,
            diagram=self.diagram([(info.code, info.stages)], lang),
            json_href=f"/api/v1/codes/{info.code}?lang={lang}",
        )

    def _comparison(self, request: Request, lang: str, slug: str) -> Response:
        left, _, right = slug.partition(PAIR_SEPARATOR)
        try:
            a, b = normalize_code(left), normalize_code(right)
        except CodeSyntaxError:
            return self.bad_code(request, lang, slug)
        first, second = canonical_pair(a, b)
        if (left, right) != (first, second):
            return self.redirect(f"/{lang}{pair_tail(first, second)}", 301)
        try:
            comparison = compare(first, second, lang)
        except KeyError:
            return self.bad_code(request, lang, slug)
        found = all(i.known or i.kind == "class" for i in (comparison.a, comparison.b))
        marks = [(comparison.a.code, comparison.a.stages)]
        if not comparison.same:
            marks.append((comparison.b.code, comparison.b.stages))
        return self.render(
            request,
            lang,
            "compare.html",
            pair_tail(first, second),
            status=200 if found else 404,
            comp=comparison,
            noindex=not is_curated(first, second),
            diagram=self.diagram(marks, lang),
            json_href=f"/api/v1/compare?a={first}&b={second}&lang={lang}",
        )

    def bad_code(self, request: Request, lang: str, text: str) -> Response:
        """A malformed code: 404, and what a code looks like."""
        return self.render(
            request,
            lang,
            "bad_code.html",
            request.url.path[len(lang) + 1 :],
            status=404,
            text=shorten(text),
        )

    async def explain(self, request: Request) -> Response:
        lang = self._lang(request)
        if request.method == "GET":
            return self.render(request, lang, "explain.html", "/explain", text="")
        content_type = request.headers.get("content-type", _FORM).split(";")[0].strip().lower()
        if content_type != _FORM:
            return self.render(
                request,
                lang,
                "explain.html",
                "/explain",
                status=415,
                cache=False,
                text="",
                error="form-encoding",
            )
        try:
            fields = urllib.parse.parse_qs(
                (await request.body()).decode("utf-8"),
                keep_blank_values=True,
                max_num_fields=8,
                errors="strict",
            )
        except (UnicodeDecodeError, ValueError):
            return self.render(
                request,
                lang,
                "explain.html",
                "/explain",
                status=400,
                cache=False,
                text="",
                error="form-encoding",
            )
        text = fields.get("text", [""])[0]
        redact = fields.get("redact", [""])[0] in ("1", "on", "true", "yes")
        return self._explained(request, lang, text, redact)

    def _explained(self, request: Request, lang: str, text: str, redact: bool) -> Response:
        def page(status: int, **values: Any) -> Response:
            return self.render(
                request,
                lang,
                "explain.html",
                "/explain",
                status=status,
                cache=False,
                redact=redact,
                **values,
            )

        if redact and self.redact_fn is None:
            return page(422, text="", error="redact-unavailable")
        if not text.strip():
            return page(422, text=text, error="empty")
        # classify first, redact after: host names often identify the provider
        explanations, error, values = explain_many(text, lang)
        if redact and self.redact_fn is not None:
            text = self.redact_fn(text)
            explanations = [redact_explanation(e) for e in explanations]
            values = {k: self.redact_fn(v) if isinstance(v, str) else v for k, v in values.items()}
        if error:
            return page(422, text=text, error=error, error_values=values)
        return page(
            200,
            text=text,
            explanations=explanations[:MAX_REPLIES],
            verdict=verdict_labels(lang),
            truncated=len(explanations) > MAX_REPLIES,
            max_replies=MAX_REPLIES,
        )

    async def search(self, request: Request) -> Response:
        lang = self._lang(request)
        query = request.query_params.get("q", "")
        qs = urllib.parse.urlencode({"q": query}) if query else ""
        values: dict[str, Any] = {"q": query, "hits": None, "direct": None}
        if not query.strip():
            return self.render(request, lang, "search.html", "/search", **values)
        try:
            direct = code_info(normalize_code(query), lang)
            if direct.known or direct.kind == "class":
                values["direct"] = direct
        except (CodeSyntaxError, KeyError):
            pass
        if self.search_fn is None:
            return self.render(
                request,
                lang,
                "search.html",
                "/search",
                status=503,
                query=qs,
                cache=False,
                error="search-unavailable",
                **values,
            )
        try:
            hits = list(self.search_fn(query, lang, SEARCH_LIMIT))
        except SmtpcodesError:
            hits = []
        values["hits"] = hits
        values["marked"] = self._marker(query)
        return self.render(
            request, lang, "search.html", "/search", query=qs, noindex=True, **values
        )

    def _marker(self, query: str) -> Callable[[str], Markup]:
        highlight = self.highlight_fn

        def marked(text: str) -> Markup:
            if highlight is None:
                return trusted(str(escape(text)))
            return trusted(
                "".join(
                    f"<mark>{escape(part)}</mark>" if hit else str(escape(part))
                    for part, hit in highlight(text, query)
                )
            )

        return marked

    async def fallback(self, request: Request) -> Response:
        """Trailing slashes (308 to the one form) and unknown pages (404) under a language."""
        lang = self._lang(request)
        rest: str = request.path_params["rest"]
        stripped = rest.rstrip("/")
        if rest.endswith("/") and stripped and is_page_tail(f"/{stripped}"):
            return self.redirect(f"/{lang}/{stripped}", 308)
        raise HTTPException(404)

    # -- error pages ------------------------------------------------------------------

    def not_found(self, request: Request, lang: str, status: int = 404) -> Response:
        return self.render(request, lang, "not_found.html", "/", status=status, cache=False)

    def no_such_language(
        self, request: Request, exc: NoSuchLanguage, status: int = 404
    ) -> Response:
        """``/fr/...``: a 404 in every language we have, offering each of them."""
        tail = exc.tail if is_page_tail(exc.tail) else "/"
        offers = []
        for lang in self.languages:
            with self.interface.using(lang):
                offers.append(
                    trusted(
                        self.templates.get_template("_offer.html").render(
                            lang=lang,
                            href=f"/{lang}{tail}",
                            name=self.catalogue.phrases(lang)["name"],
                            prefix=shorten(exc.prefix),
                        )
                    )
                )
        lang = self.languages[0]
        context = self.context(request, lang, "/")
        context.update(offers=offers, noindex=True, alternates=(), canonical="")
        with self.interface.using(lang):
            return self.templates.TemplateResponse(
                request,
                "unknown_language.html",
                context,
                status_code=status,
                headers={"Cache-Control": "no-cache"},
            )


def explain_many(text: str, lang: str) -> tuple[list[Explanation], str, dict[str, Any]]:
    """Explain a code, a reply, or several replies pasted together (a transcript excerpt).

    Several complete replies are explained one by one; anything else goes to ``explain()``
    (which also finds a reply inside a log line).  Returns the explanations, or an error
    kind for the page and its values.
    """
    stripped = text.strip()
    try:
        replies = parse_replies(stripped)
    except ReplyParseError:
        replies = []
    try:
        if len(replies) > 1:
            return [explain_reply(reply, lang) for reply in replies[: MAX_REPLIES + 1]], "", {}
        return [explain(stripped, lang)], "", {}
    except CodeSyntaxError as exc:
        return [], "bad-code", {"text": shorten(exc.text)}
    except ReplyParseError as exc:
        return [], "not-a-reply", {"line": exc.line}
    except KeyError:  # a 1xx reply: the catalogue's phrases have no class 1
        return [], "not-a-reply", {"line": None}
