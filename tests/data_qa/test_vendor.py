"""Vendor-extended enhanced codes (issue 3, item 2): provider uses shown next to the registry.

Sources of truth: the Microsoft table in shared/reference/providers/README.md (every row must
have an entry) and the IANA registry XML (a vendor code whose X.s.d is registered must show
both meanings; an unregistered one is explained by its vendor entry alone).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from smtpcodes.catalogue import Kind, Tier, load_catalogue
from smtpcodes.codes import EnhancedCode
from smtpcodes.explain import code_info
from smtpcodes.protocol import Severity, parse_reply

CAT = load_catalogue()
SHARED = Path(__file__).resolve().parents[3] / "shared" / "reference"
PROVIDERS_README = SHARED / "providers" / "README.md"
REGISTRY_XML = SHARED / "iana" / "smtp-enhanced-status-codes.xml"

VENDOR = [v for code in CAT.vendor_codes() for v in CAT.vendor_uses(code)]
IDS = [f"{v.provider}/{v.code}" for v in VENDOR]

#: how each provider is named in the text a reader sees
PROVIDER_NAMES = {
    "microsoft": ("Microsoft", "Exchange", "Outlook.com"),
    "gmail": ("Gmail", "Google"),
    "yahoo": ("Yahoo",),
}

#: documented replies whose basic and enhanced classes disagree (RFC 2034 section 4); they are
#: quoted in notes, never in examples. Gmail's page pairs 5.7.32 with 421; Exchange writes
#: "550 4.4.7 QUEUE.Expired" in its NDRs.
CLASS_ANOMALIES = {("gmail", "5.7.32"), ("microsoft", "4.4.7")}

#: codes the issue names that are documented outside the README table
EXTRA_MICROSOFT = {"5.7.515"}

_CODE = r"[245]\.\d{1,3}\.\d{1,3}"
_RANGE = re.compile(rf"({_CODE})\s*…\s*({_CODE})")


def _registered() -> set[str]:
    ns = {"i": "http://www.iana.org/assignments"}
    root = ET.parse(REGISTRY_XML).getroot()  # noqa: S314 - our own vendored IANA file
    registry = root.find(".//i:registry[@id='smtp-enhanced-status-codes-3']", ns)
    assert registry is not None
    records = registry.findall("i:record", ns)
    return {"".join(r.find("i:code", ns).itertext()).strip() for r in records}


REGISTERED = _registered()


def _expand(cell: str) -> set[str]:
    """Codes of one 'Enhanced' cell: short ranges (321 … 325) in full, long ones by their first."""
    codes = set(re.findall(_CODE, cell))
    for first, last in _RANGE.findall(cell):
        head, low = first.rsplit(".", 1)
        high = int(last.rsplit(".", 1)[1])
        codes.discard(last)
        if high - int(low) <= 10:
            codes |= {f"{head}.{n}" for n in range(int(low), high + 1)}
    return codes


def _microsoft_table_codes() -> set[str]:
    text = PROVIDERS_README.read_text("utf-8")
    section = text.split("## Microsoft 365 / Exchange Online")[1].split("\n## ")[0]
    codes: set[str] = set()
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and re.search(_CODE, cells[1]):
            codes |= _expand(cells[1])
    return codes


MICROSOFT_CODES = sorted(_microsoft_table_codes() | EXTRA_MICROSOFT, key=lambda c: c.split("."))


def _generic(code: str) -> str:
    return str(EnhancedCode.parse(code).generic)


def test_the_readme_table_was_read():
    # a guard against a silently empty parse: the table has 40-odd rows, with ranges
    assert len(MICROSOFT_CODES) > 50
    for code in ("4.7.321", "4.7.325", "5.7.325", "4.7.500", "4.7.850", "5.7.606", "5.4.14"):
        assert code in MICROSOFT_CODES
    assert "4.7.699" not in MICROSOFT_CODES


@pytest.mark.parametrize("code", MICROSOFT_CODES)
def test_every_microsoft_code_of_the_table_has_an_entry(code):
    providers = [v.provider for v in CAT.vendor_uses(code)]
    assert "microsoft" in providers, f"no vendor/microsoft/{code}.toml"


@pytest.mark.parametrize("entry", VENDOR, ids=IDS)
def test_vendor_entry_facts(entry):
    assert entry.kind is Kind.ENHANCED
    assert entry.tier is Tier.VENDOR
    assert entry.provider in PROVIDER_NAMES
    assert re.fullmatch(_CODE, entry.code), "vendor entries carry the exact class"
    assert entry.classes == (entry.code[0],)
    assert any(s.url and s.ref for s in entry.sources), "cite the provider page"
    if (entry.provider, entry.code) not in CLASS_ANOMALIES:
        wrong = [b for b in entry.basic if b[0] != entry.code[0]]
        assert wrong == [], "RFC 2034 section 4: the classes must agree"


@pytest.mark.parametrize("entry", VENDOR, ids=IDS)
def test_both_meanings_are_shown(entry):
    generic = _generic(entry.code)
    for lang in CAT.languages:
        info = code_info(entry.code, lang)
        assert info.known
        if generic in REGISTERED:
            assert info.registry is not None, f"{entry.code}: the registry meaning of {generic}"
            assert info.registry.code == generic
            assert entry.provider in [v.provider for v in info.vendor]
            assert any(v.title == entry.text[lang].title for v in info.vendor)
        else:
            assert info.tier == "vendor"
            assert info.registry is None
            assert any(
                e.provider == entry.provider and e.text[lang].title == info.title
                for e in CAT.vendor_uses(entry.code)
            )


@pytest.mark.parametrize("entry", VENDOR, ids=IDS)
def test_description_states_the_registry_side(entry):
    generic = _generic(entry.code)
    en = entry.text["en"].description
    th = entry.text["th"].description
    if generic in REGISTERED:
        assert generic in en, f"name the registry code {generic}"
        assert generic in th, f"name the registry code {generic}"
    else:
        assert re.search(r"\b(?:not|none of these codes is) in the IANA registry", en, re.I), (
            "say that the code is not registered"
        )
        assert "ทะเบียน" in th


@pytest.mark.parametrize("entry", VENDOR, ids=IDS)
def test_the_provider_is_named(entry):
    names = PROVIDER_NAMES[entry.provider]
    for lang in CAT.languages:
        text = entry.text[lang]
        for part in (text.summary, text.description):
            assert any(n in part for n in names), f"{lang}: say whose use this is"


@pytest.mark.parametrize("entry", VENDOR, ids=IDS)
def test_examples_parse_with_the_exact_code(entry):
    if (entry.provider, entry.code) not in CLASS_ANOMALIES:
        assert entry.examples, "give at least one real-looking reply"
    for example in entry.examples:
        reply = parse_reply(example)
        errors = [f.kind for f in reply.findings if f.severity is Severity.ERROR]
        assert errors == [], example
        assert str(reply.enhanced) == entry.code, example
        assert reply.code_text[0] == entry.code[0]


@pytest.mark.parametrize(("provider", "code"), sorted(CLASS_ANOMALIES))
def test_class_anomalies_are_kept_out_of_examples_but_told(provider, code):
    (entry,) = [v for v in CAT.vendor_uses(code) if v.provider == provider]
    assert entry.examples == ()
    quoted = re.compile(rf"\b[245]\d\d {re.escape(code)}\b")
    for lang in CAT.languages:
        assert any(quoted.search(note) for note in entry.text[lang].notes)


THAI = re.compile(r"[\u0E00-\u0E7F]")


@pytest.mark.parametrize("entry", VENDOR, ids=IDS)
def test_thai_text_is_thai(entry):
    text = entry.text["th"]
    parts = (text.title, text.summary, text.description, text.when, *text.fix_client)
    for part in (*parts, *text.fix_server, *text.notes):
        assert THAI.search(part), f"no Thai in {part[:60]!r}"
    assert text.description != entry.text["en"].description


def test_issue_examples():
    info = code_info("5.7.515", "en")
    assert info.known
    assert info.tier == "vendor"
    assert "authentication" in info.title.lower()
    gmail = code_info("5.7.27", "en")
    assert gmail.registry is not None
    assert gmail.registry.sample_text == "Sender address has null MX"
    assert any(v.provider == "gmail" and "SPF" in v.title for v in gmail.vendor)
    yahoo = [v.provider for v in CAT.vendor_uses("5.7.9")]
    assert {"gmail", "yahoo"} <= set(yahoo)
