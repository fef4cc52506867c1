"""The probe against a real Postfix started by the tests on a loopback port."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import Postfix, run_probe_cli

pytestmark = pytest.mark.interop


def test_the_normal_path_delivers(postfix: Postfix):
    run = run_probe_cli(postfix.port, "--to", "bob@example.test")
    assert run.exit_status == 0, (run.lines, postfix.log())
    assert run.verdict["outcome"] == "ok"
    assert run.verdict["stage"] == "end-of-data"
    assert run.codes_at("end-of-data") == ["250"]
    assert run.lines[2] == "<-  220 postfix.smtpcodes.test ESMTP"
    assert "ENHANCEDSTATUSCODES" in [k for k, _ in run.document["extensions"]]
    assert not [f for f in run.document["findings"] if f["severity"] == "error"]


def test_an_unknown_recipient_gets_550_5_1_1(postfix: Postfix):
    run = run_probe_cli(postfix.port, "--to", "nobody@example.test")
    assert run.exit_status == 5, (run.lines, postfix.log())
    assert (run.verdict["code"], run.verdict["enhanced"]) == ("550", "5.1.1")
    assert run.verdict["stage"] == "rcpt"
    [line] = [line for line in run.lines if line.startswith("<** 550")]
    assert "User unknown" in line


def test_a_message_over_the_size_limit_gets_552_5_3_4(postfix: Postfix, tmp_path: Path):
    message = tmp_path / "big.eml"
    body = "x" * 76 + "\r\n"
    message.write_bytes(
        b"Subject: big\r\n\r\n" + body.encode() * (postfix.size_limit // len(body) + 5)
    )
    run = run_probe_cli(postfix.port, "--to", "bob@example.test", "--data", str(message))
    assert run.exit_status == 5, (run.lines, postfix.log())
    assert (run.verdict["code"], run.verdict["enhanced"]) == ("552", "5.3.4")
    # RFC 1870 section 6.1: Postfix refuses the declared SIZE at MAIL already
    assert run.verdict["stage"] == "mail"
    assert any(line.endswith(f"-SIZE {postfix.size_limit}") for line in run.lines)


def test_relaying_is_refused(postfix: Postfix):
    run = run_probe_cli(postfix.port, "--to", "someone@elsewhere.example")
    assert run.exit_status == 5, (run.lines, postfix.log())
    assert run.verdict["code"] == "554"
    assert run.verdict["enhanced"] == "5.7.1"
