"""``smtpcodes probe`` end to end, in-process, against servers on loopback (in a thread)."""

from __future__ import annotations

import base64
import json

import pytest
from smtp_fakes import PASSWORD, USER, FakeSmtp


@pytest.fixture
def fake_port(serve_in_thread):
    fake = FakeSmtp(reject={b"nobody": b"550 5.1.1 <nobody@example.org>: no such user\r\n"})
    return fake, serve_in_thread(fake)


def test_text_output_annotates_replies_and_ends_with_the_verdict(run_cli, fake_port):
    fake, port = fake_port
    r = run_cli("probe", f"127.0.0.1:{port}", "--to", "bob@example.org", "--timeout", "3")
    assert r.code == 0, r.out + r.err
    lines = r.out.splitlines()
    assert lines[0] == f"=== Trying 127.0.0.1:{port}..."
    assert "<-  354 End data with <CR><LF>.<CR><LF>" in lines
    index = lines.index("<-  354 End data with <CR><LF>.<CR><LF>")
    assert lines[index + 1].startswith("    354: ")  # the explanation under the reply
    assert lines[index + 2].startswith("    What to do next: send the message")
    assert lines[-1] == "=== Verdict: OK: the server accepted the message (250). (exit status 0)"
    assert "\x1b[" not in r.out  # not a terminal: no colour
    assert len(fake.messages) == 1


def test_a_rejected_recipient_exits_5_and_says_so_in_thai(run_cli, fake_port):
    _, port = fake_port
    r = run_cli("probe", f"127.0.0.1:{port}", "--to", "nobody@example.org", "--lang", "th")
    assert r.code == 5
    assert "<** 550 5.1.1 <nobody@example.org>: no such user" in r.out
    assert r.out.splitlines()[-1].startswith("=== ผลสรุป: ล้มเหลวถาวรที่คำสั่ง RCPT TO: 550 5.1.1")


def test_json_output(run_cli, fake_port):
    _, port = fake_port
    r = run_cli("probe", f"127.0.0.1:{port}", "--quit-after", "ehlo", "--json")
    assert r.code == 0
    doc = json.loads(r.out)
    assert doc["schema"] == "smtpcodes/probe@1"
    assert doc["verdict"]["outcome"] == "ok"
    assert doc["verdict"]["stage"] == "ehlo"
    assert [line["marker"] for line in doc["transcript"][:3]] == ["===", "===", "<- "]


def test_verbose_shows_timings(run_cli, fake_port):
    _, port = fake_port
    r = run_cli("probe", f"127.0.0.1:{port}", "--quit-after", "banner", "-v")
    assert r.code == 0
    assert " ms, +" in r.out.splitlines()[2]


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_auth_password_from_the_environment_never_printed(run_cli, serve_in_thread, mechanism):
    fake = FakeSmtp()
    port = serve_in_thread(fake)
    env = {"SMTPCODES_PASSWORD": PASSWORD}
    args = ("probe", f"127.0.0.1:{port}", "--auth", mechanism.lower(), "--user", USER)
    text = run_cli(*args, "--quit-after", "auth", env=env)
    doc = run_cli(*args, "--quit-after", "auth", "--json", env=env)
    assert (text.code, doc.code) == (0, 0)
    assert fake.authenticated == [mechanism, mechanism]
    forms = [PASSWORD, base64.b64encode(PASSWORD.encode()).decode()]
    forms.append(base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode())
    for output in (text.out, text.err, doc.out, doc.err):
        for secret in forms:
            assert secret not in output
    assert "<redacted>" in text.out


def test_show_secrets(run_cli, serve_in_thread):
    port = serve_in_thread(FakeSmtp())
    env = {"SMTPCODES_PASSWORD": PASSWORD}
    r = run_cli(
        "probe", f"127.0.0.1:{port}", "--auth", "PLAIN", "--user", USER,
        "--quit-after", "auth", "--show-secrets", env=env,
    )  # fmt: skip
    assert r.code == 0
    assert base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode() in r.out


def test_data_file_is_sent_dot_stuffed(run_cli, serve_in_thread, tmp_path):
    fake = FakeSmtp()
    port = serve_in_thread(fake)
    message = tmp_path / "message.eml"
    message.write_bytes(b"Subject: x\n\n.one\nlast")
    r = run_cli("probe", f"127.0.0.1:{port}", "--to", "b@example.org", "--data", str(message))
    assert r.code == 0
    assert fake.messages == [b"Subject: x\r\n\r\n..one\r\nlast\r\n"]


def test_starttls_verified_with_cafile(run_cli, serve_in_thread, certificates):
    port = serve_in_thread(FakeSmtp(tls=certificates.server))
    args = ("probe", f"127.0.0.1:{port}", "--starttls", "--quit-after", "tls")
    r = run_cli(*args, "--cafile", certificates.ca_file)
    assert r.code == 0, r.out
    assert any(line.startswith("=== TLS started: TLSv1.") for line in r.out.splitlines())
    assert " ~> EHLO " in r.out
    untrusted = run_cli(*args)
    assert untrusted.code == 6
    assert "*** The server certificate could not be verified" in untrusted.out


def test_a_hostile_server_exits_7(run_cli, serve_in_thread):
    async def garbage(reader, writer):
        writer.write(b"\x00\xff garbage\r\n")
        await writer.drain()

    port = serve_in_thread(garbage)
    r = run_cli("probe", f"127.0.0.1:{port}", "--timeout", "1")
    assert r.code == 7


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--password", "x"], {}, "unrecognized arguments"),  # there is no such option
        (["--auth", "PLAIN"], {}, "needs --user"),
        (["--user", "alice"], {}, "needs --auth"),
        (["--auth", "PLAIN", "--user", "alice"], {}, "SMTPCODES_PASSWORD"),  # no TTY here
        (["--auth", "NTLM", "--user", "alice"], {}, "invalid choice"),
        (["--timeout", "0"], {}, "--timeout"),
        (["--to", "a@b\nRSET"], {}, "--to"),
        (["--tls", "--starttls"], {}, "not allowed with"),
        (["--quit-after", "never"], {}, "invalid choice"),
    ],
)
def test_usage_errors(run_cli, args, env, message):
    r = run_cli("probe", "127.0.0.1:2525", *args, env=env)
    assert r.code == 2
    assert message in r.err
    assert "Traceback" not in r.err


@pytest.mark.parametrize(
    "target", ["127.0.0.1:0", "127.0.0.1:99999", "mx:port", "[::1]x", ":25", "[::1]:70000"]
)
def test_bad_targets(run_cli, target):
    r = run_cli("probe", target)
    assert r.code == 2
    assert "bad " in r.err


def test_targets_parse():
    from smtpcodes.cli._cmd_probe import parse_target

    assert parse_target("mx.example.org", implicit_tls=False) == ("mx.example.org", 25)
    assert parse_target("mx.example.org", implicit_tls=True) == ("mx.example.org", 465)
    assert parse_target("192.0.2.1:2525", implicit_tls=False) == ("192.0.2.1", 2525)
    assert parse_target("[2001:db8::1]:587", implicit_tls=False) == ("2001:db8::1", 587)
    assert parse_target("2001:db8::1", implicit_tls=False) == ("2001:db8::1", 25)


def test_missing_data_file_is_bad_input(run_cli, tmp_path):
    r = run_cli("probe", "127.0.0.1:2525", "--to", "b@example.org", "--data", str(tmp_path / "x"))
    assert r.code == 1
    assert "--data: cannot read" in r.err


def test_help_lists_examples_and_has_no_password_option(run_cli):
    from smtpcodes.cli import build_parser

    parser = build_parser("probe")
    sub = next(a for a in parser._actions if a.dest == "command").choices["probe"]
    help_text = sub.format_help()
    assert "examples:" in help_text
    assert "--password" not in help_text
    assert "SMTPCODES_PASSWORD" in help_text
