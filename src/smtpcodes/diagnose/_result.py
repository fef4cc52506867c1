"""What a probe found: :class:`ProbeResult` and its parts, plain data for every face."""

from __future__ import annotations

from enum import Enum

from smtpcodes._record import record
from smtpcodes.explain import Explanation, FindingNote
from smtpcodes.protocol import Finding, Reply, Stage


class Marker(Enum):
    """Transcript line markers, as swaks prints them (``swaks --help``, OUTPUT OPTIONS)."""

    INFO = "==="  #: a line of the probe itself
    ERROR = "***"  #: an error of the probe (network, TLS, timeout, a broken peer)
    SENT = " ->"  #: a line the probe sent
    SENT_TLS = " ~>"  #: ... inside TLS
    RECEIVED = "<- "  #: a line the server sent
    RECEIVED_TLS = "<~ "  #: ... inside TLS
    FAILURE = "<**"  #: a line of a 4yz or 5yz reply
    FAILURE_TLS = "<~*"  #: ... inside TLS


class Outcome(Enum):
    OK = "ok"
    TRANSIENT = "transient"  #: the decisive reply was 4yz
    PERMANENT = "permanent"  #: the decisive reply was 5yz
    NETWORK = "network"  #: no connection, or it broke
    TIMEOUT = "timeout"  #: the server did not answer in time
    TLS = "tls"  #: the handshake or the certificate failed
    PROTOCOL = "protocol"  #: the server broke the protocol


#: Exit statuses of DESIGN.md section 6 (the same numbers as ``cli._exit.ExitStatus``,
#: which this layer may not import).
EXIT_STATUS: dict[Outcome, int] = {
    Outcome.OK: 0,
    Outcome.TRANSIENT: 4,
    Outcome.PERMANENT: 5,
    Outcome.NETWORK: 6,
    Outcome.TIMEOUT: 6,
    Outcome.TLS: 6,
    Outcome.PROTOCOL: 7,
}


@record
class TranscriptLine:
    """One line of the transcript: ``<** 550 5.1.1 No such user`` at 12.3 ms.

    The last line of each reply carries the parsed :class:`Reply`, its explanation and
    the findings about it (localized); other lines carry only their text.
    """

    marker: Marker
    text: str
    elapsed_ms: float  #: since the probe started
    stage: Stage
    reply: Reply | None = None
    explanation: Explanation | None = None
    findings: tuple[FindingNote, ...] = ()

    def render(self) -> str:
        """The line as swaks prints it: ``<-  250 2.0.0 Ok``."""
        return f"{self.marker.value} {self.text}"


@record
class TlsInfo:
    version: str  #: "TLSv1.3"
    cipher: str  #: "TLS_AES_256_GCM_SHA384"
    bits: int | None
    verified: bool  #: the certificate chain and name were checked
    server_name: str  #: the name checked (and sent as SNI)
    subject: str = ""  #: "CN=mx.example.org" (only when verified)
    issuer: str = ""
    not_after: str = ""


@record
class Verdict:
    """How the probe ended, and the stage that decided it."""

    outcome: Outcome
    stage: Stage
    exit_status: int
    message: str  #: one localized sentence
    code: str | None = None  #: the decisive reply, e.g. "550"
    enhanced: str | None = None  #: and its enhanced code, e.g. "5.1.1"


@record
class ProbeResult:
    """Everything a probe saw.  ``smtpcodes probe --json`` prints this (schema probe@1)."""

    host: str
    port: int
    tls_mode: str  #: "none", "starttls" or "implicit"
    lang: str
    transcript: tuple[TranscriptLine, ...]
    findings: tuple[Finding, ...]  #: every finding, of the parser and of the session
    verdict: Verdict
    tls: TlsInfo | None = None
    extensions: tuple[tuple[str, str], ...] = ()  #: from the last EHLO reply
    elapsed_ms: float = 0.0

    @property
    def exit_status(self) -> int:
        return self.verdict.exit_status

    @property
    def stage(self) -> Stage:
        """The deciding stage."""
        return self.verdict.stage

    def lines(self) -> tuple[str, ...]:
        """The transcript as text lines with swaks markers, secrets already redacted."""
        return tuple(line.render() for line in self.transcript)

    @property
    def replies(self) -> tuple[Reply, ...]:
        return tuple(line.reply for line in self.transcript if line.reply is not None)
