"""English and Thai: gettext catalogues, Thai pages in Thai, language choice and switch."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from web_html import parse

from smtpcodes.catalogue import load_catalogue
from smtpcodes.explain import code_info
from smtpcodes.web import sitemap_tails
from smtpcodes.web._i18n import LocalDate, load_translations, local_date

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "src" / "smtpcodes" / "web" / "locales"
CATALOGUE = load_catalogue()
LANGS = CATALOGUE.languages
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted_messages() -> dict[str, tuple[str, ...]]:
    """Every msgid in the templates, found the way ``pybabel extract -F babel.cfg`` finds it."""
    config = configparser.ConfigParser()
    config.read(ROOT / "babel.cfg", encoding="utf-8")
    found: dict[str, tuple[str, ...]] = {}
    for section in config.sections():
        method, pattern = (part.strip() for part in section.split(":", 1))
        options = dict(config[section])
        for path in sorted(ROOT.glob(pattern.replace("**", "**/*"))):
            for _, message, _, _ in extract_from_file(method, str(path), options=options):
                ids = (message,) if isinstance(message, str) else tuple(message)
                found[ids[0]] = ids
    return found


MESSAGES = extracted_messages()


def po(lang: str):
    with (LOCALES / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=lang)


def test_the_templates_have_interface_strings():
    assert len(MESSAGES) > 50
    assert "Explain a reply" in MESSAGES
    assert "%(num)d code" in MESSAGES


@pytest.mark.parametrize("lang", LANGS)
def test_every_interface_string_is_translated(lang):
    catalog = po(lang)
    missing, fuzzy, broken = [], [], []
    for msgid, ids in MESSAGES.items():
        message = catalog.get(ids if len(ids) > 1 else msgid)
        if message is None:
            missing.append(msgid)
            continue
        if message.fuzzy:
            fuzzy.append(msgid)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            missing.append(msgid)
        wanted = set(_PLACEHOLDER.findall(msgid))
        for string in strings:
            if set(_PLACEHOLDER.findall(string)) != wanted:
                broken.append((msgid, string))
    assert not missing, missing
    assert not fuzzy, fuzzy
    assert not broken, broken


@pytest.mark.parametrize("lang", LANGS)
def test_no_stale_entries(lang):
    stale = [
        m.id
        for m in po(lang)
        if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in MESSAGES
    ]
    assert not stale


def test_thai_has_one_plural_form_and_compiles():
    assert po("th").num_plurals == 1
    translations = load_translations("th")
    assert translations.gettext("Search") == "ค้นหา"
    assert translations.ngettext("%(num)d code", "%(num)d codes", 5) == "%(num)d รหัส"
    assert load_translations("en").ngettext("%(num)d code", "%(num)d codes", 1) == "%(num)d code"


def test_no_compiled_catalogues_in_the_source_tree():
    assert not list(LOCALES.rglob("*.mo"))


# -- Thai pages are Thai ----------------------------------------------------------------------

CODE_TAILS = [t for t in sitemap_tails() if t.startswith("/smtp/") and "-vs-" not in t]


def english_prose(code: str) -> list[str]:
    """The English sentences of a code.  (Titles are left out: Thai text may quote the
    English name once, as the glossary asks, e.g. "(Persistent Transient Failure)".)"""
    en, th = code_info(code, "en"), code_info(code, "th")
    pieces = [en.summary, *en.description.split("\n\n"), *en.when.split("\n\n")]
    pieces += [*en.fix_client, *en.fix_server, *en.notes]
    thai = {th.summary, th.description, th.when}
    return [" ".join(p.split()) for p in pieces if len(p.strip()) > 40 and p not in thai]


def test_thai_code_pages_have_no_english_catalogue_text(web):
    checked = 0
    for tail in CODE_TAILS:
        code = tail.rsplit("/", 1)[1]
        if not code_info(code, "th").known:
            continue
        page = parse(web.get(f"/th{tail}").text)
        heading = page.one("h1").text
        assert code_info(code, "th").title in heading, code
        english_title = code_info(code, "en").title
        assert english_title == code_info(code, "th").title or english_title not in heading
        for prose in english_prose(code):
            assert prose not in page.native_text, (code, prose)
        checked += 1
    assert checked > 100


def test_thai_comparison_is_thai(web):
    page = parse(web.get("/th/smtp/354-vs-535").text)
    for code in ("354", "535"):
        for prose in english_prose(code):
            assert prose not in page.native_text
        assert code_info(code, "th").title in page.native_text


THAI_PAGES = [
    "/th/",
    "/th/smtp",
    "/th/smtp/535",
    "/th/smtp/354-vs-535",
    "/th/explain",
    "/th/search?q=550",
    "/th/smtp/599",
    "/th/smtp/abc",
    "/th/missing",
]


@pytest.mark.parametrize("path", THAI_PAGES)
def test_thai_pages_have_no_english_interface_strings(web, path):
    catalog = po("th")
    english = [
        m.id
        for m in catalog
        if isinstance(m.id, str)
        and m.id
        and m.string != m.id
        and len(m.id) > 12
        and "%(" not in m.id
    ]
    page = parse(web.get(path).text)
    assert page.one("html").attrs["lang"] == "th"
    leaked = [text for text in english if text in page.native_text]
    assert not leaked


# -- choosing and switching the language ------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("th-TH,th;q=0.9,en;q=0.8", "th"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR, th;q=0.5", "th"),
        ("fr", "en"),
        ("", "en"),
        ("*", "en"),
        ("th;q=0, en;q=0.1", "en"),
    ],
)
def test_root_negotiates_by_accept_language(web, header, lang):
    headers = {"accept-language": header} if header else {}
    response = web.get("/", headers=headers)
    assert response.status_code == 302
    assert response.headers["location"] == f"/{lang}/"
    assert "accept-language" in response.headers["vary"].lower()


@pytest.mark.parametrize(
    ("path", "other"),
    [
        ("/en/", "/th/"),
        ("/en/smtp/535", "/th/smtp/535"),
        ("/th/smtp/354-vs-535", "/en/smtp/354-vs-535"),
        ("/en/smtp/X.7.X", "/th/smtp/X.7.X"),
        ("/en/explain", "/th/explain"),
        ("/en/search?q=mailbox", "/th/search?q=mailbox"),
        ("/th/smtp", "/en/smtp"),
    ],
)
def test_language_switch_keeps_you_on_the_same_page(web, path, other):
    page = parse(web.get(path).text)
    lang = other.split("/")[1]
    switch = [a for a in page.all("a", hreflang=lang) if a.attrs.get("lang") == lang]
    assert [a.attrs["href"] for a in switch] == [other]
    assert web.get(other).status_code == 200


@pytest.mark.parametrize("lang", LANGS)
def test_html_lang_and_content_language(web, lang):
    for path in (f"/{lang}/", f"/{lang}/smtp/535", f"/{lang}/smtp/599"):
        response = web.get(path)
        assert response.headers["content-language"] == lang
        assert parse(response.text).one("html").attrs["lang"] == lang


# -- Thai dates and typography ----------------------------------------------------------------


def test_local_date_uses_the_buddhist_era_for_thai():
    assert local_date("2014-08-13", "th") == LocalDate(13, "สิงหาคม", 2557)
    assert local_date("2014-08-13", "en") == LocalDate(13, "August", 2014)
    assert local_date("not a date", "th") is None


def test_registry_dates_on_thai_pages_are_in_the_buddhist_era(web):
    code = next(
        c for c in CATALOGUE.codes() if (e := CATALOGUE.find(c)) and e.registry and e.registry.date
    )
    date = CATALOGUE.find(code).registry.date
    year = int(date[:4])
    thai = parse(web.get(f"/th/smtp/{code}").text).one("time", datetime=date).text
    assert f"พ.ศ. {year + 543}" in thai
    assert str(year) not in thai
    english = parse(web.get(f"/en/smtp/{code}").text).one("time", datetime=date).text
    assert str(year) in english
    assert str(year + 543) not in english


def css_rules(html: str) -> dict[str, str]:
    style = re.search(r"<style>(.*?)</style>", html, re.S).group(1)
    style = re.sub(r"/\*.*?\*/", "", style, flags=re.S)
    return {sel.strip(): body for sel, body in re.findall(r"([^{}]+)\{([^{}]*)\}", style)}


def declarations(body: str) -> dict[str, str]:
    pairs = (d.split(":", 1) for d in body.split(";") if ":" in d)
    return {k.strip(): " ".join(v.split()) for k, v in pairs}


def test_thai_font_stack_and_line_height(web):
    rules = css_rules(web.get("/th/smtp/535").text)
    thai = next(body for sel, body in rules.items() if 'html[lang|="th"] body,' in sel)
    stack = [f.strip().strip('"') for f in declarations(thai)["font-family"].split(",")]
    generic = stack.index("sans-serif")
    for family in ("Loma", "Garuda", "Kinnari", "Norasi", "TlwgTypo"):
        assert stack.index(family) < generic, family
    heights = [
        float(declarations(body)["line-height"])
        for sel, body in rules.items()
        if sel.strip() in ("body", 'html[lang|="th"] body') and "line-height" in body
    ]
    assert len(heights) == 2
    assert min(heights) >= 1.6
