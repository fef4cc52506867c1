"""Redaction on the web keeps the verdict: classify on the original, show the redacted text."""

from __future__ import annotations

GMAIL = (
    "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
    "550-5.1.1 double-checking the recipient's email address for typos or\n"
    "550 5.1.1 https://support.google.com/mail/?p=NoSuchUser jane.doe@example.com "
    "a1si123456.12 - gsmtp"
)


def test_api_redacts_after_classifying(web):
    plain = web.post("/api/v1/explain", json={"text": GMAIL}).json()
    red = web.post("/api/v1/explain", json={"text": GMAIL, "redact": True}).json()
    assert red["provider"]["id"] == plain["provider"]["id"] == "gmail"
    assert red["reason"]["id"] == plain["reason"]["id"]
    assert "jane.doe@example.com" in str(plain)
    assert "jane.doe@example.com" not in str(red)


def test_page_redacts_after_classifying(web):
    page = web.post("/en/explain", data={"text": GMAIL, "redact": "1"})
    assert page.status_code == 200
    assert "jane.doe@example.com" not in page.text
    assert "Gmail" in page.text


def test_explain_form_shows_the_verdict_in_thai(web):
    page = web.post("/th/explain", data={"text": GMAIL})
    assert page.status_code == 200
    for label in ("สาเหตุที่ส่งไม่สำเร็จ", "ตีกลับถาวรหรือชั่วคราว", "ใครต้องดำเนินการ", "ผู้ให้บริการ"):
        assert label in page.text, label
    assert "Gmail" in page.text
    assert "userunknown" in page.text


def test_explain_form_finds_the_reply_inside_a_log_line(web):
    line = (
        "postfix/smtp[123]: 4F1A2: to=<bob@example.org>, relay=mx.example.org[192.0.2.7]:25, "
        "status=bounced (host mx.example.org[192.0.2.7] said: 552 5.2.2 <bob@example.org>: "
        "Mailbox full (in reply to RCPT TO command))"
    )
    page = web.post("/en/explain", data={"text": line})
    assert page.status_code == 200
    assert "mailboxfull" in page.text
    assert "RCPT" in page.text
