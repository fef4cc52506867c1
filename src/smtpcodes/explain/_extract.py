"""Find the SMTP reply inside a log line, a bounce or a library error.  Pure, no I/O.

Users rarely paste a bare reply.  They paste what their software printed::

    postfix/smtp[811]: 4BQ2: to=<bob@example.org>, relay=mx.example.org[192.0.2.1]:25,
      dsn=5.1.1, status=bounced (host mx.example.org[192.0.2.1] said: 550 5.1.1 <bob@example.org>:
      Recipient address rejected: User unknown (in reply to RCPT TO command))
    smtplib.SMTPAuthenticationError: (535, b'5.7.8 Username and Password not accepted. ...')
    Error: Invalid login: 535-5.7.8 Username and Password not accepted. ...

:func:`extract` returns the reply as reply lines (``550 5.1.1 ...``, ready for
:func:`smtpcodes.protocol.parse_reply`), the command it answered when the text says so,
and which form it was found in.  Each form below quotes the software that writes it.
"""

from __future__ import annotations

import contextlib
import re
from functools import cached_property

from smtpcodes._record import record
from smtpcodes.protocol import Stage


@record
class Extracted:
    """A reply found inside other text."""

    form: str  #: "postfix", "exim", "smtplib", "nodemailer", "phpmailer", "javamail", ...
    form_text: str  #: the text that gave the form away: "said:", "SMTPAuthenticationError"
    reply: str  #: reply lines joined by "\n" ("" when only a status code was found)
    status: str = ""  #: an enhanced code found apart from a reply (Postfix dsn=, DSN Status:)
    detail: str = ""  #: the text to classify when there is no reply
    command: Stage | None = None
    command_text: str = ""  #: the command as the text names it: "RCPT TO", "end of DATA"


class NoReplyError(ValueError):
    """Known software wrote this, but its message leaves out the server's reply."""

    def __init__(self, form: str, hint: str) -> None:
        self.form = form
        self.hint = hint
        super().__init__(hint)


# -- helpers ---------------------------------------------------------------------------------

# RFC 5321 section 4.2: Reply-code [ SP / "-" textstring ]
_CODE_AT = re.compile(r"([2-5]\d\d)(?:([ -])|$)")
_REPLY_START = r"(?=[2-5]\d\d(?:[ -]|$))"
# what software puts before continuation lines: indentation, PHPMailer's time stamp
_LINE_PREFIX = re.compile(r"^\s*(?:\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\S*\s+)?")
_ESCAPED_NEWLINE = re.compile(r"\\r\\n|\\n|\\r")


#: commands as software names them, tried in this order: (prefix, stage)
_COMMAND_PREFIXES = (
    ("MAIL", Stage.MAIL),
    ("RCPT", Stage.RCPT),
    ("DATA", Stage.DATA),
    ("EHLO", Stage.EHLO),
    ("HELO", Stage.EHLO),
    ("LHLO", Stage.EHLO),
    ("STARTTLS", Stage.STARTTLS),
    ("AUTH", Stage.AUTH),
    ("PASSWORD", Stage.AUTH),
    ("USERNAME", Stage.AUTH),
    ("QUIT", Stage.QUIT),
    ("RSET", Stage.OTHER),
    ("NOOP", Stage.OTHER),
    ("VRFY", Stage.OTHER),
    ("EXPN", Stage.OTHER),
    ("HELP", Stage.OTHER),
    ("INITIAL CONNECTION", Stage.CONNECT),
    ("CONNECT", Stage.CONNECT),
    ("CONN", Stage.CONNECT),
    ("GREETING", Stage.CONNECT),
)
#: the same by their first four letters (every prefix has four), in the same order: one dict
#: look-up instead of twenty startswith (building the table on each call cost 1.5 us)
_COMMANDS_BY_HEAD: dict[str, list[tuple[str, Stage]]] = {}
for _prefix, _stage in _COMMAND_PREFIXES:
    _COMMANDS_BY_HEAD.setdefault(_prefix[:4], []).append((_prefix, _stage))


def command_stage(words: str) -> Stage | None:
    """The session stage of a command as software names it: "RCPT TO:<a@b>", "end of DATA"."""
    text = " ".join(words.upper().split())
    if text.startswith("PIPELINED "):
        text = text[len("PIPELINED ") :]
    if text.startswith(("END OF DATA", "DATA END", "BDAT")) or text in (".", "<CRLF>.<CRLF>"):
        return Stage.END_OF_DATA
    for prefix, stage in _COMMANDS_BY_HEAD.get(text[:4], ()):
        if text.startswith(prefix):
            return stage
    return None


def _search(
    regex: re.Pattern[str], text: str, literals: tuple[str, ...], back: int = 0
) -> re.Match[str] | None:
    """``regex.search(text)`` for a regex whose every match starts at most ``back``
    characters before one of ``literals`` (as written: the regexes here are case-sensitive).

    sre has no fast scan for a regex that opens with \\b, \\s* or an optional character: it
    tries every place of a long log line (microseconds).  str.find finds the few places
    where a literal is, match() tries each; the leftmost match is the one search() finds.
    """
    best: re.Match[str] | None = None
    if not back:  # the usual case: each place of a literal is the one start to try
        for literal in literals:
            at = text.find(literal)
            while at >= 0 and (best is None or at < best.start()):
                match = regex.match(text, at)
                if match is not None:
                    best = match
                    break
                at = text.find(literal, at + 1)
        return best
    for literal in literals:
        at = text.find(literal)
        tried = -1
        while at >= 0 and (best is None or at - back < best.start()):
            for start in range(max(at - back, tried + 1, 0), at + 1):
                match = regex.match(text, start)
                if match is not None:
                    if best is None or match.start() < best.start():
                        best = match
                    break
            else:
                tried = at
                at = text.find(literal, at + 1)
                continue
            break
    return best


def unescape_newlines(text: str) -> str:
    """JSON logs and inspect() output show line breaks as \\r\\n or \\n."""
    if "\\" not in text:
        return text
    return _ESCAPED_NEWLINE.sub("\n", text)


_ENHANCED_AT = re.compile(r"[245]\.\d{1,3}\.\d{1,3}(?=\s|$)")


class _Regexes:
    """The regexes of the forms, each compiled when first used: a text is tried only on the
    forms whose gate words it has, so most of them never are in a process that explains one
    reply (compiling all of them cost the CLI 2.5 ms of start-up).  After the first use the
    compiled regex is a plain attribute of ``_RX``."""

    @cached_property
    def py_class(self) -> re.Pattern[str]:
        return re.compile(
            r"\b(?:(?:aio)?smtplib(?:\.errors)?\.)?(SMTP[A-Za-z]*(?:Error|Refused|Exception))\b"
        )

    @cached_property
    def py_tuple(self) -> re.Pattern[str]:
        # the body as runs of plain characters between escapes: sre tries a lookahead on a
        # back reference at every character of ((?:\\.|(?!\3)[^\\])*)\3 (5 us a reply)
        return re.compile(
            r"\(\s*([2-5]\d\d)\s*,\s*(b?)"
            r"(?:'([^\\']*(?:\\.[^\\']*)*)'|\"([^\\\"]*(?:\\.[^\\\"]*)*)\")",
            re.S,
        )

    @cached_property
    def py_dict(self) -> re.Pattern[str]:
        return re.compile(r"\{\s*['\"][^'\"]*['\"]\s*:\s*\(\s*[2-5]\d\d\s*,")

    @cached_property
    def py_escape(self) -> re.Pattern[str]:
        return re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)", re.S)

    @cached_property
    def java(self) -> re.Pattern[str]:
        return re.compile(
            r"(?<![\w.])((?:[a-z]\w*\.)*(?:SMTP\w*Exception|AuthenticationFailedException|"
            r"SendFailedException|MessagingException|Mail\w*Exception))\s*:\s*"
        )

    @cached_property
    def java_end(self) -> re.Pattern[str]:
        return re.compile(r";\s*nested exception|\n\s*at\s|\n\s*Caused by:|\n\s*nested exception")

    @cached_property
    def node(self) -> re.Pattern[str]:
        return re.compile(
            r"(Invalid login|Mail command failed|Recipient command failed|"
            r"Can't send mail - all recipients were rejected|Data command failed|Message failed|"
            r"Invalid greeting(?:\. response=[^:]*)?|Error initiating TLS(?: - [^:]*)?)\s*:\s*"
            + _REPLY_START
        )

    @cached_property
    def node_response(self) -> re.Pattern[str]:
        return re.compile(r"[\"']?\bresponse[\"']?\s*:\s*(['\"`])((?:\\.|(?!\1)[^\\])*)\1", re.S)

    @cached_property
    def node_command(self) -> re.Pattern[str]:
        return re.compile(r"[\"']?\bcommand[\"']?\s*:\s*(['\"`])([^'\"`]{1,60})\1")

    @cached_property
    def node_code(self) -> re.Pattern[str]:
        return re.compile(r"[\"']?\bcode[\"']?\s*:\s*['\"`](E[A-Z]+)['\"`]")

    @cached_property
    def php_failed(self) -> re.Pattern[str]:
        return re.compile(
            r"SMTP ERROR:\s*([A-Za-z][A-Za-z ]{0,20}?) command failed:\s*" + _REPLY_START, re.I
        )

    @cached_property
    def php_recipients(self) -> re.Pattern[str]:
        return re.compile(r"SMTP Error: The following recipients failed:\s*", re.I)

    @cached_property
    def php_summary(self) -> re.Pattern[str]:
        return re.compile(
            r"SMTP Error: (?:Could not authenticate|Could not connect to SMTP host"
            r"|Data not accepted)|SMTP connect\(\) failed",
            re.I,
        )

    @cached_property
    def exim(self) -> re.Pattern[str]:
        return re.compile(
            r"SMTP error from remote (?:mail server|mailer|server)\s+after\s+([^\n]+?):\s*"
            r"(?:host\s+\S+\s*\[[^\]\n]*\]:?\s*)?" + _REPLY_START,
            re.I,
        )

    @cached_property
    def postfix_said(self) -> re.Pattern[str]:
        return re.compile(r"\b(said|refused to talk to me):\s*" + _REPLY_START)

    @cached_property
    def postfix_in_reply(self) -> re.Pattern[str]:
        # "\s*\(in reply to ...": searched without the leading \s* (which sre would try at
        # every place), the white space before it is cut with rstrip (the same as \s)
        return re.compile(r"\(in reply to ([^()]{1,40}?) command\)")

    @cached_property
    def postfix_dsn(self) -> re.Pattern[str]:
        return re.compile(r"\bdsn=([245]\.\d{1,3}\.\d{1,3})\b")

    @cached_property
    def postfix_status(self) -> re.Pattern[str]:
        return re.compile(r"\bstatus=(\w+)\s*\((.*)\)\s*$", re.M)

    @cached_property
    def dsn_diagnostic(self) -> re.Pattern[str]:
        return re.compile(r"^[ \t]*Diagnostic-Code:[ \t]*([\w-]+)[ \t]*;[ \t]*", re.I | re.M)

    @cached_property
    def dsn_status(self) -> re.Pattern[str]:
        return re.compile(r"^[ \t]*Status:[ \t]*([245]\.\d{1,3}\.\d{1,3})\b", re.I | re.M)

    @cached_property
    def server_line(self) -> re.Pattern[str]:
        return re.compile(r"^(?:.*?SERVER -> CLIENT:|\s*(?:<-|<\*\*|<~|S:))\s?(.*)$")

    @cached_property
    def client_line(self) -> re.Pattern[str]:
        return re.compile(r"^(?:.*?CLIENT -> SERVER:|\s*(?:->|~>|C:))\s?(.*)$")

    @cached_property
    def embedded_strong(self) -> re.Pattern[str]:
        return re.compile(
            r"(?<![\w.:/-])([245]\d\d)[ -]([245]\.\d{1,3}\.\d{1,3})(?=[\s:;,.)]|$)", re.M
        )

    @cached_property
    def embedded_weak(self) -> re.Pattern[str]:
        return re.compile(r"(?:^|[:;(\"'=])[ \t]*([45]\d\d)[ -](?=[A-Za-z<\[])", re.M)

    @cached_property
    def trailing_command(self) -> re.Pattern[str]:
        return re.compile(r"\(in reply to ([^()]{1,40}?) command\)\s*\)?\s*$")


_RX = _Regexes()


def _split_inline(line: str, code: str) -> list[str]:
    """A multi-line reply that a log joined with spaces, split back into its lines.

    Postfix logs ``said: 550-5.7.26 This mail ... 550-5.7.26 sender ... 550 5.7.26 https://...``.
    A split needs the same code, and the same enhanced code when the first line has one.
    ``line`` starts with the code and "-".
    """
    enhanced = _ENHANCED_AT.match(line, 4)
    follow = enhanced.group() if enhanced else ""
    after = len(follow) + 4  # from the code to the end of the enhanced code
    pieces: list[str] = []
    start = 0
    # the next line starts where white space is followed by the code and "-", or by the code,
    # white space and the enhanced code as a word (or a space when there is none): str.find
    # finds the code, as the regex \s+(?=550(?:-|\s(?=5\.7\.1\b))) did at every blank
    while line[start + 3 : start + 4] == "-":
        at = line.find(code, start + 5)
        while at >= 0:
            if line[at - 1].isspace():
                mark = line[at + 3 : at + 4]
                if mark == "-":
                    break
                if not follow:
                    if mark == " ":
                        break
                elif mark.isspace() and line.startswith(follow, at + 4):
                    end = line[at + after : at + after + 1]
                    if not (end.isalnum() or end == "_"):  # \b after the last digit
                        break
            at = line.find(code, at + 1)
        if at < 0:
            break
        pieces.append(line[start:at].rstrip())
        start = at
    pieces.append(line[start:])
    return pieces


def collect_reply(segment: str) -> str:
    """The reply that starts ``segment``: its first line and the continuation lines after it."""
    lines = unescape_newlines(segment).split("\n")
    first = lines[0].rstrip()
    match = _CODE_AT.match(first)
    if match is None:
        return first
    code = match.group(1)
    separator = match.group(2)
    if separator != "-":
        return first
    out = [first]
    for line in lines[1:]:
        if separator != "-":
            break
        if line[:1].isspace() or line[:4].isdecimal():
            prefix = _LINE_PREFIX.match(line)
            candidate = line[prefix.end() if prefix else 0 :].rstrip()
        else:  # no indentation nor time stamp to cut (the regex would match nothing)
            candidate = line.rstrip()
        follow = _CODE_AT.match(candidate)
        if follow is None or follow.group(1) != code:
            break
        out.append(candidate)
        separator = follow.group(2)
    if len(out) == 1:
        return "\n".join(_split_inline(first, code))
    return "\n".join(out)


def _segment(text: str, start: int) -> str:
    """From ``start`` to the end of the line, continuation lines of a folded bounce joined."""
    end = text.find("\n", start)
    if end < 0:
        return text[start:]
    parts = [text[start:end]]
    code = text[start : start + 3]
    # Postfix and Exim bounces indent the continuation of a long line; a DSN field folds
    # (RFC 5322 section 2.2.3).  A line with the same reply code continues the reply.
    for line in text[end + 1 :].split("\n"):
        stripped = line.strip()
        if not stripped:
            break
        if stripped[:3] == code and _CODE_AT.match(stripped):
            parts.append("\n" + stripped)
        elif line[:1].isspace():
            parts.append(" " + stripped)
        else:
            break
    return "".join(parts)


# -- the forms -------------------------------------------------------------------------------

# Python smtplib (and aiosmtplib) exceptions: repr() and str() forms.
#   SMTPAuthenticationError(535, b'5.7.8 Username and Password not accepted. ...')
#   SMTPRecipientsRefused({'bob@example.org': (550, b'5.1.1 ...')})
#   SMTPSenderRefused(550, b'5.7.1 ...', 'alice@example.com')
#   (535, b'5.7.8 ...')            str() of the same exceptions
# smtplib strips the code from every line and joins the lines with "\n" (SMTP.getreply).
_PY_COMMANDS = {
    "SMTPRecipientsRefused": Stage.RCPT,
    "SMTPRecipientRefused": Stage.RCPT,
    "SMTPSenderRefused": Stage.MAIL,
    "SMTPDataError": Stage.DATA,
    "SMTPAuthenticationError": Stage.AUTH,
    "SMTPHeloError": Stage.EHLO,
    "SMTPConnectError": Stage.CONNECT,
    "SMTPConnectResponseError": Stage.CONNECT,
}
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "\\": "\\", "'": "'", '"': '"', "0": "\0"}


def _literal(body: str, is_bytes: bool) -> str:
    """The value of a Python (or JavaScript) string literal's body; bytes decoded as UTF-8."""

    def one(match: re.Match[str]) -> str:
        escape = match.group(1)
        if escape[0] in "xuU" and len(escape) > 1:
            return chr(int(escape[1:], 16))
        return _SIMPLE_ESCAPES.get(escape, "\\" + escape)

    value = _RX.py_escape.sub(one, body) if "\\" in body else body
    if is_bytes and not value.isascii():
        # repr(bytes) shows bytes >= 0x80 as \xhh escapes: back to bytes, then UTF-8
        with contextlib.suppress(UnicodeEncodeError):  # not a real repr(): keep as it is
            value = value.encode("latin-1").decode("utf-8", "replace")
    return value


def _smtplib_reply(code: str, message: str) -> str:
    lines = message.replace("\r\n", "\n").split("\n")
    out = []
    for number, line in enumerate(lines):
        separator = "-" if number < len(lines) - 1 else " "
        follow = _CODE_AT.match(line)
        if follow is not None and follow.group(1) == code:
            out.append(line)  # a library that kept the codes
        else:
            out.append(f"{code}{separator}{line}".rstrip() if line else code)
    return "\n".join(out)


def _smtplib(text: str) -> Extracted | None:
    # every class name has "SMTP", at most 18 characters after the match starts
    klass = _search(_RX.py_class, text, ("SMTP",), 18)
    start = klass.end() if klass is not None else 0
    literal = _RX.py_tuple.search(text, start)
    if literal is None:
        return None
    code, prefix, single, double = literal.groups()
    body = single if single is not None else double
    command = None
    form_text = literal.group()[:12]
    if klass is not None:
        command = _PY_COMMANDS.get(klass.group(1))
        form_text = klass.group(1)
    elif _RX.py_dict.search(text):
        command = Stage.RCPT  # str(SMTPRecipientsRefused) is the dict of refusals
        form_text = "{'"
    elif not prefix:
        return None  # "(550, 'text')" without a class or bytes: not clearly smtplib
    reply = _smtplib_reply(code, _literal(body, bool(prefix)))
    said = klass.group(1) if klass is not None and command is not None else ""
    return Extracted("smtplib", form_text, reply, command=command, command_text=said)


# JavaMail / Jakarta Mail / Angus Mail, with Spring's wrappers:
#   javax.mail.AuthenticationFailedException: 535-5.7.8 Username and Password not accepted.
#   com.sun.mail.smtp.SMTPAddressFailedException: 550 5.1.1 <bob@example.org>: User unknown
#   com.sun.mail.smtp.SMTPSendFailedException: 554 5.7.1 Message rejected
# SMTPTransport throws SMTPAddressFailedException for RCPT, SMTPSenderFailedException
# (chained) for MAIL FROM, SMTPSendFailedException for a failed MAIL, DATA or end of data.
_JAVA_COMMANDS = {
    "SMTPAddressFailedException": Stage.RCPT,
    "SMTPSenderFailedException": Stage.MAIL,
    "AuthenticationFailedException": Stage.AUTH,
    "SMTPSendFailedException": Stage.DATA,
}


def _javamail(text: str) -> Extracted | None:
    for match in _RX.java.finditer(text):
        start = match.end()
        if _CODE_AT.match(text, start) is None:
            continue
        end = _RX.java_end.search(text, start)
        segment = text[start : end.start() if end else len(text)]
        simple = match.group(1).rsplit(".", 1)[-1]
        command = _JAVA_COMMANDS.get(simple)
        if simple == "SMTPSendFailedException" and "SMTPSenderFailedException" in text:
            command, simple = Stage.MAIL, "SMTPSenderFailedException"
        return Extracted(
            "javamail",
            match.group(1),
            collect_reply(segment),
            command=command,
            command_text=simple if command is not None else "",
        )
    return None


# Nodemailer (lib/smtp-connection): the message, and util.inspect()/JSON of the error object
#   Error: Invalid login: 535-5.7.8 Username and Password not accepted. ...   code: 'EAUTH'
#   Error: Can't send mail - all recipients were rejected: 550 5.1.1 ...     code: 'EENVELOPE'
#   Error: Message failed: 550 5.7.1 ...                                     code: 'EMESSAGE'
_NODE_COMMANDS = {
    "Invalid login": Stage.AUTH,
    "Mail command failed": Stage.MAIL,
    "Recipient command failed": Stage.RCPT,
    "Can't send mail - all recipients were rejected": Stage.RCPT,
    "Data command failed": Stage.DATA,
    "Message failed": Stage.END_OF_DATA,
    "Invalid greeting": Stage.CONNECT,
    "Error initiating TLS": Stage.STARTTLS,
}
_NODE_CODES = {"EAUTH": Stage.AUTH, "EMESSAGE": Stage.END_OF_DATA, "ETLS": Stage.STARTTLS}


def _nodemailer(text: str) -> Extracted | None:
    match = _RX.node.search(text)
    if match is not None:
        name = match.group(1)
        key = next(k for k in _NODE_COMMANDS if name.startswith(k))
        return Extracted(
            "nodemailer",
            name,
            collect_reply(text[match.end() :]),
            command=_NODE_COMMANDS[key],
            command_text=key,
        )
    response = _search(_RX.node_response, text, ("response",), 1)
    if response is None:
        return None
    body = _literal(response.group(2), False)
    if _CODE_AT.match(body) is None:
        return None
    command: Stage | None = None
    said = ""
    named = _search(_RX.node_command, text, ("command",), 1)
    code = _search(_RX.node_code, text, ("code",), 1)
    if named is not None:
        command, said = command_stage(named.group(2)), named.group(2)
    if command is None and code is not None and code.group(1) in _NODE_CODES:
        command, said = _NODE_CODES[code.group(1)], code.group(1)
    form_text = code.group(1) if code is not None else "response:"
    return Extracted(
        "nodemailer", form_text, collect_reply(body), command=command, command_text=said
    )


# PHPMailer (src/SMTP.php, src/PHPMailer.php):
#   SMTP ERROR: Password command failed: 535-5.7.8 Username and Password not accepted. ...
#   SMTP ERROR: RCPT TO command failed: 550 5.1.1 ...
#   SMTP Error: The following recipients failed: bob@example.org: <reply text>
#   SMTP Error: Could not authenticate.          (the summary: no reply in it)


def _phpmailer(text: str) -> Extracted | None:
    # Exim's "SMTP error from remote mail server" opens this form too: on ASCII text (where
    # re.I folds no other letters onto these) a missing "smtp error:" rules out the first
    # two regexes and most of the third, each a slow case-insensitive scan of the text
    low = text.lower() if text.isascii() else None
    colon = low is None or "smtp error:" in low
    match = _RX.php_failed.search(text) if colon else None
    if match is not None:
        said = match.group(1).strip()
        return Extracted(
            "phpmailer",
            "SMTP ERROR:",
            collect_reply(text[match.end() :]),
            command=command_stage(said),
            command_text=said,
        )
    recipients = _RX.php_recipients.search(text) if colon else None
    if recipients is not None:
        rest = text[recipients.end() :]
        code = re.search(r"(?<![\w.])" + _REPLY_START, rest)
        first_line_end = rest.find("\n")
        if code is not None and (first_line_end < 0 or code.start() < first_line_end):
            return Extracted(
                "phpmailer",
                recipients.group().strip(),
                collect_reply(rest[code.start() :]),
                command=Stage.RCPT,
                command_text="RCPT TO",
            )
        raise NoReplyError(
            "phpmailer",
            "PHPMailer's list of failed recipients leaves out the server's reply code; "
            "set $mail->SMTPDebug = 2 and paste the 'SMTP ERROR: RCPT TO command failed: ...' "
            "line instead",
        )
    summary = (
        _RX.php_summary.search(text)
        if colon or (low is not None and "smtp connect" in low)
        else None
    )
    if summary is not None and _CODE_AT.search(text) is None:
        raise NoReplyError(
            "phpmailer",
            f"PHPMailer's summary {summary.group()!r} leaves out the server's reply; "
            "set $mail->SMTPDebug = 2 and paste the 'SMTP ERROR: ...' or "
            "'SERVER -> CLIENT: ...' lines instead",
        )
    return None


# Exim (log lines and bounce messages):
#   ** bob@example.org R=dnslookup T=remote_smtp H=mx.example.org [192.0.2.1]:
#      SMTP error from remote mail server after RCPT TO:<bob@example.org>: 550 5.1.1 ...
#   SMTP error from remote mail server after end of data:
#       host mx.example.org [192.0.2.1]: 550-5.7.1 ...


def _exim(text: str) -> Extracted | None:
    if text.isascii():
        # every match starts with these words (re.I folds no other letters onto them in
        # ASCII): match() at each place instead of a case-insensitive scan of the text
        low = text.lower()
        at = low.find("smtp error from remote ")
        match = None
        while at >= 0:
            match = _RX.exim.match(text, at)
            if match is not None:
                break
            at = low.find("smtp error from remote ", at + 1)
    else:
        match = _RX.exim.search(text)
    if match is None:
        return None
    said = match.group(1).strip()
    return Extracted(
        "exim",
        "SMTP error from remote mail server",
        collect_reply(_segment(text, match.end())),
        command=command_stage(said),
        command_text=said,
    )


# Postfix (smtp(8) log lines and bounce messages):
#   status=bounced (host mx[192.0.2.1] said: 550 5.1.1 <b@example.org>: User unknown
#                   (in reply to RCPT TO command))
#   host mx[192.0.2.1] refused to talk to me: 554 5.7.1 ...          (the greeting)
#   SASL authentication failed; server mx[192.0.2.1] said: 535 5.7.8 ...
#   dsn=5.1.1, status=bounced (unknown user: "bob")                  (no reply: dsn only)
_POSTFIX_SAID_AT = ("said:", "refused to talk to me:")


def _postfix(text: str) -> Extracted | None:
    match = _search(_RX.postfix_said, text, _POSTFIX_SAID_AT)
    if match is not None:
        segment = _segment(text, match.end())
        command: Stage | None = None
        said = ""
        in_reply = _RX.postfix_in_reply.search(segment)
        if in_reply is not None:
            said = in_reply.group(1)
            command = command_stage(said)
            segment = segment[: in_reply.start()].rstrip()
        elif match.group(1) == "refused to talk to me":
            command, said = Stage.CONNECT, "refused to talk to me"
        elif "SASL authentication failed" in text[: match.start()]:
            command, said = Stage.AUTH, "SASL authentication failed"
        line_start = text.rfind("\n", 0, match.start()) + 1
        if "status=" in text[line_start : match.start()] and segment.endswith(")"):
            segment = segment[:-1]  # the parenthesis that closes status=...(
        return Extracted(
            "postfix",
            match.group(1) + ":",
            collect_reply(segment),
            status=_dsn(text),
            command=command,
            command_text=said,
        )
    status = _search(_RX.postfix_status, text, ("status=",))
    if status is None:
        return None
    detail = status.group(2)
    if _CODE_AT.match(detail):  # status=sent (250 2.0.0 Ok: queued as 4BQ2)
        return Extracted("postfix", "status=" + status.group(1), collect_reply(detail))
    dsn = _dsn(text)
    if not dsn:
        return None
    return Extracted("postfix", "dsn=" + dsn, "", status=dsn, detail=detail)


def _dsn(text: str) -> str:
    match = _search(_RX.postfix_dsn, text, ("dsn=",))
    return match.group(1) if match else ""


# Delivery status notifications (RFC 3464 section 2.3): per-recipient fields
#   Status: 5.1.1
#   Diagnostic-Code: smtp; 550 5.1.1 <bob@example.org>: Recipient address rejected


def _field(regex: re.Pattern[str], text: str, low: str, name: str) -> re.Match[str] | None:
    """``regex.search(text)`` for a regex ``^[ \\t]*Name:`` (re.I, re.M) on ASCII text: tried
    at the start of each line where ``name`` (lower case) is, not by a scan of the text."""
    at = low.find(name)
    while at >= 0:
        start = at
        while start and text[start - 1] in " \t":
            start -= 1
        match = regex.match(text, start)
        if match is not None:
            return match
        at = low.find(name, at + 1)
    return None


def _dsn_form(text: str) -> Extracted | None:
    if text.isascii():  # (re.I folds no other letters onto ASCII ones)
        low = text.lower()
        diagnostic = _field(_RX.dsn_diagnostic, text, low, "diagnostic-code:")
        status = _field(_RX.dsn_status, text, low, "status:")
    else:
        diagnostic = _RX.dsn_diagnostic.search(text)
        status = _RX.dsn_status.search(text)
    code = status.group(1) if status else ""
    if diagnostic is not None:
        segment = _segment(text, diagnostic.end())
        if diagnostic.group(1).lower() == "smtp" and _CODE_AT.match(segment):
            return Extracted("dsn", "Diagnostic-Code:", collect_reply(segment), status=code)
        if code:
            return Extracted("dsn", "Diagnostic-Code:", "", status=code, detail=segment.strip())
    if code:
        return Extracted("dsn", "Status:", "", status=code)
    return None


# Session transcripts: swaks (<-, <**, ->, ~>, <~), PHPMailer debug output
# (SERVER -> CLIENT:, CLIENT -> SERVER:), and the S:/C: notation of the RFCs.


def _transcript(text: str) -> Extracted | None:
    if "\n" not in text.strip():
        return None
    replies: list[tuple[list[str], Stage | None, str]] = []
    current: list[str] = []
    command: Stage | None = Stage.CONNECT
    said = "greeting"
    for raw in text.split("\n"):
        server = _RX.server_line.match(raw)
        if server is not None:
            line = server.group(1).strip()
            head = _CODE_AT.match(line)
            if head is None:
                continue
            current.append(line)
            if head.group(2) != "-":
                replies.append((current, command, said))
                current = []
            continue
        client = _RX.client_line.match(raw)
        if client is not None:
            sent = client.group(1).strip()
            stage = command_stage(sent)
            if stage is not None:  # base64 lines of an AUTH exchange keep AUTH
                command, said = stage, sent.split(":", 1)[0].split(" <", 1)[0][:20]
    if current:
        replies.append((current, command, said))
    if not replies:
        return None
    failing = [r for r in replies if r[0][0][:1] in "45"]
    lines, stage, said = (failing or replies)[-1]
    if stage is Stage.AUTH:
        said = "AUTH"  # never echo what followed AUTH: it may be a secret
    return Extracted("transcript", "transcript", "\n".join(lines), command=stage, command_text=said)


# Anything else with a reply inside: "Error: 550 5.1.1 ...", a JSON log field, a ticket.


def _embedded(text: str) -> Extracted | None:
    candidates = [m.start(1) for m in _RX.embedded_strong.finditer(text)]
    failing = [start for start in candidates if text[start] in "45"]
    if failing or candidates:
        start = (failing or candidates)[0]
    else:
        weak = _RX.embedded_weak.search(text)
        if weak is None:
            return None
        start = weak.start(1)
    segment = _segment(text, start)
    closing = {"(": ")", "[": "]", "{": "}", '"': '"', "'": "'"}
    before = text[:start].rstrip()[-1:]
    if before in closing and closing[before] in segment:
        segment = segment[: segment.rfind(closing[before])]
    return Extracted("embedded", segment[:3], collect_reply(segment))


#: "(2" ... "(5", "( ": five scans of a long line with str.find, one with this regex
_SMTPLIB_GATE = re.compile(r"\([2-5 ]")


def extract(text: str) -> Extracted | None:
    """Find the reply inside ``text``; None if there is none.

    >>> found = extract("SMTPAuthenticationError(535, b'5.7.8 Username and Password not accepted')")
    >>> (found.form, found.reply, found.command.value)
    ('smtplib', '535 5.7.8 Username and Password not accepted', 'auth')

    Raises :class:`NoReplyError` when the text is a known summary without the reply
    (PHPMailer's ``SMTP Error: Could not authenticate.``).
    """
    if "\n" not in text and "\\n" in text:
        # one line from a JSON log or inspect(): its line breaks are the two characters \n
        text = unescape_newlines(text)
    low = text.lower()
    # The forms in order, the most specific first.  Each is tried only when one of its words
    # (lower case) occurs: cheaper than its regexes.  Written out, not a loop over a table:
    # the text passes up to seventeen of these tests.
    if _SMTPLIB_GATE.search(low) is not None:
        found = _smtplib(text)
        if found is not None:
            return found
    if "exception" in low:
        found = _javamail(text)
        if found is not None:
            return found
    if (
        "invalid login" in low
        or "command failed" in low
        or "rejected:" in low
        or "message failed" in low
        or "greeting" in low
        or "initiating tls" in low
        or "response" in low
    ):
        found = _nodemailer(text)
        if found is not None:
            return found
    smtp_error = "smtp error" in low  # Exim's words start with PHPMailer's
    if smtp_error or "smtp connect" in low:
        found = _phpmailer(text)
        if found is not None:
            return found
    if smtp_error and "smtp error from remote" in low:
        found = _exim(text)
        if found is not None:
            return found
    if "said:" in low or "refused to talk" in low or "status=" in low:
        found = _postfix(text)
        if found is not None:
            return found
    if "diagnostic-code" in low or "status:" in low:
        found = _dsn_form(text)
        if found is not None:
            return found
    if "\n" in low:
        found = _transcript(text)
        if found is not None:
            return found
    return _embedded(text)


def trailing_command(text: str) -> tuple[Stage, str] | None:
    """Postfix's ``(in reply to RCPT TO command)`` at the end of a pasted reply."""
    if "in reply to" not in text:
        return None
    match = _RX.trailing_command.search(text)
    if match is None:
        return None
    stage = command_stage(match.group(1))
    return None if stage is None else (stage, match.group(1))
