"""Fixtures for the real-world tests: a small provider directory of our own.

The shipped provider files belong to the provider tables (test_provider_tables.py checks
them); the engine's tests use this two-rule example, so that they say what the engine does,
whatever the shipped data says.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from smtpcodes.explain import Rules, load_rules

EXAMPLE_PROVIDER = """\
id = "examplemail"
name = "Example Mail"
docs = "https://postmaster.example.net/errors"
detect = ['\\bexample-mx\\.net\\b', '\\bEXM\\d{3}\\b']

[[sources]]
ref = "Example Mail postmaster page"
url = "https://postmaster.example.net/errors"
seen = "2026-06-01"

[[rule]]
id = "examplemail-550-nouser"
codes = ["550"]
enhanced = ["5.1.1"]
match = ['no mailbox here']
reason = "userunknown"
source = "Example Mail: 550 5.1.1 'no mailbox here'"
text.en.meaning = "Example Mail has no such mailbox."
text.en.fix = ["Check the address."]
text.th.meaning = "Example Mail ไม่มีกล่องจดหมายนี้"
text.th.fix = ["ตรวจที่อยู่อีเมล"]

[[rule]]
id = "examplemail-421-slow-down"
codes = ["421", "550"]
match = ['\\bslow down\\b']
reason = "ratelimited"
hard = false
source = "Example Mail: 'slow down' (a temporary rate limit, whatever the code)"
text.en.meaning = "Example Mail limits how fast you send."
text.en.fix = ["Send more slowly.", "Retry later."]
text.th.meaning = "Example Mail จำกัดความเร็วในการส่ง"
text.th.fix = ["ส่งให้ช้าลง", "ลองใหม่ภายหลัง"]
"""

EXAMPLE_DNSBL = """\
id = "exampledbl"
name = "Example DBL"
docs = "https://dbl.example.org/"
detect = ['\\bdbl\\.example\\.org\\b']
standalone = true

[[sources]]
ref = "Example DBL"
url = "https://dbl.example.org/"
seen = "2026-06-01"

[[rule]]
id = "exampledbl-listed"
match = ['\\blisted (?:at|in) dbl\\.example\\.org\\b']
reason = "blocked"
source = "Example DBL: 'listed at dbl.example.org'"
text.en.meaning = "The sending IP address is on the Example DBL."
text.en.fix = ["Ask dbl.example.org to delist the address."]
text.th.meaning = "IP ของผู้ส่งอยู่ในบัญชีดำ Example DBL"
text.th.fix = ["ขอให้ dbl.example.org ถอดรายชื่อ"]
"""


@pytest.fixture(scope="session")
def example_provider() -> str:
    """The example provider file's text (tests break it on purpose)."""
    return EXAMPLE_PROVIDER


@pytest.fixture(scope="session")
def example_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A providers directory with our two example providers."""
    root = tmp_path_factory.mktemp("providers")
    (root / "examplemail.toml").write_text(EXAMPLE_PROVIDER, encoding="utf-8")
    (root / "exampledbl.toml").write_text(EXAMPLE_DNSBL, encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def rules(example_dir: Path) -> Rules:
    """The shipped reasons and patterns with the example providers instead of the real ones."""
    return load_rules(providers_dir=str(example_dir))


@pytest.fixture(scope="session")
def no_providers(tmp_path_factory: pytest.TempPathFactory) -> Rules:
    """The shipped reasons and patterns, no provider at all: generic classification only."""
    return load_rules(providers_dir=str(tmp_path_factory.mktemp("empty")))
