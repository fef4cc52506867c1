"""The curated comparisons (issue 3, item 4): ``data/pairs/<a>-<b>.toml``.

Each file holds two codes people confuse, in canonical order, with a hand-written note in
every language of the catalogue and at least one source. ``smtpcodes compare --list``
must show all of them, and ``compare`` must show the note.
"""

from __future__ import annotations

import json
import re

import pytest

from smtpcodes.catalogue import load_catalogue
from smtpcodes.catalogue._compile import DATA_DIR, load_pair_file
from smtpcodes.explain import canonical_pair, code_info, compare

CAT = load_catalogue()
LANGS = CAT.languages
PAIR_FILES = sorted((DATA_DIR / "pairs").glob("*.toml"))
PAIRS = [load_pair_file(path) for path in PAIR_FILES]
IDS = [path.stem for path in PAIR_FILES]

# the pairs issue 3 names, plus 250/354 from the task that split it up
REQUIRED = [
    ("450", "550"),
    ("421", "451"),
    ("452", "552"),
    ("550", "553"),
    ("550", "554"),
    ("530", "535"),
    ("534", "535"),
    ("454", "535"),
    ("535", "538"),
    ("334", "354"),
    ("250", "251"),
    ("251", "252"),
    ("5.1.1", "5.2.1"),
    ("5.1.1", "5.1.10"),
    ("5.7.1", "5.7.26"),
    ("5.7.1", "5.7.515"),
    ("4.2.2", "5.2.2"),
    ("354", "535"),
    ("354", "250"),
]

THAI = re.compile(r"[\u0e00-\u0e7f]")
QUOTED = re.compile(r'"[^"]*"')
LATIN_RUN = re.compile(r"(?:[A-Za-z][A-Za-z'-]*[ ,]+){5,}[A-Za-z]")
SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z0-9\"(]|\s*$)")


def test_there_are_at_least_40_pairs():
    assert len(PAIRS) >= 40


def test_compiled_catalogue_has_every_file():
    assert {(p.a, p.b) for p in CAT.pairs()} == {(p.a, p.b) for p in PAIRS}


@pytest.mark.parametrize(("a", "b"), REQUIRED, ids=[f"{a}-{b}" for a, b in REQUIRED])
def test_every_pair_the_issue_names_is_curated(a, b):
    assert CAT.pair(a, b) is not None, f"missing data/pairs/{'-'.join(canonical_pair(a, b))}.toml"


@pytest.mark.parametrize(("path", "pair"), list(zip(PAIR_FILES, PAIRS, strict=True)), ids=IDS)
def test_file_is_named_after_the_pair_in_canonical_order(path, pair):
    assert pair.a != pair.b
    assert canonical_pair(pair.a, pair.b) == (pair.a, pair.b), "a must sort before b"
    assert path.stem == f"{pair.a}-{pair.b}"


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_both_codes_resolve(pair):
    unknown = [code for code in (pair.a, pair.b) if not code_info(code, "en").known]
    assert not unknown, f"not in the catalogue (basic, registry or vendor entry): {unknown}"


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_note_in_every_language(pair):
    for lang in LANGS:
        note = pair.note.get(lang, "")
        assert note.strip(), f"note.{lang} is missing"
        assert note == note.strip(), f"note.{lang}: stray whitespace at either end"
    assert set(pair.note) <= set(LANGS), "a note in a language the catalogue does not have"


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_english_note_is_three_to_six_sentences_and_names_both_codes(pair):
    note = pair.note["en"]
    assert 3 <= len(SENTENCE_END.findall(note)) <= 6, note
    for code in (pair.a, pair.b):
        assert code in note, f"the note never mentions {code}"


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_thai_note_is_thai(pair):
    note = pair.note["th"]
    assert THAI.search(note), "no Thai script in note.th"
    for code in (pair.a, pair.b):
        assert code in note, f"note.th never mentions {code}"
    # quoted reply texts stay as servers send them; outside quotes, no English sentences
    unquoted = QUOTED.sub("", note)
    run = LATIN_RUN.search(unquoted)
    assert run is None, f"English left in note.th: {run.group(0) if run else ''}"


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_every_pair_cites_a_source(pair):
    assert pair.sources, "add at least one [[sources]] table"
    for source in pair.sources:
        assert source.ref.strip()
        if source.ref.startswith("RFC "):
            assert source.section, f"{source.ref}: give the section"
    assert "RFC" in pair.note["en"], "the note should cite the RFC sections it relies on"


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_compare_shows_the_curated_note(pair):
    for lang in LANGS:
        assert compare(pair.b, pair.a, lang).curated_note == pair.note[lang]


@pytest.mark.parametrize("lang", LANGS)
def test_compare_list_shows_every_pair(run_cli, lang):
    r = run_cli("compare", "--list", "--lang", lang)
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert len(lines) == len(PAIRS)
    listed = [line.split("  ", 1)[0] for line in lines]
    assert set(listed) == {f"{p.a} vs {p.b}" for p in PAIRS}


def test_compare_list_json_has_every_pair_with_its_note(run_cli):
    r = run_cli("compare", "--list", "--json", "--lang", "th")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["schema"] == "smtpcodes/pair-list@1"
    got = {(item["a"], item["b"]): item["note"] for item in doc["items"]}
    assert got == {(p.a, p.b): p.note["th"] for p in PAIRS}
