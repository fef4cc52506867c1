"""Reply framing: bytes or text in, :class:`Reply` values out (RFC 5321 section 4.2).

    250-mx.example.org Hello client.example.com
    250-SIZE 35882577
    250 ENHANCEDSTATUSCODES

    Reply-line = *( Reply-code "-" [ textstring ] CRLF )
                    Reply-code [ SP textstring ] CRLF        (RFC 5321 section 4.2)

The parser is lenient where real text forces it and records every deviation as a
:class:`Finding`.  Text that is not a reply at all raises :class:`ReplyParseError`,
and nothing else: no other exception escapes :func:`parse_reply`.
"""

from __future__ import annotations

import re

from smtpcodes._errors import ReplyParseError
from smtpcodes._record import record
from smtpcodes.codes import STANDARD_CODES, BasicCode, EnhancedCode
from smtpcodes.protocol._findings import Finding, FindingKind, Severity

#: RFC 5321 section 4.5.3.1.5: a reply line is at most 512 octets including CRLF.
MAX_REPLY_LINE = 512
#: What we buffer of one line before cutting it (a hostile peer may never send LF).
MAX_BUFFERED_LINE = 65536

_LINE = re.compile(r"(\d{1,6})(.?)(.*)", re.DOTALL)
# RFC 3463 section 2 / RFC 2034 section 4: the code starts the text, followed by SP.
# The class digit is matched loosely so that "6.1.1" can be reported, not ignored.
_ENHANCED = re.compile(r"(\d)\.(\d{1,3})\.(\d{1,3})(?=\s|$)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: what bytes.strip() strips (str.strip() also strips \x1c-\x1f, which must be reported)
_BYTES_SPACE = " \t\n\r\x0b\x0c"
_SEPARATORS = ("-", " ", "")  #: after the code: more lines follow, the last line, no text


@record
class ReplyLine:
    """One line of a reply: ``550-5.1.1 The email account ...``."""

    code_text: str  #: the digits as sent: "550"
    separator: str  #: "-" (more lines follow), " " or "" (last line)
    text: str  #: everything after the separator
    enhanced: EnhancedCode | None  #: the enhanced code this line starts with, if any

    @property
    def message(self) -> str:
        """The text without its leading enhanced code."""
        if self.enhanced is None:
            return self.text
        return self.text.split(maxsplit=1)[1] if " " in self.text.strip() else ""


@record
class Reply:
    """A complete server reply.

    >>> r = parse_reply("550-5.1.1 No such user\\r\\n550 5.1.1 Try again")
    >>> (r.code, str(r.enhanced), r.text)
    (550, '5.1.1', 'No such user\\nTry again')
    """

    code: int
    code_text: str
    enhanced: EnhancedCode | None
    lines: tuple[ReplyLine, ...]
    findings: tuple[Finding, ...] = ()
    complete: bool = True  #: False when the final line never came

    @property
    def basic(self) -> BasicCode | None:
        """The code as a :class:`BasicCode`, or None if it was not three digits."""
        return BasicCode(self.code) if len(self.code_text) == 3 else None

    @property
    def first_digit(self) -> int:
        return int(self.code_text[0])

    @property
    def text(self) -> str:
        """The lines' messages (enhanced codes removed), joined with newlines."""
        lines = self.lines
        if len(lines) == 1:  # most replies: no join
            return lines[0].message
        # ReplyLine.message written out: this runs for every line of every reply explained
        messages = []
        for line in lines:
            text = line.text
            if line.enhanced is not None:
                text = text.split(maxsplit=1)[1] if " " in text.strip() else ""
            messages.append(text)
        return "\n".join(messages)

    @property
    def is_multiline(self) -> bool:
        return len(self.lines) > 1

    def wire(self) -> str:
        """The reply as it would be sent, CRLF-terminated."""
        return "".join(f"{ln.code_text}{ln.separator}{ln.text}\r\n" for ln in self.lines)


def _finding(
    kind: FindingKind,
    severity: Severity,
    detail: str,
    rfc: str,
    line: int | None = None,
    **params: str,
) -> Finding:
    return Finding(kind, severity, detail, rfc, line, tuple(params.items()))


class ReplyParser:
    """Incremental reply parser: feed chunks, collect replies.

    ``wire=True`` is for bytes read from a socket: it reports bare LF line endings and
    keeps leading white space.  The default suits pasted text (LF or CRLF, indentation
    and blank lines ignored).
    """

    __slots__ = ("_buffer", "_line_no", "_pending", "_pending_findings", "_wire")

    def __init__(self, *, wire: bool = False) -> None:
        self._wire = wire
        self._buffer = bytearray()
        self._pending: list[ReplyLine] = []
        self._pending_findings: list[Finding] = []
        self._line_no = 0

    @property
    def in_reply(self) -> bool:
        """True while a multi-line reply has started but not ended."""
        return bool(self._pending)

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes | str) -> list[Reply]:
        """Add data; return every reply completed by it."""
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        self._buffer += data
        replies: list[Reply] = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                if len(self._buffer) > MAX_BUFFERED_LINE:
                    self._overlong()
                break
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            bare_lf = not raw.endswith(b"\r")
            if not bare_lf:
                raw = raw[:-1]
            reply = self._line(raw, bare_lf=bare_lf)
            if reply is not None:
                replies.append(reply)
        return replies

    def close(self) -> list[Reply]:
        """End of input: parse what is left and flush an unfinished reply."""
        replies: list[Reply] = []
        if self._buffer:
            raw = bytes(self._buffer)
            self._buffer.clear()
            reply = self._line(raw.rstrip(b"\r"), bare_lf=False)
            if reply is not None:
                replies.append(reply)
        if self._pending:
            self._pending_findings.append(
                _finding(
                    FindingKind.NO_FINAL_LINE,
                    Severity.ERROR,
                    "the reply ended on a continuation line (code followed by '-')",
                    "RFC 5321 section 4.2.1",
                    self._line_no,
                )
            )
            replies.append(self._build(complete=False))
        return replies

    # -- internals --------------------------------------------------------------

    def _overlong(self) -> None:
        # Keep the start of the line, drop the rest: memory stays bounded.
        self._pending_findings.append(
            _finding(
                FindingKind.LINE_TOO_LONG,
                Severity.ERROR,
                f"a line grew past {MAX_BUFFERED_LINE} bytes without a line ending; cut",
                "RFC 5321 section 4.5.3.1.5",
                self._line_no + 1,
                length=str(len(self._buffer)),
                limit=str(MAX_REPLY_LINE),
            )
        )
        del self._buffer[MAX_REPLY_LINE:]

    def _ascii_text(self, data: str) -> list[Reply]:
        """``feed(data) + close()`` for pasted ASCII text of at most MAX_BUFFERED_LINE
        characters: the same lines, numbers and findings, without the round trip through
        bytes (an ASCII character is one byte, so lengths agree)."""
        replies: list[Reply] = []
        for piece in data.split("\n"):
            text = piece.strip(_BYTES_SPACE)
            if text:
                self._line_no += 1
                reply = self._text(text, len(text), self._line_no, bare_lf=False)
                if reply is not None:
                    replies.append(reply)
        replies += self.close()
        return replies

    def _line(self, raw: bytes, *, bare_lf: bool) -> Reply | None:
        if not self._wire:
            raw = raw.strip()
            if not raw:
                return None
        self._line_no += 1
        number = self._line_no
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "replace")
            self._pending_findings.append(
                _finding(
                    FindingKind.INVALID_UTF8,
                    Severity.WARNING,
                    "the line is not valid UTF-8",
                    "RFC 6531 section 3.7.4, RFC 5321 section 4.2",
                    number,
                )
            )
        return self._text(text, len(raw), number, bare_lf=bare_lf)

    def _text(self, text: str, size: int, number: int, *, bare_lf: bool) -> Reply | None:
        """One line, decoded; ``size`` is its length in bytes."""
        findings = self._pending_findings
        if _CONTROL.search(text):
            raise ReplyParseError(
                "the text contains control characters or binary data; "
                "expected SMTP reply lines such as '250 OK'",
                line=number,
            )
        match = _LINE.fullmatch(text)
        if match is None:
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise ReplyParseError(
                f"expected a 3-digit reply code at the start, found {shown!r}", line=number
            )
        code_text, separator, rest = match.groups()
        if len(code_text) != 3 and separator not in ("-", " ", ""):
            raise ReplyParseError(
                f"expected a 3-digit reply code at the start, found {text[:40]!r}", line=number
            )
        if separator not in ("-", " ", ""):
            findings.append(
                _finding(
                    FindingKind.MISSING_SEPARATOR,
                    Severity.ERROR,
                    f"the code is followed by {separator!r}, not a space or '-'",
                    "RFC 5321 section 4.2",
                    number,
                )
            )
            rest = separator + rest
            separator = " "
        if self._wire and bare_lf:
            findings.append(
                _finding(
                    FindingKind.BARE_LF,
                    Severity.WARNING,
                    "the line ended in LF without CR",
                    "RFC 5321 section 2.3.8",
                    number,
                )
            )
        if size + 2 > MAX_REPLY_LINE:
            findings.append(
                _finding(
                    FindingKind.LINE_TOO_LONG,
                    Severity.WARNING,
                    f"{size + 2} octets with CRLF; the limit is {MAX_REPLY_LINE}",
                    "RFC 5321 section 4.5.3.1.5",
                    number,
                    length=str(size + 2),
                    limit=str(MAX_REPLY_LINE),
                )
            )
        self._pending.append(ReplyLine(code_text, separator, rest, _enhanced(rest)))
        if separator == "-":
            return None
        return self._build(complete=True)

    def _build(self, *, complete: bool) -> Reply:
        lines = tuple(self._pending)
        findings = self._pending_findings
        first_line = self._line_no - len(lines) + 1
        self._pending = []
        self._pending_findings = []
        code_text = lines[0].code_text
        enhanced = lines[0].enhanced
        _check_lines(lines, code_text, enhanced, first_line, findings)
        _check_code(code_text, first_line, findings)
        if enhanced is not None:
            enhanced = _check_enhanced(enhanced, code_text, first_line, findings)
        return Reply(int(code_text), code_text, enhanced, lines, tuple(findings), complete)


#: EnhancedCode by its text ("5.7.26"): the value is immutable, and the same few codes
#: start every line of a reply and most replies of a log (keyed by the code, bounded)
_ENHANCED_CODES: dict[str, EnhancedCode] = {}
_ENHANCED_CODES_LIMIT = 4096


def _enhanced(text: str) -> EnhancedCode | None:
    match = _ENHANCED.match(text)
    if match is None:
        return None
    code = _ENHANCED_CODES.get(match.group())
    if code is None:
        klass, subject, detail = match.groups()
        code = EnhancedCode(int(klass), int(subject), int(detail))
        if len(_ENHANCED_CODES) >= _ENHANCED_CODES_LIMIT:
            _ENHANCED_CODES.clear()
        _ENHANCED_CODES[match.group()] = code
    return code


def _check_lines(
    lines: tuple[ReplyLine, ...],
    code_text: str,
    enhanced: EnhancedCode | None,
    first_line: int,
    findings: list[Finding],
) -> None:
    for offset, line in enumerate(lines[1:], start=1):
        if line.code_text != code_text:
            findings.append(
                _finding(
                    FindingKind.MIXED_CODES,
                    Severity.ERROR,
                    f"line {offset + 1} has code {line.code_text}, the first line {code_text}",
                    "RFC 5321 section 4.2.1",
                    first_line + offset,
                    first=code_text,
                    other=line.code_text,
                )
            )
        elif (
            line.enhanced is not None
            and enhanced is not None
            and line.enhanced is not enhanced  # the usual case: the same cached value
            and line.enhanced != enhanced
        ):
            findings.append(
                _finding(
                    FindingKind.MIXED_ENHANCED,
                    Severity.WARNING,
                    f"line {offset + 1} has enhanced code {line.enhanced}, the first {enhanced}",
                    "RFC 2034 section 4",
                    first_line + offset,
                    first=str(enhanced),
                    other=str(line.enhanced),
                )
            )


def _check_code(code_text: str, line: int, findings: list[Finding]) -> None:
    if len(code_text) != 3:
        findings.append(
            _finding(
                FindingKind.CODE_NOT_THREE_DIGITS,
                Severity.ERROR,
                f"the code {code_text} has {len(code_text)} digits, not 3",
                "RFC 5321 section 4.2",
                line,
                code=code_text,
            )
        )
    elif code_text[0] not in "2345":
        findings.append(
            _finding(
                FindingKind.CODE_OUT_OF_RANGE,
                Severity.ERROR,
                f"the code {code_text} does not start with 2, 3, 4 or 5",
                "RFC 5321 sections 4.2.1, 4.3.2",
                line,
                code=code_text,
            )
        )
    elif int(code_text) not in STANDARD_CODES:
        findings.append(
            _finding(
                FindingKind.NONSTANDARD_CODE,
                Severity.INFO,
                f"no RFC defines the code {code_text}",
                "RFC 5321 section 4.2.3",
                line,
                code=code_text,
            )
        )


def _check_enhanced(
    enhanced: EnhancedCode, code_text: str, line: int, findings: list[Finding]
) -> EnhancedCode | None:
    if enhanced.klass not in (2, 4, 5):
        findings.append(
            _finding(
                FindingKind.INVALID_ENHANCED_CLASS,
                Severity.ERROR,
                f"{enhanced} looks like an enhanced code but its class is not 2, 4 or 5",
                "RFC 3463 section 2",
                line,
                enhanced=str(enhanced),
            )
        )
        return None
    if code_text[0] == "3":
        findings.append(
            _finding(
                FindingKind.ENHANCED_ON_3XX,
                Severity.WARNING,
                f"a {code_text} reply carries the enhanced code {enhanced}",
                "RFC 2034 section 4",
                line,
                code=code_text,
                enhanced=str(enhanced),
            )
        )
    elif str(enhanced.klass) != code_text[0]:
        findings.append(
            _finding(
                FindingKind.CLASS_MISMATCH,
                Severity.ERROR,
                f"the reply class is {code_text[0]} but the enhanced class is {enhanced.klass}",
                "RFC 2034 section 4, RFC 3463 section 2",
                line,
                code=code_text,
                enhanced=str(enhanced),
            )
        )
    if enhanced.subject > 7:
        findings.append(
            _finding(
                FindingKind.UNKNOWN_SUBJECT,
                Severity.INFO,
                f"RFC 3463 defines subjects 0 to 7, not {enhanced.subject}",
                "RFC 3463 section 2",
                line,
                enhanced=str(enhanced),
            )
        )
    return enhanced


def parse_replies(data: bytes | str, *, wire: bool = False) -> list[Reply]:
    """Every reply in ``data``, e.g. a pasted transcript of server lines."""
    parser = ReplyParser(wire=wire)
    if not wire and isinstance(data, str) and len(data) <= MAX_BUFFERED_LINE and data.isascii():
        return parser._ascii_text(data)
    replies = parser.feed(data)
    replies += parser.close()
    return replies


def parse_reply(data: bytes | str) -> Reply:
    """Parse exactly one reply, single- or multi-line, CRLF or LF.

    >>> parse_reply(b"535 5.7.8 Authentication credentials invalid\\r\\n").code
    535

    Raises :class:`ReplyParseError` (and nothing else) for text that is not one reply.
    """
    if isinstance(data, str):
        # fast path for the common case: one line, no line ending in the middle
        stripped = data.strip()
        if stripped and "\n" not in stripped and len(stripped) < MAX_REPLY_LINE - 2:
            match = _LINE.fullmatch(stripped)
            if match is not None:
                code_text, separator, rest = match.groups()
                # a printable text has no control characters (isprintable: 30 ns, the
                # regex 200 ns); tabs and other unprintable text ask the regex
                if (
                    separator in (" ", "")
                    and len(code_text) == 3
                    and (stripped.isprintable() or not _CONTROL.search(stripped))
                ):
                    return _single(code_text, separator, rest)
        elif (
            "\n" in stripped
            and len(data) <= MAX_BUFFERED_LINE
            and data.isascii()
            and not _CONTROL.search(data)  # (str.strip() also strips \x1c-\x1f: not data)
        ):
            reply = _multiline(data)
            if reply is not None:
                return reply
    elif not isinstance(data, bytes | bytearray | memoryview):
        raise ReplyParseError(f"expected text or bytes, got {type(data).__name__}")
    replies = parse_replies(data)
    if not replies:
        raise ReplyParseError("empty input: expected an SMTP reply such as '250 OK'")
    if len(replies) > 1:
        raise ReplyParseError(
            f"found {len(replies)} replies where one was expected "
            f"(the first ends on line {len(replies[0].lines)})"
        )
    return replies[0]


#: _check_code and _check_enhanced of a first line, and whether its enhanced code is kept, by
#: its code and enhanced code as text ("550 5.7.26 "): findings are immutable (bounded)
_FIRST_LINE_FINDINGS: dict[str, tuple[tuple[Finding, ...], bool]] = {}


def _multiline(text: str) -> Reply | None:
    """``parse_replies(text)[0]`` for the common case: ASCII text without control characters
    that is exactly one complete reply, every line a 3-digit code, a space or "-" and at most
    MAX_REPLY_LINE octets.  None for anything else: the general path then parses it and
    reports what is wrong (the checks here are those the general path would pass).

    The general path reads a line at a time, as from a socket (about 2.4 us a line); here
    the lines are cut once and only the findings the lines can have are looked for.
    """
    lines: list[ReplyLine] = []
    ended = False
    mixed = False  # a line whose code or enhanced code differs from the first line's
    code_text = key = ""  # the first line's code; and its enhanced code: "550 5.7.26 "
    enhanced: EnhancedCode | None = None
    known = "\0"  # the last enhanced code found and a space ("\0": no line has one)
    known_code: EnhancedCode | None = None
    head = last = "\0"  # "550-5.7.26 " and "550 5.7.26 " when the first line starts so
    for piece in text.split("\n"):
        line = piece.strip(_BYTES_SPACE)
        if not line:
            continue  # blank lines do not count (nor are they numbered)
        if ended:  # a line after the final one: a second reply
            return None
        if line.startswith(head) and len(line) + 2 <= MAX_REPLY_LINE:
            # a continuation line that starts as the first did: nothing more to look at
            lines.append(ReplyLine(code_text, "-", line[4:], enhanced))
            continue
        if line.startswith(last) and len(line) + 2 <= MAX_REPLY_LINE:
            # the final line, with the first line's code and enhanced code
            lines.append(ReplyLine(code_text, " ", line[4:], enhanced))
            ended = True
            continue
        # _LINE.fullmatch written out for ASCII text: three digits, then "-", " " or the end
        # (a fourth digit would make a longer code)
        code = line[:3]
        separator = line[3:4]
        if (
            len(code) != 3
            or not code.isdigit()
            or separator not in _SEPARATORS
            or len(line) + 2 > MAX_REPLY_LINE
        ):
            return None
        rest = line[4:]
        # the lines of a reply repeat one enhanced code: followed by a space it is the same
        # value, without the regex (\s and str.isspace agree)
        if rest.startswith(known):
            line_enhanced = known_code
        else:
            line_enhanced = _enhanced(rest)
            if line_enhanced is not None:
                known = rest.split(None, 1)[0] + " "
                known_code = line_enhanced
        if not lines:
            code_text, enhanced = code, line_enhanced
            key = code if line_enhanced is None else code + " " + known
            if separator == "-" and line_enhanced is not None:
                head = code + "-" + known
                last = code + " " + known
        elif code != code_text or (
            line_enhanced is not enhanced and line_enhanced is not None and enhanced is not None
        ):
            mixed = True
        lines.append(ReplyLine(code, separator, rest, line_enhanced))
        ended = separator != "-"
    if not ended:
        return None  # no final line: the general path reports it
    replied = tuple(lines)
    # the findings of the first line's codes: the same for every reply that starts so
    cached = _FIRST_LINE_FINDINGS.get(key)
    if cached is None:
        found: list[Finding] = []
        _check_code(code_text, 1, found)
        kept = enhanced is not None and _check_enhanced(enhanced, code_text, 1, found) is not None
        cached = (tuple(found), kept)
        if len(_FIRST_LINE_FINDINGS) >= _ENHANCED_CODES_LIMIT:
            _FIRST_LINE_FINDINGS.clear()
        _FIRST_LINE_FINDINGS[key] = cached
    findings, kept = cached
    if mixed:
        checked: list[Finding] = []
        _check_lines(replied, code_text, enhanced, 1, checked)
        findings = (*checked, *findings)
    return Reply(int(code_text), code_text, enhanced if kept else None, replied, findings, True)


def _single(code_text: str, separator: str, rest: str) -> Reply:
    findings: list[Finding] = []
    enhanced = _enhanced(rest)
    line = ReplyLine(code_text, separator, rest, enhanced)
    _check_code(code_text, 1, findings)
    if enhanced is not None:
        # a class other than 2, 4 or 5 is reported and the reply has no enhanced code; the
        # line keeps what it starts with, as every other way of parsing keeps it
        enhanced = _check_enhanced(enhanced, code_text, 1, findings)
    return Reply(int(code_text), code_text, enhanced, (line,), tuple(findings), True)
