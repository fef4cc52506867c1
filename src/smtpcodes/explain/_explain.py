"""``explain(x, lang)``: a code or a reply in, an :class:`Explanation` out."""

from __future__ import annotations

from smtpcodes._errors import CodeSyntaxError
from smtpcodes.catalogue import load_catalogue
from smtpcodes.codes import BasicCode, EnhancedCode
from smtpcodes.explain._codeinfo import code_info, normalize_code, phrase
from smtpcodes.explain._model import Explanation, FindingNote, ReplyView
from smtpcodes.protocol import Finding, Reply, parse_reply

Explainable = str | bytes | Reply | BasicCode | EnhancedCode


def _is_code(text: str) -> bool:
    try:
        normalize_code(text)
    except CodeSyntaxError:
        return False
    return True


def finding_notes(findings: tuple[Finding, ...], lang: str) -> tuple[FindingNote, ...]:
    phrases = load_catalogue().phrases(lang)
    notes = []
    for finding in findings:
        values = dict(finding.params)
        values.setdefault("line", str(finding.line or ""))
        try:
            message = phrase(phrases, f"finding.{finding.kind.value}", **values)
        except KeyError:
            message = finding.detail
        notes.append(
            FindingNote(
                kind=finding.kind.value,
                severity=finding.severity.value,
                severity_label=phrases["severity"][finding.severity.value],
                message=message,
                rfc=finding.rfc,
                line=finding.line,
            )
        )
    return tuple(notes)


def explain_reply(reply: Reply, lang: str, source: str = "") -> Explanation:
    basic = code_info(reply.code_text, lang) if reply.basic is not None else None
    enhanced = code_info(str(reply.enhanced), lang) if reply.enhanced is not None else None
    phrases = load_catalogue().phrases(lang)
    main = basic or enhanced
    if main is None:  # a code of the wrong length: explain by its first digit
        basic = code_info(f"{reply.code_text[0]}xx", lang)
        main = basic
    if enhanced is not None and basic is not None:
        headline = phrase(
            phrases,
            "explain.headline_reply_enhanced",
            code=reply.code_text,
            enhanced=enhanced.code,
            class_short=basic.class_short or basic.class_name,
            subject=enhanced.detail_label,
            title=enhanced.title if enhanced.known else basic.title,
        )
    else:
        headline = phrase(
            phrases,
            "explain.headline_reply",
            code=reply.code_text,
            class_short=main.class_short or main.class_name,
            title=main.title,
        )
    view = ReplyView(
        code=reply.code_text,
        enhanced=None if reply.enhanced is None else str(reply.enhanced),
        lines=tuple(f"{ln.code_text}{ln.separator}{ln.text}" for ln in reply.lines),
        text=reply.text,
        complete=reply.complete,
    )
    return Explanation(
        lang=lang,
        input=source or reply.wire().rstrip("\r\n"),
        headline=headline,
        basic=basic,
        enhanced=enhanced,
        reply=view,
        findings=finding_notes(reply.findings, lang),
    )


def explain(subject: Explainable, lang: str = "en") -> Explanation:
    """Explain a code (``"535"``, ``"5.7.8"``, ``"5xx"``) or a reply (``"550 5.1.1 ..."``).

    >>> explain("550 5.1.1 The email account that you tried to reach does not exist").headline
    '550 5.1.1: permanent failure; X.1.X Addressing status; Bad destination mailbox address.'

    Raises :class:`CodeSyntaxError` for a malformed code, :class:`ReplyParseError` for
    text that is not a reply, :class:`UnknownLanguageError` for a language we lack.
    A well-formed code that the catalogue lacks is explained by its digits.
    """
    load_catalogue().phrases(lang)  # fail early on an unknown language
    if isinstance(subject, Reply):
        return explain_reply(subject, lang)
    if isinstance(subject, BasicCode | EnhancedCode):
        subject = str(subject)
    if isinstance(subject, bytes):
        return explain_reply(parse_reply(subject), lang)
    text = subject.strip()
    if _is_code(text):
        info = code_info(text, lang)
        return Explanation(
            lang=lang,
            input=text,
            headline=f"{info.code}: {info.title}",
            basic=info if info.kind in ("basic", "class") else None,
            enhanced=info if info.kind == "enhanced" else None,
        )
    if text.replace(".", "").isdigit() and "." in text:
        # "6.1.1", "5.1": shaped like an enhanced code but not one
        normalize_code(text)
    return explain_reply(parse_reply(text), lang, source=text)
