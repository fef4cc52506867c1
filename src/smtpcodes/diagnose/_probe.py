"""``run_probe``: drive a real SMTP session over asyncio and explain every reply.

A thin loop around :class:`smtpcodes.protocol.ClientSession`: the session decides what
to send and what the replies mean; this module moves bytes, keeps time, upgrades to TLS
and writes the transcript::

    === Trying 127.0.0.1:2525...
    === Connected to 127.0.0.1:2525.
    <-  220 sandbox.example ESMTP
     -> EHLO [127.0.0.1]
    <-  250-sandbox.example
    <-  250 PIPELINING
     -> MAIL FROM:<probe@[127.0.0.1]>
    <-  250 2.1.0 Ok
     -> RCPT TO:<nobody@example.org>
    <** 550 5.1.1 <nobody@example.org>: Recipient address rejected
     -> QUIT
    <-  221 2.0.0 Bye
    === Connection closed.
"""

from __future__ import annotations

import asyncio
import email.utils
import re
import ssl
import time
import uuid
from collections import deque
from collections.abc import Callable

from smtpcodes._errors import SmtpcodesError
from smtpcodes._record import record
from smtpcodes.catalogue import load_catalogue
from smtpcodes.diagnose._options import ProbeOptions, QuitAfter, TlsMode
from smtpcodes.diagnose._phrases import message_template, probe_phrases, say
from smtpcodes.diagnose._result import (
    EXIT_STATUS,
    Marker,
    Outcome,
    ProbeResult,
    TlsInfo,
    TranscriptLine,
    Verdict,
)
from smtpcodes.diagnose._transport import (
    READ_CHUNK,
    Connection,
    Connector,
    open_stream,
    tls_context,
)
from smtpcodes.explain import Explanation, explain_reply, finding_notes
from smtpcodes.protocol import (
    Answer,
    ClientSession,
    Finding,
    Problem,
    Sent,
    SentKind,
    SessionState,
    Severity,
    Stage,
)
from smtpcodes.protocol._session import check_ehlo_name

_LINE_ENDINGS = re.compile(rb"\r\n|\r|\n")
#: Control characters in a message line would drive the terminal the transcript is shown
#: on (an ESC sequence repaints it); the transcript shows them as \xNN.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

#: Lines of the message the transcript shows; the rest is counted in one info line.
SHOWN_MESSAGE_LINES = 40
#: The most 334 challenges one AUTH exchange may bring (PLAIN 1, LOGIN 2, CRAM-MD5 1,
#: plus the reply to a "*" cancel).
_MAX_AUTH_ROUNDS = 4


@record
class Clock:
    """Time, injectable: ``monotonic`` for the transcript's elapsed times, ``wall`` for
    the generated message's Date header."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time


class _End(Exception):
    """The session cannot go on (network, timeout, TLS, a broken peer)."""

    def __init__(self, outcome: Outcome, stage: Stage) -> None:
        super().__init__(outcome.value)
        self.outcome = outcome
        self.stage = stage


async def run_probe(
    options: ProbeOptions,
    *,
    connector: Connector | None = None,
    clock: Clock | None = None,
) -> ProbeResult:
    """Run one SMTP session as ``options`` say and return what happened.

    Never raises for anything the server or the network does: refused connections,
    timeouts, TLS failures, garbage and closes all end in the result's verdict and
    findings.  Raises only for bad ``options`` (:class:`ProbeOptionsError`) or an
    unknown ``options.lang``.

    The verdict: the first 4yz/5yz reply the probe had to act on decides (exit 4 or 5)
    - a refused greeting, EHLO and HELO refused, STARTTLS or AUTH refused, MAIL refused,
    a refused recipient (even when others were accepted), DATA or the message refused.
    Without one, how the session ended decides: network, timeout or TLS trouble exit 6;
    a server that broke the protocol (garbage, an endless reply, a close without 221 or
    421, or any error-level finding) exits 7; otherwise 0.

    ``connector`` opens the connection (default: asyncio streams); ``clock`` gives the
    times.  Both exist for tests and for the sandbox recorder.
    """
    probe_phrases(options.lang)  # fail early on an unknown language
    probe = _Probe(options, connector or open_stream, clock or Clock())
    return await probe.run()


class _Probe:
    def __init__(self, options: ProbeOptions, connector: Connector, clock: Clock) -> None:
        self.options = options
        self.lang = options.lang
        self.connector = connector
        self.clock = clock
        self.session = ClientSession()
        self.connection: Connection | None = None
        self.started = clock.monotonic()
        self.lines: list[TranscriptLine] = []
        self.findings: list[Finding] = []
        self.ready: deque[Answer] = deque()
        self.decisive: Answer | None = None
        self.reached = Stage.CONNECT
        self.delivered: Answer | None = None
        self.tls_info: TlsInfo | None = None
        self.tls_active = False
        self.eof = False
        self.stages = load_catalogue().phrases(self.lang)["stage"]

    # -- the session, step by step ------------------------------------------------------

    async def run(self) -> ProbeResult:
        end: _End | None = None
        try:
            await self._flow()
        except _End as stop:
            end = stop
        finally:
            if self.connection is not None:
                await self.connection.close()
                self._info("info.closed")
        return self._result(end)

    async def _flow(self) -> None:
        options = self.options
        stop = options.stop_after
        await self._connect()
        if stop is QuitAfter.CONNECT:
            self._stopped(Stage.CONNECT)
            return
        self.session.connected(tls=options.tls is TlsMode.IMPLICIT)
        greeting = await self._answer()
        if greeting is None or not self._accept(greeting):
            return await self._quit()
        if stop is QuitAfter.BANNER:
            self._stopped(Stage.CONNECT)
            return await self._quit()
        if not await self._hello():
            return await self._quit()
        if options.tls is TlsMode.STARTTLS and stop.order >= QuitAfter.TLS.order:
            if not await self._starttls():
                return await self._quit()
            self.reached = Stage.STARTTLS
        if stop in (QuitAfter.EHLO, QuitAfter.TLS):
            starttls = stop is QuitAfter.TLS and options.tls is TlsMode.STARTTLS
            self._stopped(Stage.STARTTLS if starttls else Stage.EHLO)
            return await self._quit()
        if options.auth is not None and not await self._auth():
            return await self._quit()
        if stop is QuitAfter.AUTH:
            self._stopped(Stage.AUTH if options.auth else self.reached)
            return await self._quit()
        await self._transaction(stop)
        await self._quit()

    async def _connect(self) -> None:
        options, port = self.options, self.options.effective_port
        host = options.host.strip("[]")
        self._info("info.trying", host=options.host, port=port)
        context = None
        if options.tls is TlsMode.IMPLICIT:
            context = tls_context(insecure=options.insecure, cafile=options.cafile)
        try:
            async with asyncio.timeout(options.timeouts.connect):
                self.connection = await self.connector(
                    host, port, tls=context, server_hostname=host
                )
        except TimeoutError:
            seconds = f"{options.timeouts.connect:g}"
            self._error("error.connect_timeout", host=options.host, port=port, seconds=seconds)
            self.findings.append(self.session.timed_out(options.timeouts.connect).finding)
            raise _End(Outcome.TIMEOUT, Stage.CONNECT) from None
        except ssl.SSLError as exc:
            self._tls_error(exc)
            raise _End(Outcome.TLS, Stage.CONNECT) from None
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            self._error("error.connect", host=options.host, port=port, reason=reason)
            raise _End(Outcome.NETWORK, Stage.CONNECT) from None
        self._info("info.connected", host=options.host, port=port)
        if context is not None:
            self.tls_active = True
            self._tls_established()

    async def _hello(self) -> bool:
        """EHLO, and HELO when EHLO is refused (RFC 5321 section 3.2)."""
        name = self._ehlo_name()
        answer = await self._command(self.session.ehlo(name))
        if answer is None:
            return False
        if answer.positive:
            self.reached = Stage.EHLO
            return True
        if answer.reply.first_digit == 5 and self.session.state is SessionState.READY:
            self._info("info.helo_fallback")
            answer = await self._command(self.session.helo(name))
            if answer is None:
                return False
            if answer.positive:
                self.reached = Stage.EHLO
                return True
        return self._accept(answer)

    async def _starttls(self) -> bool:
        options = self.options
        if not self.session.extensions.starttls:
            self._info("info.starttls_not_advertised")
        answer = await self._command(self.session.starttls())
        if answer is None or not self._accept(answer):
            return False
        if self.session.state is not SessionState.TLS_PENDING:  # 2xx but not 220
            self._error("error.tls_refused", code=answer.reply.code_text)
            raise _End(Outcome.PROTOCOL, Stage.STARTTLS)
        assert self.connection is not None  # noqa: S101 - connected above
        host = options.host.strip("[]")
        context = tls_context(insecure=options.insecure, cafile=options.cafile)
        try:
            async with asyncio.timeout(options.timeouts.tls):
                early = await self.connection.start_tls(context, host)
        except TimeoutError:
            self._error("error.tls_timeout", seconds=f"{options.timeouts.tls:g}")
            self._problem(self.session.timed_out(options.timeouts.tls))
            raise _End(Outcome.TIMEOUT, Stage.STARTTLS) from None
        except (ssl.SSLError, OSError, EOFError) as exc:
            self._tls_error(exc)
            raise _End(Outcome.TLS, Stage.STARTTLS) from None
        if early:  # plaintext that came after the 220: reported, never parsed
            for event in self.session.receive(early):
                if isinstance(event, Problem):
                    self._problem(event)
        self.session.tls_established()
        self.tls_active = True
        self._tls_established()
        return await self._hello()

    async def _auth(self) -> bool:
        options = self.options
        assert options.auth is not None  # noqa: S101 - checked by the caller
        offered = self.session.extensions.auth_mechanisms
        if not offered:
            self._info("info.auth_not_advertised")
        elif options.auth not in offered:
            self._info(
                "info.mechanism_not_offered", offered=" ".join(offered), mechanism=options.auth
            )
        answer = await self._command(
            self.session.auth(options.auth, options.user, options.password)
        )
        rounds = 0
        while answer is not None and self.session.state is SessionState.AUTH:
            rounds += 1
            if rounds > _MAX_AUTH_ROUNDS:
                self._error("error.auth_loop")
                raise _End(Outcome.PROTOCOL, Stage.AUTH)
            await self._send()
            answer = await self._answer()
        if answer is None:
            return False
        if answer.reply.code_text[:1] == "2":
            self.reached = Stage.AUTH
            return True
        if answer.reply.code_text[:1] not in ("4", "5"):  # neither success nor failure
            raise _End(Outcome.PROTOCOL, Stage.AUTH)
        self._accept(answer)
        return False

    async def _transaction(self, stop: QuitAfter) -> None:
        options, session = self.options, self.session
        message = self._message() if stop is QuitAfter.DATA else b""
        size = _message_size(message)
        recipients = options.recipients or ("postmaster",)
        if not options.recipients and stop.order >= QuitAfter.RCPT.order:
            self._info("info.default_recipient")
        sender = self._sender()
        utf8 = not (sender.isascii() and all(r.isascii() for r in recipients))
        eight_bit = not message.isascii()
        limit = session.extensions.size
        if stop is QuitAfter.DATA and limit and size > limit:
            self._info("info.size_over", size=size, limit=limit)
        mail_size = size if stop is QuitAfter.DATA else None
        pipelined = options.pipelining and session.extensions.pipelining
        if options.pipelining and not pipelined:
            self._info("info.pipelining_unavailable")
        go_to_rcpt = stop.order >= QuitAfter.RCPT.order
        go_to_data = stop is QuitAfter.DATA

        if pipelined and go_to_rcpt:
            self._info("info.pipelining_used")
            session.mail(sender, size=mail_size, eight_bit=eight_bit, smtputf8=utf8)
            for recipient in recipients:
                session.rcpt(recipient)
            if go_to_data:
                session.data()
            await self._send()
            mail = await self._answer()
            rcpts = [await self._answer() for _ in recipients]
            data = await self._answer() if go_to_data else None
            if mail is None or None in rcpts or (go_to_data and data is None):
                return
            if not self._accept(mail):
                await self._abort_data(data)
                return
            self.reached = Stage.MAIL
            accepted = [a for a in rcpts if a is not None and self._accept(a)]
            if not accepted:
                self._info("info.no_recipient")
                await self._abort_data(data)
                return
            self.reached = Stage.RCPT
            if not go_to_data:
                self._stopped(Stage.RCPT)
                return
            assert data is not None  # noqa: S101 - asked for above
        else:
            mail = await self._command(
                session.mail(sender, size=mail_size, eight_bit=eight_bit, smtputf8=utf8)
            )
            if mail is None or not self._accept(mail):
                return
            self.reached = Stage.MAIL
            if not go_to_rcpt:
                self._stopped(Stage.MAIL)
                return
            accepted = []
            for recipient in recipients:
                answer = await self._command(session.rcpt(recipient))
                if answer is None:
                    return
                if self._accept(answer):
                    accepted.append(answer)
                elif session.state is not SessionState.READY:
                    return
            if not accepted:
                self._info("info.no_recipient")
                return
            self.reached = Stage.RCPT
            if not go_to_data:
                self._stopped(Stage.RCPT)
                return
            data = await self._command(session.data())
            if data is None:
                return
        if not self._accept(data) or session.state is not SessionState.MESSAGE:
            return
        self.reached = Stage.DATA
        session.send_message(message)
        await self._send()
        final = await self._answer()
        if final is not None and self._accept(final):
            self.reached = Stage.END_OF_DATA
            self.delivered = final

    async def _abort_data(self, data: Answer | None) -> None:
        """A pipelined DATA got 354 though nothing can be sent: a lone "." (RFC 2920 3.1)."""
        if data is not None and self.session.state is SessionState.MESSAGE:
            self.session.send_message(b"")
            await self._send()
            await self._answer()

    async def _quit(self) -> None:
        if self.session.state is not SessionState.READY or self.session.awaiting_reply:
            return
        self.session.quit()
        try:
            await self._send()
            await self._answer()
        except _End as end:
            if self.decisive is None and end.outcome is Outcome.TIMEOUT:
                raise

    # -- bytes in and out ---------------------------------------------------------------

    async def _command(self, _sent: Sent) -> Answer | None:
        await self._send()
        return await self._answer()

    async def _send(self) -> None:
        outgoing = self.session.take_outgoing()
        if not outgoing:
            return
        for sent in outgoing:
            self._log_sent(sent)
        stage = outgoing[-1].stage
        assert self.connection is not None  # noqa: S101 - connected before any command
        try:
            async with asyncio.timeout(self.options.timeouts.for_stage(stage)):
                await self.connection.write(b"".join(s.wire for s in outgoing))
        except TimeoutError:
            self._problem(self.session.timed_out(self.options.timeouts.for_stage(stage)))
            raise _End(Outcome.TIMEOUT, stage) from None
        except ssl.SSLError as exc:
            self._error("error.network", reason=str(exc))
            raise _End(Outcome.TLS, stage) from None
        except OSError as exc:
            self._error("error.network", reason=exc.strerror or str(exc) or type(exc).__name__)
            raise _End(Outcome.NETWORK, stage) from None

    async def _answer(self) -> Answer | None:
        """The next reply, or None when the session is over and none will come."""
        while not self.ready:
            if not self.session.awaiting_reply or self.eof:
                return None
            stage = self.session.pending_stage or self.session.stage
            seconds = self.options.timeouts.for_stage(stage)
            try:
                async with asyncio.timeout(seconds):  # the whole reply, not one read
                    while not self.ready and self.session.awaiting_reply and not self.eof:
                        await self._read()
            except TimeoutError:
                self._problem(self.session.timed_out(seconds))
                raise _End(Outcome.TIMEOUT, stage) from None
        return self.ready.popleft()

    async def _read(self) -> None:
        assert self.connection is not None  # noqa: S101 - connected before any reply
        stage = self.session.pending_stage or self.session.stage
        try:
            data = await self.connection.read(READ_CHUNK)
        except ssl.SSLError as exc:
            self._error("error.network", reason=str(exc))
            raise _End(Outcome.TLS, stage) from None
        except OSError as exc:
            self._error("error.network", reason=exc.strerror or str(exc) or type(exc).__name__)
            raise _End(Outcome.NETWORK, stage) from None
        if data:
            events = self.session.receive(data)
        else:
            self.eof = True
            events = self.session.connection_lost()
        for event in events:
            if isinstance(event, Answer):
                self._log_answer(event)
                if event.reply.code == 421:
                    # RFC 5321 section 3.8: the server is closing, whatever was asked
                    self._accept(event)
                if event.command:  # unsolicited replies answer nothing the flow waits for
                    self.ready.append(event)
            else:
                self._problem(event)
                if event.fatal and event.finding.severity is Severity.ERROR:
                    raise _End(Outcome.PROTOCOL, event.stage)

    # -- decisions ----------------------------------------------------------------------

    def _accept(self, answer: Answer) -> bool:
        """True for 2yz/3yz; a 4yz/5yz becomes the verdict unless one already is."""
        if answer.positive:
            return True
        if answer.reply.code_text[:1] in ("4", "5") and self.decisive is None:
            self.decisive = answer
        return False

    def _stopped(self, stage: Stage) -> None:
        self.reached = stage
        self._info("info.quit_after", stage=self.stages[stage.value])

    # -- the transcript -----------------------------------------------------------------

    def _elapsed(self) -> float:
        return round((self.clock.monotonic() - self.started) * 1000, 1)

    def _stage_now(self) -> Stage:
        return self.session.pending_stage or self.session.stage

    def _add(self, marker: Marker, text: str) -> None:
        self.lines.append(TranscriptLine(marker, text, self._elapsed(), self._stage_now()))

    def _info(self, key: str, **values: object) -> None:
        self._add(Marker.INFO, say(self.lang, key, **values))

    def _error(self, key: str, **values: object) -> None:
        self._add(Marker.ERROR, say(self.lang, key, **values))

    def _tls_error(self, exc: BaseException) -> None:
        if isinstance(exc, ssl.SSLCertVerificationError):
            reason = exc.verify_message or str(exc)
            self._error("error.tls_verify", reason=reason)
        else:
            reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
            self._error("error.tls", reason=reason)

    def _tls_established(self) -> None:
        assert self.connection is not None  # noqa: S101 - called once connected
        info = self.connection.tls_info()
        if info is None:
            return
        self.tls_info = info
        self._info("info.tls_started", version=info.version, cipher=info.cipher, bits=info.bits)
        if info.verified:
            self._info(
                "info.tls_verified",
                name=info.server_name,
                subject=info.subject,
                issuer=info.issuer,
                not_after=info.not_after,
            )
        else:
            self._info("info.tls_unverified")

    def _log_sent(self, sent: Sent) -> None:
        marker = Marker.SENT_TLS if self.tls_active else Marker.SENT
        text = sent.reveal() if sent.secret and self.options.show_secrets else sent.shown
        if sent.kind is not SentKind.MESSAGE:
            self._add(marker, text)
            return
        lines = text.split("\r\n")
        shown = lines if len(lines) <= SHOWN_MESSAGE_LINES + 1 else lines[:SHOWN_MESSAGE_LINES]
        for line in shown:
            self._add(marker, _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", line))
        if len(shown) < len(lines):
            self._info("info.message_more", count=len(lines) - len(shown), size=len(sent.wire))
            self._add(marker, lines[-1])  # the final "."

    def _log_answer(self, answer: Answer) -> None:
        reply = answer.reply
        failure = reply.code_text[:1] in ("4", "5")
        if self.tls_active:
            marker = Marker.FAILURE_TLS if failure else Marker.RECEIVED_TLS
        else:
            marker = Marker.FAILURE if failure else Marker.RECEIVED
        texts = [f"{ln.code_text}{ln.separator}{ln.text}" for ln in reply.lines]
        for text in texts[:-1]:
            self._add(marker, text)
        self.findings.extend(answer.all_findings)
        explanation: Explanation | None
        try:
            explanation = explain_reply(reply, self.lang)
        except SmtpcodesError:  # a code no explanation fits, e.g. "99"
            explanation = None
        self.lines.append(
            TranscriptLine(
                marker,
                texts[-1],
                self._elapsed(),
                answer.stage,
                reply,
                explanation,
                finding_notes(answer.all_findings, self.lang),
            )
        )

    def _problem(self, problem: Problem) -> None:
        self.findings.append(problem.finding)
        [note] = finding_notes((problem.finding,), self.lang)
        self.lines.append(
            TranscriptLine(
                Marker.ERROR, note.message, self._elapsed(), problem.stage, findings=(note,)
            )
        )

    # -- defaults -----------------------------------------------------------------------

    def _ehlo_name(self) -> str:
        """``--ehlo``, else an address literal of our end (RFC 5321 section 4.1.4: a client
        without a meaningful domain name "SHOULD use an address literal")."""
        if self.options.ehlo_name:
            return self.options.ehlo_name
        address = self.connection.local_address() if self.connection else None
        if not address:
            return "[127.0.0.1]"
        literal = f"[IPv6:{address}]" if ":" in address else f"[{address}]"
        return literal if check_ehlo_name(literal) is None else "[127.0.0.1]"

    def _sender(self) -> str:
        if self.options.mail_from is not None:
            return self.options.mail_from
        return f"probe@{self._ehlo_name()}"

    def _message(self) -> bytes:
        if self.options.data is not None:
            return self.options.data
        recipients = self.options.recipients or ("postmaster",)
        text = message_template().format(
            sender=self._sender(),
            recipients=", ".join(f"<{r}>" for r in recipients),
            date=email.utils.formatdate(self.clock.wall()),
            message_id=f"{uuid.uuid4().hex}@smtpcodes.probe",
            host=self.options.host,
        )
        return text.encode("utf-8")

    # -- the result ---------------------------------------------------------------------

    def _result(self, end: _End | None) -> ProbeResult:
        code = enhanced = None
        if self.decisive is not None:
            reply = self.decisive.reply
            outcome = Outcome.TRANSIENT if reply.code_text[:1] == "4" else Outcome.PERMANENT
            stage = self.decisive.stage
            code = reply.code_text
            enhanced = None if reply.enhanced is None else str(reply.enhanced)
        elif end is not None:
            outcome, stage = end.outcome, end.stage
        else:
            errors = [f for f in self.findings if f.severity is Severity.ERROR]
            outcome = Outcome.PROTOCOL if errors else Outcome.OK
            stage = self._finding_stage(errors[0]) if errors else self.reached
        shown_code = code if enhanced is None else f"{code} {enhanced}"
        if outcome is Outcome.OK and self.delivered is not None:
            delivered = self.delivered.reply
            message = say(self.lang, "verdict.delivered", code=delivered.code_text)
        else:
            message = say(
                self.lang,
                f"verdict.{outcome.value}",
                stage=self.stages[stage.value],
                code=shown_code,
            )
        status = EXIT_STATUS[outcome]
        return ProbeResult(
            host=self.options.host,
            port=self.options.effective_port,
            tls_mode=self.options.tls.value,
            lang=self.lang,
            transcript=tuple(self.lines),
            findings=tuple(self.findings),
            verdict=Verdict(outcome, stage, status, message, code, enhanced),
            tls=self.tls_info,
            extensions=self.session.extensions.keywords,
            elapsed_ms=self._elapsed(),
        )

    def _finding_stage(self, finding: Finding) -> Stage:
        for line in self.lines:
            if line.reply is not None and finding in line.reply.findings:
                return line.stage
            if any(note.kind == finding.kind.value for note in line.findings):
                return line.stage
        return self.reached


def _message_size(message: bytes) -> int:
    """RFC 1870 section 5: "the number of octets, including CR-LF pairs, but not the SMTP
    DATA command's terminating dot or doubled quoting dots"."""
    data = _LINE_ENDINGS.sub(b"\r\n", message)
    if data and not data.endswith(b"\r\n"):
        data += b"\r\n"
    return len(data)
