"""The search index: SQLite FTS5 (trigram tokenizer) over the catalogue, in memory.

Why trigram: the default ``unicode61`` tokenizer splits on spaces, and Thai writes words
without spaces, so "กล่องจดหมายเต็ม" would only match as a whole paragraph.  Trigram
matches any substring of three characters or more, in every script (SQLite FTS5 section
4.3.5), which also makes code fragments such as ``5.7.8`` searchable.

One row per catalogue entry and language (vendor entries too); columns ``code``, ``title``,
``summary`` and ``body`` (description, when you see it, fixes, notes).  A query runs in steps:

1. the whole query is a code (``535``, ``5.7.8``, ``x.7.8``, ``5xx``): straight to the
   catalogue, ranked first; a code prefix (``55``, ``5.7``) lists the codes it starts;
2. each term of three characters or more is looked up in FTS5; a term found nowhere is
   corrected to the closest word of the catalogue (rapidfuzz), or else matched by the share
   of its trigrams a row holds (a Thai word with a typo, a word the text inflects);
3. rows are scored by how many terms they hold, in the title especially, whether they hold
   the whole query as it was typed, and bm25; the requested language ranks first;
4. when that finds little, or the query is under three characters, titles are matched
   fuzzily (rapidfuzz, ``processor=utils.default_process``).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from rapidfuzz import fuzz, process, utils

from smtpcodes._record import record
from smtpcodes.catalogue import Catalogue, Entry, Kind, load_catalogue
from smtpcodes.codes import EnhancedCode
from smtpcodes.explain import code_info, kind_of
from smtpcodes.search._model import SearchError, SearchHit
from smtpcodes.search._query import (
    TRIGRAM,
    CodePrefix,
    clean,
    code_prefix,
    exact_code,
    fold,
    fts_phrase,
    snippet,
    terms,
)

# bm25 column weights: code, title, summary, body
_WEIGHTS = (8.0, 6.0, 2.0, 1.0)
#: rapidfuzz.fuzz.ratio a misspelt term needs to be corrected to a catalogue word
_CORRECTION_CUTOFF = 80.0
#: share of its trigrams a row must hold for a term that matched nowhere as a whole
_PARTIAL_SHARE = 0.6
#: below this many text hits the fuzzy title match runs as well
_FEW = 3
#: rapidfuzz.fuzz.WRatio a title needs, for queries of three characters or more
_TITLE_CUTOFF = 75.0
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]{2,}")
#: at equal text relevance, the reference pages first: basic codes, then the registry's
_KIND_BONUS = {"basic": 0.3, "class": 0.2, "enhanced": 0.15, "vendor": 0.0}


@record
class _Item:
    """One thing a hit can point at: an entry (any language)."""

    key: str  #: "535", "X.7.8", "vendor:gmail:5.7.27"
    code: str
    kind: str  #: "basic" | "enhanced" | "class" | "vendor"
    order: int  #: catalogue order, the last tie-breaker
    titles: dict[str, str]
    classes: tuple[str, ...]  #: generic enhanced entries: the classes it is meaningful in


@record
class _Row:
    """One FTS row: an item in one language."""

    item: _Item
    lang: str
    title: str
    fields: tuple[str, ...]  #: summary, description, when, fixes, notes: snippet sources
    haystack: str  #: everything folded, for containment checks
    title_folded: str


@dataclass(slots=True)
class _Match:
    """How well one row matches the text part of the query."""

    weight: float = 0.0  #: sum over terms of 1 (exact), 0.8 (corrected), share x 0.7 (partial)
    terms: int = 0  #: how many terms the row holds in some form
    title_terms: int = 0
    relevance: float = 0.0  #: sum over terms of b/(1+b), b = -bm25
    needles: tuple[str, ...] = ()


def _item_kind(entry: Entry, vendor: bool) -> str:
    if vendor:
        return "vendor"
    return kind_of(entry.code) if entry.kind is Kind.ENHANCED else entry.kind.value


def _code_column(entry: Entry, vendor: bool) -> str:
    """The code as people type it: ``X.7.8`` also as ``5.7.8`` and ``4.7.8`` (its classes);
    a provider's entry also under the provider's name (``gmail``)."""
    codes = [entry.code, entry.provider] if vendor else [entry.code]
    if entry.kind is Kind.ENHANCED and entry.code.upper().startswith("X."):
        codes += [str(entry.code).replace("X", klass, 1) for klass in entry.classes]
    return " ".join(codes)


class SearchIndex:
    """An in-memory FTS5 index of a catalogue; thread-safe (one lock around SQLite)."""

    def __init__(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self.languages = catalogue.languages
        self._lock = threading.Lock()
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(code, title, summary, body, tokenize='trigram')"
        )
        self._rows: list[_Row] = []
        self._items: dict[str, _Item] = {}
        vocabulary: set[str] = set()
        entries: list[tuple[Entry, bool]] = [(e, False) for e in catalogue.entries()]
        for code in catalogue.vendor_codes():
            entries += [(e, True) for e in catalogue.vendor_uses(code)]
        for order, (entry, vendor) in enumerate(entries):
            key = f"vendor:{entry.provider}:{entry.code}" if vendor else entry.code
            item = _Item(
                key=key,
                code=entry.code,
                kind=_item_kind(entry, vendor),
                order=order,
                titles={lang: text.title for lang, text in entry.text.items()},
                classes=entry.classes,
            )
            self._items[key] = item
            for lang, text in entry.text.items():
                fields = (
                    text.summary,
                    text.description,
                    text.when,
                    *text.fix_client,
                    *text.fix_server,
                    *text.notes,
                )
                body = "\n".join(fields[1:])
                code_column = _code_column(entry, vendor)
                row = _Row(
                    item=item,
                    lang=lang,
                    title=text.title,
                    fields=fields,
                    haystack=fold("\n".join((code_column, text.title, *fields))),
                    title_folded=fold(text.title),
                )
                self._db.execute(
                    "INSERT INTO docs(rowid, code, title, summary, body) VALUES (?, ?, ?, ?, ?)",
                    (len(self._rows), code_column, text.title, text.summary, body),
                )
                self._rows.append(row)
                vocabulary.update(
                    fold(w) for w in _LATIN_WORD.findall("\n".join((text.title, *fields)))
                )
        self._db.commit()
        self._vocabulary = sorted(vocabulary)
        self._vocabulary_set = frozenset(vocabulary)
        self._titles = [row.title for row in self._rows]

    # ---- public -------------------------------------------------------------------------

    def search(self, query: str, lang: str, limit: int = 20) -> list[SearchHit]:
        """Hits for ``query``, best first, titles in ``lang``; never raises for odd input."""
        if limit < 1:
            raise SearchError(f"search limit must be 1 or more, got {limit}")
        self._catalogue.phrases(lang)  # UnknownLanguageError names the languages we have
        return list(self._search(clean(query), lang, limit))

    def needles(self, query: str) -> tuple[str, ...]:
        """What a match of ``query`` looks like in text: its terms and their corrections."""
        words = terms(clean(query))
        fixed = [self._correct(w) for w in words if len(w) >= TRIGRAM]
        return tuple(dict.fromkeys([*words, *(f for f in fixed if f)]))

    # ---- steps --------------------------------------------------------------------------

    @lru_cache(maxsize=1024)  # noqa: B019 - the index lives as long as the process
    def _search(self, query: str, lang: str, limit: int) -> tuple[SearchHit, ...]:
        if not query:
            return ()
        hits: dict[str, SearchHit] = {}
        for hit in self._code_hits(query, lang):
            hits.setdefault(_hit_key(hit), hit)
        text_hits = self._text_hits(query, lang)
        for hit in text_hits:
            hits.setdefault(_hit_key(hit), hit)
        # digits are not typos of titles: 5.7.515 must not "fuzzily" match 447
        looks_like_code = exact_code(query) is not None or code_prefix(query) is not None
        if not looks_like_code and (len(query) < TRIGRAM or len(text_hits) < _FEW):
            for hit in self._title_hits(query, lang, limit):
                hits.setdefault(_hit_key(hit), hit)
        ranked = sorted(hits.values(), key=lambda h: (-h.score, self._order(h)))
        return tuple(ranked[:limit])

    def _order(self, hit: SearchHit) -> int:
        item = self._items.get(hit.code)
        return item.order if item is not None else -1

    def _code_hits(self, query: str, lang: str) -> list[SearchHit]:
        hits: list[SearchHit] = []
        code = exact_code(query)
        if code is not None:
            hits += self._exact(code, lang)
        prefix = code_prefix(query)
        if prefix is not None:
            hits += self._prefixed(prefix, lang)
        return hits

    def _exact(self, code: str, lang: str) -> list[SearchHit]:
        kind = kind_of(code)
        phrases = self._catalogue.phrases(lang)
        if kind == "class":
            entry = self._catalogue.find(code)
            if entry is not None:
                text = entry.text.get(lang) or entry.text["en"]
                return [SearchHit(code, "class", text.title, text.summary, 100.0)]
            title, meaning = _class_words(code, phrases)
            return [SearchHit(code, "class", title, meaning, 100.0)] if title else []
        hits: list[SearchHit] = []
        info = code_info(code, lang)
        generic = EnhancedCode.parse(code).generic if kind == "enhanced" else None
        # a code only a provider defines (5.7.515) is a vendor hit, not an enhanced one
        only_vendor = generic is not None and self._catalogue.find(str(generic)) is None
        if info.known and not only_vendor:
            hits.append(SearchHit(info.code, kind, info.title, info.summary, 100.0))
            # then the codes it usually comes with: 535 -> 5.7.8, 5.7.8 -> 535
            for position, typical in enumerate(info.typical):
                other = code_info(typical, lang)
                if other.known:
                    score = round(95.0 - 0.01 * position, 3)
                    hits.append(
                        SearchHit(other.code, other.kind, other.title, other.summary, score)
                    )
        if kind == "enhanced" and not code.startswith("X"):
            score = 100.0 if only_vendor else 99.0
            for entry in self._catalogue.vendor_uses(code):
                text = entry.text.get(lang) or entry.text["en"]
                hits.append(SearchHit(entry.code, "vendor", text.title, text.summary, score))
        return hits

    def _prefixed(self, prefix: CodePrefix, lang: str) -> list[SearchHit]:
        phrases = self._catalogue.phrases(lang)
        hits: list[SearchHit] = []
        if prefix.kind == "basic" and len(prefix.text) == 1:
            title, meaning = _class_words(f"{prefix.text}xx", phrases)
            if title:
                hits.append(SearchHit(f"{prefix.text}xx", "class", title, meaning, 90.0))
        for item in self._items.values():
            code = _prefixed_code(item, prefix)
            if code is None:
                continue
            score = round(89.0 - 0.001 * len(hits), 3)
            if item.kind == "vendor":  # the provider's own words, not the registry's
                row = self._row(item, lang)
                hits.append(SearchHit(code, "vendor", row.title, row.fields[0], score))
            else:
                info = code_info(code, lang)
                hits.append(SearchHit(code, item.kind, info.title, info.summary, score))
        return hits

    def _text_hits(self, query: str, lang: str) -> list[SearchHit]:
        words = [w for w in terms(query) if len(w) >= TRIGRAM]
        if not words:
            return []
        matches: dict[int, _Match] = {}
        for word in words:
            found = self._lookup(word)
            weight = 1.0
            needle = word
            if not found:
                corrected = self._correct(word)
                if corrected:
                    found, weight, needle = self._lookup(corrected), 0.8, corrected
            if found:
                for rowid, bm25 in found.items():
                    self._add(matches, rowid, weight, bm25, needle)
            else:
                for rowid, share in self._partial(word).items():
                    self._add(matches, rowid, 0.7 * share, 0.0, "")
        whole = fold(query)
        best: dict[str, tuple[bool, float, _Row, _Match]] = {}
        for rowid, match in matches.items():
            if match.terms / len(words) < 0.5:  # at least half the terms, in some form
                continue
            coverage = match.weight / len(words)
            row = self._rows[rowid]
            score = (
                4.0 * coverage
                + 2.0 * match.title_terms / len(words)
                + (1.5 if whole in row.title_folded else 0.75 if whole in row.haystack else 0.0)
                + (0.5 if row.title_folded.startswith(whole) else 0.0)
                + match.relevance / len(words)
                + _KIND_BONUS.get(row.item.kind, 0.0)
            )  # at most 4 + 2 + 1.5 + 0.5 + 1 + 0.3 = 9.3
            in_lang = row.lang == lang
            current = best.get(row.item.key)
            if current is None or (in_lang, score) > (current[0], current[1]):
                best[row.item.key] = (in_lang, score, row, match)
        hits = []
        for in_lang, score, row, match in best.values():
            band = 50.0 if in_lang else 20.0
            relevance = band + 29.99 * min(score / 9.3, 1.0)
            needles = (query, *match.needles) if match.needles else (query, *words)
            hits.append(self._hit(row, lang, needles, round(relevance, 3)))
        return hits

    def _title_hits(self, query: str, lang: str, limit: int) -> list[SearchHit]:
        if len(query) < TRIGRAM:
            # one or two characters: a title must contain them (typos are meaningless here)
            scorer: Any = fuzz.partial_ratio
            cutoff = 100.0
        else:
            scorer, cutoff = fuzz.WRatio, _TITLE_CUTOFF
        found = process.extract(
            query,
            self._titles,
            scorer=scorer,
            processor=utils.default_process,
            score_cutoff=cutoff,
            limit=max(limit * 2, 10),
        )
        best: dict[str, tuple[bool, float, _Row]] = {}
        short = fold(query)
        for _title, ratio, index in found:
            row = self._rows[index]
            if len(query) < TRIGRAM and not re.search(rf"\b{re.escape(short)}", row.title_folded):
                ratio *= 0.9  # "ok" in "okay" before "ok" in "lookup"
            in_lang = row.lang == lang
            current = best.get(row.item.key)
            if current is None or (in_lang, ratio) > (current[0], current[1]):
                best[row.item.key] = (in_lang, float(ratio), row)
        hits = []
        for in_lang, ratio, row in best.values():
            score = (10.0 if in_lang else 0.0) + 9.99 * ratio / 100.0
            hits.append(self._hit(row, lang, (query,), round(score, 3)))
        return hits

    # ---- helpers ------------------------------------------------------------------------

    def _row(self, item: _Item, lang: str) -> _Row:
        rows = [row for row in self._rows if row.item is item]
        return next((row for row in rows if row.lang == lang), rows[0])

    def _lookup(self, word: str) -> dict[int, float]:
        """rowid -> bm25 (negative, lower is better) of the rows holding ``word``."""
        sql = "SELECT rowid, bm25(docs, ?, ?, ?, ?) FROM docs WHERE docs MATCH ?"
        with self._lock:
            rows = self._db.execute(sql, (*_WEIGHTS, fts_phrase(word))).fetchall()
        return {int(rowid): float(score) for rowid, score in rows}

    @lru_cache(maxsize=4096)  # noqa: B019 - the index lives as long as the process
    def _correct(self, word: str) -> str | None:
        """The catalogue word closest to a misspelt Latin ``word`` (``autentication``)."""
        if not _LATIN_WORD.fullmatch(word) or fold(word) in self._vocabulary_set:
            return None
        found = process.extractOne(
            word,
            self._vocabulary,
            scorer=fuzz.ratio,
            processor=utils.default_process,
            score_cutoff=_CORRECTION_CUTOFF,
        )
        return None if found is None else str(found[0])

    def _partial(self, word: str) -> dict[int, float]:
        """rowid -> share of the trigrams of ``word`` the row holds (at least 60 %)."""
        folded = fold(word)
        grams = sorted({folded[i : i + TRIGRAM] for i in range(len(folded) - TRIGRAM + 1)})
        if len(grams) < 3:
            return {}
        query = " OR ".join(fts_phrase(g) for g in grams)
        with self._lock:
            found = self._db.execute("SELECT rowid FROM docs WHERE docs MATCH ?", (query,))
            rowids = [int(rowid) for (rowid,) in found]
        shares: dict[int, float] = {}
        for rowid in rowids:
            haystack = self._rows[rowid].haystack
            share = sum(g in haystack for g in grams) / len(grams)
            if share >= _PARTIAL_SHARE:
                shares[rowid] = share
        return shares

    def _add(
        self, matches: dict[int, _Match], rowid: int, weight: float, bm25: float, needle: str
    ) -> None:
        match = matches.setdefault(rowid, _Match())
        match.weight += weight
        match.terms += 1
        if needle:
            b = max(-bm25, 0.0)
            match.relevance += b / (1.0 + b)
            match.needles = (*match.needles, needle)
            if fold(needle) in self._rows[rowid].title_folded:
                match.title_terms += 1

    def _hit(self, row: _Row, lang: str, needles: Iterable[str], score: float) -> SearchHit:
        item = row.item
        title = item.titles.get(lang) or row.title
        wanted = tuple(n for n in needles if n)
        source = _best_field(row.fields, wanted) if wanted else row.fields[0]
        return SearchHit(item.code, item.kind, title, snippet(source, wanted), score)


def _hit_key(hit: SearchHit) -> str:
    """One hit per entry: ``5.7.8`` (exact) and ``X.7.8`` (text) are the same entry."""
    if hit.kind == "vendor":
        return f"vendor:{hit.code}:{hit.title}"
    if hit.kind == "enhanced":
        return str(EnhancedCode.parse(hit.code).generic)
    return hit.code


def _best_field(fields: tuple[str, ...], needles: tuple[str, ...]) -> str:
    """The field holding the whole query, else the most needles, else the summary."""
    folded = [fold(f) for f in fields]
    whole = fold(needles[0])
    for field, text in zip(fields, folded, strict=True):
        if whole in text:
            return field
    counts = [sum(fold(n) in text for n in needles[1:]) for text in folded]
    best = max(range(len(fields)), key=lambda i: (counts[i], -i))
    return fields[best]


def _class_words(code: str, phrases: dict[str, Any]) -> tuple[str, str]:
    """Title and meaning of a class code from the phrases: ``5xx``, ``5.X.X``, ``X.7.X``."""
    first = code[0]
    if code.endswith("xx"):
        return phrases["class_name"].get(first, ""), phrases["class_meaning"].get(first, "")
    subject = code.split(".")[1]
    if first.isdigit():
        return phrases["enhanced_class"].get(first, ""), phrases["class_meaning"].get(first, "")
    return phrases["subject"].get(subject, ""), ""


def _prefixed_code(item: _Item, prefix: CodePrefix) -> str | None:
    """The code ``item`` shows for ``prefix``, or None when it does not start that way."""
    if item.kind == "class":
        return None
    if prefix.kind == "basic":
        if item.kind == "basic" and item.code.startswith(prefix.text):
            return item.code
        return None
    if item.kind not in ("enhanced", "vendor"):
        return None
    code = EnhancedCode.parse(item.code)
    if str(code.subject) != prefix.text or not str(code.detail).startswith(prefix.detail):
        return None
    if item.kind == "vendor":
        return item.code if prefix.klass in ("X", str(code.klass)) else None
    if prefix.klass == "X":
        return item.code
    if item.classes and prefix.klass not in item.classes:
        return None
    return str(code.with_class(int(prefix.klass)))


@cache
def default_index() -> SearchIndex:
    """The index of the shipped catalogue, built on first use (a few milliseconds)."""
    return SearchIndex(load_catalogue())
