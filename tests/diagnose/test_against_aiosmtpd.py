"""The probe against aiosmtpd, an independent SMTP server implementation, on loopback."""

from __future__ import annotations

import asyncio

import pytest
import pytest_asyncio
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

from smtpcodes.diagnose import ProbeOptions, QuitAfter, Timeouts, run_probe
from smtpcodes.protocol import Stage

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.interop,
    # aiosmtpd 1.4.6 warns about its own deprecated attribute when AUTH succeeds
    pytest.mark.filterwarnings("ignore:Session.login_data is deprecated"),
]

SECRET = "pw-for-aiosmtpd"  # noqa: S105 - a test password
WRONG = "nope"


class Handler:
    def __init__(self) -> None:
        self.contents: list[bytes] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody"):
            return (
                "550-5.1.1 The email account that you tried to reach does not exist.\r\n"
                "550 5.1.1 Please check the address"
            )
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        self.contents.append(envelope.original_content)
        return "250 2.0.0 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, data):
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"alice",
        SECRET.encode(),
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535


@pytest_asyncio.fixture
async def aiosmtpd_port():
    handler = Handler()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            handler, authenticator=authenticator, auth_require_tls=False, hostname="aio.example"
        ),
        "127.0.0.1",
        0,
    )
    yield handler, server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()


async def probe(port: int, **extra):
    return await run_probe(
        ProbeOptions(
            "127.0.0.1", port, ehlo_name="client.example.com", timeouts=Timeouts.uniform(3), **extra
        )
    )


async def test_message_with_leading_dots_arrives_unstuffed(aiosmtpd_port):
    handler, port = aiosmtpd_port
    message = b"Subject: dots\r\n\r\n.one\r\n..two\r\n.\r\nend\r\n"
    result = await probe(port, recipients=("bob@example.org",), data=message)
    assert result.exit_status == 0
    assert handler.contents == [message]  # aiosmtpd removed exactly the dots we added


async def test_multiline_rejection_is_one_reply_and_decides(aiosmtpd_port):
    _, port = aiosmtpd_port
    result = await probe(port, recipients=("nobody@example.org",))
    assert result.exit_status == 5
    assert result.verdict.stage is Stage.RCPT
    [reply] = [r for r in result.replies if r.code == 550]
    assert reply.is_multiline
    assert str(reply.enhanced) == "5.1.1"
    assert result.lines().count(" -> QUIT") == 1


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
async def test_auth_against_aiosmtpd(aiosmtpd_port, mechanism):
    _, port = aiosmtpd_port
    good = await probe(
        port, auth=mechanism, user="alice", password=SECRET, quit_after=QuitAfter.AUTH
    )
    assert good.exit_status == 0
    assert good.verdict.stage is Stage.AUTH
    bad = await probe(port, auth=mechanism, user="alice", password=WRONG, quit_after=QuitAfter.AUTH)
    assert bad.exit_status == 5
    assert bad.verdict.code == "535"
    assert SECRET not in "\n".join(good.lines())
