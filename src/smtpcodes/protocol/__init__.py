"""Sans-IO SMTP: bytes in, values out; deviations become findings. Stdlib only.

The client session (``_session``) is imported on first use: reading a reply, which is all
``smtpcodes explain`` needs, should not pay for hmac, base64 and the session tables.
"""

from smtpcodes._errors import ReplyParseError
from smtpcodes._typing import TYPE_CHECKING
from smtpcodes.protocol._findings import Finding, FindingKind, Severity
from smtpcodes.protocol._reply import (
    MAX_REPLY_LINE,
    Reply,
    ReplyLine,
    ReplyParser,
    parse_replies,
    parse_reply,
)
from smtpcodes.protocol._stage import SESSION_FLOW, Stage

if TYPE_CHECKING:
    from smtpcodes.protocol._session import (
        EXPECTED_REPLIES,
        MECHANISMS,
        REDACTED,
        Answer,
        ClientSession,
        Event,
        Extensions,
        Problem,
        Sent,
        SentKind,
        SessionState,
        SessionUsageError,
        dot_stuff,
    )

_SESSION_NAMES = frozenset(
    {
        "EXPECTED_REPLIES",
        "MECHANISMS",
        "REDACTED",
        "Answer",
        "ClientSession",
        "Event",
        "Extensions",
        "Problem",
        "Sent",
        "SentKind",
        "SessionState",
        "SessionUsageError",
        "dot_stuff",
    }
)


def __getattr__(name: str) -> object:
    if name in _SESSION_NAMES:
        from smtpcodes.protocol import _session

        return getattr(_session, name)
    raise AttributeError(f"module 'smtpcodes.protocol' has no attribute {name!r}")


__all__ = [
    "EXPECTED_REPLIES",
    "MAX_REPLY_LINE",
    "MECHANISMS",
    "REDACTED",
    "SESSION_FLOW",
    "Answer",
    "ClientSession",
    "Event",
    "Extensions",
    "Finding",
    "FindingKind",
    "Problem",
    "Reply",
    "ReplyLine",
    "ReplyParseError",
    "ReplyParser",
    "Sent",
    "SentKind",
    "SessionState",
    "SessionUsageError",
    "Severity",
    "Stage",
    "dot_stuff",
    "parse_replies",
    "parse_reply",
]
