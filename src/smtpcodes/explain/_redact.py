"""Make pasted mail errors safe to share: addresses, IP addresses and host names become tokens.

    >>> redact("host mx.example.org[192.0.2.1] said: 550 5.1.1 <bob@example.org>: User unknown")
    'host <host-1>[<ip-1>] said: 550 5.1.1 <address-1>: User unknown'

The same value always gets the same token within one text (``<host-1>`` twice is one host);
codes (``5.1.1``, ``4.16.55``), RFC names and version numbers stay.  AUTH secrets pasted from a
session transcript are always removed (:func:`scrub_secrets`), with or without redaction.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from smtpcodes._record import replace
from smtpcodes.explain._secrets import scrub_secrets

if TYPE_CHECKING:
    from smtpcodes.explain._model import Explanation

# RFC 5321 section 4.1.2 Mailbox = Local-part "@" ( Domain / address-literal ); lenient on the
# local part (RFC 6531 allows UTF-8) and on quoting, as pasted text is rarely exact.
_ADDRESS = re.compile(
    r"<?(?:\"[^\"\s@]{1,64}\"|[\w.!#$%&*+^~-]{1,64})@"
    r"(?:\[[^\]\s]{1,64}\]|[\w-]+(?:\.[\w-]+)*)>?"
)
_IPV4 = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w]|\.\d)"
)
# candidates for IPv6 (RFC 4291 section 2.2); ipaddress decides
_IPV6 = re.compile(
    r"(?<![\w:.])(?:IPv6:)?[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:%\w+)?(?![\w:])"
)
# RFC 1035 section 2.3.1 labels, at least two, the last alphabetic (a top-level domain)
_HOST = re.compile(
    r"(?<![\w.@-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w-]|\.\w)"
)
_CAMEL = re.compile(r"[a-z][A-Z]")
#: dotted words that look like host names but are protocol vocabulary or file names
_NOT_HOSTS = frozenset(
    {
        # RFC 8601 Authentication-Results properties
        "smtp.mailfrom",
        "smtp.helo",
        "smtp.auth",
        "smtp.rcptto",
        "header.from",
        "header.d",
        "header.i",
        "header.s",
        "header.b",
        "policy.dmarc",
        "body.hash",
        # RFC 5598 names of the two From addresses
        "rfc5321.mailfrom",
        "rfc5322.from",
        # library and module names in pasted errors
        "smtplib.smtp",
        "smtplib.smtp_ssl",
        "javax.mail",
        "jakarta.mail",
        "com.sun",
        "e.g",
        "i.e",
    }
)
_FILE_SUFFIXES = frozenset(
    {
        "php",
        "py",
        "pyc",
        "js",
        "ts",
        "mjs",
        "cjs",
        "java",
        "class",
        "jar",
        "rb",
        "pl",
        "pm",
        "go",
        "rs",
        "c",
        "h",
        "cpp",
        "cs",
        "sh",
        "bat",
        "ps1",
        "exe",
        "dll",
        "so",
        "txt",
        "log",
        "cf",
        "conf",
        "cfg",
        "ini",
        "toml",
        "yaml",
        "yml",
        "json",
        "xml",
        "csv",
        "html",
        "htm",
        "md",
        "eml",
        "msg",
        "zip",
        "gz",
        "tgz",
        "pdf",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
    }
)


class Redactor:
    """Replaces personal values with tokens, consistently across several texts."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    def token(self, kind: str, value: str) -> str:
        key = (kind, value.lower())
        found = self._tokens.get(key)
        if found is None:
            number = self._counts.get(kind, 0) + 1
            self._counts[kind] = number
            found = self._tokens[key] = f"<{kind}-{number}>"
        return found

    def __call__(self, text: str) -> str:
        if not text:
            return text
        text = _ADDRESS.sub(self._address, text)
        text = _IPV6.sub(self._ipv6, text)
        text = _IPV4.sub(lambda m: self.token("ip", m.group()), text)
        return _HOST.sub(self._host, text)

    def _address(self, match: re.Match[str]) -> str:
        value = match.group()
        bare = value.strip("<>")
        return self.token("address", bare)

    def _ipv6(self, match: re.Match[str]) -> str:
        import ipaddress

        value = match.group()
        candidate = value[5:] if value.startswith("IPv6:") else value
        try:
            ipaddress.IPv6Address(candidate.split("%", 1)[0])
        except ValueError:
            return value
        return self.token("ip", candidate)

    def _host(self, match: re.Match[str]) -> str:
        value = match.group()
        lower = value.lower()
        last = value.rsplit(".", 1)[1]
        if lower in _NOT_HOSTS or last.lower() in _FILE_SUFFIXES or _CAMEL.search(last):
            return value
        if lower.startswith(("smtplib.", "javax.", "jakarta.", "com.sun.", "org.eclipse.")):
            return value
        return self.token("host", value)


def redact(text: str) -> str:
    """``text`` with e-mail addresses, IP addresses and host names replaced by tokens."""
    return Redactor()(scrub_secrets(text))


def redactor() -> Callable[[str], str]:
    """A fresh redactor: call it on several texts to share one numbering."""
    return Redactor()


def redact_explanation(explanation: Explanation) -> Explanation:
    """The explanation with every piece of the user's input redacted, one numbering for all.

    Classify first, redact after: ``redact_explanation(explain(text))`` keeps the verdict that
    the host names and addresses helped to find (a provider is often known by its host).
    Only text that came from the input changes; the catalogue's and the rules' text stays.
    """
    red = Redactor()
    changes: dict[str, object] = {"input": red(scrub_secrets(explanation.input))}
    if explanation.reply is not None:
        reply = explanation.reply
        changes["reply"] = replace(
            reply, lines=tuple(red(line) for line in reply.lines), text=red(reply.text)
        )
    if explanation.command is not None:
        changes["command"] = replace(explanation.command, said=red(explanation.command.said))
    changes["evidence"] = tuple(
        replace(item, matched=red(item.matched)) if item.matched else item
        for item in explanation.evidence
    )
    return replace(explanation, **changes)
