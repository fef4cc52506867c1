"""The verdict: reason (in its classification order), hard or soft, retry, who acts, evidence."""

from __future__ import annotations

import pytest

from smtpcodes.explain import Rules, explain, verdict_labels

# -- classification order: provider rule > pattern > enhanced code > basic code > undefined -----


def test_a_provider_rule_wins_over_the_generic_pattern(rules: Rules) -> None:
    # "slow down" is the example provider's rate limit; "user unknown" a generic pattern
    expl = explain("550 5.1.1 user unknown, slow down - EXM123", rules=rules)
    assert expl.reason is not None
    assert expl.reason.id == "ratelimited"
    assert expl.provider is not None
    assert expl.provider.id == "examplemail"
    assert expl.provider.rule == "examplemail-421-slow-down"
    assert expl.provider.meaning == "Example Mail limits how fast you send."
    assert expl.provider.fix == ("Send more slowly.", "Retry later.")
    assert expl.provider.docs == "https://postmaster.example.net/errors"
    reason = [e for e in expl.evidence if e.decides == "reason"]
    assert [(e.rule, e.matched) for e in reason] == [("examplemail-421-slow-down", "slow down")]


def test_a_provider_rule_needs_its_provider_named(rules: Rules) -> None:
    expl = explain("550 5.1.1 no mailbox here", rules=rules)
    assert expl.provider is None
    assert expl.reason is not None
    assert expl.reason.id == "userunknown"
    assert [e.rule for e in expl.evidence if e.decides == "reason"] == ["X.1.1"]


def test_a_provider_rule_needs_its_codes(rules: Rules) -> None:
    # the no-mailbox rule is for 550 5.1.1 only; a 450 falls through to the enhanced code
    expl = explain("450 4.2.1 no mailbox here - EXM001", rules=rules)
    assert expl.provider is not None
    assert expl.provider.id == "examplemail"
    assert expl.provider.rule == ""  # recognised, but no rule of its fits
    assert expl.reason is not None
    assert expl.reason.id == "suspend"


def test_a_standalone_provider_applies_without_being_named_elsewhere(rules: Rules) -> None:
    expl = explain(
        "554 5.7.1 Service unavailable; your IP is listed at dbl.example.org", rules=rules
    )
    assert expl.provider is not None
    assert expl.provider.id == "exampledbl"
    assert expl.reason is not None
    assert expl.reason.id == "blocked"


def test_the_provider_named_in_the_text_goes_before_a_standalone_one(rules: Rules) -> None:
    text = "550 5.7.1 slow down, and you are listed at dbl.example.org - EXM042"
    expl = explain(text, rules=rules)
    assert expl.provider is not None
    assert expl.provider.id == "examplemail"
    assert expl.reason is not None
    assert expl.reason.id == "ratelimited"


def test_the_provider_is_found_in_the_log_line_around_the_reply(rules: Rules) -> None:
    line = (
        "host in1.example-mx.net[192.0.2.4] said: 550 5.1.1 no mailbox here "
        "(in reply to RCPT TO command)"
    )
    expl = explain(line, rules=rules)
    assert expl.provider is not None
    assert expl.provider.rule == "examplemail-550-nouser"
    detected = [e for e in expl.evidence if e.decides == "provider"]
    assert [(e.rule, e.matched) for e in detected] == [("examplemail", "example-mx.net")]


@pytest.mark.parametrize(
    ("text", "reason", "decided_by"),
    [
        ("550 5.7.1 Relay access denied", "norelaying", "relay-denied"),  # pattern over X.7.1
        ("550 5.7.1 Go away", "policyviolation", "X.7.1"),  # the enhanced code
        ("550 5.7.700 Go away", "policyviolation", "X.7.X"),  # the subject of the code
        ("552 Go away", "mailboxfull", "552"),  # the basic code
        ("599 Go away", "undefined", "undefined"),  # nothing
        ("550 Go away (in reply to RCPT TO command)", "userunknown", "550"),  # code + command
        ("550 Go away (in reply to MAIL FROM command)", "rejected", "550"),
        (
            "454 4.7.0 TLS not available due to temporary reason",
            "failedstarttls",
            "starttls-failed",
        ),
    ],
)
def test_generic_classification_order(
    text: str, reason: str, decided_by: str, no_providers: Rules
) -> None:
    expl = explain(text, rules=no_providers)
    assert expl.reason is not None
    assert expl.reason.id == reason
    assert [e.rule for e in expl.evidence if e.decides == "reason"] == [decided_by]


def test_success_and_intermediate_replies_have_no_failure_verdict(rules: Rules) -> None:
    for text in ("250 2.0.0 Ok: queued as 4BQ2", "354 End data with <CR><LF>.<CR><LF>"):
        expl = explain(text, rules=rules)
        assert expl.reason is None
        assert expl.bounce is None
        assert expl.retry is None
        assert expl.who_acts == ()


# -- hard or soft -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hard", "rule"),
    [
        ("550 5.1.1 User unknown", True, "550"),
        ("450 4.2.1 Try later", False, "450"),
        # RFC 5321 section 4.5.3.1.10: a 552 for too many recipients is temporary
        ("552 5.5.3 Too many recipients (in reply to RCPT TO command)", False, "552"),
        ("552 Too many recipients", False, "552"),
        ("552 5.2.2 Mailbox full (in reply to RCPT TO command)", True, "552"),
        ("552 5.5.3 Too many recipients (in reply to end of DATA command)", True, "552"),
        # the basic code governs; the clash is flagged
        ("421 5.7.32 Authentication results failed", False, "421"),
        ("550 4.7.1 Client host rejected", True, "550"),
    ],
)
def test_hard_or_soft(text: str, hard: bool, rule: str, no_providers: Rules) -> None:
    expl = explain(text, rules=no_providers)
    assert expl.bounce is not None
    assert expl.bounce.hard is hard
    assert expl.bounce.label == (
        "permanent failure (hard bounce)" if hard else "temporary failure (soft bounce)"
    )
    assert next(e.rule for e in expl.evidence if e.decides == "bounce") == rule


def test_the_special_case_of_552_quotes_its_rfc(no_providers: Rules) -> None:
    expl = explain(
        "552 5.5.3 Too many recipients (in reply to RCPT TO command)", rules=no_providers
    )
    assert expl.bounce is not None
    assert "RFC 5321 section 4.5.3.1.10" in expl.bounce.why
    assert expl.retry is not None
    assert expl.retry.advice == "later"


def test_a_class_clash_says_which_code_wins_and_why(no_providers: Rules) -> None:
    expl = explain("421 5.7.32 Authentication results failed", rules=no_providers)
    assert expl.bounce is not None
    assert expl.bounce.conflict is True
    assert "RFC 5321 section 4.2.1" in expl.bounce.why
    assert "RFC 3463 section 2" in expl.bounce.why
    assert "RFC 2034 section 4" in expl.bounce.why
    assert "temporary failure (soft bounce)" in expl.bounce.why
    assert [f.kind for f in expl.findings] == ["class-mismatch"]  # the parser flags it too


def test_a_provider_rule_can_override_hard_or_soft(rules: Rules) -> None:
    expl = explain("550 slow down - EXM777", rules=rules)
    assert expl.bounce is not None
    assert expl.bounce.hard is False
    bounce = [e for e in expl.evidence if e.decides == "bounce"]
    assert [e.rule for e in bounce] == ["550", "examplemail-421-slow-down"]
    assert expl.bounce.why == bounce[-1].note
    assert "examplemail-421-slow-down" in expl.bounce.why


def test_an_enhanced_code_alone_decides_by_its_class(no_providers: Rules) -> None:
    expl = explain("5.2.2", rules=no_providers)
    assert expl.reason is not None
    assert expl.reason.id == "mailboxfull"
    assert expl.bounce is not None
    assert expl.bounce.hard is True
    assert "RFC 3463 section 2" in expl.bounce.why


def test_class_codes_get_no_verdict() -> None:
    expl = explain("5xx")
    assert expl.reason is None
    assert expl.bounce is None


# -- retry, who acts --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "advice", "who"),
    [
        ("550 5.1.1 User unknown", "never", ("sender",)),
        ("452 4.2.2 Mailbox full", "later", ("recipient",)),
        ("552 5.2.2 Mailbox full", "after-fix", ("recipient",)),  # a hard "later" needs a fix
        ("535 5.7.8 Authentication credentials invalid", "after-fix", ("sender", "sender-admin")),
        ("421 4.7.28 unusual rate", "later", ("sender-admin",)),
    ],
)
def test_retry_advice_and_who_must_act(
    text: str, advice: str, who: tuple[str, ...], no_providers: Rules
) -> None:
    expl = explain(text, rules=no_providers)
    assert expl.retry is not None
    assert expl.retry.advice == advice
    assert expl.retry.when
    assert expl.retry.how
    assert tuple(p.id for p in expl.who_acts) == who
    assert all(p.label for p in expl.who_acts)


def test_every_explanation_of_a_failure_carries_the_whole_verdict(rules: Rules) -> None:
    expl = explain(
        "host mx.example.org[192.0.2.1] said: 550 5.1.1 User unknown (in reply to RCPT TO command)",
        rules=rules,
    )
    assert expl.reason is not None
    assert expl.reason.title
    assert expl.reason.summary
    assert expl.reason.steps
    assert expl.bounce is not None
    assert expl.bounce.why
    assert expl.retry is not None
    assert expl.who_acts
    assert expl.command is not None
    assert expl.command.stage == "rcpt"
    assert [e.decides for e in expl.evidence] == ["reply", "command", "reason", "bounce"]
    assert all(e.label and e.note for e in expl.evidence)


# -- Thai ---------------------------------------------------------------------------------------


def _has_thai(text: str) -> bool:
    return any("\u0e00" <= char <= "\u0e7f" for char in text)


def test_the_verdict_reads_as_thai(rules: Rules) -> None:
    line = (
        "host in1.example-mx.net[192.0.2.4] said: 550 5.1.1 no mailbox here "
        "(in reply to RCPT TO command)"
    )
    th = explain(line, "th", rules=rules)
    en = explain(line, "en", rules=rules)
    assert th.reason is not None
    assert en.reason is not None
    assert th.reason.id == en.reason.id == "userunknown"
    assert th.reason.title == "ไม่มีที่อยู่อีเมลผู้รับนี้"
    for text in (
        th.reason.summary,
        *th.reason.steps,
        th.bounce.why,
        th.bounce.label,
        th.retry.when,
        th.retry.how,
    ):  # type: ignore[union-attr]
        assert _has_thai(text), text
    assert th.provider is not None
    assert th.provider.meaning == "Example Mail ไม่มีกล่องจดหมายนี้"
    assert th.command is not None
    assert th.command.label == "คำสั่ง RCPT TO"
    assert all(_has_thai(e.note) for e in th.evidence)
    assert th.who_acts[0].label == "ผู้ส่งข้อความ"
    assert "RFC 5321" in th.bounce.why  # type: ignore[union-attr]


def test_verdict_labels_exist_in_both_languages() -> None:
    en, th = verdict_labels("en"), verdict_labels("th")
    assert set(en) == set(th)
    assert all(_has_thai(label) for label in th.values())
    assert verdict_labels("fr") == en  # a language without verdict text falls back to English
