"""Run-time access to the compiled catalogue (stdlib only, so the CLI starts fast).

The bundle is compiled from the TOML sources by :mod:`smtpcodes.catalogue._compile`
and rebuilt automatically when a source file is newer than it.
"""

from __future__ import annotations

import marshal
import mmap
import os
import sys
from collections.abc import Iterator, Mapping
from functools import cache

from smtpcodes._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

from smtpcodes._errors import CatalogueError, UnknownCodeError, UnknownLanguageError
from smtpcodes.catalogue._format import BLOB_TABLES, BUNDLE_FORMAT, MAGIC
from smtpcodes.catalogue._schema import (
    Actor,
    Closes,
    Confusion,
    Entry,
    Kind,
    NextStep,
    Pair,
    RegistryRow,
    Retry,
    Source,
    Text,
    Tier,
    Transcript,
)
from smtpcodes.protocol import Stage

# os.path rather than pathlib: pathlib's import costs the CLI start-up time
_HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.join(_HERE, "data")
BUNDLE = os.path.join(_HERE, "_compiled", f"bundle.{sys.implementation.cache_tag}.marshal")


def _newest_source(root: str) -> int:
    newest = 0
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as it:
            for item in it:
                if item.is_dir():
                    stack.append(item.path)
                elif item.name.endswith(".toml"):
                    newest = max(newest, item.stat().st_mtime_ns)
    return newest


class _Blobs(Mapping[str, bytes]):
    """A blob table of the bundle file: each blob is read from the mapped file on lookup."""

    __slots__ = ("_base", "_data", "_spans")

    def __init__(self, data: mmap.mmap, base: int, spans: dict[str, tuple[int, int]]) -> None:
        self._data = data
        self._base = base
        self._spans = spans

    def __getitem__(self, key: str) -> bytes:
        offset, size = self._spans[key]
        start = self._base + offset
        return self._data[start : start + size]

    def __iter__(self) -> Iterator[str]:
        return iter(self._spans)

    def __len__(self) -> int:
        return len(self._spans)


def _open_bundle(bundle: str) -> dict[str, Any] | None:
    """The bundle's header, its blob tables mapped; None for a damaged or older file."""
    with open(bundle, "rb") as handle:
        start = handle.read(len(MAGIC) + 8)
        if len(start) != len(MAGIC) + 8 or not start.startswith(MAGIC):
            return None
        size = int.from_bytes(start[len(MAGIC) :], "little")
        header = marshal.loads(handle.read(size))  # noqa: S302 - our own file (_compile)
        if not isinstance(header, dict) or header.get("format") != BUNDLE_FORMAT:
            return None
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    base = len(start) + size
    for table in BLOB_TABLES:
        header[table] = _Blobs(data, base, header[table])
    return header


def _read_bundle(bundle: str, data_dir: str) -> dict[str, Any]:
    try:
        fresh = os.stat(bundle).st_mtime_ns >= _newest_source(data_dir)
    except FileNotFoundError:
        fresh = False
    if fresh:
        try:
            opened = _open_bundle(bundle)
        except (EOFError, ValueError, TypeError, KeyError, OSError):
            opened = None  # a truncated or foreign file: compile it again below
        if opened is not None:
            return opened
    from pathlib import Path

    from smtpcodes.catalogue._compile import compile_sources, pack, write_bundle

    try:
        return write_bundle(Path(bundle), Path(data_dir))
    except OSError:  # a read-only install: compile in memory every time
        return pack(compile_sources(Path(data_dir)))


def _source(raw: dict[str, Any]) -> Source:
    return Source(**raw)


def _text(raw: dict[str, Any]) -> Text:
    return Text(
        title=raw["title"],
        summary=raw["summary"],
        description=raw["description"].strip(),
        when=raw["when"].strip(),
        fix_client=tuple(raw["fix_client"]),
        fix_server=tuple(raw["fix_server"]),
        notes=tuple(raw.get("notes", ())),
        retry_note=raw.get("retry_note", "").strip(),
    )


def decode_entry(raw: dict[str, Any]) -> Entry:
    """An entry from its plain data (as compiled into the bundle)."""
    registry = raw.get("registry")
    retry = raw.get("retry")
    return Entry(
        code=raw["code"],
        kind=Kind(raw["kind"]),
        tier=Tier(raw["tier"]),
        stages=tuple(Stage(s) for s in raw["stages"]),
        retry=None if retry is None else Retry(retry),
        closes=Closes(raw["closes"]),
        who=tuple(Actor(a) for a in raw["who"]),
        next_step=NextStep(raw["next_step"]),
        sources=tuple(_source(s) for s in raw["sources"]),
        text={lang: _text(t) for lang, t in raw["text"].items()},
        commands=tuple(raw.get("commands", ())),
        enhanced=tuple(raw.get("enhanced", ())),
        basic=tuple(raw.get("basic", ())),
        related=tuple(raw.get("related", ())),
        confused_with=tuple(
            Confusion(c["code"], dict(c["note"])) for c in raw.get("confused_with", ())
        ),
        libraries=dict(raw.get("libraries", {})),
        classes=tuple(raw.get("classes", ())),
        registry=None
        if registry is None
        else RegistryRow(**{**registry, "references": tuple(registry["references"])}),
        provider=raw.get("provider", ""),
        examples=tuple(raw.get("examples", ())),
    )


def decode_pair(raw: dict[str, Any]) -> Pair:
    """A curated pair from its plain data."""
    sources = tuple(_source(s) for s in raw.get("sources", ()))
    return Pair(raw["a"], raw["b"], dict(raw["note"]), sources)


class Catalogue:
    """The knowledge base, looked up by code.

    Keys: basic ``"535"``, generic enhanced ``"X.7.8"``, class ``"5xx"``, subject
    ``"X.7.X"``, enhanced class ``"5.X.X"``.  Entries are built on first use.
    """

    def __init__(self, bundle: dict[str, Any]) -> None:
        # packed by _compile.pack: every entry is its own marshal blob, decoded on first use
        self._kinds: dict[str, str] = bundle["index"]
        self._titles: dict[str, dict[str, str]] = bundle["titles"]
        self._blobs: Mapping[str, bytes] = bundle["entries"]
        self._vendor_blobs: Mapping[str, bytes] = bundle["vendor"]
        self._built: dict[str, Entry] = {}
        self._pairs = {(p["a"], p["b"]): decode_pair(p) for p in bundle["pairs"]}
        self._phrases: dict[str, dict[str, Any]] = bundle["phrases"]
        self._transcripts: Mapping[str, bytes] = bundle["transcripts"]
        self.languages: tuple[str, ...] = tuple(
            sorted(self._phrases, key=lambda lang: (lang != "en", lang))
        )

    def __contains__(self, code: object) -> bool:
        return code in self._kinds

    def __len__(self) -> int:
        return len(self._kinds)

    def find(self, code: str) -> Entry | None:
        entry = self._built.get(code)
        if entry is None:
            blob = self._blobs.get(code)
            if blob is None:
                return None
            entry = self._built[code] = decode_entry(marshal.loads(blob))  # noqa: S302 - our bundle
        return entry

    def get(self, code: str) -> Entry:
        entry = self.find(code)
        if entry is None:
            raise UnknownCodeError(code)
        return entry

    def codes(self, kind: Kind | None = None) -> list[str]:
        """Every key, in catalogue order (basic numerically, enhanced by subject.detail)."""
        keys = [c for c, k in self._kinds.items() if kind is None or k == kind.value]
        return sorted(keys, key=_sort_key)

    def entries(self, kind: Kind | None = None) -> list[Entry]:
        return [self.get(code) for code in self.codes(kind)]

    def title(self, code: str, lang: str) -> str:
        """The title of a code (of its first provider entry when only providers use it), or
        "" for a code the catalogue does not have; no entry is decoded."""
        titles = self._titles.get(code)
        return "" if titles is None else titles[lang]

    def vendor_uses(self, code: str) -> tuple[Entry, ...]:
        """Provider entries for an exact enhanced code such as ``5.7.27``."""
        blob = self._vendor_blobs.get(code)
        if blob is None:
            return ()
        return tuple(decode_entry(raw) for raw in marshal.loads(blob))  # noqa: S302 - our bundle

    def vendor_codes(self) -> list[str]:
        return sorted(self._vendor_blobs, key=_sort_key)

    def pair(self, a: str, b: str) -> Pair | None:
        return self._pairs.get((a, b)) or self._pairs.get((b, a))

    def pairs(self) -> list[Pair]:
        return [
            self._pairs[key]
            for key in sorted(self._pairs, key=lambda k: (_sort_key(k[0]), _sort_key(k[1])))
        ]

    def transcript(self, code: str) -> Transcript | None:
        """The recorded sandbox session for a basic code, if one was recorded."""
        blob = self._transcripts.get(code)
        if blob is None:
            return None
        raw = marshal.loads(blob)  # noqa: S302 - our bundle
        return Transcript(**{**raw, "lines": tuple(raw["lines"])})

    def transcript_codes(self) -> list[str]:
        return sorted(self._transcripts, key=_sort_key)

    def phrases(self, lang: str) -> dict[str, Any]:
        try:
            return self._phrases[lang]
        except KeyError:
            raise UnknownLanguageError(lang, self.languages) from None


def _sort_key(code: str) -> tuple[int, ...]:
    parts = code.replace("x", "0").replace("X", "0").split(".")
    if len(parts) == 1:
        return (0, int(parts[0]) if parts[0].isdigit() else 0)
    return (1, *(int(p) if p.isdigit() else 0 for p in parts[1:]), int(parts[0]))


@cache
def load_catalogue() -> Catalogue:
    """The catalogue shipped with smtpcodes (compiled on first use when stale)."""
    try:
        return Catalogue(_read_bundle(BUNDLE, DATA_DIR))
    except (KeyError, TypeError, ValueError) as exc:
        raise CatalogueError(f"the compiled catalogue {BUNDLE} is damaged: {exc}") from None
