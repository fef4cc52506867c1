"""A local SMTP server that reproduces any reply code on demand (loopback by default).

    $ smtpcodes sandbox --scenario rcpt-550
    $ swaks --server 127.0.0.1:2525 --to someone@example.test
    <** 550 5.1.1 Mailbox unavailable, or refused by policy

Scenarios are data (``scenarios/*.toml``, or a rules file): reply X at stage Y, optionally
after N messages or recipients, with a seeded probability, slowly, then closing.  Two
engines serve them: aiosmtpd for realistic sessions and a scripted server for what aiosmtpd
cannot send.  Accepted mail is counted and discarded; nothing is ever relayed.
"""

from smtpcodes.sandbox._director import Director, Stats
from smtpcodes.sandbox._model import RULE_STAGES, Engine, Rule, Scenario, ScenarioError
from smtpcodes.sandbox._replies import normal_reply, reply_line, typical_enhanced
from smtpcodes.sandbox._run import (
    DEFAULT_IDLE_TIMEOUT,
    ListenAddress,
    ListenError,
    Sandbox,
    parse_listen,
)
from smtpcodes.sandbox._scenarios import (
    ScenarioSet,
    Skipped,
    load_file,
    load_scenarios,
    parse_scenarios,
    probe_arguments,
)
from smtpcodes.sandbox._server import ServerSession, Settings
from smtpcodes.sandbox._thread import SandboxThread

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "RULE_STAGES",
    "Director",
    "Engine",
    "ListenAddress",
    "ListenError",
    "Rule",
    "Sandbox",
    "SandboxThread",
    "Scenario",
    "ScenarioError",
    "ScenarioSet",
    "ServerSession",
    "Settings",
    "Skipped",
    "Stats",
    "load_file",
    "load_scenarios",
    "normal_reply",
    "parse_listen",
    "parse_scenarios",
    "probe_arguments",
    "reply_line",
    "typical_enhanced",
]
