"""Tests of the knowledge base itself (DESIGN.md section 3): coverage, completeness, integrity."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from smtpcodes.catalogue import Kind, Retry, Tier, load_catalogue
from smtpcodes.catalogue._compile import compile_sources
from smtpcodes.codes import EnhancedCode
from smtpcodes.protocol import Severity, parse_reply

CAT = load_catalogue()
LANGS = CAT.languages
SHARED = Path(__file__).resolve().parents[3] / "shared" / "reference"

# shared/reference/README.md section 3 (RFC-defined), 3.1 (registry-only), folklore (issue 2)
STANDARD = [
    "211",
    "214",
    "220",
    "221",
    "235",
    "250",
    "251",
    "252",
    "334",
    "354",
    "421",
    "432",
    "450",
    "451",
    "452",
    "454",
    "455",
    "500",
    "501",
    "502",
    "503",
    "504",
    "521",
    "530",
    "534",
    "535",
    "538",
    "550",
    "551",
    "552",
    "553",
    "554",
    "555",
    "556",
]
REGISTRY_ONLY = ["253", "458", "459", "453", "422", "430", "523", "524", "525", "533"]
FOLKLORE = [
    "101",
    "111",
    "420",
    "431",
    "441",
    "442",
    "446",
    "447",
    "449",
    "471",
    "510",
    "511",
    "512",
    "513",
    "541",
]

BASIC = [e for e in CAT.entries(Kind.BASIC) if not e.code.endswith("xx")]
ALL = CAT.entries()
VENDOR = [v for code in CAT.vendor_codes() for v in CAT.vendor_uses(code)]


def test_sources_compile_with_msgspec_validation():
    bundle = compile_sources()
    assert len(bundle["entries"]) == len(CAT)


def test_section_3_reference_table_matches_our_standard_codes():
    text = (SHARED / "README.md").read_text("utf-8")
    section = text.split("## 3. Basic (3-digit) reply codes")[1].split("### 3.1")[0]
    listed = re.findall(r"^\| (\d{3}) \|", section, re.M)
    assert sorted(listed) == sorted(STANDARD)


@pytest.mark.parametrize(
    ("codes", "tier"),
    [(STANDARD, Tier.STANDARD), (REGISTRY_ONLY, Tier.REGISTRY_ONLY), (FOLKLORE, Tier.FOLKLORE)],
)
def test_every_required_basic_code_is_present_with_its_tier(codes, tier):
    missing = [c for c in codes if c not in CAT]
    assert missing == []
    wrong = [c for c in codes if CAT.get(c).tier is not tier]
    assert wrong == []


@pytest.mark.parametrize("entry", ALL + VENDOR, ids=lambda e: f"{e.provider}/{e.code}".lstrip("/"))
def test_every_text_field_in_every_language(entry):
    for lang in LANGS:
        assert lang in entry.text, f"{entry.code}: no {lang} text"
        text = entry.text[lang]
        for name in ("title", "summary", "description", "when"):
            assert getattr(text, name).strip(), f"{entry.code} {lang}.{name} is empty"
        for steps in (text.fix_client, text.fix_server):
            assert steps, f"{entry.code} {lang}: no fix steps"
            assert all(s.strip() for s in steps), f"{entry.code} {lang}: empty step"
    assert set(entry.text) <= set(LANGS)
    for conf in entry.confused_with:
        assert set(conf.note) >= set(LANGS), f"{entry.code}: note for {conf.code} lacks a language"
    langs_with_retry_note = {lang for lang in LANGS if entry.text[lang].retry_note}
    assert langs_with_retry_note in (set(), set(LANGS))


THAI = re.compile(r"[\u0E00-\u0E7F]")
ENGLISH_RUN = re.compile(r"(?:\b[A-Za-z]{2,}\b[ ,;:]+){6,}[A-Za-z]{2,}")


def _thai_body(entry):
    text = entry.text["th"]
    return [text.summary, text.description, text.when, *text.fix_client, *text.fix_server]


@pytest.mark.parametrize("entry", ALL + VENDOR, ids=lambda e: f"{e.provider}/{e.code}".lstrip("/"))
def test_thai_body_text_is_thai(entry):
    if "th" not in LANGS:
        pytest.fail("Thai is a shipped language")
    for part in _thai_body(entry):
        assert THAI.search(part), f"{entry.code}: Thai text without Thai script: {part[:60]!r}"
        # quoted reply text, commands and parenthesised terms may stay in English
        unquoted = re.sub(r'"[^"]*"|“[^”]*”|\'[^\']*\'|`[^`]*`|<[^>]*>', "", part)
        unquoted = re.sub(r"\([^)]*\)", "", unquoted)
        run = ENGLISH_RUN.search(unquoted)
        assert run is None, f"{entry.code}: English sentence in Thai text: {run.group(0)!r}"


def _exists(code: str) -> bool:
    if code in CAT:
        return True
    if "." in code and code[0] in "245":
        return str(EnhancedCode.parse(code).generic) in CAT or bool(CAT.vendor_uses(code))
    return False


@pytest.mark.parametrize("entry", ALL + VENDOR, ids=lambda e: f"{e.provider}/{e.code}".lstrip("/"))
def test_no_dangling_references(entry):
    refs = [*entry.related, *(c.code for c in entry.confused_with), *entry.enhanced, *entry.basic]
    dangling = [code for code in refs if not _exists(code)]
    assert dangling == []


@pytest.mark.parametrize("entry", ALL + VENDOR, ids=lambda e: f"{e.provider}/{e.code}".lstrip("/"))
def test_every_example_parses_as_a_reply_of_this_code(entry):
    for example in entry.examples:
        reply = parse_reply(example)
        errors = [f.kind for f in reply.findings if f.severity is Severity.ERROR]
        assert errors == [], f"{entry.code}: {example!r}"
        if entry.kind is Kind.BASIC and entry.code.isdigit():
            assert reply.code_text == entry.code
        elif (
            entry.kind is Kind.ENHANCED and entry.code.count(".") == 2 and "X" not in entry.code[2:]
        ):
            assert reply.enhanced is not None
            assert str(reply.enhanced.generic) == str(EnhancedCode.parse(entry.code).generic)


EXPECTED_RETRY = {
    "2": Retry.CONTINUE,
    "3": Retry.CONTINUE,
    "4": Retry.LATER,
    "5": Retry.NEVER_UNCHANGED,
}


@pytest.mark.parametrize("entry", BASIC, ids=lambda e: e.code)
def test_basic_entries_retry_follows_the_first_digit(entry):
    assert entry.retry is not None
    if entry.code[0] in EXPECTED_RETRY:
        assert entry.retry is EXPECTED_RETRY[entry.code[0]]


@pytest.mark.parametrize("entry", BASIC, ids=lambda e: e.code)
def test_typical_enhanced_codes_agree_with_the_class(entry):
    for code in entry.enhanced:
        assert code[0] == entry.code[0], f"{entry.code} lists {code}: RFC 2034 section 4"


@pytest.mark.parametrize("entry", [e for e in ALL if e.tier is Tier.STANDARD], ids=lambda e: e.code)
def test_standard_entries_cite_an_rfc_or_the_registry(entry):
    assert any(s.ref.startswith(("RFC", "IANA")) for s in entry.sources)


def test_accuracy_points_from_the_issue():
    assert CAT.get("354").enhanced == ()
    assert CAT.get("334").enhanced == ()
    assert "5.7.8" in CAT.get("535").enhanced
    assert any(s.ref == "RFC 4954" and s.section.startswith("6") for s in CAT.get("535").sources)
    for code in ("521", "556"):
        assert any(s.ref == "RFC 7504" for s in CAT.get(code).sources), code
    for lang in LANGS:
        assert CAT.get("552").text[lang].retry_note, "552 to RCPT: treat as transient"
    assert "4.5.3.1.10" in CAT.get("552").text["en"].retry_note


def test_folklore_entries_say_no_rfc_defines_them():
    for code in FOLKLORE:
        assert "RFC" in CAT.get(code).text["en"].description, code


def _placeholders(value: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(value) if name}


def _flatten(tree, prefix=""):
    for key, value in tree.items():
        if isinstance(value, dict):
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def test_phrases_have_the_same_keys_and_placeholders_in_every_language():
    reference = dict(_flatten(CAT.phrases("en")))
    for lang in LANGS:
        other = dict(_flatten(CAT.phrases(lang)))
        assert set(other) == set(reference), lang
        for key, value in reference.items():
            if isinstance(value, str):
                assert _placeholders(other[key]) == _placeholders(value), f"{lang}: {key}"
