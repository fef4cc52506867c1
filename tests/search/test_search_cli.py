"""``smtpcodes search``: text, JSON (same serializer as the web API), exit codes."""

from __future__ import annotations

import json
import subprocess
import sys


def test_search_prints_code_and_title(run_cli):
    r = run_cli("search", "mailbox", "full", "--lang", "en")
    assert r.code == 0, r.err
    assert "552" in r.out
    assert "Exceeded storage allocation" in r.out
    assert "\x1b[" not in r.out  # not a TTY: no colour


def test_search_thai(run_cli):
    r = run_cli("search", "กล่องจดหมายเต็ม", "--lang", "th")
    assert r.code == 0, r.err
    assert "552" in r.out
    assert "เกินพื้นที่ที่จัดสรรไว้" in r.out


def test_search_json_document(run_cli):
    r = run_cli("search", "535", "--json", "--limit", "3", "--lang", "en")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["schema"] == "smtpcodes/search@1"
    assert len(doc["items"]) == 3
    first = doc["items"][0]
    assert set(first) == {"code", "kind", "title", "snippet", "score"}
    assert first["code"] == "535"
    assert first["kind"] == "basic"


def test_nothing_matches_exits_3(run_cli):
    r = run_cli("search", "qqqqzzzzwwww", "--lang", "en")
    assert r.code == 3
    assert r.out == ""
    assert "nothing matches" in r.err


def test_nothing_matches_json_is_still_a_document(run_cli):
    r = run_cli("search", "qqqqzzzzwwww", "--json")
    assert r.code == 3
    assert json.loads(r.out) == {"schema": "smtpcodes/search@1", "items": []}


def test_bad_arguments_exit_2(run_cli):
    assert run_cli("search").code == 2
    r = run_cli("search", "x", "--limit", "0")
    assert r.code == 2
    assert "1 to 100" in r.err
    r = run_cli("search", "x", "--limit", "many")
    assert r.code == 2
    assert "whole number" in r.err
    r = run_cli("search", "   ")
    assert r.code == 2
    assert "needs words or a code" in r.err


def test_fts_syntax_is_not_an_error(run_cli):
    for query in ('"', "NEAR(", "*", "' OR 1=1 --"):
        r = run_cli("search", query)
        assert r.code in (0, 3), (query, r.err)
        assert "Traceback" not in r.err


def test_search_does_not_import_the_web_stack():
    code = (
        "import sys\n"
        "from smtpcodes.cli import main\n"
        "main(['search', '535', '--limit', '1'])\n"
        "heavy = ('fastapi', 'starlette', 'uvicorn', 'jinja2')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert out.strip().endswith("[]")
