"""``smtpcodes search QUERY``: codes, titles and text of the catalogue, Thai too.

$ smtpcodes search mailbox full --limit 2
552  Exceeded storage allocation (message too big or mailbox full)
     … With 5.3.4 (or 5.2.3, a per-mailbox limit) the message is too big …
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from smtpcodes.cli._app import UsageError
from smtpcodes.cli._exit import ExitStatus

if TYPE_CHECKING:
    from smtpcodes.cli._app import Context

HELP = "search codes, titles and text (Thai too)"
MAX_LIMIT = 100


def _limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"expected 1 to {MAX_LIMIT}, got {value}")
    return value


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", nargs="+", help="words, a code (535, 5.7.8, 5xx) or Thai text")
    parser.add_argument(
        "--limit", type=_limit, default=20, metavar="N", help="at most N results (default 20)"
    )
    parser.epilog = (
        "examples:\n"
        "  smtpcodes search 'mailbox full'\n"
        "  smtpcodes search รหัสผ่าน --lang th\n"
        "  smtpcodes search 5.7 --json\n\n"
        "exit status: 0 found, 2 usage, 3 nothing matches.\n"
    )


def run(ctx: Context) -> int:
    from smtpcodes.search import highlight, search

    query = " ".join(ctx.args.query)
    if not query.strip():
        raise UsageError("search needs words or a code, e.g. 'smtpcodes search mailbox full'")
    hits = search(query, ctx.lang, ctx.args.limit)
    if ctx.args.json:
        ctx.json("search", hits)
    else:
        s = ctx.style
        lines: list[str] = []
        width = max(len(hit.code) for hit in hits) if hits else 0
        for hit in hits:
            pad = " " * (width - len(hit.code))
            lines.append(f"{s.code(hit.code)}{pad}  {s.bold(hit.title)}")
            if hit.snippet and hit.snippet != hit.title:
                marked = "".join(
                    s.bold(part) if matched else s.dim(part)
                    for part, matched in highlight(hit.snippet, query)
                )
                lines.append(" " * (width + 2) + marked)
        if lines:
            ctx.out("\n".join(lines) + "\n")
    if not hits:
        ctx.io.stderr.write(f"smtpcodes: nothing matches {query!r}\n")
        return ExitStatus.NOT_FOUND
    return ExitStatus.OK
