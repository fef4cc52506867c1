"""Scenario data: one per code a server can send, built from the catalogue; files validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpcodes.catalogue import Kind, load_catalogue
from smtpcodes.protocol import Stage, parse_reply
from smtpcodes.sandbox import (
    Engine,
    ScenarioError,
    load_file,
    load_scenarios,
    parse_scenarios,
    typical_enhanced,
)

SCENARIOS = load_scenarios()


def _basic_codes() -> list[str]:
    return [e.code for e in load_catalogue().entries(Kind.BASIC) if e.code.isdigit()]


def test_every_code_a_server_can_send_has_a_scenario_and_1xx_are_skipped():
    primary = SCENARIOS.primary()
    for code in _basic_codes():
        if code.startswith("1"):
            assert code not in primary
            assert code in [s.code for s in SCENARIOS.skipped]
        else:
            assert primary[code].code == code
            assert primary[code].name == f"{primary[code].stage.value}-{code}"


def test_the_primary_stage_is_one_the_catalogue_lists():
    catalogue = load_catalogue()
    for code, scenario in SCENARIOS.primary().items():
        stages = set(catalogue.get(code).stages)
        # codes that can answer "any" command are shown at MAIL
        assert scenario.stage in stages or (Stage.ANY in stages and scenario.stage is Stage.MAIL)


@pytest.mark.parametrize(
    ("name", "code", "stage"),
    [
        ("data-354", "354", Stage.DATA),
        ("auth-535", "535", Stage.AUTH),
        ("connect-421", "421", Stage.CONNECT),
        ("rcpt-452", "452", Stage.RCPT),
        ("end-of-data-552", "552", Stage.END_OF_DATA),
        ("data-554", "554", Stage.DATA),
        ("connect-521", "521", Stage.CONNECT),
        ("rcpt-550", "550", Stage.RCPT),
    ],
)
def test_the_named_scenarios(name, code, stage):
    scenario = SCENARIOS.get(name)
    assert (scenario.code, scenario.stage) == (code, stage)
    assert SCENARIOS.primary()[code] is scenario


def test_generated_replies_carry_the_catalogue_enhanced_code_and_title():
    catalogue = load_catalogue()
    for scenario in SCENARIOS.scenarios.values():
        if not scenario.generated or not scenario.rules:
            continue
        [rule] = scenario.rules
        [line] = rule.lines
        entry = catalogue.get(scenario.code)
        enhanced = next((e for e in entry.enhanced if e[0] == scenario.code[0]), None)
        if scenario.code[0] == "3":
            assert line.startswith(f"{scenario.code} ")
        elif enhanced is not None:
            assert line.startswith(f"{scenario.code} {enhanced} "), line
        else:
            assert line.startswith(f"{scenario.code} {scenario.code[0]}.0.0 "), line
        assert typical_enhanced(scenario.code) in line
        assert line.isascii()
        title = entry.text["en"].title
        assert title.split(" (")[0] in line


def test_every_reply_a_scenario_sends_parses_except_the_deliberate_violations():
    for scenario in SCENARIOS.scenarios.values():
        for rule in scenario.rules:
            if scenario.origin.endswith("violations.toml"):
                continue
            reply = parse_reply("\r\n".join(rule.lines))
            assert reply.code_text == rule.code
            assert not [f for f in reply.findings if f.severity.value == "error"], scenario.name


def test_scenarios_needing_the_scripted_engine_are_routed_to_it():
    assert SCENARIOS.get("connect-421").engine_for() is Engine.RAW
    assert SCENARIOS.get("starttls-454").engine_for() is Engine.RAW
    assert SCENARIOS.get("bare-lf").engine_for() is Engine.RAW
    assert SCENARIOS.get("rcpt-550").engine_for() is Engine.AIOSMTPD
    assert SCENARIOS.get("auth-535").engine_for() is Engine.AIOSMTPD


def test_codes_only_help_vrfy_or_etrn_elicit_are_marked_unreachable_by_the_probe():
    other = [s for s in SCENARIOS.scenarios.values() if s.stage is Stage.OTHER]
    assert {s.code for s in other} >= {"211", "214", "252"}
    for scenario in other:
        assert not scenario.probe_reachable
        assert scenario.rules[0].command in ("HELP", "VRFY", "EXPN", "ETRN", "ATRN")


def test_unknown_scenario_name_suggests_near_ones():
    with pytest.raises(ScenarioError, match=r"no scenario named 'rcpt-55'; did you mean rcpt-55\d"):
        SCENARIOS.get("rcpt-55")


# -- files -------------------------------------------------------------------------------


def _parse(text: str) -> list:
    import tomllib

    return parse_scenarios(tomllib.loads(text), "rules.toml")


def test_a_rules_file_of_rule_tables_is_one_scenario_named_after_the_file(tmp_path: Path):
    path = tmp_path / "Greylist Me.toml"
    path.write_text(
        '[[rule]]\nstage = "rcpt"\nprobability = 0.5\nreply = "451 4.7.1 Try later"\n', "utf-8"
    )
    [scenario] = load_file(path)
    assert scenario.name == "greylist-me"
    assert (scenario.code, scenario.stage) == ("451", Stage.RCPT)
    assert scenario.rules[0].probability == 0.5


def test_a_rule_given_by_code_gets_the_catalogue_text():
    [scenario] = _parse('[[rule]]\nstage = "mail"\ncode = "530"\n')
    assert scenario.rules[0].lines == (
        f"530 {typical_enhanced('530')} Authentication required (or STARTTLS first)",
    )


def test_a_rules_file_can_replace_a_built_in_scenario(tmp_path: Path):
    path = tmp_path / "mine.toml"
    path.write_text(
        '[[scenario]]\nname = "rcpt-550"\n[[scenario.rule]]\nstage = "rcpt"\n'
        'reply = ["550-5.1.1 first", "550 5.1.1 second"]\n',
        "utf-8",
    )
    scenarios = load_scenarios([path])
    assert scenarios.get("rcpt-550").rules[0].lines == ("550-5.1.1 first", "550 5.1.1 second")


def test_421_closes_by_default_and_close_can_be_turned_off():
    [closing] = _parse('[[rule]]\nstage = "rcpt"\ncode = "421"\n')
    assert closing.rules[0].close
    [staying] = _parse('[[rule]]\nstage = "rcpt"\ncode = "421"\nclose = false\n')
    assert not staying.rules[0].close


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[rule]]\nstge = "rcpt"\n', r"unknown field 'stge' \(did you mean 'stage'\?\)"),
        ('[[rule]]\nstage = "rcp"\ncode = "550"\n', r"stage must be one of connect, ehlo"),
        ('[[rule]]\nstage = "rcpt"\ncode = 550\n', r"code must be a quoted 3-digit reply code"),
        ('[[rule]]\nstage = "rcpt"\ncode = "650"\n', r"code must be a quoted 3-digit"),
        (
            '[[rule]]\nstage = "rcpt"\nreply = "550 a\\r\\n550 b"\n',
            r"reply line 1 holds a line break",
        ),
        ('[[rule]]\nstage = "rcpt"\nreply = []\n', r"reply must be a string or a non-empty list"),
        (
            '[[rule]]\nstage = "rcpt"\ncode = "550"\nprobability = 0\n',
            r"probability must be above 0",
        ),
        ('[[rule]]\nstage = "rcpt"\ncode = "550"\nprobability = 1.5\n', r"at most 1"),
        (
            '[[rule]]\nstage = "mail"\ncode = "550"\nafter_recipients = 2\n',
            r"only applies at stage rcpt",
        ),
        (
            '[[rule]]\nstage = "rcpt"\ncode = "550"\nafter_messages = -1\n',
            r"after_messages must be 0 or more",
        ),
        (
            '[[rule]]\nstage = "rcpt"\ncode = "550"\nenhanced = "4.1.1"\n',
            r"does not agree with the class",
        ),
        ('[[rule]]\nstage = "rcpt"\ncode = "550"\nreply = "550 x"\n', r"either reply .* or code"),
        ('[[rule]]\nstage = "auth"\ncode = "334"\n', r"cannot send 3xx"),
        ('[[rule]]\nstage = "other"\ncode = "214"\n', r"needs command = one of HELP"),
        ('[[rule]]\nstage = "rcpt"\ncode = "550"\ndelay_ms = 9999999\n', r"delay_ms must be 0 to"),
        ('[[rule]]\nstage = "rcpt"\ncode = "550"\nclose = "yes"\n', r"close must be bool"),
        ('[[rule]]\ncode = "550"\n', r"the rule needs a stage"),
        (
            '[[scenario]]\nname = "Bad Name"\ncode = "550"\nstage = "rcpt"\n',
            r"name must be lower-case",
        ),
        ('[[scenario]]\nname = "x"\n', r"needs a code or at least one rule"),
        ('[[scenario]]\nname = "x"\ncode = "550"\n', r"without rules needs a stage"),
        (
            '[[scenario]]\nname = "x"\ncode = "550"\nstage = "rcpt"\nengine = "postfix"\n',
            r"engine must be one of",
        ),
        (
            '[[scenario]]\nname = "x"\nengine = "aiosmtpd"\n'
            '[[scenario.rule]]\nstage = "connect"\ncode = "421"\n',
            r"engine aiosmtpd cannot send this rule \(stage connect\)",
        ),
        ("title = 'nothing here'\n", r"no \[\[scenario\]\] or \[\[rule\]\] tables"),
        (
            '[[scenario]]\nname = "x"\ncode = "550"\nstage = "rcpt"\n[extra]\n',
            r"unexpected top-level 'extra'",
        ),
    ],
)
def test_bad_files_get_an_error_that_names_the_place_and_what_was_expected(text, message):
    with pytest.raises(ScenarioError, match=message) as caught:
        _parse(text)
    assert str(caught.value).startswith("rules.toml")


def test_unreadable_files(tmp_path: Path):
    with pytest.raises(ScenarioError, match="no such file"):
        load_file(tmp_path / "missing.toml")
    with pytest.raises(ScenarioError, match="is a directory"):
        load_file(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text("[[rule]\n", "utf-8")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_file(bad)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00[[rule]]")
    with pytest.raises(ScenarioError, match=r"not (UTF-8 text|valid TOML)"):
        load_file(binary)
