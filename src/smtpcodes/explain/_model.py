"""Plain-data results of explain() and compare(); every face renders these, nothing else."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Fact:
    """One language-neutral fact with its localized label and value."""

    key: str  #: "stage", "retry", ...
    label: str  #: "Where in the session"
    value: str  #: "AUTH"
    raw: tuple[str, ...] = ()  #: the neutral values: ("auth",)


@dataclass(frozen=True, slots=True)
class CodeRef:
    code: str
    title: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class FindingNote:
    kind: str
    severity: str
    severity_label: str
    message: str
    rfc: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class RegistryView:
    code: str
    sample_text: str
    basic_codes: str
    description: str
    references: tuple[str, ...]
    date: str = ""
    deprecated: bool = False


@dataclass(frozen=True, slots=True)
class VendorView:
    provider: str
    code: str
    title: str
    summary: str
    description: str
    fix_client: tuple[str, ...]
    fix_server: tuple[str, ...]
    sources: tuple[Link, ...]


@dataclass(frozen=True, slots=True)
class TranscriptView:
    scenario: str
    probe_command: str
    swaks_command: str
    recorded: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
class ReplyView:
    code: str
    enhanced: str | None
    lines: tuple[str, ...]
    text: str
    complete: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    """What a code or a reply means: ``explain("550 5.1.1 no such user", "en")``."""

    lang: str
    input: str
    headline: str
    basic: CodeInfo | None
    enhanced: CodeInfo | None
    reply: ReplyView | None = None
    findings: tuple[FindingNote, ...] = ()

    @property
    def primary(self) -> CodeInfo:
        """The basic code's information, or the enhanced code's when there is no basic."""
        info = self.basic or self.enhanced
        assert info is not None  # noqa: S101 - explain() always sets one
        return info


@dataclass(frozen=True, slots=True)
class Difference:
    dimension: str  #: "class", "stage", "next_step", "retry", "who", "closes", "enhanced", "kind"
    differs: bool
    sentence: str


@dataclass(frozen=True, slots=True)
class FactRow:
    key: str
    label: str
    a: str
    b: str
    differs: bool


@dataclass(frozen=True, slots=True)
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
