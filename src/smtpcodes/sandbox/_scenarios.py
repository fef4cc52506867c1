"""Scenario files and the built-in scenarios generated from the catalogue.

Every basic code a server can send gets a scenario named ``<stage>-<code>`` (``rcpt-550``,
``connect-421``), built from the catalogue entry: its stage, its typical enhanced code and
its title.  The files in ``scenarios/`` add hand-written scenarios and replace generated
ones of the same name (``rcpt-452`` fires only after the first recipient, for instance).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from smtpcodes._record import record
from smtpcodes.catalogue import Closes, Kind, load_catalogue
from smtpcodes.protocol import SESSION_FLOW, Stage
from smtpcodes.sandbox._model import RULE_STAGES, Engine, Rule, Scenario, ScenarioError
from smtpcodes.sandbox._replies import read_data, reply_line

SCENARIO_DIR = Path(__file__).with_name("scenarios")

_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_CODE = re.compile(r"[2-5]\d\d")
_ENHANCED = re.compile(r"[245]\.\d{1,3}\.\d{1,3}")
#: Commands a rule may single out; the probe sends none of the "other" ones.
COMMANDS = ("EHLO", "HELO", "HELP", "VRFY", "EXPN", "ETRN", "ATRN", "NOOP", "RSET")
_OTHER_COMMANDS = ("HELP", "VRFY", "EXPN", "ETRN", "ATRN", "NOOP", "RSET")
#: The code a stage answers with on the normal path (data/replies.toml [normal]).
_NORMAL_CODE = {
    Stage.CONNECT: "220",
    Stage.EHLO: "250",
    Stage.STARTTLS: "220",
    Stage.AUTH: "235",
    Stage.MAIL: "250",
    Stage.RCPT: "250",
    Stage.DATA: "354",
    Stage.END_OF_DATA: "250",
    Stage.QUIT: "221",
}
#: The largest reply a rule may hold (a hostile 1 MB line is a legitimate test).
MAX_REPLY_CHARS = 2_000_000
MAX_DELAY_MS = 600_000

_SCENARIO_KEYS = (
    "name",
    "code",
    "stage",
    "about",
    "size",
    "check_declared_size",
    "engine",
    "probe",
    "decisive",
    "rule",
)
_RULE_KEYS = (
    "stage",
    "reply",
    "code",
    "enhanced",
    "command",
    "probability",
    "after_messages",
    "after_recipients",
    "close",
    "drop",
    "delay_ms",
    "bare_lf",
    "after_sasl",
)


@record
class Skipped:
    """A catalogue code with no scenario, and why (shown by ``--list-scenarios``)."""

    code: str
    reason: str  #: a key of the sandbox phrases' [skipped] table


# -- building blocks ---------------------------------------------------------------------


class _Where:
    """Names the place of a value in a file, for error messages."""

    def __init__(self, origin: str, scenario: str, rule: int | None = None) -> None:
        self.origin = origin
        self.scenario = scenario
        self.rule = rule

    def error(self, message: str) -> ScenarioError:
        where = f"{self.origin}: scenario {self.scenario!r}"
        if self.rule is not None:
            where += f", rule {self.rule}"
        return ScenarioError(f"{where}: {message}")


def _check_keys(raw: Mapping[str, Any], allowed: tuple[str, ...], where: _Where) -> None:
    for key in raw:
        if key not in allowed:
            near = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            raise where.error(f"unknown field {key!r}{hint}; expected one of {', '.join(allowed)}")


def _typed(raw: Mapping[str, Any], key: str, kind: type, default: Any, where: _Where) -> Any:
    value = raw.get(key, default)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise where.error(f"{key} must be {kind.__name__}, got {value!r}")
    return value


def _stage(text: Any, where: _Where, field_name: str = "stage") -> Stage:
    names = [s.value for s in RULE_STAGES]
    if not isinstance(text, str) or text not in names:
        raise where.error(f"{field_name} must be one of {', '.join(names)}, got {text!r}")
    return Stage(text)


def _code(text: Any, where: _Where, field_name: str = "code") -> str:
    if not isinstance(text, str) or not _CODE.fullmatch(text):
        raise where.error(
            f"{field_name} must be a quoted 3-digit reply code from 200 to 599, got {text!r}"
        )
    return text


def _lines(raw: Mapping[str, Any], where: _Where) -> tuple[str, ...]:
    reply = raw["reply"]
    lines = (reply,) if isinstance(reply, str) else reply
    if not isinstance(lines, list | tuple) or not lines:
        raise where.error("reply must be a string or a non-empty list of strings (one per line)")
    total = 0
    for number, line in enumerate(lines, start=1):
        if not isinstance(line, str):
            raise where.error(f"reply line {number} must be a string, got {line!r}")
        if "\r" in line or "\n" in line:
            raise where.error(
                f"reply line {number} holds a line break; give one list item per line "
                "(and bare_lf = true to end lines with LF alone)"
            )
        total += len(line)
    if total > MAX_REPLY_CHARS:
        raise where.error(f"reply is {total} characters; the limit is {MAX_REPLY_CHARS}")
    return tuple(lines)


def _rule(raw: Any, default_code: str, immediate: frozenset[str], where: _Where) -> Rule:
    if not isinstance(raw, dict):
        raise where.error("a rule must be a table ([[scenario.rule]] or [[rule]])")
    _check_keys(raw, _RULE_KEYS, where)
    if "stage" not in raw:
        raise where.error("the rule needs a stage")
    stage = _stage(raw["stage"], where)
    if "reply" in raw:
        if "code" in raw or "enhanced" in raw:
            raise where.error("give either reply (the exact lines) or code and enhanced, not both")
        lines = _lines(raw, where)
    else:
        code = _code(raw.get("code", default_code), where)
        enhanced = raw.get("enhanced")
        if enhanced is not None and (
            not isinstance(enhanced, str) or not _ENHANCED.fullmatch(enhanced)
        ):
            raise where.error(f"enhanced must look like 5.1.1, got {enhanced!r}")
        if enhanced is not None and enhanced[0] != code[0]:
            # RFC 2034 section 4: the enhanced class must agree with the reply's class
            raise where.error(f"enhanced {enhanced} does not agree with the class of {code}")
        lines = (reply_line(code, enhanced),)
    code = lines[0][:3]
    command = _typed(raw, "command", str, "", where).upper()
    if command and command not in COMMANDS:
        raise where.error(f"command must be one of {', '.join(COMMANDS)}, got {command!r}")
    if stage is Stage.OTHER and command not in _OTHER_COMMANDS:
        raise where.error(
            f"a rule at stage other needs command = one of {', '.join(_OTHER_COMMANDS)}"
        )
    probability = _typed(raw, "probability", float, 1.0, where)
    if not 0.0 < probability <= 1.0:
        raise where.error(f"probability must be above 0 and at most 1, got {probability}")
    counts = {}
    for key in ("after_messages", "after_recipients"):
        counts[key] = _typed(raw, key, int, 0, where)
        if counts[key] < 0:
            raise where.error(f"{key} must be 0 or more, got {counts[key]}")
    if counts["after_recipients"] and stage is not Stage.RCPT:
        raise where.error("after_recipients only applies at stage rcpt")
    delay_ms = _typed(raw, "delay_ms", int, 0, where)
    if not 0 <= delay_ms <= MAX_DELAY_MS:
        raise where.error(f"delay_ms must be 0 to {MAX_DELAY_MS}, got {delay_ms}")
    entry = load_catalogue().find(code) if _CODE.fullmatch(code) else None
    closes = entry is not None and entry.closes is Closes.YES and stage is not Stage.QUIT
    rule = Rule(
        stage=stage,
        lines=lines,
        command=command,
        probability=probability,
        after_messages=counts["after_messages"],
        after_recipients=counts["after_recipients"],
        close=_typed(raw, "close", bool, closes, where),
        drop=_typed(raw, "drop", bool, False, where),
        delay=delay_ms / 1000,
        bare_lf=_typed(raw, "bare_lf", bool, False, where),
        after_sasl=_typed(raw, "after_sasl", bool, code not in immediate, where),
    )
    if rule.stage is Stage.AUTH and rule.code[:1] == "3":
        raise where.error(
            "a rule at stage auth cannot send 3xx: the sandbox's SASL exchange sends the 334 "
            "challenges itself (use --auth LOGIN in the probe to see them)"
        )
    return rule


def _scenario(raw: Any, origin: str, index: int, settings: _Builtin) -> Scenario:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{origin}: scenario {index} must be a table")
    name = raw.get("name")
    where = _Where(origin, str(name) if name is not None else f"#{index}")
    _check_keys(raw, _SCENARIO_KEYS, where)
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise where.error("name must be lower-case letters, digits and hyphens, such as 'rcpt-550'")
    raw_rules = raw.get("rule", [])
    if not isinstance(raw_rules, list):
        raise where.error("rule must be an array of tables ([[scenario.rule]])")
    code = _code(raw["code"], where) if "code" in raw else ""
    rules = []
    for number, raw_rule in enumerate(raw_rules, start=1):
        rule_where = _Where(origin, name, number)
        rules.append(_rule(raw_rule, code, settings.auth_immediate, rule_where))
    if not code:
        if not rules:
            raise where.error("a scenario needs a code or at least one rule")
        code = rules[0].code if _CODE.fullmatch(rules[0].code) else ""
    if "stage" in raw:
        stage = _stage(raw["stage"], where)
    elif rules:
        stage = rules[0].stage
    else:
        raise where.error("a scenario without rules needs a stage")
    about = raw.get("about", {})
    if not isinstance(about, dict) or not all(isinstance(v, str) for v in about.values()):
        raise where.error("about must be a table of one line per language (about.en, about.th)")
    size = _typed(raw, "size", int, 0, where)
    if size < 0:
        raise where.error(f"size must be 0 (the default limit) or more, got {size}")
    engine_name = raw.get("engine", "auto")
    engines = [e.value for e in Engine]
    if engine_name not in engines:
        raise where.error(f"engine must be one of {', '.join(engines)}, got {engine_name!r}")
    probe = raw.get("probe")
    if probe is None:
        probe = probe_arguments(stage, code)
    elif not isinstance(probe, list) or not all(isinstance(a, str) for a in probe):
        raise where.error("probe must be a list of strings (probe arguments)")
    decisive = _code(raw["decisive"], where, "decisive") if "decisive" in raw else ""
    scenario = Scenario(
        name=name,
        code=code,
        stage=stage,
        rules=tuple(rules),
        about=dict(about),
        size=size,
        check_declared_size=_typed(raw, "check_declared_size", bool, True, where),
        engine=Engine(engine_name),
        probe=tuple(probe),
        decisive=decisive,
        probe_reachable=stage is not Stage.OTHER,
        origin=origin,
    )
    if scenario.engine is Engine.AIOSMTPD:
        for number, rule in enumerate(scenario.rules, start=1):
            reason = rule.needs_raw()
            if reason:
                raise _Where(origin, name, number).error(
                    f"engine aiosmtpd cannot send this rule ({reason}); use engine = 'raw'"
                )
    return scenario


def parse_scenarios(data: Mapping[str, Any], origin: str) -> list[Scenario]:
    """Scenarios from one parsed file: ``[[scenario]]`` tables, or top-level ``[[rule]]``
    tables (one scenario named after the file)."""
    settings = _builtin()
    if "scenario" in data:
        extra = [k for k in data if k != "scenario"]
        if extra:
            raise ScenarioError(
                f"{origin}: unexpected top-level {', '.join(map(repr, extra))}; "
                "put everything inside [[scenario]] tables"
            )
        tables = data["scenario"]
        if not isinstance(tables, list):
            raise ScenarioError(f"{origin}: scenario must be an array of tables ([[scenario]])")
        return [_scenario(t, origin, i, settings) for i, t in enumerate(tables, start=1)]
    if "rule" in data:
        stem = Path(origin).stem.lower()
        name = re.sub(r"[^a-z0-9-]+", "-", stem).strip("-") or "rules"
        return [_scenario({"name": name, **data}, origin, 1, settings)]
    raise ScenarioError(
        f"{origin}: no [[scenario]] or [[rule]] tables; expected for example\n"
        '  [[rule]]\n  stage = "rcpt"\n  reply = "550 5.1.1 No such user"'
    )


def load_file(path: Path) -> list[Scenario]:
    """Read a scenario file; raise :class:`ScenarioError` naming the file and what is wrong."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ScenarioError(f"{path}: is a directory; expected a TOML file") from None
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read it: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ScenarioError(f"{path}: not UTF-8 text") from None
    return parse_scenarios(data, str(path))


# -- generated scenarios -----------------------------------------------------------------


@record
class _Builtin:
    skip_classes: tuple[str, ...]
    prefer: dict[str, Stage]
    any_stage: Stage
    auth_immediate: frozenset[str]
    reach: dict[str, tuple[str, ...]]
    stop: dict[str, tuple[str, ...]]


@cache
def _builtin() -> _Builtin:
    data = read_data("builtin.toml")
    return _Builtin(
        skip_classes=tuple(data["skip_classes"]),
        prefer={code: Stage(stage) for code, stage in data["prefer"].items()},
        any_stage=Stage(data["any"]),
        auth_immediate=frozenset(data["auth_immediate"]),
        reach={stage: tuple(args) for stage, args in data["probe"]["reach"].items()},
        stop={stage: tuple(args) for stage, args in data["probe"]["stop"].items()},
    )


def _stage_for(code: str, stages: Iterable[Stage], settings: _Builtin) -> Stage:
    if code in settings.prefer:
        return settings.prefer[code]
    listed = set(stages)
    for stage in SESSION_FLOW:
        if stage in listed:
            return stage
    return settings.any_stage if Stage.ANY in listed else Stage.OTHER


def probe_arguments(stage: Stage, code: str = "") -> tuple[str, ...]:
    """The probe arguments that take a session as far as ``stage`` (and, for a 2xx or 3xx
    ``code``, stop right after it): data/builtin.toml [probe]."""
    settings = _builtin()
    args = settings.reach.get(stage.value, ())
    if code[:1] in ("2", "3"):
        args += settings.stop.get(stage.value, ())
    if stage is Stage.AUTH and code[:1] == "3":
        # 334 is the SASL challenge: LOGIN shows two of them
        args = tuple("LOGIN" if arg == "PLAIN" else arg for arg in args)
    return args


def generated_scenarios() -> tuple[list[Scenario], list[Skipped]]:
    """One scenario per basic code in the catalogue that a server can send."""
    settings = _builtin()
    scenarios: list[Scenario] = []
    skipped: list[Skipped] = []
    for entry in load_catalogue().entries(Kind.BASIC):
        code = entry.code
        if not code.isdigit():
            continue  # class entries such as 5xx
        if code[0] in settings.skip_classes:
            skipped.append(Skipped(code, "not-a-reply"))
            continue
        stage = _stage_for(code, entry.stages, settings)
        rules: tuple[Rule, ...] = ()
        probe = probe_arguments(stage, code)
        # a 2xx or 3xx code on the normal path needs no rule (334: the SASL exchange)
        if _NORMAL_CODE.get(stage) != code and not (stage is Stage.AUTH and code[0] == "3"):
            command = ""
            if stage is Stage.OTHER:
                command = next((c for c in entry.commands if c in _OTHER_COMMANDS), "HELP")
            where = _Where("catalogue", f"{stage.value}-{code}", 1)
            raw_rule: dict[str, Any] = {"stage": stage.value, "code": code}
            if command:
                raw_rule["command"] = command
            rules = (_rule(raw_rule, code, settings.auth_immediate, where),)
        scenarios.append(
            Scenario(
                name=f"{stage.value}-{code}",
                code=code,
                stage=stage,
                rules=rules,
                probe=probe,
                generated=True,
                probe_reachable=stage is not Stage.OTHER,
                origin="catalogue",
            )
        )
    return scenarios, skipped


# -- the registry ------------------------------------------------------------------------


@record
class ScenarioSet:
    """Every scenario by name, in listing order, plus the codes left out and why."""

    scenarios: dict[str, Scenario]
    skipped: tuple[Skipped, ...]
    #: code -> name of the scenario that shows it ("<stage>-<code>", the catalogue's stage)
    primary_names: dict[str, str]

    def get(self, name: str) -> Scenario:
        scenario = self.scenarios.get(name)
        if scenario is None:
            near = difflib.get_close_matches(name, list(self.scenarios), n=3)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise ScenarioError(
                f"no scenario named {name!r}{hint} (smtpcodes sandbox --list-scenarios lists them)"
            )
        return scenario

    def primary(self) -> dict[str, Scenario]:
        """For each code, the scenario that shows it (the one recorded as its transcript)."""
        return {code: self.scenarios[name] for code, name in self.primary_names.items()}


def load_scenarios(extra: Iterable[Path] = ()) -> ScenarioSet:
    """Generated scenarios, then ``scenarios/*.toml``, then ``extra`` files (later wins)."""
    generated, skipped = generated_scenarios()
    by_name = {s.name: s for s in generated}
    files = sorted(SCENARIO_DIR.glob("*.toml"))
    for path in [*files, *extra]:
        for scenario in load_file(path):
            earlier = by_name.get(scenario.name)
            if earlier is not None and not earlier.generated and path in files:
                raise ScenarioError(
                    f"{path}: scenario {scenario.name!r} is already defined in "
                    f"{by_name[scenario.name].origin}"
                )
            by_name[scenario.name] = scenario
    ordered = sorted(by_name.values(), key=_listing_key)
    primary = {s.code: s.name for s in generated}
    return ScenarioSet({s.name: s for s in ordered}, tuple(skipped), primary)


def _listing_key(scenario: Scenario) -> tuple[int, str, str]:
    return (int(scenario.code) if scenario.code else 1000, scenario.stage.value, scenario.name)
