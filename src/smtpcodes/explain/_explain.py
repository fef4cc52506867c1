"""``explain(x, lang)``: a code or a reply in, an :class:`Explanation` out."""

from __future__ import annotations

import re
from functools import lru_cache

from smtpcodes._typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass

from smtpcodes._errors import CodeSyntaxError, ReplyParseError
from smtpcodes.catalogue import load_catalogue
from smtpcodes.codes import BasicCode, EnhancedCode
from smtpcodes.explain._classify import Decision, classify, verdict_views
from smtpcodes.explain._codeinfo import code_info, normalize_code, phrase
from smtpcodes.explain._extract import (
    Extracted,
    NoReplyError,
    extract,
    trailing_command,
    unescape_newlines,
)
from smtpcodes.explain._model import (
    BounceView,
    CodeInfo,
    CommandView,
    Explanation,
    FindingNote,
    Party,
    ProviderView,
    ReasonView,
    ReplyView,
    RetryAdvice,
)
from smtpcodes.explain._rules import Rules, load_rules
from smtpcodes.explain._secrets import scrub_secrets
from smtpcodes.protocol import Finding, Reply, Stage, parse_reply

Explainable = str | bytes | Reply | BasicCode | EnhancedCode
_CODE_TYPES = (BasicCode, EnhancedCode)
_LONGEST_CODE = len("5.123.123")  #: RFC 3463 section 2: subject and detail are 1*3digit
#: RFC 5321 section 4.2: Reply-code [ SP / "-" textstring ]
_REPLY_HEAD = re.compile(r"\d{3}(?:[ -]|\r?\n|$)")


def _is_code(text: str) -> bool:
    try:
        normalize_code(text)
    except CodeSyntaxError:
        return False
    return True


_SECTION_WORD = re.compile(r"\bsections?\b")


def finding_notes(findings: tuple[Finding, ...], lang: str) -> tuple[FindingNote, ...]:
    phrases = load_catalogue().phrases(lang)
    section_word = phrases["source"]["word"]
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
                # "RFC 2034 section 4" -> "RFC 2034 หัวข้อ 4": the citation in the reader's words
                rfc=_SECTION_WORD.sub(section_word, finding.rfc),
                line=finding.line,
            )
        )
    return tuple(notes)


if TYPE_CHECKING:
    from smtpcodes.explain._classify import Views
    from smtpcodes.explain._model import Evidence

    #: Explanation's fields from reason to evidence, in its order: reason, bounce, retry,
    #: who_acts, provider, command, form, evidence
    Verdict = tuple[
        ReasonView | None,
        BounceView | None,
        RetryAdvice | None,
        tuple[Party, ...],
        ProviderView | None,
        CommandView | None,
        str,
        tuple[Evidence, ...],
    ]


def _verdict(
    lang: str,
    rules: Rules | None,
    *,
    code: str | None,
    enhanced: str | None,
    text: str,
    context: str,
    found: Extracted | None,
    command: tuple[Stage, str, str] | None,
) -> Verdict:
    """The real-world half of an explanation: reason, hard/soft, retry, who, provider,
    command, form and evidence (Explanation's fields, in its order: passed positionally)."""
    rules = rules or load_rules()
    extra: list[Decision] = []
    form = ""
    if found is not None:
        extra.append(Decision("reply", "form", found.form, found.form_text))
        form = found.form
    command_label = ""
    stage: str | None = None
    command_view: CommandView | None = None
    if command is not None:
        said, matched = command[1], command[2]
        stage = command[0]._value_  # (an enum's .value is a Python-level property)
        command_view = _command_view(stage, said, lang)
        command_label = command_view.label
        extra.append(Decision("command", "text", stage, matched))
    classification = classify(
        rules, code=code, enhanced=enhanced, text=text, context=context, command=stage
    )
    views: Views
    views, evidence = verdict_views(
        classification,
        rules,
        lang,
        code=code,
        enhanced=enhanced,
        command_label=command_label,
        extra=tuple(extra),
    )
    return (*views, command_view, form, evidence)


#: the verdict of a code explained without a reply, or of a class ("5xx"): none
_NO_VERDICT: Verdict = (None, None, None, (), None, None, "", ())


@lru_cache(maxsize=512)
def _command_view(stage: str, said: str, lang: str) -> CommandView:
    label = load_catalogue().phrases(lang)["stage"].get(stage, said)
    return CommandView(stage, label, said)


def _command_of(found: Extracted | None, source: str) -> tuple[Stage, str, str] | None:
    if found is not None:
        if found.command is None:
            return None
        return found.command, found.command_text, found.command_text
    trailing = trailing_command(source) if source else None
    if trailing is None:
        return None
    stage, said = trailing
    return stage, said, f"(in reply to {said} command)"


def explain_reply(
    reply: Reply,
    lang: str,
    source: str = "",
    *,
    rules: Rules | None = None,
    found: Extracted | None = None,
    only_reply: bool = False,
) -> Explanation:
    """Explain a parsed reply; ``source`` is the text it came from (a log line, an error).

    ``only_reply``: ``source`` holds the reply and nothing else, so providers are looked for
    in the reply's text (what the codes add names no provider).
    """
    enhanced_code = None if reply.enhanced is None else str(reply.enhanced)
    basic, enhanced, headline = _codes(reply.code_text, enhanced_code, lang)
    text = reply.text
    lines = reply.lines
    if len(lines) == 1:  # most replies: no generator
        line = lines[0]
        shown: tuple[str, ...] = (f"{line.code_text}{line.separator}{line.text}",)
    else:
        shown = tuple([f"{ln.code_text}{ln.separator}{ln.text}" for ln in lines])
    view = ReplyView(reply.code_text, enhanced_code, shown, text, reply.complete)
    verdict = _verdict(
        lang,
        rules,
        code=reply.code_text if len(reply.code_text) == 3 else None,  # Reply.basic, unbuilt
        enhanced=enhanced_code,
        text=text,
        context=text if only_reply else source or text,
        found=found,
        command=_command_of(found, source),
    )
    return Explanation(
        lang,
        scrub_secrets(source) if source else reply.wire().rstrip("\r\n"),
        headline,
        basic,
        enhanced,
        view,
        finding_notes(reply.findings, lang) if reply.findings else (),
        *verdict,
    )


@lru_cache(maxsize=2048)
def _codes(
    code_text: str, enhanced_code: str | None, lang: str
) -> tuple[CodeInfo | None, CodeInfo | None, str]:
    """Both codes explained and the headline: the same for every reply with these codes."""
    basic = code_info(code_text, lang) if len(code_text) == 3 else None
    enhanced = code_info(enhanced_code, lang) if enhanced_code is not None else None
    phrases = load_catalogue().phrases(lang)
    main = basic or enhanced
    if main is None:  # a code of the wrong length: explain by its first digit
        basic = main = code_info(f"{code_text[0]}xx", lang)
    if enhanced is not None and basic is not None:
        headline = phrase(
            phrases,
            "explain.headline_reply_enhanced",
            code=code_text,
            enhanced=enhanced.code,
            class_short=basic.class_short or basic.class_name,
            subject=enhanced.detail_label,
            title=enhanced.title if enhanced.known else basic.title,
        )
    else:
        headline = phrase(
            phrases,
            "explain.headline_reply",
            code=code_text,
            class_short=main.class_short or main.class_name,
            title=main.title,
        )
    return basic, enhanced, headline


def explain(subject: Explainable, lang: str = "en", *, rules: Rules | None = None) -> Explanation:
    """Explain a code (``"535"``, ``"5.7.8"``, ``"5xx"``), a reply (``"550 5.1.1 ..."``) or
    text with a reply inside: a Postfix or Exim log line, a bounce, a library error.

    >>> explain("550 5.1.1 The email account that you tried to reach does not exist").headline
    '550 5.1.1: permanent failure; X.1.X Addressing status; Bad destination mailbox address.'
    >>> e = explain("SMTPAuthenticationError(535, b'5.7.8 Username and Password not accepted')")
    >>> (e.form, e.command.stage, e.reason.id, e.bounce.hard)
    ('smtplib', 'auth', 'securityerror', True)

    ``rules`` replaces the shipped rule tables (see :func:`load_rules`).
    Raises :class:`CodeSyntaxError` for a malformed code, :class:`ReplyParseError` for
    text without a reply, :class:`UnknownLanguageError` for a language we lack.
    A well-formed code that the catalogue lacks is explained by its digits.
    """
    if lang not in _LANGUAGES_SEEN:
        load_catalogue().phrases(lang)  # fail early on an unknown language
        _LANGUAGES_SEEN.add(lang)
    if type(subject) is not str:  # (text is the usual case: one check)
        if isinstance(subject, Reply):
            return explain_reply(subject, lang, rules=rules)
        if isinstance(subject, _CODE_TYPES):
            subject = str(subject)
        elif isinstance(subject, bytes):
            try:
                return explain_reply(parse_reply(subject), lang, rules=rules)
            except ReplyParseError as exc:
                return _explain_text(subject.decode("utf-8", "replace").strip(), lang, rules, exc)
        elif not isinstance(subject, str):
            raise TypeError(
                "explain() takes a code or a reply as str, bytes, Reply, BasicCode or "
                f"EnhancedCode, not {type(subject).__name__}"
            )
    text = subject.strip()
    if len(text) <= _LONGEST_CODE and _is_code(text):
        return _explain_code(text, lang, rules)
    if len(text) <= _LONGEST_CODE and text.replace(".", "").isdigit():
        # "99", "6.1.1", "5.1": shaped like a code but not one
        normalize_code(text)
    if not text[:1].isdigit():
        # not a reply (RFC 5321 section 4.2: a reply starts with its code): look inside
        return _explain_text(text, lang, rules, None)
    if not _REPLY_HEAD.match(text):
        # digits, but no "550 " or "550-" ("2026-06-18 10:00 ... SMTP error from remote mail
        # server ..."): look inside first, and only then let the lenient parser have a go
        found = _find(text)
        if found is not None:
            return _explain_found(text, found, lang, rules)
    elif "\n" not in text and "\\n" in text:
        # a multi-line reply pasted from a JSON log: "550-5.7.1 ...\\n550 5.7.1 ..."
        lines = unescape_newlines(text)
        try:
            reply = parse_reply(lines)
        except ReplyParseError:
            pass
        else:
            if _plausible(reply):
                return explain_reply(reply, lang, source=text, rules=rules, only_reply=True)
    try:
        reply = parse_reply(text)
    except ReplyParseError as exc:
        return _explain_text(text, lang, rules, exc)
    if not _plausible(reply):
        # The parser is lenient: "2026-06-18 10:00 ... SMTP error from remote mail server"
        # reads as a continuation line of a 4-digit code.  A reply inside wins over that.
        # (an "embedded" reply counts too: "550-... from\\n550 5.7.708 ..." is one line to
        # the parser, a complete reply once the escaped line break is read)
        found = _find(text)
        if found is not None and (found.form != "embedded" or "\n" in found.reply):
            return _explain_found(text, found, lang, rules)
        if reply.code_text[0] not in "2345":
            raise ReplyParseError(
                f"{reply.code_text!r} is not a reply code: SMTP replies start with 2, 3, 4 or 5 "
                "(RFC 5321 section 4.2.1), and no reply was found inside the text",
                line=1,
            )
    return explain_reply(reply, lang, source=text, rules=rules, only_reply=True)


#: the languages explain() has checked the catalogue has
_LANGUAGES_SEEN: set[str] = set()


def _plausible(reply: Reply) -> bool:
    """A reply as servers send it: three digits, class 2 to 5, ended by a final line."""
    return len(reply.code_text) == 3 and reply.code_text[0] in "2345" and reply.complete


def _find(text: str) -> Extracted | None:
    try:
        return extract(text)
    except NoReplyError:
        return None


def _explain_code(text: str, lang: str, rules: Rules | None) -> Explanation:
    info = code_info(text, lang)
    verdict = _NO_VERDICT
    if info.kind != "class":
        enhanced = info.code if info.kind == "enhanced" and info.code[0] != "X" else None
        verdict = _verdict(
            lang,
            rules,
            code=info.code if info.kind == "basic" else None,
            enhanced=enhanced or (info.code if info.kind == "enhanced" else None),
            text="",
            context="",
            found=None,
            command=None,
        )
    return Explanation(
        lang,
        text,
        f"{info.code}: {info.title}",
        info if info.kind in ("basic", "class") else None,
        info if info.kind == "enhanced" else None,
        None,
        (),
        *verdict,
    )


def _explain_text(
    text: str, lang: str, rules: Rules | None, error: ReplyParseError | None
) -> Explanation:
    """The text is not a reply: find one inside it (a log line, a bounce, a library error)."""
    found = None
    if text:
        try:
            found = extract(text)
        except NoReplyError as exc:
            raise ReplyParseError(str(exc)) from None
    if found is None:
        if error is None:
            try:
                parse_reply(text)  # only for its precise message
            except ReplyParseError as exc:
                error = exc
        if not text and error is not None:
            raise error
        raise ReplyParseError(
            f"{error}; no SMTP reply (such as '550 5.1.1 ...') was found inside the text either"
        ) from None
    return _explain_found(text, found, lang, rules)


def _explain_found(text: str, found: Extracted, lang: str, rules: Rules | None) -> Explanation:
    if not found.reply:
        return _explain_status(text, found, lang, rules)
    try:
        reply = parse_reply(found.reply)
    except ReplyParseError as exc:
        raise ReplyParseError(f"the reply found in the text does not parse: {exc}") from None
    return explain_reply(reply, lang, source=text, rules=rules, found=found)


def _explain_status(text: str, found: Extracted, lang: str, rules: Rules | None) -> Explanation:
    """Only an enhanced status code (Postfix ``dsn=5.1.1``, a DSN ``Status:`` field)."""
    info = code_info(found.status, lang)
    verdict = _verdict(
        lang,
        rules,
        code=None,
        enhanced=found.status,
        text=found.detail,
        context=text,
        found=found,
        command=_command_of(found, text),
    )
    return Explanation(
        lang, scrub_secrets(text), f"{info.code}: {info.title}", None, info, None, (), *verdict
    )
