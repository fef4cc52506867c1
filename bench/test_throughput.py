"""Throughput of the pure core: parse_reply and explain (issue 2 targets).

Run with ./dev bench (or: .venv/bin/pytest bench/test_throughput.py --benchmark-only).
Targets on one core: parse_reply >= 200,000 replies/s, explain >= 50,000/s.
Each benchmark handles a batch of replies per round and reports replies per second.
"""

from __future__ import annotations

import pytest

from smtpcodes.explain import explain
from smtpcodes.protocol import parse_reply

REPLIES = [
    "250 2.0.0 Ok: queued as 4Xyz1234",
    "550 5.1.1 <nobody@example.org>: Recipient address rejected: User unknown",
    "354 End data with <CR><LF>.<CR><LF>",
    "535 5.7.8 Authentication credentials invalid",
    "421 4.7.0 Try again later, closing connection.",
    "452 4.5.3 Too many recipients",
    "550-5.7.26 This mail has been blocked because the sender is unauthenticated.\r\n"
    "550 5.7.26 Gmail requires all senders to authenticate with either SPF or DKIM. - gsmtp",
    "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org",
]
BATCH = REPLIES * 125  # 1,000 replies a round


def _report(benchmark, target: float) -> None:
    per_second = len(BATCH) / benchmark.stats.stats.mean
    benchmark.extra_info["replies_per_second"] = round(per_second)
    print(f"\n{benchmark.name}: {per_second:,.0f} replies/s (target {target:,.0f})")


@pytest.mark.benchmark(group="core")
def test_parse_reply_throughput(benchmark):
    def run() -> None:
        for text in BATCH:
            parse_reply(text)

    benchmark(run)
    _report(benchmark, 200_000)


@pytest.mark.benchmark(group="core")
def test_explain_throughput(benchmark):
    for lang in ("en", "th"):
        explain(REPLIES[0], lang)  # first use loads the catalogue

    def run() -> None:
        for text in BATCH:
            explain(text, "en")

    benchmark(run)
    _report(benchmark, 50_000)
