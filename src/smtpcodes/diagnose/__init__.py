"""Live diagnosis: drive a real SMTP session (asyncio) and explain every reply.

    >>> import asyncio
    >>> from smtpcodes.diagnose import ProbeOptions, run_probe
    >>> result = asyncio.run(run_probe(ProbeOptions("127.0.0.1", 2525,  # doctest: +SKIP
    ...                                             recipients=("bob@example.org",))))
    >>> result.verdict.exit_status, result.lines()[:2]                  # doctest: +SKIP
    (0, ('=== Trying 127.0.0.1:2525...', '=== Connected to 127.0.0.1:2525.'))

Stable API (the sandbox recorder and the interop tests call it): :func:`run_probe`,
:class:`ProbeOptions` (with :class:`TlsMode`, :class:`QuitAfter`, :class:`Timeouts`),
:class:`ProbeResult` (``transcript``, ``lines()``, ``findings``, ``tls``, ``verdict``,
``exit_status``) and the seams :class:`Connector`, :class:`Connection`, :class:`Clock`.
"""

from smtpcodes.diagnose._options import (
    ProbeOptions,
    ProbeOptionsError,
    QuitAfter,
    Timeouts,
    TlsMode,
)
from smtpcodes.diagnose._phrases import probe_phrases, say
from smtpcodes.diagnose._probe import Clock, run_probe
from smtpcodes.diagnose._result import (
    EXIT_STATUS,
    Marker,
    Outcome,
    ProbeResult,
    TlsInfo,
    TranscriptLine,
    Verdict,
)
from smtpcodes.diagnose._transport import (
    READ_CHUNK,
    Connection,
    Connector,
    StreamConnection,
    open_stream,
    tls_context,
)

__all__ = [
    "EXIT_STATUS",
    "READ_CHUNK",
    "Clock",
    "Connection",
    "Connector",
    "Marker",
    "Outcome",
    "ProbeOptions",
    "ProbeOptionsError",
    "ProbeResult",
    "QuitAfter",
    "StreamConnection",
    "Timeouts",
    "TlsInfo",
    "TlsMode",
    "TranscriptLine",
    "Verdict",
    "open_stream",
    "probe_phrases",
    "run_probe",
    "say",
    "tls_context",
]
