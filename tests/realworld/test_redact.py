"""redact(): addresses, IP addresses and host names out; codes, RFCs and versions stay."""

from __future__ import annotations

import json
import re

import pytest

from smtpcodes.explain import explain, redact, redact_explanation
from smtpcodes.explain._secrets import scrub_secrets

POSTFIX = (
    "Jun 18 10:00:01 mail postfix/smtp[811]: 4BQ2Xk1z: to=<bob@example.org>, "
    "relay=gmail-smtp-in.l.google.com[142.250.4.27]:25, delay=0.4, dsn=5.1.1, status=bounced "
    "(host gmail-smtp-in.l.google.com[142.250.4.27] said: 550-5.1.1 The email account that you "
    "tried to reach does not exist. Please try 550-5.1.1 double-checking the recipient's email "
    "address for typos. 550 5.1.1  https://support.google.com/mail/?p=NoSuchUser "
    "d2sm1234567pfb.12 - gsmtp (in reply to RCPT TO command))"
)

PERSONAL = [
    "bob@example.org",
    "gmail-smtp-in.l.google.com",
    "142.250.4.27",
    "support.google.com",
]


def test_nothing_personal_survives() -> None:
    out = redact(POSTFIX)
    for value in PERSONAL:
        assert value not in out
    assert "<address-1>" in out
    assert "<ip-1>" in out
    assert "<host-1>" in out


def test_codes_rfcs_and_protocol_words_survive() -> None:
    text = (
        "550 5.1.1 <bob@example.org> rejected, see RFC 5321 section 4.5.3.1.10 and RFC5322.From; "
        "X.7.8 4.7.0 dsn=5.1.1 status=bounced Postfix 3.7.10 smtplib.SMTPAuthenticationError "
        "javax.mail.AuthenticationFailedException (SMTPTransport.java:947) index.js "
        "smtp.mailfrom=bob@example.org header.from=example.org gsmtp"
    )
    out = redact(text)
    for kept in (
        "550 5.1.1",
        "RFC 5321 section 4.5.3.1.10",
        "RFC5322.From",
        "X.7.8 4.7.0",
        "dsn=5.1.1",
        "Postfix 3.7.10",
        "smtplib.SMTPAuthenticationError",
        "javax.mail.AuthenticationFailedException",
        "SMTPTransport.java:947",
        "index.js",
        "smtp.mailfrom=",
        "header.from=",
        "gsmtp",
    ):
        assert kept in out, kept
    assert "bob@example.org" not in out
    assert "example.org" not in out


def test_the_same_value_gets_the_same_token() -> None:
    out = redact(
        "a@example.org, A@EXAMPLE.ORG and c@example.org via mx.example.net and MX.example.net"
    )
    assert out == "<address-1>, <address-1> and <address-2> via <host-1> and <host-1>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[192.0.2.1]", "[<ip-1>]"),
        ("client 2001:db8::7 and IPv6:2001:db8::8", "client <ip-1> and <ip-2>"),
        ("at 12:30:45 on 2026-06-18", "at 12:30:45 on 2026-06-18"),  # times are not IPv6
        ("user@[192.0.2.9]", "<address-1>"),
        ("RCPT TO:<bob@example.org> NOTIFY=NEVER", "RCPT TO:<address-1> NOTIFY=NEVER"),
        ("{'bob@example.org': (550, b'5.1.1 ...')}", "{'<address-1>': (550, b'5.1.1 ...')}"),
        ("version 1.2.3.4.5 of 4.16.55", "version 1.2.3.4.5 of 4.16.55"),
    ],
)
def test_redaction_cases(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_secrets_are_removed_even_without_redaction() -> None:
    transcript = (
        "C: AUTH PLAIN AGJvYkBleGFtcGxlLm9yZwBodW50ZXIy\nS: 535 5.7.8 Authentication failed\n"
        " -> AUTH LOGIN\n<-  334 VXNlcm5hbWU6\n -> Ym9i\n<-  334 UGFzc3dvcmQ6\n -> aHVudGVyMg==\n"
        "<** 535 5.7.8 Error: authentication failed\n"
    )
    out = scrub_secrets(transcript)
    for secret in ("AGJvYkBleGFtcGxlLm9yZwBodW50ZXIy", "Ym9i", "aHVudGVyMg=="):
        assert secret not in out
    assert "334 VXNlcm5hbWU6" in out  # the server's challenges are no secret
    assert "<secret>" in out


def test_classify_first_then_redact() -> None:
    plain = explain(POSTFIX)
    red = redact_explanation(plain)
    # the verdict is the one found on the original text (the host named the provider)
    assert red.reason == plain.reason
    assert red.bounce == plain.bounce
    assert red.provider == plain.provider
    assert red.command == plain.command
    dump = json.dumps(
        [red.input, red.reply.lines, red.reply.text, [e.matched for e in red.evidence]]
    )  # type: ignore[union-attr]
    for value in PERSONAL:
        assert value not in dump
    # one numbering across all fields: the host in the input is the host in the reply lines
    assert re.findall(r"<host-\d+>", red.reply.lines[-1]) == ["<host-2>"]  # type: ignore[union-attr]
    assert "<host-1>[<ip-1>]" in red.input


def test_cli_redact_hides_personal_data_in_text_and_json(run_cli) -> None:
    text = run_cli("explain", "--redact", POSTFIX)
    assert text.code == 0, text.err
    as_json = run_cli("explain", "--redact", "--json", POSTFIX)
    assert as_json.code == 0, as_json.err
    document = json.loads(as_json.out)
    assert document["reason"]["id"] == "userunknown"
    for output in (text.out, as_json.out):
        # (support.google.com stays where it is our own data: the provider's docs link)
        for value in PERSONAL[:3]:
            assert value not in output
        assert "5.1.1" in output
    plain = run_cli("explain", POSTFIX)
    assert "bob@example.org" in plain.out or "google.com" in plain.out  # without --redact: kept


def test_the_web_form_gets_the_plain_function() -> None:
    from smtpcodes.explain import redact as exported

    assert exported("mail from x@example.com") == "mail from <address-1>"
