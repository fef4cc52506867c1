"""Deviations from the RFCs, recorded on the result instead of raised (DESIGN.md section 7.3)."""

from __future__ import annotations

from enum import Enum

from smtpcodes._record import record


class Severity(Enum):
    ERROR = "error"  #: breaks a MUST of an RFC
    WARNING = "warning"  #: breaks a SHOULD, or will confuse clients
    INFO = "info"  #: legal but worth knowing


class FindingKind(Enum):
    """What was wrong.  Each value names the rule it checks."""

    #: every line of a multi-line reply must carry the same code (RFC 5321 section 4.2.1)
    MIXED_CODES = "mixed-codes"
    #: continuation lines carry different enhanced codes
    MIXED_ENHANCED = "mixed-enhanced"
    #: the enhanced class must equal the first digit (RFC 2034 section 4, RFC 3463 section 2)
    CLASS_MISMATCH = "class-mismatch"
    #: 3xx replies carry no enhanced code (RFC 2034 section 4)
    ENHANCED_ON_3XX = "enhanced-on-3xx"
    #: an enhanced-looking code whose class is not 2, 4 or 5 (RFC 3463 section 2)
    INVALID_ENHANCED_CLASS = "invalid-enhanced-class"
    #: an enhanced subject RFC 3463 does not define (0 to 7 are defined, section 2)
    UNKNOWN_SUBJECT = "unknown-subject"
    #: a reply code is exactly three digits (RFC 5321 section 4.2)
    CODE_NOT_THREE_DIGITS = "code-not-three-digits"
    #: the first digit must be 2, 3, 4 or 5 (RFC 5321 sections 4.2.1, 4.3.2)
    CODE_OUT_OF_RANGE = "code-out-of-range"
    #: three digits in a valid class, but no RFC defines the code
    NONSTANDARD_CODE = "nonstandard-code"
    #: a line that is not an SMTP reply at all: no three-digit code, or binary data (RFC 5321 4.2)
    MALFORMED_REPLY = "malformed-reply"
    #: the code must be followed by a space, a hyphen or the end of the line (RFC 5321 section 4.2)
    MISSING_SEPARATOR = "missing-separator"
    #: the last line of a multi-line reply (code then space) never came (RFC 5321 section 4.2.1)
    NO_FINAL_LINE = "no-final-line"
    #: a reply line is at most 512 octets with CRLF (RFC 5321 section 4.5.3.1.5)
    LINE_TOO_LONG = "line-too-long"
    #: lines end in CRLF; a bare LF is not a line ending on the wire (RFC 5321 section 2.3.8)
    BARE_LF = "bare-lf"
    #: the bytes are not valid UTF-8 (RFC 6531 allows UTF-8, RFC 5321 section 4.2 expects ASCII)
    INVALID_UTF8 = "invalid-utf8"
    # -- session findings (protocol.ClientSession) --
    #: the code is not among those RFC 5321 section 4.3.2 lists for the command
    UNEXPECTED_CODE = "unexpected-code"
    #: ENHANCEDSTATUSCODES was advertised but the reply has none (RFC 2034 section 3)
    ENHANCED_MISSING = "enhanced-missing"
    #: the server spoke before it was its turn (RFC 5321 section 4.3.1; RFC 2920 section 3.1)
    UNSOLICITED_REPLY = "unsolicited-reply"
    #: the connection closed without 221 or 421 (RFC 5321 section 3.8)
    UNEXPECTED_CLOSE = "unexpected-close"
    #: a multi-line reply went on past the limit the client accepts
    REPLY_TOO_LONG = "reply-too-long"
    #: the server did not answer within the stage's timeout (RFC 5321 section 4.5.3.2)
    TIMEOUT = "timeout"


@record
class Finding:
    """One deviation, e.g. ``550 4.7.1 ...`` gives CLASS_MISMATCH on line 1.

    ``detail`` is a terse English note for logs; interfaces show the localized text the
    explain layer builds from ``kind`` and ``params``.
    """

    kind: FindingKind
    severity: Severity
    detail: str
    rfc: str
    line: int | None = None
    params: tuple[tuple[str, str], ...] = ()

    def param(self, name: str, default: str = "") -> str:
        for key, value in self.params:
            if key == name:
                return value
        return default
