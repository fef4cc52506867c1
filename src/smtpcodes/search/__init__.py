"""Search over the catalogue in every language (SQLite FTS5 trigram + rapidfuzz).

>>> [hit.code for hit in search("535", "en")][:2]     # the code, then what it comes with
['535', '5.7.8']
>>> "552" in [hit.code for hit in search("กล่องจดหมายเต็ม", "th")]
True
"""

from __future__ import annotations

from smtpcodes.search._index import SearchIndex, default_index
from smtpcodes.search._model import SearchError, SearchHit
from smtpcodes.search._query import MAX_QUERY, split_marked

__all__ = [
    "MAX_QUERY",
    "SearchError",
    "SearchHit",
    "SearchIndex",
    "default_index",
    "highlight",
    "search",
]


def search(query: str, lang: str, limit: int = 20) -> list[SearchHit]:
    """Codes, titles and text of the catalogue matching ``query``; best first.

    Exact codes (``535``, ``5.7.8``, ``x.7.8``, ``5xx``) rank first; Thai works
    (``"รหัสผ่าน"``); typos are tolerated (``"autentication failed"``).  Titles are in
    ``lang``, which also ranks first.  Odd input (empty, ``"``, ``NEAR(``, ``*``, SQL)
    gives hits or an empty list, never an exception; an unknown ``lang`` raises
    :class:`~smtpcodes._errors.UnknownLanguageError`, a ``limit`` below 1 :class:`SearchError`.
    """
    return default_index().search(query, lang, limit)


def highlight(text: str, query: str) -> tuple[tuple[str, bool], ...]:
    """``text`` in pieces ``(part, matched)``: what to wrap in ``<mark>`` for ``query``.

    >>> highlight("Mailbox full", "mailbox")
    (('Mailbox', True), (' full', False))
    """
    return split_marked(text, default_index().needles(query))
