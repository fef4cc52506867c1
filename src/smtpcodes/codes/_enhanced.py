"""Enhanced status codes ``class.subject.detail`` (RFC 3463 section 2, RFC 5248).

    status-code = class "." subject "." detail
    class       = "2" / "4" / "5"
    subject     = 1*3digit
    detail      = 1*3digit
                                        (RFC 3463 section 2)

The registry writes codes with an ``X`` for the class (``X.7.8``): such a code is
"generic" here, its :attr:`EnhancedCode.klass` is ``None``.
"""

from __future__ import annotations

import re
from enum import IntEnum

from smtpcodes._errors import CodeSyntaxError
from smtpcodes._record import record

_ENHANCED = re.compile(r"([245Xx])\.(\d{1,3})\.(\d{1,3})")
_EXPECTED = "class.subject.detail such as 5.7.8 (class 2, 4 or 5, RFC 3463 section 2)"


class EnhancedClass(IntEnum):
    """The class digit of an enhanced code (RFC 3463 section 2)."""

    SUCCESS = 2
    PERSISTENT_TRANSIENT_FAILURE = 4
    PERMANENT_FAILURE = 5


class Subject(IntEnum):
    """The subject of an enhanced code (RFC 3463 section 2)."""

    OTHER = 0  #: X.0.XXX other or undefined status
    ADDRESSING = 1  #: X.1.XXX addressing status
    MAILBOX = 2  #: X.2.XXX mailbox status
    MAIL_SYSTEM = 3  #: X.3.XXX mail system status
    NETWORK_ROUTING = 4  #: X.4.XXX network and routing status
    DELIVERY_PROTOCOL = 5  #: X.5.XXX mail delivery protocol status
    CONTENT_MEDIA = 6  #: X.6.XXX message content or media status
    SECURITY_POLICY = 7  #: X.7.XXX security or policy status


@record
class EnhancedCode:
    """An enhanced status code such as ``5.7.8``, or a generic ``X.7.8``.

    >>> EnhancedCode.parse("5.7.8").subject
    <Subject.SECURITY_POLICY: 7>
    """

    klass: int | None  #: 2, 4, 5, or None for the registry's "X"
    subject: int
    detail: int

    @classmethod
    def parse(cls, text: str) -> EnhancedCode:
        match = _ENHANCED.fullmatch(text.strip())
        if match is None:
            raise CodeSyntaxError(text, _EXPECTED)
        first, subject, detail = match.groups()
        klass = None if first in "Xx" else int(first)
        return cls(klass, int(subject), int(detail))

    def __str__(self) -> str:
        klass = self.klass
        return f"{'X' if klass is None else klass}.{self.subject}.{self.detail}"

    @property
    def generic(self) -> EnhancedCode:
        """The registry form: ``5.7.8`` -> ``X.7.8``."""
        return EnhancedCode(None, self.subject, self.detail)

    @property
    def enhanced_class(self) -> EnhancedClass | None:
        return None if self.klass is None else EnhancedClass(self.klass)

    @property
    def subject_kind(self) -> Subject | None:
        """The subject, or ``None`` for a subject RFC 3463 does not define (8 and up)."""
        return Subject(self.subject) if self.subject <= 7 else None

    def with_class(self, klass: int) -> EnhancedCode:
        return EnhancedCode(klass, self.subject, self.detail)


def looks_enhanced(text: str) -> bool:
    """True for anything shaped like an enhanced code, valid class or not (``6.1.1``)."""
    return re.fullmatch(r"[0-9Xx]\.\d{1,3}\.\d{1,3}", text.strip()) is not None
