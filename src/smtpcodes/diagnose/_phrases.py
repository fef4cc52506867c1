"""The probe's sentences, per language, from ``diagnose/data/{lang}.toml``."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from smtpcodes._errors import UnknownLanguageError

_DATA = Path(__file__).with_name("data")
LANGUAGES: tuple[str, ...] = ("en", "th")


@lru_cache(maxsize=8)
def probe_phrases(lang: str) -> dict[str, Any]:
    """The phrase tables of ``lang``: ``info``, ``error``, ``verdict``, ``labels``."""
    if lang not in LANGUAGES:
        raise UnknownLanguageError(lang, LANGUAGES)
    with (_DATA / f"{lang}.toml").open("rb") as handle:
        return tomllib.load(handle)


def say(lang: str, key: str, **values: object) -> str:
    """``say("en", "info.trying", host="mx", port=25)`` -> ``"Trying mx:25..."``."""
    node: Any = probe_phrases(lang)
    for part in key.split("."):
        node = node[part]
    return str(node).format(**values)


@lru_cache(maxsize=1)
def message_template() -> str:
    """The generated test message, with ``{sender}``, ``{recipients}`` ... to fill in."""
    return (_DATA / "message.txt").read_text(encoding="utf-8")
