"""Terminal styling: ANSI only on a TTY, never with NO_COLOR (https://no-color.org)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from smtpcodes._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TextIO

_CODE = re.compile(r"(?<![\w.])([2-5])(\d\d|\.\d{1,3}\.\d{1,3}|xx)(?![\w.])")
_CLASS_COLOUR = {"2": "32", "3": "36", "4": "33", "5": "31"}


def use_colour(mode: str, stream: TextIO, env: Mapping[str, str]) -> bool:
    if mode == "never" or (mode == "auto" and "NO_COLOR" in env and env["NO_COLOR"] != ""):
        return False
    if mode == "always":
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and env.get("TERM") != "dumb"


class Style:
    """Wraps text in ANSI sequences when colour is on; otherwise returns it unchanged."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def _sgr(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.colour and text else text

    def bold(self, text: str) -> str:
        return self._sgr(text, "1")

    def dim(self, text: str) -> str:
        return self._sgr(text, "2")

    def heading(self, text: str) -> str:
        return self._sgr(text, "1;4")

    def warn(self, text: str) -> str:
        return self._sgr(text, "33")

    def error(self, text: str) -> str:
        return self._sgr(text, "31")

    def code(self, code: str) -> str:
        """Colour a code as one unit by its class: 2 green, 3 cyan, 4 yellow, 5 red."""
        return self._sgr(code, "1;" + _CLASS_COLOUR.get(code[:1], "37"))

    def codes_in(self, text: str) -> str:
        """Colour every SMTP code inside running text (5.1.1 stays one unit)."""
        if not self.colour:
            return text
        return _CODE.sub(lambda m: self.code(m.group(0)), text)


def display_width(text: str) -> int:
    """Columns a string takes: combining marks (Thai vowels, tones) take none."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width
