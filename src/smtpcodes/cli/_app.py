"""The ``smtpcodes`` command: parse arguments, call the library, render, exit.

argparse rather than Click: the standard library keeps ``smtpcodes explain 550`` cold start
close to the bare interpreter's (see bench/cli_startup.sh).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys

from smtpcodes._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence
    from typing import Any, NoReturn, TextIO

from smtpcodes._errors import (
    CatalogueError,
    CodeSyntaxError,
    ReplyParseError,
    SmtpcodesError,
    UnknownLanguageError,
)
from smtpcodes.cli._exit import ExitStatus
from smtpcodes.cli._style import Style, use_colour

EPILOG = """\
examples:
  smtpcodes 535                          what 535 means
  smtpcodes show 5.7.8 --lang th         an enhanced code, in Thai
  smtpcodes explain "550 5.1.1 no such user"
  pbpaste | smtpcodes explain -          a multi-line reply from the clipboard
  smtpcodes compare 354 535 --lang th    two codes side by side
  smtpcodes compare --list               the pairs people confuse most
  smtpcodes list --class 4 --stage rcpt  every 4xx that can answer RCPT

exit status: 0 ok, 1 bad input, 2 usage, 3 unknown code, 130 interrupted.
language: --lang, else LC_ALL / LC_MESSAGES / LANG, else English.
"""


class UsageError(Exception):
    """Bad command-line arguments: exit 2 with one line on stderr."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class Environment:
    """Every I/O boundary of the CLI, injectable for tests (DESIGN.md section 7.6).

    (A plain class, not a dataclass: importing dataclasses costs the CLI start-up time.)
    """

    def __init__(
        self,
        stdin: Any = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.stdin = sys.stdin if stdin is None else stdin
        self.stdout: TextIO = sys.stdout if stdout is None else stdout
        self.stderr: TextIO = sys.stderr if stderr is None else stderr
        self.env: Mapping[str, str] = dict(os.environ) if env is None else env


COMMANDS: dict[str, str] = {
    "show": "explain one code in full",
    "explain": "explain a reply (or a code); '-' reads standard input",
    "compare": "compare two codes side by side",
    "list": "list the codes in the catalogue",
}

#: Commands that live in their own module, imported only when that command runs (the heavy
#: ones pull in FastAPI or aiosmtpd).  Each module defines ``HELP`` (one line),
#: ``register(parser)`` (adds its arguments) and ``run(ctx) -> int``.
PLUGINS: dict[str, tuple[str, str]] = {
    "search": ("smtpcodes.cli._cmd_search", "search codes, titles and text (Thai too)"),
    "probe": ("smtpcodes.cli._cmd_probe", "run a real SMTP session and explain every reply"),
    "sandbox": ("smtpcodes.cli._cmd_sandbox", "a local SMTP server that sends any code on demand"),
    "serve": ("smtpcodes.cli._cmd_serve", "the website and JSON API (127.0.0.1:8000)"),
    "build-site": ("smtpcodes.cli._cmd_build_site", "write the whole site as static files"),
}


def _plugin(name: str) -> Any:
    import importlib

    try:
        return importlib.import_module(PLUGINS[name][0])
    except ImportError as exc:
        raise UsageError(f"the command {name!r} is not available here: {exc}") from None


def _common(parser: argparse.ArgumentParser) -> None:
    if "--lang" not in parser._option_string_actions:  # a plugin may define its own --lang
        parser.add_argument("--lang", metavar="LANG", help="language of the answer: en or th")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument(
        "--color", choices=("auto", "always", "never"), default="auto", help="colour output"
    )


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, sized without importing shutil (which pulls in bz2 and lzma,
    a noticeable share of the CLI's start-up); the same rule: $COLUMNS, else the terminal."""

    def __init__(self, prog: str) -> None:
        columns = os.environ.get("COLUMNS", "")
        width = int(columns) if columns.isdigit() else 0
        if width <= 0:
            try:
                width = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
            except (AttributeError, OSError, ValueError):
                width = 80
        super().__init__(prog, width=width - 2)


def _show_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", help="535, 5.7.8, X.7.8, 5xx or X.7.X")


def _explain_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "text",
        nargs="+",
        help="a reply, a code, a log line or a library error, or - for standard input",
    )
    parser.add_argument(
        "--redact",
        action="store_true",
        help="replace addresses, IP addresses and host names before output (safe to share)",
    )


def _compare_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("codes", nargs="*", metavar="CODE", help="two codes, e.g. 354 535")
    parser.add_argument("--list", action="store_true", help="list the curated pairs")


def _list_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--class", dest="klass", choices=("2", "3", "4", "5"), help="first digit")
    parser.add_argument(
        "--stage",
        help="connect, ehlo, starttls, auth, mail, rcpt, data, end-of-data, quit, other, any",
    )
    parser.add_argument("--tier", choices=("standard", "registry-only", "vendor", "folklore"))
    parser.add_argument("--kind", choices=("basic", "enhanced"), default="basic")


#: The built-in commands' arguments (plugins add theirs with ``register``).
_ARGUMENTS: dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "show": _show_arguments,
    "explain": _explain_arguments,
    "compare": _compare_arguments,
    "list": _list_arguments,
}
_EPILOGS = {
    "explain": EPILOG + "\nexplain also reads log lines, bounces and library errors:\n"
    '  smtpcodes explain "host mx[192.0.2.1] said: 550 5.1.1 ... '
    '(in reply to RCPT TO command)"\n'
    "  smtpcodes explain --redact - < bounce.txt   addresses, IPs and hosts hidden\n",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser.

    When ``command`` names a command, only its sub-parser is built (and only its plugin
    imported): the others cannot be reached from that command line, and building all of
    them was a fifth of the CLI's start-up.  Otherwise (no command, ``--help``, a typo)
    every command is there, for the help text and the error message.
    """
    parser = _Parser(
        prog="smtpcodes",
        description="SMTP reply codes explained: what they mean, when you see them, what to do.",
        epilog=EPILOG,
        formatter_class=_Formatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    helps = {**COMMANDS, **{name: help_text for name, (_, help_text) in PLUGINS.items()}}
    for name in [command] if command in helps else list(helps):
        command_parser = sub.add_parser(
            name, help=helps[name], epilog=_EPILOGS.get(name, EPILOG), formatter_class=_Formatter
        )
        if name in _ARGUMENTS:
            _ARGUMENTS[name](command_parser)
        elif name == command:
            _plugin(name).register(command_parser)
        else:
            continue  # a plugin listed for the help text only
        _common(command_parser)
    return parser


class Context:
    """What a command needs: the environment, the chosen language and styling."""

    def __init__(self, args: argparse.Namespace, io: Environment) -> None:
        from smtpcodes.catalogue import load_catalogue
        from smtpcodes.i18n import language_from_env

        self.args = args
        self.io = io
        self.catalogue = load_catalogue()
        available = self.catalogue.languages
        lang = getattr(args, "lang", None)
        if lang is None:
            lang = language_from_env(io.env, available)
        elif lang.lower() not in available:
            raise UsageError(f"unknown language {lang!r}: expected one of {', '.join(available)}")
        self.lang = lang.lower()
        self.phrases = self.catalogue.phrases(self.lang)
        colour = use_colour(getattr(args, "color", "auto"), io.stdout, io.env)
        self.style = Style(colour)
        self.width: int | None = None
        if colour or (getattr(io.stdout, "isatty", lambda: False)()):
            try:
                columns = os.get_terminal_size(io.stdout.fileno()).columns
            except (AttributeError, OSError, ValueError):
                columns = 100
            self.width = min(columns, 100)

    def out(self, text: str) -> None:
        self.io.stdout.write(text)

    def json(self, name: str, value: Any) -> None:
        from smtpcodes.explain import dumps

        self.out(dumps(name, value) + "\n")


def _cmd_show(ctx: Context) -> int:
    from smtpcodes.cli._render import render_code
    from smtpcodes.explain import code_info

    info = code_info(ctx.args.code, ctx.lang)
    if ctx.args.json:
        ctx.json("code", info)
    else:
        ctx.out(render_code(info, ctx.phrases, ctx.style, ctx.width))
    if not info.known:
        ctx.io.stderr.write(
            f"smtpcodes: {info.code} is not in the catalogue; explained by its digits\n"
        )
        return ExitStatus.NOT_FOUND
    return ExitStatus.OK


def _read_stdin(ctx: Context) -> str:
    stream = ctx.io.stdin
    raw = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
    if b"\x00" in data:
        raise ReplyParseError("standard input holds binary data (NUL bytes); expected reply text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReplyParseError(
            f"standard input is not UTF-8 text (bad byte at offset {exc.start}); "
            "expected reply text"
        ) from None


def _cmd_explain(ctx: Context) -> int:
    from smtpcodes.cli._render import render_explanation
    from smtpcodes.explain import explain

    parts: list[str] = ctx.args.text
    text = _read_stdin(ctx) if parts == ["-"] else " ".join(parts)
    if not text.strip():
        raise ReplyParseError("empty input: expected an SMTP reply such as '250 OK' or a code")
    expl = explain(text, ctx.lang)
    if ctx.args.redact:
        from smtpcodes.explain import redact_explanation

        # classify on the original (host names identify providers), then hide them
        expl = redact_explanation(expl)
    if ctx.args.json:
        ctx.json("explanation", expl)
    else:
        ctx.out(render_explanation(expl, ctx.phrases, ctx.style, ctx.width))
    return ExitStatus.OK


def _cmd_compare(ctx: Context) -> int:
    from smtpcodes.cli._render import render_comparison
    from smtpcodes.explain import code_info, compare

    codes: list[str] = ctx.args.codes
    if ctx.args.list:
        if codes:
            raise UsageError("compare --list takes no codes")
        pairs = ctx.catalogue.pairs()
        if ctx.args.json:
            ctx.json(
                "pair-list", [{"a": p.a, "b": p.b, "note": p.note.get(ctx.lang, "")} for p in pairs]
            )
            return ExitStatus.OK
        s = ctx.style
        for pair in pairs:
            ta, tb = code_info(pair.a, ctx.lang).title, code_info(pair.b, ctx.lang).title
            ctx.out(f"{s.code(pair.a)} vs {s.code(pair.b)}  {ta} / {tb}\n")
        return ExitStatus.OK
    if len(codes) != 2:
        got = "no code" if not codes else f"{len(codes)} code{'s' if len(codes) > 1 else ''}"
        raise UsageError(f"compare needs exactly two codes, e.g. 'compare 354 535'; got {got}")
    comparison = compare(codes[0], codes[1], ctx.lang)
    if ctx.args.json:
        ctx.json("comparison", comparison)
    else:
        ctx.out(render_comparison(comparison, ctx.phrases, ctx.style, ctx.width))
    unknown = [info.code for info in (comparison.a, comparison.b) if not info.known]
    if unknown:
        ctx.io.stderr.write(f"smtpcodes: not in the catalogue: {', '.join(unknown)}\n")
        return ExitStatus.NOT_FOUND
    return ExitStatus.OK


def _cmd_list(ctx: Context) -> int:
    from smtpcodes.catalogue import Kind
    from smtpcodes.cli._render import render_list
    from smtpcodes.explain import code_info

    args = ctx.args
    if args.stage is not None:
        from smtpcodes.protocol import Stage

        valid = [s.value for s in Stage]
        if args.stage not in valid:
            raise UsageError(f"unknown stage {args.stage!r}: expected one of {', '.join(valid)}")
    rows = []
    for entry in ctx.catalogue.entries(Kind(args.kind)):
        if "x" in entry.code.lower() and entry.code.count(".") != 2:
            continue  # class and subject entries
        if entry.code.endswith("xx") or entry.code.endswith(".X"):
            continue
        if args.tier and entry.tier.value != args.tier:
            continue
        if args.stage and args.stage not in {s.value for s in entry.stages}:
            continue
        if args.klass:
            digits = entry.classes if entry.kind is Kind.ENHANCED else (entry.code[0],)
            if args.klass not in digits:
                continue
        rows.append(code_info(entry.code, ctx.lang))
    if ctx.args.json:
        ctx.json("code-list", rows)
    else:
        ctx.out(render_list(rows, ctx.style))
    return ExitStatus.OK if rows else ExitStatus.NOT_FOUND


HANDLERS: dict[str, Callable[[Context], int]] = {
    "show": _cmd_show,
    "explain": _cmd_explain,
    "compare": _cmd_compare,
    "list": _cmd_list,
}


def _shortcut(argv: list[str]) -> list[str]:
    """``smtpcodes 535`` means ``smtpcodes show 535``."""
    if argv and not argv[0].startswith("-") and argv[0] not in HANDLERS and argv[0] not in PLUGINS:
        return ["show", *argv]
    return argv


def main(argv: Sequence[str] | None = None, io: Environment | None = None) -> int:
    io = io or Environment()
    args_list = _shortcut(list(sys.argv[1:] if argv is None else argv))
    try:
        parser = build_parser(args_list[0] if args_list else None)
        if not args_list:
            parser.print_help(io.stdout)
            return ExitStatus.USAGE
        args = parser.parse_args(args_list)
        ctx = Context(args, io)
        handler = HANDLERS.get(args.command)
        if handler is None:
            handler = _plugin(args.command).run
        return int(handler(ctx))
    except UsageError as exc:
        io.stderr.write(f"smtpcodes: {exc} (see 'smtpcodes --help')\n")
        return ExitStatus.USAGE
    except (CodeSyntaxError, UnknownLanguageError) as exc:
        io.stderr.write(f"smtpcodes: {exc}\n")
        return ExitStatus.USAGE
    except CatalogueError as exc:
        io.stderr.write(f"smtpcodes: catalogue error: {exc}\n")
        return ExitStatus.ERROR
    except SmtpcodesError as exc:
        io.stderr.write(f"smtpcodes: {exc}\n")
        return ExitStatus.ERROR
    except KeyboardInterrupt:
        io.stderr.write("smtpcodes: interrupted\n")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:
        # the reader went away (smtpcodes list | head): not an error worth a message
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        return ExitStatus.OK


def _short_lived(argv: list[str]) -> bool:
    """Whether the command line runs a built-in command (show, explain, compare, list): one
    answer printed, no threads, no atexit handlers, no reference cycles worth collecting."""
    args = _shortcut(argv)
    return bool(args) and args[0] in HANDLERS


def console() -> None:
    """The ``smtpcodes`` program (``main`` is the same without leaving the process).

    A built-in command runs with the cyclic garbage collector off and ends with
    ``os._exit`` once its output is flushed: collections during start-up and tearing
    down every module at exit cost a fifth of the time of ``smtpcodes explain ...``, for
    nothing, as the process ends right away.  The other commands (serve, probe, sandbox...)
    may run threads and atexit handlers, and exit the usual way.
    """
    argv = sys.argv[1:]
    if not _short_lived(argv):
        sys.exit(main(argv))
    import gc

    gc.disable()
    status = main(argv)
    with contextlib.suppress(OSError, ValueError):  # a reader that went away: nothing to say
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(status)
