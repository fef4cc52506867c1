"""``smtpcodes sandbox``: a local SMTP server that sends any reply code on demand.

    $ smtpcodes sandbox --scenario rcpt-550
    smtpcodes sandbox: scenario rcpt-550 on 127.0.0.1:2525 (engine aiosmtpd, seed 0).
    ...
    $ smtpcodes probe 127.0.0.1:2525          (in another terminal)
    <** 550 5.1.1 Mailbox unavailable, or refused by policy

Rendering and argument checks only; :mod:`smtpcodes.sandbox` does the work.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from smtpcodes.cli._app import UsageError
from smtpcodes.cli._exit import ExitStatus

if TYPE_CHECKING:
    from smtpcodes.cli._app import Context
    from smtpcodes.sandbox import Sandbox, Scenario, ScenarioSet

HELP = "a local SMTP server that sends any code on demand"
DEFAULT_LISTEN = "127.0.0.1:2525"
DEFAULT_SCENARIO = "data-354"

EPILOG = """\
examples:
  smtpcodes sandbox                              a normal server on 127.0.0.1:2525
  smtpcodes sandbox --scenario rcpt-550          every RCPT gets 550 5.1.1
  smtpcodes sandbox --scenario connect-421       the greeting is 421, then it closes
  smtpcodes sandbox --list-scenarios             every scenario, one per code and more
  smtpcodes sandbox --rules my-rules.toml        your own rules (see below)
  SECRET=s3cret smtpcodes sandbox --user alice --password-env SECRET

A rules file holds [[rule]] tables, e.g.
  [[rule]]
  stage = "rcpt"                   connect ehlo starttls auth mail rcpt data end-of-data quit
  reply = "550 5.1.1 No such user" or code = "550" (text from the catalogue)
  after_recipients = 1             also: after_messages, probability, delay_ms, close,
                                   drop, bare_lf, command

Loopback only unless --allow-remote.  Accepted mail is counted and discarded, never relayed.
exit status: 0 stopped (SIGTERM), 1 cannot listen or bad rules file, 2 usage, 130 Ctrl-C.
"""


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, got {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"expected more than 0 and at most 86400, got {text}")
    return value


def register(parser: argparse.ArgumentParser) -> None:
    parser.epilog = EPILOG
    parser.add_argument(
        "--listen", default=DEFAULT_LISTEN, metavar="HOST:PORT", help=f"({DEFAULT_LISTEN})"
    )
    parser.add_argument("--scenario", metavar="NAME", help=f"what to play ({DEFAULT_SCENARIO})")
    parser.add_argument("--rules", metavar="FILE", help="a TOML file of rules or scenarios")
    parser.add_argument("--list-scenarios", action="store_true", help="list them and exit")
    parser.add_argument("--user", default="sandbox", metavar="USER", help="AUTH user (sandbox)")
    parser.add_argument(
        "--password-env",
        metavar="VARIABLE",
        help="read the AUTH password from this environment variable (default password: sandbox)",
    )
    parser.add_argument(
        "--engine", choices=("auto", "aiosmtpd", "raw"), default="auto", help="(auto)"
    )
    parser.add_argument("--seed", type=_seed, default=0, metavar="N", help="for probability rules")
    parser.add_argument("--no-tls", action="store_true", help="do not offer STARTTLS")
    parser.add_argument(
        "--idle-timeout", type=_seconds, default=300.0, metavar="SECONDS", help="(300)"
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --listen address"
    )


def _scenarios(ctx: Context) -> ScenarioSet:
    from pathlib import Path

    from smtpcodes.sandbox import load_scenarios

    extra = [Path(ctx.args.rules)] if ctx.args.rules else []
    return load_scenarios(extra)


def _chosen(ctx: Context, scenarios: ScenarioSet) -> Scenario:
    from pathlib import Path

    from smtpcodes.sandbox import load_file

    name = ctx.args.scenario
    if name is None and ctx.args.rules:
        own = load_file(Path(ctx.args.rules))
        if len(own) == 1:
            return own[0]
        names = ", ".join(s.name for s in own)
        raise UsageError(
            f"{ctx.args.rules} defines several scenarios ({names}): pick one with --scenario"
        )
    from smtpcodes.sandbox import ScenarioError

    try:
        return scenarios.get(name or DEFAULT_SCENARIO)
    except ScenarioError as exc:
        raise UsageError(str(exc)) from None


def _about(ctx: Context, scenario: Scenario) -> str:
    if scenario.about:
        return scenario.about.get(ctx.lang) or scenario.about.get("en", "")
    from smtpcodes.explain import code_info

    return code_info(scenario.code, ctx.lang).title if scenario.code else ""


def _list(ctx: Context, scenarios: ScenarioSet) -> int:
    from smtpcodes.sandbox._phrases import say

    stages = ctx.phrases["stage"]
    rows: list[dict[str, Any]] = []
    for scenario in scenarios.scenarios.values():
        rows.append(
            {
                "name": scenario.name,
                "code": scenario.code,
                "stage": scenario.stage.value,
                "engine": scenario.engine_for().value,
                "about": _about(ctx, scenario),
                "generated": scenario.generated,
                "probe_reachable": scenario.probe_reachable,
                "probe": list(scenario.probe),
                "command": next((r.command for r in scenario.rules if r.command), ""),
            }
        )
    skipped = [s.code for s in scenarios.skipped]
    if ctx.args.json:
        ctx.json("sandbox-scenarios", {"scenarios": rows, "skipped": skipped})
        return ExitStatus.OK
    s = ctx.style
    width = max(len(row["name"]) for row in rows)
    out = [s.heading(say(ctx.lang, "list.heading"))]
    for row in rows:
        engine = say(ctx.lang, f"engine.{row['engine']}")
        code = s.code(row["code"]) if row["code"] else "   "
        line = f"  {row['name']:<{width}}  {code}  {engine:<8}  {row['about']}"
        out.append(line)
        detail = stages.get(row["stage"], row["stage"])
        if not row["probe_reachable"]:
            detail = row["command"]
            detail += "; " + say(ctx.lang, "list.not_probed")
        out.append(" " * (width + 4) + s.dim(detail))
    out.append("")
    out.append(s.dim(say(ctx.lang, "list.generated")))
    if skipped:
        out.append(s.dim(say(ctx.lang, "list.skipped", codes=", ".join(skipped))))
    ctx.out("\n".join(out) + "\n")
    return ExitStatus.OK


def _password(ctx: Context) -> tuple[str, str]:
    """The AUTH password and how to describe where it came from (never the value itself)."""
    from smtpcodes.sandbox._phrases import say

    variable = ctx.args.password_env
    if variable is None:
        return "sandbox", say(ctx.lang, "serve.password_default")
    value = ctx.io.env.get(variable)
    if not value:
        raise UsageError(
            f"--password-env {variable}: that environment variable is not set or empty"
        )
    return value, say(ctx.lang, "serve.password_env", variable=variable)


def run(ctx: Context) -> int:
    from smtpcodes.sandbox import ListenError, parse_listen

    scenarios = _scenarios(ctx)
    if ctx.args.list_scenarios:
        return _list(ctx, scenarios)
    try:
        listen = parse_listen(ctx.args.listen, allow_remote=ctx.args.allow_remote)
    except ListenError as exc:
        raise UsageError(str(exc)) from None
    scenario = _chosen(ctx, scenarios)
    password, password_source = _password(ctx)
    return _serve(ctx, scenario, listen.host, listen.port, password, password_source)


def _serve(
    ctx: Context, scenario: Scenario, host: str, port: int, password: str, source: str
) -> int:
    import asyncio
    import signal

    from smtpcodes._errors import LocalError
    from smtpcodes.sandbox import Engine, Sandbox

    try:
        sandbox = Sandbox(
            scenario,
            host=host,
            port=port,
            engine=Engine(ctx.args.engine),
            user=ctx.args.user,
            password=password,
            seed=ctx.args.seed,
            tls=not ctx.args.no_tls,
            allow_remote=ctx.args.allow_remote,
            idle_timeout=ctx.args.idle_timeout,
        )
    except LocalError as exc:
        raise UsageError(str(exc)) from None
    received: list[int] = []

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()

        def on_signal(number: int) -> None:
            received.append(number)
            stop.set()

        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, on_signal, number)
        await sandbox.start()
        try:
            _banner(ctx, sandbox, source)
            await stop.wait()
        finally:
            await sandbox.close()

    asyncio.run(serve())
    _summary(ctx, sandbox)
    if received and received[0] == signal.SIGINT:
        return ExitStatus.INTERRUPTED
    return ExitStatus.OK


def _banner(ctx: Context, sandbox: Sandbox, password_source: str) -> None:
    from smtpcodes.sandbox import probe_arguments
    from smtpcodes.sandbox._phrases import say

    scenario = sandbox.scenario
    address = sandbox.address
    lang = ctx.lang
    probe = [
        "smtpcodes",
        "probe",
        str(address),
        *(scenario.probe or probe_arguments(scenario.stage)),
    ]
    if ctx.args.json:
        document: dict[str, Any] = {
            "listen": str(address),
            "host": address.host,
            "port": address.port,
            "scenario": scenario.name,
            "code": scenario.code,
            "stage": scenario.stage.value,
            "engine": sandbox.engine.value,
            "seed": sandbox.seed,
            "starttls": sandbox.tls,
            "user": ctx.args.user,
            "probe": probe,
        }
        ctx.json("sandbox", document)
        ctx.io.stdout.flush()
        return
    s = ctx.style
    engine = say(lang, f"engine.{sandbox.engine.value}")
    lines = [
        s.bold(
            say(
                lang,
                "serve.listening",
                scenario=scenario.name,
                address=address,
                engine=engine,
                seed=sandbox.seed,
            )
        )
    ]
    about = _about(ctx, scenario)
    if scenario.code:
        stage = ctx.phrases["stage"].get(scenario.stage.value, scenario.stage.value)
        lines.append(say(lang, "serve.shows", code=s.code(scenario.code), stage=stage, about=about))
    else:
        lines.append(say(lang, "serve.violation", about=about))
    if ctx.args.no_tls:
        lines.append(say(lang, "serve.tls_disabled"))
    else:
        lines.append(say(lang, "serve.tls_on" if sandbox.tls else "serve.tls_off"))
    lines.append(say(lang, "serve.auth", user=ctx.args.user, password_source=password_source))
    lines.append(say(lang, "serve.never_relays"))
    if ctx.args.allow_remote and address.host not in ("127.0.0.1", "::1", "localhost"):
        lines.append(s.warn(say(lang, "serve.remote", address=address)))
    import shlex

    lines.append(say(lang, "serve.try", command=shlex.join(probe)))
    lines.append(s.dim(say(lang, "serve.stop")))
    ctx.out("\n".join(lines) + "\n")
    ctx.io.stdout.flush()


def _summary(ctx: Context, sandbox: Sandbox) -> None:
    from smtpcodes.sandbox._phrases import say

    stats = sandbox.stats
    ctx.io.stderr.write(
        say(
            ctx.lang,
            "serve.stopped",
            sessions=stats.sessions,
            messages=stats.messages_accepted,
            bytes=stats.bytes_discarded,
        )
        + "\n"
    )
