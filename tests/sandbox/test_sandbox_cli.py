"""``smtpcodes sandbox``: listing, argument errors, and a real server process."""

from __future__ import annotations

import json
import os
import selectors
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import pytest

from smtpcodes.sandbox import load_scenarios

TIMEOUT = 20


def test_list_scenarios_names_every_code_and_the_skipped_ones(run_cli):
    result = run_cli("sandbox", "--list-scenarios", "--lang", "en")
    assert result.code == 0, result.err
    for scenario in load_scenarios().scenarios.values():
        assert f"  {scenario.name} " in result.out
    assert "No scenario for 101, 111" in result.out
    assert "the probe never sends this command" in result.out


def test_list_scenarios_in_thai(run_cli):
    result = run_cli("sandbox", "--list-scenarios", "--lang", "th")
    assert result.code == 0, result.err
    assert "สถานการณ์จำลอง" in result.out
    assert "ไม่มีสถานการณ์สำหรับ 101, 111" in result.out
    assert "No scenario for" not in result.out


def test_list_scenarios_as_json(run_cli):
    result = run_cli("sandbox", "--list-scenarios", "--json")
    document = json.loads(result.out)
    assert document["schema"] == "smtpcodes/sandbox-scenarios@1"
    assert document["skipped"] == ["101", "111"]
    by_name = {row["name"]: row for row in document["scenarios"]}
    assert by_name["rcpt-452"]["code"] == "452"
    assert by_name["rcpt-452"]["probe"] == ["--to", "one@example.test", "--to", "two@example.test"]
    assert by_name["connect-421"]["engine"] == "raw"
    assert by_name["other-214"]["probe_reachable"] is False


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--listen", "0.0.0.0:2525"], 2, "not a loopback address"),
        (["--listen", "nonsense"], 2, "expected HOST:PORT"),
        (["--scenario", "rcpt-999"], 2, "no scenario named 'rcpt-999'"),
        (["--password-env", "SMTPCODES_TEST_UNSET"], 2, "SMTPCODES_TEST_UNSET: that environment"),
        (["--seed", "-1"], 2, "expected 0 or more"),
        (["--idle-timeout", "0"], 2, "expected more than 0"),
        (
            ["--engine", "aiosmtpd", "--scenario", "connect-421", "--listen", "127.0.0.1:0"],
            2,
            "needs the raw engine",
        ),
        (["--rules", "/nonexistent/rules.toml"], 1, "no such file"),
    ],
)
def test_bad_arguments(run_cli, args, code, message):
    result = run_cli("sandbox", *args)
    assert result.code == code
    assert message in result.err
    assert "Traceback" not in result.err


def test_a_rules_file_with_several_scenarios_needs_one_named(run_cli, tmp_path: Path):
    rules = tmp_path / "two.toml"
    rules.write_text(
        '[[scenario]]\nname = "a"\ncode = "550"\nstage = "rcpt"\n'
        '[[scenario]]\nname = "b"\ncode = "450"\nstage = "rcpt"\n',
        "utf-8",
    )
    result = run_cli("sandbox", "--rules", str(rules), "--listen", "127.0.0.1:0")
    assert result.code == 2
    assert "defines several scenarios (a, b): pick one with --scenario" in result.err


def test_a_broken_rules_file_says_where(run_cli, tmp_path: Path):
    rules = tmp_path / "broken.toml"
    rules.write_text('[[rule]]\nstage = "rcpt"\nreply = "550 x"\nprobability = 2\n', "utf-8")
    result = run_cli("sandbox", "--rules", str(rules))
    assert result.code == 1
    assert f"{rules}: scenario 'broken', rule 1: probability must be above 0" in result.err


# -- a real process ----------------------------------------------------------------------


def _chunks(process: subprocess.Popen):
    """What the process writes to stdout, as it comes, for at most TIMEOUT seconds."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    deadline = time.monotonic() + TIMEOUT
    try:
        while time.monotonic() < deadline:
            if not selector.select(deadline - time.monotonic()):
                return
            chunk = os.read(fd, 65536)
            if not chunk:
                return
            yield chunk
    finally:
        selector.close()


class _Server:
    """``smtpcodes sandbox ... --json`` as a child process; reads its start document."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "smtpcodes",
                "sandbox",
                "--listen",
                "127.0.0.1:0",
                "--json",
                *args,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        self.document = self._read_document()

    def _read_document(self) -> dict:
        text = b""
        for chunk in _chunks(self.process):
            text += chunk
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                continue
        self.stop(signal.SIGKILL)
        raise AssertionError(f"no start document from the sandbox: {text!r}")

    @property
    def port(self) -> int:
        return int(self.document["port"])

    def stop(self, number: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(number)
        try:
            _, err = self.process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return self.process.returncode, err.decode()


def test_the_server_process_plays_its_scenario_and_stops_on_sigterm():
    server = _Server("--scenario", "rcpt-550")
    try:
        assert server.document["schema"] == "smtpcodes/sandbox@1"
        assert server.document["scenario"] == "rcpt-550"
        assert server.document["host"] == "127.0.0.1"
        with smtplib.SMTP("127.0.0.1", server.port, timeout=TIMEOUT) as smtp:
            smtp.ehlo()
            smtp.mail("a@example.test")
            code, text = smtp.rcpt("b@example.test")
        assert (code, text) == (550, b"5.1.1 Mailbox unavailable, or refused by policy")
    finally:
        status, err = server.stop()
    assert status == 0
    assert "Stopped after 1 sessions; 0 messages accepted" in err


def test_ctrl_c_exits_130_and_the_password_never_shows():
    secret = "pa55-w0rd-never-shown"  # noqa: S105 - a test value
    server = _Server(
        "--user", "alice", "--password-env", "SANDBOX_SECRET", env={"SANDBOX_SECRET": secret}
    )
    try:
        with smtplib.SMTP("127.0.0.1", server.port, timeout=TIMEOUT) as smtp:
            assert smtp.login("alice", secret)[0] == 235
            smtp.sendmail("a@example.test", ["b@example.test"], b"Subject: s\r\n\r\nbody\r\n")
    finally:
        status, err = server.stop(signal.SIGINT)
    assert status == 130
    assert "1 messages accepted and discarded" in err
    assert secret not in err
    assert secret not in json.dumps(server.document)


def test_the_human_banner():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "smtpcodes",
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--scenario",
            "auth-535",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "LANG": "th_TH.UTF-8"},
    )
    received = b""
    try:
        for chunk in _chunks(process):
            received += chunk
            if b"Ctrl-C" in received:
                break
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=TIMEOUT)
    text = received.decode()
    assert "จำลองรหัส 535" in text
    assert "ไม่มีการส่งต่อ (relay)" in text
    assert "smtpcodes probe 127.0.0.1:" in text
    assert "--auth PLAIN --user sandbox" in text


def test_a_rules_file_is_played(tmp_path: Path):
    rules = tmp_path / "greylist.toml"
    rules.write_text(
        '[[rule]]\nstage = "rcpt"\n'
        'reply = ["451-4.7.1 Greylisted,", "451 4.7.1 come back later"]\n',
        "utf-8",
    )
    server = _Server("--rules", str(rules))
    try:
        assert (server.document["scenario"], server.document["code"]) == ("greylist", "451")
        with smtplib.SMTP("127.0.0.1", server.port, timeout=TIMEOUT) as smtp:
            smtp.ehlo()
            smtp.mail("a@example.test")
            assert smtp.rcpt("b@example.test") == (451, b"4.7.1 Greylisted,\n4.7.1 come back later")
    finally:
        status, _ = server.stop()
    assert status == 0


def test_list_scenarios_includes_a_rules_file(run_cli, tmp_path: Path):
    rules = tmp_path / "mine.toml"
    rules.write_text('[[rule]]\nstage = "mail"\ncode = "530"\n', "utf-8")
    result = run_cli("sandbox", "--list-scenarios", "--rules", str(rules), "--json")
    names = [row["name"] for row in json.loads(result.out)["scenarios"]]
    assert "mine" in names
