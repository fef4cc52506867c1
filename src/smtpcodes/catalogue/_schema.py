"""The shape of a catalogue entry: language-neutral facts plus text per language.

One TOML file per code (``data/basic/535.toml``, ``data/enhanced/5.7.8.toml``,
``data/vendor/<provider>/5.7.27.toml``) is validated against these frozen records
(msgspec, at compile time) and served from the compiled bundle at run time.
"""

from __future__ import annotations

from enum import Enum

from smtpcodes._record import field, record
from smtpcodes.protocol import Stage


class Kind(Enum):
    """Which grammar the code follows."""

    BASIC = "basic"  #: three digits, RFC 5321 section 4.2
    ENHANCED = "enhanced"  #: class.subject.detail, RFC 3463 section 2


class Tier(Enum):
    """How authoritative the code is."""

    STANDARD = "standard"  #: defined in an RFC
    REGISTRY_ONLY = "registry-only"  #: only in the IANA registry's basic-code column
    VENDOR = "vendor"  #: documented by a provider, not registered
    FOLKLORE = "folklore"  #: seen in the wild and in blog lists, defined nowhere


class Retry(Enum):
    """What the client may do about the same command (RFC 5321 section 4.2.1)."""

    CONTINUE = "continue"  #: 2yz/3yz: nothing to retry, go on with the session
    LATER = "later"  #: 4yz: the same command may succeed later
    NEVER_UNCHANGED = "never-unchanged"  #: 5yz: do not repeat it unchanged


class Closes(Enum):
    """Whether the server closes the connection after this reply."""

    YES = "yes"
    NO = "no"
    MAY = "may"


class Actor(Enum):
    """Who must act to get the mail through."""

    NOBODY = "nobody"  #: success, nothing to do
    CLIENT = "client"  #: the sending program (or the person configuring it)
    SENDER = "sender"  #: the person who wrote the message
    SENDER_ADMIN = "sender-admin"  #: whoever runs the sending server or domain
    RECIPIENT = "recipient"  #: the person the mail is for
    RECIPIENT_ADMIN = "recipient-admin"  #: whoever runs the receiving server


class NextStep(Enum):
    """What the reply obliges the client to do next."""

    PROCEED = "proceed"  #: send the next command of the session
    SEND_MESSAGE = "send-message"  #: send the message, end it with <CRLF>.<CRLF>
    ANSWER_CHALLENGE = "answer-challenge"  #: send the next SASL response (or "*")
    START_TLS = "start-tls"  #: begin the TLS handshake now
    READ_INFO = "read-info"  #: informational text for a human; nothing to send
    DISCONNECTED = "disconnected"  #: the session is over; the connection is closed
    RETRY_LATER = "retry-later"  #: keep the message queued, try again later
    RECONNECT_LATER = "reconnect-later"  #: connection closed; reconnect later
    AUTHENTICATE = "authenticate"  #: authenticate (or start TLS) first, then repeat
    FIX_AND_RETRY = "fix-and-retry"  #: change something, then try again
    GIVE_UP = "give-up"  #: bounce the message to its sender; nothing will help here
    FIX_CLIENT = "fix-client"  #: the client sent something wrong: fix the software


@record
class Source:
    """Where a fact comes from: an RFC section, an IANA row or a provider page."""

    ref: str  #: "RFC 5321", "IANA smtp-enhanced-status-codes", "Google 3726730"
    section: str = ""  #: "4.2.3"
    url: str = ""
    seen: str = ""  #: date a provider page was read, ISO 8601
    note: str = ""


@record
class Confusion:
    """A code this one is often mistaken for, with why (per language)."""

    code: str
    note: dict[str, str]


@record
class Text:
    """Everything a reader sees about one code, in one language."""

    title: str
    summary: str
    description: str
    when: str
    fix_client: tuple[str, ...]
    fix_server: tuple[str, ...]
    notes: tuple[str, ...] = ()
    #: a special case of the retry rule, e.g. 552 to RCPT for too many recipients
    retry_note: str = ""


@record
class RegistryRow:
    """An IANA enhanced-status-code registry row, kept as the registry has it."""

    code: str  #: "X.7.8"
    sample_text: str
    basic_codes: str  #: verbatim, oddities included: "535", "Not given", ".", "5XX"
    description: str
    references: tuple[str, ...]
    date: str = ""
    deprecated: bool = False


@record
class Entry:
    """One code of the knowledge base."""

    code: str
    kind: Kind
    tier: Tier
    stages: tuple[Stage, ...]
    closes: Closes
    who: tuple[Actor, ...]
    next_step: NextStep
    sources: tuple[Source, ...]
    text: dict[str, Text]
    #: basic entries always; generic enhanced entries (X.s.d) leave it to the class digit
    retry: Retry | None = None
    commands: tuple[str, ...] = ()
    enhanced: tuple[str, ...] = ()  #: typical enhanced codes (basic entries)
    basic: tuple[str, ...] = ()  #: typical basic codes (enhanced entries)
    related: tuple[str, ...] = ()
    confused_with: tuple[Confusion, ...] = ()
    libraries: dict[str, str] = field(default_factory=dict)
    #: enhanced entries: the classes in which the code is meaningful, e.g. ("4", "5")
    classes: tuple[str, ...] = ()
    registry: RegistryRow | None = None
    provider: str = ""  #: vendor entries: provider id, e.g. "gmail", "microsoft"
    examples: tuple[str, ...] = ()  #: real reply lines that parse to this code


@record
class Transcript:
    """A real session recorded against the sandbox, showing ``code`` where it happens.

    Written by ``python -m smtpcodes.sandbox.record`` into ``data/transcripts/<code>.toml``.
    """

    code: str
    scenario: str  #: the sandbox scenario that produced it
    probe_command: str  #: the exact ``smtpcodes probe`` command that reproduces it
    swaks_command: str  #: the equivalent swaks command
    recorded: str  #: ISO 8601 date
    lines: tuple[str, ...]  #: the transcript, swaks-style markers included


@record
class Pair:
    """A curated comparison of two codes people confuse, with a hand-written note."""

    a: str
    b: str
    note: dict[str, str]
    sources: tuple[Source, ...] = ()
