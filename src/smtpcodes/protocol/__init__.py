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
from smtpcodes.protocol._stage import SESSION_FLOW, Stage

__all__ = [
    "MAX_REPLY_LINE",
    "SESSION_FLOW",
    "Finding",
    "FindingKind",
    "Reply",
    "ReplyLine",
    "ReplyParseError",
    "ReplyParser",
    "Severity",
    "Stage",
    "parse_replies",
    "parse_reply",
]
