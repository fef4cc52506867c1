"""Rule choice: seeded probability, "after N messages", "after N recipients", commands."""

from __future__ import annotations

from smtpcodes.protocol import Stage
from smtpcodes.sandbox import Director, Rule, Scenario

RCPT_451 = Rule(Stage.RCPT, ("451 4.7.1 later",), probability=0.3)


def _draws(seed: int, count: int = 200) -> list[bool]:
    director = Director(Scenario("r", "451", Stage.RCPT, (RCPT_451,)), seed)
    return [director.pick(Stage.RCPT, "RCPT") is not None for _ in range(count)]


def test_probability_is_deterministic_for_a_seed_and_differs_between_seeds():
    assert _draws(7) == _draws(7)
    assert _draws(7) != _draws(8)


def test_probability_fires_about_as_often_as_asked():
    fired = sum(_draws(1, 4000))
    assert 0.25 * 4000 < fired < 0.35 * 4000


def test_after_messages_counts_accepted_messages_across_sessions():
    rule = Rule(Stage.END_OF_DATA, ("452 4.3.1 full",), after_messages=2)
    director = Director(Scenario("f", "452", Stage.END_OF_DATA, (rule,)), 0)
    answers = []
    for _ in range(4):
        picked = director.pick(Stage.END_OF_DATA, "")
        answers.append(None if picked is None else picked.code)
        if picked is None:
            director.message_accepted(100)
    assert answers == [None, None, "452", "452"]
    assert director.stats.messages_accepted == 2
    assert director.stats.bytes_discarded == 200
    assert director.stats.rule_replies == {"452": 2}


def test_after_recipients_and_command_filters():
    rules = (
        Rule(Stage.RCPT, ("452 4.5.3 too many",), after_recipients=2),
        Rule(Stage.OTHER, ("214 2.0.0 help",), command="HELP"),
    )
    director = Director(Scenario("x", "452", Stage.RCPT, rules), 0)
    assert [director.pick(Stage.RCPT, "RCPT", recipients=n) for n in (0, 1)] == [None, None]
    assert director.pick(Stage.RCPT, "RCPT", recipients=2) is rules[0]
    assert director.pick(Stage.OTHER, "VRFY") is None
    assert director.pick(Stage.OTHER, "HELP") is rules[1]
    assert director.pick(Stage.MAIL, "MAIL") is None


def test_the_first_matching_rule_wins():
    first = Rule(Stage.RCPT, ("550 5.1.1 first",), after_recipients=1)
    second = Rule(Stage.RCPT, ("450 4.2.0 second",))
    director = Director(Scenario("x", "550", Stage.RCPT, (first, second)), 0)
    assert director.pick(Stage.RCPT, "RCPT", recipients=0) is second
    assert director.pick(Stage.RCPT, "RCPT", recipients=1) is first
