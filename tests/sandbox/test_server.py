"""The scripted server, sans-IO: a conversation in, bytes and actions out (no sockets)."""

from __future__ import annotations

import base64
import hmac

import pytest

from smtpcodes.protocol import Stage, parse_replies
from smtpcodes.sandbox import Director, Rule, Scenario, ServerSession, Settings, load_scenarios
from smtpcodes.sandbox._server import MAX_COMMAND_LINE, Close, Send, StartTls

SCENARIOS = load_scenarios()


def _session(scenario: Scenario | str = "data-354", **settings) -> ServerSession:
    if isinstance(scenario, str):
        scenario = SCENARIOS.get(scenario)
    return ServerSession(Director(scenario, seed=0), Settings.of(scenario, **settings))


def _sent(actions) -> bytes:
    return b"".join(a.data for a in actions if isinstance(a, Send))


def _codes(actions) -> list[str]:
    return [r.code_text for r in parse_replies(_sent(actions), wire=True)]


def _talk(session: ServerSession, *lines: str) -> list[str]:
    """Send command lines; return the reply codes, in order."""
    return _codes(session.receive("".join(f"{line}\r\n" for line in lines).encode()))


def _ready(scenario: Scenario | str = "data-354", **settings) -> ServerSession:
    session = _session(scenario, **settings)
    assert _codes(session.start()) == ["220"]
    assert _talk(session, "EHLO client.test") == ["250"]
    return session


def test_a_normal_session():
    session = _session()
    greeting = session.start()
    assert _sent(greeting) == b"220 sandbox.smtpcodes.test ESMTP smtpcodes sandbox\r\n"
    ehlo = session.receive(b"EHLO client.test\r\n")
    [reply] = parse_replies(_sent(ehlo), wire=True)
    keywords = [line.text.split()[0] for line in reply.lines[1:]]
    assert keywords == ["PIPELINING", "SIZE", "8BITMIME", "AUTH", "ENHANCEDSTATUSCODES"]
    assert _talk(session, "MAIL FROM:<a@example.test>", "RCPT TO:<b@example.test>", "DATA") == [
        "250",
        "250",
        "354",
    ]
    assert _talk(session, "Subject: x", "", "..leading dot", ".") == ["250"]
    assert session.director.stats.messages_accepted == 1
    # the dot-stuffed line counts once: "Subject: x\r\n" + "\r\n" + ".leading dot\r\n"
    assert session.director.stats.bytes_discarded == 12 + 2 + 14
    actions = session.receive(b"QUIT\r\n")
    assert _codes(actions) == ["221"]
    assert isinstance(actions[-1], Close)
    assert session.closed
    assert session.receive(b"NOOP\r\n") == []


def test_pipelined_commands_are_answered_in_order_in_one_go():
    session = _ready()
    data = b"RSET\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nRCPT TO:<c@x.test>\r\nDATA\r\n"
    assert _codes(session.receive(data)) == ["250", "250", "250", "250", "354"]


def test_commands_split_across_reads_are_reassembled():
    session = _ready()
    assert session.receive(b"MAIL FR") == []
    assert _codes(session.receive(b"OM:<a@x.test>\r\n")) == ["250"]


@pytest.mark.parametrize(
    ("lines", "codes"),
    [
        (["MAIL FROM:<a@x.test>", "MAIL FROM:<a@x.test>"], ["250", "503"]),  # nested MAIL
        (["RCPT TO:<b@x.test>"], ["503"]),  # RCPT before MAIL
        (["DATA"], ["503"]),
        (["MAIL FROM:<a@x.test>", "DATA"], ["250", "503"]),  # no RCPT at all
        (["MAIL TO:<a@x.test>"], ["501"]),
        (["EHLO"], ["501"]),
        (["BOGUS"], ["500"]),
        (["VRFY someone"], ["252"]),
        (["HELP"], ["214"]),
        (["ETRN example.test"], ["502"]),
        (["NOOP", "RSET"], ["250", "250"]),
        (["STARTTLS"], ["502"]),  # no certificate: not offered
        (["AUTH"], ["501"]),
        (["AUTH GSSAPI"], ["504"]),
        (["QUIT now"], ["501"]),
    ],
)
def test_sequence_and_syntax_errors(lines, codes):
    assert _talk(_ready(), *lines) == codes


def test_commands_before_ehlo_are_refused():
    session = _session()
    session.start()
    assert _talk(session, "MAIL FROM:<a@x.test>", "AUTH PLAIN") == ["503", "503"]
    assert _talk(session, "HELO client.test", "MAIL FROM:<a@x.test>") == ["250", "250"]


def test_helo_gets_one_line_and_no_auth():
    session = _session()
    session.start()
    actions = session.receive(b"HELO client.test\r\n")
    assert _sent(actions) == b"250 sandbox.smtpcodes.test\r\n"
    assert _talk(session, "AUTH PLAIN") == ["503"]  # RFC 4954 section 4: AUTH needs EHLO


def test_data_after_every_rcpt_was_refused_gets_554_as_in_rfc_2920():
    session = _ready("data-554")
    commands = b"MAIL FROM:<a@x.test>\r\nRCPT TO:<b@x.test>\r\nDATA\r\n"
    assert _codes(session.receive(commands)) == ["250", "550", "554"]


def test_a_long_command_line_gets_500_and_is_not_buffered():
    session = _ready()
    assert session.receive(b"X" * (MAX_COMMAND_LINE + 10)) == []
    assert session.receive(b"Y" * (MAX_COMMAND_LINE * 4)) == []
    assert _codes(session.receive(b"\r\nNOOP\r\n")) == ["500", "250"]


def test_non_ascii_command_bytes_get_500():
    assert _codes(_ready().receive(b"\xff\xfeHELO\r\n")) == ["500"]


# -- STARTTLS --------------------------------------------------------------------------


def test_starttls_upgrades_and_forgets_what_came_before():
    session = _ready(tls=True)
    actions = session.receive(b"STARTTLS\r\nMAIL FROM:<injected@x.test>\r\n")
    assert _codes(actions) == ["220"]
    assert isinstance(actions[-1], StartTls)  # the pipelined MAIL was dropped
    session.tls_started()
    assert _talk(session, "MAIL FROM:<a@x.test>") == ["503"]  # EHLO again first
    ehlo = session.receive(b"EHLO client.test\r\n")
    assert b"STARTTLS" not in _sent(ehlo)
    assert _talk(session, "STARTTLS") == ["503"]


def test_a_starttls_rule_refuses_it():
    session = _ready("starttls-454", tls=True)
    actions = session.receive(b"STARTTLS\r\n")
    assert _codes(actions) == ["454"]
    assert not any(isinstance(a, StartTls) for a in actions)


# -- AUTH ------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("password", "code"), [(b"sandbox", "235"), (b"wrong", "535"), (b"", "535")]
)
def test_auth_plain_with_an_initial_response(password, code):
    session = _ready()
    token = _b64(b"\0sandbox\0" + password)
    assert _talk(session, f"AUTH PLAIN {token}") == [code]


def test_auth_plain_without_initial_response_gets_an_empty_challenge():
    session = _ready()
    actions = session.receive(b"AUTH PLAIN\r\n")
    assert _sent(actions) == b"334 \r\n"  # RFC 4954 section 4: the space is there
    assert _talk(session, _b64(b"\0sandbox\0sandbox")) == ["235"]
    assert _talk(session, "AUTH PLAIN") == ["503"]  # once per session


def test_auth_login_asks_for_user_then_password():
    session = _ready(user="alice", password="s3cret")  # noqa: S106 - a test value
    assert _sent(session.receive(b"AUTH LOGIN\r\n")) == b"334 VXNlcm5hbWU6\r\n"
    assert _sent(session.receive(f"{_b64(b'alice')}\r\n".encode())) == b"334 UGFzc3dvcmQ6\r\n"
    assert _talk(session, _b64(b"s3cret")) == ["235"]


def test_auth_cram_md5_checks_the_digest_of_the_challenge():
    session = _ready()
    [challenge_reply] = parse_replies(_sent(session.receive(b"AUTH CRAM-MD5\r\n")), wire=True)
    assert challenge_reply.code == 334
    challenge = base64.b64decode(challenge_reply.lines[0].text)
    assert challenge.startswith(b"<")
    assert challenge.endswith(b"@sandbox.smtpcodes.test>")
    digest = hmac.new(b"sandbox", challenge, "md5").hexdigest()
    assert _talk(session, _b64(f"sandbox {digest}".encode())) == ["235"]


@pytest.mark.parametrize(("response", "code"), [("*", "501"), ("not base64!", "501")])
def test_auth_cancelled_or_garbled(response, code):
    session = _ready()
    session.receive(b"AUTH LOGIN\r\n")
    assert _talk(session, response) == [code]
    assert _talk(session, "NOOP") == ["250"]  # back to commands


def test_auth_rules_answer_after_the_exchange_or_at_once():
    after = _ready("auth-535")
    assert _codes(after.receive(b"AUTH LOGIN\r\n")) == ["334"]
    after.receive(f"{_b64(b'sandbox')}\r\n".encode())
    assert _talk(after, _b64(b"sandbox")) == ["535"]  # right credentials, still 535
    immediate = _ready("auth-538")
    assert _talk(immediate, "AUTH PLAIN") == ["538"]


# -- scenario rules ----------------------------------------------------------------------


def test_a_refused_greeting_554_answers_503_until_quit():
    session = _session("connect-554")
    assert _codes(session.start()) == ["554"]
    assert _talk(session, "EHLO client.test", "MAIL FROM:<a@x.test>") == ["503", "503"]
    assert _talk(session, "QUIT") == ["221"]
    assert session.closed


def test_a_521_greeting_repeats_521_until_quit():
    session = _session("connect-521")
    assert _codes(session.start()) == ["521"]
    assert _talk(session, "EHLO client.test") == ["521"]
    assert _talk(session, "QUIT") == ["221"]


def test_a_421_greeting_closes():
    session = _session("connect-421")
    actions = session.start()
    assert _codes(actions) == ["421"]
    assert isinstance(actions[-1], Close)
    assert session.closed


def test_too_many_recipients_after_the_first():
    session = _ready("rcpt-452")
    rcpts = [f"RCPT TO:<r{i}@x.test>" for i in range(3)]
    assert _talk(session, "MAIL FROM:<a@x.test>", *rcpts) == ["250", "250", "452", "452"]
    assert _talk(session, "DATA") == ["354"]  # one recipient was accepted


def test_size_is_checked_when_declared_and_when_measured():
    declared = _ready("mail-552")
    assert _talk(declared, "MAIL FROM:<a@x.test> SIZE=201") == ["552"]
    assert _talk(declared, "MAIL FROM:<a@x.test> SIZE=200") == ["250"]
    measured = _ready("end-of-data-552")
    assert _talk(measured, "MAIL FROM:<a@x.test> SIZE=99999", "RCPT TO:<b@x.test>", "DATA") == [
        "250",
        "250",
        "354",
    ]
    assert _talk(measured, "x" * 300, ".") == ["552"]
    assert measured.director.stats.messages_accepted == 0


def test_a_huge_message_line_is_counted_not_kept():
    session = _ready("end-of-data-552")
    _talk(session, "MAIL FROM:<a@x.test>", "RCPT TO:<b@x.test>", "DATA")
    for _ in range(20):
        assert session.receive(b"y" * 100_000) == []
    assert len(session._buffer) <= 4096
    assert _talk(session, "", ".") == ["552"]


def test_drop_mid_data_closes_without_a_reply_once_the_message_starts():
    session = _ready("drop-mid-data")
    assert _talk(session, "MAIL FROM:<a@x.test>", "RCPT TO:<b@x.test>", "DATA") == [
        "250",
        "250",
        "354",
    ]
    actions = session.receive(b"Subject: x\r\n")
    assert actions == [Close()]
    assert session.closed


def test_bare_lf_and_delay_are_carried_in_the_action():
    rule = Rule(Stage.EHLO, ("250-a", "250 b"), bare_lf=True, delay=1.5)
    scenario = Scenario("t", "250", Stage.EHLO, (rule,))
    session = _session(scenario)
    session.start()
    [action] = session.receive(b"EHLO x\r\n")
    assert action == Send(b"250-a\n250 b\n", 1.5)


def test_an_ehlo_rule_applies_to_helo_too_unless_a_command_is_named():
    both = Scenario("t", "502", Stage.EHLO, (Rule(Stage.EHLO, ("502 5.5.1 no",)),))
    session = _session(both)
    session.start()
    assert _talk(session, "EHLO a", "HELO a") == ["502", "502"]
    only = Scenario("t", "502", Stage.EHLO, (Rule(Stage.EHLO, ("502 5.5.1 no",), command="EHLO"),))
    session = _session(only)
    session.start()
    assert _talk(session, "EHLO a", "HELO a") == ["502", "250"]


def test_other_commands_get_their_rule():
    session = _ready("other-214")
    assert _talk(session, "HELP", "VRFY x") == ["214", "252"]
    assert session.director.stats.rule_replies == {"214": 1}
