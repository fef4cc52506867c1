"""Replies inside what people paste: log lines, bounces and library errors (issue 6, item 1).

One table; each row is text as the software writes it, and what explain() must find in it:
the form, the reply (code, enhanced code, first line), the command it answered, the provider,
the reason and hard/soft.  Rules: the shipped reasons and patterns with the example
providers of conftest.py, so the expectations follow the engine, not the provider files.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from smtpcodes._errors import ReplyParseError
from smtpcodes.explain import Explanation, Rules, explain


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    form: str
    code: str | None
    enhanced: str | None
    command: str | None  #: Stage value
    reason: str
    hard: bool
    provider: str | None = None
    first_line: str = ""  #: the reply's first line, when worth checking
    lines: int = 0  #: the number of reply lines, when worth checking


GMAIL_MULTILINE_BYTES = (
    "b'5.7.8 Username and Password not accepted. For more information, go to\\n"
    "5.7.8  https://support.google.com/mail/?p=BadCredentials d2sm1234567pfb.12 - gsmtp'"
)

CASES = [
    # -- Postfix ---------------------------------------------------------------------------
    Case(
        "postfix-rcpt",
        "Jun 18 10:00:01 mail postfix/smtp[811]: 4BQ2Xk1z: to=<bob@example.org>, "
        "relay=mx.example.org[192.0.2.1]:25, delay=0.4, dsn=5.1.1, status=bounced "
        "(host mx.example.org[192.0.2.1] said: 550 5.1.1 <bob@example.org>: Recipient address "
        "rejected: User unknown in local recipient table (in reply to RCPT TO command))",
        "postfix", "550", "5.1.1", "rcpt", "userunknown", True,
        first_line="550 5.1.1 <bob@example.org>: Recipient address rejected: "
        "User unknown in local recipient table",
    ),
    Case(
        "postfix-joined-multiline-end-of-data",
        "host gmail-smtp-in.l.google.com[142.250.4.27] said: 550-5.7.26 This mail is "
        "unauthenticated, which poses a security risk to the 550-5.7.26 sender and Gmail users, "
        "and has been blocked. The sender must 550-5.7.26 authenticate with at least one of SPF "
        "or DKIM. 550 5.7.26 https://support.google.com/mail/answer/81126 d2sm - gsmtp "
        "(in reply to end of DATA command)",
        "postfix", "550", "5.7.26", "end-of-data", "authfailure", True, lines=4,
    ),
    Case(
        "postfix-greeting",
        "host mx.example.org[192.0.2.1] refused to talk to me: 554 5.7.1 Service unavailable; "
        "Client host [198.51.100.7] blocked using zen.spamhaus.org",
        "postfix", "554", "5.7.1", "connect", "blocked", True,
    ),
    Case(
        "postfix-sasl",
        "warning: SASL authentication failed; server smtp.example.net[203.0.113.5] said: "
        "535 5.7.8 Error: authentication failed: authentication failure",
        "postfix", "535", "5.7.8", "auth", "securityerror", True,
    ),
    Case(
        "postfix-deferred-mailbox-full",
        "postfix/smtp[90]: 4BQ: to=<a@example.org>, dsn=4.2.2, status=deferred (host "
        "mx.example.org[192.0.2.1] said: 452 4.2.2 <a@example.org>: Mailbox full (in reply to "
        "RCPT TO command))",
        "postfix", "452", "4.2.2", "rcpt", "mailboxfull", False,
    ),
    Case(
        "postfix-local-dsn-only",
        'Jun 18 10:00:02 mail postfix/local[812]: 4BQ2Xk1z: to=<bob@example.org>, relay=local, '
        'delay=0.1, dsn=5.1.1, status=bounced (unknown user: "bob")',
        "postfix", None, "5.1.1", None, "userunknown", True,
    ),
    Case(
        "postfix-timeout-dsn-only",
        "postfix/smtp[9]: 4BQ: to=<a@example.org>, relay=none, delay=30, dsn=4.4.1, "
        "status=deferred (connect to mx.example.org[192.0.2.1]:25: Connection timed out)",
        "postfix", None, "4.4.1", None, "networkerror", False,
    ),
    Case(
        "postfix-bounce-body-folded",
        "<bob@example.org>: host mx.example.org[192.0.2.1] said: 552-5.2.2 The recipient's\n"
        "    inbox is out of storage space.\n"
        "    552 5.2.2 Please direct the recipient to free space (in reply to RCPT TO command)",
        "postfix", "552", "5.2.2", "rcpt", "mailboxfull", True, lines=2,
    ),
    Case(
        "postfix-provider-by-host",
        "host mx1.example-mx.net[192.0.2.9] said: 550 5.1.1 no mailbox here (in reply to "
        "RCPT TO command)",
        "postfix", "550", "5.1.1", "rcpt", "userunknown", True, provider="examplemail",
    ),
    # -- Exim ------------------------------------------------------------------------------
    Case(
        "exim-log",
        "2026-06-18 10:00:00 1uQ2-000A-00 ** bob@example.org R=dnslookup T=remote_smtp "
        "H=mx.example.org [192.0.2.1]: SMTP error from remote mail server after "
        "RCPT TO:<bob@example.org>: 550 5.1.1 <bob@example.org>: Recipient address rejected: "
        "User unknown",
        "exim", "550", "5.1.1", "rcpt", "userunknown", True,
    ),
    Case(
        "exim-bounce-host-on-next-line",
        "  bob@example.org\n    SMTP error from remote mail server after end of data:\n"
        "    host mx.example.org [192.0.2.1]: 552 5.3.4 Message size exceeds fixed limit",
        "exim", "552", "5.3.4", "end-of-data", "mesgtoobig", True,
    ),
    Case(
        "exim-mail-from-with-size",
        "SMTP error from remote mail server after MAIL FROM:<alice@example.com> SIZE=2048: "
        "553 5.1.8 <alice@example.com>: Sender address rejected: Domain not found",
        "exim", "553", "5.1.8", "mail", "rejected", True,
    ),
    # -- Python smtplib ----------------------------------------------------------------------
    Case(
        "smtplib-recipients-refused",
        "smtplib.SMTPRecipientsRefused: {'bob@example.org': (550, b'5.1.1 The email account "
        "that you tried to reach does not exist.')}",
        "smtplib", "550", "5.1.1", "rcpt", "userunknown", True,
    ),
    Case(
        "smtplib-recipients-refused-repr",
        "SMTPRecipientsRefused({'bob@example.org': (450, b'4.2.1 The user you are trying to "
        "contact is receiving mail too quickly.')})",
        "smtplib", "450", "4.2.1", "rcpt", "ratelimited", False,
    ),
    Case(
        "smtplib-authentication-multiline",
        f"SMTPAuthenticationError(535, {GMAIL_MULTILINE_BYTES})",
        "smtplib", "535", "5.7.8", "auth", "securityerror", True, lines=2,
        first_line="535-5.7.8 Username and Password not accepted. For more information, go to",
    ),
    Case(
        "smtplib-traceback-last-line",
        "Traceback (most recent call last):\n  File \"send.py\", line 9, in <module>\n"
        "    server.login(user, password)\n"
        f"smtplib.SMTPAuthenticationError: (535, {GMAIL_MULTILINE_BYTES})",
        "smtplib", "535", "5.7.8", "auth", "securityerror", True,
    ),
    Case(
        "smtplib-str-tuple",
        "(535, b'5.7.8 Authentication credentials invalid')",
        "smtplib", "535", "5.7.8", None, "securityerror", True,
    ),
    Case(
        "smtplib-sender-refused",
        "SMTPSenderRefused(553, b'5.7.1 <alice@example.com>: Sender address rejected: not "
        "owned by user bob@example.com', 'alice@example.com')",
        "smtplib", "553", "5.7.1", "mail", "rejected", True,
    ),
    Case(
        "smtplib-data-error-escaped-bytes",
        "SMTPDataError(554, b'5.7.1 Message rejected: virus found \\xe2\\x80\\x94 Eicar-Test')",
        "smtplib", "554", "5.7.1", "data", "virusdetected", True,
        first_line="554 5.7.1 Message rejected: virus found \u2014 Eicar-Test",
    ),
    Case(
        "aiosmtplib-str-message",
        "aiosmtplib.errors.SMTPRecipientRefused: (550, '5.1.1 <bob@example.org>: "
        "Recipient address rejected: User unknown')",
        "smtplib", "550", "5.1.1", "rcpt", "userunknown", True,
    ),
    # -- Nodemailer --------------------------------------------------------------------------
    Case(
        "nodemailer-invalid-login",
        "Error: Invalid login: 535-5.7.8 Username and Password not accepted. For more "
        "information, go to\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials "
        "x12sm - gsmtp\n    at SMTPConnection._formatError (smtp-connection/index.js:798:19)",
        "nodemailer", "535", "5.7.8", "auth", "securityerror", True, lines=2,
    ),
    Case(
        "nodemailer-all-recipients-rejected",
        "Error: Can't send mail - all recipients were rejected: 550 5.1.1 <bob@example.org>: "
        "Recipient address rejected: User unknown in virtual mailbox table",
        "nodemailer", "550", "5.1.1", "rcpt", "userunknown", True,
    ),
    Case(
        "nodemailer-message-failed",
        "Error: Message failed: 550 5.7.1 Message rejected as spam by Content Filtering.",
        "nodemailer", "550", "5.7.1", "end-of-data", "spamdetected", True,
    ),
    Case(
        "nodemailer-inspect-object",
        "{ Error: Mail command failed\n  code: 'EENVELOPE',\n  response: '553 5.7.1 Sender "
        "address rejected: not logged in',\n  responseCode: 553,\n  command: 'MAIL FROM' }",
        "nodemailer", "553", "5.7.1", "mail", "rejected", True,
    ),
    Case(
        "nodemailer-json-with-escaped-newlines",
        '{"code":"EAUTH","response":"535-5.7.8 Username and Password not accepted.\\r\\n535 '
        '5.7.8 https://support.google.com/mail/?p=BadCredentials - gsmtp","responseCode":535,'
        '"command":"AUTH PLAIN"}',
        "nodemailer", "535", "5.7.8", "auth", "securityerror", True, lines=2,
    ),
    # -- PHPMailer ---------------------------------------------------------------------------
    Case(
        "phpmailer-password-command",
        "2026-06-18 10:00:00\tSMTP ERROR: Password command failed: 535-5.7.8 Username and "
        "Password not accepted. Learn more at\n                   \t                  "
        "535 5.7.8  https://support.google.com/mail/?p=BadCredentials q3sm - gsmtp",
        "phpmailer", "535", "5.7.8", "auth", "securityerror", True, lines=2,
    ),
    Case(
        "phpmailer-rcpt",
        "SMTP ERROR: RCPT TO command failed: 550 5.1.1 <bob@example.org>: Recipient address "
        "rejected: User unknown",
        "phpmailer", "550", "5.1.1", "rcpt", "userunknown", True,
    ),
    Case(
        "phpmailer-data-end",
        "SMTP ERROR: DATA END command failed: 552 5.3.4 Message size exceeds fixed maximum "
        "message size",
        "phpmailer", "552", "5.3.4", "end-of-data", "mesgtoobig", True,
    ),
    Case(
        "phpmailer-recipients-failed-with-code",
        "SMTP Error: The following recipients failed: bob@example.org: 554 5.7.1 "
        "<bob@example.org>: Relay access denied",
        "phpmailer", "554", "5.7.1", "rcpt", "norelaying", True,
    ),
    # -- JavaMail / Jakarta Mail -----------------------------------------------------------
    Case(
        "javamail-authentication",
        "javax.mail.AuthenticationFailedException: 535-5.7.8 Username and Password not "
        "accepted. Learn more at\n535 5.7.8  https://support.google.com/mail/?p=BadCredentials "
        "h5sm - gsmtp\n\n\tat com.sun.mail.smtp.SMTPTransport$Authenticator.authenticate"
        "(SMTPTransport.java:947)",
        "javamail", "535", "5.7.8", "auth", "securityerror", True, lines=2,
    ),
    Case(
        "javamail-nested-address-failed",
        "javax.mail.SendFailedException: Invalid Addresses;\n  nested exception is:\n\t"
        "com.sun.mail.smtp.SMTPAddressFailedException: 550 5.1.1 <bob@example.org>... "
        "User unknown\n\n\tat com.sun.mail.smtp.SMTPTransport.rcptTo(SMTPTransport.java:2064)",
        "javamail", "550", "5.1.1", "rcpt", "userunknown", True,
    ),
    Case(
        "jakarta-send-failed",
        "jakarta.mail.MessagingException: could not send; nested exception is "
        "org.eclipse.angus.mail.smtp.SMTPSendFailedException: 554 5.7.1 Message rejected: "
        "Email address is not verified.",
        "javamail", "554", "5.7.1", "data", "policyviolation", True,
    ),
    Case(
        "javamail-sender-failed-chain",
        "com.sun.mail.smtp.SMTPSendFailedException: 550 5.7.60 SMTP; Client does not have "
        "permissions to send as this sender\n;\n  nested exception is:\n\t"
        "com.sun.mail.smtp.SMTPSenderFailedException: 550 5.7.60 SMTP; Client does not have "
        "permissions to send as this sender",
        "javamail", "550", "5.7.60", "mail", "rejected", True,
    ),
    # -- delivery status notifications, transcripts, anything else --------------------------
    Case(
        "dsn-diagnostic-folded",
        "Final-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.2.2\n"
        "Remote-MTA: dns; mx.example.org\nDiagnostic-Code: smtp; 552-5.2.2 The recipient's\n"
        "    mailbox is full\n",
        "dsn", "552", "5.2.2", None, "mailboxfull", True,
    ),
    Case(
        "dsn-status-only",
        "Final-Recipient: rfc822; bob@example.org\nAction: failed\nStatus: 5.1.2\n"
        "Diagnostic-Code: X-Postfix; Host or domain name not found. Name service error",
        "dsn", None, "5.1.2", None, "hostunknown", True,
    ),
    Case(
        "phpmailer-debug-transcript",
        "2026-06-18 10:00:00\tSERVER -> CLIENT: 220 smtp.example.net ESMTP\n"
        "2026-06-18 10:00:00\tCLIENT -> SERVER: EHLO web.example.com\n"
        "2026-06-18 10:00:00\tSERVER -> CLIENT: 250-smtp.example.net\n"
        "2026-06-18 10:00:00\tSERVER -> CLIENT: 250 AUTH LOGIN PLAIN\n"
        "2026-06-18 10:00:00\tCLIENT -> SERVER: AUTH LOGIN\n"
        "2026-06-18 10:00:00\tSERVER -> CLIENT: 334 VXNlcm5hbWU6\n"
        "2026-06-18 10:00:00\tCLIENT -> SERVER: Ym9iQGV4YW1wbGUuY29t\n"
        "2026-06-18 10:00:00\tSERVER -> CLIENT: 334 UGFzc3dvcmQ6\n"
        "2026-06-18 10:00:00\tCLIENT -> SERVER: aHVudGVyMg==\n"
        "2026-06-18 10:00:00\tSERVER -> CLIENT: 535 5.7.8 Error: authentication failed\n",
        "transcript", "535", "5.7.8", "auth", "securityerror", True,
    ),
    Case(
        "swaks-transcript",
        "=== Trying mx.example.org:25...\n<-  220 mx.example.org ESMTP\n -> EHLO client\n"
        "<-  250 mx.example.org\n -> MAIL FROM:<a@example.com>\n<-  250 2.1.0 Ok\n"
        " -> RCPT TO:<nobody@example.org>\n<** 550 5.1.1 <nobody@example.org>: Recipient "
        "address rejected: User unknown\n -> QUIT\n<-  221 2.0.0 Bye",
        "transcript", "550", "5.1.1", "rcpt", "userunknown", True,
    ),
    Case(
        "embedded-in-ticket",
        "Our newsletter failed last night with: Error: 421 4.3.0 Temporary System Problem. "
        "Try again later. Any idea?",
        "embedded", "421", "4.3.0", None, "systemerror", False,
    ),
    Case(
        "embedded-json-escaped",
        '{"level":"error","msg":"send failed","err":"451-4.3.0 Mail server temporarily '
        'rejected message.\\r\\n451 4.3.0 Try again later"}',
        "embedded", "451", "4.3.0", None, "systemerror", False, lines=2,
    ),
    Case(
        "plain-reply-with-escaped-line-breaks",
        "550-5.7.708 Service unavailable. Access denied, traffic not accepted from\\n550 "
        "5.7.708 this IP.",
        "", "550", "5.7.708", None, "blocked", True, lines=2,
    ),
    Case(
        "plain-reply-with-postfix-tail",
        "550 5.1.1 <bob@example.org>: Recipient address rejected: User unknown "
        "(in reply to RCPT TO command)",
        "", "550", "5.1.1", "rcpt", "userunknown", True,
    ),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_reply_is_found_and_classified(case: Case, rules: Rules) -> None:
    expl = explain(case.text, "en", rules=rules)
    assert expl.form == case.form
    if case.code is None:
        assert expl.reply is None
        assert expl.basic is None
    else:
        assert expl.reply is not None
        assert expl.reply.code == case.code
        assert expl.basic is not None
        assert expl.basic.code == case.code
    assert (expl.reply.enhanced if expl.reply else expl.enhanced.code) == case.enhanced  # type: ignore[union-attr]
    assert (expl.command.stage if expl.command else None) == case.command
    assert expl.reason is not None, expl.evidence
    assert expl.reason.id == case.reason, expl.evidence
    assert expl.bounce is not None
    assert expl.bounce.hard is case.hard
    assert (expl.provider.id if expl.provider else None) == case.provider
    if case.first_line:
        assert expl.reply is not None
        assert expl.reply.lines[0] == case.first_line
    if case.lines:
        assert expl.reply is not None
        assert len(expl.reply.lines) == case.lines
        assert expl.reply.complete
    if case.form:
        found_in = [e for e in expl.evidence if e.decides == "reply"]
        assert [e.rule for e in found_in] == [case.form]


def test_multiline_bytes_literal_becomes_reply_lines(rules: Rules) -> None:
    expl = explain(f"SMTPAuthenticationError(535, {GMAIL_MULTILINE_BYTES})", rules=rules)
    assert expl.reply is not None
    assert expl.reply.lines == (
        "535-5.7.8 Username and Password not accepted. For more information, go to",
        "535 5.7.8  https://support.google.com/mail/?p=BadCredentials d2sm1234567pfb.12 - gsmtp",
    )
    assert not expl.findings  # both lines carry the code and the same enhanced code


def test_the_postfix_tail_is_not_part_of_the_reply(rules: Rules) -> None:
    expl = explain(CASES[0].text, rules=rules)
    assert expl.reply is not None
    assert "in reply to" not in expl.reply.text
    assert not expl.reply.text.endswith(")")


def test_the_command_is_quoted_as_the_text_names_it(rules: Rules) -> None:
    postfix = explain(CASES[1].text, rules=rules)
    assert postfix.command is not None
    assert postfix.command.said == "end of DATA"
    assert postfix.command.label == "end of data (after the final dot)"
    php = explain(next(c for c in CASES if c.id == "phpmailer-password-command").text)
    assert php.command is not None
    assert php.command.said == "Password"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SMTP Error: Could not authenticate.", "SMTPDebug"),
        ("SMTP Error: The following recipients failed: bob@example.org: Relay access denied",
         "leaves out the server's reply code"),
        ("hello there", "no SMTP reply"),
        ("SMTPServerDisconnected('Connection unexpectedly closed')", "no SMTP reply"),
        ("javax.mail.MessagingException: Could not connect to SMTP host: smtp.example.net, "
         "port: 587", "no SMTP reply"),
    ],
)  # fmt: skip
def test_text_without_a_reply_says_what_to_paste(text: str, expected: str) -> None:
    with pytest.raises(ReplyParseError, match=expected):
        explain(text)


def test_an_explanation_of_a_plain_reply_is_unchanged_in_its_old_fields() -> None:
    expl: Explanation = explain(
        "550 5.1.1 The email account that you tried to reach does not exist"
    )
    assert expl.headline == (
        "550 5.1.1: permanent failure; X.1.X Addressing status; Bad destination mailbox address."
    )
    assert expl.form == ""
    assert expl.input == "550 5.1.1 The email account that you tried to reach does not exist"


def test_secrets_of_a_pasted_transcript_never_come_back() -> None:
    transcript = next(c for c in CASES if c.id == "phpmailer-debug-transcript").text
    expl = explain(transcript)
    for secret in ("Ym9iQGV4YW1wbGUuY29t", "aHVudGVyMg=="):
        assert secret not in expl.input
        assert all(secret not in e.matched for e in expl.evidence)
    assert expl.command is not None
    assert expl.command.said == "AUTH"
    plain = explain("AUTH PLAIN AGJvYgBodW50ZXIy\n535 5.7.8 Authentication credentials invalid")
    assert "AGJvYgBodW50ZXIy" not in plain.input
