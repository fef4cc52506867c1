"""The OpenAPI document, and schemathesis checking the API against it (in-process)."""

from __future__ import annotations

import re

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from starlette.testclient import TestClient

from smtpcodes.web import Settings, create_app
from smtpcodes.web._api import CODE_PATTERN

APP = create_app(Settings(base_url="https://smtp.example.org"))
SCHEMA = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


@SCHEMA.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)
def test_api_conforms_to_its_openapi_document(case):
    excluded = []
    if case.operation.path == "/api/v1/explain":
        # Schema-valid text that is not an SMTP reply ("0") gets 422 by design: the reply
        # grammar (RFC 5321 section 4.2, one code per multi-line reply) is beyond JSON Schema.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(excluded_checks=excluded)


def document() -> dict:
    with TestClient(APP) as client:
        response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_document_describes_every_operation():
    doc = document()
    assert doc["openapi"].startswith("3.")
    operations = {
        (path, method): op for path, item in doc["paths"].items() for method, op in item.items()
    }
    assert set(operations) == {
        ("/api/v1/codes", "get"),
        ("/api/v1/codes/{code}", "get"),
        ("/api/v1/compare", "get"),
        ("/api/v1/explain", "post"),
        ("/api/v1/search", "get"),
    }
    for op in operations.values():
        assert op["summary"]
        assert op["description"]
        for status, response in op["responses"].items():
            assert response["description"]
            if status.startswith(("4", "5")):
                assert list(response["content"]) == ["application/problem+json"]
        for parameter in op.get("parameters", ()):
            assert parameter["description"]


def test_path_and_query_codes_are_constrained_by_patterns():
    doc = document()
    code = doc["paths"]["/api/v1/codes/{code}"]["get"]["parameters"][0]
    assert code["in"] == "path"
    assert code["schema"]["pattern"] == CODE_PATTERN
    pattern = re.compile(CODE_PATTERN)
    for good in ("535", "5.7.8", "X.7.8", "x.7.8", "5xx", "5.X.X", "X.7.X"):
        assert pattern.match(good), good
    for bad in ("53", "6.1.1", "abc", "5.7", "1xx", "X.9.X", "../535"):
        assert not pattern.match(bad), bad
    compare = doc["paths"]["/api/v1/compare"]["get"]["parameters"]
    assert all(p["schema"]["pattern"] == CODE_PATTERN for p in compare if p["name"] in "ab")


def test_documents_reference_the_result_schemas():
    doc = document()
    schemas = doc["components"]["schemas"]
    for name in ("CodeInfo", "Comparison", "Explanation", "SearchHit", "ExplainRequest", "Problem"):
        assert name in schemas
    assert "HTTPValidationError" not in schemas
    ok = doc["paths"]["/api/v1/codes/{code}"]["get"]["responses"]["200"]
    schema = ok["content"]["application/json"]["schema"]
    assert {"$ref": "#/components/schemas/CodeInfo"} in schema["allOf"]
    body = doc["paths"]["/api/v1/explain"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/ExplainRequest"}
    assert schemas["ExplainRequest"]["additionalProperties"] is False
