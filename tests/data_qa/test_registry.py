"""The catalogue against the IANA enhanced-status-code registry (issue 3, item 5).

The XML (shared/reference/iana/smtp-enhanced-status-codes.xml) is the source of truth:
coverage must be exact, the registry's oddities kept verbatim, class digits consistent.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from smtpcodes.catalogue import Kind, load_catalogue
from smtpcodes.explain import code_info

CAT = load_catalogue()
XML = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "reference"
    / "iana"
    / "smtp-enhanced-status-codes.xml"
)
NS = {"i": "http://www.iana.org/assignments"}


def _text(element: ET.Element | None) -> str:
    if element is None:
        return ""
    parts = [element.text or ""]
    for child in element:
        if child.tag.endswith("xref"):
            parts.append(f"[{child.get('data', '').upper()}]")
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _records(registry_id: str) -> list[ET.Element]:
    root = ET.parse(XML).getroot()  # noqa: S314 - our own vendored IANA file
    registry = root.find(f".//i:registry[@id='{registry_id}']", NS)
    assert registry is not None
    return registry.findall("i:record", NS)


ENUMERATED = {_text(r.find("i:code", NS)): r for r in _records("smtp-enhanced-status-codes-3")}


def _norm(text: str) -> str:
    return " ".join(
        re.sub(r"\[([A-Za-z]+)(\d+)\]", lambda m: f"[{m[1].upper()}{m[2]}]", text).split()
    )


def test_registry_has_81_enumerated_codes():
    assert len(ENUMERATED) == 81


def test_catalogue_covers_exactly_the_registry():
    ours = {
        e.code for e in CAT.entries(Kind.ENHANCED) if e.code.count("X") == 1 and e.code[0] == "X"
    }
    assert ours == set(ENUMERATED)


@pytest.mark.parametrize("code", sorted(ENUMERATED))
def test_registry_row_is_kept_verbatim(code):
    record = ENUMERATED[code]
    row = CAT.get(code).registry
    assert row is not None, f"{code} has no registry row"
    assert row.code == code
    assert _norm(row.sample_text) == _norm(_text(record.find("i:sample", NS)))
    assert _norm(row.description) == _norm(_text(record.find("i:description", NS)))
    basic = _text(record.find("i:basic_code", NS))
    assert row.basic_codes == basic, "keep the registry's basic-code column as it is"
    refs = " ".join(x.get("data", "") for x in record.iter(f"{{{NS['i']}}}xref"))
    for ref in row.references:
        number = re.search(r"\d{4}", ref)
        if number:
            assert number.group(0) in refs, f"{code}: reference {ref} not in the registry row"


def test_registry_oddities_are_visible():
    assert CAT.get("X.7.28").registry.basic_codes == "."
    for code in ("X.7.17", "X.7.18", "X.7.19"):
        assert CAT.get(code).registry.basic_codes == "5XX"
    assert CAT.get("X.6.10").registry.deprecated


@pytest.mark.parametrize("code", sorted(ENUMERATED))
def test_class_digits_agree(code):
    entry = CAT.get(code)
    assert entry.classes, f"{code}: no meaningful classes"
    assert set(entry.classes) <= {"2", "4", "5"}
    listed = re.findall(r"\b([245])\d\d\b", entry.registry.basic_codes)
    for digit in listed:
        assert digit in entry.classes, f"{code}: the registry pairs it with a {digit}xx reply"
    for basic in entry.basic:
        assert basic[0] in entry.classes or basic[0] == "3", f"{code}: typical basic {basic}"


@pytest.mark.parametrize("code", ["2.X.X", "4.X.X", "5.X.X", *[f"X.{s}.X" for s in range(8)]])
def test_class_and_subject_entries_exist(code):
    entry = CAT.get(code)
    assert entry.kind is Kind.ENHANCED
    for lang in CAT.languages:
        assert entry.text[lang].description


@pytest.mark.parametrize("code", ["2xx", "3xx", "4xx", "5xx"])
def test_basic_class_entries_exist(code):
    assert CAT.get(code).kind is Kind.BASIC


@pytest.mark.parametrize("lang", ["en", "th"])
def test_class_specific_lookup_uses_the_generic_entry(lang):
    info = code_info("5.7.8", lang)
    assert info.known
    assert info.registry is not None
    assert info.registry.code == "X.7.8"
    assert info.retry == "never-unchanged"
    assert code_info("4.7.8", lang).retry == "later"
