"""The rule tables of the explain layer, read from ``explain/rules/`` and checked once.

    rules/reasons.toml            the reason taxonomy: who acts, retry advice, text per language
    rules/patterns.toml           generic text patterns, enhanced- and basic-code maps
    rules/providers/<id>.toml     one file per provider: how to recognise it, its rules

A provider file (one rule shown; ``codes``, ``enhanced``, ``match`` and ``hard`` are optional)::

    id = "gmail"                                   # the file name without .toml
    name = "Gmail / Google Workspace"
    docs = "https://support.google.com/a/answer/3726730"
    detect = ['\\bgsmtp\\b', '\\bgoogle\\.com\\b']     # case-insensitive; any match: this provider
    standalone = false                             # true: rules apply without detection (DNSBLs)
    [[sources]]
    ref = "Google 3726730"
    url = "https://support.google.com/a/answer/3726730"
    seen = "2026-06-18"
    [[rule]]
    id = "gmail-550-5.7.26-unauthenticated"
    codes = ["550"]
    enhanced = ["5.7.26"]
    match = ['sender is unauthenticated']
    reason = "securityerror"
    hard = true
    source = "Google 3726730: 550 5.7.26 'This mail has been blocked ...'"
    text.en.meaning = "..."
    text.en.fix = ["..."]

Every file is validated with msgspec when first loaded; a malformed one raises
:class:`CatalogueError` naming the file and the field (``$.rule[3].match[0]``).
Which rule wins is decided in :mod:`smtpcodes.explain._classify`.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import re
import sys
from collections.abc import Callable, Sequence
from functools import cache

from smtpcodes._errors import CatalogueError
from smtpcodes._record import record
from smtpcodes._typing import TYPE_CHECKING, overload
from smtpcodes.catalogue import Source
from smtpcodes.protocol import Stage

# os.path rather than pathlib: pathlib's import costs the CLI start-up time
RULES_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules")
PROVIDERS_DIR = os.path.join(RULES_DIR, "providers")

#: Who can be asked to act on a failed delivery (a subset of the catalogue's actors).
ACTORS = ("sender", "sender-admin", "recipient", "recipient-admin")
#: Retry policies of a reason: retry as is later, fix first, or never for this address.
RETRY_POLICIES = ("later", "after-fix", "never")
#: Stage values a pattern or code map may be limited to (smtpcodes.protocol.Stage).
STAGES = tuple(stage.value for stage in Stage if stage is not Stage.ANY)

if TYPE_CHECKING:
    from typing import Any, TypeVar

    _T = TypeVar("_T")

_BASIC = re.compile(r"[2-5]\d\d")
# RFC 3463 section 2: status-code = class "." subject "." detail, no leading zeros
_ENHANCED = re.compile(r"[245]\.(?:0|[1-9]\d{0,2})\.(?:0|[1-9]\d{0,2})")
# code map keys: "X.1.1" (any class) or "X.1.X" (the whole subject)
_ENHANCED_KEY = re.compile(r"X\.(?:0|[1-9]\d{0,2})\.(?:X|0|[1-9]\d{0,2})")
_ID = re.compile(r"[a-z0-9][a-z0-9._-]*")


# -- run-time values -------------------------------------------------------------------------


@record
class ReasonText:
    title: str
    summary: str
    steps: tuple[str, ...]  #: what to do, in order
    retry: str  #: how to retry (or not) for this reason


@record
class Reason:
    """One reason of the taxonomy, e.g. ``userunknown``."""

    id: str
    who: tuple[str, ...]  #: ACTORS who must act by default
    retry: str  #: RETRY_POLICIES: the default advice
    text: dict[str, ReasonText]
    sources: tuple[Source, ...]


@record
class RuleText:
    meaning: str
    fix: tuple[str, ...]


@record
class ProviderRule:
    """A provider's rule: when it applies and what it means."""

    id: str
    provider: str  #: provider id
    reason: str
    source: str  #: provenance: where the reply text and its meaning come from
    text: dict[str, RuleText]
    codes: frozenset[str] = frozenset()  #: basic codes; empty: any
    enhanced: frozenset[str] = frozenset()  #: enhanced codes; empty: any
    match: tuple[str, ...] = ()  #: regexes as written; empty: codes alone decide
    hard: bool | None = None  #: overrides the class-derived verdict
    order: int = 0  #: position in its file

    @property
    def specificity(self) -> tuple[bool, bool, bool]:
        """Text beats an enhanced code, which beats a basic code."""
        return (bool(self.match), bool(self.enhanced), bool(self.codes))


@record
class Provider:
    id: str
    name: str
    docs: str
    detect: tuple[str, ...]
    sources: tuple[Source, ...]
    rules: tuple[ProviderRule, ...]
    standalone: bool = False
    path: str = ""


@record
class Pattern:
    """A generic text pattern (patterns.toml): provider-neutral wording seen in real replies."""

    id: str
    reason: str
    match: tuple[str, ...]
    source: str
    codes: frozenset[str] = frozenset()
    enhanced: frozenset[str] = frozenset()
    classes: frozenset[str] = frozenset()  #: first digits, e.g. {"5"}
    commands: frozenset[str] = frozenset()  #: STAGES; the command must be known and listed


@record
class CodeMapping:
    """An enhanced (``X.1.1``, ``X.4.X``) or basic (``552``) code mapped to a reason."""

    code: str
    reason: str
    source: str
    commands: frozenset[str] = frozenset()


# -- regex prefilter -------------------------------------------------------------------------
#
# A line is checked against a few hundred case-insensitive regexes.  Running them all costs
# about a microsecond each, so every regex gets a necessary condition computed from its parse
# tree: one of a few "keys" must occur in the lower-cased text.  A key is either a whole word
# (looked up in the set of the text's words) or a substring.  The condition is only ever used
# to skip a regex that cannot match; the regex itself always decides.

_WORD = re.compile(r"[a-z0-9]+")
#: words so common in replies and logs that they select little; a rarer key is preferred
_COMMON = frozenset(
    {
        "the",
        "is",
        "to",
        "of",
        "and",
        "for",
        "in",
        "not",
        "be",
        "a",
        "an",
        "your",
        "this",
        "has",
        "been",
        "was",
        "are",
        "with",
        "from",
        "by",
        "on",
        "at",
        "it",
        "or",
        "as",
        "please",
        "our",
        "you",
        "we",
        "me",
        "my",
        "no",
        "any",
        "all",
        "can",
        "will",
        "may",
        "more",
        "information",
        "see",
        "go",
        "try",
        "again",
        "later",
        "mail",
        "email",
        "message",
        "messages",
        "address",
        "addresses",
        "recipient",
        "recipients",
        "sender",
        "user",
        "users",
        "mailbox",
        "account",
        "domain",
        "server",
        "host",
        "smtp",
        "com",
        "org",
        "net",
        "www",
        "http",
        "https",
        "support",
        "help",
        "error",
        "rejected",
        "reject",
        "denied",
        "failed",
        "failure",
        "temporary",
        "permanent",
        "because",
        "due",
        "policy",
        "command",
        "header",
        "headers",
        "sending",
        "send",
        "sent",
        "rate",
        "limit",
        "limited",
        "exceeded",
        "guidelines",
        "blocked",
        "message's",
        "domain's",
        "gmail",
        "google",
        "learn",
        "visit",
        "contact",
        "administrator",
        "protect",
        "following",
        "reason",
        "reasons",
        "receive",
        "received",
        "delivery",
        "deliver",
        "delivered",
        "unable",
        "allowed",
        "address's",
    }
)
_COMMON_PREFIXES = frozenset(word[:4] for word in _COMMON if len(word) >= 4)
#: kinds of keys: a whole word of the text, the first four letters of a word, a substring
WORD, PREFIX, SUBSTRING = 2, 1, 0
Key = tuple[int, str]  #: (kind, text)
_PREFIX = 4
#: ASCII letters and digits stay, every other byte separates words (bytes.translate is the
#: fastest way on CPython 3.11: 0.3 us for 550 characters, str.translate 1.6, findall 8)
_SEPARATORS = bytes(c if chr(c).isalnum() and c < 128 else 32 for c in range(256))


class TextFeatures:
    """A text as the prefilter sees it: lower-cased, its words and their first letters.

    ``words`` is None for a text that is not ASCII: case-insensitive matching of other
    scripts has exceptions (``'ſ'`` matches ``'s'``), so such a text runs every regex.
    The words are a list, repeats kept, not a set: building a set of every word of a long
    log line costs more than all the lookups of one index (each index intersects its own
    few keys with the list).  ``spaced`` is the text with a space for every character that
    is not a letter or digit, after a space: a word starts with ``abcd`` exactly when
    ``" abcd"`` is in it (cheaper than working out the first letters of every word).
    """

    __slots__ = ("low", "spaced", "words")

    words: list[str] | None

    def __init__(self, text: str) -> None:
        low = self.low = text.lower()
        if text.isascii():
            spaced = low.encode("ascii").translate(_SEPARATORS).decode("ascii")
            self.words = spaced.split()
            self.spaced = " " + spaced
        else:
            self.words = None
            self.spaced = ""


def _key_score(key: Key) -> tuple[int, int, int]:
    """Rare before common, a word before a prefix before a substring, long before short."""
    kind, text = key
    core = text.strip()
    weak = (
        core in _COMMON
        or (kind == PREFIX and core in _COMMON_PREFIXES)
        or len(core) < 3
        or not any(c.isalnum() for c in core)
    )
    return (0 if weak else 1, kind, min(len(text), 8))


def _set_score(keys: frozenset[Key]) -> tuple[int, int, int]:
    return min(_key_score(k) for k in keys)


class _Analyser:
    """Walks a parse tree from ``re._parser`` (CPython 3.11+); any surprise: no condition."""

    def __init__(self) -> None:
        import importlib

        constants: Any = importlib.import_module("re._constants")
        self.parser: Any = importlib.import_module("re._parser")
        self.LITERAL = constants.LITERAL
        self.AT = constants.AT
        self.BRANCH = constants.BRANCH
        self.SUBPATTERN = constants.SUBPATTERN
        self.ATOMIC = getattr(constants, "ATOMIC_GROUP", None)
        self.REPEATS = {
            constants.MAX_REPEAT,
            constants.MIN_REPEAT,
            getattr(constants, "POSSESSIVE_REPEAT", constants.MAX_REPEAT),
        }
        # assertions next to which a letter or digit cannot continue a word: \b ^ \A $ \Z
        # zero-width assertions a match may start with: \b, ^, \A
        self.STARTS = {
            constants.AT_BOUNDARY,
            constants.AT_BEGINNING,
            constants.AT_BEGINNING_STRING,
        }
        self.BOUNDS = {
            constants.AT_BOUNDARY,
            constants.AT_BEGINNING,
            constants.AT_BEGINNING_STRING,
            constants.AT_END,
            constants.AT_END_STRING,
        }

    def conditions(self, pattern: str) -> list[frozenset[Key]]:
        try:
            tree = self.parser.parse(pattern, re.IGNORECASE)
            return self._sequence(list(tree), False, False)
        except Exception:  # an optimisation only: any surprise means 'always run it'
            return []

    def _separator(self, item: tuple[Any, Any]) -> bool:
        """True if ``item`` guarantees no letter or digit at its place (\b, ^, $, ' ', ':')."""
        op, av = item
        if op is self.AT:
            return bool(av in self.BOUNDS)
        if op is self.LITERAL:
            char = chr(av)
            return char.isascii() and not char.isalnum()
        return False

    def _sequence(
        self, items: list[tuple[Any, Any]], left_in: bool, right_in: bool
    ) -> list[frozenset[Key]]:
        """Necessary conditions of a sequence: each is a set of keys, one of which occurs.

        ``left_in``/``right_in``: no letter or digit can precede / follow the sequence.
        """
        options: list[frozenset[Key]] = []
        run: list[str] = []
        left = left_in  # the character before the run cannot be a letter or digit

        def close(right: bool) -> None:
            nonlocal run
            if run:
                options.extend(_run_keys("".join(run), left, right))
            run = []

        for index, (op, av) in enumerate(items):
            if op is self.LITERAL:
                char = chr(av)
                if char.isascii():
                    run.append(char.lower())
                    continue
                close(False)
                left = False
                continue
            if op is self.AT and av in self.BOUNDS:
                close(True)
                left = True
                continue
            # a group: bounded on the left after a boundary or a separator character
            before = (not run and left) or (bool(run) and not run[-1].isalnum())
            after = right_in if index + 1 == len(items) else self._separator(items[index + 1])
            close(False)
            left = False
            if op is self.SUBPATTERN:
                options += self._sequence(list(av[-1]), before, after)
            elif self.ATOMIC is not None and op is self.ATOMIC:
                options += self._sequence(list(av), before, after)
            elif op is self.BRANCH:
                branches = [self._sequence(list(b), before, after) for b in av[1]]
                if all(branches):
                    best = [max(b, key=_set_score) for b in branches]
                    options.append(frozenset().union(*best))
            elif op in self.REPEATS and av[0] >= 1:
                options += self._sequence(list(av[2]), before, after and av[1] == 1)
        close(right_in)
        return options


def _run_keys(run: str, left: bool, right: bool) -> list[frozenset[Key]]:
    """Conditions from a literal run: its best key, and its best word or prefix key.

    A word bounded on both sides is a whole word of the text; bounded on the left only, it
    starts a word (its first letters are a prefix key); the run itself is a substring key.
    The second condition, when the best is a substring, lets the index look words up.
    """
    best: Key = (SUBSTRING, run)
    indexable: Key | None = None
    for match in _WORD.finditer(run):
        start, end = match.span()
        if not (start > 0 or left):
            continue
        token = match.group()
        if end < len(run) or right:
            key: Key = (WORD, token)
        elif len(token) >= _PREFIX:
            key = (PREFIX, token[:_PREFIX])
        else:
            continue
        if indexable is None or _key_score(key) > _key_score(indexable):
            indexable = key
    # both: the index looks the word up, the substring then filters its candidates
    found = [frozenset({best})]
    if indexable is not None:
        found.append(frozenset({indexable}))
    return found


def _leading_literal(pattern: str) -> str:
    """The literal a regex starts with, after zero-width \\b, ^ or \\A (lower case, ASCII,
    three characters at least), or "" when it starts otherwise."""
    try:
        analyser = _analyser()
        items = list(analyser.parser.parse(pattern, re.IGNORECASE))
    except Exception:  # as for the conditions: no optimisation, never a wrong answer
        return ""
    literal: list[str] = []
    for op, av in items:
        if op is analyser.AT and not literal and av in analyser.STARTS:
            continue
        if op is analyser.LITERAL and chr(av).isascii():
            literal.append(chr(av).lower())
            continue
        break
    return "".join(literal) if len(literal) >= 3 else ""


@cache
def _analyser() -> _Analyser:
    return _Analyser()


def regex_conditions(pattern: str, most: int = 3) -> tuple[frozenset[Key], ...]:
    """Necessary conditions for ``pattern`` to match, best first: every one holds in any text
    it matches, each being a set of keys of which one occurs in the lower-cased text."""
    options = sorted(
        set(_analyser().conditions(pattern)),
        key=lambda keys: (_set_score(keys), sorted(keys)),
        reverse=True,
    )
    return tuple(options[:most])


#: a condition's words, first letters (as looked for in TextFeatures.spaced: " abcd") and
#: substrings
_Split = tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]


def _split(keys: frozenset[Key]) -> _Split:
    return (
        frozenset(text for kind, text in keys if kind == WORD),
        tuple(sorted(" " + text for kind, text in keys if kind == PREFIX)),
        tuple(sorted(text for kind, text in keys if kind == SUBSTRING)),
    )


Conditions = tuple[frozenset[Key], ...]
_MOST_ALTERNATIVES = 20  #: substrings looked for with one regex, at most
_FEWEST_ALTERNATIVES = 4  #: and at least (fewer: one str search each)
_FEWEST_PREFIX_ALTERNATIVES = 8  #: first letters looked for with one regex, at least


def _lone(keys: frozenset[str], starts: tuple[str, ...], substrings: tuple[str, ...]) -> bool:
    """Whether a condition is one substring and nothing else."""
    return not keys and not starts and len(substrings) == 1


def _inner_words(text: str) -> frozenset[str]:
    """The words of a substring key that are bounded on both sides within it: whole words of
    any (ASCII, lower-cased) text that contains it."""
    return frozenset(
        match.group()
        for match in _WORD.finditer(text)
        if match.start() > 0 and match.end() < len(text)
    )


class TextIndex:
    r"""Which of many regexes can match a text, found without running most of them.

    Regexes are compiled on first use: most never are for a given workload.

    >>> index = TextIndex([r"\buser unknown\b", "quota"])
    >>> index.candidates(TextFeatures("550 5.1.1 <a@b>: Recipient address rejected: User unknown"))
    [0]
    """

    __slots__ = (
        "_always",
        "_ascii",
        "_built",
        "_by_bit",
        "_by_word",
        "_compiled",
        "_conditions",
        "_fallback",
        "_known",
        "_prefix_findall",
        "_prefix_map",
        "_prefix_pattern",
        "_substring_bits",
        "_substring_pattern",
        "_substring_search",
        "_ungated",
        "_word_keys",
        "_words_mask",
        "patterns",
    )

    _by_word: dict[str, int]
    _prefix_map: dict[str, int]
    _prefix_pattern: str
    _prefix_findall: Callable[[str], list[str]] | None
    _words_mask: int  #: the bits of the regexes themselves (stored: no big int made per text)
    #: gated substrings: regex's bit -> ((substring, its inner words), ...); see _build
    _fallback: dict[int, tuple[tuple[str, frozenset[str]], ...]]
    _ungated: list[tuple[int, tuple[str, ...]]]
    #: each regex's bit -> its number, its other conditions that are one substring (the
    #: usual kind) and its other conditions of any other kind
    _by_bit: dict[int, tuple[int, tuple[str, ...], tuple[_Split, ...]]]
    _conditions: dict[str, Conditions]
    _substring_bits: dict[str, int]
    _substring_search: Callable[[str, int], re.Match[str] | None] | None
    _always: int
    _word_keys: frozenset[str]
    _substring_pattern: str

    def __init__(
        self,
        patterns: list[str],
        known: dict[str, Conditions] | None = None,
        tables: dict[str, Any] | None = None,
    ) -> None:
        self.patterns = patterns
        self._compiled: list[re.Pattern[str] | None] = [None] * len(patterns)
        self._ascii: list[tuple[re.Pattern[str], str] | None] = [None] * len(patterns)
        # the tables are built on first use: a command that explains one reply uses few
        # indices; or they come ready-made from the bundle (see tables())
        self._known = known
        self._built = False
        if tables is not None:
            for name in _BUILT_SLOTS:
                setattr(self, name, tables[name])
            self._substring_search = None
            self._prefix_findall = None
            self._built = True

    def tables(self) -> dict[str, Any]:
        """The built lookup tables, as plain data: ``TextIndex(patterns, tables=...)`` takes
        them back (the bundle stores them, so no process builds them twice)."""
        if not self._built:
            self._build()
        found = {name: getattr(self, name) for name in _BUILT_SLOTS}
        # compiled regexes' methods: made again on use
        found["_substring_search"] = found["_prefix_findall"] = None
        return found

    @property
    def conditions(self) -> dict[str, Conditions]:
        """The conditions of every pattern, to store in the bundle."""
        if not self._built:
            self._build()
        return self._conditions

    def _build(self) -> None:
        # built on a new object, then copied: a thread that finds the index built never sees
        # half-built tables (two threads may both build it, to the same effect)
        new = TextIndex.__new__(TextIndex)
        patterns, known = self.patterns, self._known
        # candidate sets are bit masks: bit n is regex n (one OR per matching key)
        new._by_word = {}
        by_prefix: dict[str, int] = {}
        fallback: list[tuple[int, tuple[str, ...], frozenset[str]]] = []
        new._always = 0
        extra: dict[int, tuple[_Split, ...]] = {}
        new._conditions = {}
        for number, pattern in enumerate(patterns):
            bit = 1 << number
            conditions = known.get(pattern) if known is not None else None
            if conditions is None:
                conditions = regex_conditions(pattern)
            new._conditions[pattern] = conditions
            if not conditions:
                new._always |= bit
                continue
            # index by a condition without substrings when there is one (set lookups per text
            # instead of a substring search per regex); the others filter the candidates
            # (a common word as index key proposes the regex for most texts: a rare substring,
            # checked every time, costs less)
            indexable = [c for c in conditions if all(kind != SUBSTRING for kind, _ in c)]
            strong = [c for c in indexable if _set_score(c)[0]]
            if strong:
                first = strong[0]
            elif _set_score(conditions[0])[0] or not indexable:
                first = conditions[0]
            else:
                first = indexable[0]
            rest = [c for c in conditions if c is not first]
            if rest:
                extra[number] = tuple(_split(keys) for keys in rest)
            # the condition holds when one of its words, first letters or substrings is in
            # the text: words and first letters go to the maps (whatever the substrings), the
            # substrings to the fallback, checked once any of them is found in the text
            words, prefixes, substrings = _split(first)
            if substrings:
                # another condition of only words, checked first: when none of its words is
                # in the text the regex is no candidate, whatever the substrings say
                gate = next(
                    (
                        keys
                        for keys, starts, subs in extra.get(number, ())
                        if not starts and not subs and keys
                    ),
                    frozenset(),
                )
                fallback.append((bit, substrings, gate))
            for word in words:
                new._by_word[word] = new._by_word.get(word, 0) | bit
            for prefix in prefixes:
                by_prefix[prefix] = by_prefix.get(prefix, 0) | bit
        # many first letters to look for: one regex finds those in the text (a scan in C
        # instead of a search per prefix, faster from about eight)
        new._prefix_map = dict(sorted(by_prefix.items()))
        new._prefix_pattern = (
            " (?:" + "|".join(re.escape(start[1:]) for start in new._prefix_map) + ")"
            if len(new._prefix_map) >= _FEWEST_PREFIX_ALTERNATIVES
            else ""
        )
        new._prefix_findall = None
        # the words of the other conditions map to no regex: the words of a text found among
        # these keys answer every word question of the index, with one pass over its words
        for splits in extra.values():
            for split in splits:
                for word in split[0]:
                    new._by_word.setdefault(word, 0)
        # A substring is looked for (a scan of the text) only when the words it needs are
        # there (set lookups): a gate (one of its words) and its inner words ("limit" in
        # "daily user sending limit exceeded": bounded on both sides, it must be a word of the
        # text wherever the substring occurs).  A regex whose substrings all need some word is
        # "gated": its gate words propose it, in the bits above those of the regexes (one OR
        # per word of the text, as for the index keys); the others are looked for in every text.
        new._fallback = {}
        ungated: list[tuple[int, tuple[str, ...]]] = []
        shift = len(patterns)
        for bit, substrings, gate in fallback:
            needs = tuple(_inner_words(text) for text in substrings)
            if not gate and all(needs):
                # each substring needs all of its inner words: its rarest one will do
                gate = frozenset(
                    max(need, key=lambda word: (_key_score((WORD, word)), word)) for need in needs
                )
            if not gate:
                ungated.append((bit, substrings))
                continue
            new._fallback[bit] = tuple(zip(substrings, needs, strict=True))
            for word in gate:
                new._by_word[word] = new._by_word.get(word, 0) | bit << shift
            for need in needs:
                for word in need:
                    new._by_word.setdefault(word, 0)
        new._ungated = ungated
        new._word_keys = frozenset(new._by_word)
        # one regex over the ungated substrings finds the ones in the text: at each place it
        # matches the longest substring there (the alternatives are longest first), and the
        # bits of that substring include those of every substring it starts with
        texts = sorted(
            {text for _, substrings in ungated for text in substrings},
            key=lambda text: (-len(text), text),
        )
        new._substring_bits = dict.fromkeys(texts, 0)
        for text in texts:
            for bit, substrings in ungated:
                if any(text.startswith(start) for start in substrings):
                    new._substring_bits[text] |= bit
        # (sre tries every alternative at every place: past a few dozen, a loop is faster,
        # and for a few, str's own search is; compiled on first use, as the regexes are)
        new._substring_pattern = (
            "|".join(map(re.escape, texts))
            if _FEWEST_ALTERNATIVES <= len(texts) <= _MOST_ALTERNATIVES
            else ""
        )
        new._substring_search = None
        new._words_mask = (1 << len(patterns)) - 1
        new._by_bit = {}
        for number in range(len(patterns)):
            alone = [
                subs[0] for keys, starts, subs in extra.get(number, ()) if _lone(keys, starts, subs)
            ]
            others = [split for split in extra.get(number, ()) if not _lone(*split)]
            new._by_bit[1 << number] = (number, tuple(alone), tuple(others))
        for name in _BUILT_SLOTS:
            setattr(self, name, getattr(new, name))
        self._built = True

    def __len__(self) -> int:
        return len(self.patterns)

    def regex(self, number: int) -> re.Pattern[str]:
        """The compiled regex (case-insensitive), compiled on first use."""
        compiled = self._compiled[number]
        if compiled is None:
            compiled = self._compiled[number] = re.compile(self.patterns[number], re.IGNORECASE)
        return compiled

    def search(self, number: int, text: str, features: TextFeatures) -> re.Match[str] | None:
        """``regex(number).search(text)``, faster on ASCII text (``features`` is of ``text``).

        On ASCII text the ASCII flavour of the regex gives the same matches (\\w, \\b and
        case folding agree there) at about twice the speed.  A regex that starts with a
        literal (after \\b or ^) can only match where that literal is: each place is found
        with str.find on the lower-cased text and tried with match(); this skips sre's slow
        scan of a pattern that opens with \\b.
        """
        if features.words is None:
            return self.regex(number).search(text)
        fast = self._ascii[number]
        if fast is None:
            fast = self._ascii[number] = (
                re.compile(self.patterns[number], re.IGNORECASE | re.ASCII),
                _leading_literal(self.patterns[number]),
            )
        compiled, literal = fast
        if not literal:
            return compiled.search(text)
        low = features.low
        at = low.find(literal)
        while at >= 0:
            match = compiled.match(text, at)
            if match is not None:
                return match
            at = low.find(literal, at + 1)
        return None

    def candidates(self, features: TextFeatures) -> list[int]:
        """Indices (ascending) of the regexes that may match the text."""
        if not self._built:
            self._build()
        words = features.words
        if words is None:
            return list(range(len(self.patterns)))
        # written out, not factored into helpers: this runs several times for every line
        found = self._always
        by_word = self._by_word
        # the text's words among the index's keys (all of them: also those of the other
        # conditions)
        present = self._word_keys.intersection(words)
        for word in present:
            found |= by_word[word]
        gated = found >> len(self.patterns)  # regexes whose substrings' gate words are there
        found &= self._words_mask
        low = features.low
        spaced = features.spaced
        find_starts = self._prefix_findall
        if find_starts is None and self._prefix_pattern:
            find_starts = self._prefix_findall = re.compile(self._prefix_pattern).findall
        if find_starts is not None:
            prefix_map = self._prefix_map
            for start in find_starts(spaced):
                found |= prefix_map[start]
        else:
            for start, bits in self._prefix_map.items():
                if start in spaced:
                    found |= bits
        search = self._substring_search
        if search is None and self._substring_pattern:
            search = self._substring_search = re.compile(self._substring_pattern).search
        if search is not None:
            substring_bits = self._substring_bits
            match = search(low, 0)
            while match is not None:
                found |= substring_bits[match.group()]
                match = search(low, match.start() + 1)
        else:
            for bit, substrings in self._ungated:
                if not found & bit:
                    for text in substrings:
                        if text in low:
                            found |= bit
                            break
        gated &= ~found
        while gated:
            bit = gated & -gated
            gated ^= bit
            for text, need in self._fallback[bit]:
                if need <= present and text in low:
                    found |= bit
                    break
        by_bit = self._by_bit
        result = []
        while found:
            lowest = found & -found
            found ^= lowest
            number, alone, conditions = by_bit[lowest]
            for text in alone:  # each of its one-substring conditions must hold
                if text not in low:
                    break
            else:
                for keys, starts, substrings in conditions:  # and each of the others
                    if keys and not present.isdisjoint(keys):
                        continue
                    for text in starts:
                        if text in spaced:
                            break
                    else:
                        for text in substrings:
                            if text in low:
                                break
                        else:
                            break  # this condition fails: not a candidate
                else:
                    result.append(number)
        return result


_BUILT_SLOTS = tuple(
    name
    for name in TextIndex.__slots__
    if name not in ("_ascii", "_built", "_compiled", "_known", "patterns")
)

# -- the loaded tables -----------------------------------------------------------------------


@record
class CompiledProvider:
    provider: Provider
    rules: TextIndex  #: one entry per (rule, match regex)
    owners: tuple[int, ...]  #: rules.patterns[i] belongs to provider.rules[owners[i]]
    textless: tuple[int, ...]  #: rules decided by codes alone


class LazySequence(Sequence["_T"]):  # (a string: _T exists for type checkers only)
    """A sequence whose items are made on first access (``make(index)``), then kept."""

    __slots__ = ("_items", "_make")

    def __init__(self, size: int, make: Callable[[int], _T]) -> None:
        self._items: list[_T | None] = [None] * size
        self._make = make

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> _T: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[_T, ...]: ...

    def __getitem__(self, index: int | slice) -> _T | tuple[_T, ...]:
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        item = self._items[index]
        if item is None:
            item = self._items[index] = self._make(index % len(self._items))
        return item


class Rules:
    """Every rule table, compiled: reasons, patterns, code maps, providers, phrases.

    Loaded from the bundle, a provider (its rules and their index) is decoded when a reply
    first needs it: explaining one reply touches one or two of the fourteen.
    """

    def __init__(
        self,
        reasons: dict[str, Reason],
        phrases: dict[str, dict[str, dict[str, str]]],
        patterns: tuple[Pattern, ...],
        enhanced: dict[str, CodeMapping],
        basic: dict[str, tuple[CodeMapping, ...]],
        too_many_recipients: tuple[str, ...],
        providers: Sequence[Provider],
        known: dict[str, Conditions] | None = None,
        *,
        detect: Sequence[tuple[str, ...]] | None = None,
        standalone: Sequence[bool] | None = None,
        compiled: Sequence[CompiledProvider] | None = None,
        alone_patterns: dict[int, tuple[str, ...]] | None = None,
        tables: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """``detect``, ``standalone``, ``compiled``, ``alone_patterns`` (the match regexes of
        each standalone provider, as its index holds them) and ``tables`` come from the
        bundle, so that ``providers`` can be lazy; by default they are worked out from
        ``providers``."""
        tables = tables or {}
        self.reasons = reasons
        self.phrases = phrases
        self.languages = tuple(sorted(phrases, key=lambda lang: (lang != "en", lang)))
        self.patterns = patterns
        self.enhanced = enhanced
        self.basic = basic
        self.providers = providers
        flat: list[str] = []
        owners: list[int] = []
        for number, pattern in enumerate(patterns):
            flat += pattern.match
            owners += [number] * len(pattern.match)
        self.pattern_index = TextIndex(flat, known, tables.get("patterns"))
        self.pattern_owners = tuple(owners)
        self.too_many_recipients = too_many_recipients
        self.too_many_index = TextIndex(list(too_many_recipients), known, tables.get("too_many"))
        self.compiled: Sequence[CompiledProvider] = (
            compiled
            if compiled is not None
            else tuple(_compile_provider(p, known) for p in providers)
        )
        if detect is None:
            detect = [p.detect for p in providers]
        if standalone is None:
            standalone = [p.standalone for p in providers]
        flat_detect: list[str] = []
        detect_owner: list[int] = []
        for number, regexes in enumerate(detect):
            flat_detect += regexes
            detect_owner += [number] * len(regexes)
        self.detect_index = TextIndex(flat_detect, known, tables.get("detect"))
        self.detect_owners = tuple(detect_owner)
        self.standalone = tuple(i for i, alone in enumerate(standalone) if alone)
        # Detection and the standalone providers' rules in one index: for a failure pasted
        # alone both look at the same text, and one pass over it finds the candidates of
        # both.  Numbers below first_split are detect_index's, the others first_where's.
        if alone_patterns is None:
            alone_patterns = {n: tuple(self.compiled[n].rules.patterns) for n in self.standalone}
        first = list(flat_detect)
        where: list[tuple[int, int]] = []
        for owner in self.standalone:
            first += alone_patterns[owner]
            where += [(owner, local) for local in range(len(alone_patterns[owner]))]
        self.alone_patterns = alone_patterns
        self.first_index = TextIndex(first, known, tables.get("first"))
        self.first_split = len(flat_detect)
        self.first_where = tuple(where)
        #: the same as a set, and whether there are providers at all (classify() asks for
        #: every reply: a lazy sequence answers len() and [] in Python)
        self.standalone_set = frozenset(self.standalone)
        self.has_providers = len(detect) > 0
        #: compiled[n] once classify() has used it (None before): a plain list lookup
        self.compiled_made: list[CompiledProvider | None] = [None] * len(detect)

    @property
    def by_id(self) -> dict[str, Provider]:
        return {p.id: p for p in self.providers}

    def reason(self, reason_id: str) -> Reason:
        return self.reasons[reason_id]

    def tables(self) -> dict[str, dict[str, Any]]:
        """The built tables of the shared indices (stored in the bundle)."""
        return {
            "patterns": self.pattern_index.tables(),
            "too_many": self.too_many_index.tables(),
            "detect": self.detect_index.tables(),
            "first": self.first_index.tables(),
        }

    def conditions(self) -> dict[str, Conditions]:
        """The prefilter conditions of every regex."""
        found: dict[str, Conditions] = {}
        for index in (self.pattern_index, self.too_many_index, self.detect_index, self.first_index):
            found.update(index.conditions)
        for compiled in self.compiled:
            found.update(compiled.rules.conditions)
        return found


def _compile_provider(
    provider: Provider,
    known: dict[str, Conditions] | None,
    tables: dict[str, Any] | None = None,
) -> CompiledProvider:
    patterns: list[str] = []
    owners: list[int] = []
    textless: list[int] = []
    for number, rule in enumerate(provider.rules):
        if not rule.match:
            textless.append(number)
        patterns += rule.match
        owners += [number] * len(rule.match)
    index = TextIndex(patterns, known, tables)
    return CompiledProvider(provider, index, tuple(owners), tuple(textless))


# -- validation ------------------------------------------------------------------------------


@cache
def _schema() -> Any:
    """msgspec structs for the files (built on first load: msgspec stays out of start-up).

    Built with ``defstruct`` rather than class statements: the annotations of classes defined
    in a function cannot be resolved under ``from __future__ import annotations``.
    """
    from typing import Literal

    import msgspec

    def struct(name: str, fields: list[tuple[Any, ...]]) -> Any:
        return msgspec.defstruct(name, fields, forbid_unknown_fields=True, frozen=True)

    # Literal[("a", "b")] is Literal["a", "b"]: one list of allowed values, above
    actor = Literal[ACTORS]  # type: ignore[valid-type]
    policy = Literal[RETRY_POLICIES]  # type: ignore[valid-type]
    stage = Literal[STAGES]  # type: ignore[valid-type]
    digit = Literal["2", "3", "4", "5"]
    source = struct(
        "Source",
        [
            ("ref", str),
            ("url", str, ""),
            ("seen", str, ""),
            ("section", str, ""),
            ("note", str, ""),
        ],
    )
    rule_text = struct("RuleText", [("meaning", str), ("fix", list[str])])
    rule = struct(
        "Rule",
        [
            ("id", str),
            ("reason", str),
            ("source", str),
            ("text", dict[str, rule_text]),  # type: ignore[valid-type]
            ("codes", list[str], []),
            ("enhanced", list[str], []),
            ("match", list[str], []),
            ("hard", bool | None, None),
        ],
    )
    provider = struct(
        "Provider",
        [
            ("id", str),
            ("name", str),
            ("docs", str),
            ("detect", list[str]),
            ("sources", list[source]),  # type: ignore[valid-type]
            ("rule", list[rule], []),  # type: ignore[valid-type]
            ("standalone", bool, False),
        ],
    )
    reason_text = struct(
        "ReasonText", [("title", str), ("summary", str), ("steps", list[str]), ("retry", str)]
    )
    reason = struct(
        "Reason",
        [
            ("who", list[actor]),
            ("retry", policy),
            ("text", dict[str, reason_text]),  # type: ignore[valid-type]
            ("sources", list[source]),  # type: ignore[valid-type]
        ],
    )
    reasons_file = struct(
        "ReasonsFile",
        [
            ("reason", dict[str, reason]),  # type: ignore[valid-type]
            ("phrases", dict[str, dict[str, dict[str, str]]]),
        ],
    )
    pattern = struct(
        "Pattern",
        [
            ("id", str),
            ("reason", str),
            ("match", list[str]),
            ("source", str),
            ("codes", list[str], []),
            ("enhanced", list[str], []),
            ("classes", list[digit], []),
            ("commands", list[stage], []),
        ],
    )
    enhanced_map = struct("EnhancedMap", [("code", str), ("reason", str), ("source", str)])
    basic_map = struct(
        "BasicMap",
        [("code", str), ("reason", str), ("source", str), ("commands", list[stage], [])],
    )
    too_many = struct("TooManyRecipients", [("source", str), ("match", list[str])])
    patterns_file = struct(
        "PatternsFile",
        [
            ("pattern", list[pattern]),  # type: ignore[valid-type]
            ("enhanced", list[enhanced_map]),  # type: ignore[valid-type]
            ("basic", list[basic_map]),  # type: ignore[valid-type]
            ("too_many_recipients", too_many),
        ],
    )
    return {
        "provider": provider,
        "reasons": reasons_file,
        "patterns": patterns_file,
        "error": msgspec.ValidationError,
        "convert": msgspec.convert,
    }


def _read(path: str) -> dict[str, Any]:
    import tomllib  # only when the rule files are compiled, never on a warm start

    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read the rule file: {exc.strerror}") from None


def _convert(path: str, raw: dict[str, Any], kind: str) -> Any:
    schema = _schema()
    try:
        return schema["convert"](raw, schema[kind])
    except schema["error"] as exc:
        raise CatalogueError(f"{path}: {exc}") from None


def _fail(path: str, where: str, message: str) -> CatalogueError:
    return CatalogueError(f"{path}: {message} - at `{where}`")


def _regexes(path: str, where: str, patterns: list[str]) -> tuple[str, ...]:
    for number, pattern in enumerate(patterns):
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise _fail(path, f"{where}[{number}]", f"not a valid regex ({exc})") from None
        if compiled.search("") is not None:
            raise _fail(path, f"{where}[{number}]", "the regex matches the empty text")
    return tuple(patterns)


def _codes(path: str, where: str, codes: list[str], grammar: re.Pattern[str], what: str) -> None:
    for number, code in enumerate(codes):
        if not grammar.fullmatch(code):
            raise _fail(path, f"{where}[{number}]", f"{code!r} is not {what}")


def _source(raw: Any) -> Source:
    return Source(ref=raw.ref, section=raw.section, url=raw.url, seen=raw.seen, note=raw.note)


def _check_languages(
    path: str, where: str, text: dict[str, Any], languages: tuple[str, ...]
) -> None:
    missing = [lang for lang in languages if lang not in text]
    if missing:
        raise _fail(path, where, f"text is missing for {', '.join(missing)}")


def load_reasons(path: str) -> tuple[dict[str, Reason], dict[str, dict[str, dict[str, str]]]]:
    data = _convert(path, _read(path), "reasons")
    phrases: dict[str, dict[str, dict[str, str]]] = data.phrases
    if "en" not in phrases:
        raise _fail(path, "$.phrases", "phrases for en are missing")
    languages = tuple(phrases)
    for lang, groups in phrases.items():
        for group, keys in phrases["en"].items():
            have = groups.get(group, {})
            missing = sorted(set(keys) - set(have))
            if missing:
                raise _fail(path, f"$.phrases.{lang}.{group}", f"missing {', '.join(missing)}")
    reasons: dict[str, Reason] = {}
    for reason_id, raw in data.reason.items():
        where = f"$.reason.{reason_id}"
        if not _ID.fullmatch(reason_id):
            raise _fail(path, where, f"{reason_id!r} is not a lower-case id")
        _check_languages(path, f"{where}.text", raw.text, languages)
        if not raw.who:
            raise _fail(path, f"{where}.who", "name at least one party who must act")
        reasons[reason_id] = Reason(
            id=reason_id,
            who=tuple(raw.who),
            retry=raw.retry,
            text={
                lang: ReasonText(t.title, t.summary, tuple(t.steps), t.retry)
                for lang, t in raw.text.items()
            },
            sources=tuple(_source(s) for s in raw.sources),
        )
    if "undefined" not in reasons:
        raise _fail(path, "$.reason", "the reason 'undefined' is required")
    return reasons, phrases


def _known_reason(path: str, where: str, reason: str, reasons: dict[str, Reason]) -> str:
    if reason not in reasons:
        raise _fail(path, where, f"unknown reason {reason!r}; see rules/reasons.toml")
    return reason


def load_patterns(
    path: str, reasons: dict[str, Reason]
) -> tuple[
    tuple[Pattern, ...], dict[str, CodeMapping], dict[str, tuple[CodeMapping, ...]], tuple[str, ...]
]:
    data = _convert(path, _read(path), "patterns")
    patterns: list[Pattern] = []
    seen: set[str] = set()
    for number, raw in enumerate(data.pattern):
        where = f"$.pattern[{number}]"
        if raw.id in seen:
            raise _fail(path, f"{where}.id", f"duplicate id {raw.id!r}")
        seen.add(raw.id)
        if not raw.match:
            raise _fail(path, f"{where}.match", "a pattern needs at least one regex")
        _codes(path, f"{where}.codes", raw.codes, _BASIC, "a basic code such as 550")
        _codes(path, f"{where}.enhanced", raw.enhanced, _ENHANCED, "an enhanced code such as 5.1.1")
        patterns.append(
            Pattern(
                id=raw.id,
                reason=_known_reason(path, f"{where}.reason", raw.reason, reasons),
                match=_regexes(path, f"{where}.match", raw.match),
                source=raw.source,
                codes=frozenset(raw.codes),
                enhanced=frozenset(raw.enhanced),
                classes=frozenset(raw.classes),
                commands=frozenset(raw.commands),
            )
        )
    enhanced: dict[str, CodeMapping] = {}
    for number, raw in enumerate(data.enhanced):
        where = f"$.enhanced[{number}]"
        if not _ENHANCED_KEY.fullmatch(raw.code):
            raise _fail(path, f"{where}.code", f"{raw.code!r} is not a key such as X.1.1 or X.4.X")
        if raw.code in enhanced:
            raise _fail(path, f"{where}.code", f"duplicate code {raw.code!r}")
        reason = _known_reason(path, f"{where}.reason", raw.reason, reasons)
        enhanced[raw.code] = CodeMapping(raw.code, reason, raw.source)
    basic: dict[str, list[CodeMapping]] = {}
    for number, raw in enumerate(data.basic):
        where = f"$.basic[{number}]"
        _codes(path, f"{where}.code", [raw.code], _BASIC, "a basic code such as 550")
        reason = _known_reason(path, f"{where}.reason", raw.reason, reasons)
        basic.setdefault(raw.code, []).append(
            CodeMapping(raw.code, reason, raw.source, frozenset(raw.commands))
        )
    for code, mappings in basic.items():
        # the command-specific mappings first, the general one (if any) last
        mappings.sort(key=lambda m: not m.commands)
        if sum(1 for m in mappings if not m.commands) > 1:
            raise _fail(path, "$.basic", f"{code} has more than one mapping without commands")
    too_many = _regexes(path, "$.too_many_recipients.match", data.too_many_recipients.match)
    return tuple(patterns), enhanced, {k: tuple(v) for k, v in basic.items()}, too_many


def load_provider(path: str, reasons: dict[str, Reason], languages: tuple[str, ...]) -> Provider:
    data = _convert(path, _read(path), "provider")
    stem = os.path.splitext(os.path.basename(path))[0]
    if data.id != stem:
        raise _fail(path, "$.id", f"the id must be the file name {stem!r}, found {data.id!r}")
    if not _ID.fullmatch(data.id):
        raise _fail(path, "$.id", f"{data.id!r} is not a lower-case id")
    if not data.docs.startswith(("https://", "http://")):
        raise _fail(path, "$.docs", f"expected a URL, found {data.docs!r}")
    if not data.detect:
        raise _fail(path, "$.detect", "name at least one regex that recognises the provider")
    if not data.sources:
        raise _fail(path, "$.sources", "name at least one source (provenance)")
    detect = _regexes(path, "$.detect", data.detect)
    rules: list[ProviderRule] = []
    seen: set[str] = set()
    for number, raw in enumerate(data.rule):
        where = f"$.rule[{number}]"
        if raw.id in seen:
            raise _fail(path, f"{where}.id", f"duplicate rule id {raw.id!r}")
        seen.add(raw.id)
        _codes(path, f"{where}.codes", raw.codes, _BASIC, "a basic code such as 550")
        _codes(
            path, f"{where}.enhanced", raw.enhanced, _ENHANCED, "an enhanced code such as 5.7.26"
        )
        if not (raw.codes or raw.enhanced or raw.match):
            raise _fail(path, where, "a rule needs codes, enhanced or match (else it matches all)")
        if not raw.source.strip():
            raise _fail(path, f"{where}.source", "say where the rule comes from")
        _check_languages(path, f"{where}.text", raw.text, languages)
        rules.append(
            ProviderRule(
                id=raw.id,
                provider=data.id,
                reason=_known_reason(path, f"{where}.reason", raw.reason, reasons),
                source=raw.source,
                text={lang: RuleText(t.meaning, tuple(t.fix)) for lang, t in raw.text.items()},
                codes=frozenset(raw.codes),
                enhanced=frozenset(raw.enhanced),
                match=_regexes(path, f"{where}.match", raw.match),
                hard=raw.hard,
                order=number,
            )
        )
    return Provider(
        id=data.id,
        name=data.name,
        docs=data.docs,
        detect=detect,
        sources=tuple(_source(s) for s in data.sources),
        rules=tuple(rules),
        standalone=data.standalone,
        path=path,
    )


def load_rules(providers_dir: str | None = None, rules_dir: str | None = None) -> Rules:
    """Read, validate and compile the rule tables.

    With no arguments: the tables shipped with smtpcodes, loaded once, from a compiled bundle
    (``rules/_compiled/bundle.<cache tag>.marshal``) rebuilt when a source file is newer.
    ``providers_dir`` replaces the provider files (tests), ``rules_dir`` the reasons and
    patterns; those are read and validated every time.
    Raises :class:`CatalogueError` naming the file and the field when a file is malformed.
    """
    if providers_dir is None and rules_dir is None:
        return _shipped()
    return Rules(*_load(providers_dir or PROVIDERS_DIR, rules_dir or RULES_DIR))


# marshal, like the catalogue bundle: twice as fast to read as JSON; the name carries the
# interpreter's cache tag because the format is specific to the Python version
BUNDLE = os.path.join(RULES_DIR, "_compiled", f"bundle.{sys.implementation.cache_tag}.marshal")
BUNDLE_VERSION = 10  #: bump when the stored data or the index tables change shape or meaning

_Parts = tuple[
    dict[str, Reason],
    dict[str, dict[str, dict[str, str]]],
    tuple[Pattern, ...],
    dict[str, CodeMapping],
    dict[str, tuple[CodeMapping, ...]],
    tuple[str, ...],
    tuple[Provider, ...],
]


def _source_stamp(root: str) -> dict[str, int]:
    """Every rule file with its modification time: the bundle is fresh while this is equal
    (a deleted or renamed file changes it too, not only a newer one)."""
    stamp: dict[str, int] = {}
    stack = [root]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir():
                    stack.append(entry.path)
                elif entry.name.endswith(".toml"):
                    stamp[os.path.relpath(entry.path, root)] = entry.stat().st_mtime_ns
    return stamp


@cache
def _shipped() -> Rules:
    stamp = _source_stamp(RULES_DIR)
    try:
        with open(BUNDLE, "rb") as handle:
            # one read, then loads: load(handle) reads object by object, three times slower
            data = marshal.loads(handle.read())  # noqa: S302 - our own file, written below
        if not isinstance(data, dict):
            raise TypeError("not a rule bundle")
        if data.get("version") == BUNDLE_VERSION and data.get("stamp") == stamp:
            return _from_bundle(data)
    except (OSError, EOFError, ValueError, KeyError, TypeError):
        pass  # no bundle yet, or a damaged one: compile again
    parts = _load(PROVIDERS_DIR, RULES_DIR)
    rules = Rules(*parts)
    with contextlib.suppress(OSError):  # a read-only install: compile in memory every time
        _write_bundle({**_to_bundle(parts, rules), "stamp": stamp})
    return rules


def _write_bundle(data: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(BUNDLE), exist_ok=True)
    temporary = f"{BUNDLE}.{os.getpid()}.tmp"
    with open(temporary, "wb") as handle:
        marshal.dump(data, handle)
    os.replace(temporary, BUNDLE)


def _source_data(source: Source) -> dict[str, str]:
    return {
        k: v
        for k, v in (
            ("ref", source.ref),
            ("section", source.section),
            ("url", source.url),
            ("seen", source.seen),
            ("note", source.note),
        )
        if v
    }


def _provider_data(provider: Provider, compiled: CompiledProvider) -> bytes:
    """One provider's rules and the tables of their index, as one blob (decoded on use)."""
    rules = [
        [
            r.id,
            r.reason,
            r.source,
            {lang: [t.meaning, list(t.fix)] for lang, t in r.text.items()},
            sorted(r.codes),
            sorted(r.enhanced),
            list(r.match),
            r.hard,
        ]
        for r in provider.rules
    ]
    return marshal.dumps({"rules": rules, "index": compiled.rules.tables()})


def _to_bundle(parts: _Parts, compiled: Rules) -> dict[str, Any]:
    reasons, phrases, patterns, enhanced, basic, too_many, providers = parts
    return {
        "version": BUNDLE_VERSION,
        "reasons": {
            rid: {
                "who": list(r.who),
                "retry": r.retry,
                "text": {
                    lang: [t.title, t.summary, list(t.steps), t.retry] for lang, t in r.text.items()
                },
                "sources": [_source_data(x) for x in r.sources],
            }
            for rid, r in reasons.items()
        },
        "phrases": phrases,
        "patterns": [
            [
                p.id,
                p.reason,
                list(p.match),
                p.source,
                sorted(p.codes),
                sorted(p.enhanced),
                sorted(p.classes),
                sorted(p.commands),
            ]
            for p in patterns
        ],
        "enhanced": [[m.code, m.reason, m.source] for m in enhanced.values()],
        "basic": [
            [m.code, m.reason, m.source, sorted(m.commands)] for ms in basic.values() for m in ms
        ],
        "too_many_recipients": list(too_many),
        "providers": [
            {
                "id": p.id,
                "name": p.name,
                "docs": p.docs,
                "detect": list(p.detect),
                "sources": [_source_data(x) for x in p.sources],
                "standalone": p.standalone,
                "path": p.path,
                "blob": _provider_data(p, compiled.compiled[number]),
            }
            for number, p in enumerate(providers)
        ],
        "alone_patterns": [[n, list(ps)] for n, ps in compiled.alone_patterns.items()],
        "tables": compiled.tables(),
    }


def _decode_provider(head: dict[str, Any]) -> tuple[Provider, dict[str, Any]]:
    data = marshal.loads(head["blob"])  # noqa: S302 - our own bundle
    provider = Provider(
        id=head["id"],
        name=head["name"],
        docs=head["docs"],
        detect=tuple(head["detect"]),
        sources=tuple(Source(**x) for x in head["sources"]),
        rules=tuple(
            ProviderRule(
                id=r[0],
                provider=head["id"],
                reason=r[1],
                source=r[2],
                text={lang: RuleText(t[0], tuple(t[1])) for lang, t in r[3].items()},
                codes=frozenset(r[4]),
                enhanced=frozenset(r[5]),
                match=tuple(r[6]),
                hard=r[7],
                order=number,
            )
            for number, r in enumerate(data["rules"])
        ),
        standalone=head["standalone"],
        path=head["path"],
    )
    return provider, data["index"]


def _from_bundle(data: dict[str, Any]) -> Rules:
    reasons = {
        rid: Reason(
            id=rid,
            who=tuple(r["who"]),
            retry=r["retry"],
            text={lang: ReasonText(t[0], t[1], tuple(t[2]), t[3]) for lang, t in r["text"].items()},
            sources=tuple(Source(**x) for x in r["sources"]),
        )
        for rid, r in data["reasons"].items()
    }
    patterns = tuple(
        Pattern(
            p[0],
            p[1],
            tuple(p[2]),
            p[3],
            frozenset(p[4]),
            frozenset(p[5]),
            frozenset(p[6]),
            frozenset(p[7]),
        )
        for p in data["patterns"]
    )
    enhanced = {m[0]: CodeMapping(m[0], m[1], m[2]) for m in data["enhanced"]}
    basic: dict[str, list[CodeMapping]] = {}
    for m in data["basic"]:
        basic.setdefault(m[0], []).append(CodeMapping(m[0], m[1], m[2], frozenset(m[3])))
    heads: list[dict[str, Any]] = data["providers"]
    decoded = LazySequence(len(heads), lambda number: _decode_provider(heads[number]))

    def compile_one(number: int) -> CompiledProvider:
        provider, tables = decoded[number]
        return _compile_provider(provider, None, tables)

    providers = LazySequence(len(heads), lambda number: decoded[number][0])
    compiled = LazySequence(len(heads), compile_one)
    return Rules(
        reasons,
        data["phrases"],
        patterns,
        enhanced,
        {k: tuple(v) for k, v in basic.items()},
        tuple(data["too_many_recipients"]),
        providers,
        detect=[tuple(head["detect"]) for head in heads],
        standalone=[head["standalone"] for head in heads],
        compiled=compiled,
        alone_patterns={n: tuple(ps) for n, ps in data["alone_patterns"]},
        tables=data["tables"],
    )


def _load(providers_dir: str, rules_dir: str) -> _Parts:
    reasons, phrases = load_reasons(os.path.join(rules_dir, "reasons.toml"))
    patterns, enhanced, basic, too_many = load_patterns(
        os.path.join(rules_dir, "patterns.toml"), reasons
    )
    languages = tuple(phrases)
    providers: list[Provider] = []
    if os.path.isdir(providers_dir):
        names = sorted(n for n in os.listdir(providers_dir) if n.endswith(".toml"))
        providers = [
            load_provider(os.path.join(providers_dir, n), reasons, languages) for n in names
        ]
    ids: dict[str, str] = {}
    for provider in providers:
        for rule in provider.rules:
            if rule.id in ids:
                raise _fail(
                    provider.path, "$.rule", f"rule id {rule.id!r} is also used in {ids[rule.id]}"
                )
            ids[rule.id] = provider.path
    return reasons, phrases, patterns, enhanced, basic, too_many, tuple(providers)
