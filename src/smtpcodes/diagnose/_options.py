"""What a probe should do: :class:`ProbeOptions` and its parts, checked on creation."""

from __future__ import annotations

import math
from enum import Enum

from smtpcodes._errors import LocalError
from smtpcodes._record import field, fields, record
from smtpcodes.protocol import MECHANISMS, Stage
from smtpcodes.protocol._session import check_ehlo_name, check_path


class ProbeOptionsError(LocalError, ValueError):
    """The options of a probe are wrong (the caller is at fault); says which and why."""


class TlsMode(Enum):
    NONE = "none"  #: plain SMTP
    STARTTLS = "starttls"  #: upgrade with STARTTLS after EHLO (RFC 3207)
    IMPLICIT = "implicit"  #: TLS from the first byte, port 465 (RFC 8314 section 3.3)


class QuitAfter(Enum):
    """Where to stop (then QUIT), as swaks' ``--quit-after``.

    ``connect`` closes right after the TCP (and implicit TLS) connection, before the
    greeting; ``data`` is the whole transaction, message included.
    """

    CONNECT = "connect"
    BANNER = "banner"
    EHLO = "ehlo"
    TLS = "tls"
    AUTH = "auth"
    MAIL = "mail"
    RCPT = "rcpt"
    DATA = "data"

    @property
    def order(self) -> int:
        return list(QuitAfter).index(self)

    @property
    def stage(self) -> Stage:
        return _QUIT_STAGE[self]


_QUIT_STAGE = {
    QuitAfter.CONNECT: Stage.CONNECT,
    QuitAfter.BANNER: Stage.CONNECT,
    QuitAfter.EHLO: Stage.EHLO,
    QuitAfter.TLS: Stage.STARTTLS,
    QuitAfter.AUTH: Stage.AUTH,
    QuitAfter.MAIL: Stage.MAIL,
    QuitAfter.RCPT: Stage.RCPT,
    QuitAfter.DATA: Stage.END_OF_DATA,
}


@record
class Timeouts:
    """Seconds to wait at each stage for a complete reply (or the connection, or TLS).

    RFC 5321 section 4.5.3.2: "An SMTP client MUST provide a timeout mechanism.  It MUST
    use per-command timeouts".  Its minimums (5 minutes for the greeting, MAIL and RCPT,
    2 for DATA, 10 for the end of data) suit an MTA delivering mail; a probe is watched by
    a person, so the defaults are swaks' 30 seconds.  :meth:`rfc5321` gives the RFC's.
    A trickling server does not stretch them: each covers the whole reply, not one read.
    """

    connect: float = 30.0
    greeting: float = 30.0
    ehlo: float = 30.0
    tls: float = 30.0  #: the STARTTLS reply and the handshake, each
    auth: float = 30.0
    mail: float = 30.0
    rcpt: float = 30.0
    data: float = 30.0  #: the 354 to DATA, and each write of the message
    end_of_data: float = 60.0  #: the reply after the final dot
    quit: float = 30.0

    def __post_init__(self) -> None:
        for name in fields(self):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise ProbeOptionsError(
                    f"timeout {name!r} must be a positive number of seconds, not {value!r}"
                )

    @classmethod
    def uniform(cls, seconds: float) -> Timeouts:
        """The same timeout at every stage (``--timeout SECONDS``)."""
        return cls(*([seconds] * 10))

    @classmethod
    def rfc5321(cls) -> Timeouts:
        """The minimums of RFC 5321 sections 4.5.3.2.1 to 4.5.3.2.6."""
        return cls(
            connect=30.0,
            greeting=300.0,
            ehlo=300.0,
            tls=300.0,
            auth=300.0,
            mail=300.0,
            rcpt=300.0,
            data=120.0,
            end_of_data=600.0,
            quit=300.0,
        )

    def for_stage(self, stage: Stage) -> float:
        return {
            Stage.CONNECT: self.greeting,
            Stage.EHLO: self.ehlo,
            Stage.STARTTLS: self.tls,
            Stage.AUTH: self.auth,
            Stage.MAIL: self.mail,
            Stage.RCPT: self.rcpt,
            Stage.DATA: self.data,
            Stage.END_OF_DATA: self.end_of_data,
            Stage.QUIT: self.quit,
        }.get(stage, self.ehlo)


@record
class ProbeOptions:
    """One probe: where to connect and how far to go.

    >>> ProbeOptions("mx.example.org", recipients=("bob@example.org",)).port
    25
    >>> ProbeOptions("mx.example.org", tls=TlsMode.IMPLICIT).port
    465

    The password is never part of ``repr`` and never reaches a :class:`ProbeResult`.
    Raises :class:`ProbeOptionsError` for options that cannot work (a port out of range,
    an address with a line break, AUTH without a user).
    """

    host: str
    port: int | None = None  #: None: 25, or 465 with implicit TLS
    tls: TlsMode = TlsMode.NONE
    insecure: bool = False  #: do not verify the server certificate
    cafile: str | None = None  #: trust this CA bundle instead of the system's
    ehlo_name: str | None = None  #: None: an address literal of our end, e.g. [192.0.2.1]
    auth: str | None = None  #: "PLAIN", "LOGIN" or "CRAM-MD5"
    user: str = ""
    password: str = field(default="", repr=False)
    mail_from: str | None = None  #: None: probe@ the EHLO name
    recipients: tuple[str, ...] = ()  #: none given: <postmaster>, and no message is sent
    data: bytes | None = field(default=None, repr=False)  #: None: a generated message
    quit_after: QuitAfter | None = None  #: None: DATA with recipients, else RCPT
    pipelining: bool = False  #: group MAIL, RCPT and DATA when PIPELINING is advertised
    timeouts: Timeouts = field(default_factory=Timeouts)
    lang: str = "en"  #: language of explanations, info lines and the verdict
    show_secrets: bool = False  #: show AUTH payloads instead of <redacted>

    def __post_init__(self) -> None:
        host = self.host.strip("[]")
        if not host or any(ch.isspace() or ord(ch) < 32 for ch in host):
            raise ProbeOptionsError(f"expected a host name or address, got {self.host!r}")
        if self.port is None:
            object.__setattr__(self, "port", 465 if self.tls is TlsMode.IMPLICIT else 25)
        elif not 0 < self.port < 65536:
            raise ProbeOptionsError(f"the port must be between 1 and 65535, not {self.port}")
        if self.ehlo_name is not None:
            _fail(check_ehlo_name(self.ehlo_name), "--ehlo")
        if self.auth is not None:
            mechanism = self.auth.upper()
            if mechanism not in MECHANISMS:
                raise ProbeOptionsError(
                    f"unknown AUTH mechanism {self.auth!r}: expected one of {', '.join(MECHANISMS)}"
                )
            object.__setattr__(self, "auth", mechanism)
            if not self.user:
                raise ProbeOptionsError(f"AUTH {mechanism} needs a user name")
            if "\0" in self.user or "\0" in self.password:
                raise ProbeOptionsError("the user name and password must not contain NUL")
        if self.mail_from is not None:
            _fail(check_path(self.mail_from), "--from")
        for recipient in self.recipients:
            if not recipient:
                raise ProbeOptionsError("a recipient address is empty")
            _fail(check_path(recipient), "--to")

    @property
    def effective_port(self) -> int:
        return self.port if self.port is not None else 25

    @property
    def stop_after(self) -> QuitAfter:
        """Where the probe stops: ``quit_after``, else DATA with recipients, else RCPT."""
        if self.quit_after is not None:
            return self.quit_after
        return QuitAfter.DATA if self.recipients else QuitAfter.RCPT


def _fail(problem: str | None, option: str) -> None:
    if problem is not None:
        raise ProbeOptionsError(f"{option}: {problem}")
