"""``python -m smtpcodes``."""

from smtpcodes.cli import console

console()
