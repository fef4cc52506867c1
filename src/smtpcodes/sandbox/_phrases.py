"""The sandbox's own sentences, per language (``phrases/<lang>.toml``)."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from smtpcodes._errors import UnknownLanguageError

PHRASE_DIR = Path(__file__).with_name("phrases")


def languages() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in PHRASE_DIR.glob("*.toml")))


@cache
def sandbox_phrases(lang: str) -> dict[str, Any]:
    path = PHRASE_DIR / f"{lang}.toml"
    if not path.is_file():
        raise UnknownLanguageError(lang, languages())
    with path.open("rb") as handle:
        return tomllib.load(handle)


def say(lang: str, key: str, **values: object) -> str:
    """``say("th", "serve.stop")``: one sentence, placeholders filled."""
    node: Any = sandbox_phrases(lang)
    for part in key.split("."):
        node = node[part]
    text = str(node)
    return text.format(**values) if values else text
