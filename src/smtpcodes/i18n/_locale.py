"""Which language to answer in: ``--lang``, the environment, a URL, ``Accept-Language``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextvars import ContextVar

DEFAULT_LANGUAGE = "en"

#: The language of the current request or command (web middleware and CLI set it).
active_language: ContextVar[str] = ContextVar("smtpcodes_language", default=DEFAULT_LANGUAGE)


def _primary(tag: str) -> str:
    """``th_TH.UTF-8`` -> ``th``; ``en-GB`` -> ``en``; ``C`` -> ``c``."""
    return tag.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()


def language_from_env(env: Mapping[str, str], available: Iterable[str]) -> str:
    """The first of LC_ALL, LC_MESSAGES, LANG that names an available language, else English.

    ``LANGUAGE`` (a GNU colon list) is honoured first when set, as gettext does.
    """
    choices = tuple(available)
    candidates: list[str] = []
    if env.get("LANGUAGE"):
        candidates += env["LANGUAGE"].split(":")
    candidates += [env.get(name, "") for name in ("LC_ALL", "LC_MESSAGES", "LANG")]
    for tag in candidates:
        if tag:
            lang = _primary(tag)
            if lang in choices:
                return lang
            if env.get("LANGUAGE") is None:
                # POSIX: the first set variable of LC_ALL/LC_MESSAGES/LANG wins
                break
    return DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in choices else choices[0]


def negotiate(header: str, available: Iterable[str]) -> str:
    """Pick a language from an HTTP ``Accept-Language`` header (RFC 9110 section 12.5.4)."""
    choices = tuple(available)
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        pieces = part.strip().split(";")
        tag = pieces[0].strip()
        if not tag:
            continue
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, index, tag))
    for negative_q, _, tag in sorted(ranked):
        if negative_q >= 0:
            break
        if tag == "*":
            return DEFAULT_LANGUAGE
        lang = _primary(tag)
        if lang in choices:
            return lang
    return DEFAULT_LANGUAGE if DEFAULT_LANGUAGE in choices else choices[0]
