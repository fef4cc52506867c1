"""What a search returns: plain data, rendered by the CLI and the web alike."""

from __future__ import annotations

from smtpcodes._errors import LocalError
from smtpcodes._record import record


@record
class SearchHit:
    """One result of ``search("mailbox full", "en")``.

    >>> SearchHit("552", "basic", "Exceeded storage allocation", "... or mailbox full ...", 71.2)

    ``score`` is the relevance, higher first; hits come sorted by it.  Bands:
    100 an exact code (``535``), 80 to 90 a code prefix (``55``, ``5.7``), 50 to 80 a text
    match in the requested language, 20 to 50 a text match in another language only,
    below 20 a fuzzy match on a title (typos, very short queries).
    """

    code: str  #: "535", "5.7.8", "X.7.8", "5xx"; link target of the hit
    kind: str  #: "basic" | "enhanced" | "class" | "vendor"
    title: str  #: in the requested language
    snippet: str  #: plain text around the match (may be in the language that matched)
    score: float


class SearchError(LocalError, ValueError):
    """The caller asked for a search that cannot be run (a limit below 1)."""
