"""Plain-text renderers for explanations and comparisons. Formatting only, no domain logic."""

from __future__ import annotations

from smtpcodes._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

from smtpcodes.cli._style import Style
from smtpcodes.explain import CodeInfo, Comparison, Explanation


class Page:
    """Collects output lines; wraps paragraphs when a width is given (a TTY)."""

    def __init__(self, style: Style, labels: dict[str, str], width: int | None) -> None:
        self.s = style
        self.labels = labels
        self.width = width
        self.lines: list[str] = []

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def heading(self, key: str) -> None:
        self.blank()
        self.lines.append(self.s.heading(self.labels.get(key, key)))

    def _wrap(self, body: str, indent: int, hyphens: bool) -> list[str]:
        if not self.width:
            return [body]
        import textwrap  # only for a terminal: piped output is not wrapped

        width = self.width - indent
        return textwrap.wrap(body, width, break_long_words=False, break_on_hyphens=hyphens) or [""]

    def para(self, text: str, indent: int = 2) -> None:
        for paragraph in text.strip().split("\n\n"):
            wrapped = self._wrap(" ".join(paragraph.split()), indent, hyphens=False)
            self.lines += [" " * indent + self.s.codes_in(line) for line in wrapped]

    def bullets(self, items: tuple[str, ...] | list[str], indent: int = 2) -> None:
        for item in items:
            wrapped = self._wrap(" ".join(item.split()), indent + 2, hyphens=True)
            self.lines.append(" " * indent + "- " + self.s.codes_in(wrapped[0]))
            self.lines += [" " * (indent + 2) + self.s.codes_in(w) for w in wrapped[1:]]

    def text(self) -> str:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


def _title_line(page: Page, info: CodeInfo) -> None:
    s = page.s
    page.lines.append(f"{s.code(info.code)}  {s.bold(info.title)}")
    meta = " · ".join(
        part for part in (info.class_name, info.detail_label, info.tier_label) if part
    )
    page.lines.append(s.dim(meta))
    if info.summary:
        page.para(info.summary, indent=0)


def _fixes(page: Page, info: CodeInfo, indent: int = 2) -> None:
    if not (info.fix_client or info.fix_server):
        return
    page.heading("fix")
    if info.fix_client:
        page.lines.append(" " * indent + page.s.bold(page.labels["fix_client"]))
        page.bullets(info.fix_client, indent + 2)
    if info.fix_server:
        page.lines.append(" " * indent + page.s.bold(page.labels["fix_server"]))
        page.bullets(info.fix_server, indent + 2)


def render_code(info: CodeInfo, phrases: dict[str, Any], style: Style, width: int | None) -> str:
    page = Page(style, phrases["labels"], width)
    _code_body(page, info, full=True)
    return page.text()


def _code_body(page: Page, info: CodeInfo, *, full: bool) -> None:
    s = page.s
    _title_line(page, info)
    if info.description:
        page.heading("description")
        page.para(info.description)
    if info.when:
        page.heading("when")
        page.para(info.when)
    _fixes(page, info)
    if info.retry_note:
        page.heading("retry_note")
        page.para(info.retry_note)
    if info.notes:
        page.heading("notes")
        page.bullets(info.notes)
    if info.vendor:
        page.heading("vendor")
        for use in info.vendor:
            page.lines.append(f"  {s.bold(use.provider_name)}: {s.code(use.code)} {use.title}")
            page.para(use.summary, indent=4)
    if not full:
        return
    if info.registry is not None:
        row = info.registry
        page.heading("registry")
        label = page.labels
        page.lines.append(
            f"  {row.code}: {row.sample_text or '—'}"
            + (f" ({label['deprecated']})" if row.deprecated else "")
        )
        page.lines.append(f"  {label['registry_basic']}: {row.basic_codes}")
        page.lines.append(f"  {label['registry_reference']}: {', '.join(row.references)}")
    if info.facts:
        page.heading("facts")
        for fact in info.facts:
            page.lines.append(f"  {s.bold(fact.label)}: {s.codes_in(fact.value)}")
    if info.confused_with:
        page.heading("confused_with")
        for ref in info.confused_with:
            page.lines.append(f"  {s.code(ref.code)}  {ref.title}")
            if ref.note:
                page.para(ref.note, indent=4)
    if info.related:
        page.heading("related")
        for ref in info.related:
            page.lines.append(f"  {s.code(ref.code)}  {ref.title}")
    if info.examples:
        page.heading("examples")
        for example in info.examples:
            for line in example.splitlines():
                page.lines.append("  " + s.dim(line))
    if info.transcript is not None:
        page.heading("transcript")
        for line in info.transcript.lines:
            page.lines.append("  " + s.codes_in(line))
        page.lines.append("  " + s.dim(f"{page.labels['transcript_reproduce']}:"))
        page.lines.append("    smtpcodes sandbox --scenario " + info.transcript.scenario)
        page.lines.append("    " + info.transcript.probe_command)
        page.lines.append("    " + info.transcript.swaks_command)
    if info.sources:
        page.heading("sources")
        for link in info.sources:
            page.lines.append(f"  {link.label}" + (f"  {s.dim(link.url)}" if link.url else ""))


def _verdict(page: Page, expl: Explanation, labels: dict[str, str]) -> None:
    """Why it failed, hard or soft, retry, who acts, provider, command (real-world replies)."""
    s = page.s
    if expl.reason is None and expl.provider is None and expl.command is None:
        return
    page.blank()
    page.lines.append(s.heading(labels["verdict"]))
    if expl.reason is not None:
        page.lines.append(
            f"  {s.bold(labels['reason'])}: {expl.reason.title} {s.dim(expl.reason.id)}"
        )
        page.para(expl.reason.summary, indent=4)
    if expl.bounce is not None:
        verdict = s.error(expl.bounce.label) if expl.bounce.hard else s.warn(expl.bounce.label)
        page.lines.append(f"  {s.bold(labels['bounce'])}: {verdict}")
        page.para(expl.bounce.why, indent=4)
    if expl.retry is not None:
        page.lines.append(f"  {s.bold(labels['retry'])}: {expl.retry.when}")
        page.para(expl.retry.how, indent=4)
    if expl.who_acts:
        who = ", ".join(party.label for party in expl.who_acts)
        page.lines.append(f"  {s.bold(labels['who'])}: {who}")
    if expl.command is not None:
        said = expl.command.said
        said = (
            f" {s.dim('(' + said + ')')}"
            if said and said.lower() not in expl.command.label.lower()
            else ""
        )
        page.lines.append(f"  {s.bold(labels['command'])}: {expl.command.label}{said}")
    if expl.provider is not None:
        provider = expl.provider
        page.lines.append(
            f"  {s.bold(labels['provider'])}: {provider.name}  {s.dim(provider.docs)}"
        )
        if provider.meaning:
            page.lines.append("    " + s.bold(labels["provider_meaning"]))
            page.para(provider.meaning, indent=6)
        if provider.fix:
            page.lines.append("    " + s.bold(labels["provider_fix"]))
            page.bullets(provider.fix, indent=6)
    if expl.reason is not None and expl.reason.steps:
        page.blank()
        page.lines.append(s.heading(labels["steps"]))
        page.bullets(expl.reason.steps)


def _evidence(page: Page, expl: Explanation, labels: dict[str, str]) -> None:
    if not expl.evidence:
        return
    s = page.s
    page.blank()
    page.lines.append(s.heading(labels["evidence"]))
    for item in expl.evidence:
        matched = f" {s.dim(labels['matched'] + ': ' + repr(item.matched))}" if item.matched else ""
        page.lines.append(f"  {s.bold(item.label)}: {s.codes_in(item.note)}{matched}")


def render_explanation(
    expl: Explanation, phrases: dict[str, Any], style: Style, width: int | None
) -> str:
    from smtpcodes.explain import verdict_labels

    page = Page(style, phrases["labels"], width)
    labels = verdict_labels(expl.lang)
    s = style
    if expl.reply is None:
        if expl.reason is not None and expl.input != expl.primary.code:
            # a status code found in a log line (Postfix dsn=, a DSN Status: field)
            page.lines.append(s.bold(s.codes_in(expl.headline)))
            _verdict(page, expl, labels)
            _evidence(page, expl, labels)
            page.blank()
            page.lines.append(s.dim("─" * min(width or 60, 60)))
        _code_body(page, expl.primary, full=True)
        if expl.reason is not None and expl.input == expl.primary.code:
            _verdict(page, expl, labels)
        return page.text()
    page.lines.append(s.bold(s.codes_in(expl.headline)))
    _verdict(page, expl, labels)
    page.heading("reply")
    for line in expl.reply.lines:
        page.lines.append("  " + s.dim(line))
    if expl.findings:
        page.heading("findings")
        for note in expl.findings:
            mark = (
                s.error(note.severity_label)
                if note.severity == "error"
                else s.warn(note.severity_label)
            )
            page.lines.append(f"  {mark}: {note.message} {s.dim('(' + note.rfc + ')')}")
    _evidence(page, expl, labels)
    for info in (expl.basic, expl.enhanced):
        if info is None:
            continue
        page.blank()
        page.lines.append(s.dim("─" * min(width or 60, 60)))
        _code_body(page, info, full=False)
        if info.facts:
            page.heading("facts")
            for fact in info.facts:
                page.lines.append(f"  {s.bold(fact.label)}: {s.codes_in(fact.value)}")
    return page.text()


def render_comparison(
    comp: Comparison, phrases: dict[str, Any], style: Style, width: int | None
) -> str:
    page = Page(style, phrases["labels"], width)
    s = style
    page.lines.append(s.bold(s.codes_in(comp.title)))
    page.para(comp.intro, indent=0)
    if comp.differences:
        page.heading("key_differences")
        page.bullets([d.sentence for d in comp.differences])
    if comp.shared:
        page.heading("shared")
        page.bullets([d.sentence for d in comp.shared])
    if comp.curated_note:
        page.heading("curated_note")
        page.para(comp.curated_note)
    for info in (comp.a,) if comp.same else (comp.a, comp.b):
        page.blank()
        page.lines.append(s.dim("─" * min(width or 60, 60)))
        _code_body(page, info, full=False)
    page.blank()
    page.lines.append(s.dim("─" * min(width or 60, 60)))
    if comp.when_which:
        page.heading("when_which")
        page.bullets(comp.when_which)
    page.heading("facts")
    head_a, head_b = comp.a.code, comp.b.code
    for row in comp.table:
        mark = "≠" if row.differs else "="
        page.lines.append(f"  {s.bold(row.label)} {s.dim(mark)}")
        page.lines.append(f"    {s.code(head_a)}: {s.codes_in(row.a)}")
        if not comp.same:
            page.lines.append(f"    {s.code(head_b)}: {s.codes_in(row.b)}")
    if comp.learn_more:
        page.heading("learn_more")
        for link in comp.learn_more:
            page.lines.append(f"  {link.label}  {s.dim(link.url)}")
    return page.text()


def render_list(rows: list[CodeInfo], style: Style) -> str:
    width = max((len(info.code) for info in rows), default=3)
    lines = []
    for info in rows:
        pad = " " * (width - len(info.code))
        lines.append(f"{style.code(info.code)}{pad}  {info.title}  {style.dim(info.tier_label)}")
    return "\n".join(lines) + ("\n" if lines else "")
