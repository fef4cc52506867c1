"""`smtpcodes explain` on real-world text: the verdict in text and JSON, in English and Thai."""

from __future__ import annotations

import contextlib
import json
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtpcodes._errors import SmtpcodesError
from smtpcodes.explain import explain

LOG = (
    "Jun 18 10:00:01 mail postfix/smtp[811]: 4BQ2: to=<bob@example.org>, relay=mx.example.org"
    "[192.0.2.1]:25, dsn=4.2.2, status=deferred (host mx.example.org[192.0.2.1] said: 452 4.2.2 "
    "<bob@example.org>: Mailbox full (in reply to RCPT TO command))"
)


def test_text_output_shows_the_whole_verdict(run_cli) -> None:
    result = run_cli("explain", LOG)
    assert result.code == 0, result.err
    out = result.out
    for expected in (
        "What happened",
        "Why it failed: The recipient's mailbox is full",
        "Hard or soft: temporary failure (soft bounce)",
        "Retry: Retry later",
        "Who must act: the recipient",
        "In reply to: RCPT TO",
        "Why we say so",
        "Found in: The reply was found in a Postfix log line or bounce.",
        "452 4.2.2 <bob@example.org>: Mailbox full",
    ):
        assert expected in out, expected
    assert "\x1b[" not in out


def test_json_output_carries_the_verdict(run_cli) -> None:
    result = run_cli("explain", "--json", LOG)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["schema"] == "smtpcodes/explanation@1"
    assert document["form"] == "postfix"
    assert document["reason"]["id"] == "mailboxfull"
    assert document["bounce"]["hard"] is False
    assert document["retry"]["advice"] == "later"
    assert [p["id"] for p in document["who_acts"]] == ["recipient"]
    assert document["command"] == {"stage": "rcpt", "label": "RCPT TO", "said": "RCPT TO"}
    assert {e["decides"] for e in document["evidence"]} == {"reply", "command", "reason", "bounce"}
    assert document["reply"]["code"] == "452"


def test_thai_output(run_cli) -> None:
    result = run_cli("explain", "--lang", "th", LOG)
    assert result.code == 0, result.err
    for expected in (
        "เกิดอะไรขึ้น",
        "สาเหตุที่ส่งไม่สำเร็จ: กล่องจดหมายของผู้รับเต็ม",
        "ล้มเหลวชั่วคราว (ตีกลับชั่วคราว)",
        "ใครต้องดำเนินการ: ผู้รับ",
        "เป็นคำตอบของ: คำสั่ง RCPT TO",
        "เหตุผลที่สรุปเช่นนี้",
    ):
        assert expected in result.out, expected


def test_a_code_alone_also_gets_a_verdict(run_cli) -> None:
    result = run_cli("explain", "--json", "535")
    document = json.loads(result.out)
    assert document["reason"]["id"] == "securityerror"
    assert document["bounce"]["hard"] is True
    text = run_cli("explain", "535")
    assert "Why it failed: SMTP authentication or a security step failed" in text.out


def test_standard_input_with_a_library_error(run_cli) -> None:
    error = (
        b"smtplib.SMTPSenderRefused: (553, b'5.7.1 <a@example.com>: Sender address rejected: "
        b"not owned by user', 'a@example.com')\n"
    )
    result = run_cli("explain", "--json", "-", stdin=error)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert (document["form"], document["command"]["stage"], document["reason"]["id"]) == (
        "smtplib",
        "mail",
        "rejected",
    )


def test_text_without_a_reply_is_a_clear_error(run_cli) -> None:
    result = run_cli("explain", "SMTP Error: Could not authenticate.")
    assert result.code == 1
    assert result.err.startswith("smtpcodes: PHPMailer's summary")
    assert "Traceback" not in result.err
    other = run_cli("explain", "the mail did not go out")
    assert other.code == 1
    assert "no SMTP reply (such as '550 5.1.1 ...') was found inside the text" in other.err


# -- bad input: a clear error or an explanation, never a traceback or a hang -------------------

FRAGMENTS = st.sampled_from(
    [
        "550",
        "5.1.1",
        "-",
        " ",
        "\n",
        "said: ",
        "(in reply to ",
        " command)",
        "SMTPAuthenticationError(",
        "b'",
        "'",
        "\\n",
        "Invalid login: ",
        "SMTP ERROR: Password command failed: ",
        "SMTP error from remote mail server after RCPT TO:<a@b>: ",
        "Diagnostic-Code: smtp; ",
        "Status: ",
        "dsn=5.1.1 status=bounced (",
        "javax.mail.AuthenticationFailedException: ",
        "SERVER -> CLIENT: ",
        "<** ",
        "user unknown",
        "gsmtp",
        "ä",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=14).map("".join))
def test_any_text_gives_an_explanation_or_our_error(text: str) -> None:
    try:
        expl = explain(text)
    except SmtpcodesError:
        return
    assert expl.primary is not None


def test_long_hostile_input_is_handled_quickly() -> None:
    hostile = [
        "said: 550-" + "550-x " * 20000,
        "SMTPAuthenticationError(535, b'" + "\\\\" * 50000,
        "(" * 50000 + "550 5.1.1 x",
        "a@" * 30000 + "b",
        "SMTP error from remote mail server after " + "x:" * 30000,
        "550 " + "user unknown " * 10000,
    ]
    for text in hostile:
        start = time.perf_counter()
        with contextlib.suppress(SmtpcodesError):
            explain(text)
        assert time.perf_counter() - start < 2.0, text[:40]
