"""/openapi.json describes the API as it answers: typed success bodies, and for every operation
the error statuses it can return with the one `ErrorOut` body."""

from __future__ import annotations

from typing import Any

ERROR_REF = "#/components/schemas/ErrorOut"
UNKEYED = {"/healthz", "/readyz"}


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def schema_of(response: dict[str, Any]) -> dict[str, Any]:
    return dict(response.get("content", {}).get("application/json", {}).get("schema", {}))


def test_every_keyed_operation_documents_its_errors_with_the_error_body(api):
    doc = api.client.get("/openapi.json").json()
    for method, path, op in operations(doc):
        if path in UNKEYED:
            continue
        statuses = set(op["responses"])
        assert {"401", "403", "413", "422", "429"} <= statuses, (method, path, statuses)
        for status, response in op["responses"].items():
            if status.startswith("4"):
                assert schema_of(response) == {"$ref": ERROR_REF}, (method, path, status)


def test_no_operation_documents_the_frameworks_validation_body(api):
    doc = api.client.get("/openapi.json").json()
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_every_success_body_is_typed(api):
    doc = api.client.get("/openapi.json").json()
    for method, path, op in operations(doc):
        ok = [r for status, r in op["responses"].items() if status.startswith("2")]
        assert ok, (method, path)
        for response in ok:
            csv = response.get("content", {}).get("text/csv", {}).get("schema", {})
            if csv == {"type": "string"}:  # a CSV answer (the stock export) is text
                continue
            schema = schema_of(response)
            listed = schema.get("type") == "array" and "$ref" in schema["items"]
            typed = "$ref" in schema or listed
            if path in UNKEYED:
                typed = schema.get("type") == "object"
            assert typed, (method, path, schema)


def test_the_error_body_names_its_code_specific_fields(api):
    error = api.client.get("/openapi.json").json()["components"]["schemas"]["ErrorOut"]
    assert {"error", "detail", "fields", "shortfalls", "refusals"} <= set(error["properties"])
