"""The command line face: argument parsing and rendering only."""

from smtpcodes.cli._app import Environment, build_parser, console, main
from smtpcodes.cli._exit import ExitStatus

__all__ = ["Environment", "ExitStatus", "build_parser", "console", "main"]
