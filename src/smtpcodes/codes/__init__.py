"""Value types and grammar of SMTP reply codes. Stdlib only, no I/O, no prose."""

from smtpcodes._errors import CodeSyntaxError
from smtpcodes.codes._basic import STANDARD_CODES, BasicCode, ReplyCategory, ReplyClass
from smtpcodes.codes._enhanced import EnhancedClass, EnhancedCode, Subject, looks_enhanced

__all__ = [
    "STANDARD_CODES",
    "BasicCode",
    "CodeSyntaxError",
    "EnhancedClass",
    "EnhancedCode",
    "ReplyCategory",
    "ReplyClass",
    "Subject",
    "looks_enhanced",
]
