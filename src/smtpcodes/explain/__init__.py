"""explain() and compare(): pure functions from a reply or code to plain-data results.

explain() also reads replies inside log lines, bounces and library errors, and says why the
mail failed (the reason taxonomy), whether that is permanent, who must act and when to retry.
"""

from smtpcodes._typing import TYPE_CHECKING
from smtpcodes.explain._classify import verdict_labels
from smtpcodes.explain._codeinfo import code_info, kind_of, normalize_code
from smtpcodes.explain._explain import explain, explain_reply, finding_notes
from smtpcodes.explain._model import (
    BounceView,
    CodeInfo,
    CodeRef,
    CommandView,
    Comparison,
    Difference,
    Evidence,
    Explanation,
    Fact,
    FactRow,
    FindingNote,
    Link,
    Party,
    ProviderView,
    ReasonView,
    RegistryView,
    ReplyView,
    RetryAdvice,
    TranscriptView,
    VendorView,
)
from smtpcodes.explain._rules import Rules, load_rules
from smtpcodes.explain._serialize import document, dumps, to_data

if TYPE_CHECKING:
    from smtpcodes.explain._compare import canonical_pair, compare, sort_key
    from smtpcodes.explain._redact import redact, redact_explanation

#: imported on first use: explaining a reply (all that ``smtpcodes explain`` does) needs
#: neither the comparison tables nor the redaction regexes
_LAZY = {
    "canonical_pair": "_compare",
    "compare": "_compare",
    "sort_key": "_compare",
    "redact": "_redact",
    "redact_explanation": "_redact",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'smtpcodes.explain' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"smtpcodes.explain.{module}"), name)


__all__ = [
    "BounceView",
    "CodeInfo",
    "CodeRef",
    "CommandView",
    "Comparison",
    "Difference",
    "Evidence",
    "Explanation",
    "Fact",
    "FactRow",
    "FindingNote",
    "Link",
    "Party",
    "ProviderView",
    "ReasonView",
    "RegistryView",
    "ReplyView",
    "RetryAdvice",
    "Rules",
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
    "load_rules",
    "normalize_code",
    "redact",
    "redact_explanation",
    "sort_key",
    "to_data",
    "verdict_labels",
]
