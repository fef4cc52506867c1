"""smtpcodes.search: FTS5 trigram over the catalogue, codes first, Thai, typos, odd input."""

from __future__ import annotations

import string
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smtpcodes._errors import UnknownLanguageError
from smtpcodes.catalogue import load_catalogue
from smtpcodes.codes import EnhancedCode
from smtpcodes.search import MAX_QUERY, SearchError, SearchHit, SearchIndex, highlight, search


def codes(query: str, lang: str = "en", limit: int = 20) -> list[str]:
    return [hit.code for hit in search(query, lang, limit)]


def _thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


# ---- code queries go straight to the catalogue ------------------------------------------


@pytest.mark.parametrize(
    ("query", "first", "kind"),
    [
        ("535", "535", "basic"),
        ("  535  ", "535", "basic"),
        ("5.7.8", "5.7.8", "enhanced"),
        ("x.7.8", "X.7.8", "enhanced"),
        ("X.7.8", "X.7.8", "enhanced"),
        ("5xx", "5xx", "class"),
        ("5XX", "5xx", "class"),
        ("4xx", "4xx", "class"),
    ],
)
def test_exact_code_ranks_first(query, first, kind):
    hits = search(query, "en")
    assert hits[0].code == first
    assert hits[0].kind == kind
    assert hits[0].score == max(h.score for h in hits)
    assert hits[0].title  # from the catalogue or the class phrases


def test_exact_code_title_is_the_catalogue_title_in_the_language():
    catalogue = load_catalogue()
    for lang in ("en", "th"):
        hit = search("535", lang)[0]
        assert hit.title == catalogue.get("535").text[lang].title
        assert hit.snippet == catalogue.get("535").text[lang].summary


def test_code_is_followed_by_the_codes_it_comes_with():
    typical = load_catalogue().get("535").enhanced
    assert codes("535")[1 : 1 + len(typical)] == list(typical)
    assert "535" in codes("5.7.8")[:3]


def test_an_enhanced_code_appears_once_however_it_is_found():
    # 5.7.8 (exact) and X.7.8 (its text and code column) are the same entry
    hits = search("5.7.8", "en", 50)
    generics = [str(EnhancedCode.parse(h.code).generic) for h in hits if h.kind == "enhanced"]
    assert len(generics) == len(set(generics))


def test_unknown_but_valid_code_is_not_invented():
    assert "599" not in codes("599")


@pytest.mark.parametrize("query", ["599", "535", "5.7.8", "55"])
def test_a_code_query_brings_no_fuzzy_title_noise(query):
    assert all(hit.score >= 20 for hit in search(query, "en", 50))


@pytest.mark.parametrize("prefix", ["55", "45", "5"])
def test_basic_prefix_lists_the_codes_it_starts_in_order(prefix):
    catalogue = load_catalogue()
    expected = [c for c in catalogue.codes() if c.isdigit() and c.startswith(prefix)]
    found = [c for c in codes(prefix, limit=100) if c.isdigit()]
    assert found[: len(expected)] == expected


def test_single_digit_puts_the_class_first():
    assert codes("5")[0] == "5xx"


def test_enhanced_prefix_concretises_the_class():
    hits = search("5.7.1", "en", 30)
    assert hits[0].code == "5.7.1"
    enhanced = [h.code for h in hits if h.kind == "enhanced"]
    assert {"5.7.10", "5.7.11"} <= set(enhanced)
    assert all(c.startswith("5.7.1") for c in enhanced[:5])
    # between the exact code and its prefix: the basic codes 5.7.1 comes with
    typical = set(load_catalogue().get("X.7.1").basic)
    assert {h.code for h in hits if h.kind == "basic" and h.score >= 90} <= typical


# ---- words, in English and Thai ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "lang", "expected", "within"),
    [
        ("mailbox full", "en", "552", 3),
        ("authentication", "en", "535", 8),
        ("greylisting", "en", "450", 5),
        ("relay access denied", "en", "554", 8),
        ("รหัสผ่าน", "th", "535", 8),
        ("กล่องจดหมายเต็ม", "th", "552", 3),
        ("ยืนยันตัวตน", "th", "535", 8),
    ],
)
def test_words_find_the_code(query, lang, expected, within):
    assert expected in codes(query, lang)[:within]


def test_thai_results_are_in_thai_and_show_the_match():
    hits = search("รหัสผ่าน", "th")
    assert len(hits) >= 3
    for hit in hits:
        assert _thai(hit.title)
    assert all("รหัสผ่าน" in hit.snippet or "รหัสผ่าน" in hit.title for hit in hits[:5])


def test_the_default_tokenizer_would_miss_thai_but_trigram_finds_a_word_inside_a_run():
    # "จดหมาย" sits inside "กล่องจดหมายเต็ม" with no space around it
    assert "552" in codes("จดหมายเต็ม", "th", limit=10)


def test_snippets_hold_the_match():
    for hit in search("greylisting", "en", 10):
        assert "greylisting" in hit.snippet.casefold(), hit


def test_requested_language_ranks_first():
    # the Thai texts mention AUTH in Latin script too: Thai hits come first for lang=th
    hits = search("SASL", "th", 50)
    catalogue = load_catalogue()
    langs = []
    for hit in hits:
        if hit.kind == "vendor":
            entry = next(
                u for u in catalogue.vendor_uses(hit.code) if u.text["th"].title == hit.title
            )
        else:
            generic = EnhancedCode.parse(hit.code).generic if hit.kind == "enhanced" else hit.code
            entry = catalogue.get(str(generic))
        langs.append("th" if "sasl" in " ".join(_texts(entry, "th")).casefold() else "en")
    assert langs == sorted(langs, key=lambda lang: lang != "th")
    assert langs[0] == "th"


def _texts(entry, lang):
    text = entry.text[lang]
    return [text.title, text.summary, text.description, text.when, *text.fix_client,
            *text.fix_server, *text.notes]  # fmt: skip


def test_a_query_in_the_other_language_still_finds_and_titles_follow_lang():
    hits = search("รหัสผ่าน", "en")
    assert hits, "Thai text must be searchable whatever the page language"
    assert not _thai(hits[0].title)  # the title is in the requested language
    assert _thai(hits[0].snippet)  # the snippet shows where it matched


# ---- typos and short queries ------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "lang", "expected", "within"),
    [
        ("mailbox ful", "en", "552", 3),
        ("autentication failed", "en", "535", 8),
        ("authentcation", "en", "535", 10),
        ("grelisting", "en", "450", 5),
        ("กล่องจดหมายเตม", "th", "552", 8),  # a vowel mark missing
    ],
)
def test_typos_are_tolerated(query, lang, expected, within):
    assert expected in codes(query, lang)[:within]


def test_typo_is_highlighted_as_the_word_it_meant():
    pieces = highlight("Authentication failed", "autentication")
    assert ("Authentication", True) in pieces


@pytest.mark.parametrize(("query", "expected"), [("ok", "250"), ("OK", "250")])
def test_two_letter_query_matches_titles(query, expected):
    assert codes(query)[0] == expected


def test_one_thai_character_does_not_fail():
    for hit in search("ภ", "th"):
        assert "ภ" in hit.title


# ---- odd input never raises --------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "\t\n",
        '"',
        '""',
        '"" ""',
        "NEAR(",
        "NEAR(a b",
        "*",
        "^",
        "AND",
        "OR NOT",
        "title:535",
        "{code title}: 535",
        "' OR 1=1; DROP TABLE docs; --",
        "535' UNION SELECT * FROM docs --",
        "\x00",
        "a\x00b",
        "\u200b",
        "😀😀😀",
        "x" * 100_000,
        "รหัสผ่าน" * 5000,
        "auth " * 10_000,
    ],
)
def test_odd_queries_do_not_raise(query):
    hits = search(query, "en")
    assert isinstance(hits, list)
    assert all(isinstance(hit, SearchHit) for hit in hits)


def test_blank_queries_find_nothing():
    assert search("", "en") == []
    assert search("  \t ", "th") == []
    assert search('"', "en") == []


def test_a_long_pasted_query_is_cut_and_stays_fast():
    long_thai = "ข้อมูลยืนยันตัวตนไม่ถูกต้อง" * 50
    started = time.perf_counter()
    search(long_thai, "th")
    search("word " * 5000, "en")
    assert time.perf_counter() - started < 2.0
    assert MAX_QUERY <= 500


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_any_text_gives_sorted_distinct_hits(query):
    hits = search(query, "th", 10)
    assert len(hits) <= 10
    scores = [hit.score for hit in hits]
    assert scores == sorted(scores, reverse=True)
    assert len({(h.kind, h.code, h.title) for h in hits}) == len(hits)
    assert all(h.kind in {"basic", "enhanced", "class", "vendor"} for h in hits)


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=string.printable, max_size=30))
def test_fts_syntax_characters_are_literal(query):
    search(query, "en", 5)


def test_unknown_language_and_bad_limit_say_what_was_wrong():
    with pytest.raises(UnknownLanguageError, match="expected one of"):
        search("535", "xx")
    with pytest.raises(SearchError, match="1 or more"):
        search("535", "en", 0)


def test_limit_is_respected():
    assert len(search("the", "en", 3)) == 3
    assert len(search("the", "en", 1)) == 1


# ---- cross-check: a plain substring scan of the catalogue --------------------------------


def test_every_title_fragment_finds_its_entry():
    """Independent oracle: a 12-character slice of any title must find that entry."""
    catalogue = load_catalogue()
    index = SearchIndex(catalogue)
    misses = []
    for entry in catalogue.entries():
        for lang, text in entry.text.items():
            title = text.title
            middle = max(0, len(title) // 2 - 6)
            fragment = title[middle : middle + 12]
            if len(fragment.strip()) < 3:
                continue
            found = index.search(fragment, lang, 100)
            wanted = {entry.code}
            if entry.code.startswith("X.") and entry.code.count(".") == 2:
                wanted |= {entry.code.replace("X", k, 1) for k in entry.classes}
            if not wanted & {hit.code for hit in found}:
                misses.append((entry.code, lang, fragment))
    assert misses == []


def test_index_over_a_small_catalogue_is_independent_of_the_shipped_one():
    index = SearchIndex(load_catalogue())
    assert [h.code for h in index.search("535", "en", 1)] == ["535"]


def test_concurrent_searches_agree_with_sequential_ones():
    index = SearchIndex(load_catalogue())
    queries = ["mailbox full", "รหัสผ่าน", "535", "tls", "autentication", "55", "ok"] * 6
    sequential = [index.search(q, "th", 10) for q in queries]
    fresh = SearchIndex(load_catalogue())
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = list(pool.map(lambda q: fresh.search(q, "th", 10), queries, timeout=30))
    assert parallel == sequential


# ---- highlight ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("Mailbox full: the mailbox is FULL", "mailbox full"),
        ("กล่องจดหมายเต็ม แล้ว", "จดหมาย"),
        ("nothing here", "zzz"),
        ("a.b*c(d)", "*c("),
        ("", "x"),
    ],
)
def test_highlight_pieces_rebuild_the_text(text, query):
    pieces = highlight(text, query)
    assert "".join(part for part, _ in pieces) == text
    for part, matched in pieces:
        if matched:
            assert any(part.casefold() == w.casefold() for w in query.split()) or part


def test_highlight_marks_every_occurrence_whatever_the_case():
    pieces = highlight("Mailbox full: the mailbox is FULL", "mailbox full")
    assert [p for p, m in pieces if m] == ["Mailbox", "full", "mailbox", "FULL"]


# ---- provider (vendor) entries ----------------------------------------------------------


def test_vendor_codes_are_found_with_the_providers_own_title():
    catalogue = load_catalogue()
    vendor_codes = catalogue.vendor_codes()
    assert vendor_codes, "the catalogue ships provider entries"
    for code in vendor_codes:
        for lang in ("en", "th"):
            hits = [h for h in search(code, lang, 30) if h.kind == "vendor" and h.code == code]
            titles = {use.text[lang].title for use in catalogue.vendor_uses(code)}
            assert titles <= {h.title for h in hits}, (code, lang)
            assert all(h.code == code for h in hits if h.title in titles)
            # each provider's entry once, whichever step found it
            assert len([h.title for h in hits]) == len({h.title for h in hits})


def test_provider_name_finds_its_entries():
    catalogue = load_catalogue()
    index = SearchIndex(catalogue)
    providers: dict[str, set[str]] = {}
    for code in catalogue.vendor_codes():
        for use in catalogue.vendor_uses(code):
            providers.setdefault(use.provider, set()).add(use.text["en"].title)
    for provider, titles in providers.items():
        hits = index.search(provider, "en", 1000)
        assert titles <= {h.title for h in hits if h.kind == "vendor"}, provider


def test_a_code_only_a_provider_defines_is_one_vendor_hit_first():
    catalogue = load_catalogue()
    only_vendor = [
        code
        for code in catalogue.vendor_codes()
        if catalogue.find(str(EnhancedCode.parse(code).generic)) is None
    ]
    assert only_vendor
    for code in only_vendor:
        hits = search(code, "en")
        uses = catalogue.vendor_uses(code)
        assert [h.kind for h in hits[: len(uses)]] == ["vendor"] * len(uses)
        assert {h.title for h in hits[: len(uses)]} == {u.text["en"].title for u in uses}
        assert not [h for h in hits if h.code == code and h.kind == "enhanced"]
