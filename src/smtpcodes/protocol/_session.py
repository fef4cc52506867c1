"""A sans-IO SMTP client session: commands out, replies in, findings on the way.

The driver owns the socket; the session owns the protocol.  The driver says when the
connection opened, hands over every byte it reads, and writes whatever the session queued::

    session = ClientSession()
    session.connected()
    session.receive(b"220 mx.example.org ESMTP\\r\\n")     # -> [Answer(220, Stage.CONNECT)]
    session.ehlo("client.example.com")
    session.data_to_send()                                 # -> b"EHLO client.example.com\\r\\n"
    session.receive(b"250-mx.example.org\\r\\n250 PIPELINING\\r\\n")
    session.extensions.pipelining                          # -> True

Replies are framed by :class:`ReplyParser` (``wire=True``) and matched to the commands
they answer by counting, as RFC 2920 section 3.1 demands: "Command statuses MUST be
coordinated with responses by counting each separate response".  Deviations become
:class:`Finding` values on the :class:`Answer` (or a :class:`Problem` when no reply carries
them); the session never raises for anything the server does.  It raises
:class:`SessionUsageError` only when its caller misuses it (a command out of turn, an
address with a line break in it).

Secrets: every line that carries an AUTH payload is a :class:`Sent` with ``secret=True``
and a ``shown`` form in which the payload reads ``<redacted>``.  Transcripts print
``shown``; only the wire bytes hold the secret, and they are left out of ``repr``.

Stdlib only: no asyncio, socket or ssl here (DESIGN.md section 7.1).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections import deque
from dataclasses import dataclass
from enum import Enum

from smtpcodes._errors import LocalError, ReplyParseError
from smtpcodes._record import field, record
from smtpcodes.protocol._findings import Finding, FindingKind, Severity
from smtpcodes.protocol._reply import MAX_BUFFERED_LINE, Reply, ReplyParser
from smtpcodes.protocol._stage import Stage

#: What a transcript shows instead of an AUTH payload.
REDACTED = "<redacted>"

#: The longest line we let the parser buffer.  RFC 5321 section 4.5.3.1.5 allows 512
#: octets; real servers exceed that a little (long EHLO keyword lists, vendor URLs), so
#: we accept up to the parser's own buffer bound and call anything longer a broken peer.
MAX_LINE_BYTES = MAX_BUFFERED_LINE
#: The most lines one reply may have.  RFC 5321 sets no number; the longest EHLO replies
#: seen in the wild have about 20 lines, so 256 leaves room and stops "250-" forever.
MAX_REPLY_LINES = 256
#: The most bytes one reply may have, all lines together: bounds what a reply can hold.
MAX_REPLY_BYTES = 256 * 1024

#: RFC 5321 section 4.5.3.1.4: "The maximum total length of a command line including the
#: command word and the <CRLF> is 512 octets."
MAX_COMMAND_LINE = 512
#: RFC 5321 section 4.5.3.1.3: "The maximum total length of a reverse-path or forward-path
#: is 256 octets (including the punctuation and element separators)."
MAX_PATH = 256

# -- which replies a command may get: RFC 5321 section 4.3.2, as data ---------------------

#: The pseudo-command of the greeting and of the end of the message, as findings name them.
GREETING = "CONNECTION ESTABLISHMENT"  # the RFC 5321 section 4.3.2 heading
END_OF_DATA = "<CRLF>.<CRLF>"

#: RFC 5321 section 4.3.2: "In addition to the codes listed below, any SMTP command can
#: return any of the following codes if the corresponding unusual circumstances are
#: encountered: 500 [...] 501 [...] 421".
ANY_COMMAND: frozenset[int] = frozenset({421, 500, 501})

#: RFC 5321 section 4.3.2, "Specific sequences are:", one entry per command, with the
#: additions of the extension RFCs named next to them.
EXPECTED_REPLIES: dict[str, frozenset[int]] = {
    # CONNECTION ESTABLISHMENT  S: 220  E: 554
    # RFC 7504 section 5.1: "adds the 521 code to the 'CONNECTION ESTABLISHMENT' portion
    # of Section 4.3.2 [...] preceding the 554 code".  421: RFC 5321 section 3.8, a server
    # shutting down may send 421 "asynchronously from command receipt".
    GREETING: frozenset({220, 554, 521, 421}),
    # EHLO or HELO  S: 250  E: 504 [...], 550, 502 (permitted only with an old-style
    # server that does not support EHLO)
    "EHLO": frozenset({250, 504, 550, 502}),
    "HELO": frozenset({250, 504, 550, 502}),
    # MAIL  S: 250  E: 552, 451, 452, 550, 553, 503, 455, 555
    "MAIL": frozenset({250, 552, 451, 452, 550, 553, 503, 455, 555}),
    # RCPT  S: 250, 251  E: 550, 551, 552, 553, 450, 451, 452, 503, 455, 555
    # RFC 7504 section 5.1: "and the 556 code to the 'RCPT' portion of that same section"
    "RCPT": frozenset({250, 251, 550, 551, 552, 553, 450, 451, 452, 503, 455, 555, 556}),
    # DATA  I: 354 [...]  E: 503, 554
    "DATA": frozenset({354, 503, 554}),
    # DATA  I: 354 -> data -> S: 250  E: 552, 554, 451, 452  E: 450, 550 (rejections for
    # policy reasons)
    END_OF_DATA: frozenset({250, 552, 554, 451, 452, 450, 550}),
    # RSET  S: 250
    "RSET": frozenset({250}),
    # VRFY  S: 250, 251, 252  E: 550, 551, 553, 502, 504
    "VRFY": frozenset({250, 251, 252, 550, 551, 553, 502, 504}),
    # EXPN  S: 250, 252  E: 550, 500, 502, 504
    "EXPN": frozenset({250, 252, 550, 500, 502, 504}),
    # HELP  S: 211, 214  E: 502, 504
    "HELP": frozenset({211, 214, 502, 504}),
    # NOOP  S: 250
    "NOOP": frozenset({250}),
    # QUIT  S: 221
    "QUIT": frozenset({221}),
    # RFC 3207 section 4: "220 Ready to start TLS", "501 Syntax error (no parameters
    # allowed)", "454 TLS not available due to temporary reason"
    "STARTTLS": frozenset({220, 454, 501}),
    # RFC 4954 section 4: 334 challenges; 501 (cancelled or bad base64), 503 (a second
    # AUTH, or AUTH inside a transaction), 504 (unknown mechanism).  Section 6: 235, 432,
    # 454, 534, 535, 538, and "500 5.5.6 Authentication Exchange line is too long".
    "AUTH": frozenset({235, 334, 432, 454, 534, 535, 538, 500, 501, 503, 504}),
}

#: RFC 3207 section 4: "530 Must issue a STARTTLS command first" answers "any other
#: command" than "NOOP, EHLO, STARTTLS, or QUIT"; RFC 4954 section 6: 530 "SHOULD be
#: returned by any command other than AUTH, EHLO, HELO, NOOP, RSET, or QUIT".  The union:
#: 530 may answer every command but these.
NO_530: frozenset[str] = frozenset({"NOOP", "EHLO", "STARTTLS", "QUIT", GREETING, END_OF_DATA})

#: RFC 5321 section 4.2.4: "502 SHOULD be used when the command is actually recognized by
#: the SMTP server, but not implemented" and "Extended SMTP systems MUST NOT list
#: capabilities in response to EHLO for which they will return 502 (or 500) replies."
#: So 502 is a fair answer to these extension commands exactly when they were not advertised.
EXTENSION_COMMANDS: dict[str, str] = {"STARTTLS": "STARTTLS", "AUTH": "AUTH"}

#: RFC 2920 section 3.1: "the commands RSET, MAIL FROM, SEND FROM, SOML FROM, SAML FROM,
#: and RCPT TO can all appear anywhere in a pipelined command group.  The EHLO, DATA,
#: VRFY, EXPN, TURN, QUIT, and NOOP commands can only appear as the last command in a group".
PIPELINE_ANYWHERE: frozenset[str] = frozenset({"RSET", "MAIL", "RCPT"})

_STAGE_OF: dict[str, Stage] = {
    GREETING: Stage.CONNECT,
    "EHLO": Stage.EHLO,
    "HELO": Stage.EHLO,
    "STARTTLS": Stage.STARTTLS,
    "AUTH": Stage.AUTH,
    "MAIL": Stage.MAIL,
    "RCPT": Stage.RCPT,
    "DATA": Stage.DATA,
    END_OF_DATA: Stage.END_OF_DATA,
    "QUIT": Stage.QUIT,
}

#: SASL mechanisms the session can run (RFC 4616 PLAIN, draft-murchison-sasl-login LOGIN,
#: RFC 2195 CRAM-MD5).
MECHANISMS: tuple[str, ...] = ("PLAIN", "LOGIN", "CRAM-MD5")
#: A mechanism needs at most this many challenges; more is a server going in circles.
_MAX_CHALLENGES = {"PLAIN": 1, "LOGIN": 2, "CRAM-MD5": 1}

# RFC 5321 section 4.1.2 Domain / address-literal, loosely: anything printable without
# white space or the characters that would end the command.
_EHLO_NAME = re.compile(r"[^\s<>\x00-\x1f\x7f]{1,255}")
# RFC 5321 section 4.1.2: no control character may appear in a path, not even quoted
# (qtextSMTP is %d32-33 / %d35-91 / %d93-126); "<" and ">" would end it early.
_FORBIDDEN_IN_PATH = re.compile(r"[\x00-\x1f\x7f<>]")
_LINE_ENDINGS = re.compile(rb"\r\n|\r|\n")


class SessionUsageError(LocalError, RuntimeError):
    """The caller drove the session wrongly (the server is not at fault).

    e.g. sending MAIL while EHLO is unanswered without PIPELINING, or an address with a
    line break in it.
    """


class SessionState(Enum):
    """Whose turn it is, and what the driver must do next."""

    #: :meth:`ClientSession.connected` not called yet
    DISCONNECTED = "disconnected"
    #: waiting for the server's greeting; the client must not speak (RFC 5321 section 3.1)
    GREETING = "greeting"
    #: commands may be sent (replies may still be outstanding)
    READY = "ready"
    #: inside an AUTH exchange: the session answers each 334 challenge by itself
    AUTH = "auth"
    #: 354 received: send the message with :meth:`ClientSession.send_message`
    MESSAGE = "message"
    #: 220 to STARTTLS: do the TLS handshake now, then call ``tls_established()``
    TLS_PENDING = "tls-pending"
    #: 221 or 421 received, or the connection is gone
    CLOSED = "closed"
    #: the peer broke the framing beyond repair (a finding says how): close the connection
    BROKEN = "broken"


class SentKind(Enum):
    COMMAND = "command"  #: a command line such as ``MAIL FROM:<a@example.com>``
    AUTH_RESPONSE = "auth-response"  #: a SASL response line (base64, or ``*`` to cancel)
    MESSAGE = "message"  #: the dot-stuffed message and the final ``.``


@record
class Sent:
    """Bytes the session queued, and how a transcript may show them.

    >>> sent = Sent(SentKind.COMMAND, Stage.AUTH, b"AUTH PLAIN AGEAYg==\\r\\n",
    ...             "AUTH PLAIN <redacted>", secret=True)
    >>> sent
    Sent(kind=<SentKind.COMMAND: 'command'>, stage=<Stage.AUTH: 'auth'>, \
shown='AUTH PLAIN <redacted>', secret=True)
    """

    kind: SentKind
    stage: Stage
    wire: bytes = field(repr=False)  #: exactly what goes on the wire, secrets included
    shown: str  #: what a transcript shows: the text, with AUTH payloads as ``<redacted>``
    secret: bool = False  #: True when ``wire`` carries an AUTH payload

    @property
    def lines(self) -> tuple[str, ...]:
        """``shown`` split into lines (a message has many)."""
        return tuple(self.shown.split("\r\n"))

    def reveal(self) -> str:
        """The real text, secrets included (for ``--show-secrets`` only)."""
        return self.wire.decode("utf-8", "replace").removesuffix("\r\n")


@record
class Answer:
    """A reply and what it answers: ``550 5.1.1 ...`` to ``RCPT`` at :attr:`Stage.RCPT`."""

    reply: Reply
    stage: Stage  #: where in the session the reply came
    command: str  #: the verb it answers ("EHLO", "RCPT", "<CRLF>.<CRLF>"); "" if unsolicited
    findings: tuple[Finding, ...] = ()  #: what the session found (the parser's are on reply)

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        return (*self.reply.findings, *self.findings)

    @property
    def positive(self) -> bool:
        """2yz or 3yz: the command went through (RFC 5321 section 4.2.1)."""
        return self.reply.code_text[:1] in ("2", "3")


@record
class Problem:
    """A finding no single reply carries: a timeout, a close, garbage, an endless reply."""

    finding: Finding
    stage: Stage
    fatal: bool  #: the session cannot go on: close the connection


Event = Answer | Problem


@record
class Extensions:
    """What the server advertised in its EHLO reply (RFC 5321 section 4.1.1.1).

    >>> from smtpcodes.protocol import parse_reply
    >>> ext = Extensions.from_reply(parse_reply(
    ...     "250-mx.example.org Hello\\r\\n250-SIZE 35882577\\r\\n250-AUTH PLAIN LOGIN\\r\\n"
    ...     "250 ENHANCEDSTATUSCODES"))
    >>> (ext.size, ext.auth_mechanisms, ext.enhanced_status_codes)
    (35882577, ('PLAIN', 'LOGIN'), True)
    """

    keywords: tuple[tuple[str, str], ...] = ()  #: (KEYWORD, parameters) in order

    @classmethod
    def from_reply(cls, reply: Reply) -> Extensions:
        # RFC 5321 section 4.1.1.1:
        #   ehlo-ok-rsp = ( "250" SP Domain [ SP ehlo-greet ] CRLF )
        #                 / ( "250-" Domain [ SP ehlo-greet ] CRLF
        #                 *( "250-" ehlo-line CRLF )
        #                 "250" SP ehlo-line CRLF )
        found: list[tuple[str, str]] = []
        for line in reply.lines[1:]:
            keyword, _, params = line.text.strip().partition(" ")
            if not keyword:
                continue
            upper = keyword.upper()
            # Lenience: old Microsoft servers advertise "AUTH=LOGIN PLAIN" next to (or
            # instead of) "AUTH LOGIN PLAIN", for clients that misread RFC 2554 drafts.
            if upper.startswith("AUTH="):
                params = f"{keyword[5:]} {params}".strip()
                upper = "AUTH"
            found.append((upper, params.strip()))
        return cls(tuple(found))

    def has(self, keyword: str) -> bool:
        return any(name == keyword.upper() for name, _ in self.keywords)

    def params(self, keyword: str) -> str | None:
        values = [params for name, params in self.keywords if name == keyword.upper()]
        return " ".join(values) if values else None

    @property
    def enhanced_status_codes(self) -> bool:
        return self.has("ENHANCEDSTATUSCODES")  # RFC 2034 section 3

    @property
    def pipelining(self) -> bool:
        return self.has("PIPELINING")  # RFC 2920 section 3

    @property
    def starttls(self) -> bool:
        return self.has("STARTTLS")  # RFC 3207 section 4

    @property
    def smtputf8(self) -> bool:
        return self.has("SMTPUTF8")  # RFC 6531 section 3.1

    @property
    def chunking(self) -> bool:
        return self.has("CHUNKING")  # RFC 3030 section 2

    @property
    def eight_bit_mime(self) -> bool:
        return self.has("8BITMIME")  # RFC 6152 section 2

    @property
    def auth_mechanisms(self) -> tuple[str, ...]:
        """RFC 4954 section 3: ``AUTH PLAIN LOGIN`` lists the SASL mechanisms."""
        params = self.params("AUTH")
        if params is None:
            return ()
        seen: dict[str, None] = {}
        for mech in params.upper().split():
            seen.setdefault(mech, None)
        return tuple(seen)

    @property
    def size(self) -> int | None:
        """RFC 1870 section 3: the SIZE limit in octets; 0 means no fixed limit.

        None when SIZE was not advertised (or its parameter is not a number).
        """
        params = self.params("SIZE")
        if params is None:
            return None
        first = params.split()[0] if params.split() else "0"
        return int(first) if first.isdigit() else None


def dot_stuff(message: bytes) -> bytes:
    """The message as it goes on the wire after DATA, final ``.`` included.

    Line endings become CRLF (RFC 5321 section 2.3.8: bare CR and LF are not line
    endings), a line that starts with "." gets one more (section 4.5.2: "If it is a
    period, one additional period is inserted at the beginning of the line"), and the
    message ends with ``CRLF . CRLF`` (section 4.1.1.4).

    >>> dot_stuff(b"Subject: hi\\n\\n.hidden\\n.")
    b'Subject: hi\\r\\n\\r\\n..hidden\\r\\n..\\r\\n.\\r\\n'
    """
    data = _LINE_ENDINGS.sub(b"\r\n", message)
    if data.startswith(b"."):
        data = b"." + data
    data = data.replace(b"\r\n.", b"\r\n..")
    if data and not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def check_path(address: str) -> str | None:
    """Why ``address`` cannot go into MAIL FROM or RCPT TO, or None when it can."""
    if _FORBIDDEN_IN_PATH.search(address):
        return f"{address!r} contains a control character (line break, NUL ...), '<' or '>'"
    if len(address.encode("utf-8")) + 2 > MAX_PATH:
        return f"the address is longer than {MAX_PATH - 2} octets (RFC 5321 section 4.5.3.1.3)"
    return None


def check_ehlo_name(name: str) -> str | None:
    """Why ``name`` cannot follow EHLO, or None when it can (RFC 5321 section 4.1.1.1)."""
    if not _EHLO_NAME.fullmatch(name):
        return f"{name!r} is not a domain or an address literal such as [192.0.2.1]"
    return None


@dataclass(slots=True)
class _Pending:
    command: str
    stage: Stage


class _Sasl:
    """One SASL exchange: the first line, then an answer to each 334 challenge."""

    __slots__ = ("_challenges", "_mechanism", "_password", "_user", "initial_sent")

    def __init__(self, mechanism: str, user: str, password: str) -> None:
        self._mechanism = mechanism
        self._user = user.encode("utf-8")
        self._password = password.encode("utf-8")
        self._challenges = 0
        self.initial_sent = False

    def first(self) -> tuple[str, str, bool]:
        """(line, shown, secret) of the AUTH command."""
        if self._mechanism == "PLAIN":
            # RFC 4616 section 2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
            payload = _b64(b"\0" + self._user + b"\0" + self._password)
            line = f"AUTH PLAIN {payload}"
            # RFC 4954 section 4: "If use of the initial response argument would cause the
            # AUTH command to exceed this length, the client MUST NOT use the initial
            # response parameter"
            if len(line) + 2 <= MAX_COMMAND_LINE:
                self.initial_sent = True
                return line, f"AUTH PLAIN {REDACTED}", True
        return f"AUTH {self._mechanism}", f"AUTH {self._mechanism}", False

    def answer(self, challenge: str) -> tuple[str, bool]:
        """The line that answers a 334 challenge, and whether it is secret.

        ``*`` cancels (RFC 4954 section 4: "If the client cannot BASE64 decode any of the
        server's challenges, it MUST cancel the authentication using the "*" response").
        """
        self._challenges += 1
        if self._challenges > _MAX_CHALLENGES[self._mechanism] or (
            self._mechanism == "PLAIN" and self.initial_sent
        ):
            return "*", False
        if self._mechanism == "PLAIN":
            return _b64(b"\0" + self._user + b"\0" + self._password), True
        if self._mechanism == "LOGIN":
            return _b64(self._user if self._challenges == 1 else self._password), True
        try:
            nonce = base64.b64decode(challenge.strip(), validate=True)
        except (binascii.Error, ValueError):
            return "*", False
        # RFC 2195 section 2: the response is the user name, a space, and the hex digest
        # of the keyed MD5 (HMAC-MD5, RFC 2104) of the challenge with the password as key.
        digest = hmac.new(self._password, nonce, "md5").hexdigest()
        return _b64(self._user + b" " + digest.encode("ascii")), True


def _b64(data: bytes) -> str:
    # RFC 4954 section 4: a zero-length response "MUST instead transmit the response as a
    # single equals sign" (the PLAIN initial response is never empty: it has two NULs).
    return base64.b64encode(data).decode("ascii") or "="


def _finding(
    kind: FindingKind,
    severity: Severity,
    detail: str,
    rfc: str,
    line: int | None = None,
    **params: str,
) -> Finding:
    return Finding(kind, severity, detail, rfc, line, tuple(params.items()))


#: A line that is not a reply at all.  ``MALFORMED_REPLY`` is asked of the lead; until it
#: exists the nearest kind says it: the line does not start with a three-digit code.
_MALFORMED = FindingKind.__members__.get("MALFORMED_REPLY", FindingKind.CODE_NOT_THREE_DIGITS)


class ClientSession:
    """The client side of one SMTP session, without I/O (see the module docstring).

    Typical use by a driver::

        session.connected()
        while session.awaiting_reply:
            events = session.receive(await read())
            await write(session.data_to_send())   # e.g. an AUTH answer to a 334

    Limits that keep a hostile server from growing memory: a line of at most
    :data:`MAX_LINE_BYTES`, a reply of at most :data:`MAX_REPLY_LINES` lines and
    :data:`MAX_REPLY_BYTES` bytes.  Past them the session turns :attr:`SessionState.BROKEN`
    and reports a fatal :class:`Problem`.
    """

    def __init__(
        self,
        *,
        max_line_bytes: int = MAX_LINE_BYTES,
        max_reply_lines: int = MAX_REPLY_LINES,
        max_reply_bytes: int = MAX_REPLY_BYTES,
    ) -> None:
        self._parser = ReplyParser(wire=True)
        self._max_line = max_line_bytes
        self._max_lines = max_reply_lines
        self._max_bytes = max_reply_bytes
        self._state = SessionState.DISCONNECTED
        self._stage = Stage.CONNECT
        self._pending: deque[_Pending] = deque()
        self._outgoing: list[Sent] = []
        self._extensions = Extensions()
        self._tls = False
        self._authenticated = False
        self._sasl: _Sasl | None = None
        self._refused = False  # greeting was 554/521 (RFC 5321 section 3.1, RFC 7504)
        self._quit_sent = False
        self._farewell = False  # 221 to QUIT, or a 421, arrived
        self._line_bytes = 0  # bytes of the current, unfinished line
        self._reply_lines = 0  # lines of the current, unfinished reply
        self._reply_bytes = 0
        self._lines_seen = 0

    # -- what the driver reads --------------------------------------------------------

    @property
    def state(self) -> SessionState:
        return self._state

    @property
    def stage(self) -> Stage:
        """The stage of the last command sent (CONNECT until the first one)."""
        return self._stage

    @property
    def pending_stage(self) -> Stage | None:
        """The stage of the next reply expected, or None when nothing is outstanding."""
        return self._pending[0].stage if self._pending else None

    @property
    def awaiting_reply(self) -> bool:
        return bool(self._pending) and self._state not in (
            SessionState.CLOSED,
            SessionState.BROKEN,
        )

    @property
    def extensions(self) -> Extensions:
        """What the last EHLO reply advertised (emptied by STARTTLS, RFC 3207 section 4.2)."""
        return self._extensions

    @property
    def tls(self) -> bool:
        return self._tls

    @property
    def authenticated(self) -> bool:
        return self._authenticated

    @property
    def buffered(self) -> int:
        """Bytes held in the reply parser (bounded by ``max_line_bytes``)."""
        return self._parser.buffered

    def take_outgoing(self) -> tuple[Sent, ...]:
        """Everything queued since the last call, in order (drains the queue)."""
        sent, self._outgoing = tuple(self._outgoing), []
        return sent

    def data_to_send(self) -> bytes:
        """The queued bytes (drains the same queue as :meth:`take_outgoing`)."""
        return b"".join(s.wire for s in self.take_outgoing())

    # -- what the driver tells the session ---------------------------------------------

    def connected(self, *, tls: bool = False) -> None:
        """The connection is open (``tls=True`` for implicit TLS, RFC 8314 section 3.3)."""
        if self._state is not SessionState.DISCONNECTED:
            raise SessionUsageError(f"connected() called in state {self._state.value}")
        self._tls = tls
        self._state = SessionState.GREETING
        self._pending.append(_Pending(GREETING, Stage.CONNECT))

    def tls_established(self) -> None:
        """The TLS handshake after 220 to STARTTLS succeeded.

        RFC 3207 section 4.2: "The client MUST discard any knowledge obtained from the
        server, such as the list of SMTP service extensions [...].  The client SHOULD send
        an EHLO command as the first command after a successful TLS negotiation."
        """
        if self._state is not SessionState.TLS_PENDING:
            raise SessionUsageError(
                f"tls_established() without a 220 reply to STARTTLS (state {self._state.value})"
            )
        self._tls = True
        self._extensions = Extensions()
        self._parser = ReplyParser(wire=True)  # nothing read before the handshake survives
        self._line_bytes = self._reply_lines = self._reply_bytes = 0
        self._state = SessionState.READY

    def receive(self, data: bytes) -> list[Event]:
        """Bytes from the server; returns the replies (and problems) they complete."""
        events: list[Event] = []
        if not data or self._state in (SessionState.BROKEN, SessionState.DISCONNECTED):
            return events
        if self._state is SessionState.TLS_PENDING:
            events.append(self._after_starttls(len(data)))
            return events
        position = 0
        while position < len(data):
            newline = data.find(b"\n", position)
            end = len(data) if newline < 0 else newline + 1
            piece = data[position:end]
            position = end
            problem = self._account(piece, complete_line=newline >= 0)
            if problem is not None:
                events.append(problem)
                return events
            try:
                replies = self._parser.feed(piece)
            except ReplyParseError as exc:
                events.append(self._malformed(exc, piece))
                return events
            for reply in replies:
                events.append(self._answer(reply))
                # (self.state, not self._state: _answer() may have changed it)
                if self.state is SessionState.TLS_PENDING and position < len(data):
                    events.append(self._after_starttls(len(data) - position))
                    return events
        return events

    def connection_lost(self) -> list[Event]:
        """The server closed the connection (EOF): flush what is left, judge the close."""
        events: list[Event] = []
        if self._state in (SessionState.CLOSED, SessionState.BROKEN):
            self._state = SessionState.CLOSED
            return events
        cut_line = self._parser.buffered > 0
        try:
            replies = self._parser.close()
        except ReplyParseError as exc:
            events.append(self._malformed(exc, b""))
            replies = []
        for reply in replies:
            answer = self._answer(reply)
            if cut_line and FindingKind.NO_FINAL_LINE not in {f.kind for f in reply.findings}:
                answer = Answer(
                    answer.reply,
                    answer.stage,
                    answer.command,
                    (
                        *answer.findings,
                        _finding(
                            FindingKind.NO_FINAL_LINE,
                            Severity.ERROR,
                            "the connection closed in the middle of the line (no CRLF)",
                            "RFC 5321 section 4.2",
                        ),
                    ),
                )
            events.append(answer)
        if not self._farewell:
            after_quit = self._quit_sent
            events.append(
                Problem(
                    _finding(
                        FindingKind.UNEXPECTED_CLOSE,
                        Severity.WARNING if after_quit else Severity.ERROR,
                        "the server closed the connection after QUIT without a 221 reply"
                        if after_quit
                        else "the server closed the connection without a 221 or 421 reply",
                        "RFC 5321 section 3.8",
                    ),
                    self._pending[0].stage if self._pending else self._stage,
                    fatal=True,
                )
            )
        self._state = SessionState.CLOSED
        self._pending.clear()
        return events

    def timed_out(self, seconds: float) -> Problem:
        """No reply within ``seconds``: the driver gives up on the connection.

        RFC 5321 section 4.5.3.2: "An SMTP client MUST provide a timeout mechanism.  It
        MUST use per-command timeouts rather than somehow trying to time the entire mail
        transaction."
        """
        stage = self._pending[0].stage if self._pending else self._stage
        self._state = SessionState.BROKEN
        return Problem(
            _finding(
                FindingKind.TIMEOUT,
                Severity.ERROR,
                f"no complete reply within {seconds:g} s",
                "RFC 5321 section 4.5.3.2",
                seconds=f"{seconds:g}",
            ),
            stage,
            fatal=True,
        )

    # -- commands ----------------------------------------------------------------------

    def ehlo(self, name: str) -> Sent:
        """``EHLO name`` (RFC 5321 section 4.1.1.1)."""
        self._check(check_ehlo_name(name))
        return self._command("EHLO", f"EHLO {name}")

    def helo(self, name: str) -> Sent:
        """``HELO name``: the fallback for servers that reject EHLO (RFC 5321 section 3.2)."""
        self._check(check_ehlo_name(name))
        return self._command("HELO", f"HELO {name}")

    def starttls(self) -> Sent:
        """``STARTTLS`` (RFC 3207 section 4); on 220 the state turns TLS_PENDING."""
        return self._command("STARTTLS", "STARTTLS")

    def auth(self, mechanism: str, user: str, password: str) -> Sent:
        """``AUTH mechanism``: the session then answers each 334 challenge by itself.

        PLAIN sends its initial response at once (RFC 4954 section 4, RFC 4616); LOGIN
        answers two challenges with the base64 user name and password; CRAM-MD5 answers
        the challenge with ``user hex(HMAC-MD5(password, challenge))`` (RFC 2195).
        Every payload line is ``secret``.
        """
        mech = mechanism.upper()
        if mech not in MECHANISMS:
            raise SessionUsageError(
                f"unknown AUTH mechanism {mechanism!r}: expected one of {', '.join(MECHANISMS)}"
            )
        if "\0" in user or "\0" in password:
            raise SessionUsageError("the user name or password contains a NUL character")
        sasl = _Sasl(mech, user, password)
        line, shown, secret = sasl.first()
        sent = self._command("AUTH", line, shown=shown, secret=secret)
        self._sasl = sasl
        self._state = SessionState.AUTH
        return sent

    def mail(
        self,
        sender: str,
        *,
        size: int | None = None,
        eight_bit: bool = False,
        smtputf8: bool = False,
    ) -> Sent:
        """``MAIL FROM:<sender>`` with the parameters the server advertised.

        ``SIZE=n`` when SIZE was advertised (RFC 1870 section 6), ``BODY=8BITMIME`` for an
        8-bit message when 8BITMIME was (RFC 6152 section 3), ``SMTPUTF8`` when asked and
        advertised (RFC 6531 section 3.4).  An empty sender is the null path ``<>``.
        """
        self._check(check_path(sender))
        line = f"MAIL FROM:<{sender}>"
        if size is not None and self._extensions.size is not None:
            line += f" SIZE={size}"
        if eight_bit and self._extensions.eight_bit_mime:
            line += " BODY=8BITMIME"
        if smtputf8 and self._extensions.smtputf8:
            line += " SMTPUTF8"
        return self._command("MAIL", line)

    def rcpt(self, recipient: str) -> Sent:
        """``RCPT TO:<recipient>`` (RFC 5321 section 4.1.1.3)."""
        if not recipient:
            raise SessionUsageError("RCPT TO needs an address (RFC 5321 section 4.1.1.3)")
        self._check(check_path(recipient))
        return self._command("RCPT", f"RCPT TO:<{recipient}>")

    def data(self) -> Sent:
        """``DATA``; on 354 the state turns MESSAGE (RFC 5321 section 4.1.1.4)."""
        return self._command("DATA", "DATA")

    def send_message(self, message: bytes) -> Sent:
        """The message after 354, dot-stuffed (see :func:`dot_stuff`).

        ``b""`` sends the lone ``.``: RFC 2920 section 3.1 wants exactly that when a
        pipelined DATA got 354 although no recipient was accepted.
        """
        if self._state is not SessionState.MESSAGE:
            raise SessionUsageError(
                f"send_message() needs a 354 reply to DATA first (state {self._state.value})"
            )
        wire = dot_stuff(message)
        sent = Sent(
            SentKind.MESSAGE,
            Stage.END_OF_DATA,
            wire,
            wire.decode("utf-8", "replace").removesuffix("\r\n"),
        )
        self._outgoing.append(sent)
        self._pending.append(_Pending(END_OF_DATA, Stage.END_OF_DATA))
        self._stage = Stage.END_OF_DATA
        self._state = SessionState.READY
        return sent

    def rset(self) -> Sent:
        return self._command("RSET", "RSET", stage=Stage.OTHER)

    def noop(self) -> Sent:
        return self._command("NOOP", "NOOP", stage=Stage.OTHER)

    def quit(self) -> Sent:
        """``QUIT``; the server answers 221 and closes (RFC 5321 section 4.1.1.10)."""
        sent = self._command("QUIT", "QUIT")
        self._quit_sent = True
        return sent

    # -- internals ---------------------------------------------------------------------

    def _check(self, problem: str | None) -> None:
        if problem is not None:
            raise SessionUsageError(problem)

    def _command(
        self,
        verb: str,
        line: str,
        *,
        shown: str | None = None,
        secret: bool = False,
        stage: Stage | None = None,
    ) -> Sent:
        if self._state is not SessionState.READY:
            raise SessionUsageError(
                f"cannot send {verb} in state {self._state.value}: " + _WAIT[self._state]
            )
        if self._pending:
            last = self._pending[-1].command
            if not self._extensions.pipelining:
                raise SessionUsageError(
                    f"cannot send {verb} before the reply to {last}: "
                    "the server did not advertise PIPELINING (RFC 2920 section 3)"
                )
            if any(p.command not in PIPELINE_ANYWHERE for p in self._pending):
                raise SessionUsageError(
                    f"cannot send {verb} after {last} in one pipelined group: "
                    "only RSET, MAIL and RCPT may be followed (RFC 2920 section 3.1)"
                )
        wire = (line + "\r\n").encode("utf-8")
        stage = stage or _STAGE_OF.get(verb, Stage.OTHER)
        sent = Sent(SentKind.COMMAND, stage, wire, line if shown is None else shown, secret)
        self._outgoing.append(sent)
        self._pending.append(_Pending(verb, stage))
        self._stage = stage
        return sent

    def _account(self, piece: bytes, *, complete_line: bool) -> Problem | None:
        """Count the piece against the line and reply bounds before parsing it."""
        self._line_bytes += len(piece)
        self._reply_bytes += len(piece)
        stage = self._pending[0].stage if self._pending else self._stage
        if self._line_bytes > self._max_line:
            self._state = SessionState.BROKEN
            return Problem(
                _finding(
                    FindingKind.LINE_TOO_LONG,
                    Severity.ERROR,
                    f"a reply line went past {self._max_line} bytes; stopped reading",
                    "RFC 5321 section 4.5.3.1.5",
                    self._lines_seen + 1,
                    length=str(self._line_bytes),
                    limit="512",
                ),
                stage,
                fatal=True,
            )
        if complete_line:
            self._line_bytes = 0
            self._lines_seen += 1
            self._reply_lines += 1
        if self._reply_lines > self._max_lines or self._reply_bytes > self._max_bytes:
            self._state = SessionState.BROKEN
            return Problem(
                _finding(
                    FindingKind.REPLY_TOO_LONG,
                    Severity.ERROR,
                    f"a reply went past {self._max_lines} lines or {self._max_bytes} bytes;"
                    " stopped reading",
                    "RFC 5321 section 4.2.1",
                    self._lines_seen,
                    lines=str(self._reply_lines),
                    limit=str(self._max_lines),
                ),
                stage,
                fatal=True,
            )
        return None

    def _malformed(self, exc: ReplyParseError, line: bytes) -> Problem:
        self._state = SessionState.BROKEN
        stage = self._pending[0].stage if self._pending else self._stage
        start = repr(line.rstrip(b"\r\n")[:16])[2:-1]  # control bytes shown as \xNN
        return Problem(
            _finding(
                _MALFORMED,
                Severity.ERROR,
                f"not an SMTP reply: {exc}",
                "RFC 5321 section 4.2",
                self._lines_seen,
                code=start or "?",
            ),
            stage,
            fatal=True,
        )

    def _after_starttls(self, count: int) -> Problem:
        # Bytes between the 220 to STARTTLS and the handshake are plaintext the server (or
        # a man in the middle) injected; reading them after TLS would be the STARTTLS
        # command-injection flaw (CERT VU#555316).  RFC 3207 section 4.2 resets the session.
        return Problem(
            _finding(
                FindingKind.UNSOLICITED_REPLY,
                Severity.ERROR,
                f"{count} bytes arrived after the 220 reply to STARTTLS, before the TLS "
                "handshake; discarded",
                "RFC 3207 section 4.2",
                bytes=str(count),
            ),
            Stage.STARTTLS,
            fatal=False,
        )

    def _answer(self, reply: Reply) -> Answer:
        self._reply_lines = 0
        self._reply_bytes = 0
        findings: list[Finding] = []
        code = reply.code
        pending = self._pending.popleft() if self._pending else None
        if pending is None:
            # RFC 5321 section 3.8: a 421 may come "asynchronously from command receipt".
            if code != 421:
                findings.append(
                    _finding(
                        FindingKind.UNSOLICITED_REPLY,
                        Severity.ERROR,
                        f"a {reply.code_text} reply arrived while no command was waiting for one",
                        "RFC 5321 section 4.3.1, RFC 2920 section 3.1",
                        code=reply.code_text,
                    )
                )
            if code == 421:
                self._farewell = True
                self._state = SessionState.CLOSED
                self._pending.clear()
            return Answer(reply, self._stage, "", tuple(findings))
        command, stage = pending.command, pending.stage
        if not self._allowed(command, code):
            findings.append(
                _finding(
                    FindingKind.UNEXPECTED_CODE,
                    Severity.WARNING,
                    f"RFC 5321 section 4.3.2 does not list {reply.code_text} for {command}",
                    "RFC 5321 section 4.3.2",
                    code=reply.code_text,
                    command=command,
                )
            )
        if (
            self._extensions.enhanced_status_codes
            and reply.code_text[:1] in ("2", "4", "5")
            and command not in (GREETING, "EHLO", "HELO")
            and reply.enhanced is None
        ):
            # RFC 2034 section 3 (4): "the text part of all 2xx, 4xx, and 5xx SMTP responses
            # other than the initial greeting and any response to HELO or EHLO are prefaced
            # with a status code"
            findings.append(
                _finding(
                    FindingKind.ENHANCED_MISSING,
                    Severity.WARNING,
                    f"ENHANCEDSTATUSCODES was advertised but the {reply.code_text} reply "
                    "has no enhanced code",
                    "RFC 2034 section 3",
                    code=reply.code_text,
                )
            )
        self._advance(command, reply)
        return Answer(reply, stage, command, tuple(findings))

    def _allowed(self, command: str, code: int) -> bool:
        allowed = EXPECTED_REPLIES.get(command)
        if allowed is None or code in allowed:
            return True
        if command == GREETING:
            return False
        if code in ANY_COMMAND and command != END_OF_DATA:
            return True
        if code == 421:  # RFC 5321 section 3.8: 421 after any command, end of data too
            return True
        if code == 530 and command not in NO_530:
            return True
        if code == 502 and command in EXTENSION_COMMANDS:
            return not self._extensions.has(EXTENSION_COMMANDS[command])
        # RFC 5321 section 3.1: after a 554 greeting the server "SHOULD respond to any
        # intervening commands with "503 bad sequence of commands""; RFC 7504 section 3:
        # after 521 it "MAY either continue sending 521 reply codes or simply close".
        return self._refused and code in (503, 521, 554)

    def _advance(self, command: str, reply: Reply) -> None:
        """Move the state machine on after the reply to ``command``."""
        code, first = reply.code, reply.code_text[:1]
        if code == 421:
            # RFC 5321 section 3.8: the server closes after 421
            self._farewell = True
            self._state = SessionState.CLOSED
            self._pending.clear()
            return
        if command == GREETING:
            self._refused = first != "2"
            self._state = SessionState.READY
        elif command == "EHLO" and first == "2":
            self._extensions = Extensions.from_reply(reply)
        elif command == "HELO" and first == "2":
            self._extensions = Extensions()
        elif command == "STARTTLS" and code == 220:
            self._state = SessionState.TLS_PENDING
            self._pending.clear()
        elif command == "AUTH":
            self._sasl_step(reply)
        elif command == "DATA" and code == 354:
            self._state = SessionState.MESSAGE
        elif command == "QUIT":
            self._farewell = self._farewell or code == 221
            self._state = SessionState.CLOSED

    def _sasl_step(self, reply: Reply) -> None:
        sasl = self._sasl
        if reply.code == 334 and sasl is not None:
            challenge = reply.lines[0].text if reply.lines else ""
            line, secret = sasl.answer(challenge)
            wire = (line + "\r\n").encode("ascii")
            self._outgoing.append(
                Sent(SentKind.AUTH_RESPONSE, Stage.AUTH, wire, REDACTED if secret else line, secret)
            )
            self._pending.appendleft(_Pending("AUTH", Stage.AUTH))
            return
        self._sasl = None
        self._authenticated = reply.code == 235
        self._state = SessionState.READY


_WAIT: dict[SessionState, str] = {
    SessionState.DISCONNECTED: "call connected() first",
    SessionState.GREETING: "wait for the server's greeting (RFC 5321 section 3.1)",
    SessionState.READY: "",
    SessionState.AUTH: "the AUTH exchange is still running",
    SessionState.MESSAGE: "send the message with send_message() after the 354 reply",
    SessionState.TLS_PENDING: "do the TLS handshake and call tls_established()",
    SessionState.CLOSED: "the session is over",
    SessionState.BROKEN: "the server broke the protocol; close the connection",
}
