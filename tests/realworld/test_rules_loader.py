"""The rule tables as data: validation with path-precise errors, the bundle, the prefilter."""

from __future__ import annotations

import marshal
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtpcodes._errors import CatalogueError
from smtpcodes.explain import explain, load_rules
from smtpcodes.explain._rules import (
    RULES_DIR,
    TextFeatures,
    TextIndex,
    _from_bundle,
    _load,
    _to_bundle,
    regex_conditions,
)

TAXONOMY = [
    "userunknown",
    "mailboxfull",
    "mesgtoobig",
    "exceedlimit",
    "authfailure",
    "securityerror",
    "blocked",
    "badreputation",
    "requireptr",
    "spamdetected",
    "virusdetected",
    "contenterror",
    "policyviolation",
    "ratelimited",
    "toomanyconn",
    "norelaying",
    "hostunknown",
    "notaccept",
    "networkerror",
    "expired",
    "systemerror",
    "systemfull",
    "mailererror",
    "suspend",
    "hasmoved",
    "rejected",
    "filtered",
    "syntaxerror",
    "notcompliantrfc",
    "failedstarttls",
    "undefined",
]


def _provider(tmp_path: Path, text: str, name: str = "examplemail") -> str:
    directory = tmp_path / "providers"
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.toml").write_text(text, encoding="utf-8")
    return str(directory)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("match = ['no mailbox here']", "match = ['no (mailbox here']"),
         r"not a valid regex \(missing \).*at `\$\.rule\[0\]\.match\[0\]`"),
        (("reason = \"userunknown\"", "reason = \"nosuchreason\""),
         r"unknown reason 'nosuchreason'.*\$\.rule\[0\]\.reason"),
        (("codes = [\"550\"]", "codes = [\"55O\"]"),
         r"'55O' is not a basic code.*\$\.rule\[0\]\.codes\[0\]"),
        (("enhanced = [\"5.1.1\"]", "enhanced = [\"5.01.1\"]"), r"\$\.rule\[0\]\.enhanced\[0\]"),
        (("codes = [\"550\"]", "codez = [\"550\"]"), r"unknown field `codez`"),
        (("id = \"examplemail\"", "id = \"other\""), r"the id must be the file name 'examplemail'"),
        (("text.th.meaning = \"Example Mail ไม่มีกล่องจดหมายนี้\"\n"
          "text.th.fix = [\"ตรวจที่อยู่อีเมล\"]\n", ""),
         r"text is missing for th - at `\$\.rule\[0\]\.text`"),
        (("match = ['\\bslow down\\b']", "match = ['x*']"), r"matches the empty text"),
        (("id = \"examplemail-421-slow-down\"", "id = \"examplemail-550-nouser\""),
         r"duplicate rule id"),
        (("docs = \"https://postmaster.example.net/errors\"", "docs = \"see the web\""),
         r"expected a URL"),
        (("hard = false", "hard = \"no\""),
         r"Expected `bool \| null`, got `str` - at `\$\.rule\[1\]\.hard`"),
    ],
)  # fmt: skip
def test_a_malformed_provider_file_names_the_file_and_the_field(
    tmp_path: Path, change: tuple[str, str], message: str, example_provider: str
) -> None:
    old, new = change
    assert old in example_provider, old
    directory = _provider(tmp_path, example_provider.replace(old, new, 1))
    with pytest.raises(CatalogueError, match=message) as caught:
        load_rules(providers_dir=directory)
    assert "examplemail.toml" in str(caught.value)


def test_a_rule_id_used_by_two_providers_is_refused(tmp_path: Path, example_provider: str) -> None:
    directory = _provider(tmp_path, example_provider)
    other = example_provider.replace('id = "examplemail"', 'id = "second"', 1)
    _provider(tmp_path, other, "second")
    with pytest.raises(CatalogueError, match=r"is also used in .*examplemail\.toml"):
        load_rules(providers_dir=directory)


def test_a_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    directory = _provider(tmp_path, "id = \n")
    with pytest.raises(CatalogueError, match=r"examplemail\.toml: not valid TOML"):
        load_rules(providers_dir=directory)


def test_the_cli_reports_a_broken_rule_file_without_a_traceback(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example_provider: str
) -> None:
    from smtpcodes.explain import _rules

    directory = _provider(tmp_path, example_provider.replace("['no mailbox here']", "['(']"))
    monkeypatch.setattr(_rules, "_shipped", lambda: load_rules(providers_dir=directory))
    result = run_cli("explain", "550 5.1.1 User unknown")
    assert result.code == 1
    assert result.err.startswith("smtpcodes: catalogue error: ")
    assert "examplemail.toml" in result.err
    assert "Traceback" not in result.err


# -- the shipped tables -------------------------------------------------------------------------


def test_the_taxonomy_is_exactly_the_shared_names() -> None:
    rules = load_rules()
    assert sorted(rules.reasons) == sorted(TAXONOMY)
    for reason in rules.reasons.values():
        assert set(reason.text) == {"en", "th"}
        for lang, text in reason.text.items():
            assert text.title, (reason.id, lang)
            assert text.summary, (reason.id, lang)
            assert text.steps, (reason.id, lang)
            assert text.retry, (reason.id, lang)
        assert any("\u0e00" <= c <= "\u0e7f" for c in reason.text["th"].summary), reason.id
        assert reason.sources, reason.id
        assert set(reason.who) <= {"sender", "sender-admin", "recipient", "recipient-admin"}


def test_every_generic_rule_has_provenance() -> None:
    rules = load_rules()
    assert all(p.source.strip() for p in rules.patterns)
    assert all(m.source.strip() for m in rules.enhanced.values())
    assert all(m.source.strip() for ms in rules.basic.values() for m in ms)
    assert "X.1.1" in rules.enhanced
    assert rules.enhanced["X.1.1"].reason == "userunknown"
    assert rules.enhanced["X.2.2"].reason == "mailboxfull"
    assert rules.enhanced["X.3.4"].reason == "mesgtoobig"


def test_every_catalogue_example_is_explained_without_error() -> None:
    from smtpcodes.catalogue import load_catalogue

    catalogue = load_catalogue()
    seen = 0
    for code in catalogue.codes():
        for example in catalogue.get(code).examples:
            expl = explain(example)
            failed = expl.reply is not None and expl.reply.code[0] in "45"
            assert (expl.reason is not None) is failed, example
            seen += 1
    assert seen > 50


def test_the_bundle_gives_the_same_tables(tmp_path: Path) -> None:
    parts = _load(str(Path(RULES_DIR) / "providers"), RULES_DIR)
    from smtpcodes.explain._rules import Rules

    fresh = Rules(*parts)
    again = _from_bundle(marshal.loads(marshal.dumps(_to_bundle(parts, fresh))))  # noqa: S302
    assert again.reasons == fresh.reasons
    assert again.patterns == fresh.patterns
    assert again.enhanced == fresh.enhanced
    assert again.basic == fresh.basic
    assert again.standalone == fresh.standalone
    assert again.detect_owners == fresh.detect_owners
    assert (again.first_split, again.first_where) == (fresh.first_split, fresh.first_where)
    assert tuple(again.providers) == tuple(fresh.providers)
    assert again.tables() == fresh.tables()
    for mine, theirs in zip(again.compiled, fresh.compiled, strict=True):
        assert mine.rules.tables() == theirs.rules.tables()
        assert (mine.owners, mine.textless) == (theirs.owners, theirs.textless)
    for text in (
        "550 5.1.1 The email account that you tried to reach does not exist. - gsmtp",
        "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
        "452 4.5.3 Too many recipients",
    ):
        assert explain(text, rules=again) == explain(text, rules=fresh)


def test_the_first_look_index_proposes_what_detection_and_the_standalone_indices_do() -> None:
    """rules.first_index (detection and the DNSBL rules in one pass) splits into exactly the
    candidates of the indices it stands for."""
    from smtpcodes.explain._rules import TextFeatures

    rules = load_rules()
    assert rules.standalone, "the shipped rules have standalone providers (DNSBLs)"
    lines = (Path(__file__).parents[2] / "bench" / "explain" / "lines.txt").read_text("utf-8")
    proposed = 0
    for line in lines.splitlines():
        features = TextFeatures(line)
        detect: list[int] = []
        alone: dict[int, list[int]] = {}
        for index in rules.first_index.candidates(features):
            if index < rules.first_split:
                detect.append(index)
            else:
                owner, local = rules.first_where[index - rules.first_split]
                alone.setdefault(owner, []).append(local)
        assert detect == rules.detect_index.candidates(features), line
        for owner in rules.standalone:
            expected = rules.compiled[owner].rules.candidates(features)
            assert alone.get(owner, []) == expected, line
            proposed += len(expected)
    assert proposed > 50  # the lines do name DNSBLs


# -- the prefilter never hides a regex that matches ----------------------------------------------


def _all_shipped_patterns() -> list[str]:
    rules = load_rules()
    return sorted(rules.conditions())


SHIPPED = _all_shipped_patterns()


def test_the_prefilter_finds_every_regex_on_text_it_matches() -> None:
    """Build, for every shipped regex, texts it matches; the index must propose it."""
    index = TextIndex(SHIPPED)
    samples = 0
    for number, pattern in enumerate(SHIPPED):
        for text in _witnesses(pattern):
            if index.regex(number).search(text) is None:
                continue
            samples += 1
            assert number in index.candidates(TextFeatures(text)), (pattern, text)
    assert samples > len(SHIPPED) / 2


def _witnesses(pattern: str) -> list[str]:
    """A few texts a regex matches, made by filling its simplest alternatives."""
    simple = re.sub(r"\\b|\(\?:|\)\??|\?", "", pattern)
    simple = re.sub(r"\[([^\]])[^\]]*\]", r"\1", simple).replace("\\", "")
    first_branch = simple.split("|")[0]
    return [
        first_branch,
        f"550 5.7.1 {first_branch.upper()} - see",
        f"x:{first_branch}!",
        f"Text before {first_branch} and after.",
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(alphabet=st.characters(codec="ascii", exclude_categories=("Cc",)), max_size=60),
    st.integers(0, len(SHIPPED) - 1),
)
def test_the_prefilter_is_a_necessary_condition(noise: str, number: int) -> None:
    """Whatever surrounds a match, a regex that matches is among the candidates."""
    index = TextIndex([SHIPPED[number]])
    for witness in _witnesses(SHIPPED[number]):
        for text in (noise + witness, witness + noise, noise[: len(noise) // 2] + witness + noise):
            if index.regex(0).search(text):
                assert index.candidates(TextFeatures(text)) == [0], (SHIPPED[number], text)


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"\buser unknown\b", "USER UNKNOWN"),
        (r"user unknown", "superuser unknownish"),
        (r"\b(?:spf|dkim)\b", "x-dkim y"),
        (r"sender is unauthenticated", "the SENDER IS UNAUTHENTICATED."),
        (r"\bme\.com\b", "<a@me.com>"),
        (r"mail ?box (?:is )?full", "mailbox full"),
        (r"\bpolic(?:y|ies)\b", "POLICIES"),
        (r"[0-9]{3} fail", "550 failure"),
        (r"(?i)caf\u00e9 closed", "CAFÉ CLOSED"),  # not ASCII: every regex runs
    ],
)
def test_prefilter_cases(pattern: str, text: str) -> None:
    index = TextIndex([pattern])
    assert index.regex(0).search(text)
    assert index.candidates(TextFeatures(text)) == [0]


def test_almost_every_shipped_regex_has_a_prefilter_condition() -> None:
    """If the parse-tree walk broke, every regex would silently run on every line."""
    with_conditions = sum(1 for pattern in SHIPPED if regex_conditions(pattern))
    assert with_conditions >= 0.95 * len(SHIPPED)


def test_the_docstring_examples_hold() -> None:
    import doctest

    from smtpcodes.explain import _classify, _explain, _extract, _redact, _rules

    for module in (_classify, _explain, _extract, _redact, _rules):
        failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert failures == 0, module.__name__
        assert tried, module.__name__


def test_conditions_are_selective() -> None:
    assert regex_conditions(r"\buser unknown\b")
    index = TextIndex([r"\buser unknown\b", r"\bover quota\b", r"\bspamhaus\b"])
    assert index.candidates(TextFeatures("550 5.1.1 <bob@example.org>: User unknown")) == [0]
    assert index.candidates(TextFeatures("nothing to see")) == []
