"""Exit statuses of the command line (DESIGN.md section 6)."""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    ERROR = 1  #: bad input, I/O
    USAGE = 2  #: bad arguments
    NOT_FOUND = 3  #: unknown code, no search match
    TRANSIENT = 4  #: the decisive reply was 4yz
    PERMANENT = 5  #: the decisive reply was 5yz
    NETWORK = 6  #: network, timeout or TLS failure
    PROTOCOL = 7  #: the peer broke the protocol
    INTERRUPTED = 130
