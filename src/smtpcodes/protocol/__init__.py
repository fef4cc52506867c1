"""Sans-IO SMTP: bytes in, values out; deviations become findings. Stdlib only."""

from smtpcodes._errors import ReplyParseError
from smtpcodes.protocol._findings import Finding, FindingKind, Severity
from smtpcodes.protocol._reply import (
    MAX_REPLY_LINE,
    Reply,
    ReplyLine,
    ReplyParser,
    parse_replies,
    parse_reply,
)
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
from smtpcodes.protocol._stage import SESSION_FLOW, Stage

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
