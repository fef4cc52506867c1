"""Scenarios as values: what the sandbox replies, at which stage, and when.

A scenario is a list of rules; a rule says "reply X at stage Y", optionally only after N
accepted messages or N recipients, with a probability, slowly, then closing.  Scenario files
(``scenarios/*.toml``, or ``--rules FILE``) read like this::

    [[scenario]]
    name = "rcpt-452"
    code = "452"
    stage = "rcpt"

    [[scenario.rule]]
    stage = "rcpt"
    after_recipients = 1
    reply = "452 4.5.3 Too many recipients"

and give, on the wire::

    C: RCPT TO:<one@example.test>
    S: 250 2.1.5 Requested mail action okay, completed
    C: RCPT TO:<two@example.test>
    S: 452 4.5.3 Too many recipients
"""

from __future__ import annotations

from enum import Enum

from smtpcodes._errors import LocalError
from smtpcodes._record import field, record
from smtpcodes.protocol import Stage


class ScenarioError(LocalError, ValueError):
    """A scenario file or name is wrong: the message names the file, the table and the field."""


class Engine(Enum):
    """Which server speaks a scenario."""

    #: aiosmtpd where it can, the scripted server otherwise
    AUTO = "auto"
    #: aiosmtpd: a realistic, independent SMTP server implementation
    AIOSMTPD = "aiosmtpd"
    #: our scripted server on asyncio: non-220 greetings, malformed or slow replies, drops
    RAW = "raw"


#: Stages a rule can name: the session model without "any" (a rule answers one command).
RULE_STAGES: tuple[Stage, ...] = tuple(s for s in Stage if s is not Stage.ANY)


@record
class Rule:
    """Reply ``lines`` at ``stage`` (only to ``command``, if given) when the conditions hold.

    >>> Rule(Stage.RCPT, ("550 5.1.1 No such user",)).code
    '550'
    """

    stage: Stage
    #: the reply as sent, one entry per line, without line endings; may be malformed on purpose
    lines: tuple[str, ...]
    #: only this command ("HELO" at stage ehlo; "HELP", "VRFY", "ETRN" at stage other)
    command: str = ""
    #: chance that the rule fires each time it could (drawn from the server's seeded RNG)
    probability: float = 1.0
    #: fire only once the server has accepted this many messages
    after_messages: int = 0
    #: at stage rcpt: fire only once this many recipients were accepted in the transaction
    after_recipients: int = 0
    #: close the connection after the reply
    close: bool = False
    #: close the connection instead of replying (at end-of-data: while the message comes in)
    drop: bool = False
    #: seconds to wait before the reply
    delay: float = 0.0
    #: end lines with LF alone, breaking RFC 5321 section 2.3.8 on purpose
    bare_lf: bool = False
    #: at stage auth: answer after the SASL exchange (535), not to the AUTH command (504, 538)
    after_sasl: bool = True

    @property
    def code(self) -> str:
        """The code the rule sends: the first three characters of its first line."""
        return self.lines[0][:3] if self.lines else ""

    @property
    def positive(self) -> bool:
        return self.code[:1] == "2"

    def needs_raw(self) -> str:
        """Why aiosmtpd cannot send this rule ("" when it can)."""
        if self.drop:
            return "drop"
        if self.bare_lf:
            return "bare_lf"
        if self.stage in (Stage.CONNECT, Stage.STARTTLS, Stage.DATA, Stage.OTHER):
            return f"stage {self.stage.value}"
        if self.stage is Stage.AUTH and self.code[:1] == "3":
            return "a 3xx reply to AUTH"
        if self.close:
            # the scripted engine closes in order (client QUIT read and dropped); aiosmtpd
            # would close at once, and the client would see a reset or a close by chance
            return "close"
        return ""


@record
class Scenario:
    """A named way for the sandbox to behave, demonstrating ``code`` at ``stage``."""

    name: str
    #: the basic code the scenario shows ("" for a pure protocol-violation scenario)
    code: str
    #: where the code shows in the session
    stage: Stage
    rules: tuple[Rule, ...] = ()
    #: one line per language; empty for generated scenarios (the catalogue title is used)
    about: dict[str, str] = field(default_factory=dict)
    #: SIZE advertised in EHLO and enforced at end of data (RFC 1870); 0: the server default
    size: int = 0
    #: reject a MAIL whose SIZE= is over ``size`` (RFC 1870 section 7); False: like servers
    #: that only measure the message, answer at the end of data
    check_declared_size: bool = True
    engine: Engine = Engine.AUTO
    #: probe arguments that reproduce the scenario (after HOST:PORT)
    probe: tuple[str, ...] = ()
    #: the code the probe's verdict reports, when not ``code`` (the probe's verdict is the
    #: first failure: in RFC 2920's pipelined example a 550 to RCPT comes before the 554)
    decisive: str = ""
    #: generated from the catalogue rather than written in a scenario file
    generated: bool = False
    #: the probe cannot reach the code (it answers HELP, VRFY or ETRN, which the probe never sends)
    probe_reachable: bool = True
    #: where it was defined, for error messages
    origin: str = ""

    @property
    def verdict_code(self) -> str:
        """The code the probe's verdict names: ``decisive``, else ``code``."""
        return self.decisive or self.code

    def engine_for(self) -> Engine:
        """The engine that will serve the scenario when ``engine`` is AUTO."""
        if self.engine is not Engine.AUTO:
            return self.engine
        return Engine.RAW if any(rule.needs_raw() for rule in self.rules) else Engine.AIOSMTPD
