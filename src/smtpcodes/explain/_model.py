"""Plain-data results of explain() and compare(); every face renders these, nothing else."""

from __future__ import annotations

from smtpcodes._record import record
from smtpcodes.catalogue import RegistryRow

#: the IANA row as the catalogue holds it: plain data already, shown unchanged
RegistryView = RegistryRow


@record
class Link:
    label: str
    url: str


@record
class Fact:
    """One language-neutral fact with its localized label and value."""

    key: str  #: "stage", "retry", ...
    label: str  #: "Where in the session"
    value: str  #: "AUTH"
    raw: tuple[str, ...] = ()  #: the neutral values: ("auth",)


@record
class CodeRef:
    code: str
    title: str
    note: str = ""


@record
class FindingNote:
    kind: str
    severity: str
    severity_label: str
    message: str
    rfc: str
    line: int | None = None


@record
class VendorView:
    provider: str
    provider_name: str
    code: str
    title: str
    summary: str
    description: str
    fix_client: tuple[str, ...]
    fix_server: tuple[str, ...]
    sources: tuple[Link, ...]


@record
class TranscriptView:
    scenario: str
    probe_command: str
    swaks_command: str
    recorded: str
    lines: tuple[str, ...]


@record
class CodeInfo:
    """Everything about one code in one language."""

    code: str  #: "535", "5.7.8", "X.7.8", "5xx", "X.7.X"
    kind: str  #: "basic" | "enhanced" | "class"
    known: bool  #: False: explained from its digits only
    lang: str
    tier: str
    tier_label: str
    title: str
    summary: str
    description: str
    when: str
    fix_client: tuple[str, ...]
    fix_server: tuple[str, ...]
    notes: tuple[str, ...]
    retry_note: str
    class_digit: int | None
    class_name: str
    class_short: str
    class_meaning: str
    detail_label: str  #: basic: the second digit's category; enhanced: the subject
    stages: tuple[str, ...]
    retry: str  #: "continue" | "later" | "never-unchanged" | ""
    next_step: str
    closes: str
    who: tuple[str, ...]
    facts: tuple[Fact, ...]
    related: tuple[CodeRef, ...]
    confused_with: tuple[CodeRef, ...]
    sources: tuple[Link, ...]
    examples: tuple[str, ...]
    typical: tuple[str, ...]  #: typical enhanced codes (basic) or basic codes (enhanced)
    registry: RegistryView | None = None
    vendor: tuple[VendorView, ...] = ()
    transcript: TranscriptView | None = None


@record
class ReplyView:
    code: str
    enhanced: str | None
    lines: tuple[str, ...]
    text: str
    complete: bool


@record
class ReasonView:
    """Why the mail failed, from the reason taxonomy (``rules/reasons.toml``)."""

    id: str  #: "userunknown", "mailboxfull", ..., "undefined"
    title: str
    summary: str
    steps: tuple[str, ...]  #: what to do, in order


@record
class BounceView:
    """Hard or soft: will the same message to the same address fail again?"""

    hard: bool  #: True: permanent failure (hard bounce); False: temporary (soft bounce)
    label: str
    why: str  #: the rule that decided, with its RFC section
    conflict: bool = False  #: the basic and enhanced codes disagree (RFC 2034 section 4)


@record
class RetryAdvice:
    advice: str  #: "later" | "after-fix" | "never"
    when: str  #: the general rule for this advice
    how: str  #: what it means for this reason


@record
class Party:
    """Someone who must act: ``sender``, ``sender-admin``, ``recipient``, ``recipient-admin``."""

    id: str
    label: str


@record
class ProviderView:
    """Who sent the reply, and what its documentation says about it when a rule matched."""

    id: str  #: "gmail"
    name: str  #: "Gmail / Google Workspace"
    docs: str  #: link to the provider's documentation
    rule: str = ""  #: id of the provider rule that matched ("" when only recognised)
    meaning: str = ""
    fix: tuple[str, ...] = ()
    source: str = ""  #: provenance of the rule


@record
class CommandView:
    """The command the reply answered, when the text says so."""

    stage: str  #: smtpcodes.protocol.Stage value: "rcpt", "end-of-data", "auth"
    label: str  #: localized name of the stage
    said: str  #: as the text names it: "RCPT TO", "end of DATA", "Password"


@record
class Evidence:
    """Why the explanation says what it says: which rule or field decided, on what text."""

    decides: str  #: "reply" | "command" | "provider" | "reason" | "bounce"
    label: str  #: localized name of what it decides
    rule: str  #: rule id, pattern id, code map key ("X.1.1"), RFC rule or form
    note: str  #: one localized sentence
    matched: str = ""  #: the part of the input that matched


@record
class Explanation:
    """What a code or a reply means: ``explain("550 5.1.1 no such user", "en")``."""

    lang: str
    input: str
    headline: str
    basic: CodeInfo | None
    enhanced: CodeInfo | None
    reply: ReplyView | None = None
    findings: tuple[FindingNote, ...] = ()
    reason: ReasonView | None = None  #: None when nothing failed (2xx, 3xx)
    bounce: BounceView | None = None
    retry: RetryAdvice | None = None
    who_acts: tuple[Party, ...] = ()
    provider: ProviderView | None = None
    command: CommandView | None = None
    form: str = ""  #: where the reply was found: "" (given as such), "postfix", "smtplib", ...
    evidence: tuple[Evidence, ...] = ()

    @property
    def primary(self) -> CodeInfo:
        """The basic code's information, or the enhanced code's when there is no basic."""
        info = self.basic or self.enhanced
        assert info is not None  # noqa: S101 - explain() always sets one
        return info


@record
class Difference:
    dimension: str  #: "class", "stage", "next_step", "retry", "who", "closes", "enhanced", "kind"
    differs: bool
    sentence: str


@record
class FactRow:
    key: str
    label: str
    a: str
    b: str
    differs: bool


@record
class Comparison:
    """Two codes side by side: ``compare("354", "535", "th")``."""

    lang: str
    a: CodeInfo
    b: CodeInfo
    same: bool
    title: str
    intro: str
    differences: tuple[Difference, ...]
    shared: tuple[Difference, ...]
    when_which: tuple[str, ...]
    table: tuple[FactRow, ...]
    learn_more: tuple[Link, ...]
    curated_note: str
    canonical: tuple[str, str]
