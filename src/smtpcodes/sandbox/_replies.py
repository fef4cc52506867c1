"""Reply text: the code, its typical enhanced code, and the catalogue's English title.

    >>> reply_line("550")
    '550 5.1.1 Mailbox unavailable, or refused by policy'

Servers speak ASCII English on the wire (RFC 5321 section 4.2: the text is for a human and
unspecified); Thai lives in the explanations, not in the server's replies.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from smtpcodes._record import record
from smtpcodes.catalogue import Tier, load_catalogue
from smtpcodes.protocol import Stage

DATA_DIR = Path(__file__).with_name("data")
_READER_NOTE = re.compile(r"\s*\([^()]*\)$")


def read_data(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open("rb") as handle:
        return tomllib.load(handle)


@record
class ServerWords:
    """The host name and banner the sandbox greets with (data/replies.toml)."""

    hostname: str
    banner: str


@cache
def _replies() -> dict[str, Any]:
    return read_data("replies.toml")


def server_words() -> ServerWords:
    data = _replies()
    return ServerWords(str(data["hostname"]), str(data["banner"]))


def typical_enhanced(code: str) -> str:
    """The catalogue's first typical enhanced code for ``code``, else ``<class>.0.0``.

    3xx replies carry none (RFC 2034 section 4) and get "".
    """
    if code[:1] not in "245" or not code[:1]:
        return ""
    entry = load_catalogue().find(code)
    for enhanced in entry.enhanced if entry is not None else ():
        if enhanced[:1] == code[:1]:
            return enhanced
    return f"{code[0]}.0.0"


def title(code: str) -> str:
    """The code's English title from the catalogue, or the class title for unknown codes.

    Titles of non-standard codes end in a note for the reader ("Mail system full
    (non-standard form of 4.3.1)"); a server would not say that, so it is left out.
    """
    catalogue = load_catalogue()
    entry = catalogue.find(code) or catalogue.find(f"{code[:1]}xx")
    if entry is None:
        return code
    text = entry.text["en"].title
    if entry.tier is not Tier.STANDARD:
        text = _READER_NOTE.sub("", text)
    # the wire is ASCII unless SMTPUTF8 was negotiated (RFC 6531 section 3.7.4)
    return text.encode("ascii", "replace").decode("ascii")


def reply_line(code: str, enhanced: str | None = None) -> str:
    """One reply line for ``code``; ``enhanced`` defaults to the catalogue's typical one."""
    if enhanced is None:
        enhanced = typical_enhanced(code)
    prefix = f"{code} {enhanced}" if enhanced else code
    return f"{prefix} {title(code)}"


def normal_reply(stage: Stage) -> str:
    """The sandbox's reply on the normal path at ``stage`` (data/replies.toml [normal])."""
    spec = _replies()["normal"][stage.value]
    if stage is Stage.CONNECT:
        words = server_words()
        return f"{spec['code']} {words.hostname} {words.banner}"
    return reply_line(spec["code"], spec.get("enhanced", ""))


def error_reply(name: str) -> str:
    """One of the server's own refusals (data/replies.toml [errors]), e.g. "bad-sequence"."""
    spec = _replies()["errors"][name]
    if "text" in spec:
        return f"{spec['code']} {spec['enhanced']} {spec['text']}"
    return reply_line(spec["code"], spec.get("enhanced", ""))
