import json
import subprocess
import sys

import pytest


def test_shortcut_code_shows_it(run_cli):
    r = run_cli("535")
    assert r.code == 0
    assert r.out.startswith("535  Authentication credentials invalid")
    assert "RFC 4954, section 6" in r.out
    assert "\x1b[" not in r.out  # no colour when not a TTY


def test_compare_354_535_thai_has_every_section(run_cli):
    r = run_cli("compare", "354", "535", "--lang", "th")
    assert r.code == 0, r.err
    for heading in (
        "ความแตกต่างหลัก",
        "คำอธิบาย",
        "เมื่อคุณพบเห็น",
        "วิธีแก้ไข",
        "แต่ละรหัสเกิดขึ้นเมื่อไร",
        "เรียนรู้เพิ่มเติม",
        "ข้อเท็จจริง",
    ):
        assert heading in r.out, heading
    assert "354  Start mail input" not in r.out  # the English title; quoted reply text may stay


def test_compare_354_535_english(run_cli):
    r = run_cli("compare", "354", "535", "--lang", "en")
    for heading in (
        "Key differences",
        "Description",
        "When you see it",
        "How to fix",
        "When you see which",
        "Learn more",
        "Facts",
    ):
        assert heading in r.out, heading


def test_language_from_environment(run_cli):
    assert "ข้อมูลยืนยันตัวตน" in run_cli("535", env={"LANG": "th_TH.UTF-8"}).out
    assert "Authentication" in run_cli("535", env={"LANG": "de_DE.UTF-8"}).out


def test_json_output_has_a_schema(run_cli):
    doc = json.loads(run_cli("compare", "354", "535", "--json").out)
    assert doc["schema"] == "smtpcodes/comparison@1"
    assert doc["a"]["code"] == "354"
    doc = json.loads(run_cli("explain", "550 5.1.1 no such user", "--json").out)
    assert doc["schema"] == "smtpcodes/explanation@1"
    assert doc["enhanced"]["code"] == "5.1.1"


def test_explain_reads_a_multiline_reply_from_stdin(run_cli):
    data = (
        b"550-5.1.1 The email account that you tried to reach does not exist.\r\n"
        b"550 5.1.1 Please check - gsmtp\r\n"
    )
    r = run_cli("explain", "-", stdin=data)
    assert r.code == 0, r.err
    assert "550-5.1.1 The email account" in r.out


@pytest.mark.parametrize(
    ("args", "stdin", "status", "message"),
    [
        (("show", "99"), b"", 2, "'99' is not an SMTP reply code"),
        (("show", "6.1.1"), b"", 2, "class.subject.detail"),
        (("compare", "550"), b"", 2, "compare needs exactly two codes"),
        (("explain", "-"), b"\x00\xff\xfe binary", 1, "binary data"),
        (("explain", "-"), b"\xff\xfe\xfd junk", 1, "not UTF-8"),
        (("explain", "-"), b"", 1, "empty input"),
        (("535", "--lang", "fr"), b"", 2, "unknown language 'fr'"),
        (("explain", "no reply here"), b"", 1, "expected a 3-digit reply code"),
        (("list", "--stage", "nowhere"), b"", 2, "unknown stage"),
        (("frobnicate", "--bogus"), b"", 2, "unrecognized arguments"),
    ],
)
def test_bad_input_gets_one_clear_line_and_the_right_status(run_cli, args, stdin, status, message):
    r = run_cli(*args, stdin=stdin)
    assert r.code == status
    assert message in r.err
    assert r.err.count("\n") == 1
    assert "Traceback" not in r.err


def test_unknown_valid_code_exits_3_but_still_explains(run_cli):
    r = run_cli("show", "599")
    assert r.code == 3
    assert "599" in r.out
    assert "permanent" in r.out.lower()


def test_list_filters(run_cli):
    r = run_cli("list", "--class", "4", "--stage", "auth")
    codes = [line.split()[0] for line in r.out.splitlines()]
    assert "454" in codes
    assert "432" in codes
    assert all(c.startswith("4") for c in codes)
    r = run_cli("list", "--tier", "folklore")
    assert "420" in r.out
    assert "550" not in r.out


def test_colour_only_when_asked_and_never_with_no_color(run_cli):
    assert "\x1b[" in run_cli("535", "--color", "always").out
    assert "\x1b[" not in run_cli("535", env={"NO_COLOR": "1"}).out


def test_real_process_entry_point():
    done = subprocess.run(
        [sys.executable, "-m", "smtpcodes", "compare", "354", "535", "--lang", "th"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "ความแตกต่างหลัก" in done.stdout


@pytest.mark.parametrize(
    "argv",
    [
        ["explain", "--redact", "--json", "550", "5.1.1", "no"],
        ["show", "5.7.8", "--lang", "th"],
        ["compare", "354", "535", "--color", "never"],
        ["list", "--class", "4", "--stage", "rcpt", "--kind", "basic"],
        ["search", "relay", "--lang", "en"],
    ],
)
def test_a_parser_built_for_one_command_parses_as_the_full_one(argv):
    from smtpcodes.cli._app import PLUGINS, build_parser

    full = build_parser(argv[0] if argv[0] in PLUGINS else None).parse_args(argv)
    alone = build_parser(argv[0])
    assert alone.parse_args(argv) == full
    assert list(alone._subparsers._group_actions[0].choices) == [argv[0]]


@pytest.mark.parametrize("first", [None, "--help", "nosuchcommand"])
def test_top_level_help_lists_every_command(first):
    from smtpcodes.cli._app import COMMANDS, PLUGINS, build_parser

    shown = build_parser(first).format_help()
    for name in [*COMMANDS, *PLUGINS]:
        assert f"    {name}" in shown


@pytest.mark.parametrize(
    ("argv", "status", "stderr"),
    [
        (["list", "--kind", "enhanced", "--json"], 0, ""),
        (["show", "99"], 2, "'99' is not an SMTP reply code"),
        (["999"], 3, "999 is not in the catalogue"),
        (["search", "--help"], 0, ""),
    ],
)
def test_the_program_flushes_everything_and_keeps_the_status(argv, status, stderr):
    """console() leaves with os._exit after a built-in command: nothing may be lost."""
    done = subprocess.run(
        [sys.executable, "-m", "smtpcodes", *argv],
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == status
    assert stderr.encode() in done.stderr
    if "--json" in argv:
        assert len(json.loads(done.stdout)["items"]) > 80  # the whole document arrived


def test_the_program_is_quiet_when_its_reader_goes_away():
    # 640 KB of JSON: far more than a pipe holds, so the writer meets the closed pipe
    done = subprocess.run(  # noqa: S602 - a fixed command line, to get a closed pipe
        f"'{sys.executable}' -m smtpcodes list --kind enhanced --json | head -c 10",
        shell=True,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0
    assert done.stderr == b""


def test_pages_wrap_only_when_given_a_width():
    from smtpcodes.cli._render import Page
    from smtpcodes.cli._style import Style

    text = "word " * 30
    wide = Page(Style(False), {}, None)
    wide.para(text)
    wide.bullets([text])
    assert wide.text().splitlines() == ["  " + text.strip(), "  - " + text.strip()]
    narrow = Page(Style(False), {}, 30)
    narrow.para(text)
    narrow.bullets(["a-b " * 12])
    lines = narrow.text().splitlines()
    assert all(len(line) <= 28 for line in lines)
    assert lines[0].startswith("  word")
    assert any(line.startswith("  - a-b") for line in lines)
    assert " ".join(lines).split() == ["word"] * 30 + ["-"] + ["a-b"] * 12


def test_explaining_a_reply_keeps_heavy_modules_out_of_start_up():
    """The CLI's start-up budget (bench/cli_startup.sh): these cost milliseconds to import."""
    script = (
        "import io, sys\n"
        "from smtpcodes.cli import main\n"
        "out = io.StringIO()\n"
        "sys.stdout, real = out, sys.stdout\n"
        "main(['explain', '550 5.1.1 no such user'])\n"
        "sys.stdout = real\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    loaded = set(done.stdout.split())
    assert "smtpcodes.explain" in loaded
    heavy = {
        "typing",
        "dataclasses",
        "inspect",
        "shutil",
        "textwrap",
        "msgspec",
        "pathlib",
        "json",
        "smtpcodes.explain._compare",
        "smtpcodes.explain._redact",
        "smtpcodes.protocol._session",
    }
    assert loaded & heavy == set()
