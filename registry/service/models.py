"""Request and response documents of the HTTP API, for validation and for ``/openapi.json``.

Responses are built by the registry's own ``to_json`` methods (the same documents the CLI prints
with ``--json``); the response models here describe them for the OpenAPI document, and the API
tests check every response against it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from schemas.errors import MalformedDocument
from schemas.instants import parse_instant

__all__ = [
    "ConsistencyProofDocument",
    "CredentialRecord",
    "CredentialStatusView",
    "GovernanceReceipt",
    "Health",
    "InclusionProofDocument",
    "LogEvidenceDocument",
    "RecognizeRequest",
    "ReportDocument",
    "SubmittedBatch",
    "SubmittedCredential",
    "VerifyRequest",
]

MAX_JWS_CHARS = 100_000
"""A compact JWS with the largest payload the verifier reads (64 KiB) and header (2 KiB)."""
EXAMPLE_UUID = "5f0c6f0e-4a52-4f39-9f55-0d6a3c9d2b11"
EXAMPLE_ID = f"urn:uuid:{EXAMPLE_UUID}"
EXAMPLE_JWS = "eyJhbGciOiJFZERTQSIsImN0eSI6InZjIiwia2lkIjoi…In0.eyJAY29udGV4dCI6…fQ.c2lnbmF0dXJl…"
EXAMPLE_CHECKPOINT = (
    "skillcert.example/log\n42\nqGnbHgjbPPLvMnXHhbpADKuGjXEuYb2Y5dMtKLbCwHc=\n\n"
    "— skillcert.example/log Az3grkPz2A1SBXe5PvVFNXEL40/E1N9EWIx2KQx60Ikp1sEKoVShaEl7bWg8T8CJjD…\n"
)
EXAMPLE_EVIDENCE: dict[str, Any] = {
    "entry": {
        "body": {
            "credential_id": EXAMPLE_ID,
            "framework": "CN-VQ-5",
            "issued_on": "2024-06-18",
            "issuer": "urn:skillcert:issuer:demo-guangzhou-appraisal",
            "jws_sha256": "9f2b…",
            "kid": "urn:skillcert:issuer:demo-guangzhou-appraisal#su-kxlQ6C4eDRRaequH23uh4…",
            "level": "4",
            "occupation": "6-31-01-03",
            "occupation_edition": "CN-OC-2022",
            "status": [
                {
                    "purpose": "revocation",
                    "list": "https://registry.example/v1/status/1-revocation",
                    "index": 8121,
                },
                {
                    "purpose": "suspension",
                    "list": "https://registry.example/v1/status/1-suspension",
                    "index": 8121,
                },
            ],
        },
        "kind": "issuance",
        "prev": "3c1f…",
        "ts": 1767225600000,
        "v": 1,
    },
    "index": 41,
    "size": 42,
    "proof": ["5d2a…", "e0b7…"],
    "checkpoint": EXAMPLE_CHECKPOINT,
}


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected a string")
    return value


def _uuid(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(_text(value))
    except ValueError:
        raise ValueError("expected a UUID") from None


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return parse_instant(value, "at")
    except MalformedDocument as exc:
        raise ValueError(exc.message) from None


def _present(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A member may be left out, never sent as ``null``: the schema says so, and a client that
    sends ``null`` has most likely lost a value it meant to send. Each optional member is read
    whole here, so a wrong value is reported at the member's own name."""

    def check(value: Any) -> Any:
        if value is None:
            raise ValueError("leave the member out instead of sending null")
        return read(value)

    return check


class VerifyRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [{"required": ["jws"]}, {"required": ["id"]}],
            "examples": [
                {"id": EXAMPLE_UUID},
                {"jws": EXAMPLE_JWS, "target": "HKQF", "at": "2026-01-01T00:00:00Z"},
            ],
        },
    )

    jws: str | SkipJsonSchema[None] = Field(
        None,
        min_length=1,
        max_length=MAX_JWS_CHARS,
        description="The credential as a compact JWS (`application/vc+jwt`)",
    )
    id: uuid.UUID | SkipJsonSchema[None] = Field(
        None,
        description="Or the UUID of a credential the registry holds",
    )
    target: str | SkipJsonSchema[None] = Field(
        None,
        min_length=1,
        max_length=64,
        description="Framework to express the level in (adds the `recognition` check)",
    )
    at: AwareDatetime | SkipJsonSchema[None] = Field(
        None,
        description="Verify as of this RFC 3339 time (default now)",
    )

    _jws = field_validator("jws", "target", mode="before")(_present(_text))
    _id = field_validator("id", mode="before")(_present(_uuid))
    _at = field_validator("at", mode="before")(_present(_instant))

    @model_validator(mode="after")
    def _one_credential(self) -> VerifyRequest:
        if (self.jws is None) == (self.id is None):
            raise ValueError("give exactly one of jws and id")
        return self


class RecognizeRequest(VerifyRequest):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [{"required": ["jws"]}, {"required": ["id"]}],
            "examples": [{"id": EXAMPLE_UUID, "target": "HKQF"}],
        },
    )

    target: str = Field(
        min_length=1, max_length=64, description="Framework to express the level in"
    )


class LogEvidenceDocument(BaseModel):
    """The evidence `skillcert issue` writes beside each credential (docs/log-format.md)."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE_EVIDENCE]})

    entry: dict[str, Any]
    index: int
    size: int
    proof: list[str]
    checkpoint: str


class SubmittedCredential(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_ID,
                    "created": True,
                    "location": f"/v1/credentials/{EXAMPLE_UUID}",
                    "log": EXAMPLE_EVIDENCE,
                }
            ]
        }
    )

    id: str = Field(description="The credential's `urn:uuid` id")
    created: bool = Field(description="false: the same credential was in the log already")
    location: str
    log: LogEvidenceDocument


class SubmittedBatch(BaseModel):
    items: list[SubmittedCredential] = Field(description="In the order submitted")


class CredentialStatusView(BaseModel):
    status: Literal["active", "revoked", "suspended"]
    reason: str | None = Field(description="Reason code of the last change (governance.md)")
    since: str | None = Field(description="When the last change took effect")


class CredentialRecord(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_ID,
                    "issuer": "urn:skillcert:issuer:demo-guangzhou-appraisal",
                    "jws": EXAMPLE_JWS,
                    "status": {
                        "status": "revoked",
                        "reason": "fraudulent",
                        "since": "2026-02-01T09:30:00.000Z",
                    },
                    "log": EXAMPLE_EVIDENCE,
                }
            ]
        }
    )

    id: str
    issuer: str
    jws: str
    status: CredentialStatusView
    log: LogEvidenceDocument


class CheckDocument(BaseModel):
    check: str
    ok: bool | None
    code: str
    message: str
    messages: dict[str, str]


class ReportDocument(BaseModel):
    """The verification report, exactly as `skillcert verify --json` prints it (DESIGN §6)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "result": "valid",
                    "credential_id": EXAMPLE_ID,
                    "issuer": {
                        "id": "urn:skillcert:issuer:demo-guangzhou-appraisal",
                        "name": "广州市示范职业技能鉴定中心（演示）",
                        "kid": "urn:skillcert:issuer:demo-guangzhou-appraisal#su-kxlQ6C4e…",
                    },
                    "occupation": {"code": "6-31-01-03", "edition": "CN-OC-2022", "name": "电工"},
                    "level": {"framework": "CN-VQ-5", "code": "4", "name": "中级工"},
                    "holder": {"name": "陈示范"},
                    "certificate_number": "Y100044440101244000001",
                    "valid_from": "2024-06-17T16:00:00Z",
                    "valid_until": None,
                    "checks": [
                        {
                            "check": "signature",
                            "ok": True,
                            "code": "signature.ok",
                            "message": "Ed25519 signature verifies",
                            "messages": {"en": "…", "zh-Hans": "…", "zh-Hant": "…"},
                        }
                    ],
                    "trust_bundle": {
                        "issued_at": "2026-01-01T00:00:00Z",
                        "age_seconds": 12,
                        "max_age_seconds": 86400,
                        "stale": False,
                    },
                }
            ]
        },
    )

    result: Literal["valid", "invalid", "cannot_tell"]
    credential_id: str | None
    issuer: dict[str, Any] | None
    occupation: dict[str, Any] | None
    level: dict[str, Any] | None
    holder: dict[str, Any] | None
    certificate_number: str | None
    valid_from: str | None
    valid_until: str | None
    checks: list[CheckDocument]
    trust_bundle: dict[str, Any] | None
    recognition: dict[str, Any] | None = None
    mappings: list[dict[str, Any]] | None = Field(
        None, description="`POST /v1/recognize` only: the mappings between the two frameworks"
    )


class InclusionProofDocument(BaseModel):
    """As `skillcert log prove --index N --json` prints it; hashes in lowercase hex."""

    index: int
    size: int
    leaf_hash: str
    proof: list[str]
    root: str


class ConsistencyProofDocument(BaseModel):
    """As `skillcert log prove --old A --new B --json` prints it."""

    old: int
    new: int
    old_root: str
    new_root: str
    proof: list[str]


class GovernanceReceipt(BaseModel):
    kind: str = Field(description="The change's `type`, now the log entry's `kind`")
    index: int
    log: LogEvidenceDocument


class Health(BaseModel):
    status: Literal["ok"]
    log_size: int
