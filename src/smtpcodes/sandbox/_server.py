"""The scripted server, sans-IO: bytes from the client in, actions out.

It speaks enough ESMTP for a realistic session (EHLO, STARTTLS, AUTH PLAIN/LOGIN/CRAM-MD5,
SIZE, PIPELINING, ENHANCEDSTATUSCODES) and, unlike aiosmtpd, can send anything a scenario
asks for: a 421 or 554 greeting, mixed codes, bare LF, slow replies, a drop mid-DATA.

    >>> from smtpcodes.sandbox import load_scenarios
    >>> session = ServerSession(Director(load_scenarios().get("connect-421"), seed=0), Settings())
    >>> session.start()[0].data[:9]
    b'421 4.3.2'

The driver (``_raw.py``) performs the actions: :class:`Send` (after ``delay`` seconds),
:class:`StartTls`, :class:`Close`.  The message itself is counted and thrown away: the
sandbox never relays and never stores mail.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from enum import Enum
from typing import Any

from smtpcodes._record import field, record
from smtpcodes.protocol import Stage
from smtpcodes.sandbox._director import Director
from smtpcodes.sandbox._model import Rule, Scenario
from smtpcodes.sandbox._replies import error_reply, normal_reply, server_words

#: RFC 5321 section 4.5.3.1.4 allows 512 octets per command line; RFC 4954 section 4 raises
#: it to 12288 for AUTH.  Longer lines get 500 and are skipped without being buffered.
MAX_COMMAND_LINE = 12288
#: RFC 5321 section 4.5.3.1.8: at least 100 recipients must be accepted; we take 1000.
MAX_RECIPIENTS = 1000
#: The size limit when the scenario sets none (SIZE is advertised with it, RFC 1870).
DEFAULT_MAX_MESSAGE = 10 * 1024 * 1024
AUTH_MECHANISMS = ("PLAIN", "LOGIN", "CRAM-MD5")
_LOGIN_USER = base64.b64encode(b"Username:").decode()  # RFC 4954 section 4.1 example text
_LOGIN_PASSWORD = base64.b64encode(b"Password:").decode()


@record
class Send:
    data: bytes
    delay: float = 0.0  #: seconds to wait first (slow replies)


@record
class StartTls:
    """Upgrade the connection now (the 220 reply was sent just before)."""


@record
class Close:
    delay: float = 0.0


Action = Send | StartTls | Close


@record
class Settings:
    """What the server offers; the same for every session of one server."""

    size: int = 0  #: 0: DEFAULT_MAX_MESSAGE
    check_declared_size: bool = True  #: answer MAIL ... SIZE=n over the limit with 552
    tls: bool = False  #: STARTTLS can be offered (a certificate exists)
    user: str = "sandbox"
    password: str = field(default="sandbox", repr=False)

    @classmethod
    def of(cls, scenario: Scenario, **options: Any) -> Settings:
        """The settings a scenario asks for (SIZE), plus server ``options``."""
        return cls(size=scenario.size, check_declared_size=scenario.check_declared_size, **options)

    @property
    def max_message(self) -> int:
        return self.size or DEFAULT_MAX_MESSAGE


class _Mode(Enum):
    COMMAND = "command"
    SASL = "sasl"  #: waiting for a SASL response line
    BODY = "body"  #: reading the message after 354
    REFUSED = "refused"  #: the greeting was not 220: only QUIT is honoured
    CLOSED = "closed"


def encode(lines: tuple[str, ...] | list[str], *, bare_lf: bool = False) -> bytes:
    ending = "\n" if bare_lf else "\r\n"
    return "".join(line + ending for line in lines).encode("utf-8", "surrogateescape")


class ServerSession:
    """One connection's SMTP state (RFC 5321 section 4.1.4 ordering, RFC 3207, RFC 4954)."""

    def __init__(
        self,
        director: Director,
        settings: Settings,
        *,
        session_number: int = 1,
    ) -> None:
        self.director = director
        self.settings = settings
        self.tls_active = False
        self._number = session_number
        self._mode = _Mode.COMMAND
        self._buffer = bytearray()
        self._skipping_long_line = False
        self._greeted = False  #: EHLO or HELO answered 250
        self._extended = False  #: it was EHLO
        self._authenticated = False
        self._mail_from: str | None = None
        self._recipients = 0
        self._rcpt_attempts = 0
        self._refusal: tuple[str, ...] = ()
        # SASL
        self._sasl_mechanism = ""
        self._sasl_step = 0
        self._sasl_user = ""
        self._sasl_challenge = b""
        self._auth_rule: Rule | None = None
        # message body
        self._body_size = 0
        self._body_mid_line = False
        self._body_started = False
        self._eod_rule: Rule | None = None

    @property
    def closed(self) -> bool:
        return self._mode is _Mode.CLOSED

    # -- entry points ----------------------------------------------------------------------

    def start(self) -> list[Action]:
        """The greeting (RFC 5321 section 3.1)."""
        self.director.session_started()
        rule = self.director.pick(Stage.CONNECT, "")
        if rule is None:
            return [Send(encode([normal_reply(Stage.CONNECT)]))]
        if rule.code != "220":
            # RFC 5321 section 3.1: after a 554 greeting the server waits for QUIT and SHOULD
            # answer other commands with 503; RFC 7504 section 3: after 521 it answers 521.
            self._mode = _Mode.REFUSED
            self._refusal = rule.lines if rule.code == "521" else (error_reply("bad-sequence"),)
        return self._rule(rule)

    def receive(self, data: bytes) -> list[Action]:
        """Feed bytes from the client; return what to do, in order."""
        if self.closed:
            return []
        self._buffer += data
        actions: list[Action] = []
        while not self.closed:
            if self._mode is _Mode.BODY:
                progressed = self._body(actions)
            else:
                progressed = self._command_line(actions)
            if not progressed:
                break
            if actions and isinstance(actions[-1], StartTls):
                # RFC 3207 section 4.2: knowledge from before TLS is discarded, and with it
                # anything the client pipelined after STARTTLS (command injection defence).
                self._buffer.clear()
                break
        return actions

    def tls_started(self) -> None:
        """The handshake finished: back to the state after the greeting (RFC 3207 4.2)."""
        self.tls_active = True
        self._greeted = False
        self._extended = False
        self._reset_transaction()

    # -- commands --------------------------------------------------------------------------

    def _command_line(self, actions: list[Action]) -> bool:
        end = self._buffer.find(b"\n")
        if end < 0:
            if len(self._buffer) > MAX_COMMAND_LINE:
                self._buffer.clear()
                self._skipping_long_line = True
            return False
        raw = bytes(self._buffer[:end]).rstrip(b"\r")
        del self._buffer[: end + 1]
        if self._skipping_long_line or len(raw) > MAX_COMMAND_LINE:
            self._skipping_long_line = False
            actions += self._send(error_reply("line-too-long"))
            return True
        if self._mode is _Mode.SASL:
            actions += self._sasl_response(raw)
            return True
        try:
            line = raw.decode("ascii")
        except UnicodeDecodeError:
            actions += self._send(error_reply("unrecognized"))
            return True
        verb, _, arg = line.strip().partition(" ")
        verb = verb.upper()
        arg = arg.strip()
        if self._mode is _Mode.REFUSED:
            if verb == "QUIT":
                actions += self._quit()
            else:
                actions.append(Send(encode(self._refusal)))
            return True
        handler = getattr(self, f"_cmd_{verb.lower()}", None) if verb.isalpha() else None
        if handler is None:
            actions += self._send(error_reply("unrecognized"))
        else:
            actions += handler(verb, arg)
        return True

    def _cmd_ehlo(self, verb: str, arg: str) -> list[Action]:
        if not arg:
            return self._send(error_reply("syntax"))
        self._reset_transaction()
        rule = self.director.pick(Stage.EHLO, verb)
        if rule is not None:
            self._greeted = rule.positive
            self._extended = rule.positive and verb == "EHLO"
            return self._rule(rule)
        self._greeted = True
        self._extended = verb == "EHLO"
        hostname = server_words().hostname
        if verb == "HELO":
            return self._send(f"250 {hostname}")
        keywords = ["PIPELINING", f"SIZE {self.settings.max_message}", "8BITMIME"]
        if self.settings.tls and not self.tls_active:
            keywords.append("STARTTLS")
        keywords += ["AUTH " + " ".join(AUTH_MECHANISMS), "ENHANCEDSTATUSCODES"]
        lines = [f"250-{hostname}"]
        lines += [f"250-{k}" for k in keywords[:-1]]
        lines.append(f"250 {keywords[-1]}")
        return [Send(encode(lines))]

    _cmd_helo = _cmd_ehlo

    def _cmd_starttls(self, verb: str, arg: str) -> list[Action]:
        if arg:
            return self._send(error_reply("syntax"))
        if self.tls_active:
            return self._send(error_reply("tls-twice"))
        rule = self.director.pick(Stage.STARTTLS, verb)
        if rule is not None:
            actions = self._rule(rule)
            if rule.code == "220" and self.settings.tls and not self.closed:
                actions.append(StartTls())
            return actions
        if not self.settings.tls:
            return self._send(error_reply("not-implemented"))
        return [Send(encode([normal_reply(Stage.STARTTLS)])), StartTls()]

    def _cmd_auth(self, verb: str, arg: str) -> list[Action]:
        # RFC 4954 section 4: AUTH needs EHLO, once per session, never in a transaction
        if not self._extended or self._mail_from is not None:
            return self._send(error_reply("bad-sequence"))
        if self._authenticated:
            return self._send(error_reply("auth-twice"))
        mechanism, _, initial = arg.partition(" ")
        mechanism = mechanism.upper()
        if not mechanism:
            return self._send(error_reply("syntax"))
        rule = self.director.pick(Stage.AUTH, verb)
        if rule is not None and not rule.after_sasl:
            return self._rule(rule)
        if mechanism not in AUTH_MECHANISMS:
            return self._send(error_reply("auth-mechanism"))
        self._auth_rule = rule
        self._sasl_mechanism = mechanism
        self._sasl_step = 0
        self._mode = _Mode.SASL
        initial = initial.strip()
        if mechanism == "CRAM-MD5":
            # RFC 2195 section 2: a unique challenge in msg-id form; counted, not random, so
            # that recorded transcripts stay the same from one run to the next
            words = server_words()
            challenge = f"<{self._number}.{self.director.seed}@{words.hostname}>"
            self._sasl_challenge = challenge.encode()
            return self._challenge(base64.b64encode(self._sasl_challenge).decode())
        if initial:
            return self._sasl_response(initial.encode())
        if mechanism == "PLAIN":
            return self._challenge("")  # RFC 4954 section 4: an empty challenge
        return self._challenge(_LOGIN_USER)

    def _challenge(self, text: str) -> list[Action]:
        # RFC 4954 section 4: "334" SP [base64] CRLF; the space is there even when empty
        return [Send(encode([f"334 {text}"]))]

    def _sasl_response(self, raw: bytes) -> list[Action]:
        if raw.strip() == b"*":
            self._mode = _Mode.COMMAND
            return self._send(error_reply("auth-aborted"))
        try:
            decoded = base64.b64decode(raw.strip(), validate=True)
        except (binascii.Error, ValueError):
            self._mode = _Mode.COMMAND
            return self._send(error_reply("syntax"))
        mechanism = self._sasl_mechanism
        if mechanism == "LOGIN" and self._sasl_step == 0:
            self._sasl_user = decoded.decode("utf-8", "replace")
            self._sasl_step = 1
            return self._challenge(_LOGIN_PASSWORD)
        self._mode = _Mode.COMMAND
        return self._auth_result(self._credentials_ok(mechanism, decoded))

    def _credentials_ok(self, mechanism: str, decoded: bytes) -> bool:
        user = self.settings.user.encode()
        password = self.settings.password.encode()
        if mechanism == "PLAIN":
            # RFC 4616 section 2: [authzid] NUL authcid NUL passwd
            parts = decoded.split(b"\x00")
            return (
                len(parts) == 3
                and hmac.compare_digest(parts[1], user)
                and hmac.compare_digest(parts[2], password)
            )
        if mechanism == "LOGIN":
            return hmac.compare_digest(self._sasl_user.encode(), user) and hmac.compare_digest(
                decoded, password
            )
        # CRAM-MD5, RFC 2195 section 2: "user SP hex(hmac-md5(password, challenge))"
        name, _, digest = decoded.partition(b" ")
        expected = hmac.new(password, self._sasl_challenge, "md5").hexdigest().encode()
        return hmac.compare_digest(name, user) and hmac.compare_digest(digest.lower(), expected)

    def _auth_result(self, ok: bool) -> list[Action]:
        rule = self._auth_rule
        self._auth_rule = None
        if rule is not None:
            self._authenticated = rule.positive
            return self._rule(rule)
        self._authenticated = ok
        return self._send(normal_reply(Stage.AUTH) if ok else error_reply("auth-failed"))

    def _cmd_mail(self, verb: str, arg: str) -> list[Action]:
        if not self._greeted or self._mail_from is not None:
            return self._send(error_reply("bad-sequence"))
        if not arg.upper().startswith("FROM:"):
            return self._send(error_reply("syntax"))
        path, _, params = arg[5:].strip().partition(" ")
        rule = self.director.pick(Stage.MAIL, verb)
        declared = self._declared_size(params)
        if (
            rule is None
            and self.settings.check_declared_size
            and declared > self.settings.max_message
        ):
            # RFC 1870 section 7: a declared size over the limit gets 552 at MAIL
            return self._send(error_reply("too-big"))
        if rule is not None:
            if rule.positive:
                self._mail_from = path
            return self._rule(rule)
        self._mail_from = path
        return self._send(normal_reply(Stage.MAIL))

    @staticmethod
    def _declared_size(params: str) -> int:
        for param in params.split():
            key, _, value = param.partition("=")
            if key.upper() == "SIZE" and value.isdigit():
                return int(value)
        return 0

    def _cmd_rcpt(self, verb: str, arg: str) -> list[Action]:
        if self._mail_from is None:
            return self._send(error_reply("bad-sequence"))
        if not arg.upper().startswith("TO:"):
            return self._send(error_reply("syntax"))
        self._rcpt_attempts += 1
        rule = self.director.pick(Stage.RCPT, verb, recipients=self._recipients)
        if rule is not None:
            if rule.positive:
                self._recipients += 1
            return self._rule(rule)
        if self._recipients >= MAX_RECIPIENTS:
            return self._send(error_reply("too-many-recipients"))
        self._recipients += 1
        return self._send(normal_reply(Stage.RCPT))

    def _cmd_data(self, verb: str, arg: str) -> list[Action]:
        if arg:
            return self._send(error_reply("syntax"))
        if self._mail_from is None:
            return self._send(error_reply("bad-sequence"))
        rule = self.director.pick(Stage.DATA, verb)
        if rule is not None and rule.code != "354":
            return self._rule(rule)
        if rule is None and self._recipients == 0:
            # RFC 5321 section 3.3 and RFC 2920 section 3.2 (3): no 354 without a valid
            # recipient; 554 when RCPT was tried and failed, 503 when it never came
            if self._rcpt_attempts:
                return self._send(error_reply("no-valid-recipients"))
            return self._send(error_reply("bad-sequence"))
        # decided now, so that a drop can happen while the message comes in
        self._eod_rule = self.director.pick(Stage.END_OF_DATA, "")
        self._mode = _Mode.BODY
        self._body_size = 0
        self._body_mid_line = False
        self._body_started = False
        if rule is not None:
            return self._rule(rule)
        return self._send(normal_reply(Stage.DATA))

    def _cmd_rset(self, verb: str, arg: str) -> list[Action]:
        self._reset_transaction()
        return self._send(normal_reply(Stage.OTHER))

    def _cmd_noop(self, verb: str, arg: str) -> list[Action]:
        rule = self.director.pick(Stage.OTHER, verb)
        return self._rule(rule) if rule is not None else self._send(normal_reply(Stage.OTHER))

    def _other(self, verb: str, fallback: str) -> list[Action]:
        rule = self.director.pick(Stage.OTHER, verb)
        return self._rule(rule) if rule is not None else self._send(error_reply(fallback))

    def _cmd_help(self, verb: str, arg: str) -> list[Action]:
        return self._other(verb, "help")

    def _cmd_vrfy(self, verb: str, arg: str) -> list[Action]:
        if not arg:
            return self._send(error_reply("syntax"))
        return self._other(verb, "vrfy")

    def _cmd_expn(self, verb: str, arg: str) -> list[Action]:
        return self._other(verb, "not-implemented")

    _cmd_etrn = _cmd_expn
    _cmd_atrn = _cmd_expn

    def _cmd_quit(self, verb: str, arg: str) -> list[Action]:
        if arg:
            return self._send(error_reply("syntax"))
        return self._quit()

    def _quit(self) -> list[Action]:
        rule = self.director.pick(Stage.QUIT, "QUIT")
        actions = self._rule(rule) if rule is not None else self._send(normal_reply(Stage.QUIT))
        if not self.closed:
            self._mode = _Mode.CLOSED
            actions.append(Close())
        return actions

    # -- the message -------------------------------------------------------------------------

    def _body(self, actions: list[Action]) -> bool:
        if not self._buffer:
            return False
        if not self._body_started:
            self._body_started = True
            if self._eod_rule is not None and self._eod_rule.drop:
                actions += self._rule(self._eod_rule)  # closes without a reply
                return False
        end = self._buffer.find(b"\n")
        if end < 0:
            # a line without an end yet: count it and keep nothing (memory stays bounded)
            if len(self._buffer) > 4096:
                self._body_size += len(self._buffer)
                self._buffer.clear()
                self._body_mid_line = True
            return False
        line = bytes(self._buffer[: end + 1])
        del self._buffer[: end + 1]
        if not self._body_mid_line and line.rstrip(b"\r\n") == b".":
            actions += self._end_of_data()
            return True
        # RFC 5321 section 4.5.2: a leading dot was doubled by the client; count it once
        stuffed = not self._body_mid_line and line.startswith(b"..")
        self._body_size += len(line) - (1 if stuffed else 0)
        self._body_mid_line = False
        return True

    def _end_of_data(self) -> list[Action]:
        self._mode = _Mode.COMMAND
        rule, self._eod_rule = self._eod_rule, None
        size = self._body_size
        self._reset_transaction()
        if size > self.settings.max_message:
            return self._send(error_reply("too-big"))
        if rule is not None:
            if rule.positive:
                self.director.message_accepted(size)
            return self._rule(rule)
        self.director.message_accepted(size)
        return self._send(normal_reply(Stage.END_OF_DATA))

    # -- helpers -------------------------------------------------------------------------------

    def _reset_transaction(self) -> None:
        self._mail_from = None
        self._recipients = 0
        self._rcpt_attempts = 0

    def _send(self, line: str) -> list[Action]:
        return [Send(encode([line]))]

    def _rule(self, rule: Rule) -> list[Action]:
        if rule.drop:
            self._mode = _Mode.CLOSED
            return [Close(rule.delay)]
        actions: list[Action] = [Send(encode(rule.lines, bare_lf=rule.bare_lf), rule.delay)]
        if rule.close:
            self._mode = _Mode.CLOSED
            actions.append(Close())
        return actions
