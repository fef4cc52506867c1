"""SASL secrets out of pasted transcripts: every explanation's input goes through this.

Kept apart from :mod:`smtpcodes.explain._redact` (addresses, IP addresses and host names,
only on request), so that explaining a reply does not compile the redaction regexes.
"""

from __future__ import annotations

import re
from functools import cache


# RFC 4954 section 4: AUTH mechanism [initial-response]; the responses that follow a 334
# challenge are base64 lines from the client.  swaks and PHPMailer transcripts show them.
# (compiled on first use, as the gates in scrub_secrets let few texts reach them)
@cache
def _auth_initial() -> re.Pattern[str]:
    return re.compile(
        r"(?im)(\bAUTH\s+(?:PLAIN|LOGIN|XOAUTH2|OAUTHBEARER|CRAM-MD5|DIGEST-MD5|NTLM)\s+)"
        r"([A-Za-z0-9+/=._-]{4,})"
    )


@cache
def _client_line() -> re.Pattern[str]:
    return re.compile(r"^([^\n]*?(?:CLIENT -> SERVER:|\bC:|->|~>)\s*)([A-Za-z0-9+/=]{4,})\s*$")


#: one of these (upper-cased) is in the upper-cased text wherever _auth_initial() matches
#: (str.upper maps every letter that re.I folds onto these, such as 'ſ', onto them too)
_MECHANISMS = ("PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER", "CRAM-MD5", "DIGEST-MD5", "NTLM")


@cache
def _challenge() -> re.Pattern[str]:
    return re.compile(r"(?m)(?:SERVER -> CLIENT:|S:|<-|<~)\s*334\b")


HIDDEN = "<secret>"


def scrub_secrets(text: str) -> str:
    """Remove SASL secrets (``AUTH PLAIN <base64>``, answers to ``334``) from a transcript."""
    upper = text.upper()
    if "AUTH" not in upper and "334" not in text:
        return text
    # the regexes open with \b (and _auth_initial() is case-insensitive): sre tries them at
    # every place of a long log line, so they run only when the literals they need are there
    if "AUTH" in upper and any(name in upper for name in _MECHANISMS):
        text = _auth_initial().sub(lambda m: m.group(1) + HIDDEN, text)
    if "334" not in text:
        return text
    challenge = _challenge()
    if challenge.search(text) is None:
        return text
    client_line = _client_line()
    lines = text.split("\n")
    after_challenge = False
    for index, line in enumerate(lines):
        if challenge.search(line):
            after_challenge = True
            continue
        if after_challenge:
            match = client_line.match(line)
            if match is not None:
                lines[index] = match.group(1) + HIDDEN
                continue
            if line.strip():
                after_challenge = False
    return "\n".join(lines)
