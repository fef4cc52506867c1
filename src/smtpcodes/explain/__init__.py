"""explain() and compare(): pure functions from a reply or code to plain-data results."""

from smtpcodes.explain._codeinfo import code_info, kind_of, normalize_code
from smtpcodes.explain._compare import canonical_pair, compare, sort_key
from smtpcodes.explain._explain import explain, explain_reply, finding_notes
from smtpcodes.explain._model import (
    CodeInfo,
    CodeRef,
    Comparison,
    Difference,
    Explanation,
    Fact,
    FactRow,
    FindingNote,
    Link,
    RegistryView,
    ReplyView,
    TranscriptView,
    VendorView,
)
from smtpcodes.explain._serialize import document, dumps, to_data

__all__ = [
    "CodeInfo",
    "CodeRef",
    "Comparison",
    "Difference",
    "Explanation",
    "Fact",
    "FactRow",
    "FindingNote",
    "Link",
    "RegistryView",
    "ReplyView",
    "TranscriptView",
    "VendorView",
    "canonical_pair",
    "code_info",
    "compare",
    "document",
    "dumps",
    "explain",
    "explain_reply",
    "finding_notes",
    "kind_of",
    "normalize_code",
    "sort_key",
    "to_data",
]
