"""``verify_credential``: the one verification function behind the CLI, the API and the page.

Pure: bytes, trusted keys and an explicit ``now`` in, a ``VerificationReport`` out; no clock,
file, database or network is read. Checks run in order and each later check is marked
not-checked (``ok: None``) when an earlier one it depends on failed.

Signatures are checked with pyjwt's EdDSA algorithm (backed by ``cryptography``) on the signing
input this module has already parsed strictly; pyjwt's own ``PyJWS.decode`` is not used because
it re-parses the token with a per-character Python loop that costs more than the Ed25519
verification itself (profile in docs/PERFORMANCE.md).
"""

from __future__ import annotations

from datetime import datetime

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from schemas.credential import SkillCredential, format_instant, read_credential
from schemas.errors import SchemaError
from schemas.frameworks import builtin_framework
from schemas.log_entry import LogEvidence
from verifier.errors import CheckFailed, VerifierError
from verifier.jws import ParsedJws, parse_compact_jws
from verifier.logged import check_logged
from verifier.report import CheckResult, VerificationReport
from verifier.trust import TrustedKey, TrustedKeys

__all__ = ["CHECKS", "verify_credential"]

CHECKS = ("format", "signature", "issuer_known", "validity_period", "logged")
_EDDSA = jwt.get_algorithm_by_name("EdDSA")


def _read(parsed: ParsedJws) -> SkillCredential:
    try:
        credential = read_credential(parsed.payload)
        builtin_framework(credential.claims.framework).level(credential.claims.level_code)
    except SchemaError as exc:
        raise CheckFailed("format", "format.credential", str(exc)) from exc
    return credential


def _trusted_key(parsed: ParsedJws, credential: SkillCredential, keys: TrustedKeys) -> TrustedKey:
    key = keys.get(parsed.kid)
    if key is None:
        raise CheckFailed(
            "issuer_known", "issuer_known.unknown_kid", f"no trusted key {parsed.kid}"
        )
    if key.issuer_id != credential.issuer_id:
        raise CheckFailed(
            "issuer_known",
            "issuer_known.issuer_mismatch",
            f"key {parsed.kid} belongs to {key.issuer_id}, credential names {credential.issuer_id}",
        )
    return key


def _check_signature(parsed: ParsedJws, public_key: Ed25519PublicKey) -> None:
    if not _EDDSA.verify(parsed.signing_input, public_key, parsed.signature):
        raise CheckFailed("signature", "signature.invalid", "signature does not verify")


def _check_validity(credential: SkillCredential, now: datetime) -> None:
    if now < credential.valid_from:
        raise CheckFailed(
            "validity_period",
            "validity_period.not_yet_valid",
            f"not valid before {format_instant(credential.valid_from)}",
        )
    if credential.valid_until is not None and now > credential.valid_until:
        raise CheckFailed(
            "validity_period",
            "validity_period.expired",
            f"expired at {format_instant(credential.valid_until)}",
        )


def _passed(check: str, message: str) -> CheckResult:
    return CheckResult(check, True, f"{check}.ok", message)


def _report(
    results: dict[str, CheckResult], credential: SkillCredential | None, kid: str | None
) -> VerificationReport:
    checks = tuple(
        results.get(name) or CheckResult(name, None, f"{name}.not_checked", "not checked")
        for name in CHECKS
    )
    return VerificationReport(checks=checks, credential=credential, kid=kid)


def verify_credential(
    token: bytes | str,
    keys: TrustedKeys,
    now: datetime,
    evidence: LogEvidence | None = None,
) -> VerificationReport:
    """Verify a compact-JWS credential against ``keys`` at instant ``now`` (timezone-aware), and
    that ``evidence`` proves it is in a log whose key ``keys`` trusts.

    Never raises for anything in ``token`` or ``evidence``: every defect is a failed check in the
    report; without evidence the ``logged`` check is not made, so the result cannot be
    ``valid``. Raises ``VerifierError`` only when called wrongly (naive ``now``).
    """
    if now.tzinfo is None:
        raise VerifierError("now must be timezone-aware")
    raw = token.encode("utf-8", "replace") if isinstance(token, str) else token
    results: dict[str, CheckResult] = {}
    credential: SkillCredential | None = None
    parsed: ParsedJws | None = None
    try:
        parsed = parse_compact_jws(raw)
        credential = _read(parsed)
        results["format"] = _passed("format", "well-formed VC-JOSE credential")
        key = _trusted_key(parsed, credential, keys)
        results["issuer_known"] = _passed("issuer_known", f"signed with trusted key {key.kid}")
        _check_signature(parsed, key.public_key)
        results["signature"] = _passed("signature", "Ed25519 signature verifies")
        _check_validity(credential, now)
        results["validity_period"] = _passed("validity_period", "within its validity period")
        logged = check_logged(raw, credential, key.kid, evidence, keys.log_keys)
        results["logged"] = _passed("logged", logged)
    except CheckFailed as failure:
        ok = None if failure.cannot_tell else False
        results[failure.check] = CheckResult(failure.check, ok, failure.code, failure.message)
    return _report(results, credential, parsed.kid if parsed else None)
