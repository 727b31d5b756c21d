"""The project's JSON Schema for credentials, shipped as data (``data/skill-credential-v1...``)."""

from __future__ import annotations

from importlib import resources
from typing import Any

from schemas.strict_json import parse_strict_json

__all__ = ["SKILL_CREDENTIAL_SCHEMA_FILE", "skill_credential_schema"]

SKILL_CREDENTIAL_SCHEMA_FILE = "skill-credential-v1.schema.json"


def skill_credential_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) that ``credentialSchema`` in every credential names."""
    resource = resources.files("schemas").joinpath("data", SKILL_CREDENTIAL_SCHEMA_FILE)
    document: dict[str, Any] = parse_strict_json(
        resource.read_bytes(), limit=1 << 20, what=SKILL_CREDENTIAL_SCHEMA_FILE
    )
    return document
