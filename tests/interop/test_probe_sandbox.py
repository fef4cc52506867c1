"""The probe against the sandbox: every scenario, and every recorded transcript replayed."""

from __future__ import annotations

import time

import pytest

from smtpcodes.sandbox import SandboxThread, load_scenarios
from smtpcodes.sandbox.record import TRANSCRIPT_DIR, normalise, read_transcript

from .conftest import run_probe_cli

pytestmark = pytest.mark.interop

SCENARIOS = load_scenarios()
REACHABLE = [s for s in SCENARIOS.scenarios.values() if s.probe_reachable]
#: Scenarios that break the protocol on purpose: the probe must say so.
VIOLATIONS = {
    "mixed-codes": (7, "mixed-codes"),
    "malformed-greeting": (7, "malformed-reply"),
    "drop-mid-data": (7, "unexpected-close"),
    "bare-lf": (0, "bare-lf"),
    "no-enhanced-code": (5, "enhanced-missing"),
}
#: Scenarios whose outcome depends on more than one session or on chance.
SEVERAL_SESSIONS = {"random-451", "full-after-2"}


@pytest.mark.parametrize(
    "scenario",
    [s for s in REACHABLE if s.name not in VIOLATIONS and s.name not in SEVERAL_SESSIONS],
    ids=lambda s: s.name,
)
def test_the_probe_sees_the_scenario_code_where_it_should(scenario):
    with SandboxThread(scenario) as sandbox:
        run = run_probe_cli(sandbox.address.port, *scenario.probe)
    assert scenario.code in run.codes_at(scenario.stage.value), run.lines
    klass = scenario.verdict_code[0]
    if klass in "45":
        assert run.verdict["code"] == scenario.verdict_code
        assert run.exit_status == int(klass)
    else:
        assert run.verdict["outcome"] == "ok", run.lines
        assert run.exit_status == 0


@pytest.mark.parametrize(("name", "expected"), VIOLATIONS.items(), ids=list(VIOLATIONS))
def test_the_probe_reports_a_broken_server(name, expected):
    status, finding = expected
    with SandboxThread(SCENARIOS.get(name)) as sandbox:
        run = run_probe_cli(sandbox.address.port, *SCENARIOS.get(name).probe)
    assert run.exit_status == status, run.lines
    assert finding in run.finding_kinds


def test_a_slow_greeting_is_waited_for():
    scenario = SCENARIOS.get("slow-greeting")
    with SandboxThread(scenario) as sandbox:
        started = time.monotonic()
        run = run_probe_cli(sandbox.address.port, *scenario.probe)
    assert time.monotonic() - started >= 1.9
    assert run.exit_status == 0
    assert run.codes_at("connect") == ["220"]


def test_full_after_two_messages():
    scenario = SCENARIOS.get("full-after-2")
    with SandboxThread(scenario) as sandbox:
        statuses = [
            run_probe_cli(sandbox.address.port, *scenario.probe).exit_status for _ in range(3)
        ]
        assert sandbox.stats.messages_accepted == 2
    assert statuses == [0, 0, 4]


def test_random_451_is_repeatable_with_a_seed():
    scenario = SCENARIOS.get("random-451")
    outcomes = []
    for _ in range(2):
        with SandboxThread(scenario, seed=11) as sandbox:
            outcomes.append([run_probe_cli(sandbox.address.port).exit_status for _ in range(8)])
    assert outcomes[0] == outcomes[1]
    assert set(outcomes[0]) == {0, 4}


TRANSCRIPTS = sorted(TRANSCRIPT_DIR.glob("*.toml"))


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
def test_the_recorded_command_reproduces_the_recorded_transcript(path):
    import shlex

    transcript = read_transcript(path)
    words = shlex.split(transcript.probe_command)
    while "=" in words[0]:
        words.pop(0)
    assert words[:2] == ["smtpcodes", "probe"]
    with SandboxThread(SCENARIOS.get(transcript.scenario)) as sandbox:
        port = sandbox.address.port
        run = run_probe_cli(port, *words[3:])
    assert list(normalise(run.lines, port)) == list(transcript.lines)
