"""Which rule answers now: the one piece of scenario logic both engines share.

One :class:`Director` per running server.  It holds the seeded random generator and the
count of accepted messages, so "after 2 messages" and "with probability 0.3" mean the same
on both engines and give the same answers for the same seed and the same sequence of
commands.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from smtpcodes.protocol import Stage
from smtpcodes.sandbox._model import Rule, Scenario


@dataclass(slots=True)
class Stats:
    """What the server did, for the summary line and the benchmark."""

    sessions: int = 0
    #: messages answered 2xx at end of data: counted, then discarded (the sandbox never relays)
    messages_accepted: int = 0
    bytes_discarded: int = 0
    #: replies sent by the scenario's rules, by code
    rule_replies: dict[str, int] = field(default_factory=dict)


class Director:
    """Picks the scenario rule for a command, or None for the normal reply.

    >>> from smtpcodes.sandbox import load_scenarios
    >>> director = Director(load_scenarios().get("rcpt-452"), seed=1)
    >>> director.pick(Stage.RCPT, "RCPT", recipients=0) is None
    True
    >>> director.pick(Stage.RCPT, "RCPT", recipients=1).code
    '452'
    """

    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.scenario = scenario
        self.seed = seed
        self.stats = Stats()
        self._random = random.Random(seed)  # noqa: S311 - a test double, not cryptography
        self._stages = {rule.stage for rule in scenario.rules}

    def has_rules(self, stage: Stage) -> bool:
        return stage in self._stages

    def pick(self, stage: Stage, command: str, *, recipients: int = 0) -> Rule | None:
        """The first rule for ``stage`` whose conditions hold now.

        ``recipients`` is the number of recipients already accepted in the transaction.
        """
        if stage not in self._stages:
            return None
        for rule in self.scenario.rules:
            if rule.stage is not stage:
                continue
            if rule.command and rule.command != command:
                continue
            if self.stats.messages_accepted < rule.after_messages:
                continue
            if recipients < rule.after_recipients:
                continue
            if rule.probability < 1.0 and self._random.random() >= rule.probability:
                continue
            self.stats.rule_replies[rule.code] = self.stats.rule_replies.get(rule.code, 0) + 1
            return rule
        return None

    def session_started(self) -> None:
        self.stats.sessions += 1

    def message_accepted(self, size: int) -> None:
        self.stats.messages_accepted += 1
        self.stats.bytes_discarded += size
