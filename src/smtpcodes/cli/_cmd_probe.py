"""``smtpcodes probe HOST[:PORT]``: run a real SMTP session and explain every reply.

Rendering only: :func:`smtpcodes.diagnose.run_probe` does the work.  The password comes
from ``SMTPCODES_PASSWORD`` or a prompt on a terminal, never from an argument (one on the
command line is visible to every user of the machine in ``ps``).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from smtpcodes.cli._app import UsageError

if TYPE_CHECKING:
    from smtpcodes.cli._app import Context
    from smtpcodes.diagnose import ProbeResult, TranscriptLine

HELP = "run a real SMTP session and explain every reply"

#: The values of smtpcodes.diagnose.QuitAfter (kept here so --help needs no import).
QUIT_AFTER = ("connect", "banner", "ehlo", "tls", "auth", "mail", "rcpt", "data")
PASSWORD_VARIABLE = "SMTPCODES_PASSWORD"  # noqa: S105 - the name of a variable, not a secret

EPILOG = """\
examples:
  smtpcodes probe mx.example.org                      EHLO, MAIL, RCPT <postmaster>, no message
  smtpcodes probe mx.example.org --to bob@example.org send a generated test message
  smtpcodes probe smtp.example.org:587 --starttls --auth PLAIN --user alice --quit-after auth
  smtpcodes probe smtp.example.org --tls --to bob@example.org --data message.eml
  smtpcodes probe 127.0.0.1:2525 --to x@example.org --json

The password for --auth is read from SMTPCODES_PASSWORD, else asked for on the terminal.
Transcript markers as in swaks: === info, *** error, -> sent, <- received, <** 4yz/5yz
reply, ~> and <~ inside TLS.  AUTH payloads show as <redacted> unless --show-secrets.

exit status: 0 ok, 2 usage, 4 the decisive reply was 4yz, 5 it was 5yz,
6 network, timeout or TLS failure, 7 the server broke the protocol, 130 interrupted.
"""


def register(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument("target", metavar="HOST[:PORT]", help="server; port 25 (465 with --tls)")
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument("--starttls", action="store_true", help="upgrade with STARTTLS after EHLO")
    tls.add_argument("--tls", action="store_true", help="implicit TLS from the start (port 465)")
    parser.add_argument("--insecure", action="store_true", help="do not verify the certificate")
    parser.add_argument("--cafile", metavar="FILE", help="trust this CA bundle (PEM)")
    parser.add_argument("--ehlo", metavar="NAME", help="EHLO name (default: our address)")
    parser.add_argument(
        "--auth", metavar="MECH", type=str.upper, choices=("PLAIN", "LOGIN", "CRAM-MD5")
    )
    parser.add_argument("--user", metavar="USER", help="user name for --auth")
    parser.add_argument("--from", dest="mail_from", metavar="ADDRESS", help="MAIL FROM address")
    parser.add_argument(
        "--to", action="append", default=[], metavar="ADDRESS", help="RCPT TO (repeatable)"
    )
    parser.add_argument("--data", metavar="FILE", help="message to send ('-' for stdin)")
    parser.add_argument(
        "--quit-after", choices=QUIT_AFTER, metavar="STAGE", help="/".join(QUIT_AFTER)
    )
    parser.add_argument(
        "--pipelining", action="store_true", help="group MAIL/RCPT/DATA if advertised"
    )
    parser.add_argument(
        "--timeout", type=float, default=30.0, metavar="SECONDS", help="per stage (30)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show timings")
    parser.add_argument("--show-secrets", action="store_true", help="show AUTH payloads")


def parse_target(text: str, *, implicit_tls: bool) -> tuple[str, int]:
    """``mx.example.org``, ``mx:2525``, ``192.0.2.1:25``, ``[2001:db8::1]:25``, ``::1``."""
    default = 465 if implicit_tls else 25
    host, port = text.strip(), ""
    if host.startswith("["):
        inside, _, rest = host[1:].partition("]")
        host, port = inside, rest.removeprefix(":")
        if rest and not rest.startswith(":"):
            raise UsageError(f"bad target {text!r}: expected [IPV6]:PORT")
    elif host.count(":") == 1:
        host, port = host.split(":")
    if not host:
        raise UsageError(f"bad target {text!r}: expected HOST or HOST:PORT")
    if not port:
        return host, default
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise UsageError(f"bad port {port!r} in {text!r}: expected a number from 1 to 65535")
    return host, int(port)


def _password(ctx: Context, user: str) -> str:
    secret = ctx.io.env.get(PASSWORD_VARIABLE)
    if secret is not None:
        return secret
    stdin = ctx.io.stdin
    if getattr(stdin, "isatty", lambda: False)():
        import getpass

        from smtpcodes.diagnose import say

        return getpass.getpass(say(ctx.lang, "labels.password_prompt", user=user), ctx.io.stderr)
    raise UsageError(
        f"--auth needs a password: set {PASSWORD_VARIABLE}, or run on a terminal to be asked"
    )


def _read_data(ctx: Context, name: str) -> bytes:
    from smtpcodes.diagnose import ProbeOptionsError

    if name == "-":
        stream = ctx.io.stdin
        raw = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
        return raw if isinstance(raw, bytes) else raw.encode("utf-8")
    try:
        with open(name, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise ProbeOptionsError(f"--data: cannot read {name!r}: {exc.strerror or exc}") from None


def run(ctx: Context) -> int:
    import asyncio

    from smtpcodes.diagnose import (
        ProbeOptions,
        ProbeOptionsError,
        QuitAfter,
        Timeouts,
        TlsMode,
        run_probe,
    )

    args = ctx.args
    if not (args.timeout > 0 and args.timeout < 86400):
        raise UsageError(f"--timeout must be a number of seconds above 0, not {args.timeout:g}")
    if args.user is not None and args.auth is None:
        raise UsageError("--user needs --auth PLAIN, LOGIN or CRAM-MD5")
    if args.auth is not None and not args.user:
        raise UsageError(f"--auth {args.auth} needs --user")
    host, port = parse_target(args.target, implicit_tls=args.tls)
    password = _password(ctx, args.user) if args.auth else ""
    data = _read_data(ctx, args.data) if args.data is not None else None
    tls = TlsMode.IMPLICIT if args.tls else TlsMode.STARTTLS if args.starttls else TlsMode.NONE
    try:
        options = ProbeOptions(
            host,
            port,
            tls=tls,
            insecure=args.insecure,
            cafile=args.cafile,
            ehlo_name=args.ehlo,
            auth=args.auth,
            user=args.user or "",
            password=password,
            mail_from=args.mail_from,
            recipients=tuple(args.to),
            data=data,
            quit_after=None if args.quit_after is None else QuitAfter(args.quit_after),
            pipelining=args.pipelining,
            timeouts=Timeouts.uniform(args.timeout),
            lang=ctx.lang,
            show_secrets=args.show_secrets,
        )
    except ProbeOptionsError as exc:
        raise UsageError(str(exc)) from None
    result = asyncio.run(run_probe(options))
    if args.json:
        ctx.json("probe", result)
    else:
        ctx.out(render_probe(result, ctx.style, verbose=args.verbose))
    return result.exit_status


def render_probe(result: ProbeResult, style: Any, *, verbose: bool) -> str:
    """The transcript, each reply annotated (dimmed), findings flagged, then the verdict."""
    from smtpcodes.diagnose import Marker, say

    lang = result.lang
    out: list[str] = []
    previous = 0.0
    for line in result.transcript:
        text = line.render()
        if line.marker is Marker.ERROR:
            text = style.error(text)
        elif line.reply is not None:
            text = style.codes_in(text)
        if verbose:
            lapse = line.elapsed_ms - previous
            text += "  " + style.dim(f"[{line.elapsed_ms:.1f} ms, +{lapse:.1f}]")
            previous = line.elapsed_ms
        out.append(text)
        out += _annotation(line, style, lang)
    verdict = result.verdict
    label = say(lang, "verdict.label")
    status = say(lang, "verdict.exit", status=verdict.exit_status)
    body = f"=== {label}: {verdict.message} ({status})"
    out.append(style.bold(body) if verdict.exit_status == 0 else style.error(body))
    return "\n".join(out) + "\n"


def _annotation(line: TranscriptLine, style: Any, lang: str) -> list[str]:
    """Dimmed lines under a reply: the headline, what to do next, the findings."""
    from smtpcodes.diagnose import say

    notes: list[str] = []
    explanation = line.explanation
    if explanation is not None:
        notes.append("    " + style.dim(explanation.headline))
        step = next((f.value for f in explanation.primary.facts if f.key == "next_step"), "")
        if step:
            notes.append("    " + style.dim(f"{say(lang, 'labels.next')}: {step}"))
    for note in line.findings:
        mark = style.error if note.severity == "error" else style.warn
        rfc = style.dim(f"({note.rfc})")
        if line.reply is None:  # a *** line: its text is the finding already
            notes.append(f"    {mark('! ' + note.severity_label)} {rfc}")
        else:
            notes.append(f"    {mark('! ' + note.severity_label)}: {note.message} {rfc}")
    return notes
