"""Sans-IO SMTP: bytes in, values out; deviations become findings. Stdlib only."""

from smtpcodes.protocol._stage import SESSION_FLOW, Stage

__all__ = ["SESSION_FLOW", "Stage"]
