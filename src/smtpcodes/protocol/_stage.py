"""The SMTP session model (DESIGN.md section 4).

One ordered model of where a reply can appear.  It drives "when you see it", the
comparison's stage row, the session diagram, the probe's verdict and the sandbox.

    S: 220 mx.example.org ESMTP          <- Stage.CONNECT
    C: EHLO client.example.com           <- Stage.EHLO
    C: STARTTLS                          <- Stage.STARTTLS   (RFC 3207)
    C: AUTH PLAIN ...                    <- Stage.AUTH       (RFC 4954)
    C: MAIL FROM:<a@example.com>         <- Stage.MAIL
    C: RCPT TO:<b@example.org>           <- Stage.RCPT
    C: DATA                              <- Stage.DATA       (354 lives here)
    C: <message> CRLF . CRLF             <- Stage.END_OF_DATA
    C: QUIT                              <- Stage.QUIT
"""

from __future__ import annotations

from enum import Enum


class Stage(Enum):
    """A point of the SMTP session where a reply arrives (RFC 5321 section 3, 4.3.2)."""

    #: the server's greeting when the connection opens (RFC 5321 section 3.1)
    CONNECT = "connect"
    #: EHLO or HELO (RFC 5321 section 4.1.1.1)
    EHLO = "ehlo"
    #: STARTTLS (RFC 3207 section 4)
    STARTTLS = "starttls"
    #: AUTH and its SASL exchange (RFC 4954 section 4)
    AUTH = "auth"
    #: MAIL FROM (RFC 5321 section 4.1.1.2)
    MAIL = "mail"
    #: RCPT TO (RFC 5321 section 4.1.1.3)
    RCPT = "rcpt"
    #: the DATA command itself, answered by 354 (RFC 5321 section 4.1.1.4)
    DATA = "data"
    #: the final "." after the message (RFC 5321 section 4.1.1.4, 4.2.5); also BDAT LAST
    END_OF_DATA = "end-of-data"
    #: QUIT (RFC 5321 section 4.1.1.10)
    QUIT = "quit"
    #: VRFY, EXPN, HELP, NOOP, RSET (RFC 5321 section 4.1.1.5 to 4.1.1.9)
    OTHER = "other"
    #: any command: 421, 500, 501, 530 and the like (RFC 5321 section 4.3.2)
    ANY = "any"

    @property
    def order(self) -> int:
        """Position in the session, for sorting and for the session diagram."""
        return _ORDER[self]


_ORDER = {stage: index for index, stage in enumerate(Stage)}

#: The stages of a normal session in order, as drawn on the session diagram.
SESSION_FLOW: tuple[Stage, ...] = (
    Stage.CONNECT,
    Stage.EHLO,
    Stage.STARTTLS,
    Stage.AUTH,
    Stage.MAIL,
    Stage.RCPT,
    Stage.DATA,
    Stage.END_OF_DATA,
    Stage.QUIT,
)
