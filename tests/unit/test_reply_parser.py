"""Reply framing, table-driven (RFC 5321 section 4.2)."""

import pytest

from smtpcodes.protocol import (
    FindingKind,
    ReplyParseError,
    ReplyParser,
    parse_replies,
    parse_reply,
)


def kinds(reply):
    return [f.kind for f in reply.findings]


CASES = [
    # text, code, enhanced, lines, findings
    ("250 OK", 250, None, 1, []),
    ("550 5.1.1 <a@b.example>: Recipient address rejected", 550, "5.1.1", 1, []),
    (
        "550-5.1.1 The email account that you tried to reach does not exist.\r\n"
        "550 5.1.1 Please try double-checking the recipient's email address - gsmtp\r\n",
        550,
        "5.1.1",
        2,
        [],
    ),
    ("250-mx.example.org\n250-SIZE 35882577\n250 ENHANCEDSTATUSCODES\n", 250, None, 3, []),
    ("354 End data with <CR><LF>.<CR><LF>", 354, None, 1, []),
    ("250", 250, None, 1, []),  # a bare code is legal to receive (RFC 5321 section 4.2)
    ("550 4.7.1 Client host rejected", 550, "4.7.1", 1, [FindingKind.CLASS_MISMATCH]),
    ("354 2.0.0 Go ahead", 354, "2.0.0", 1, [FindingKind.ENHANCED_ON_3XX]),
    ("550-first\r\n551 second\r\n", 550, None, 2, [FindingKind.MIXED_CODES]),
    ("550-5.1.1 a\r\n550 5.2.1 b\r\n", 550, "5.1.1", 2, [FindingKind.MIXED_ENHANCED]),
    ("650 strange", 650, None, 1, [FindingKind.CODE_OUT_OF_RANGE]),
    ("55 short", 55, None, 1, [FindingKind.CODE_NOT_THREE_DIGITS]),
    ("420 Timeout connecting", 420, None, 1, [FindingKind.NONSTANDARD_CODE]),
    ("250OK", 250, None, 1, [FindingKind.MISSING_SEPARATOR]),
    ("550 6.1.1 odd", 550, None, 1, [FindingKind.INVALID_ENHANCED_CLASS]),
    ("550 5.9.1 odd subject", 550, "5.9.1", 1, [FindingKind.UNKNOWN_SUBJECT]),
    ("550-no final line", 550, None, 1, [FindingKind.NO_FINAL_LINE]),
    ("   550 5.1.1 indented paste  \n\n", 550, "5.1.1", 1, []),
]


@pytest.mark.parametrize(("text", "code", "enhanced", "nlines", "expected"), CASES)
def test_reply_table(text, code, enhanced, nlines, expected):
    for data in (text, text.encode()):
        reply = parse_reply(data)
        assert reply.code == code
        assert (None if reply.enhanced is None else str(reply.enhanced)) == enhanced
        assert len(reply.lines) == nlines
        assert kinds(reply) == expected


def test_text_drops_enhanced_codes_and_joins_lines():
    reply = parse_reply("550-5.1.1 first\r\n550 5.1.1 second")
    assert reply.text == "first\nsecond"
    assert reply.is_multiline
    assert reply.wire() == "550-5.1.1 first\r\n550 5.1.1 second\r\n"


def test_no_final_line_marks_reply_incomplete():
    reply = parse_reply("550-one\n550-two")
    assert not reply.complete
    assert FindingKind.NO_FINAL_LINE in kinds(reply)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty input"),
        ("   \n  \n", "empty input"),
        ("hello world", "expected a 3-digit reply code"),
        ("Error: 550 user unknown", "expected a 3-digit reply code"),
        ("250 ok\x00\x01", "control characters"),
        ("250 ok\n251 second reply", "found 2 replies"),
        ("1234567 x", "expected a 3-digit reply code"),
        ("5.1.1 text", "expected a 3-digit reply code"),
    ],
)
def test_garbage_raises_one_clear_error(text, message):
    with pytest.raises(ReplyParseError, match=message):
        parse_reply(text)


def test_non_text_input_is_rejected_with_our_error():
    with pytest.raises(ReplyParseError, match="expected text or bytes"):
        parse_reply(550)  # type: ignore[arg-type]


def test_wire_mode_flags_bare_lf_but_paste_mode_does_not():
    wire = parse_replies(b"250 ok\n", wire=True)[0]
    assert FindingKind.BARE_LF in kinds(wire)
    assert FindingKind.BARE_LF not in kinds(parse_reply(b"250 ok\n"))


def test_long_line_finding_and_bounded_buffer():
    reply = parse_reply("550 " + "x" * 600)
    assert FindingKind.LINE_TOO_LONG in kinds(reply)
    parser = ReplyParser(wire=True)
    parser.feed(b"550 ")
    for _ in range(200):
        assert parser.feed(b"x" * 10_000) == []
        assert parser.buffered <= 70_000
    replies = parser.feed(b"\r\n") + parser.close()
    assert FindingKind.LINE_TOO_LONG in kinds(replies[0])


def test_invalid_utf8_is_a_finding_not_a_crash():
    reply = parse_reply(b"550 caf\xe9 closed")
    assert FindingKind.INVALID_UTF8 in kinds(reply)


def test_parser_yields_replies_as_they_complete():
    parser = ReplyParser(wire=True)
    assert parser.feed(b"220 mx ESMTP\r\n250-mx\r\n")[0].code == 220
    assert parser.in_reply
    done = parser.feed(b"250 SIZE 1000\r\n")
    assert [r.code for r in done] == [250]
    assert not parser.in_reply
