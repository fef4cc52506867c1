"""Both engines on a loopback port, driven by smtplib (an independent client)."""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
import threading
import time

import pytest

from smtpcodes._errors import LocalError
from smtpcodes.protocol import Stage
from smtpcodes.sandbox import (
    Engine,
    ListenError,
    Rule,
    Sandbox,
    SandboxThread,
    Scenario,
    load_scenarios,
    parse_listen,
)

pytestmark = pytest.mark.interop  # smtplib is the client

SCENARIOS = load_scenarios()
TIMEOUT = 10


def _insecure() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def _dialogue(port: int, *, recipients: int = 2, body: bytes = b"Subject: t\r\n\r\nhello\r\n"):
    """A full session with STARTTLS and AUTH; returns every reply code in order."""
    codes: list[int] = []
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT)
    try:
        codes.append(smtp.ehlo("client.test")[0])
        if smtp.has_extn("starttls"):
            code, _ = smtp.docmd("STARTTLS")
            codes.append(code)
            if code == 220:
                smtp.sock = _insecure().wrap_socket(smtp.sock, server_hostname="127.0.0.1")
                smtp.file = None
                smtp.helo_resp = smtp.ehlo_resp = None
                smtp.esmtp_features = {}
                codes.append(smtp.ehlo("client.test")[0])
        token = base64.b64encode(b"\0sandbox\0sandbox").decode()
        codes.append(smtp.docmd("AUTH", f"PLAIN {token}")[0])
        codes.append(smtp.docmd("MAIL", "FROM:<a@example.test>")[0])
        for number in range(recipients):
            codes.append(smtp.docmd("RCPT", f"TO:<r{number}@example.test>")[0])
        code, _ = smtp.docmd("DATA")
        codes.append(code)
        if code == 354:
            smtp.send(body + b".\r\n")
            codes.append(smtp.getreply()[0])
        codes.append(smtp.docmd("QUIT")[0])
    except smtplib.SMTPServerDisconnected:
        codes.append(-1)
    finally:
        smtp.close()
    return codes


BOTH_ENGINES = [
    "data-354",
    "rcpt-550",
    "rcpt-452",
    "auth-535",
    "auth-538",
    "mail-552",
    "end-of-data-552",
    "end-of-data-446",
    "rcpt-451",
    "quit-221",
]


@pytest.mark.parametrize("name", BOTH_ENGINES)
def test_both_engines_give_the_same_codes(name):
    scenario = SCENARIOS.get(name)
    body = b"Subject: t\r\n\r\n" + b"x" * 300 + b"\r\n"
    results = {}
    for engine in (Engine.AIOSMTPD, Engine.RAW):
        with SandboxThread(scenario, engine=engine) as sandbox:
            results[engine] = _dialogue(sandbox.address.port, body=body)
    assert results[Engine.AIOSMTPD] == results[Engine.RAW]
    expected = int(scenario.code)
    assert expected in results[Engine.RAW]


def test_the_normal_path_codes():
    with SandboxThread(SCENARIOS.get("data-354")) as sandbox:
        codes = _dialogue(sandbox.address.port)
        assert sandbox.stats.messages_accepted == 1
        assert sandbox.stats.sessions == 1
    assert codes == [250, 220, 250, 235, 250, 250, 250, 354, 250, 221]


def test_starttls_offers_a_fresh_self_signed_certificate_for_loopback():
    from cryptography import x509

    with SandboxThread(SCENARIOS.get("data-354")) as sandbox:
        smtp = smtplib.SMTP("127.0.0.1", sandbox.address.port, timeout=TIMEOUT)
        smtp.starttls(context=_insecure())
        der = smtp.sock.getpeercert(binary_form=True)
        smtp.quit()
    cert = x509.load_der_x509_certificate(der)
    assert cert.subject == cert.issuer  # self-signed
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "sandbox.smtpcodes.test" in names.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]


@pytest.mark.parametrize(("engine", "code"), [(Engine.RAW, 502), (Engine.AIOSMTPD, 454)])
def test_no_tls_means_no_starttls(engine, code):
    # RFC 3207 leaves the reply to an unoffered STARTTLS open: we say 502 (not
    # implemented), aiosmtpd says "454 TLS not available"
    with SandboxThread(SCENARIOS.get("data-354"), tls=False, engine=engine) as sandbox:
        smtp = smtplib.SMTP("127.0.0.1", sandbox.address.port, timeout=TIMEOUT)
        smtp.ehlo()
        assert not smtp.has_extn("starttls")
        assert smtp.docmd("STARTTLS")[0] == code
        smtp.quit()


@pytest.mark.parametrize("engine", [Engine.AIOSMTPD, Engine.RAW])
def test_login_and_cram_md5_with_configured_credentials(engine):
    with SandboxThread(
        SCENARIOS.get("data-354"),
        engine=engine,
        user="alice",
        password="s3cret",  # noqa: S106
    ) as sandbox:
        for mechanism in ("LOGIN", "CRAM-MD5", "PLAIN"):
            smtp = smtplib.SMTP("127.0.0.1", sandbox.address.port, timeout=TIMEOUT)
            smtp.ehlo()
            smtp.user, smtp.password = "alice", "s3cret"
            method = getattr(smtp, "auth_" + mechanism.lower().replace("-", "_"))
            assert smtp.auth(mechanism, method)[0] == 235
            smtp.quit()
        smtp = smtplib.SMTP("127.0.0.1", sandbox.address.port, timeout=TIMEOUT)
        with pytest.raises(smtplib.SMTPAuthenticationError) as caught:
            smtp.login("alice", "wrong")
        assert caught.value.smtp_code == 535
        smtp.quit()


def test_a_drop_mid_data_disconnects_the_client():
    with SandboxThread(SCENARIOS.get("drop-mid-data")) as sandbox:
        smtp = smtplib.SMTP("127.0.0.1", sandbox.address.port, timeout=TIMEOUT)
        smtp.ehlo()
        smtp.mail("a@example.test")
        smtp.rcpt("b@example.test")
        with pytest.raises(smtplib.SMTPServerDisconnected):
            smtp.data(b"Subject: x\r\n\r\n" + b"line\r\n" * 1000)
        smtp.close()
        assert sandbox.stats.messages_accepted == 0


@pytest.mark.parametrize("engine", [Engine.AIOSMTPD, Engine.RAW])
def test_slow_replies_are_slow(engine):
    rule = Rule(Stage.RCPT, ("450 4.2.0 slowly",), delay=0.4)
    scenario = Scenario("slow", "450", Stage.RCPT, (rule,))
    with SandboxThread(scenario, engine=engine) as sandbox:
        smtp = smtplib.SMTP("127.0.0.1", sandbox.address.port, timeout=TIMEOUT)
        smtp.ehlo()
        smtp.mail("a@example.test")
        started = time.monotonic()
        assert smtp.rcpt("b@example.test")[0] == 450
        assert time.monotonic() - started >= 0.35
        smtp.quit()


def test_an_idle_session_gets_421_and_is_closed():
    received = b""
    with (
        SandboxThread(SCENARIOS.get("connect-554"), idle_timeout=0.3) as sandbox,
        socket.create_connection(("127.0.0.1", sandbox.address.port), TIMEOUT) as sock,
    ):
        sock.settimeout(TIMEOUT)
        while chunk := sock.recv(4096):
            received += chunk
    assert received.startswith(b"554 ")
    assert b"\r\n421 4.4.2 " in received


@pytest.mark.parametrize("engine", [Engine.AIOSMTPD, Engine.RAW])
def test_stop_ends_open_sessions(engine):
    rule = Rule(Stage.RCPT, ("451 4.3.0 never mind",), delay=60)
    scenario = Scenario("stuck", "451", Stage.RCPT, (rule,))
    sandbox = SandboxThread(scenario, engine=engine).start()
    smtp = smtplib.SMTP("127.0.0.1", sandbox.address.port, timeout=TIMEOUT)
    smtp.ehlo()
    smtp.mail("a@example.test")
    smtp.putcmd("RCPT", "TO:<b@example.test>")  # the reply would take a minute
    idle = smtplib.SMTP("127.0.0.1", sandbox.address.port, timeout=TIMEOUT)
    started = time.monotonic()
    sandbox.stop()
    assert time.monotonic() - started < 5
    with pytest.raises(smtplib.SMTPServerDisconnected):
        smtp.getreply()
    with pytest.raises((smtplib.SMTPServerDisconnected, OSError)):
        idle.noop()
    smtp.close()
    idle.close()


@pytest.mark.parametrize("engine", [Engine.AIOSMTPD, Engine.RAW])
def test_concurrent_clients_are_all_counted(engine):
    errors: list[BaseException] = []

    def client(port: int) -> None:
        try:
            for _ in range(3):
                with smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT) as smtp:
                    smtp.sendmail("a@example.test", ["b@example.test"], b"Subject: c\r\n\r\nx\r\n")
        except (OSError, smtplib.SMTPException) as exc:
            errors.append(exc)

    with SandboxThread(SCENARIOS.get("data-354"), engine=engine) as sandbox:
        threads = [threading.Thread(target=client, args=(sandbox.address.port,)) for _ in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert not errors
        assert sandbox.stats.messages_accepted == 30
        assert sandbox.stats.sessions == 30


def test_probability_gives_the_same_sequence_on_both_engines():
    scenario = SCENARIOS.get("random-451")
    sequences = {}
    for engine in (Engine.AIOSMTPD, Engine.RAW):
        with SandboxThread(scenario, engine=engine, seed=3) as sandbox:
            smtp = smtplib.SMTP("127.0.0.1", sandbox.address.port, timeout=TIMEOUT)
            smtp.ehlo()
            smtp.mail("a@example.test")
            sequences[engine] = [smtp.rcpt(f"r{i}@example.test")[0] for i in range(30)]
            smtp.quit()
    assert sequences[Engine.AIOSMTPD] == sequences[Engine.RAW]
    assert set(sequences[Engine.RAW]) == {250, 451}


# -- where it listens --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "host", "port"),
    [
        ("127.0.0.1:2525", "127.0.0.1", 2525),
        ("[::1]:25", "::1", 25),
        ("localhost:0", "localhost", 0),
    ],
)
def test_listen_addresses(text, host, port):
    address = parse_listen(text)
    assert (address.host, address.port) == (host, port)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0.0.0.0:2525", "not a loopback address"),
        ("192.0.2.1:25", "--allow-remote"),
        ("mail.example.org:25", "not a loopback address"),
        ("127.0.0.1", "expected HOST:PORT"),
        ("127.0.0.1:99999", "the port must be 0 to 65535"),
        ("[::1]2525", r"expected \[IPv6\]:PORT"),
    ],
)
def test_bad_listen_addresses(text, message):
    with pytest.raises(ListenError, match=message):
        parse_listen(text)


def test_remote_addresses_need_allow_remote():
    assert parse_listen("0.0.0.0:2525", allow_remote=True).host == "0.0.0.0"  # noqa: S104
    with pytest.raises(ListenError, match="not a loopback address"):
        Sandbox(SCENARIOS.get("data-354"), host="192.0.2.1")


def test_a_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ListenError, match=f"cannot listen on 127.0.0.1:{port}"):
            SandboxThread(SCENARIOS.get("data-354"), port=port).start()


def test_forcing_aiosmtpd_on_a_scripted_scenario_is_refused():
    with pytest.raises(LocalError, match="needs the raw engine"):
        Sandbox(SCENARIOS.get("connect-421"), engine=Engine.AIOSMTPD)
