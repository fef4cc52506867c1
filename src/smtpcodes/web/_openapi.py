"""The OpenAPI document: paths and parameters from the routes, schemas from the result
records (msgspec), prose from ``openapi.toml``, errors as RFC 9457 problem details."""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from importlib import metadata, resources
from typing import Any

import msgspec
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from smtpcodes._record import struct_type
from smtpcodes.explain import CodeInfo, Comparison, Explanation
from smtpcodes.web._api import ExplainRequest
from smtpcodes.web._problem import MEDIA_TYPE

_REF = "#/components/schemas/{name}"

#: operation -> (document schema name, result type, whether it is a list, error statuses)
_OPERATIONS: dict[str, tuple[str, str, bool, tuple[int, ...]]] = {
    "listCodes": ("code-list", "CodeInfo", True, (422,)),
    "getCode": ("code", "CodeInfo", False, (400, 404, 422)),
    "compareCodes": ("comparison", "Comparison", False, (400, 404, 422)),
    "explainReply": ("explanation", "Explanation", False, (400, 413, 415, 422)),
    "search": ("search", "SearchHit", True, (422, 503)),
}

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 100, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}

#: Used until smtpcodes.search exists; mirrors its SearchHit record.
_SEARCH_HIT_FALLBACK: dict[str, Any] = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "kind": {"type": "string"},
        "title": {"type": "string"},
        "snippet": {"type": "string"},
        "score": {"type": "number"},
    },
    "required": ["code", "kind", "title", "snippet", "score"],
}


def _texts() -> dict[str, Any]:
    raw = (resources.files("smtpcodes.web") / "openapi.toml").read_text("utf-8")
    return tomllib.loads(raw)


def _version() -> str:
    try:
        return metadata.version("smtpcodes")
    except metadata.PackageNotFoundError:
        return "0"


def _components() -> dict[str, Any]:
    types: list[Any] = [struct_type(CodeInfo), struct_type(Comparison), struct_type(Explanation)]
    types.append(ExplainRequest)
    try:
        from smtpcodes.search import SearchHit

        types.append(struct_type(SearchHit))
    except ImportError:
        pass
    _, components = msgspec.json.schema_components(types, ref_template=_REF)
    components.setdefault("SearchHit", _SEARCH_HIT_FALLBACK)
    return dict(components)


def _document(name: str, item: str, many: bool) -> dict[str, Any]:
    head: dict[str, Any] = {
        "type": "object",
        "properties": {"schema": {"const": f"smtpcodes/{name}@1"}},
        "required": ["schema"],
    }
    ref = {"$ref": _REF.format(name=item)}
    if many:
        head["properties"]["items"] = {"type": "array", "items": ref}
        head["required"].append("items")
        return head
    return {"allOf": [head, ref]}


def _responses(
    texts: dict[str, Any], name: str, item: str, many: bool, errors: Sequence[int], get: bool
) -> dict[str, Any]:
    said = texts["responses"]
    problem = {"$ref": _REF.format(name="Problem")}
    ok: dict[str, Any] = {
        "description": said["200"],
        "content": {"application/json": {"schema": _document(name, item, many)}},
    }
    if get:
        ok["headers"] = {
            "ETag": {"schema": {"type": "string"}},
            "Cache-Control": {"schema": {"type": "string"}},
        }
    out: dict[str, Any] = {"200": ok}
    if get:
        out["304"] = {"description": said["304"]}
    for status in errors:
        out[str(status)] = {
            "description": said[str(status)],
            "content": {MEDIA_TYPE: {"schema": problem}},
        }
    return out


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The document FastAPI serves at ``/api/v1/openapi.json`` (built once)."""
    if app.openapi_schema is not None:
        return app.openapi_schema
    texts = _texts()
    schema = get_openapi(
        title=texts["title"],
        version=_version(),
        description=texts["description"].strip(),
        routes=app.routes,
    )
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas.update(_components())
    schemas["Problem"] = {**PROBLEM_SCHEMA, "description": texts["schemas"]["Problem"]}
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            name, item, many, errors = _OPERATIONS[operation["operationId"]]
            operation.update(texts["operations"][operation["operationId"]])
            operation["responses"] = _responses(texts, name, item, many, errors, method == "get")
            for parameter in operation.get("parameters", ()):
                parameter["description"] = texts["parameters"][parameter["name"]]
    app.openapi_schema = schema
    return schema
