"""One JSON serializer for the CLI's ``--json`` and the web API (same schemas)."""

from __future__ import annotations

from enum import Enum

from smtpcodes._typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

from smtpcodes._record import fields, is_record

SCHEMA_VERSION = 1


def to_data(value: Any) -> Any:
    """Records, dataclasses, tuples and enums to plain JSON-ready data."""
    if is_record(value) and not isinstance(value, type):
        return {name: to_data(getattr(value, name)) for name in fields(value)}
    if hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
        import dataclasses  # already imported by whoever made the value

        return {f.name: to_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    if isinstance(value, Enum):
        return value.value
    return value


def document(name: str, value: Any) -> dict[str, Any]:
    """``{"schema": "smtpcodes/<name>@1", ...}``"""
    data = to_data(value)
    body = data if isinstance(data, dict) else {"items": data}
    return {"schema": f"smtpcodes/{name}@{SCHEMA_VERSION}", **body}


def dumps(name: str, value: Any, *, indent: int | None = 2) -> str:
    import json  # only --json and the API need it

    return json.dumps(document(name, value), ensure_ascii=False, indent=indent)
