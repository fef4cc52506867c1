"""Build :class:`CodeInfo` for one code in one language from the catalogue and phrases."""

from __future__ import annotations

import re
from functools import lru_cache

from smtpcodes._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

from smtpcodes._errors import CodeSyntaxError
from smtpcodes.catalogue import Catalogue, Entry, Source, load_catalogue
from smtpcodes.codes import BasicCode, EnhancedCode, looks_enhanced
from smtpcodes.explain._model import (
    CodeInfo,
    CodeRef,
    Fact,
    Link,
    TranscriptView,
    VendorView,
)

# classes that exist: 2xx-5xx (RFC 5321 section 4.2.1), 2/4/5.X.X and subjects X.0.X-X.7.X
# (RFC 3463 section 2)
_CLASS_CODE = re.compile(r"[2-5][xX]{2}|[245]\.[xX]\.[xX]|[xX]\.[0-7]\.[xX]")
_RETRY_BY_CLASS = {2: "continue", 3: "continue", 4: "later", 5: "never-unchanged"}
_RFC = re.compile(r"RFC\s*(\d+)", re.IGNORECASE)


def normalize_code(text: str) -> str:
    """Check and normalise a code as typed: ``535``, ``5.7.8``, ``X.7.8``, ``5xx``, ``X.7.X``.

    Raises :class:`CodeSyntaxError` with what was expected.
    """
    code = text.strip()
    if _CLASS_CODE.fullmatch(code):
        return code[0] + code[1:].lower() if code[0].isdigit() and "." not in code else code.upper()
    if looks_enhanced(code):
        return str(EnhancedCode.parse(code))
    if code.isdigit() or (code[:1].isdigit() and "." not in code):
        return str(BasicCode.parse(code))
    raise CodeSyntaxError(
        text, "a basic code such as 550, an enhanced code such as 5.1.1, or a class such as 5xx"
    )


def kind_of(code: str) -> str:
    if _CLASS_CODE.fullmatch(code):
        return "class"
    return "enhanced" if "." in code else "basic"


def phrase(phrases: dict[str, Any], path: str, **values: object) -> str:
    node: Any = phrases
    for part in path.split("."):
        node = node[part]
    text = str(node)
    return text.format(**values) if values else text


def source_link(source: Source, phrases: dict[str, Any]) -> Link:
    if source.section:
        label = phrase(phrases, "source.section", ref=source.ref, section=source.section)
    else:
        label = phrase(phrases, "source.plain", ref=source.ref)
    url = source.url
    match = _RFC.fullmatch(source.ref.strip())
    if not url and match:
        number = match.group(1)
        url = f"https://www.rfc-editor.org/rfc/rfc{number}"
        first = source.section.split(",")[0].split()[0] if source.section else ""
        if first and first[0].isdigit():
            url += f"#section-{first.rstrip('.')}"
    elif not url and source.ref.upper().startswith("IANA"):
        url = "https://www.iana.org/assignments/smtp-enhanced-status-codes/"
    return Link(label, url)


def _join(values: list[str], phrases: dict[str, Any]) -> str:
    return ", ".join(values) if values else phrase(phrases, "labels.none")


def _facts(
    entry: Entry | None,
    phrases: dict[str, Any],
    *,
    stages: tuple[str, ...],
    retry: str,
    typical: tuple[str, ...],
    typical_key: str,
) -> tuple[Fact, ...]:
    label = phrases["labels"]
    facts: list[Fact] = []
    if entry is not None:
        facts.append(
            Fact("tier", label["tier"], phrases["tier"][entry.tier.value], (entry.tier.value,))
        )
    if stages:
        names = [phrases["stage"][s] for s in stages]
        facts.append(Fact("stage", label["stage"], _join(names, phrases), stages))
    if entry is not None and entry.commands:
        facts.append(Fact("commands", label["commands"], ", ".join(entry.commands), entry.commands))
    if retry:
        facts.append(Fact("retry", label["retry"], phrases["retry"][retry], (retry,)))
    if entry is not None:
        next_step = entry.next_step.value
        facts.append(
            Fact("next_step", label["next_step"], phrases["next_step"][next_step], (next_step,))
        )
        closes = entry.closes.value
        facts.append(Fact("closes", label["closes"], phrases["closes"][closes], (closes,)))
        who = tuple(a.value for a in entry.who)
        facts.append(
            Fact("who", label["who"], _join([phrases["who"][a] for a in who], phrases), who)
        )
    facts.append(Fact(typical_key, label[typical_key], _join(list(typical), phrases), typical))
    if entry is not None and entry.classes:
        facts.append(Fact("classes", label["classes"], ", ".join(entry.classes), entry.classes))
    if entry is not None and entry.libraries:
        value = "; ".join(f"{lib}: {name}" for lib, name in entry.libraries.items())
        facts.append(Fact("libraries", label["libraries"], value, tuple(entry.libraries)))
    return tuple(facts)


def _vendor_view(entry: Entry, lang: str, phrases: dict[str, Any]) -> VendorView:
    text = entry.text[lang]
    return VendorView(
        provider=entry.provider,
        provider_name=phrases["provider"].get(entry.provider, entry.provider),
        code=entry.code,
        title=text.title,
        summary=text.summary,
        description=text.description,
        fix_client=text.fix_client,
        fix_server=text.fix_server,
        sources=tuple(source_link(s, phrases) for s in entry.sources),
    )


def _class_fields(
    code: str, kind: str, phrases: dict[str, Any]
) -> tuple[int | None, str, str, str, str]:
    """class digit, class name, short class, class meaning, detail label (category/subject)."""
    if kind == "basic":
        basic = BasicCode.parse(code)
        digit = basic.first_digit
        second = (basic.value // 10) % 10
        return (
            digit,
            phrases["class_name"].get(str(digit), str(digit)),
            phrases["class_short"].get(str(digit), ""),
            phrases["class_meaning"].get(str(digit), ""),
            phrases["category"][str(second)],
        )
    if kind == "enhanced":
        enhanced = EnhancedCode.parse(code)
        subject = (
            phrases["subject"][str(enhanced.subject)]
            if enhanced.subject <= 7
            else phrase(phrases, "subject.other", subject=enhanced.subject)
        )
        if enhanced.klass is None:
            return None, "", "", "", subject
        digit = enhanced.klass
        return (
            digit,
            phrases["enhanced_class"][str(digit)],
            phrases["class_short"][str(digit)],
            phrases["class_meaning"][str(digit)],
            subject,
        )
    first = code[0]
    if first.isdigit():
        return (
            int(first),
            phrases["class_name"][first],
            phrases["class_short"][first],
            phrases["class_meaning"][first],
            "",
        )
    return None, "", "", "", phrases["subject"][code.split(".")[1]]


@lru_cache(maxsize=4096)
def code_info(code: str, lang: str) -> CodeInfo:
    """All there is to say about ``code`` in ``lang`` (cached; codes are normalised first)."""
    catalogue = load_catalogue()
    phrases = catalogue.phrases(lang)
    code = normalize_code(code)
    kind = kind_of(code)
    digit, class_name, class_short, class_meaning, detail = _class_fields(code, kind, phrases)

    entry: Entry | None
    vendor: tuple[Entry, ...] = ()
    notes: list[str] = []
    if kind == "enhanced":
        enhanced = EnhancedCode.parse(code)
        entry = catalogue.find(str(enhanced.generic))
        if enhanced.klass is not None:
            vendor = catalogue.vendor_uses(code)
            if entry is None and vendor:
                entry, vendor = vendor[0], vendor[1:]
            elif entry is not None and entry.classes and str(digit) not in entry.classes:
                notes.append(
                    phrase(
                        phrases,
                        "explain.not_meaningful",
                        generic=entry.code,
                        classes=", ".join(entry.classes),
                        code=code,
                    )
                )
            for use in vendor:
                name = phrases["provider"].get(use.provider, use.provider)
                notes.append(phrase(phrases, "explain.vendor_differs", provider=name, code=code))
    else:
        entry = catalogue.find(code)

    if entry is None:
        return _unknown(
            code, kind, lang, phrases, digit, class_name, class_short, class_meaning, detail
        )

    text = entry.text[lang]
    if kind == "enhanced" and digit is not None:
        retry = _RETRY_BY_CLASS[digit]
    elif entry.retry is not None:
        retry = entry.retry.value
    else:
        retry = ""
    stages = tuple(s.value for s in entry.stages)
    typical = entry.enhanced if entry.kind.value == "basic" else entry.basic
    typical_key = "enhanced" if entry.kind.value == "basic" else "basic"
    related = tuple(CodeRef(c, catalogue.title(c, lang)) for c in entry.related)
    confused = tuple(
        CodeRef(c.code, catalogue.title(c.code, lang), c.note.get(lang, ""))
        for c in entry.confused_with
    )
    return CodeInfo(
        code=code,
        kind=kind,
        known=True,
        lang=lang,
        tier=entry.tier.value,
        tier_label=phrases["tier"][entry.tier.value],
        title=text.title,
        summary=text.summary,
        description=text.description,
        when=text.when,
        fix_client=text.fix_client,
        fix_server=text.fix_server,
        notes=(*text.notes, *notes),
        retry_note=text.retry_note,
        class_digit=digit,
        class_name=class_name,
        class_short=class_short,
        class_meaning=class_meaning,
        detail_label=detail,
        stages=stages,
        retry=retry,
        next_step=entry.next_step.value,
        closes=entry.closes.value,
        who=tuple(a.value for a in entry.who),
        facts=_facts(
            entry, phrases, stages=stages, retry=retry, typical=typical, typical_key=typical_key
        ),
        related=related,
        confused_with=confused,
        sources=tuple(source_link(s, phrases) for s in entry.sources),
        examples=entry.examples,
        typical=typical,
        registry=entry.registry,
        vendor=tuple(_vendor_view(v, lang, phrases) for v in vendor),
        transcript=_transcript(catalogue, code),
    )


def _transcript(catalogue: Catalogue, code: str) -> TranscriptView | None:
    recorded = catalogue.transcript(code)
    if recorded is None:
        return None
    return TranscriptView(
        recorded.scenario,
        recorded.probe_command,
        recorded.swaks_command,
        recorded.recorded,
        recorded.lines,
    )


def _unknown(
    code: str,
    kind: str,
    lang: str,
    phrases: dict[str, Any],
    digit: int | None,
    class_name: str,
    class_short: str,
    class_meaning: str,
    detail: str,
) -> CodeInfo:
    if kind == "enhanced":
        summary = phrase(phrases, "explain.unknown_enhanced", code=code)
    else:
        summary = phrase(phrases, "explain.unknown_basic", code=code, class_meaning=class_meaning)
    retry = _RETRY_BY_CLASS.get(digit, "") if digit is not None else ""
    description = " ".join(part for part in (class_meaning, detail) if part)
    return CodeInfo(
        code=code,
        kind=kind,
        known=False,
        lang=lang,
        tier="",
        tier_label=phrase(phrases, "labels.unknown"),
        title=phrase(phrases, "explain.unknown_title", code=code),
        summary=summary,
        description=description,
        when="",
        fix_client=(),
        fix_server=(),
        notes=(),
        retry_note="",
        class_digit=digit,
        class_name=class_name,
        class_short=class_short,
        class_meaning=class_meaning,
        detail_label=detail,
        stages=(),
        retry=retry,
        next_step="",
        closes="",
        who=(),
        facts=_facts(
            None,
            phrases,
            stages=(),
            retry=retry,
            typical=(),
            typical_key="enhanced" if kind == "basic" else "basic",
        ),
        related=(),
        confused_with=(),
        sources=(),
        examples=(),
        typical=(),
    )
