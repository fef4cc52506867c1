"""Errors of smtpcodes, split by who is at fault (DESIGN.md section 7.3).

SmtpcodesError
 +-- LocalError              our caller or a local input file is wrong
 |    +-- CodeSyntaxError    "99", "6.1.1": not a reply code at all
 |    +-- UnknownCodeError   "599": a well-formed code the catalogue does not know
 |    +-- UnknownLanguageError
 |    +-- CatalogueError     a catalogue data file is malformed
 |    +-- SessionUsageError  a client session driven out of turn (protocol._session)
 |    +-- ProbeOptionsError  probe options that cannot work (diagnose._options)
 +-- RemoteError             the peer, or the text it sent, is wrong
      +-- ReplyParseError    the text is not an SMTP reply
"""

from __future__ import annotations


class SmtpcodesError(Exception):
    """Base of every error smtpcodes raises on purpose."""


class LocalError(SmtpcodesError):
    """The caller (or a local data file) is at fault."""


class RemoteError(SmtpcodesError):
    """The peer, or the text it produced, is at fault."""


class CodeSyntaxError(LocalError, ValueError):
    """The text is not a basic (``535``) or enhanced (``5.7.8``) reply code."""

    def __init__(self, text: str, expected: str) -> None:
        self.text = text
        self.expected = expected
        super().__init__(f"{text!r} is not an SMTP reply code: expected {expected}")


class UnknownCodeError(LocalError, LookupError):
    """A well-formed code that the catalogue has no entry for."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"{code} is not in the catalogue")


class UnknownLanguageError(LocalError, ValueError):
    """A language the catalogue has no text for."""

    def __init__(self, lang: str, available: tuple[str, ...]) -> None:
        self.lang = lang
        self.available = available
        super().__init__(f"unknown language {lang!r}: expected one of {', '.join(available)}")


class CatalogueError(LocalError):
    """A catalogue data file is malformed; the message names the file and the field."""


class ReplyParseError(RemoteError, ValueError):
    """The text is not an SMTP reply; says what was expected and where."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{message}")
