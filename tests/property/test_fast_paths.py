"""The fast paths of parsing and extraction give what their general forms give.

Each fast path (text parsed line by line without the socket parser, a joined log reply split
with str.find, DSN fields found from their names) is compared with a plain reference on
generated text that mixes the cases it must handle and the ones it must hand over.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from smtpcodes.explain._extract import _ENHANCED_AT, _RX, _field, _split_inline
from smtpcodes.protocol import ReplyParseError, ReplyParser, parse_reply

codes = st.sampled_from(["250", "421", "550", "551", "5501", "55", "354", "650"])
enhanced = st.sampled_from(["", "5.7.26 ", "5.7.1 ", "4.7.0 ", "6.1.1 ", "5.07.1 ", "5.7.26\t"])
words = st.text(alphabet="abc .:-\t5", max_size=12)
separators = st.sampled_from(["-", " ", "", "x"])


@st.composite
def replies(draw: st.DrawFn) -> str:
    """Mostly well-formed multi-line replies; sometimes a line with another code or enhanced
    code, a bad separator, indentation or a blank line, or no final line."""
    first_code, first_enhanced = draw(codes), draw(enhanced)
    count = draw(st.integers(min_value=1, max_value=5))
    lines = []
    for number in range(count):
        same = draw(st.booleans()) or draw(st.booleans())
        code = first_code if same else draw(codes)
        mark = first_enhanced if same else draw(enhanced)
        separator = "-" if number < count - 1 else " "
        if not draw(st.integers(0, 5)):
            separator = draw(separators)
        indent = draw(st.sampled_from(["", "", "", "  "]))
        lines.append(f"{indent}{code}{separator}{mark}{draw(words)}")
        if not draw(st.integers(0, 8)):
            lines.append("")
    return draw(st.sampled_from(["\n", "\r\n"])).join(lines)


def _general(text: str) -> object:
    """What the socket parser makes of the text: its one reply, or "error"."""
    parser = ReplyParser()
    try:
        found = parser.feed(text.encode()) + parser.close()
    except ReplyParseError:
        return "error"
    return found[0] if len(found) == 1 else "error"


@given(replies())
def test_parsing_text_agrees_with_the_socket_parser(text: str) -> None:
    try:
        fast: object = parse_reply(text)
    except ReplyParseError:
        fast = "error"
    assert fast == _general(text)


def _split_reference(line: str, code: str) -> list[str]:
    """The regex the split replaced: white space before the code and "-", or before the
    code, white space and the first line's enhanced code as a word."""
    enhanced = _ENHANCED_AT.match(line, 4)  # as the split reads it
    follow = re.escape(code) + (
        r"(?:-|\s(?=" + re.escape(enhanced.group()) + r"\b))" if enhanced else r"[- ]"
    )
    splitter = re.compile(r"\s+(?=" + follow + ")")
    pieces, rest = [], line
    while rest[3:4] == "-":
        match = splitter.search(rest, 4)
        if match is None:
            break
        pieces.append(rest[: match.start()].rstrip())
        rest = rest[match.end() :]
    pieces.append(rest)
    return pieces


joined_words = st.sampled_from(
    ["550-", "550 ", "551-", "5.7.1", "5.7.10", "5.7.1_", " ", "  ", "\t", "text", "-", "x"]
)


@given(st.sampled_from(["550-5.7.1 ", "550-", "550-5.7.1\t"]), st.lists(joined_words, max_size=14))
def test_a_joined_reply_is_split_where_the_regex_split_it(head: str, parts: list[str]) -> None:
    line = head + "".join(parts)
    assert _split_inline(line, "550") == _split_reference(line, "550")


DSN_WORDS = (
    "Status: 5.1.1",
    "status:4.2.2",
    "X-Status: 5.0.0",
    "Status: Status: 5.1.1",
    "Diagnostic-Code: smtp; 550 x",
    "diagnostic-code:smtp;",
    *(" ", "\t", "\n", "text", ":"),
)
dsn_words = st.sampled_from(DSN_WORDS)


@given(st.lists(dsn_words, max_size=10))
def test_dsn_fields_are_found_where_the_regex_finds_them(parts: list[str]) -> None:
    text = "".join(parts)
    low = text.lower()
    for regex, name in ((_RX.dsn_status, "status:"), (_RX.dsn_diagnostic, "diagnostic-code:")):
        fast, slow = _field(regex, text, low, name), regex.search(text)
        assert (fast and fast.span()) == (slow and slow.span())
