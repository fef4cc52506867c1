"""Compile the TOML sources of the catalogue into one JSON bundle.

Validation happens here, once, with msgspec (path-precise errors such as
``Expected `str`, got `int` - at `$.text.th.title```); the run-time loader only
reads the bundle (a marshal file of plain data) with the stdlib, so the CLI starts fast.

    python -m smtpcodes.catalogue.check      # validate every file, print problems
"""

from __future__ import annotations

import marshal
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from smtpcodes._errors import CatalogueError
from smtpcodes._record import struct_type
from smtpcodes.catalogue._format import BLOB_TABLES, BUNDLE_FORMAT, MAGIC
from smtpcodes.catalogue._schema import Entry, Pair, Transcript

DATA_DIR = Path(__file__).with_name("data")


def source_files(data_dir: Path = DATA_DIR) -> Iterator[Path]:
    yield from sorted(data_dir.rglob("*.toml"))


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from None


def _validated(path: Path, kind: type[Any]) -> dict[str, Any]:
    """The file's data checked against the record class ``kind``, as plain data with every
    default filled in (enums as their values); unknown keys are errors, so a typo in a field
    name is caught."""
    import msgspec

    try:
        data: dict[str, Any] = msgspec.to_builtins(
            msgspec.convert(_read(path), struct_type(kind, strict=True))
        )
    except msgspec.ValidationError as exc:
        raise CatalogueError(f"{path}: {exc}") from None
    return data


def _entry_data(path: Path) -> dict[str, Any]:
    data = _validated(path, Entry)
    if path.stem != data["code"]:
        raise CatalogueError(f"{path}: file name must be the code, found code = {data['code']!r}")
    return data


def load_entry_file(path: Path) -> Entry:
    """One entry file, validated, as the catalogue serves it."""
    from smtpcodes.catalogue._loader import decode_entry

    return decode_entry(_entry_data(path))


def load_pair_file(path: Path) -> Pair:
    """One pair file, validated, as the catalogue serves it."""
    from smtpcodes.catalogue._loader import decode_pair

    return decode_pair(_validated(path, Pair))


def compile_sources(data_dir: Path = DATA_DIR) -> dict[str, Any]:
    """Read and validate every source file; return the bundle as plain data."""

    entries: list[Any] = []
    vendor: list[Any] = []
    pairs: list[Any] = []
    transcripts: list[Any] = []
    phrases: dict[str, Any] = {}
    for path in source_files(data_dir):
        part = path.relative_to(data_dir).parts[0]
        if part == "phrases":
            phrases[path.stem] = _read(path)
        elif part == "pairs":
            pairs.append(_validated(path, Pair))
        elif part == "transcripts":
            transcripts.append(_validated(path, Transcript))
        elif part == "vendor":
            vendor.append(_entry_data(path))
        elif part in {"basic", "enhanced", "classes"}:
            entries.append(_entry_data(path))
        else:
            raise CatalogueError(f"{path}: unexpected folder {part!r} in the catalogue")
    return {
        "entries": entries,
        "vendor": vendor,
        "pairs": pairs,
        "phrases": phrases,
        "transcripts": transcripts,
    }


def pack(bundle: dict[str, Any]) -> dict[str, Any]:
    """The run-time form: each entry marshalled on its own, decoded only when looked up.

    Loading the whole catalogue to show one code cost the CLI most of its start-up; each
    lookup decodes one small blob instead.
    """
    vendor: dict[str, list[Any]] = {}
    for item in bundle["vendor"]:
        vendor.setdefault(item["code"], []).append(item)
    # a code's title, for the lists of related codes: the entry's, else its first vendor use's
    titles: dict[str, dict[str, str]] = {}
    for item in [*bundle["entries"], *bundle["vendor"]]:
        titles.setdefault(item["code"], {lang: t["title"] for lang, t in item["text"].items()})
    return {
        "format": BUNDLE_FORMAT,
        "index": {e["code"]: e["kind"] for e in bundle["entries"]},
        "titles": titles,
        "entries": {e["code"]: marshal.dumps(e) for e in bundle["entries"]},
        "vendor": {code: marshal.dumps(items) for code, items in vendor.items()},
        "pairs": bundle["pairs"],
        "phrases": bundle["phrases"],
        "transcripts": {t["code"]: marshal.dumps(t) for t in bundle["transcripts"]},
    }


def to_file(packed: dict[str, Any]) -> bytes:
    """The bundle file, laid out as :mod:`smtpcodes.catalogue._format` says. A reader maps
    the file and reads the header only; a blob is read when it is looked up."""
    header = {k: v for k, v in packed.items() if k not in BLOB_TABLES}
    blobs: list[bytes] = []
    offset = 0
    for table in BLOB_TABLES:
        spans: dict[str, tuple[int, int]] = {}
        for key, blob in packed[table].items():
            spans[key] = (offset, len(blob))
            blobs.append(blob)
            offset += len(blob)
        header[table] = spans
    head = marshal.dumps(header)
    return b"".join([MAGIC, len(head).to_bytes(8, "little"), head, *blobs])


def write_bundle(target: Path, data_dir: Path = DATA_DIR) -> dict[str, Any]:
    packed = pack(compile_sources(data_dir))
    target.parent.mkdir(parents=True, exist_ok=True)
    # marshal: plain data only, read back twice as fast as JSON; the file name carries the
    # interpreter's cache tag because the format is specific to the Python version
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(to_file(packed))
    tmp.replace(target)
    return packed
