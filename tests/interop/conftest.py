"""Shared helpers for the interop tests: the probe run in-process, and a private Postfix."""

from __future__ import annotations

import io
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from smtpcodes.cli import Environment, main

TIMEOUT = 10.0


@dataclass
class ProbeRun:
    exit_status: int
    document: dict[str, Any]
    stderr: str

    @property
    def verdict(self) -> dict[str, Any]:
        return self.document["verdict"]

    @property
    def lines(self) -> list[str]:
        return [f"{t['marker']} {t['text']}" for t in self.document["transcript"]]

    def codes_at(self, stage: str) -> list[str]:
        """Codes of the replies that arrived at ``stage``."""
        return [
            t["text"][:3]
            for t in self.document["transcript"]
            if t.get("reply") is not None and t["stage"] == stage
        ]

    @property
    def reply_codes(self) -> list[str]:
        """The code of every reply line (each line of a multi-line reply), in order."""
        return [line[4:7] for line in self.lines if line.startswith(("<- ", "<~ ", "<**", "<~*"))]

    @property
    def finding_kinds(self) -> list[str]:
        return [f["kind"] for f in self.document["findings"]]


def run_probe_cli(port: int, *args: str, password: str = "sandbox") -> ProbeRun:  # noqa: S107
    """``smtpcodes probe 127.0.0.1:PORT ARGS --json``, in-process (the server must run on
    another thread or process: the probe runs its own event loop)."""
    out, err = io.StringIO(), io.StringIO()
    env = {"SMTPCODES_PASSWORD": password}
    status = main(
        ["probe", f"127.0.0.1:{port}", *args, "--json", "--lang", "en", "--timeout", str(TIMEOUT)],
        Environment(stdout=out, stderr=err, env=env),
    )
    try:
        document = json.loads(out.getvalue())
    except json.JSONDecodeError:
        raise AssertionError(f"probe printed no JSON (exit {status}): {err.getvalue()}") from None
    return ProbeRun(status, document, err.getvalue())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- a private Postfix -------------------------------------------------------------------

MAIN_CF = """\
# a throw-away Postfix for the interop tests: loopback only, never relays, never delivers
compatibility_level = 3.6
queue_directory = {dir}/queue
data_directory = {dir}/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
meta_directory = /etc/postfix
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = {dir}/maillog
maillog_file_prefixes = {dir}
myhostname = postfix.smtpcodes.test
mydomain = smtpcodes.test
myorigin = $myhostname
smtpd_banner = $myhostname ESMTP
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
mynetworks = 127.0.0.1/32
relayhost =
alias_maps =
alias_database =
biff = no
# one user: bob@example.test; anyone else in example.test gets 550 5.1.1
virtual_mailbox_domains = example.test
virtual_mailbox_maps = texthash:{dir}/vmailbox
smtpd_reject_unlisted_recipient = yes
# accepted mail is discarded; anything else would bounce, never leave the machine
virtual_transport = discard:accepted and discarded by the smtpcodes tests
default_transport = error:the smtpcodes test server never relays
local_transport = error:the smtpcodes test server delivers nothing
smtpd_relay_restrictions = reject_unauth_destination
# small, to provoke 552 5.3.4
message_size_limit = {size_limit}
"""

MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
"""


@dataclass
class Postfix:
    directory: Path
    port: int
    size_limit: int

    def log(self) -> str:
        path = self.directory / "maillog"
        return path.read_text("utf-8", "replace")[-4000:] if path.exists() else "(no log)"


def _postfix(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["postfix", "-c", str(directory), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def postfix() -> Iterator[Postfix]:
    """Debian's Postfix with a private configuration on a free loopback port.

    Never touches /etc/postfix (only reads the package's postfix-files list from its
    meta_directory).  Fails, with the reason, when Postfix cannot run here.
    """
    binary = shutil.which("postfix") or (
        "/usr/sbin/postfix" if os.path.exists("/usr/sbin/postfix") else None
    )
    if binary is None:
        pytest.fail("Postfix is not installed: apt-get install postfix (see ./dev)")
    try:
        pwd.getpwnam("postfix")
    except KeyError:
        pytest.fail("there is no 'postfix' user: install the Debian postfix package")
    if os.geteuid() != 0:
        pytest.fail(
            "Postfix's master and smtpd must start as root (they drop to the postfix user); "
            f"these tests run as uid {os.geteuid()}"
        )
    directory = Path(tempfile.mkdtemp(prefix="smtpcodes-postfix-"))
    directory.chmod(0o755)  # the postfix user must reach its queue
    port = free_port()
    size_limit = 2000
    (directory / "main.cf").write_text(MAIN_CF.format(dir=directory, size_limit=size_limit))
    (directory / "master.cf").write_text(MASTER_CF.format(port=port))
    (directory / "vmailbox").write_text("bob@example.test ok\n")
    (directory / "queue").mkdir()
    data = directory / "data"
    data.mkdir()
    postfix_user = pwd.getpwnam("postfix")
    os.chown(data, postfix_user.pw_uid, postfix_user.pw_gid)
    server = Postfix(directory, port, size_limit)
    started = _postfix(directory, "start")
    try:
        deadline = time.monotonic() + 20
        while not _listening(port):
            if time.monotonic() > deadline:
                pytest.fail(
                    f"Postfix did not start on 127.0.0.1:{port} (exit {started.returncode}): "
                    f"{started.stderr.strip()}\n{server.log()}"
                )
            time.sleep(0.1)
        yield server
    finally:
        _postfix(directory, "stop")
        deadline = time.monotonic() + 20
        while _listening(port) and time.monotonic() < deadline:
            time.sleep(0.1)
        pid_file = directory / "queue" / "pid" / "master.pid"
        if _listening(port) and pid_file.exists():
            pid = int(pid_file.read_text().strip() or 0)
            if pid > 0:
                os.kill(pid, 9)
        shutil.rmtree(directory, ignore_errors=True)
