"""Provider knowledge as data: real replies from ../shared/reference/providers/ explained.

Three tables, each row giving the reply and what explain() must say about it:

* ``GMAIL``: Google's 121-row table "Gmail SMTP errors and codes" (the derived CSV), in CSV
  order, one expected reason per row.  The reply is built as ``<code> <enhanced> <text> - gsmtp``.
* ``MICROSOFT``: the Exchange Online NDR table of the providers README, built as
  ``<basic> <enhanced> <text> [<EOP host>]``.  Where the README gives no basic code we use 550
  for a 5.x.x code, and 451 (452 for "too many recipients", RFC 5321 section 4.5.3.1.10) for
  a 4.x.x code, so that the classes agree as RFC 2034 section 4 requires.
* ``OTHERS``: at least two real-style lines for every other provider file, as a plain reply
  or as the Postfix or Exim log line a user pastes.

Expected hard/soft comes from the class of the basic code (RFC 5321 section 4.2.1), which also
decides Google's "421 5.7.32".  The reasons are our judgement, written here as data; they are
not computed from the rule files.  The last part checks the rule files themselves (format,
provenance, regexes, Thai text) without the engine.
"""

from __future__ import annotations

import csv
import glob
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from smtpcodes.explain import Explanation, explain
from smtpcodes.explain._rules import PROVIDERS_DIR, load_rules

SHARED = Path(__file__).resolve().parents[3] / "shared" / "reference"
GMAIL_CSV = SHARED / "providers" / "google-3726730-gmail-smtp-errors-and-codes.derived.csv"

#: The reason taxonomy (issue 6); rules/reasons.toml must define exactly these.
REASONS = frozenset(
    {
        "userunknown", "mailboxfull", "mesgtoobig", "exceedlimit", "authfailure",
        "securityerror", "blocked", "badreputation", "requireptr", "spamdetected",
        "virusdetected", "contenterror", "policyviolation", "ratelimited", "toomanyconn",
        "norelaying", "hostunknown", "notaccept", "networkerror", "expired", "systemerror",
        "systemfull", "mailererror", "suspend", "hasmoved", "rejected", "filtered",
        "syntaxerror", "notcompliantrfc", "failedstarttls", "undefined",
    }
)  # fmt: skip

#: The provider files and the prefix of their rule ids.
PROVIDERS = {
    "apple": "apple-",
    "barracuda": "barracuda-",
    "cisco": "cisco-",
    "dnsbl": "dnsbl-",
    "fastmail": "fastmail-",
    "gmail": "gmail-",
    "mailru": "mailru-",
    "microsoft": "ms-",
    "mimecast": "mimecast-",
    "proofpoint": "proofpoint-",
    "qq": "qq-",
    "yahoo": "yahoo-",
    "yandex": "yandex-",
    "zoho": "zoho-",
}


def verdict(e: Explanation) -> tuple[object, ...]:
    """What the tables pin: (code, enhanced, provider, reason, hard), None where missing."""
    return (
        e.reply.code if e.reply else None,
        e.reply.enhanced if e.reply else None,
        e.provider.id if e.provider else None,
        e.reason.id if e.reason else None,
        e.bounce.hard if e.bounce else None,
    )


def provider_rule(e: Explanation) -> str:
    return e.provider.rule if e.provider else ""


# -- Gmail: the 121 rows of Google's table, in CSV order ------------------------------------

#: (reply code, enhanced code, reason): one entry per CSV row, same order.
GMAIL: list[tuple[str, str, str]] = [
    ("450", "4.2.1", "ratelimited"),  # receiving email too quickly
    ("450", "4.2.1", "ratelimited"),  # receiving at a rate that prevents delivery
    ("450", "4.2.1", "ratelimited"),  # peak SMTP relay limit for this customer
    ("452", "4.2.2", "mailboxfull"),
    ("451", "4.3.0", "systemerror"),  # temporarily rejected
    ("451", "4.3.0", "exceedlimit"),  # multiple destination domains per transaction
    ("421", "4.3.0", "systemerror"),
    ("451", "4.4.2", "networkerror"),  # timeout
    ("421", "4.4.5", "systemerror"),  # server busy
    ("451", "4.5.0", "syntaxerror"),  # SMTP protocol violation
    ("452", "4.5.3", "exceedlimit"),  # domain policy size per transaction
    ("452", "4.5.3", "exceedlimit"),  # too many recipients
    ("421", "4.7.0", "networkerror"),  # connection expired
    ("421", "4.7.0", "blocked"),  # IP not in whitelist for RCPT domain
    ("421", "4.7.0", "systemerror"),  # try again later, closing connection
    ("421", "4.7.0", "requireptr"),
    ("454", "4.7.0", "securityerror"),  # too many login attempts
    ("454", "4.7.0", "systemerror"),  # cannot authenticate, temporary problem
    ("421", "4.7.0", "failedstarttls"),  # TLS required for RCPT domain
    ("421", "4.7.0", "badreputation"),  # low IP reputation
    ("421", "4.7.0", "badreputation"),  # low domain reputation
    ("421", "4.7.0", "spamdetected"),  # content or links
    ("451", "4.7.23", "requireptr"),
    ("451", "4.7.24", "authfailure"),  # suspicious SPF entries
    ("451", "4.7.26", "authfailure"),  # DMARC, temporary DNS failure
    ("421", "4.7.26", "authfailure"),  # unauthenticated
    ("421", "4.7.27", "authfailure"),  # SPF did not pass
    ("421", "4.7.28", "ratelimited"),
    ("421", "4.7.28", "ratelimited"),
    ("421", "4.7.28", "ratelimited"),
    ("421", "4.7.28", "ratelimited"),
    ("421", "4.7.28", "ratelimited"),
    ("421", "4.7.28", "ratelimited"),
    ("421", "4.7.28", "ratelimited"),
    ("421", "4.7.28", "ratelimited"),  # same Message-ID quota
    ("421", "4.7.29", "failedstarttls"),  # not using TLS
    ("421", "4.7.30", "authfailure"),  # DKIM did not pass
    ("421", "4.7.40", "authfailure"),  # no DMARC record
    ("421", "4.7.32", "authfailure"),  # From not aligned
    ("421", "5.7.32", "authfailure"),  # the same, with a class 5 code: still soft
    ("550", "5.1.1", "userunknown"),
    ("553", "5.1.2", "hostunknown"),
    ("553", "5.1.3", "syntaxerror"),
    ("553", "5.1.7", "syntaxerror"),
    ("550", "5.2.1", "suspend"),  # account inactive
    ("550", "5.2.1", "ratelimited"),  # receiving at a rate that prevents delivery
    ("552", "5.2.2", "mailboxfull"),
    ("552", "5.3.4", "mesgtoobig"),
    ("552", "5.3.4", "exceedlimit"),  # number of attachments
    ("552", "5.3.4", "mesgtoobig"),
    ("552", "5.3.4", "exceedlimit"),  # header size
    ("552", "5.3.4", "exceedlimit"),
    ("552", "5.3.4", "exceedlimit"),
    ("552", "5.3.4", "exceedlimit"),
    ("552", "5.3.4", "exceedlimit"),
    ("552", "5.3.4", "exceedlimit"),  # Subject: header size
    ("550", "5.4.5", "ratelimited"),  # daily user sending limit
    ("550", "5.4.5", "ratelimited"),  # daily SMTP relay limit
    ("554", "5.4.6", "networkerror"),  # 50 hops
    ("503", "5.5.1", "syntaxerror"),
    ("502", "5.5.1", "syntaxerror"),
    ("502", "5.5.1", "syntaxerror"),
    ("502", "5.5.1", "syntaxerror"),
    ("503", "5.5.1", "syntaxerror"),
    ("503", "5.5.1", "syntaxerror"),
    ("503", "5.5.1", "syntaxerror"),
    ("503", "5.5.1", "syntaxerror"),
    ("501", "5.5.2", "syntaxerror"),
    ("555", "5.5.2", "syntaxerror"),
    ("555", "5.5.2", "syntaxerror"),
    ("550", "5.5.3", "exceedlimit"),  # too many recipients for this sender
    ("501", "5.5.4", "syntaxerror"),
    ("501", "5.5.4", "syntaxerror"),
    ("554", "5.6.0", "notcompliantrfc"),
    ("552", "5.7.0", "virusdetected"),  # blocked file types
    ("503", "5.7.0", "securityerror"),  # no identity changes
    ("550", "5.7.0", "norelaying"),  # relay credentials
    ("550", "5.7.0", "rejected"),  # relay account suspended for abuse
    ("550", "5.7.0", "norelaying"),  # email sending denied
    ("554", "5.7.0", "securityerror"),  # too many unauthenticated commands
    ("530", "5.7.0", "securityerror"),  # authentication required
    ("530", "5.7.0", "failedstarttls"),  # STARTTLS first
    ("552", "5.7.0", "virusdetected"),
    ("550", "5.7.1", "policyviolation"),  # a policy prohibits the email
    ("550", "5.7.1", "norelaying"),  # invalid credentials for relay
    ("550", "5.7.1", "spamdetected"),
    ("550", "5.7.1", "requireptr"),  # IPv6 guidelines
    ("550", "5.7.1", "badreputation"),
    ("550", "5.7.1", "badreputation"),
    ("550", "5.7.1", "notcompliantrfc"),  # From:
    ("550", "5.7.1", "notcompliantrfc"),  # Message-ID:
    ("550", "5.7.1", "notcompliantrfc"),
    ("550", "5.7.1", "notcompliantrfc"),  # unicode in a header
    ("550", "5.7.1", "notcompliantrfc"),  # duplicate headers
    ("550", "5.7.1", "notcompliantrfc"),
    ("550", "5.7.1", "notcompliantrfc"),
    ("550", "5.7.1", "notcompliantrfc"),
    ("550", "5.7.1", "ratelimited"),  # "This email has been rate limited"
    ("550", "5.7.1", "blocked"),  # IP not authorized to send directly
    ("550", "5.7.1", "ratelimited"),  # daily SMTP relay sending limit
    ("550", "5.7.1", "notcompliantrfc"),  # encoded-word
    ("550", "5.7.1", "notcompliantrfc"),
    ("550", "5.7.1", "notcompliantrfc"),
    ("523", "5.7.10", "failedstarttls"),  # pipelining after STARTTLS
    ("501", "5.7.11", "syntaxerror"),  # STARTTLS with parameters
    ("534", "5.7.14", "securityerror"),
    ("550", "5.7.24", "authfailure"),
    ("550", "5.7.25", "requireptr"),
    ("550", "5.7.26", "authfailure"),
    ("550", "5.7.26", "authfailure"),
    ("550", "5.7.26", "authfailure"),
    ("550", "5.7.27", "authfailure"),
    ("550", "5.7.28", "blocked"),
    ("550", "5.7.29", "failedstarttls"),
    ("550", "5.7.30", "authfailure"),
    ("550", "5.7.40", "authfailure"),
    ("504", "5.7.40", "securityerror"),
    ("504", "5.7.40", "securityerror"),
    ("535", "5.7.80", "securityerror"),
    ("534", "5.7.90", "securityerror"),
    ("534", "5.7.90", "securityerror"),
]


def _gmail_rows() -> list[dict[str, str]]:
    with open(GMAIL_CSV, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _gmail_params() -> list[object]:
    rows = _gmail_rows()
    return [
        pytest.param(row, expected, id=f"row{n:03d}-{row['reply_code']}-{row['enhanced_code']}")
        for n, (row, expected) in enumerate(zip(rows, GMAIL, strict=False), start=1)
    ]


def test_gmail_table_has_a_row_for_every_csv_row() -> None:
    rows = _gmail_rows()
    assert len(rows) == 121
    assert [(r["reply_code"], r["enhanced_code"]) for r in rows] == [(c, e) for c, e, _ in GMAIL]


@pytest.mark.parametrize(("row", "expected"), _gmail_params())
def test_gmail_row(row: dict[str, str], expected: tuple[str, str, str]) -> None:
    code, enhanced, reason = expected
    line = f"{row['reply_code']} {row['enhanced_code']} {row['error_text']} - gsmtp"
    e = explain(line, "en")
    assert verdict(e) == (code, enhanced, "gmail", reason, code[0] == "5")
    assert provider_rule(e).startswith("gmail-"), "a rule of gmail.toml must cover every row"
    assert e.provider is not None
    assert e.provider.meaning
    assert e.provider.fix


# -- Microsoft: the Exchange Online NDR table of the providers README -----------------------

EOP = "[BN8NAM11FT012.eop-nam11.prod.protection.outlook.com]"


@dataclass(frozen=True)
class Ndr:
    basic: str  #: as given by Microsoft, else our choice (see the module docstring)
    enhanced: str
    text: str
    reason: str

    @property
    def line(self) -> str:
        return f"{self.basic} {self.enhanced} {self.text} {EOP}"


MICROSOFT: list[Ndr] = [
    Ndr("432", "4.3.2", "STOREDRV.Deliver; recipient thread limit exceeded", "ratelimited"),
    Ndr("451", "4.4.316", "Connection refused [Message=Socket error code 10061]", "networkerror"),
    Ndr("451", "4.4.7", "Message expired", "expired"),
    Ndr("452", "4.5.3", "Too many recipients", "exceedlimit"),
    Ndr(
        "451",
        "4.7.26",
        "Access denied, a message sent over IPv6 [2001:db8::25] must pass either SPF or DKIM "
        "validation, this message is not signed",
        "authfailure",
    ),
    Ndr(
        "451",
        "4.7.321",
        "starttls-not-supported: Destination mail server must support TLS to receive mail",
        "failedstarttls",
    ),
    Ndr(
        "451",
        "4.7.322",
        "certificate-expired: Destination mail server's certificate is expired",
        "failedstarttls",
    ),
    Ndr("451", "4.7.323", "tlsa-invalid: The domain failed DANE validation", "failedstarttls"),
    Ndr(
        "451",
        "4.7.324",
        "dnssec-invalid: Destination domain returned invalid DNSSEC records",
        "failedstarttls",
    ),
    Ndr(
        "451",
        "4.7.325",
        "certificate-host-mismatch: Remote certificate MUST have a common name or subject "
        "alternative name matching the hostname (DANE)",
        "failedstarttls",
    ),
    Ndr(
        "550",
        "5.7.321",
        "starttls-not-supported: Destination mail server must support TLS to receive mail",
        "failedstarttls",
    ),
    Ndr(
        "550",
        "5.7.322",
        "certificate-expired: Destination mail server's certificate is expired",
        "failedstarttls",
    ),
    Ndr("550", "5.7.323", "tlsa-invalid: The domain failed DANE validation", "failedstarttls"),
    Ndr(
        "550",
        "5.7.324",
        "dnssec-invalid: Destination domain returned invalid DNSSEC records",
        "failedstarttls",
    ),
    Ndr(
        "550",
        "5.7.325",
        "certificate-host-mismatch: Remote certificate MUST have a common name or subject "
        "alternative name matching the hostname (DANE)",
        "failedstarttls",
    ),
    Ndr("451", "4.7.500", "Access denied, please try again later", "ratelimited"),
    Ndr("451", "4.7.699", "Access denied, please try again later", "ratelimited"),
    Ndr("451", "4.7.850", "Access denied, please try again later", "ratelimited"),
    Ndr("451", "4.7.899", "Access denied, please try again later", "ratelimited"),
    Ndr("550", "5.0.350", "Generic error", "policyviolation"),
    Ndr("550", "5.0.350", "x-dg-ref header is too long", "contenterror"),
    Ndr(
        "550",
        "5.0.350",
        "Requested action not taken: policy violation detected (AS345)",
        "policyviolation",
    ),
    Ndr("550", "5.1.0", "Sender denied", "userunknown"),
    Ndr("550", "5.1.1", "Bad destination mailbox address", "userunknown"),
    Ndr("550", "5.1.8", "Access denied, bad outbound sender", "rejected"),
    Ndr("550", "5.1.10", "Recipient not found", "userunknown"),
    Ndr(
        "550",
        "5.1.90",
        "Your message can't be sent because you've reached your daily limit for message recipients",
        "ratelimited",
    ),
    Ndr("550", "5.2.2", "Submission quota exceeded", "ratelimited"),
    Ndr(
        "550",
        "5.2.121",
        "Recipient's per hour message receive limit from specific sender exceeded",
        "ratelimited",
    ),
    Ndr("550", "5.2.122", "Recipient's per hour message receive limit exceeded", "ratelimited"),
    Ndr(
        "550",
        "5.3.190",
        "Journaling on-premises messages to Microsoft 365 or Office 365 not supported when "
        "Journaling Archive is disabled",
        "systemerror",
    ),
    Ndr("550", "5.4.1", "Relay Access Denied", "norelaying"),
    Ndr("550", "5.4.1", "Recipient address rejected: Access denied", "userunknown"),
    Ndr("550", "5.4.6", "Routing loop detected", "networkerror"),
    Ndr("550", "5.4.14", "Routing loop detected", "networkerror"),
    Ndr("550", "5.4.300", "Message expired", "expired"),
    Ndr("550", "5.5.0", "Requested action not taken: mailbox unavailable", "userunknown"),
    Ndr("550", "5.6.11", "Invalid characters", "notcompliantrfc"),
    Ndr("550", "5.7.1", "Delivery not authorized", "policyviolation"),
    Ndr("550", "5.7.1", "Unable to relay", "norelaying"),
    Ndr("530", "5.7.1", "Client was not authenticated", "securityerror"),
    Ndr("550", "5.7.12", "Sender was not authenticated by organization", "filtered"),
    Ndr(
        "550",
        "5.7.23",
        "The message was rejected because of Sender Policy Framework violation",
        "authfailure",
    ),
    Ndr(
        "550",
        "5.7.25",
        "Access denied, the sending IPv6 address [2001:db8::25] must have a reverse DNS record",
        "requireptr",
    ),
    Ndr(
        "550",
        "5.7.57",
        "Client was not authenticated to send anonymous mail during MAIL FROM",
        "securityerror",
    ),
    Ndr("550", "5.7.64", "TenantAttribution; Relay Access Denied", "norelaying"),
    Ndr("550", "5.7.124", "Sender not in allowed-senders list", "filtered"),
    Ndr("550", "5.7.133", "Sender not authenticated for group", "filtered"),
    Ndr("550", "5.7.134", "Sender was not authenticated for mailbox", "filtered"),
    Ndr("550", "5.7.13", "Sender was not authenticated for public folder", "filtered"),
    Ndr("550", "5.7.135", "Sender was not authenticated for public folder", "filtered"),
    Ndr("550", "5.7.136", "Sender was not authenticated", "filtered"),
    Ndr("550", "5.7.501", "Access denied, spam abuse detected", "rejected"),
    Ndr("550", "5.7.502", "Access denied, banned sender", "rejected"),
    Ndr("550", "5.7.503", "Access denied, banned sender", "rejected"),
    Ndr("550", "5.7.504", "Recipient address rejected: Access denied", "userunknown"),
    Ndr("550", "5.7.505", "Access denied, banned recipient", "suspend"),
    Ndr("550", "5.7.506", "Access Denied, Bad HELO", "blocked"),
    Ndr("550", "5.7.507", "Access denied, rejected by recipient", "blocked"),
    Ndr(
        "550",
        "5.7.508",
        "Access denied, [2001:db8::25] has exceeded permitted limits within /64 range",
        "ratelimited",
    ),
    Ndr(
        "550",
        "5.7.509",
        "Access denied, sending domain [example.com] does not pass DMARC verification and "
        "has a DMARC policy of reject",
        "authfailure",
    ),
    Ndr(
        "550",
        "5.7.510",
        "Access denied, [example.com] does not accept email over IPv6",
        "notaccept",
    ),
    Ndr("550", "5.7.511", "Access denied, banned sender", "blocked"),
    Ndr(
        "550",
        "5.7.512",
        "Access denied, message must be RFC 5322 section 3.6.2 compliant",
        "notcompliantrfc",
    ),
    Ndr(
        "550",
        "5.7.513",
        "Service unavailable, Client host [192.0.2.25] blocked by example.com using Customer "
        "Block list (AS16012607)",
        "blocked",
    ),
    Ndr("550", "5.7.606", "Access denied, banned sending IP [192.0.2.25]", "blocked"),
    Ndr("550", "5.7.649", "Access denied, banned sending IP [192.0.2.25]", "blocked"),
    Ndr(
        "550",
        "5.7.703",
        "Your message can't be delivered because one or more recipients are blocked by your "
        "organization's tenant recipient block policy",
        "policyviolation",
    ),
    Ndr("550", "5.7.705", "Access denied, tenant has exceeded threshold", "badreputation"),
    Ndr("550", "5.7.708", "Access denied, traffic not accepted from this IP", "badreputation"),
    Ndr(
        "550",
        "5.7.750",
        "Service unavailable. Client blocked from sending from unregistered domains",
        "policyviolation",
    ),
    # not in the README table: Microsoft's 5.7.515 article (Outlook.com, 2025)
    Ndr(
        "550",
        "5.7.515",
        "Access denied, sending domain example.com does not meet the required authentication "
        "level.",
        "authfailure",
    ),
]


@pytest.mark.parametrize("ndr", MICROSOFT, ids=lambda n: f"{n.basic}-{n.enhanced}-{n.text[:24]}")
def test_microsoft_row(ndr: Ndr) -> None:
    e = explain(ndr.line, "en")
    hard = ndr.basic[0] == "5"
    assert verdict(e) == (ndr.basic, ndr.enhanced, "microsoft", ndr.reason, hard)
    assert provider_rule(e).startswith("ms-")


# -- every other provider: real-style lines -------------------------------------------------


@dataclass(frozen=True)
class Seen:
    provider: str
    rule: str  #: the rule expected to decide
    line: str
    code: str
    enhanced: str | None
    reason: str

    @property
    def hard(self) -> bool:
        return self.code[0] == "5"


OTHERS: list[Seen] = [
    # Gmail and Microsoft replies that are not rows of the tables above
    Seen(
        "gmail",
        "gmail-550-gcdp-custom-policy",
        "550 5.7.1 This message violates example.com email policy. - gcdp 1234567890abcdef - gsmtp",
        "550",
        "5.7.1",
        "policyviolation",
    ),
    Seen(
        "gmail",
        "gmail-535-bad-credentials",
        "SMTPAuthenticationError(535, b'5.7.8 Username and Password not accepted. For more "
        "information, go to\\n5.7.8  https://support.google.com/mail/?p=BadCredentials "
        "a1-20020a17090a000000b00000000000sm0000000pjb.1 - gsmtp')",
        "535",
        "5.7.8",
        "securityerror",
    ),
    Seen(
        "gmail",
        "gmail-534-app-password-required",
        "534 5.7.9 Application-specific password required. For more information, go to "
        "https://support.google.com/mail/?p=InvalidSecondFactor - gsmtp",
        "534",
        "5.7.9",
        "securityerror",
    ),
    Seen(
        "microsoft",
        "ms-5.7.708-traffic-not-accepted-from-ip",
        "550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP. "
        "For more information please go to http://go.microsoft.com/fwlink/?LinkId=526653 "
        "AS(7230) [BN8NAM11FT012.eop-nam11.prod.protection.outlook.com]",
        "550",
        "5.7.708",
        "badreputation",
    ),
    Seen(
        "microsoft",
        "ms-5.7.1-network-on-block-list-s3150",
        "550 5.7.1 Unfortunately, messages from [192.0.2.25] weren't sent. Please contact "
        "your Internet service provider since part of their network is on our block list "
        "(S3150). You can also refer your provider to "
        "http://mail.live.com/mail/troubleshooting.aspx#errors. "
        "[AM5EUR02FT017.eop-EUR02.prod.protection.outlook.com]",
        "550",
        "5.7.1",
        "blocked",
    ),
    Seen(
        "microsoft",
        "ms-4.7.650-ip-reputation-rate-limited",
        "451 4.7.650 The mail server [192.0.2.5] has been temporarily rate limited due to IP "
        "reputation. For e-mail delivery information, see https://postmaster.live.com (S775) "
        "[BN8NAM11FT012.eop-nam11.prod.protection.outlook.com]",
        "451",
        "4.7.650",
        "badreputation",
    ),
    Seen(
        "microsoft",
        "ms-5.7.1-blocked-using-spamhaus",
        "<bob@example.com>: host example-com.mail.protection.outlook.com[192.0.2.20] said: "
        "550 5.7.1 Service unavailable, Client host [192.0.2.25] blocked using Spamhaus. To "
        "request removal from this list see http://www.spamhaus.org/lookup.lasso "
        "(AS16012611) (in reply to RCPT TO command)",
        "550",
        "5.7.1",
        "blocked",
    ),
    # Yahoo / AOL
    Seen(
        "yahoo",
        "yahoo-421-tss04-deferred-volume-complaints",
        "421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected "
        "volume or user complaints - 4.16.55.1; see "
        "https://postmaster.yahooinc.com/error-codes",
        "421",
        "4.7.0",
        "badreputation",
    ),
    Seen(
        "yahoo",
        "yahoo-553-5.7.2-tss09-tss11-permanently-deferred",
        "553 5.7.2 [TSS09] All messages from 192.0.2.25 will be permanently deferred; "
        "Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes",
        "553",
        "5.7.2",
        "blocked",
    ),
    Seen(
        "yahoo",
        "yahoo-5.7.9-not-accepted-for-policy-reasons",
        "554 5.7.9 Message not accepted for policy reasons.  See "
        "https://postmaster.yahooinc.com/error-codes",
        "554",
        "5.7.9",
        "authfailure",
    ),
    Seen(
        "yahoo",
        "yahoo-554-no-such-account",
        "<nobody@yahoo.com>: host mta5.am0.yahoodns.net[192.0.2.40] said: 554 delivery "
        "error: dd This user doesn't have a yahoo.com account (nobody@yahoo.com) [-5] - "
        "mta1234.mail.bf1.yahoo.com (in reply to end of DATA command)",
        "554",
        None,
        "userunknown",
    ),
    Seen(
        "yahoo",
        "yahoo-553-bl23-spamhaus-xbl",
        "553 5.7.1 [BL23] Connections not accepted from IP addresses on Spamhaus XBL; see "
        "http://postmaster.yahoo.com/errors/550-bl23.html [550]",
        "553",
        "5.7.1",
        "blocked",
    ),
    # Apple iCloud
    Seen(
        "apple",
        "apple-550-5.1.1-user-unknown",
        "<gone@icloud.com>: host mx01.mail.icloud.com[192.0.2.50] said: 550 5.1.1 "
        "<gone@icloud.com>: inactive email address (in reply to RCPT TO command)",
        "550",
        "5.1.1",
        "userunknown",
    ),
    Seen(
        "apple",
        "apple-421-4.7.1-excessive-volume",
        "421 4.7.1 Messages to someone@icloud.com deferred due to excessive volume. Try "
        "again later - https://support.apple.com/en-us/HT204137",
        "421",
        "4.7.1",
        "ratelimited",
    ),
    Seen(
        "apple",
        "apple-cs-hm-local-policy",
        "550 5.7.1 [CS01] Message rejected due to local policy. Please visit "
        "https://support.apple.com/en-us/HT204137",
        "550",
        "5.7.1",
        "policyviolation",
    ),
    Seen(
        "apple",
        "apple-hme1-spf-and-dkim-failed",
        "554 5.7.1 [HME1] This message was blocked for failing both SPF and DKIM "
        "authentication checks. See https://support.apple.com/en-us/HT204137 for mailing "
        "best practices",
        "554",
        "5.7.1",
        "authfailure",
    ),
    # Proofpoint
    Seen(
        "proofpoint",
        "proofpoint-pdr-blocked",
        "<bob@example.com>: host mx0a-00123456.pphosted.com[192.0.2.60] said: 554 5.7.0 "
        "Blocked - see https://ipcheck.proofpoint.com/?ip=192.0.2.25 (in reply to MAIL FROM "
        "command)",
        "554",
        "5.7.0",
        "blocked",
    ),
    Seen(
        "proofpoint",
        "proofpoint-452-recipients-per-hour",
        "<bob@example.edu>: host mx0b-00123456.pphosted.com[192.0.2.61] said: 452 Too many "
        "recipients received this hour (in reply to RCPT TO command)",
        "452",
        None,
        "ratelimited",
    ),
    # Mimecast
    Seen(
        "mimecast",
        "mimecast-451-greylisting-or-reputation",
        "451 Internal resource is temporarily unavailable - "
        "https://community.mimecast.com/docs/DOC-1369#451 [Aj3QXapeMpqZYaeFwWhjzw.us32]",
        "451",
        None,
        "blocked",
    ),
    Seen(
        "mimecast",
        "mimecast-550-invalid-recipient",
        "<nobody@example.co.za>: host za-smtp-inbound-1.mimecast.co.za[192.0.2.70] said: 550 "
        "Invalid Recipient - https://community.mimecast.com/docs/DOC-1369#550 "
        "[abcdEFGHij0123456789.za1] (in reply to RCPT TO command)",
        "550",
        None,
        "userunknown",
    ),
    Seen(
        "mimecast",
        "mimecast-550-envelope-blocked-user-entry",
        "550 Envelope blocked - User Entry - "
        "https://community.mimecast.com/docs/DOC-1369#550 [abcdEFGHij0123456789.uk123]",
        "550",
        None,
        "filtered",
    ),
    Seen(
        "mimecast",
        "mimecast-554-rejected-due-to-security-policies",
        "554 Email rejected due to security policies - "
        "https://community.mimecast.com/docs/DOC-1369#554 [abcdEFGHij0123456789.us32]",
        "554",
        None,
        "virusdetected",
    ),
    # Barracuda
    Seen(
        "barracuda",
        "barracuda-550-permanent-failure-blocked",
        "<bob@example.org>: host d123456a.ess.barracudanetworks.com[192.0.2.80] said: 550 "
        "permanent failure for one or more recipients (bob@example.org:blocked) (in reply to "
        "end of DATA command)",
        "550",
        None,
        "blocked",
    ),
    Seen(
        "barracuda",
        "barracuda-reputation-listed",
        "554 Service unavailable; Client host [192.0.2.25] blocked using Barracuda "
        "Reputation; http://www.barracudanetworks.com/reputation/?pr=1&ip=192.0.2.25",
        "554",
        None,
        "blocked",
    ),
    # Cisco Secure Email (IronPort)
    Seen(
        "cisco",
        "cisco-554-poor-reputation",
        "554 mx1.example.com Your access to this mail system has been rejected due to the "
        "sending MTA's poor reputation. If you believe that this failure is in error, please "
        "contact the intended recipient via alternate means.",
        "554",
        None,
        "badreputation",
    ),
    Seen(
        "cisco",
        "cisco-550-spf-unauthorized",
        "<bob@example.com>: host mx1.hc1234-56.iphmx.com[192.0.2.90] said: 550 #5.7.1 SPF "
        "unauthorized mail is prohibited. (in reply to RCPT TO command)",
        "550",
        None,
        "authfailure",
    ),
    Seen(
        "cisco",
        "cisco-550-dmarc-unauthenticated",
        "550 #5.7.1 DMARC unauthenticated mail is prohibited.",
        "550",
        None,
        "authfailure",
    ),
    # Zoho
    Seen(
        "zoho",
        "zoho-550-5.1.1-user-does-not-exist",
        "<nobody@zoho.com>: host mx.zoho.com[192.0.2.100] said: 550 5.1.1 User does not "
        "exist - <nobody@zoho.com> (in reply to RCPT TO command)",
        "550",
        "5.1.1",
        "userunknown",
    ),
    Seen(
        "zoho",
        "zoho-451-4.7.1-greylisted",
        "<bob@zoho.com>: host mx.zoho.com[192.0.2.100] said: 451 4.7.1 Greylisted, try again "
        "after some time (in reply to RCPT TO command)",
        "451",
        "4.7.1",
        "blocked",
    ),
    Seen(
        "zoho",
        "zoho-554-5.7.1-flagged-as-spam",
        "<bob@zohomail.com>: host smtpin.zoho.com[192.0.2.101] said: 554 5.7.1 Email cannot "
        "be delivered. Reason: Email flagged as Spam. (in reply to end of DATA command)",
        "554",
        "5.7.1",
        "spamdetected",
    ),
    # Yandex
    Seen(
        "yandex",
        "yandex-no-such-user",
        "<nobody@yandex.ru>: host mx.yandex.ru[192.0.2.110] said: 550 5.7.1 No such user! "
        "(in reply to RCPT TO command)",
        "550",
        "5.7.1",
        "userunknown",
    ),
    Seen(
        "yandex",
        "yandex-suspicion-of-spam",
        "<bob@yandex.ru>: host mx.yandex.ru[192.0.2.110] said: 554 5.7.1 Message rejected "
        "under suspicion of SPAM (in reply to end of DATA command)",
        "554",
        "5.7.1",
        "spamdetected",
    ),
    Seen(
        "yandex",
        "yandex-mailbox-size-exceeded",
        "SMTP error from remote mail server after end of data: 552 5.2.2 Mailbox size limit "
        "exceeded - mx.yandex.ru",
        "552",
        "5.2.2",
        "mailboxfull",
    ),
    # Mail.ru
    Seen(
        "mailru",
        "mailru-550-spam-message-rejected",
        "<bob@mail.ru>: host mxs.mail.ru[192.0.2.120] said: 550 spam message rejected. "
        "Please visit http://help.mail.ru/notspam-support/id or report details to "
        "abuse@corp.mail.ru. (in reply to end of DATA command)",
        "550",
        None,
        "spamdetected",
    ),
    Seen(
        "mailru",
        "mailru-550-user-not-found",
        "<nobody@mail.ru>: host mxs.mail.ru[192.0.2.120] said: 550 Message was not accepted "
        "-- invalid mailbox. Local mailbox nobody@mail.ru is unavailable: user not found (in "
        "reply to end of DATA command)",
        "550",
        None,
        "userunknown",
    ),
    Seen(
        "mailru",
        "mailru-550-5.7.1-dmarc-policy",
        "550 5.7.1 This message was not accepted due to domain owner DMARC policy (RFC 7489) "
        "https://help.mail.ru/mail-help/postmaster/dmarc",
        "550",
        "5.7.1",
        "authfailure",
    ),
    # QQ / Tencent
    Seen(
        "qq",
        "qq-mailbox-not-found",
        "<10000@qq.com>: host mx3.qq.com[192.0.2.130] said: 550 Mailbox not found. "
        "http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000728 (in reply "
        "to RCPT TO command)",
        "550",
        None,
        "userunknown",
    ),
    Seen(
        "qq",
        "qq-frequency-limited",
        "<10000@qq.com>: host mx3.qq.com[192.0.2.130] said: 550 Ip frequency limited. "
        "http://service.mail.qq.com/cgi-bin/help?subtype=1&&id=20022&&no=1000722 (in reply "
        "to RCPT TO command)",
        "550",
        None,
        "ratelimited",
    ),
    # Fastmail
    Seen(
        "fastmail",
        "fastmail-550-5.1.1-user-unknown",
        "<nobody@fastmail.com>: host in1-smtp.messagingengine.com[192.0.2.140] said: 550 "
        "5.1.1 <nobody@fastmail.com>: Recipient address rejected: User unknown in virtual "
        "mailbox table (in reply to RCPT TO command)",
        "550",
        "5.1.1",
        "userunknown",
    ),
    Seen(
        "fastmail",
        "fastmail-551-5.7.1-not-authorised-from-header",
        "status=bounced (host smtp.fastmail.com[192.0.2.141] said: 551 5.7.1 Not authorised "
        "to send from this header address (in reply to end of DATA command))",
        "551",
        "5.7.1",
        "rejected",
    ),
    # DNS blocklists, whoever quotes them
    Seen(
        "dnsbl",
        "dnsbl-spamhaus-sbl",
        "554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using "
        "zen.spamhaus.org; https://www.spamhaus.org/sbl/query/SBL468702",
        "554",
        "5.7.1",
        "blocked",
    ),
    Seen(
        "dnsbl",
        "dnsbl-spamhaus-zen",
        "<bob@example.net>: host mail.example.net[192.0.2.150] said: 554 5.7.1 Service "
        "unavailable; Client host [192.0.2.25] blocked using zen.spamhaus.org (in reply to "
        "RCPT TO command)",
        "554",
        "5.7.1",
        "blocked",
    ),
    Seen(
        "dnsbl",
        "dnsbl-barracuda-brbl",
        "550 5.7.1 Service unavailable; client [192.0.2.25] blocked using b.barracudacentral.org",
        "550",
        "5.7.1",
        "blocked",
    ),
    Seen(
        "dnsbl",
        "dnsbl-spamcop",
        "554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using "
        "bl.spamcop.net; Blocked - see https://www.spamcop.net/bl.shtml?192.0.2.25",
        "554",
        "5.7.1",
        "blocked",
    ),
    Seen(
        "dnsbl",
        "dnsbl-sorbs-decommissioned",
        "SMTP error from remote mail server after RCPT TO:<bob@example.hn>: 554 5.7.1 "
        "Service unavailable; Client host [192.0.2.25] blocked using dnsbl.sorbs.net; "
        "Currently Sending Spam See: http://www.sorbs.net/lookup.shtml?192.0.2.25",
        "554",
        "5.7.1",
        "blocked",
    ),
    Seen(
        "dnsbl",
        "dnsbl-uceprotect",
        "554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using "
        "dnsbl-1.uceprotect.net",
        "554",
        "5.7.1",
        "blocked",
    ),
    Seen(
        "dnsbl",
        "dnsbl-uribl",
        "554 5.7.1 Message rejected: breaches local URIBL policy",
        "554",
        "5.7.1",
        "spamdetected",
    ),
]


@pytest.mark.parametrize("seen", OTHERS, ids=lambda s: s.rule)
def test_provider_line(seen: Seen) -> None:
    e = explain(seen.line, "en")
    assert verdict(e) == (seen.code, seen.enhanced, seen.provider, seen.reason, seen.hard)
    assert provider_rule(e) == seen.rule


def test_every_provider_has_lines() -> None:
    counts = {name: 0 for name in PROVIDERS}
    for seen in OTHERS:
        counts[seen.provider] += 1
    counts["gmail"] += len(GMAIL)
    counts["microsoft"] += len(MICROSOFT)
    assert {name: n for name, n in counts.items() if n < 2} == {}


@pytest.mark.parametrize(
    "line",
    [
        "550 5.7.26 This email has been blocked because the sender is unauthenticated. "
        "Gmail requires all senders to authenticate with either SPF or DKIM. - gsmtp",
        "550 5.7.708 Access denied, traffic not accepted from this IP. " + EOP,
        "554 5.7.1 Service unavailable; Client host [192.0.2.25] blocked using zen.spamhaus.org",
    ],
)
def test_provider_text_in_thai(line: str) -> None:
    e = explain(line, "th")
    assert e.provider is not None
    assert re.search("[\u0e00-\u0e7f]", e.provider.meaning)
    assert all(re.search("[\u0e00-\u0e7f]", step) for step in e.provider.fix)


# -- the rule files themselves ----------------------------------------------------------------


def _files() -> dict[str, dict[str, Any]]:
    paths = sorted(glob.glob(os.path.join(PROVIDERS_DIR, "*.toml")))
    out = {}
    for path in paths:
        with open(path, "rb") as handle:
            out[os.path.splitext(os.path.basename(path))[0]] = tomllib.load(handle)
    return out


FILES = _files()
RULES = [(name, rule) for name, data in FILES.items() for rule in data.get("rule", [])]

#: a group containing a repeat, itself repeated: the shape of catastrophic backtracking
_NESTED = re.compile(
    r"\((?:[^()\\]|\\.)*(?:[*+]|\{\d+,\d*\})(?:[^()\\]|\\.)*\)(?:[*+]|\{\d+,\d*\})"
)


def test_the_provider_files_are_the_issue_list() -> None:
    assert set(FILES) == set(PROVIDERS)
    assert FILES["dnsbl"].get("standalone") is True
    assert all(not data.get("standalone") for name, data in FILES.items() if name != "dnsbl")


def test_the_rule_files_load() -> None:
    rules = load_rules()
    assert {p.id for p in rules.providers} == set(PROVIDERS)
    assert set(rules.reasons) == REASONS


@pytest.mark.parametrize(("name", "rule"), RULES, ids=[r["id"] for _, r in RULES])
def test_rule(name: str, rule: dict[str, Any]) -> None:
    data = FILES[name]
    assert rule["id"].startswith(PROVIDERS[name])
    assert rule["reason"] in REASONS - {"undefined"}
    # provenance: the source names one of the file's [[sources]] refs first
    refs = [source["ref"] for source in data["sources"]]
    assert any(rule["source"].startswith(ref) for ref in refs), rule["source"]
    for regex in [*rule.get("match", []), *data["detect"]]:
        assert re.compile(regex, re.IGNORECASE).search("") is None
        assert not _NESTED.search(regex), f"nested quantifier in {regex!r}"
    for lang in ("en", "th"):
        text = rule["text"][lang]
        assert text["meaning"].strip()
        assert text["fix"]
        assert all(step.strip() for step in text["fix"])
    thai = re.compile("[\u0e00-\u0e7f]")
    assert thai.search(rule["text"]["th"]["meaning"])
    assert all(thai.search(step) for step in rule["text"]["th"]["fix"])


def test_every_gmail_row_is_covered_by_a_gmail_rule() -> None:
    """Without the engine: codes, enhanced and match of some gmail.toml rule fit every row."""

    def fits(rule: dict[str, Any], code: str, enhanced: str, text: str) -> bool:
        if rule.get("codes") and code not in rule["codes"]:
            return False
        if rule.get("enhanced") and enhanced not in rule["enhanced"]:
            return False
        patterns = rule.get("match") or []
        return not patterns or any(re.search(p, text, re.I) for p in patterns)

    missing = [
        f"{r['reply_code']} {r['enhanced_code']} {r['error_text'][:50]}"
        for r in _gmail_rows()
        if not any(
            fits(rule, r["reply_code"], r["enhanced_code"], r["error_text"])
            for rule in FILES["gmail"]["rule"]
        )
    ]
    assert missing == []
