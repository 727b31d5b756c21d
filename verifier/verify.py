"""``verify_credential``: the one verification function behind the CLI, the API and the page.

Pure: bytes, a verified trust bundle and an explicit ``now`` in, a ``VerificationReport`` out;
no clock, file, database or network is read. Every check of DESIGN §4 is reported, in a fixed
order; a check that depends on one that failed is marked not-checked (``ok: None``).

The log evidence is examined first, although reported after the checks that use it, because the
time it proves (the issuance entry's timestamp) is the time the key window, the issuer's status
and the scope are judged at. Without evidence they are judged at the credential's ``validFrom``,
the issuer's own word, and the report cannot be ``valid`` anyway.

Signatures are checked with pyjwt's EdDSA algorithm (backed by ``cryptography``) on the signing
input this module has already parsed strictly; pyjwt's own ``PyJWS.decode`` is not used because
it re-parses the token with a per-character Python loop that costs more than the Ed25519
verification itself (profile in docs/PERFORMANCE.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from schemas.credential import (
    CredentialClaims,
    SkillCredential,
    date_from_instant,
    format_instant,
    read_credential,
)
from schemas.errors import SchemaError
from schemas.governance import IssuerRecord
from schemas.instants import format_instant_ms
from schemas.jwk import parse_ed25519_public_jwk
from schemas.key_lifecycle import KeyRecord, key_decision
from schemas.log_entry import LogEvidence
from schemas.note import Checkpoint
from schemas.occupations import OccupationTable, builtin_occupation_table
from schemas.recognition import RecognitionAnswer, recognize
from schemas.scope import ScopeDecision, check_scope
from schemas.status_list import REVOCATION
from schemas.trust_bundle import StatusList, TrustBundle
from verifier.errors import CheckFailed, VerifierError
from verifier.jws import ParsedJws, parse_compact_jws
from verifier.logged import LoggedAt, check_checkpoint, check_inclusion
from verifier.report import CheckResult, TrustAge, VerificationReport

__all__ = ["CHECKS", "DEFAULT_MAX_AGE", "RECOGNITION", "recognize_credential", "verify_credential"]

CHECKS = (
    "format",
    "signature",
    "issuer_known",
    "key_valid_at_issuance",
    "issuer_in_scope",
    "status",
    "checkpoint_signature",
    "log_inclusion",
    "validity_period",
)
RECOGNITION = "recognition"
DEFAULT_MAX_AGE = timedelta(days=1)
"""A bundle (and the status lists in it) older than this gives ``status.stale``: a revocation
made since could be missing. One day matches a verifier that refreshes its bundle daily."""

_EDDSA = jwt.get_algorithm_by_name("EdDSA")
_PUBLIC_KEYS: dict[str, Ed25519PublicKey] = {}


def _public_key(record: KeyRecord) -> Ed25519PublicKey:
    """Keys are loaded once per process: loading costs a fifth of a verification."""
    key = _PUBLIC_KEYS.get(record.kid)
    if key is None:
        key = Ed25519PublicKey.from_public_bytes(parse_ed25519_public_jwk(record.jwk))
        if len(_PUBLIC_KEYS) < 65_536:
            _PUBLIC_KEYS[record.kid] = key
    return key


def _passed(check: str, message: str | Callable[[], str], **params: str) -> CheckResult:
    return CheckResult(check, True, f"{check}.ok", message, params)


# Passed checks that say nothing about the credential are the same every time.
_FORMAT_OK = CheckResult("format", True, "format.ok", "well-formed VC-JOSE credential")
_SIGNATURE_OK = CheckResult("signature", True, "signature.ok", "Ed25519 signature verifies")
_VALIDITY_OK = CheckResult(
    "validity_period", True, "validity_period.ok", "within its validity period"
)


def _read(parsed: ParsedJws, trust: TrustBundle) -> SkillCredential:
    try:
        credential = read_credential(parsed.payload)
        claims = credential.claims
        level = trust.framework(claims.framework).level(claims.level_code)
    except SchemaError as exc:
        raise CheckFailed("format", "format.credential", str(exc)) from exc
    wrong = _wrong_names(claims, level.name)
    if wrong:
        raise CheckFailed("format", "format.credential", f"{wrong} is not the one its code has")
    return credential


def _wrong_names(claims: CredentialClaims, level_names: Mapping[str, str]) -> str:
    """Which name the credential states differently from the authority's: a reader is shown
    the names, and a level or occupation name that disagrees with its code would have an
    issuer accredited for one thing print another. The level's names are the framework's in
    the bundle; the occupation's Chinese name is checked where the verifier ships the
    classification edition and it lists the code (its English names are descriptive, not
    official, so they are not held against anyone)."""
    if claims.level_name != level_names.get("zh-Hans"):
        return f"level name {claims.level_name!r}"
    if claims.level_name_en != level_names.get("en"):
        return f"level name {claims.level_name_en!r}"
    table = _classification(claims.occupation_edition)
    known = table.get(claims.occupation_code) if table is not None else None
    if known is not None and claims.occupation_name != known.name_zh:
        return f"occupation name {claims.occupation_name!r}"
    return ""


@lru_cache(maxsize=16)
def _classification(edition: str) -> OccupationTable | None:
    try:
        return builtin_occupation_table(edition)
    except SchemaError:
        return None


def _issuer_and_key(
    parsed: ParsedJws, credential: SkillCredential, trust: TrustBundle
) -> tuple[IssuerRecord, KeyRecord]:
    record = trust.keys.get(parsed.kid)
    if record is None:
        raise CheckFailed(
            "issuer_known",
            "issuer_known.unknown_kid",
            f"no trusted key {parsed.kid}",
            params={"kid": parsed.kid},
        )
    if record.issuer_id != credential.issuer_id:
        raise CheckFailed(
            "issuer_known",
            "issuer_known.issuer_mismatch",
            f"key {parsed.kid} belongs to {record.issuer_id}, credential names "
            f"{credential.issuer_id}",
            params={"kid": parsed.kid, "issuer": credential.issuer_id},
        )
    issuer = trust.issuers.get(credential.issuer_id)
    if issuer is None:
        raise CheckFailed(
            "issuer_known",
            "issuer_known.unknown_issuer",
            f"{credential.issuer_id} is not in the directory",
            params={"issuer": credential.issuer_id},
        )
    if credential.issuer_name != issuer.name:
        raise CheckFailed(
            "issuer_known",
            "issuer_known.name_mismatch",
            f"the credential names its issuer {credential.issuer_name!r}, the directory "
            f"{issuer.name!r}",
            params={"issuer": issuer.name, "stated": credential.issuer_name},
        )
    return issuer, record


def _check_signature(parsed: ParsedJws, record: KeyRecord) -> None:
    if not _EDDSA.verify(parsed.signing_input, _public_key(record), parsed.signature):
        raise CheckFailed("signature", "signature.invalid", "signature does not verify")


def _check_key(
    record: KeyRecord, credential: SkillCredential, logged: LoggedAt | None
) -> CheckResult:
    """Without log evidence the window is judged at ``validFrom``, the issuer's own word, so a
    miss then is cannot-tell, not invalid: the log evidence settles it either way."""
    decision = key_decision(
        record, signed_at=credential.valid_from, logged_at=logged.at if logged else None
    )
    if decision.ok is True:
        return _passed("key_valid_at_issuance", decision.message, kid=record.kid)
    times = {
        "valid_from": format_instant_ms(record.valid_from),
        "valid_until": format_instant_ms(record.valid_until) if record.valid_until else "",
        "compromised_at": format_instant_ms(record.compromised_at) if record.compromised_at else "",
    }
    code = "key_valid_at_issuance." + decision.code.removeprefix("key.")
    raise CheckFailed(
        "key_valid_at_issuance",
        code,
        decision.message,
        cannot_tell=decision.ok is None or logged is None,
        params={"kid": record.kid, **times},
    )


_ScopeAnswer = tuple[ScopeDecision, str, str]
_SCOPE_MEMO: dict[int, tuple[IssuerRecord, dict[tuple[str, str, str, str], _ScopeAnswer]]] = {}
_SCOPE_MEMO_ISSUERS = 256
_SCOPE_MEMO_ANSWERS = 4096
"""Per issuer: a long-running service meets a new day every day, so the answers kept are
bounded too."""


def _scope_decision(issuer: IssuerRecord, claims: CredentialClaims, day: str) -> _ScopeAnswer:
    """The scope decision with its period and levels as text, kept per issuer record for each
    occupation, level and day: a batch shares a handful of them, and deciding walks every scope
    pattern. Records are immutable and the memo holds the record it is keyed by, so its ``id``
    cannot be reused while the entry lives."""
    held = _SCOPE_MEMO.get(id(issuer))
    if held is None or held[0] is not issuer:
        if len(_SCOPE_MEMO) >= _SCOPE_MEMO_ISSUERS:
            _SCOPE_MEMO.clear()
        held = _SCOPE_MEMO[id(issuer)] = (issuer, {})
    key = (claims.occupation_code, claims.framework, claims.level_code, day)
    answer = held[1].get(key)
    if answer is None:
        if len(held[1]) >= _SCOPE_MEMO_ANSWERS:
            held[1].clear()
        decision = check_scope(
            issuer.scopes,
            occupation_code=claims.occupation_code,
            framework=claims.framework,
            level=claims.level_code,
            on=date.fromisoformat(day),
        )
        scope = decision.scope
        answer = held[1][key] = (
            decision,
            scope.period if scope else "",
            ", ".join(sorted(scope.levels)) if scope else "",
        )
    return answer


def _check_scope(
    issuer: IssuerRecord, credential: SkillCredential, at: datetime, proven: bool
) -> CheckResult:
    """Judged at ``at``: the log time when ``proven``, else ``validFrom``, the issuer's word, at
    which a miss is cannot-tell rather than invalid (as for the key window)."""
    status = issuer.status_at(at)
    day = date_from_instant(at).isoformat()
    if status != "active":
        since = max(change.at for change in issuer.status_changes if change.at <= at)
        raise CheckFailed(
            "issuer_in_scope",
            f"issuer_in_scope.{status}",
            f"{issuer.id} was {status} at {format_instant(at)} (since {format_instant(since)})",
            cannot_tell=not proven,
            params={"date": day, "since": date_from_instant(since).isoformat()},
        )
    claims = credential.claims
    decision, period, levels = _scope_decision(issuer, claims, day)
    scope = decision.scope
    params = {
        "occupation": f"{claims.occupation_name} {claims.occupation_code}",
        "level": f"{claims.level_name} ({claims.framework} {claims.level_code})",
        "period": period,
        "levels": levels,
        "date": day,
        "scope_from": scope.valid_from.isoformat() if scope else "",
        "scope_until": scope.valid_until.isoformat() if scope and scope.valid_until else "",
    }
    if not decision.ok:
        code = "issuer_in_scope." + decision.code.removeprefix("scope.")
        raise CheckFailed(
            "issuer_in_scope", code, decision.message, cannot_tell=not proven, params=params
        )
    return CheckResult("issuer_in_scope", True, "issuer_in_scope.ok", decision.message, params)


def _status_list(
    trust: TrustBundle, fetched: Mapping[tuple[str, str], StatusList], key: tuple[str, str]
) -> StatusList | None:
    """The newer of the list fetched separately and the bundle's: an old fetched copy must not
    hide a revocation the bundle already carries, nor another list handed in under this one's
    URL and purpose."""
    newest = None
    for item in (fetched.get(key), trust.status_lists.get(key)):
        if (
            item is not None
            and (item.url, item.purpose) == key
            and (newest is None or item.valid_from > newest.valid_from)
        ):
            newest = item
    return newest


def _check_status(
    credential: SkillCredential,
    trust: TrustBundle,
    fresher: Mapping[tuple[str, str], StatusList],
    now: datetime,
    max_age: timedelta | None,
) -> CheckResult:
    entries = credential.claims.status
    if not entries:
        raise CheckFailed(
            "status",
            "status.no_entry",
            "the credential carries no credentialStatus",
            cannot_tell=True,
        )
    checked: list[str] = []
    for entry in entries:
        found = _status_list(trust, fresher, (entry.status_list_credential, entry.status_purpose))
        if found is None:
            raise CheckFailed(
                "status",
                "status.list_unavailable",
                f"no {entry.status_purpose} list {entry.status_list_credential}",
                cannot_tell=True,
            )
        when = _list_time(found.valid_from)
        if entry.status_list_index >= len(found.bits):
            raise CheckFailed(
                "status",
                "status.list_invalid",
                f"index {entry.status_list_index} is past the end of {found.url}",
                cannot_tell=True,
            )
        is_set = found.bits.get(entry.status_list_index)
        revoked = is_set and entry.status_purpose == REVOCATION
        age = now - found.valid_from
        # Revocation is final, so a set revocation bit settles the check however old its list;
        # a suspension may have been lifted since an old list was made.
        if not revoked and max_age is not None and age > max_age:
            raise CheckFailed(
                "status",
                "status.stale",
                f"the {entry.status_purpose} list is from {when}, older than {max_age}",
                cannot_tell=True,
                params={"age": _duration(age), "limit": _duration(max_age)},
            )
        if is_set:
            raise CheckFailed(
                "status",
                "status.revoked" if revoked else "status.suspended",
                f"bit {entry.status_list_index} of {found.url} is set ({when})",
                params={"checked_at": when},
            )
        checked.append(when)
    oldest = min(checked)
    return _passed("status", f"no status bit set in lists of {oldest}", checked_at=oldest)


_list_time = lru_cache(maxsize=256)(format_instant)
"""A list's time as text: every credential on a list names it."""


def _duration(delta: timedelta) -> str:
    hours = int(delta.total_seconds() // 3600)
    return f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h"


def _check_validity(credential: SkillCredential, now: datetime) -> None:
    if now < credential.valid_from:
        when = format_instant(credential.valid_from)
        raise CheckFailed(
            "validity_period",
            "validity_period.not_yet_valid",
            f"not valid before {when}",
            params={"valid_from": when},
        )
    if credential.valid_until is not None and now > credential.valid_until:
        when = format_instant(credential.valid_until)
        raise CheckFailed(
            "validity_period",
            "validity_period.expired",
            f"expired at {when}",
            params={"valid_until": when},
        )


def recognize_credential(
    credential: SkillCredential, trust: TrustBundle, target: str, now: datetime
) -> RecognitionAnswer:
    """What the bundle's mappings say the credential's level is worth in ``target`` on the
    Beijing day of ``now``; raises ``SchemaError`` when no answer can be given (an unknown
    framework or level)."""
    claims = credential.claims
    return recognize(
        trust.mappings,
        source_framework=claims.framework,
        source_level=claims.level_code,
        occupation_code=claims.occupation_code,
        target_framework=target,
        on=date_from_instant(now),
        frameworks=trust.framework,
    )


def _recognition(
    credential: SkillCredential, trust: TrustBundle, target: str, now: datetime
) -> tuple[CheckResult, RecognitionAnswer | None]:
    try:
        answer = recognize_credential(credential, trust, target, now)
    except SchemaError as exc:
        params = {"target_framework": target}
        return CheckResult(RECOGNITION, None, "recognition.not_applicable", str(exc), params), None
    mapping, level = answer.mapping, answer.target_level
    params = {
        "target_framework": target,
        "mapping": mapping.id if mapping else "",
        "version": str(mapping.version) if mapping else "",
        "target_level": level.name["en"] if level else "",
    }
    code = f"recognition.{answer.outcome}"
    ok = True if answer.outcome in ("recognized", "no_comparable_level") else None
    return CheckResult(RECOGNITION, ok, code, answer.message["en"], params), answer


def _failed(results: dict[str, CheckResult], failure: CheckFailed) -> None:
    ok = None if failure.cannot_tell else False
    results[failure.check] = CheckResult(
        failure.check, ok, failure.code, failure.message, failure.params
    )


def _logged(
    raw: bytes,
    credential: SkillCredential,
    record: KeyRecord,
    evidence: LogEvidence | None,
    trust: TrustBundle,
    results: dict[str, CheckResult],
) -> LoggedAt | None:
    if evidence is None:
        results["log_inclusion"] = CheckResult(
            "log_inclusion", None, "log_inclusion.no_evidence", "no log evidence given"
        )
        return None
    try:
        checkpoint: Checkpoint = check_checkpoint(evidence, trust.log_keys)
        results["checkpoint_signature"] = _passed(
            "checkpoint_signature",
            lambda: (
                f"checkpoint of {checkpoint.origin} at size {checkpoint.size} is signed by its log"
            ),
            origin=checkpoint.origin,
            size=str(checkpoint.size),
        )
        logged = check_inclusion(raw, credential, record.kid, evidence, checkpoint)
    except CheckFailed as failure:
        _failed(results, failure)
        return None
    results["log_inclusion"] = _passed(
        "log_inclusion",
        lambda: (
            f"entry {logged.index} of {checkpoint.origin} at tree size {logged.size}, "
            f"logged at {format_instant_ms(logged.at)}"
        ),
        index=str(logged.index),
        size=str(logged.size),
    )
    return logged


def _record(results: dict[str, CheckResult], check: str, run: Callable[[], CheckResult]) -> None:
    try:
        results[check] = run()
    except CheckFailed as failure:
        _failed(results, failure)


def _checks(
    parsed: ParsedJws,
    credential: SkillCredential,
    raw: bytes,
    trust: TrustBundle,
    now: datetime,
    evidence: LogEvidence | None,
    status_lists: Mapping[tuple[str, str], StatusList],
    max_age: timedelta | None,
    results: dict[str, CheckResult],
) -> bool:
    """Run every check after ``format`` into ``results``; whether the signature verified."""
    try:
        issuer, record = _issuer_and_key(parsed, credential, trust)
        results["issuer_known"] = _passed(
            "issuer_known", f"signed with {issuer.id}'s key {record.kid}", issuer=issuer.name
        )
        _check_signature(parsed, record)
        results["signature"] = _SIGNATURE_OK
    except CheckFailed as failure:
        _failed(results, failure)
        return False
    logged = _logged(raw, credential, record, evidence, trust, results)
    at = logged.at if logged else credential.valid_from
    _record(results, "key_valid_at_issuance", lambda: _check_key(record, credential, logged))
    _record(
        results, "issuer_in_scope", lambda: _check_scope(issuer, credential, at, logged is not None)
    )
    _record(results, "status", lambda: _check_status(credential, trust, status_lists, now, max_age))
    return True


def verify_credential(
    token: bytes | str,
    trust: TrustBundle,
    now: datetime,
    evidence: LogEvidence | None = None,
    *,
    status_lists: Mapping[tuple[str, str], StatusList] | None = None,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
    target: str | None = None,
) -> VerificationReport:
    """Verify a compact-JWS credential against ``trust`` at instant ``now`` (timezone-aware),
    with ``evidence`` that it is in the registry's log.

    ``status_lists`` are verified status lists fresher than the bundle's (fetched by the caller;
    keyed by URL and purpose). ``max_age`` bounds how old the status information may be before
    the status check reads ``status.stale`` (``None``: no bound). ``target`` (a framework id)
    adds the ``recognition`` check and answer.

    Never raises for anything in ``token`` or ``evidence``: every defect is a failed check in the
    report. Raises ``VerifierError`` only when called wrongly (naive ``now``).
    """
    if now.tzinfo is None:
        raise VerifierError("now must be timezone-aware")
    raw = token.encode("utf-8", "replace") if isinstance(token, str) else token
    results: dict[str, CheckResult] = {}
    credential: SkillCredential | None = None
    parsed: ParsedJws | None = None
    answer: RecognitionAnswer | None = None
    try:
        parsed = parse_compact_jws(raw)
        credential = _read(parsed, trust)
    except CheckFailed as failure:
        _failed(results, failure)
    if parsed is not None and credential is not None:
        results["format"] = _FORMAT_OK
        genuine = _checks(
            parsed, credential, raw, trust, now, evidence, status_lists or {}, max_age, results
        )
        if genuine:
            try:
                _check_validity(credential, now)
                results["validity_period"] = _VALIDITY_OK
            except CheckFailed as failure:
                _failed(results, failure)
        if target is not None and genuine:
            results[RECOGNITION], answer = _recognition(credential, trust, target, now)
    names = (*CHECKS, RECOGNITION) if target is not None else CHECKS
    checks = tuple(
        results.get(name) or CheckResult(name, None, f"{name}.not_checked", "not checked")
        for name in names
    )
    age = max(0, math.ceil((now - trust.issued_at).total_seconds()))
    limit = int(max_age.total_seconds()) if max_age is not None else None
    return VerificationReport(
        checks=checks,
        credential=credential,
        kid=parsed.kid if parsed else None,
        trust=TrustAge(trust.issued_at, age, limit),
        recognition=answer,
    )
