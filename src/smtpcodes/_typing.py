"""The run-time side of the typing helpers used on the CLI's start-up path, without importing
typing (1.7 ms, a twentieth of a cold ``smtpcodes explain``).

Type checkers read the ``TYPE_CHECKING`` branch and see typing's own names.  At run time
``overload`` does what typing's does in effect (the implementation, defined last, is the
function kept) and ``dataclass_transform`` marks nothing.  Names used only in annotations
(``Any``, ``TypeVar``...) are imported from typing under ``if TYPE_CHECKING:`` where needed.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING without typing (type checkers know the name)
if TYPE_CHECKING:
    from typing import dataclass_transform, overload
else:

    def overload(function):
        return function

    def dataclass_transform(**_):
        return lambda decorated: decorated


__all__ = ["TYPE_CHECKING", "dataclass_transform", "overload"]
