"""``smtpcodes serve``: the website and JSON API on uvicorn (127.0.0.1:8000 by default).

The socket is bound here, before uvicorn starts, so a port in use is one clear line and
exit status 6 instead of a log record; ``--port 0`` picks a free port and prints it.
"""

from __future__ import annotations

import argparse
import os
import socket
from urllib.parse import urlsplit

from smtpcodes.cli._app import Context, UsageError
from smtpcodes.cli._exit import ExitStatus

HELP = "the website and JSON API (127.0.0.1:8000)"
DEFAULT_HOST = "127.0.0.1"  # loopback unless told otherwise (DESIGN.md section 7.8)
DEFAULT_PORT = 8000
APP_FACTORY = "smtpcodes.web:app_from_environment"
BASE_URL_VARIABLE = "SMTPCODES_BASE_URL"


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a TCP port: expected 0 to 65535")
    return int(text)


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 64:
        raise argparse.ArgumentTypeError(f"{text!r} is not a worker count: expected 1 to 64")
    return int(text)


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to listen on")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="public origin for canonical links and the sitemap, e.g. https://smtp.example.org",
    )
    parser.add_argument(
        "--workers", type=_workers, default=1, help="worker processes (one per core)"
    )
    parser.add_argument(
        "--log-level",
        choices=("critical", "error", "warning", "info", "debug"),
        default="info",
        help="uvicorn's log level",
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets whose proto says TCP,
    # and without it every response waits ~40 ms for a delayed ACK (Nagle)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def _origin(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        raise UsageError(
            f"--base-url {text!r}: expected an origin such as https://smtp.example.org"
        )
    return f"{parts.scheme}://{parts.netloc}"


def run(ctx: Context) -> int:
    import importlib.util

    args = ctx.args
    if importlib.util.find_spec("fastapi") is None or importlib.util.find_spec("uvicorn") is None:
        ctx.io.stderr.write("smtpcodes: serve needs the web extra: pip install 'smtpcodes[web]'\n")
        return ExitStatus.ERROR
    base_url = _origin(args.base_url) if args.base_url else None
    try:
        sock = _bind(args.host, args.port)
    except (OSError, OverflowError) as exc:
        ctx.io.stderr.write(f"smtpcodes: cannot listen on {args.host}:{args.port}: {exc}\n")
        return ExitStatus.NETWORK
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    ctx.io.stderr.write(f"smtpcodes: serving http://{shown}:{port}/ (Ctrl-C stops)\n")
    ctx.io.stderr.flush()

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    # The app is named, not imported: uvicorn builds it (in every worker), and the CLI layer
    # stays free of web imports.  The factory reads the origin from the environment.
    previous = os.environ.get(BASE_URL_VARIABLE)
    if base_url is not None:
        os.environ[BASE_URL_VARIABLE] = base_url
    config = uvicorn.Config(
        APP_FACTORY,
        factory=True,
        workers=args.workers,
        log_level=args.log_level,
        server_header=False,
    )
    try:
        if args.workers == 1:
            uvicorn.Server(config).run(sockets=[sock])
        else:
            Multiprocess(config, sockets=[sock]).run()
    except SystemExit as exc:  # uvicorn exits when the app cannot be built; it logged why
        return ExitStatus.ERROR if exc.code else ExitStatus.OK
    finally:
        sock.close()
        if previous is None:
            os.environ.pop(BASE_URL_VARIABLE, None)
        else:
            os.environ[BASE_URL_VARIABLE] = previous
    return ExitStatus.OK
