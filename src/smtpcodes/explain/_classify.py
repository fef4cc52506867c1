"""Why did the mail fail, is it permanent, who acts: decided from the rule tables, with evidence.

    >>> c = classify(load_rules(), code="550", enhanced="5.1.1",
    ...              text="<bob@example.org>: Recipient address rejected: User unknown",
    ...              command="rcpt")
    >>> (c.reason, c.hard, c.retry)
    ('userunknown', True, 'never')

Order of the reason (first that applies wins):

1. a provider rule: its provider is named in the text (``detect``), or the provider is
   ``standalone`` (a DNSBL); its ``codes``/``enhanced`` include the reply's and one of its
   ``match`` regexes is found.  Among several: the most specific (text, then enhanced, then
   basic code), then the first in its file; providers named in the text before standalone ones.
2. the first generic pattern of ``rules/patterns.toml`` that fits;
3. the enhanced code (``X.1.1``, then the subject ``X.1.X``);
4. the basic code (for the command it answered, then alone);
5. ``undefined``.

Hard or soft: the class of the basic code decides what a client does (RFC 5321 section
4.2.1); the enhanced code only refines it (RFC 3463 section 2) and must agree (RFC 2034
section 4), so a ``421 5.7.32`` is soft, and flagged.  RFC 5321 section 4.5.3.1.10: a 552
answering RCPT for too many recipients is soft.  A provider rule's ``hard`` overrides both.
Pure: no I/O beyond the rule tables loaded once.
"""

from __future__ import annotations

import re
from collections import namedtuple
from operator import itemgetter

from smtpcodes._typing import TYPE_CHECKING
from smtpcodes.catalogue import load_catalogue
from smtpcodes.explain._model import (
    BounceView,
    Evidence,
    Party,
    ProviderView,
    ReasonView,
    RetryAdvice,
)
from smtpcodes.explain._rules import (
    CompiledProvider,
    Provider,
    ProviderRule,
    Rules,
    TextFeatures,
    load_rules,
)

__all__ = ["Classification", "Decision", "classify", "load_rules"]


_DECISION_DOC = """One piece of evidence: what decided a part of the verdict, and on what text.

(A named tuple, not a record: several are made per line on the hot path, and a frozen
record costs about five times as much to build.  Type checkers see the NamedTuple below;
at run time it is made with collections.namedtuple, which needs no typing import.)
"""
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any, NamedTuple

    class Decision(NamedTuple):
        decides: str  #: "reply" | "command" | "provider" | "reason" | "bounce"
        by: str  #: "form", "text", "detect", "provider-rule", "pattern", "enhanced", "basic"...
        rule: str  #: the rule's id, the code map key, the form: "user-unknown", "X.1.1"...
        matched: str = ""  #: the text of the input that matched
        pattern: str = ""  #: the regex that matched, as written in the rule file

else:
    Decision = namedtuple("Decision", "decides by rule matched pattern", defaults=("", ""))
    Decision.__doc__ = _DECISION_DOC


_CLASSIFICATION_DOC = """The language-neutral verdict on one reply.

(A named tuple like Decision: one is made for every reply explained.)
"""
if TYPE_CHECKING:

    class Classification(NamedTuple):
        reason: str | None  #: None for 2xx and 3xx replies: nothing failed
        hard: bool | None  #: None when nothing failed or there is no class to go by
        retry: str | None  #: "later" | "after-fix" | "never"
        provider: Provider | None
        rule: ProviderRule | None
        decisions: tuple[Decision, ...]
        conflict: bool = False  #: the basic and enhanced codes disagree on the class

else:
    Classification = namedtuple(
        "Classification",
        "reason hard retry provider rule decisions conflict",
        defaults=(False,),
    )
    Classification.__doc__ = _CLASSIFICATION_DOC


_MATCH_LIMIT = 120  #: evidence quotes at most this much of the input


def _quote(match: re.Match[str]) -> str:
    text = " ".join(match.group().split())
    return text if len(text) <= _MATCH_LIMIT else text[: _MATCH_LIMIT - 3] + "..."


def _fits(rule: ProviderRule, code: str | None, enhanced: str | None) -> bool:
    if rule.codes and code not in rule.codes:
        return False
    return not (rule.enhanced and enhanced not in rule.enhanced)


def _provider_rule(
    compiled: CompiledProvider,
    code: str | None,
    enhanced: str | None,
    text: str,
    features: TextFeatures,
    candidates: list[int] | None = None,
) -> tuple[ProviderRule, re.Match[str] | None, str] | None:
    """The provider's best rule for the reply (``candidates``: of its index, if known)."""
    if candidates is None:
        candidates = compiled.rules.candidates(features)
    if not candidates and not compiled.textless:
        return None  # the usual case for a provider's index: nothing to try
    rules = compiled.provider.rules
    found: dict[int, tuple[re.Match[str] | None, str]] = {}
    for number in compiled.textless:
        if _fits(rules[number], code, enhanced):
            found[number] = (None, "")
    for index in candidates:
        number = compiled.owners[index]
        if number in found or not _fits(rules[number], code, enhanced):
            continue
        match = compiled.rules.search(index, text, features)
        if match is not None:
            found[number] = (match, compiled.rules.patterns[index])
    if not found:
        return None
    best = max(found, key=lambda n: (rules[n].specificity, -n))
    match, pattern = found[best]
    return rules[best], match, pattern


def _detect(
    rules: Rules, context: str, features: TextFeatures, candidates: list[int] | None = None
) -> list[tuple[int, re.Match[str], str]]:
    """Providers named in the text, in file order, each with the first detect match
    (``candidates``: of ``rules.detect_index``, when already known)."""
    if candidates is None:
        candidates = rules.detect_index.candidates(features)
    if not candidates:
        return []  # no provider named: the usual case
    seen: dict[int, tuple[re.Match[str], str]] = {}
    for index in candidates:
        owner = rules.detect_owners[index]
        if owner in seen:
            continue
        match = rules.detect_index.search(index, context, features)
        if match is not None:
            seen[owner] = (match, rules.detect_index.patterns[index])
    return [(owner, *seen[owner]) for owner in sorted(seen)]


def _first_look(
    rules: Rules, text: str, features: TextFeatures
) -> tuple[list[tuple[int, re.Match[str], str]], dict[int, list[int]]]:
    """Detection, and the candidates of each standalone provider's rules, from one pass of
    ``rules.first_index`` over the text (for a reply that is all the input there is)."""
    candidates = rules.first_index.candidates(features)
    alone: dict[int, list[int]] = {}
    if not candidates:
        return [], alone  # no provider named, no DNSBL words: the usual case
    split, where = rules.first_split, rules.first_where
    named: list[int] = []
    for index in candidates:
        if index < split:
            named.append(index)
        else:
            owner, local = where[index - split]
            alone.setdefault(owner, []).append(local)
    return _detect(rules, text, features, named), alone


def _enhanced_key(enhanced: str) -> tuple[str, str]:
    _, subject, detail = enhanced.split(".")
    return f"X.{subject}.{detail}", f"X.{subject}.X"


def classify(
    rules: Rules,
    *,
    code: str | None,
    enhanced: str | None,
    text: str,
    context: str = "",
    command: str | None = None,
) -> Classification:
    """Classify one reply.

    ``code`` ("550") and ``enhanced`` ("5.1.1") as sent, ``text`` the reply's text (codes
    removed), ``context`` the whole input (log line, error) where providers are looked for,
    ``command`` the stage value of the command it answered ("rcpt"), if known.
    """
    text = " ".join(text.split())
    klass = (code or enhanced or " ")[0]
    failed = klass in "45"
    # the text's features serve detection when there is no other context, and rule matching
    # for a failure only: a success reply with a context needs none
    features = TextFeatures(text) if failed or not context or context == text else None
    decisions: list[Decision] = []
    detected: list[tuple[int, re.Match[str], str]] = []
    #: the standalone providers' candidate rules, when found with detection (see _first_look)
    alone: dict[int, list[int]] | None = None
    if rules.has_providers:
        if features is not None and (not context or context == text):
            if failed and rules.standalone:
                detected, alone = _first_look(rules, text, features)
            else:
                detected = _detect(rules, text, features)
        else:
            detected = _detect(rules, context, TextFeatures(context))

    provider: Provider | None = None
    provider_owner = -1
    rule: ProviderRule | None = None
    reason: str | None = None
    standalone = rules.standalone_set
    if features is not None and failed and rules.has_providers:
        order: Sequence[int] = rules.standalone  # nothing named in the text: the usual case
        if detected:
            # the providers named in the text, then the standalone ones named, then the rest
            named: list[int] = []
            others: list[int] = []
            for owner, _, _ in detected:
                (others if owner in standalone else named).append(owner)
            for owner in rules.standalone:
                if owner not in others:
                    others.append(owner)
            order = named + others
        made = rules.compiled_made
        for owner in order:
            compiled = made[owner]
            if compiled is None:
                compiled = made[owner] = rules.compiled[owner]
            known = alone.get(owner, []) if alone is not None and owner in standalone else None
            hit = _provider_rule(compiled, code, enhanced, text, features, known)
            if hit is None:
                continue
            rule, match, pattern = hit
            provider, provider_owner = compiled.provider, owner
            reason = rule.reason
            decisions.append(
                Decision(
                    "reason",
                    "provider-rule",
                    rule.id,
                    _quote(match) if match else "",
                    pattern,
                )
            )
            break
    if provider is None and detected:
        owner, match, pattern = next((d for d in detected if d[0] not in standalone), detected[0])
        provider, provider_owner = rules.providers[owner], owner
    if provider is not None:
        first = next((d for d in detected if d[0] == provider_owner), None)
        if first is not None:
            decisions.insert(
                0, Decision("provider", "detect", provider.id, _quote(first[1]), first[2])
            )
        elif rule is not None:
            decisions.insert(0, Decision("provider", "provider-rule", provider.id, "", ""))

    if features is not None and failed and reason is None:
        reason = _generic_reason(rules, code, enhanced, text, features, command, decisions)

    hard, conflict = _hardness(rules, code, enhanced, text, command, rule, provider, decisions)
    retry: str | None = None
    if reason is not None and hard is not None:
        # RFC 5321 section 4.2.1: a 4yz reply may succeed if repeated; a 5yz reply will not
        # succeed unchanged, so a reason's "later" becomes "after-fix" for a hard failure
        advice = rules.reason(reason).retry
        retry = "later" if not hard else ("after-fix" if advice == "later" else advice)
    return Classification(reason, hard, retry, provider, rule, tuple(decisions), conflict)


def _generic_reason(
    rules: Rules,
    code: str | None,
    enhanced: str | None,
    text: str,
    features: TextFeatures,
    command: str | None,
    decisions: list[Decision],
) -> str:
    if text:
        for index in rules.pattern_index.candidates(features):
            pattern = rules.patterns[rules.pattern_owners[index]]
            if pattern.codes and code not in pattern.codes:
                continue
            if pattern.enhanced and enhanced not in pattern.enhanced:
                continue
            if pattern.classes and (code or enhanced or " ")[0] not in pattern.classes:
                continue
            if pattern.commands and command not in pattern.commands:
                continue
            match = rules.pattern_index.search(index, text, features)
            if match is not None:
                decisions.append(
                    Decision(
                        "reason",
                        "pattern",
                        pattern.id,
                        _quote(match),
                        rules.pattern_index.patterns[index],
                    )
                )
                return pattern.reason
    if enhanced is not None:
        for key in _enhanced_key(enhanced):
            mapping = rules.enhanced.get(key)
            if mapping is not None:
                decisions.append(Decision("reason", "enhanced", key, enhanced))
                return mapping.reason
    if code is not None:
        for mapping in rules.basic.get(code, ()):
            if not mapping.commands or command in mapping.commands:
                by = "basic-command" if mapping.commands else "basic"
                decisions.append(Decision("reason", by, code, code))
                return mapping.reason
    decisions.append(Decision("reason", "none", "undefined"))
    return "undefined"


def _hardness(
    rules: Rules,
    code: str | None,
    enhanced: str | None,
    text: str,
    command: str | None,
    rule: ProviderRule | None,
    provider: Provider | None,
    decisions: list[Decision],
) -> tuple[bool | None, bool]:
    conflict = False
    hard: bool | None
    if code is not None and code[0] in "45":
        hard = code[0] == "5"
        by = "class"
        # RFC 2034 section 4: "All status codes returned by the server must agree with the
        # primary response code"; when they do not, the basic code governs (RFC 5321 4.2.1).
        if enhanced is not None and enhanced[0] in "45" and enhanced[0] != code[0]:
            conflict = True
            by = "conflict"
        decisions.append(
            Decision("bounce", by, code, code if not conflict else f"{code} {enhanced}")
        )
    elif code is None and enhanced is not None and enhanced[0] in "45":
        hard = enhanced[0] == "5"
        decisions.append(Decision("bounce", "enhanced-class", enhanced, enhanced))
    else:
        return None, False
    # RFC 5321 section 4.5.3.1.10: "Clients SHOULD treat a 552 code in this case as a
    # temporary, rather than permanent, failure" (too many recipients, which should be 452).
    if code == "552" and command in (None, "rcpt"):
        too_many = enhanced is not None and enhanced.split(".")[1:] == ["5", "3"]
        matched = enhanced or ""
        if not too_many:
            index = rules.too_many_index
            for number in range(len(index)):
                found = index.regex(number).search(text)
                if found is not None:
                    too_many, matched = True, _quote(found)
                    break
        if too_many:
            hard = False
            decisions.append(Decision("bounce", "rfc5321-4.5.3.1.10", "552", matched))
    if rule is not None and rule.hard is not None:
        hard = rule.hard
        decisions.append(
            Decision("bounce", "provider-rule", rule.id, provider.name if provider else "")
        )
    return hard, conflict


# -- localized views ---------------------------------------------------------------------------


def _fill(template: str, **values: object) -> str:
    return template.format(**values) if values else template


if TYPE_CHECKING:
    #: the Explanation fields of a verdict, in its order: reason, bounce, retry, who_acts,
    #: provider
    Views = tuple[
        ReasonView | None,
        BounceView | None,
        RetryAdvice | None,
        tuple[Party, ...],
        ProviderView | None,
    ]


def verdict_views(
    classification: Classification,
    rules: Rules,
    lang: str,
    *,
    code: str | None,
    enhanced: str | None,
    command_label: str = "",
    extra: tuple[Decision, ...] = (),
) -> tuple[Views, tuple[Evidence, ...]]:
    """The Explanation fields of a verdict in ``lang``: (reason, bounce, retry, who, provider)
    and the evidence.

    What depends only on the verdict (reason, provider, rule, codes, which rules decided) is
    built once per verdict and shared; the evidence that quotes the input is built for
    every call.  No part of the cache key comes from the input's own wording.
    """
    c = classification
    decisions = (*extra, *c.decisions)
    key = (
        rules,
        lang,
        c.reason,
        c.hard,
        c.retry,
        c.provider.id if c.provider is not None else "",
        c.rule.id if c.rule is not None else "",
        c.conflict,
        tuple(map(_DECIDES_BY_RULE, decisions)),  # not what matched
        code,
        enhanced,
        command_label,
    )
    cached = _VIEWS.get(key)
    if cached is None:
        views, notes = _views(c, rules, lang, code, enhanced, command_label, decisions)
        # the evidence of a decision whose matched text comes from the key (the codes, the
        # provider) is the same for every reply with this verdict: made once
        fixed = tuple(
            Evidence(decides, label, rule, note, d.matched)
            if (d.decides, d.by) in _MATCHED_FROM_KEY
            else None
            for (decides, label, rule, note), d in zip(notes, decisions, strict=True)
        )
        cached = views, notes, fixed
        if len(_VIEWS) >= _VIEWS_LIMIT:
            _VIEWS.clear()
        _VIEWS[key] = cached
    views, notes, fixed = cached
    evidence = []
    for made, (decides, label, rule, note), d in zip(fixed, notes, decisions, strict=True):
        if made is None or made.matched != d.matched:  # (the check keeps a changed rule honest)
            made = Evidence(decides, label, rule, note, d.matched)
        evidence.append(made)
    return views, tuple(evidence)


_DECIDES_BY_RULE = itemgetter(slice(3))  #: a Decision's (decides, by, rule)


#: decisions whose matched text is the code, the enhanced code or the provider's name (all in
#: the verdict's key), never the input's wording
_MATCHED_FROM_KEY = frozenset(
    {
        ("bounce", "class"),
        ("bounce", "conflict"),
        ("bounce", "enhanced-class"),
        ("bounce", "provider-rule"),
        ("reason", "enhanced"),
        ("reason", "basic"),
        ("reason", "basic-command"),
        ("reason", "none"),
        ("provider", "provider-rule"),
    }
)

_Notes = tuple[tuple[str, str, str, str], ...]  #: each decision's (decides, label, rule, note)
#: per verdict: the fields without evidence, the notes, the evidence made once (or None)
_VIEWS: dict[tuple[Any, ...], tuple[Views, _Notes, tuple[Evidence | None, ...]]] = {}
_VIEWS_LIMIT = 4096


def _views(
    classification: Classification,
    rules: Rules,
    lang: str,
    code: str | None,
    enhanced: str | None,
    command_label: str,
    decisions: tuple[Decision, ...],
) -> tuple[Views, _Notes]:
    words = rules.phrases.get(lang) or rules.phrases["en"]
    text_lang = lang if lang in rules.phrases else "en"
    labels, bounce_text, evidence_text = words["labels"], words["bounce"], words["evidence"]
    c = classification
    verdict = ""
    if c.hard is not None:
        verdict = bounce_text["hard" if c.hard else "soft"]
    provider_name = c.provider.name if c.provider is not None else ""

    def note(decision: Decision) -> str:
        kind, by = decision.decides, decision.by
        if kind == "reply":
            return _fill(
                evidence_text["reply"], form=words["form"].get(decision.rule, decision.rule)
            )
        if kind == "command":
            return evidence_text["command"]
        if kind == "provider":
            key = "provider_detected" if by == "detect" else "provider_rule"
            return _fill(evidence_text[key], provider=provider_name)
        if kind == "reason":
            if by == "provider-rule":
                return _fill(
                    evidence_text["reason_provider"], provider=provider_name, rule=decision.rule
                )
            if by == "pattern":
                return _fill(evidence_text["reason_pattern"], rule=decision.rule)
            if by == "enhanced":
                return _fill(
                    evidence_text["reason_enhanced"], enhanced=enhanced, rule=decision.rule
                )
            if by == "basic":
                return _fill(evidence_text["reason_basic"], code=code)
            if by == "basic-command":
                return _fill(
                    evidence_text["reason_basic_command"], code=code, command=command_label
                )
            return evidence_text["reason_none"]
        if by == "class":
            return _fill(
                bounce_text["class_5" if (code or "")[:1] == "5" else "class_4"], code=code
            )
        if by == "conflict":
            return _fill(bounce_text["conflict"], code=code, enhanced=enhanced, verdict=verdict)
        if by == "enhanced-class":
            key = "enhanced_5" if (enhanced or "")[:1] == "5" else "enhanced_4"
            return _fill(bounce_text[key], enhanced=enhanced)
        if by == "rfc5321-4.5.3.1.10":
            return bounce_text["too_many_recipients"]
        return _fill(
            bounce_text["provider"], provider=provider_name, rule=decision.rule, verdict=verdict
        )

    label_of = {
        "reply": labels["form"],
        "command": labels["command"],
        "provider": labels["provider"],
        "reason": labels["reason"],
        "bounce": labels["bounce"],
    }
    notes = tuple((d.decides, label_of[d.decides], d.rule, note(d)) for d in decisions)
    provider: ProviderView | None = None
    if c.provider is not None:
        rule = c.rule if c.rule is not None and c.rule.provider == c.provider.id else None
        text = rule.text.get(text_lang) if rule is not None else None
        provider = ProviderView(
            id=c.provider.id,
            name=c.provider.name,
            docs=c.provider.docs,
            rule=rule.id if rule is not None else "",
            meaning=text.meaning if text is not None else "",
            fix=text.fix if text is not None else (),
            source=rule.source if rule is not None else "",
        )
    reason_view: ReasonView | None = None
    who_acts: tuple[Party, ...] = ()
    retry: RetryAdvice | None = None
    if c.reason is not None:
        reason = rules.reason(c.reason)
        reason_text = reason.text[text_lang]
        reason_view = ReasonView(
            reason.id, reason_text.title, reason_text.summary, reason_text.steps
        )
        who_labels = load_catalogue().phrases(lang)["who"]
        who_acts = tuple(Party(who, who_labels.get(who, who)) for who in reason.who)
        if c.retry is not None:
            retry = RetryAdvice(c.retry, words["retry"][c.retry], reason_text.retry)
    bounce: BounceView | None = None
    if c.hard is not None:
        bounce_notes = [n for decides, _, _, n in notes if decides == "bounce"]
        bounce = BounceView(c.hard, verdict, bounce_notes[-1] if bounce_notes else "", c.conflict)
    return (reason_view, bounce, retry, who_acts, provider), notes


def verdict_labels(lang: str, rules: Rules | None = None) -> dict[str, str]:
    """Labels of the verdict's sections in ``lang`` (for renderers)."""
    rules = rules or load_rules()
    words = rules.phrases.get(lang) or rules.phrases["en"]
    return dict(words["labels"])
