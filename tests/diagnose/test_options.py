"""ProbeOptions and friends: defaults, checks, and agreement with the CLI."""

from __future__ import annotations

import pytest

from smtpcodes.cli import ExitStatus
from smtpcodes.cli._cmd_probe import QUIT_AFTER
from smtpcodes.diagnose import (
    EXIT_STATUS,
    Outcome,
    ProbeOptions,
    ProbeOptionsError,
    QuitAfter,
    Timeouts,
    TlsMode,
)
from smtpcodes.protocol import Stage


def test_exit_statuses_match_the_cli():
    assert EXIT_STATUS[Outcome.OK] == ExitStatus.OK
    assert EXIT_STATUS[Outcome.TRANSIENT] == ExitStatus.TRANSIENT
    assert EXIT_STATUS[Outcome.PERMANENT] == ExitStatus.PERMANENT
    for outcome in (Outcome.NETWORK, Outcome.TIMEOUT, Outcome.TLS):
        assert EXIT_STATUS[outcome] == ExitStatus.NETWORK
    assert EXIT_STATUS[Outcome.PROTOCOL] == ExitStatus.PROTOCOL


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"port": 0}, "port"),
        ({"host": "mx example"}, "host"),
        ({"recipients": ("a@b\r\nRSET",)}, "--to"),
        ({"mail_from": "<x>"}, "--from"),
        ({"auth": "PLAIN"}, "user"),
        ({"auth": "NTLM", "user": "u"}, "mechanism"),
        ({"ehlo_name": "bad name"}, "--ehlo"),
    ],
)
def test_bad_options_are_refused_with_a_reason(changes, message):
    with pytest.raises(ProbeOptionsError, match=message):
        ProbeOptions(**({"host": "mx.example.org"} | changes))


@pytest.mark.parametrize("seconds", [0, -1, float("nan"), float("inf")])
def test_timeouts_must_be_positive_and_finite(seconds):
    with pytest.raises(ProbeOptionsError, match="positive number of seconds"):
        Timeouts.uniform(seconds)


def test_defaults():
    assert ProbeOptions("mx.example.org").port == 25
    assert ProbeOptions("mx.example.org", tls=TlsMode.IMPLICIT).port == 465
    assert ProbeOptions("mx.example.org").stop_after is QuitAfter.RCPT
    assert ProbeOptions("mx.example.org", recipients=("b@example.org",)).stop_after is (
        QuitAfter.DATA
    )
    assert ProbeOptions("mx.example.org", auth="plain", user="u").auth == "PLAIN"
    assert Timeouts.rfc5321().for_stage(Stage.END_OF_DATA) == 600  # RFC 5321 4.5.3.2.6
    assert Timeouts.uniform(3).for_stage(Stage.RCPT) == 3


def test_quit_after_values_match_the_cli_choices():
    assert tuple(q.value for q in QuitAfter) == QUIT_AFTER
