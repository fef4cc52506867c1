"""The sans-IO client session, read as transcripts: bytes in, stage and findings out.

Each test feeds what a server says (``S:``) and checks what the session queued to send
(``C:``), the stage each reply answered, and the findings it raised.
"""

from __future__ import annotations

import base64
import smtplib
from types import SimpleNamespace

import pytest

from smtpcodes.codes import STANDARD_CODES
from smtpcodes.explain import finding_notes
from smtpcodes.protocol import (
    EXPECTED_REPLIES,
    REDACTED,
    Answer,
    ClientSession,
    FindingKind,
    Problem,
    SentKind,
    SessionState,
    SessionUsageError,
    Severity,
    Stage,
    dot_stuff,
)

SECRET = "s3cret"  # noqa: S105 - a test password
RFC_2195_SECRET = "tanstaaftanstaaf"  # noqa: S105 - the example of RFC 2195 section 2

EHLO_REPLY = (
    b"250-mx.example.org Hello client.example.com\r\n"
    b"250-SIZE 35882577\r\n"
    b"250-8BITMIME\r\n"
    b"250-AUTH PLAIN LOGIN CRAM-MD5\r\n"
    b"250-ENHANCEDSTATUSCODES\r\n"
    b"250-PIPELINING\r\n"
    b"250-CHUNKING\r\n"
    b"250-SMTPUTF8\r\n"
    b"250 STARTTLS\r\n"
)


def S(session: ClientSession, data: bytes) -> list:
    """The server says ``data``; returns the events."""
    return session.receive(data)


def C(session: ClientSession) -> bytes:
    """What the client sends now."""
    return session.data_to_send()


def kinds(event) -> list[FindingKind]:
    if isinstance(event, Problem):
        return [event.finding.kind]
    return [f.kind for f in event.all_findings]


def greeted(greeting: bytes = b"220 mx.example.org ESMTP\r\n") -> ClientSession:
    session = ClientSession()
    session.connected()
    [answer] = S(session, greeting)
    assert answer.stage is Stage.CONNECT
    return session


def after_ehlo(reply: bytes = EHLO_REPLY) -> ClientSession:
    session = greeted()
    session.ehlo("client.example.com")
    assert C(session) == b"EHLO client.example.com\r\n"
    [answer] = S(session, reply)
    assert answer.stage is Stage.EHLO
    assert answer.findings == ()
    return session


def test_a_whole_session_as_a_transcript():
    session = greeted()
    assert session.state is SessionState.READY
    session.ehlo("client.example.com")
    assert C(session) == b"EHLO client.example.com\r\n"
    [ehlo] = S(session, EHLO_REPLY)
    assert ehlo.reply.code == 250
    assert ehlo.stage is Stage.EHLO
    ext = session.extensions
    assert (ext.size, ext.pipelining, ext.starttls, ext.smtputf8, ext.chunking) == (
        35882577,
        True,
        True,
        True,
        True,
    )
    assert ext.auth_mechanisms == ("PLAIN", "LOGIN", "CRAM-MD5")
    assert ext.enhanced_status_codes
    assert ext.eight_bit_mime

    session.mail("alice@example.com", size=1234)
    assert C(session) == b"MAIL FROM:<alice@example.com> SIZE=1234\r\n"
    [mail] = S(session, b"250 2.1.0 Ok\r\n")
    assert (mail.stage, mail.command, mail.findings) == (Stage.MAIL, "MAIL", ())

    session.rcpt("bob@example.org")
    assert C(session) == b"RCPT TO:<bob@example.org>\r\n"
    [rcpt] = S(session, b"250 2.1.5 Ok\r\n")
    assert rcpt.stage is Stage.RCPT

    session.data()
    assert C(session) == b"DATA\r\n"
    [go] = S(session, b"354 End data with <CR><LF>.<CR><LF>\r\n")
    assert go.stage is Stage.DATA
    assert go.findings == ()
    assert session.state is SessionState.MESSAGE

    session.send_message(b"Subject: hi\n\n.leading dot\nbye")
    assert C(session) == b"Subject: hi\r\n\r\n..leading dot\r\nbye\r\n.\r\n"
    [done] = S(session, b"250 2.0.0 Ok: queued as 4ABC\r\n")
    assert done.stage is Stage.END_OF_DATA

    session.quit()
    assert C(session) == b"QUIT\r\n"
    [bye] = S(session, b"221 2.0.0 Bye\r\n")
    assert bye.stage is Stage.QUIT
    assert session.state is SessionState.CLOSED
    assert session.connection_lost() == []  # 221 came first: a clean close


def test_the_client_must_not_speak_before_the_greeting():
    session = ClientSession()
    with pytest.raises(SessionUsageError, match="connected"):
        session.ehlo("client.example.com")
    session.connected()
    with pytest.raises(SessionUsageError, match="greeting"):
        session.ehlo("client.example.com")


@pytest.mark.parametrize(
    ("command", "code", "ok"),
    [
        ("greeting", b"220 hi", True),
        ("greeting", b"554 5.7.1 go away", True),
        ("greeting", b"521 5.3.2 does not accept mail", True),  # RFC 7504 section 3
        ("greeting", b"421 4.3.2 busy", True),
        ("greeting", b"250 hello?", False),
        ("greeting", b"500 what", False),  # no command was sent: 500 makes no sense
        ("rcpt", b"556 5.1.10 null MX", True),  # RFC 7504 section 4
        ("rcpt", b"354 go on", False),
        ("rcpt", b"530 5.7.0 Authentication required", True),  # RFC 4954 section 6
        ("rcpt", b"500 5.5.2 line too long", True),  # any command (RFC 5321 4.3.2)
        ("mail", b"552 5.3.4 too big", True),
        ("mail", b"251 will forward", False),
        ("data", b"250 2.0.0 ok", False),  # DATA must answer 354 (or fail)
        ("data", b"554 5.5.1 no valid recipients", True),
        ("quit", b"250 2.0.0 ok", False),
        ("quit", b"530 5.7.0 auth first", False),  # RFC 3207/4954: QUIT never gets 530
        ("starttls", b"454 4.7.0 TLS not available", True),
        ("starttls", b"502 5.5.1 not implemented", False),  # advertised, then 502
    ],
)
def test_replies_rfc_5321_section_4_3_2_does_not_list_are_flagged(command, code, ok):
    session = after_ehlo() if command != "greeting" else ClientSession()
    if command == "greeting":
        session.connected()
    elif command == "rcpt":
        session.mail("a@example.com")
        S(session, b"250 2.1.0 ok\r\n")
        session.rcpt("b@example.org")
    elif command == "data":
        session.mail("a@example.com")
        S(session, b"250 2.1.0 ok\r\n")
        session.rcpt("b@example.org")
        S(session, b"250 2.1.5 ok\r\n")
        session.data()
    else:
        getattr(session, command)(*(["a@example.com"] if command == "mail" else []))
    [answer] = S(session, code + b"\r\n")
    flagged = FindingKind.UNEXPECTED_CODE in kinds(answer)
    assert flagged is not ok
    if flagged:
        finding = next(f for f in answer.findings if f.kind is FindingKind.UNEXPECTED_CODE)
        assert finding.param("code") == code[:3].decode()
        assert finding.rfc == "RFC 5321 section 4.3.2"


def test_502_to_starttls_is_fair_when_starttls_was_not_advertised():
    session = after_ehlo(b"250-mx.example.org\r\n250 SIZE 1000\r\n")
    session.starttls()
    [answer] = S(session, b"502 5.5.1 Error: command not implemented\r\n")
    assert FindingKind.UNEXPECTED_CODE not in kinds(answer)


def test_after_a_554_greeting_503_to_every_command_is_expected():
    # RFC 5321 section 3.1: the server "SHOULD respond to any intervening commands with
    # 503 bad sequence of commands"
    session = greeted(b"554 5.7.1 You are not welcome here\r\n")
    session.ehlo("client.example.com")
    [answer] = S(session, b"503 5.5.1 bad sequence of commands\r\n")
    assert answer.findings == ()


def test_every_code_in_the_table_is_a_standard_code():
    for command, codes in EXPECTED_REPLIES.items():
        assert codes <= STANDARD_CODES, command


def test_enhanced_code_missing_though_advertised():
    session = after_ehlo()
    session.mail("a@example.com")
    [answer] = S(session, b"250 Ok\r\n")
    assert kinds(answer) == [FindingKind.ENHANCED_MISSING]
    assert answer.findings[0].rfc == "RFC 2034 section 3"


def test_enhanced_code_not_required_without_the_extension_or_on_greeting_and_ehlo():
    session = greeted(b"220 no enhanced code in a greeting\r\n")
    session.ehlo("client.example.com")
    [ehlo] = S(session, b"250-mx\r\n250 ENHANCEDSTATUSCODES\r\n")
    assert ehlo.findings == ()
    plain = after_ehlo(b"250-mx\r\n250 SIZE 10\r\n")
    plain.mail("a@example.com")
    [answer] = S(plain, b"250 Ok\r\n")
    assert answer.findings == ()


def test_a_reply_nobody_asked_for_is_unsolicited():
    session = ClientSession()
    session.connected()
    greeting, extra = S(session, b"220 hello\r\n250 surprise\r\n")
    assert greeting.findings == ()
    assert kinds(extra) == [FindingKind.UNSOLICITED_REPLY]
    assert extra.command == ""


def test_an_unsolicited_421_is_allowed_and_ends_the_session():
    # RFC 5321 section 3.8: 421 may come "asynchronously from command receipt"
    session = greeted()
    [answer] = S(session, b"421 4.3.2 Shutting down\r\n")
    assert answer.findings == ()
    assert session.state is SessionState.CLOSED
    assert session.connection_lost() == []  # 421 announced the close


def test_pipelining_needs_the_extension():
    session = after_ehlo(b"250-mx\r\n250 SIZE 0\r\n")
    session.mail("a@example.com")
    with pytest.raises(SessionUsageError, match="PIPELINING"):
        session.rcpt("b@example.org")


def test_pipelined_group_matches_replies_by_counting():
    session = after_ehlo()
    session.mail("a@example.com")
    session.rcpt("b@example.org")
    session.rcpt("c@example.org")
    session.data()
    assert C(session) == (
        b"MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\n"
        b"RCPT TO:<c@example.org>\r\nDATA\r\n"
    )
    with pytest.raises(SessionUsageError, match="RFC 2920"):
        session.noop()  # DATA must end the group (RFC 2920 section 3.1)
    events = S(
        session,
        b"250 2.1.0 Ok\r\n550-5.1.1 No such\r\n550 5.1.1 user\r\n250 2.1.5 Ok\r\n354 go\r\n",
    )
    assert [(e.stage, e.reply.code) for e in events] == [
        (Stage.MAIL, 250),
        (Stage.RCPT, 550),
        (Stage.RCPT, 250),
        (Stage.DATA, 354),
    ]
    assert events[1].reply.is_multiline
    assert session.state is SessionState.MESSAGE


def test_pipelined_data_accepted_with_no_recipient_sends_a_lone_dot():
    # RFC 2920 section 3.1: "if the DATA command was accepted the client SMTP should send a
    # single dot"
    session = after_ehlo()
    session.mail("a@example.com")
    session.rcpt("b@example.org")
    session.data()
    C(session)
    S(session, b"250 2.1.0 Ok\r\n550 5.1.1 no\r\n354 go ahead\r\n")
    session.send_message(b"")
    assert C(session) == b".\r\n"


def test_auth_plain_sends_the_initial_response_and_marks_it_secret():
    session = after_ehlo()
    sent = session.auth("PLAIN", "alice", SECRET)
    assert sent.secret
    assert sent.shown == f"AUTH PLAIN {REDACTED}"
    wire = C(session)
    payload = base64.b64decode(wire.split()[2])
    assert payload == b"\0alice\0s3cret"
    # cross-check with smtplib's own PLAIN (an independent implementation)
    oracle = SimpleNamespace(user="alice", password=SECRET)
    assert payload.decode() == smtplib.SMTP.auth_plain(oracle)
    assert "s3cret" not in repr(sent)
    assert "czNjcmV0" not in repr(sent)
    [ok] = S(session, b"235 2.7.0 Authentication successful\r\n")
    assert ok.stage is Stage.AUTH
    assert session.authenticated
    assert session.state is SessionState.READY


def test_auth_login_answers_two_challenges_with_secrets():
    session = after_ehlo()
    first = session.auth("LOGIN", "alice", SECRET)
    assert not first.secret
    assert C(session) == b"AUTH LOGIN\r\n"
    S(session, b"334 VXNlcm5hbWU6\r\n")
    [user] = session.take_outgoing()
    assert (user.kind, user.secret, user.shown) == (SentKind.AUTH_RESPONSE, True, REDACTED)
    assert user.wire == base64.b64encode(b"alice") + b"\r\n"
    S(session, b"334 UGFzc3dvcmQ6\r\n")
    [password] = session.take_outgoing()
    assert password.wire == base64.b64encode(b"s3cret") + b"\r\n"
    assert password.reveal() == base64.b64encode(b"s3cret").decode()
    [answer] = S(session, b"535 5.7.8 Authentication credentials invalid\r\n")
    assert answer.stage is Stage.AUTH
    assert not session.authenticated
    assert session.state is SessionState.READY


def test_auth_cram_md5_matches_rfc_2195_and_smtplib():
    # RFC 2195 section 2, the example: user "tim", password "tanstaaftanstaaf"
    session = after_ehlo()
    session.auth("CRAM-MD5", "tim", RFC_2195_SECRET)
    assert C(session) == b"AUTH CRAM-MD5\r\n"
    challenge = b"<1896.697170952@postoffice.reston.mci.net>"
    S(session, b"334 " + base64.b64encode(challenge) + b"\r\n")
    [response] = session.take_outgoing()
    decoded = base64.b64decode(response.wire)
    assert decoded == b"tim b913a602c7eda7a495b4e6e7334d3890"
    oracle = SimpleNamespace(user="tim", password=RFC_2195_SECRET)
    assert decoded.decode() == smtplib.SMTP.auth_cram_md5(oracle, challenge)
    assert response.secret
    assert response.shown == REDACTED


def test_auth_cancels_with_a_star_on_a_challenge_it_cannot_decode():
    # RFC 4954 section 4: the client "MUST cancel the authentication using the "*" response"
    session = after_ehlo()
    session.auth("CRAM-MD5", "tim", "pw")
    C(session)
    S(session, b"334 not*base64!\r\n")
    [cancel] = session.take_outgoing()
    assert cancel.wire == b"*\r\n"
    assert not cancel.secret
    [answer] = S(session, b"501 5.7.0 Authentication cancelled\r\n")
    assert answer.findings == ()


def test_auth_plain_cancels_when_the_server_keeps_asking():
    session = after_ehlo()
    session.auth("PLAIN", "alice", "pw")
    C(session)
    S(session, b"334 \r\n")
    assert C(session) == b"*\r\n"


def test_starttls_resets_extensions_and_drops_injected_bytes():
    session = after_ehlo()
    session.starttls()
    assert C(session) == b"STARTTLS\r\n"
    # a man in the middle appends a command answer before the handshake (CERT VU#555316)
    events = S(session, b"220 2.0.0 Ready to start TLS\r\n250 injected\r\n")
    assert isinstance(events[0], Answer)
    assert events[0].stage is Stage.STARTTLS
    assert isinstance(events[1], Problem)
    assert events[1].finding.kind is FindingKind.UNSOLICITED_REPLY
    assert events[1].finding.param("bytes") == "14"
    assert session.state is SessionState.TLS_PENDING
    with pytest.raises(SessionUsageError, match="TLS"):
        session.ehlo("client.example.com")
    session.tls_established()
    assert session.tls
    assert session.extensions.keywords == ()
    session.ehlo("client.example.com")
    assert C(session) == b"EHLO client.example.com\r\n"
    [answer] = S(session, b"250-mx\r\n250 AUTH PLAIN\r\n")
    assert answer.findings == ()
    assert session.extensions.auth_mechanisms == ("PLAIN",)


def test_mail_parameters_only_when_advertised():
    bare = after_ehlo(b"250-mx\r\n250 PIPELINING\r\n")
    bare.mail("a@example.com", size=10, eight_bit=True, smtputf8=True)
    assert C(bare) == b"MAIL FROM:<a@example.com>\r\n"
    full = after_ehlo()
    full.mail("ä@example.com", size=10, eight_bit=True, smtputf8=True)
    assert C(full) == "MAIL FROM:<ä@example.com> SIZE=10 BODY=8BITMIME SMTPUTF8\r\n".encode()


def test_null_reverse_path():
    session = after_ehlo()
    session.mail("")
    assert C(session) == b"MAIL FROM:<>\r\n"


@pytest.mark.parametrize(
    "address", ["a@b\r\nRCPT TO:<evil@x>", "a>b@example.com", "a@b\x00", "x" * 300]
)
def test_addresses_that_would_break_the_command_are_refused(address):
    session = after_ehlo()
    with pytest.raises(SessionUsageError):
        session.rcpt(address)
    with pytest.raises(SessionUsageError):
        session.mail(address)


@pytest.mark.parametrize("name", ["", "two words", "a\r\nMAIL", "<x>"])
def test_bad_ehlo_names_are_refused(name):
    with pytest.raises(SessionUsageError, match="domain"):
        greeted().ehlo(name)


def test_extensions_lenient_forms():
    session = after_ehlo(b"250-mx\r\n250-AUTH=LOGIN PLAIN\r\n250-AUTH LOGIN\r\n250 SIZE\r\n")
    assert session.extensions.auth_mechanisms == ("LOGIN", "PLAIN")
    assert session.extensions.size == 0  # RFC 1870 section 3: no fixed limit


@pytest.mark.parametrize(
    ("message", "wire"),
    [
        (b"", b".\r\n"),
        (b".", b"..\r\n.\r\n"),
        (b"a\r\n.\r\nb", b"a\r\n..\r\nb\r\n.\r\n"),  # a lone dot inside is not the end
        (b"..two", b"...two\r\n.\r\n"),
        (b"a\nb\rc\r\n", b"a\r\nb\r\nc\r\n.\r\n"),  # bare LF and CR become CRLF
        (b"a\n.\n.\n", b"a\r\n..\r\n..\r\n.\r\n"),
        (b"x. y\r\n", b"x. y\r\n.\r\n"),  # dots inside a line stay
    ],
)
def test_dot_stuffing(message, wire):
    assert dot_stuff(message) == wire


def test_an_endless_continuation_ends_in_a_finding_with_bounded_memory():
    session = greeted()
    session.ehlo("client.example.com")
    C(session)
    chunk = b"250-SPAM SPAM SPAM SPAM SPAM\r\n" * 100
    events: list = []
    for _ in range(50):
        events = S(session, chunk)
        if events:
            break
        assert session.buffered <= 64 * 1024
    [problem] = events
    assert isinstance(problem, Problem)
    assert problem.fatal
    assert problem.finding.kind is FindingKind.REPLY_TOO_LONG
    assert problem.stage is Stage.EHLO
    assert session.state is SessionState.BROKEN
    assert S(session, chunk) == []  # nothing more is parsed


def test_a_one_megabyte_line_ends_in_a_finding_with_bounded_memory():
    session = greeted()
    session.ehlo("client.example.com")
    C(session)
    S(session, b"250-")
    seen = []
    for _ in range(256):  # 1 MiB in 4 KiB reads
        seen += S(session, b"A" * 4096)
        assert session.buffered <= 64 * 1024 + 4096
        if seen:
            break
    [problem] = seen
    assert problem.finding.kind is FindingKind.LINE_TOO_LONG
    assert problem.finding.severity is Severity.ERROR
    assert problem.fatal


def test_garbage_is_not_a_reply():
    session = ClientSession()
    session.connected()
    [problem] = S(session, b"\x00\xff\x13binary garbage\r\n")
    assert isinstance(problem, Problem)
    assert problem.fatal
    assert problem.stage is Stage.CONNECT
    assert problem.finding.param("code").startswith("\\x00")
    assert session.state is SessionState.BROKEN


def test_close_in_the_middle_of_a_reply():
    session = greeted()
    session.ehlo("client.example.com")
    C(session)
    assert S(session, b"250-mx.example.org\r\n250-SIZE") == []
    answer, problem = session.connection_lost()
    assert answer.reply.complete is False
    assert FindingKind.NO_FINAL_LINE in kinds(answer)
    assert problem.finding.kind is FindingKind.UNEXPECTED_CLOSE
    assert problem.finding.severity is Severity.ERROR
    assert problem.stage is Stage.EHLO


def test_close_in_the_middle_of_a_line_is_flagged():
    session = ClientSession()
    session.connected()
    assert S(session, b"220 mx rea") == []
    answer, problem = session.connection_lost()
    assert answer.reply.code == 220
    assert FindingKind.NO_FINAL_LINE in kinds(answer)
    assert problem.finding.kind is FindingKind.UNEXPECTED_CLOSE


def test_close_after_quit_without_221_is_only_a_warning():
    session = greeted()
    session.quit()
    [problem] = session.connection_lost()
    assert problem.finding.kind is FindingKind.UNEXPECTED_CLOSE
    assert problem.finding.severity is Severity.WARNING


def test_timeout_names_the_stage_and_the_seconds():
    session = greeted()
    session.mail("a@example.com")
    problem = session.timed_out(2.5)
    assert (problem.stage, problem.finding.kind) == (Stage.MAIL, FindingKind.TIMEOUT)
    assert problem.finding.param("seconds") == "2.5"
    assert session.state is SessionState.BROKEN
    assert not session.awaiting_reply


def test_every_session_finding_reads_in_english_and_thai():
    """The findings carry the parameters the catalogue's phrases need."""
    findings = []
    session = after_ehlo()
    session.mail("a@example.com")
    findings += S(session, b"250 Ok\r\n")[0].findings  # enhanced-missing
    session.rcpt("b@example.org")
    findings += S(session, b"354 what\r\n")[0].findings  # unexpected-code
    findings += S(session, b"250 2.0.0 nobody asked\r\n")[0].findings  # unsolicited
    findings.append(session.timed_out(3).finding)
    closed = greeted()
    closed.ehlo("x.example")
    findings += [e.finding for e in closed.connection_lost() if isinstance(e, Problem)]
    long_line = greeted()
    long_line.ehlo("x.example")
    findings.append(long_line.receive(b"2" * 70000)[0].finding)
    endless = greeted()
    endless.ehlo("x.example")
    findings.append(endless.receive(b"250-x\r\n" * 300)[0].finding)
    assert len({f.kind for f in findings}) == 7
    for lang in ("en", "th"):
        for finding, note in zip(findings, finding_notes(tuple(findings), lang), strict=True):
            assert note.message != finding.detail, (lang, finding.kind)
            assert "{" not in note.message


@pytest.mark.parametrize("size", [1, 2, 3, 7, 64])
def test_chunked_feeding_equals_whole_feeding(size):
    def run(size: int) -> list:
        session = ClientSession()
        session.connected()
        events = []
        for reply, then in (
            (b"220 hi\r\n", lambda: session.ehlo("c.example")),
            (EHLO_REPLY, lambda: None),
        ):
            for start in range(0, len(reply), size):
                events += session.receive(reply[start : start + size])
            then()
        return [(e.reply.code, e.stage, e.reply.lines, e.all_findings) for e in events]

    assert run(size) == run(1 << 20)
