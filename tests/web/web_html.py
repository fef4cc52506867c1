"""A small HTML reader for the website tests (stdlib html.parser; no browser needed)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

_VOID = {"meta", "link", "br", "img", "input", "hr", "source", "col", "area", "base", "wbr"}
_SKIP_TEXT = {"script", "style", "svg", "title", "textarea"}
_BLOCK = {
    "p",
    "li",
    "ul",
    "ol",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "main",
    "nav",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "td",
    "th",
    "tr",
    "dt",
    "dd",
    "dl",
    "pre",
    "br",
    "figure",
    "figcaption",
    "blockquote",
    "form",
    "label",
    "button",
    "table",
    "caption",
}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""  #: text directly and deeply inside, for small elements


@dataclass
class Page:
    html: str
    elements: list[Element] = field(default_factory=list)
    body_text: str = ""  #: visible text of <body>: no script, style, svg or form values
    #: body text outside elements marked as another language (lang="en" quotes on a Thai page)
    native_text: str = ""
    scripts: list[tuple[dict[str, str], str]] = field(default_factory=list)
    title: str = ""

    def all(self, tag: str, **attrs: str) -> list[Element]:
        def matches(element: Element) -> bool:
            return element.tag == tag and all(
                element.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items()
            )

        return [e for e in self.elements if matches(e)]

    def one(self, tag: str, **attrs: str) -> Element:
        found = self.all(tag, **attrs)
        assert len(found) == 1, (tag, attrs, found)
        return found[0]

    def json_ld(self) -> list[dict[str, Any]]:
        return [
            json.loads(body)
            for attrs, body in self.scripts
            if attrs.get("type") == "application/ld+json"
        ]

    def alternates(self) -> dict[str, str]:
        return {
            e.attrs["hreflang"]: e.attrs["href"]
            for e in self.all("link", rel="alternate")
            if "hreflang" in e.attrs
        }

    def hrefs(self) -> list[str]:
        return [e.attrs["href"] for e in self.all("a") if "href" in e.attrs]


class _Reader(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.stack: list[tuple[str, Element]] = []
        self.skip = 0
        self.in_body = False
        self.script: tuple[dict[str, str], list[str]] | None = None
        self.in_title = False
        self.text: list[str] = []
        self.native: list[str] = []
        self.page_lang = ""
        self.foreign: list[str] = []  #: open tags that switched to another language

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.page.elements.append(element)
        if tag in _BLOCK:
            self._space()
        if tag == "html":
            self.page_lang = element.attrs.get("lang", "")
        if tag == "body":
            self.in_body = True
        lang = element.attrs.get("lang")
        if lang and lang != self.page_lang and tag not in _VOID:
            self.foreign.append(tag)
        if tag == "script":
            self.script = (element.attrs, [])
        if tag == "title" and not self.stack_has("svg"):
            self.in_title = True
        if tag in _SKIP_TEXT:
            self.skip += 1
        if tag not in _VOID:
            self.stack.append((tag, element))

    def stack_has(self, tag: str) -> bool:
        return any(t == tag for t, _ in self.stack)

    def _space(self) -> None:
        for _, element in self.stack:
            element.text += " "
        self.text.append(" ")
        self.native.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCK:
            self._space()
        if tag == "script" and self.script is not None:
            self.page.scripts.append((self.script[0], "".join(self.script[1])))
            self.script = None
        if tag == "title":
            self.in_title = False
        if tag in _SKIP_TEXT and self.skip:
            self.skip -= 1
        if self.foreign and self.foreign[-1] == tag:
            self.foreign.pop()
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.script is not None:
            self.script[1].append(data)
        if self.in_title:
            self.page.title += data
        for _, element in self.stack:
            element.text += data
        if self.in_body and not self.skip:
            self.text.append(data)
            if not self.foreign:
                self.native.append(data)


def parse(html: str) -> Page:
    page = Page(html)
    reader = _Reader(page)
    reader.feed(html)
    reader.close()
    page.body_text = " ".join("".join(reader.text).split())
    page.native_text = " ".join("".join(reader.native).split())
    page.title = " ".join(page.title.split())
    for element in page.elements:
        element.text = " ".join(element.text.split())
    return page
