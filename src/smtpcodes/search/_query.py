"""Pure helpers: clean a query, split it into terms, quote terms for FTS5, cut snippets.

Nothing here touches SQLite; :mod:`smtpcodes.search._index` does.
"""

from __future__ import annotations

import re
import unicodedata

from smtpcodes._errors import CodeSyntaxError
from smtpcodes._record import record
from smtpcodes.explain import kind_of, normalize_code

#: Longer queries are cut: nobody types more, and a pasted log line keeps its start.
MAX_QUERY = 200
#: At most this many distinct terms take part in a search (each is one FTS5 lookup).
MAX_TERMS = 8
#: The trigram tokenizer cannot match fewer than three characters (SQLite FTS5, section 4.3.5).
TRIGRAM = 3
SNIPPET_WIDTH = 160

# Punctuation stripped from the edges of a term: '"535"', '(AUTH)', 'NEAR(' and '5.7.8.'
# become 535, AUTH, NEAR and 5.7.8.  Inside a term it stays ('e-mail', '5.7.8').
_EDGE = "\"'`()[]{}<>.,;:!?*^+-=|\\/~#$%&@“”‘’«»。、"
_BASIC_PREFIX = re.compile(r"[1-5]\d?")
_ENHANCED_PREFIX = re.compile(r"([245xX])\.(\d{1,3})(?:\.(\d{0,3}))?")


def clean(query: str) -> str:
    """NFC, control and format characters to spaces, whitespace collapsed, length capped.

    Zero-width spaces (U+200B, category Cf) are what some Thai editors put between words.
    """
    text = unicodedata.normalize("NFC", query)
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    return " ".join(text.split())[:MAX_QUERY].strip()


def fold(text: str) -> str:
    """Case-folded form for containment checks (Thai has no case and stays as it is)."""
    return text.casefold()


def terms(query: str) -> tuple[str, ...]:
    """Distinct words of a cleaned query, edge punctuation stripped, in order, at most 8."""
    seen: dict[str, str] = {}
    for raw in query.split():
        word = raw.strip(_EDGE)
        if word and fold(word) not in seen:
            seen[fold(word)] = word
        if len(seen) == MAX_TERMS:
            break
    return tuple(seen.values())


def fts_phrase(text: str) -> str:
    """One FTS5 string literal: every character literal, quotes doubled (FTS5 section 3.1).

    ``NEAR(``, ``*``, ``AND`` or a lone ``"`` inside it are text, never query syntax.
    """
    return '"' + text.replace('"', '""') + '"'


def exact_code(query: str) -> str | None:
    """The normalised code when the whole query is one: ``535``, ``5.7.8``, ``x.7.8``, ``5xx``."""
    if not query or " " in query or len(query) > 9:
        return None
    try:
        return normalize_code(query)
    except CodeSyntaxError:
        return None


@record
class CodePrefix:
    """The start of a code: ``55`` (basic) or ``5.7`` / ``x.7.1`` (enhanced)."""

    kind: str  #: "basic" | "enhanced"
    text: str  #: basic: the digits; enhanced: the subject
    klass: str = ""  #: enhanced: "2", "4", "5" or "X"
    detail: str = ""  #: enhanced: the digits of the detail typed so far


def code_prefix(query: str) -> CodePrefix | None:
    if _BASIC_PREFIX.fullmatch(query):
        return CodePrefix("basic", query)
    match = _ENHANCED_PREFIX.fullmatch(query)
    if match:
        klass, subject, detail = match.groups()
        return CodePrefix("enhanced", str(int(subject)), klass.upper(), detail or "")
    return None


def is_class_code(code: str) -> bool:
    return kind_of(code) == "class"


def _pattern(needles: tuple[str, ...]) -> re.Pattern[str] | None:
    usable = sorted({n for n in needles if n.strip()}, key=len, reverse=True)
    if not usable:
        return None
    return re.compile("|".join(re.escape(n) for n in usable), re.IGNORECASE)


def _first_match(text: str, needles: tuple[str, ...]) -> re.Match[str] | None:
    pattern = _pattern(needles)
    return None if pattern is None else pattern.search(text)


def snippet(text: str, needles: tuple[str, ...], width: int = SNIPPET_WIDTH) -> str:
    """About ``width`` characters of ``text`` around the first needle, cut at spaces.

    >>> snippet("535 answers an AUTH command whose SASL exchange failed", ("sasl",), 30)
    '… whose SASL exchange failed'
    """
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    match = _first_match(flat, needles)
    start = 0 if match is None else max(0, match.start() - width // 3)
    end = min(len(flat), start + width)
    start = max(0, min(start, end - width))
    if start > 0:
        space = flat.find(" ", start, start + width // 4)
        start = space + 1 if space != -1 else start
        # never start on a Thai vowel or tone mark: it belongs to the consonant before it
        while start < end and unicodedata.category(flat[start]) == "Mn":
            start += 1
    if end < len(flat):
        space = flat.rfind(" ", end - width // 4, end)
        end = space if space > start else end
        while end < len(flat) and unicodedata.category(flat[end]) == "Mn":
            end += 1
    body = flat[start:end].strip()
    return ("… " if start > 0 else "") + body + (" …" if end < len(flat) else "")


def split_marked(text: str, needles: tuple[str, ...]) -> tuple[tuple[str, bool], ...]:
    """``text`` cut into (part, matched) pieces, for ``<mark>`` in HTML or bold on a terminal."""
    pattern = _pattern(needles)
    if pattern is None or not text:
        return ((text, False),) if text else ()
    parts: list[tuple[str, bool]] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() == match.end():
            continue
        if match.start() > last:
            parts.append((text[last : match.start()], False))
        parts.append((match.group(0), True))
        last = match.end()
    if last < len(text):
        parts.append((text[last:], False))
    return tuple(parts)
