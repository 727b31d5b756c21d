"""The verification report: every check named, with its outcome, a stable code and a message
in each of en, zh-Hans and zh-Hant.

``result`` is ``valid`` only when every check passed; any failed check makes it ``invalid``;
otherwise a check that could not be made (``ok is None``) makes it ``cannot_tell``, which is never
shown as valid. ``message`` is the technical English detail (it names keys, times and proof
positions); ``messages`` the plain sentence for a reader, from ``verifier.messages``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, NamedTuple

from schemas.credential import SkillCredential, format_instant
from schemas.recognition import RecognitionAnswer
from verifier.messages import check_messages

__all__ = ["CheckResult", "Result", "TrustAge", "VerificationReport"]


class Result(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    CANNOT_TELL = "cannot_tell"


_NO_PARAMS: Mapping[str, str] = MappingProxyType({})


class CheckResult(NamedTuple):
    """One check's outcome. ``detail`` is the English message, or a function that writes it: a
    passed check's message names times and positions that cost more to format than the check
    itself, and most reports are read for their result alone. A named tuple rather than a frozen
    dataclass: every verification makes nine, and a frozen dataclass costs several times as much
    to build."""

    check: str
    ok: bool | None
    code: str
    detail: str | Callable[[], str]
    params: Mapping[str, str] = _NO_PARAMS

    @property
    def message(self) -> str:
        return self.detail if isinstance(self.detail, str) else self.detail()

    @property
    def messages(self) -> dict[str, str]:
        code = "not_checked" if self.code.endswith(".not_checked") else self.code
        return check_messages(code, self.params)

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "ok": self.ok,
            "code": self.code,
            "message": self.message,
            "messages": self.messages,
        }

    def to_json_bytes(self) -> bytes:
        """``to_json`` as compact UTF-8 JSON, kept per distinct check: the messages in three
        languages are most of a report, and the same few outcomes recur across credentials
        (every passed signature check, one issuer's key, one day's scope decision)."""
        message = self.message
        key = (self.check, self.ok, self.code, message, tuple(self.params.items()))
        found = _FRAGMENTS.get(key)
        if found is None:
            if len(_FRAGMENTS) >= _FRAGMENT_MEMO:
                _FRAGMENTS.clear()
            found = _FRAGMENTS[key] = compact_json(self.to_json())
        return found


def compact_json(document: object) -> bytes:
    """The JSON text an HTTP response carries: UTF-8, no spaces, no NaN (as Starlette's
    ``JSONResponse`` writes it)."""
    return json.dumps(document, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
        "utf-8"
    )


_FRAGMENTS: dict[tuple[Any, ...], bytes] = {}
_FRAGMENT_MEMO = 4096
"""Distinct check outcomes kept; a log position is one per credential, so the memo starts over
when full rather than growing with the log."""


class TrustAge(NamedTuple):
    """How old the trust material was at the verification time, against the allowed age."""

    issued_at: datetime
    age_seconds: int
    max_age_seconds: int | None

    @property
    def stale(self) -> bool:
        return self.max_age_seconds is not None and self.age_seconds > self.max_age_seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "issued_at": format_instant(self.issued_at),
            "age_seconds": self.age_seconds,
            "max_age_seconds": self.max_age_seconds,
            "stale": self.stale,
        }


class VerificationReport(NamedTuple):
    """What the verifier concluded; ``credential`` is set whenever the document could be read.

    Named tuples, like ``CheckResult``, because one is built per verification."""

    checks: tuple[CheckResult, ...]
    credential: SkillCredential | None
    kid: str | None
    trust: TrustAge | None = None
    recognition: RecognitionAnswer | None = None

    @property
    def result(self) -> Result:
        if any(check.ok is False for check in self.checks):
            return Result.INVALID
        if all(check.ok is True for check in self.checks):
            return Result.VALID
        return Result.CANNOT_TELL

    @property
    def failed(self) -> tuple[CheckResult, ...]:
        return tuple(check for check in self.checks if check.ok is not True)

    def to_json(self) -> dict[str, Any]:
        """The documented report (DESIGN §6): ``result``, ``credential_id``, ``issuer``, ..."""
        document = self._head()
        document["checks"] = [check.to_json() for check in self.checks]
        document.update(self._tail())
        return document

    def to_json_bytes(self) -> bytes:
        """``compact_json(self.to_json())``, byte for byte, from the checks' kept fragments:
        writing every check's messages was a fifth of answering ``POST /v1/verify``."""
        head = compact_json(self._head())
        tail = compact_json(self._tail())
        checks = b",".join(check.to_json_bytes() for check in self.checks)
        return b"".join((head[:-1], b',"checks":[', checks, b"],", tail[1:]))

    def _head(self) -> dict[str, Any]:
        credential = self.credential
        claims = credential.claims if credential else None
        return {
            "result": self.result.value,
            "credential_id": credential.id if credential else None,
            "issuer": {"id": credential.issuer_id, "name": credential.issuer_name, "kid": self.kid}
            if credential
            else None,
            "occupation": {
                "code": claims.occupation_code,
                "edition": claims.occupation_edition,
                "name": claims.occupation_name,
            }
            if claims
            else None,
            "level": {
                "framework": claims.framework,
                "code": claims.level_code,
                "name": claims.level_name,
            }
            if claims
            else None,
            "holder": {"name": claims.holder_name} if claims else None,
            "certificate_number": claims.certificate_number if claims else None,
            "valid_from": format_instant(credential.valid_from) if credential else None,
            "valid_until": format_instant(credential.valid_until)
            if credential and credential.valid_until
            else None,
        }

    def _tail(self) -> dict[str, Any]:
        return {
            "trust_bundle": self.trust.to_json() if self.trust else None,
            **({"recognition": self.recognition.to_json()} if self.recognition else {}),
        }
