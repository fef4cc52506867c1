"""The site in a real browser: Debian's chromium driven by playwright, on loopback only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from smtpcodes.catalogue import load_catalogue

pytestmark = pytest.mark.browser

GMAIL_550 = (
    "550-5.1.1 The email account that you tried to reach does not exist. Please try\n"
    "550-5.1.1 double-checking the recipient's email address for typos or\n"
    "550 5.1.1 unnecessary spaces. https://support.google.com/mail/?p=NoSuchUser - gsmtp"
)


def _title(code: str, lang: str) -> str:
    return load_catalogue().get(code).text[lang].title


def _thai(text: str) -> bool:
    return any("\u0e00" <= ch <= "\u0e7f" for ch in text)


def test_search_box_finds_codes(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/en/")
    box = page.get_by_role("searchbox").first
    box.fill("mailbox full")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/en/search\?q=mailbox\+full"))
    results = page.locator("main a[href='/en/smtp/552']")
    assert results.count() >= 1
    assert _title("552", "en") in page.locator("main").inner_text()


def test_search_box_in_thai_with_a_typo(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/th/search")
    box = page.get_by_role("searchbox").first
    box.fill("กล่องจดหมายเตม")  # a vowel mark missing
    box.press("Enter")
    page.wait_for_url(re.compile(r"/th/search\?q="))
    assert page.locator("main a[href='/th/smtp/552']").count() >= 1


def test_explain_form_with_a_multi_line_reply(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/en/explain")
    page.locator("textarea[name='text']").fill(GMAIL_550)
    form = page.locator("form:has(textarea[name='text'])")
    form.locator("[type='submit']").first.click()
    page.wait_for_load_state("load")
    main = page.locator("main").inner_text()
    assert _title("550", "en") in main
    assert "5.1.1" in main
    # the pasted reply comes back in the form, escaped, all three lines
    assert page.locator("textarea[name='text']").input_value().count("550") == 3


def test_explain_form_escapes_markup(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/en/explain")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.locator("textarea[name='text']").fill('550 <script>alert("x")</script><b>bold</b>')
    page.locator("form:has(textarea[name='text']) [type='submit']").first.click()
    page.wait_for_load_state("load")
    assert dialogs == []  # the script did not run
    assert page.locator("main b", has_text="bold").count() == 0  # the tag did not either
    # and the text came back as text, exactly as pasted
    assert page.locator("textarea[name='text']").input_value() == (
        '550 <script>alert("x")</script><b>bold</b>'
    )


def test_language_switch_keeps_the_page(page: Any, live_server: Any) -> None:
    page.goto(f"{live_server.url}/en/smtp/535")
    assert page.locator("html").get_attribute("lang") == "en"
    page.locator("nav.langs a[hreflang='th']").click()
    page.wait_for_url(f"{live_server.url}/th/smtp/535")
    assert page.locator("html").get_attribute("lang") == "th"
    assert _title("535", "th") in page.locator("h1").inner_text()
    page.locator("nav.langs a[hreflang='en']").click()
    page.wait_for_url(f"{live_server.url}/en/smtp/535")
    assert _title("535", "en") in page.locator("h1").inner_text()


def _platform_fonts(page: Any, selector: str) -> list[dict[str, Any]]:
    """The fonts chromium really drew a node's text with (DevTools CSS domain)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        assert node, f"no element matches {selector}"
        fonts: list[dict[str, Any]] = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})[
            "fonts"
        ]
        return fonts
    finally:
        cdp.detach()


def test_thai_comparison_page_renders_thai_glyphs(
    page: Any, live_server: Any, artifacts: Any, thai_font_families: frozenset[str]
) -> None:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_viewport_size({"width": 1100, "height": 900})
    response = page.goto(f"{live_server.url}/th/smtp/354-vs-535")
    assert response is not None
    assert response.status == 200
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "th"
    heading = page.locator("h1").inner_text()
    assert _thai(heading)
    assert "354" in heading
    assert "535" in heading
    # the session diagram, marking both codes
    diagram = page.locator("svg[role='img']").first
    assert diagram.is_visible()
    assert diagram.locator("[data-code='354']").count() >= 1
    assert diagram.locator("[data-code='535']").count() >= 1
    path = artifacts / "th-354-vs-535.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    # the CSS asks for a Thai-capable family, and chromium really drew Thai with one
    family = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    stack = {name.strip().strip("\"'") for name in family.split(",")}
    assert stack & thai_font_families, family
    used = _platform_fonts(page, "h1")
    assert any(f["familyName"] in thai_font_families and f["glyphCount"] > 0 for f in used), used
    assert errors == []


def test_pages_work_without_javascript(no_js_page: Any, live_server: Any) -> None:
    page = no_js_page
    # first make sure scripts really do not run in this browser
    page.set_content(
        "<p id=x>off</p><script>document.getElementById('x').textContent='on'</script>"
    )
    assert page.locator("#x").inner_text() == "off"
    page.goto(f"{live_server.url}/en/")
    # search: a plain GET form
    box = page.get_by_role("searchbox").first
    box.fill("535")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/en/search\?q=535"))
    assert page.locator("main a[href='/en/smtp/535']").count() >= 1
    # explain: a plain POST form
    page.goto(f"{live_server.url}/en/explain")
    page.locator("textarea[name='text']").fill("354 End data with <CR><LF>.<CR><LF>")
    page.locator("form:has(textarea[name='text']) [type='submit']").first.click()
    page.wait_for_load_state("load")
    assert _title("354", "en") in page.locator("main").inner_text()
    # the language switch is a link
    page.goto(f"{live_server.url}/en/smtp/354-vs-535")
    page.locator("nav.langs a[hreflang='th']").click()
    page.wait_for_url(f"{live_server.url}/th/smtp/354-vs-535")
    assert _thai(page.locator("h1").inner_text())
