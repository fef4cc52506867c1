"""The aiosmtpd engine: a real, independent SMTP server whose handler hooks ask the scenario.

aiosmtpd (the successor of the stdlib ``smtpd``) brings its own command parsing, STARTTLS,
AUTH and DATA handling, so a session against it is realistic.  Its hooks let a scenario
answer EHLO/HELO, AUTH, MAIL, RCPT, end of data and QUIT; what it cannot send (a non-220
greeting, replies to DATA or STARTTLS, bare LF, a drop mid-DATA) goes to the scripted engine.
"""

from __future__ import annotations

import asyncio
import hmac
from typing import Any

from aiosmtpd.smtp import MISSING, SMTP, AuthResult, Envelope, LoginPassword, Session

from smtpcodes.protocol import Stage
from smtpcodes.sandbox._director import Director
from smtpcodes.sandbox._model import Rule
from smtpcodes.sandbox._replies import error_reply, normal_reply, server_words
from smtpcodes.sandbox._server import MAX_RECIPIENTS, Settings

#: aiosmtpd's own text for the STARTTLS go-ahead lacks the enhanced code that RFC 2034
#: section 4 asks for once ENHANCEDSTATUSCODES is advertised; we send ours instead.
_AIOSMTPD_STARTTLS = "220 Ready to start TLS"


class _SandboxSession(Session):
    def __init__(self, loop: asyncio.AbstractEventLoop, number: int) -> None:
        super().__init__(loop)
        self.number = number
        self.auth_rule: Rule | None = None

    # aiosmtpd sets login_data after every successful AUTH and logs a deprecation warning
    # each time; the sandbox does not use it, so it is kept quietly
    @property
    def login_data(self) -> Any:
        return self._login_data

    @login_data.setter
    def login_data(self, value: Any) -> None:
        self._login_data = value


class _SandboxEnvelope(Envelope):
    def __init__(self) -> None:
        super().__init__()
        self.rcpt_attempts = 0


def _joined(rule: Rule) -> str:
    # push() appends the final CRLF; multi-line replies go out as one write
    return "\r\n".join(rule.lines)


class SandboxHandler:
    """aiosmtpd handler hooks driven by the scenario's :class:`Director`."""

    def __init__(self, director: Director, settings: Settings) -> None:
        self.director = director
        self.settings = settings

    async def _apply(self, server: SMTP, rule: Rule) -> str:
        if rule.delay:
            await asyncio.sleep(rule.delay)
        if rule.close:
            transport = server.transport
            if transport is not None:
                # runs after push() has written the reply; close() flushes it first
                asyncio.get_running_loop().call_soon(transport.close)
        return _joined(rule)

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        rule = self.director.pick(Stage.EHLO, "EHLO")
        if rule is not None:
            session.extended_smtp = rule.positive
            if rule.positive:
                session.host_name = hostname
            return [await self._apply(server, rule)]
        session.host_name = hostname
        keywords = ["PIPELINING", f"SIZE {self.settings.max_message}", "8BITMIME"]
        keywords += [r[4:] for r in responses if r[4:] == "STARTTLS" or r[4:].startswith("AUTH")]
        keywords.append("ENHANCEDSTATUSCODES")
        lines = [f"250-{server_words().hostname}"]
        lines += [f"250-{k}" for k in keywords[:-1]]
        lines.append(f"250 {keywords[-1]}")
        return lines

    async def handle_HELO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str
    ) -> str:
        rule = self.director.pick(Stage.EHLO, "HELO")
        if rule is not None:
            if rule.positive:
                session.host_name = hostname
            return await self._apply(server, rule)
        session.host_name = hostname
        return f"250 {server_words().hostname}"

    async def handle_AUTH(
        self, server: SMTP, session: Session, envelope: Envelope, args: list[str]
    ) -> Any:
        rule = self.director.pick(Stage.AUTH, "AUTH")
        if rule is not None and not rule.after_sasl:
            return await self._apply(server, rule)
        if isinstance(session, _SandboxSession):
            session.auth_rule = rule
        return MISSING

    def authenticate(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        """aiosmtpd's ``authenticator`` callback (PLAIN and LOGIN)."""
        ok = isinstance(auth_data, LoginPassword) and (
            hmac.compare_digest(auth_data.login, self.settings.user.encode())
            and hmac.compare_digest(auth_data.password, self.settings.password.encode())
        )
        return self._auth_result(server, session, ok)

    def _auth_result(self, server: SMTP, session: Session, ok: bool) -> AuthResult:
        rule = session.auth_rule if isinstance(session, _SandboxSession) else None
        if isinstance(session, _SandboxSession):
            session.auth_rule = None
        if rule is not None:
            if rule.close and server.transport is not None:
                asyncio.get_running_loop().call_soon(server.transport.close)
            return AuthResult(success=rule.positive, handled=False, message=_joined(rule))
        if ok:
            return AuthResult(success=True, message=normal_reply(Stage.AUTH))
        return AuthResult(success=False, handled=False, message=error_reply("auth-failed"))

    async def auth_CRAM__MD5(self, server: SMTP, args: list[str]) -> AuthResult:
        """CRAM-MD5 (RFC 2195), which aiosmtpd lacks; the method name maps to "CRAM-MD5"."""
        session = server.session
        number = session.number if isinstance(session, _SandboxSession) else 0
        challenge = f"<{number}.{self.director.seed}@{server_words().hostname}>".encode()
        response = await server.challenge_auth(challenge)
        if response is MISSING or not isinstance(response, bytes):
            return AuthResult(success=False, handled=True)  # "*": aiosmtpd answered 501
        name, _, digest = response.partition(b" ")
        expected = hmac.new(self.settings.password.encode(), challenge, "md5").hexdigest()
        ok = hmac.compare_digest(name, self.settings.user.encode()) and hmac.compare_digest(
            digest.lower(), expected.encode()
        )
        if session is None:
            return AuthResult(success=False, handled=False, message=error_reply("auth-failed"))
        return self._auth_result(server, session, ok)

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        rule = self.director.pick(Stage.MAIL, "MAIL")
        if rule is not None:
            if rule.positive:
                envelope.mail_from = address
            return await self._apply(server, rule)
        for option in mail_options:
            key, _, value = option.partition("=")
            over = value.isdigit() and int(value) > self.settings.max_message
            if key == "SIZE" and over and self.settings.check_declared_size:
                return error_reply("too-big")  # RFC 1870 section 7
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return normal_reply(Stage.MAIL)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        accepted = len(envelope.rcpt_tos)
        if isinstance(envelope, _SandboxEnvelope):
            envelope.rcpt_attempts += 1
        rule = self.director.pick(Stage.RCPT, "RCPT", recipients=accepted)
        if rule is not None:
            if rule.positive:
                envelope.rcpt_tos.append(address)
            return await self._apply(server, rule)
        if accepted >= MAX_RECIPIENTS:
            return error_reply("too-many-recipients")
        envelope.rcpt_tos.append(address)
        return normal_reply(Stage.RCPT)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        size = len(envelope.original_content or b"")
        envelope.content = envelope.original_content = None  # discarded: never relayed
        rule = self.director.pick(Stage.END_OF_DATA, "")
        if size > self.settings.max_message:
            return error_reply("too-big")
        if rule is not None:
            if rule.positive:
                self.director.message_accepted(size)
            return await self._apply(server, rule)
        self.director.message_accepted(size)
        return normal_reply(Stage.END_OF_DATA)

    async def handle_RSET(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return normal_reply(Stage.OTHER)

    async def handle_NOOP(
        self, server: SMTP, session: Session, envelope: Envelope, arg: str
    ) -> str:
        return normal_reply(Stage.OTHER)

    async def handle_VRFY(
        self, server: SMTP, session: Session, envelope: Envelope, address: str
    ) -> str:
        return error_reply("vrfy")

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        rule = self.director.pick(Stage.QUIT, "QUIT")
        if rule is not None:
            return await self._apply(server, rule)
        return normal_reply(Stage.QUIT)


class SandboxSMTP(SMTP):
    """aiosmtpd's protocol with our greeting words and session numbering."""

    def __init__(
        self, handler: SandboxHandler, *, registry: set[SandboxSMTP], **kwargs: Any
    ) -> None:
        words = server_words()
        super().__init__(
            handler,
            hostname=words.hostname,
            ident=words.banner,
            authenticator=handler.authenticate,
            # loopback test server: AUTH is offered without TLS too, as on port 587 of
            # many real servers; the probe decides whether to send secrets in clear
            auth_require_tls=False,
            loop=asyncio.get_running_loop(),
            **kwargs,
        )
        self._sandbox_handler = handler
        self._registry = registry
        registry.add(self)

    def _create_session(self) -> Session:
        director = self._sandbox_handler.director
        return _SandboxSession(self.loop, director.stats.sessions)

    def _create_envelope(self) -> Envelope:
        return _SandboxEnvelope()

    async def smtp_DATA(self, arg: str) -> None:
        # aiosmtpd answers DATA without recipients "503 Error: need RCPT command"; like the
        # scripted engine, say 554 when RCPT was tried and refused (RFC 5321 section 3.3,
        # RFC 2920 section 3.2), 503 when it never came, with enhanced codes
        envelope, session = self.envelope, self.session
        greeted = session is not None and bool(session.host_name)
        if greeted and envelope is not None and not envelope.rcpt_tos and not arg:
            tried = isinstance(envelope, _SandboxEnvelope) and envelope.rcpt_attempts > 0
            no_valid = tried and envelope.mail_from is not None
            await self.push(error_reply("no-valid-recipients" if no_valid else "bad-sequence"))
            return
        await super().smtp_DATA(arg)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._original_transport is None and self.transport is None:
            self._sandbox_handler.director.session_started()
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self._registry.discard(self)
        super().connection_lost(error)

    async def push(self, status: Any) -> None:
        if status == _AIOSMTPD_STARTTLS:
            status = normal_reply(Stage.STARTTLS)
        await super().push(status)
