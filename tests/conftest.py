"""Shared fixtures: the CLI driven in-process with an injected environment."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest

from smtpcodes.cli import Environment, main


@dataclass
class Result:
    code: int
    out: str
    err: str


class _Stdin(io.StringIO):
    def __init__(self, data: bytes) -> None:
        super().__init__()
        self.buffer = io.BytesIO(data)


@pytest.fixture
def run_cli():
    """Run ``smtpcodes ARGS`` in-process: ``run_cli("show", "535", stdin=b"...")``."""

    def run(*args: str, stdin: bytes = b"", env: dict[str, str] | None = None) -> Result:
        out, err = io.StringIO(), io.StringIO()
        environment = Environment(stdin=_Stdin(stdin), stdout=out, stderr=err, env=env or {})
        code = main(list(args), environment)
        return Result(code, out.getvalue(), err.getvalue())

    return run
