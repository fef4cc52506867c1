"""The shape of the site: which pages exist, their addresses, alternates and links.

Pure functions over the catalogue; no requests, no templates.  ``smtpcodes build-site``
and the sitemap both take the page list from here, so they cannot disagree.

Addresses (ecosystem-notes B17)::

    /{lang}/                 home          /{lang}/smtp             every code
    /{lang}/smtp/535         basic code    /{lang}/smtp/5.7.8       enhanced code
    /{lang}/smtp/5xx         class         /{lang}/smtp/X.7.X       subject
    /{lang}/smtp/354-vs-535  comparison (ascending is canonical)
    /{lang}/explain          explain form  /{lang}/search?q=        search
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from markupsafe import Markup, escape

from smtpcodes._record import record
from smtpcodes.catalogue import Kind, load_catalogue
from smtpcodes.explain import canonical_pair, sort_key

#: ``hreflang`` of the version shown when no language matches (Google: "x-default").
X_DEFAULT = "x-default"
PAIR_SEPARATOR = "-vs-"

#: Tails of pages that exist in every language, for the language switch and the
#: "this page in another language" offer.  Anything else falls back to the home page.
_PAGE_TAIL = re.compile(r"/(?:smtp(?:/[0-9A-Za-z.\-]{1,40})?|explain|search)?")

# A code inside prose: 550, 5.7.8, X.7.8, 5xx, X.7.X.  Not inside a longer number, a
# version (1.5.0.1), a URL path or a word (RFC 5321 section 4.2 grammar, loosely).
_CODE_IN_TEXT = re.compile(
    r"(?<![\w./-])([1-5]\d\d|[245Xx]\.\d{1,3}\.\d{1,3}|[2-5]xx|X\.\d\.X|[245]\.X\.X)(?![\w/-]|\.\d)"
)


@record
class Alternate:
    hreflang: str
    href: str


def code_tail(code: str) -> str:
    return f"/smtp/{code}"


def pair_tail(a: str, b: str) -> str:
    return f"/smtp/{a}{PAIR_SEPARATOR}{b}"


def is_page_tail(tail: str) -> bool:
    return _PAGE_TAIL.fullmatch(tail) is not None


def alternates(
    origin: str, tail: str, languages: Iterable[str], query: str = ""
) -> tuple[Alternate, ...]:
    """Every language version, itself included, plus ``x-default`` (English; the home
    page's x-default is ``/``, which picks a language by Accept-Language)."""
    langs = tuple(languages)
    suffix = f"?{query}" if query else ""
    out = [Alternate(lang, f"{origin}/{lang}{tail}{suffix}") for lang in langs]
    default = f"{origin}/" if tail == "/" else f"{origin}/{langs[0]}{tail}{suffix}"
    out.append(Alternate(X_DEFAULT, default))
    return tuple(out)


@cache
def curated_pairs() -> tuple[tuple[str, str], ...]:
    """Comparisons with a hand-written note, canonical order: the catalogue's curated pairs
    first, then every ``confused_with`` of an entry (``compare()`` shows its note too).

    These are the comparison pages in the sitemap and in a static build; any other pair
    still renders, with ``noindex``.
    """
    catalogue = load_catalogue()
    seen: dict[tuple[str, str], None] = {}
    for pair in catalogue.pairs():
        seen[canonical_pair(pair.a, pair.b)] = None
    more: set[tuple[str, str]] = set()
    for entry in catalogue.entries():
        for confusion in entry.confused_with:
            if catalogue.find(confusion.code) is None and not catalogue.vendor_uses(confusion.code):
                continue
            a, b = canonical_pair(entry.code, confusion.code)
            if a != b and (a, b) not in seen:
                more.add((a, b))
    for key in sorted(more, key=lambda p: (sort_key(p[0]), sort_key(p[1]))):
        seen[key] = None
    return tuple(seen)


def is_curated(a: str, b: str) -> bool:
    return canonical_pair(a, b) in _curated_set()


@cache
def _curated_set() -> frozenset[tuple[str, str]]:
    return frozenset(curated_pairs())


def _is_class_key(code: str) -> bool:
    return code.endswith(("xx", ".X"))


@cache
def basic_codes() -> tuple[str, ...]:
    """Every basic code with its own entry (not the 5xx class entries)."""
    return tuple(c for c in load_catalogue().codes(Kind.BASIC) if c.isdigit())


@cache
def enhanced_codes() -> tuple[str, ...]:
    """Every generic enhanced code with its own entry: X.7.8, not X.7.X or 5.X.X."""
    return tuple(c for c in load_catalogue().codes(Kind.ENHANCED) if not _is_class_key(c))


def _classes_of(generic: str) -> tuple[str, ...]:
    entry = load_catalogue().find(generic)
    return entry.classes if entry is not None and entry.classes else ()


@cache
def enhanced_variants() -> tuple[str, ...]:
    """The class-specific forms people meet in replies: 5.7.8 for X.7.8 (meaningful classes
    only, RFC 3463 section 3 and the IANA registry), plus provider-only codes."""
    out = [f"{klass}{g[1:]}" for g in enhanced_codes() for klass in _classes_of(g)]
    out += load_catalogue().vendor_codes()
    return tuple(sorted(dict.fromkeys(out), key=sort_key))


#: Class and subject pages (RFC 5321 section 4.2.1, RFC 3463 sections 3.1 and 3.2).
BASIC_CLASSES = ("2xx", "3xx", "4xx", "5xx")
ENHANCED_CLASSES = ("2.X.X", "4.X.X", "5.X.X")
SUBJECTS = tuple(f"X.{s}.X" for s in range(8))


@cache
def class_members(code: str) -> tuple[str, ...]:
    """The codes a class or subject page lists: 5xx -> 500 ... 556; X.7.X -> X.7.0 ...;
    5.X.X -> 5.1.1 ... (the enhanced codes meaningful in class 5)."""
    if code.endswith("xx"):
        return tuple(c for c in basic_codes() if c[0] == code[0])
    if code.startswith("X.") and code.endswith(".X"):
        subject = code.split(".")[1]
        return tuple(c for c in enhanced_codes() if c.split(".")[1] == subject)
    if code.endswith(".X.X"):
        klass = code[0]
        return tuple(
            f"{klass}{g[1:]}" for g in enhanced_codes() if klass in (_classes_of(g) or (klass,))
        )
    return ()


@cache
def sitemap_tails() -> tuple[str, ...]:
    """Every indexable page, as a tail after ``/{lang}``; each exists in every language.

    Home, the code list, class and subject pages, every basic and enhanced code (generic
    and class-specific) and every curated comparison.  Search and explain are forms.
    """
    tails = ["/", "/smtp"]
    tails += [code_tail(c) for c in (*BASIC_CLASSES, *ENHANCED_CLASSES, *SUBJECTS)]
    tails += [code_tail(c) for c in basic_codes()]
    tails += [code_tail(c) for c in enhanced_codes()]
    tails += [code_tail(c) for c in enhanced_variants()]
    tails += [pair_tail(a, b) for a, b in curated_pairs()]
    return tuple(dict.fromkeys(tails))


@cache
def _linkable() -> frozenset[str]:
    pages = (*basic_codes(), *enhanced_codes(), *enhanced_variants())
    return frozenset((*pages, *BASIC_CLASSES, *ENHANCED_CLASSES, *SUBJECTS))


def linkify(text: str, lang: str, current: str = "") -> Markup:
    """Escape ``text`` and link every code in it that has a page, except ``current``."""
    linkable = _linkable()
    out: list[str] = []
    last = 0
    for match in _CODE_IN_TEXT.finditer(text):
        code = match.group(1)
        if "." in code:
            code = code.upper()  # x.7.8 -> X.7.8
        if code == current or code not in linkable:
            continue
        out.append(str(escape(text[last : match.start()])))
        out.append(f'<a href="/{lang}{code_tail(code)}">{escape(match.group(1))}</a>')
        last = match.end()
    out.append(str(escape(text[last:])))
    return trusted("".join(out))


def trusted(html: str) -> Markup:
    """Mark HTML as safe: only for what we built from escaped pieces or rendered from our
    own templates and modules (the session SVG, a partial page)."""
    return Markup(html)  # noqa: S704 - every caller passes escaped or self-rendered HTML
