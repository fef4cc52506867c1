"""Basic (three-digit) reply codes: grammar and class semantics (RFC 5321 section 4.2)."""

from __future__ import annotations

from enum import IntEnum

from smtpcodes._errors import CodeSyntaxError
from smtpcodes._record import record


class ReplyClass(IntEnum):
    """The first digit of a reply (RFC 5321 section 4.2.1)."""

    POSITIVE_COMPLETION = 2  #: the action succeeded
    POSITIVE_INTERMEDIATE = 3  #: go on: the server wants more input (354, 334)
    TRANSIENT_NEGATIVE = 4  #: not now: the same command may succeed later
    PERMANENT_NEGATIVE = 5  #: no: do not repeat the command unchanged


class ReplyCategory(IntEnum):
    """The second digit of a reply (RFC 5321 section 4.2.1)."""

    SYNTAX = 0  #: x0z: syntax, unimplemented or superfluous commands
    INFORMATION = 1  #: x1z: replies to requests for information (status, help)
    CONNECTIONS = 2  #: x2z: the transmission channel
    UNSPECIFIED_3 = 3  #: x3z: not specified by RFC 5321 (AUTH uses it, RFC 4954)
    UNSPECIFIED_4 = 4  #: x4z: not specified by RFC 5321
    MAIL_SYSTEM = 5  #: x5z: the state of the receiver mail system


#: Every basic code an RFC defines (shared/reference/README.md section 3):
#: RFC 5321 section 4.2.3, RFC 3207 (220, 454, 530), RFC 4954 section 6
#: (235, 334, 432, 454, 530, 534, 535, 538), RFC 7504 (521, 556).
STANDARD_CODES: frozenset[int] = frozenset(
    {
        211, 214, 220, 221, 235, 250, 251, 252,
        334, 354,
        421, 432, 450, 451, 452, 454, 455,
        500, 501, 502, 503, 504, 521, 530, 534, 535, 538,
        550, 551, 552, 553, 554, 555, 556,
    }
)  # fmt: skip


@record(order=True)
class BasicCode:
    """A three-digit reply code such as ``535``.

    >>> BasicCode.parse("535").reply_class
    <ReplyClass.PERMANENT_NEGATIVE: 5>
    """

    value: int

    @classmethod
    def parse(cls, text: str) -> BasicCode:
        """Parse ``"535"``; raise :class:`CodeSyntaxError` for anything else."""
        stripped = text.strip()
        if len(stripped) != 3 or not stripped.isascii() or not stripped.isdigit():
            raise CodeSyntaxError(text, "three digits such as 250 or 550")
        return cls(int(stripped))

    def __str__(self) -> str:
        return f"{self.value:03d}"

    @property
    def first_digit(self) -> int:
        return self.value // 100

    @property
    def reply_class(self) -> ReplyClass | None:
        """The class, or ``None`` when the first digit is outside 2 to 5."""
        digit = self.first_digit
        return ReplyClass(digit) if 2 <= digit <= 5 else None

    @property
    def category(self) -> ReplyCategory | None:
        digit = (self.value // 10) % 10
        return ReplyCategory(digit) if digit <= 5 else None

    @property
    def is_standard(self) -> bool:
        """Defined by an RFC (see :data:`STANDARD_CODES`)."""
        return self.value in STANDARD_CODES
