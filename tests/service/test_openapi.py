"""The OpenAPI document at ``/openapi.json`` describes what the service does: every operation
is called with generated requests, and every answer must be documented (status, media type,
body schema) and never a server error."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from registry.service.problems import PROBLEM_MEDIA_TYPE
from tests.service.conftest import SharedService


@schemathesis.serializer("application/vc+jwt", "application/jose")
def _compact_jws(ctx: Any, value: Any) -> bytes:
    """The JWS media types are text: a generated string is sent as its bytes."""
    return value.encode("utf-8") if isinstance(value, str) else bytes(str(value), "utf-8")


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_answers_as_documented(
    shared_service: SharedService, mode: GenerationMode
) -> None:
    """Generated requests, schema-valid (positive) and not (negative), to every operation;
    each answer is checked against the document by schemathesis (no 5xx, a documented status,
    media type, headers and body, a negative request refused). A schema-valid request may
    still be refused: no schema says which bytes are a genuinely signed credential, or which
    index lies inside the log, so that check is left out."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", shared_service.client.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 19
    for operation in operations:
        has_input = (
            any(operation.iter_parameters()) or operation.get_request_payload_content_types()
        )
        if mode is GenerationMode.NEGATIVE and not has_input:
            continue

        @given(operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=8,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case: Any) -> None:
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        try:
            answers_as_documented()
        except Unsatisfiable:
            if mode is GenerationMode.NEGATIVE:
                continue  # every request the operation can be sent is schema-valid
            raise
        except Exception as exc:
            exc.add_note(f"operation: {operation.label}")
            raise


def _document(shared_service: SharedService) -> dict[str, Any]:
    response = shared_service.client.get("/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.json()
    return document


def test_every_error_response_is_a_problem(shared_service: SharedService) -> None:
    for path, operations in _document(shared_service)["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                assert set(response["content"]) == {PROBLEM_MEDIA_TYPE}, (method, path, status)
                schema_ref = response["content"][PROBLEM_MEDIA_TYPE]["schema"]["$ref"]
                assert schema_ref == "#/components/schemas/ProblemDocument"


def test_request_bodies_have_examples(shared_service: SharedService) -> None:
    document = _document(shared_service)
    components = document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body is None:
                continue
            for media_type, content in body["content"].items():
                schema_doc = content["schema"]
                if "$ref" in schema_doc:
                    schema_doc = components[schema_doc["$ref"].rsplit("/", 1)[1]]
                assert "example" in content or schema_doc.get("examples"), (
                    method,
                    path,
                    media_type,
                )
