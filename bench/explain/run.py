"""explain() against Sisimai on 10,000 real-world-style lines, side by side in one run.

    .venv/bin/python bench/explain/run.py [--repeat 3] [--lines bench/explain/lines.txt]

For each side: explanations (smtpcodes) or classifications (Sisimai::Reason->match, Debian's
libsisimai-perl, timed by the Perl script itself) per second, best of ``--repeat`` passes
after a warm-up pass.  Then the ratio (target: smtpcodes >= 2x Sisimai) and the share of
lines on which the two reasons agree.  Our full explain() does more than Sisimai's match():
it also finds the reply, parses it, explains both codes and builds the evidence.

Sisimai 4.25 (Debian's version) knows 26 reasons; smtpcodes uses the 31 of sisimai 5
(authfailure, badreputation, requireptr, ratelimited, notcompliantrfc, failedstarttls are
new).  Agreement is shown on all lines and on the lines where our reason exists in 4.25.
A success reply has no reason in smtpcodes; Sisimai calls it "delivered": compared as such.
Exit status: 0 when the target is met, 1 when not, 2 when Sisimai is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 2.0
#: the reasons of Sisimai 4.25 (Sisimai::Reason->index, plus delivered/feedback/undefined)
SISIMAI_4 = frozenset(
    {
        "blocked",
        "contenterror",
        "exceedlimit",
        "expired",
        "filtered",
        "hasmoved",
        "hostunknown",
        "mailboxfull",
        "mailererror",
        "mesgtoobig",
        "networkerror",
        "notaccept",
        "onhold",
        "rejected",
        "norelaying",
        "spamdetected",
        "virusdetected",
        "policyviolation",
        "securityerror",
        "suspend",
        "systemerror",
        "systemfull",
        "toomanyconn",
        "userunknown",
        "syntaxerror",
        "delivered",
        "feedback",
        "undefined",
        "vacation",
    }
)


def ours(lines: list[str], repeat: int) -> tuple[float, list[str]]:
    from smtpcodes._errors import SmtpcodesError
    from smtpcodes.explain import explain

    def one(line: str) -> str:
        try:
            reason = explain(line, "en").reason
        except SmtpcodesError:
            return "error"
        return "delivered" if reason is None else reason.id

    reasons = [one(line) for line in lines]  # warm-up: rules and catalogue loaded, caches hot
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for line in lines:
            with contextlib.suppress(SmtpcodesError):
                explain(line, "en")
        best = min(best, time.perf_counter() - start)
    return len(lines) / best, reasons


def sisimai(path: Path, repeat: int) -> tuple[float, list[str], str]:
    perl = shutil.which("perl")
    if perl is None:
        raise FileNotFoundError("perl")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "reasons.txt"
        done = subprocess.run(
            [perl, str(HERE / "sisimai_reason.pl"), str(path), str(repeat), str(out)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(done.stderr.strip() or "the Sisimai script failed")
        summary = json.loads(done.stdout)
        reasons = out.read_text(encoding="utf-8").splitlines()
    return float(summary["rate"]), reasons, str(summary["version"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=Path, default=HERE / "lines.txt")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    lines = args.lines.read_text(encoding="utf-8").splitlines()
    try:
        their_rate, theirs, version = sisimai(args.lines, args.repeat)
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"Sisimai is not available ({exc}); install libsisimai-perl", file=sys.stderr)
        return 2
    our_rate, mine = ours(lines, args.repeat)
    assert len(theirs) == len(mine) == len(lines)
    ratio = our_rate / their_rate
    agree = sum(a == b for a, b in zip(mine, theirs, strict=True))
    comparable = [(a, b) for a, b in zip(mine, theirs, strict=True) if a in SISIMAI_4]
    agree_comparable = sum(a == b for a, b in comparable)
    print(f"lines                   {len(lines):>10,}")
    print(f"smtpcodes explain()     {our_rate:>10,.0f} lines/s")
    print(f"Sisimai {version} match {their_rate:>10,.0f} lines/s")
    print(f"ratio                   {ratio:>10.2f}x (target >= {TARGET:.0f}x)")
    print(f"reasons agree           {agree / len(lines):>10.1%} of all lines")
    print(
        f"                        {agree_comparable / max(len(comparable), 1):>10.1%} of the "
        f"{len(comparable):,} lines whose reason Sisimai 4.25 has"
    )
    print(
        f"undefined               {mine.count('undefined'):>10,} smtpcodes, "
        f"{theirs.count('undefined'):,} Sisimai"
    )
    print("most frequent disagreements (smtpcodes / Sisimai):")
    for (a, b), count in Counter(
        (a, b) for a, b in zip(mine, theirs, strict=True) if a != b
    ).most_common(10):
        print(f"  {count:>6,}  {a} / {b}")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
