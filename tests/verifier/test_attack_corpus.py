"""Every token of the attack corpus is rejected with its expected code; the control passes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.governance import IssuerRecord
from schemas.jwk import split_kid
from schemas.key_lifecycle import KeyRecord
from tests.conftest import (
    CORPUS_ISSUER_NAME,
    VECTORS,
    MemoryLog,
    accredited_everywhere,
    trust_for,
)
from verifier import Result, verify_credential
from verifier.report import compact_json

CORPUS = json.loads((VECTORS / "attacks" / "corpus.json").read_text(encoding="utf-8"))
_SINCE = datetime(2000, 1, 1, tzinfo=UTC)


def _issuer(jwk: dict[str, str]) -> IssuerRecord:
    issuer_id = split_kid(jwk["kid"])[0]
    public = {name: jwk[name] for name in ("kty", "crv", "x")}
    return accredited_everywhere(
        issuer_id, KeyRecord(jwk["kid"], public, _SINCE), CORPUS_ISSUER_NAME
    )


KEYS = trust_for(issuers=tuple(_issuer(jwk) for jwk in CORPUS["jwks"]["keys"]))
NOW = datetime.fromisoformat(CORPUS["now"])


def test_corpus_covers_the_required_attacks() -> None:
    codes = {case["code"] for case in CORPUS["cases"]}
    assert {
        "format.alg_not_allowed",
        "format.crit",
        "format.duplicate_key",
        "format.too_large",
        "format.typ",
        "format.cty",
        "issuer_known.unknown_kid",
        "validity_period.expired",
        "validity_period.not_yet_valid",
        "signature.invalid",
    } <= codes
    names = {case["name"] for case in CORPUS["cases"]}
    assert {"alg_none", "alg_hs256_public_key", "alg_rs256", "tampered_payload"} <= names


@pytest.mark.parametrize("case", CORPUS["cases"], ids=[c["name"] for c in CORPUS["cases"]])
def test_case(case: dict[str, Any], memory_log: MemoryLog) -> None:
    report = verify_credential(case["token"], KEYS, NOW)
    assert report.to_json_bytes() == compact_json(report.to_json())
    if case["code"] is None:
        assert report.result is Result.CANNOT_TELL, report.to_json()
        keys = trust_for(issuers=tuple(KEYS.issuers.values()), log_keys=(memory_log.verifier_key,))
        evidence = memory_log.record(case["token"])
        logged = verify_credential(case["token"], keys, NOW, evidence)
        # The corpus predates status entries: with log evidence, status is all that is unknown.
        unsettled = [check.code for check in logged.checks if check.ok is not True]
        assert unsettled == ["status.no_entry"], logged.to_json()
        return
    assert report.result is Result.INVALID
    failed = [check for check in report.checks if check.ok is False]
    assert [(f.check, f.code) for f in failed] == [(case["check"], case["code"])]
    assert failed[0].message
