"""Certificates issued before under the numbers of a batch.

An issuer's certificate number names one certificate, so a row whose number the registry has
logged already is not signed again. When the earlier credential states the very award the
row does (a batch signed again after its output was lost), ``--resume`` writes that credential
out instead; otherwise the row is refused, saying which column differs. A credential written
out is the one logged, whatever has happened to it since: one that no longer verifies (revoked,
suspended, its key compromised) is written out with a warning, since the registry answers for
its status, and the output is the issuer's only copy of what was issued.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from issuer.errors import RowError
from issuer.row_spool import RowSpool
from schemas.credential import SkillCredential
from schemas.identity import national_id_matches

__all__ = [
    "PriorCheck",
    "PriorIssuance",
    "PriorLookup",
    "RecordFacts",
    "differing_column",
    "prior_conflict",
    "prior_warning",
]


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What a checked row awards, normalised as its claims would be (the ID number in clear,
    since no salt is drawn until the row is signed)."""

    holder_name: str
    national_id: str
    occupation_code: str
    occupation_edition: str
    framework: str
    level_code: str
    certificate_number: str
    issued_on: date
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class PriorIssuance:
    """A credential logged under a certificate number: ``credential`` is ``None`` once its JWS
    has been erased from the registry's store. ``evidence`` is its log evidence document and
    ``standing`` why it does not verify now (``None`` when it does); both are ``None`` for an
    erased credential."""

    credential_id: str
    log_index: int
    jws: str | None
    credential: SkillCredential | None
    evidence: Mapping[str, Any] | None = None
    standing: str | None = None


PriorLookup = Callable[[Sequence[str]], Mapping[str, PriorIssuance]]
"""Certificate numbers in, the issuer's credentials logged under any of them out, by number."""
Resume = Callable[[PriorIssuance, int], None]
"""Hands on the credential logged already under a row's number, and the row."""
_CHUNK = 1000
"""Numbers per lookup: one query each."""


class PriorCheck:
    """The checking pass's question to the registry, a chunk of rows at a time: rows ``see``n
    in increasing order; those whose number was logged before are counted ``refused`` (each
    reported to ``on_error``) or ``resumed`` (handed to ``resume``), and kept in ``rows`` for
    the signing pass to skip."""

    def __init__(
        self,
        file: str,
        lookup: PriorLookup,
        resume: Resume | None,
        on_error: Callable[[RowError], None],
        on_warning: Callable[[RowError], None],
    ) -> None:
        self.rows = RowSpool()
        self.refused = 0
        self.resumed = 0
        self._file = file
        self._lookup = lookup
        self._resume = resume
        self._on_error = on_error
        self._on_warning = on_warning
        self._pending: list[tuple[int, RecordFacts]] = []

    def see(self, row: int, facts: RecordFacts) -> None:
        self._pending.append((row, facts))
        if len(self._pending) >= _CHUNK:
            self.finish()

    def finish(self) -> None:
        """Settle the rows seen so far; call once more after the last."""
        pending, self._pending = self._pending, []
        found = self._lookup([facts.certificate_number for _, facts in pending]) if pending else {}
        for row, facts in pending:
            earlier = found.get(facts.certificate_number)
            if earlier is None:
                continue
            self.rows.add(row)
            conflict = prior_conflict(facts, earlier)
            if conflict is not None or self._resume is None:
                reason = conflict or (
                    f"{_issued(earlier)}; --resume writes that credential out instead of "
                    "signing the row again"
                )
                self.refused += 1
                self._on_error(RowError(self._file, row, "certificate_number", reason))
                continue
            self._resume(earlier, row)
            self.resumed += 1
            warning = prior_warning(earlier)
            if warning is not None:
                self._on_warning(RowError(self._file, row, "certificate_number", warning))


def differing_column(facts: RecordFacts, credential: SkillCredential) -> str | None:
    """The first pass-list column in which the row and the credential disagree, or None."""
    claims = credential.claims
    if facts.holder_name != claims.holder_name:
        return "name"
    if not national_id_matches(facts.national_id, claims.national_id_salt, claims.national_id_hash):
        return "national_id"
    if (facts.occupation_code, facts.occupation_edition) != (
        claims.occupation_code,
        claims.occupation_edition,
    ):
        return "occupation_code"
    if (facts.framework, facts.level_code) != (claims.framework, claims.level_code):
        return "level"
    if facts.issued_on != claims.issued_on:
        return "issued_on"
    if facts.valid_until != claims.valid_until:
        return "valid_until"
    return None


def prior_conflict(facts: RecordFacts, prior: PriorIssuance) -> str | None:
    """Why the row is not ``prior``'s award, or None when ``--resume`` may write ``prior`` out
    in its stead."""
    issued = _issued(prior)
    if prior.credential is None:
        return f"{issued}, whose credential has since been erased; a number is issued once"
    column = differing_column(facts, prior.credential)
    if column is not None:
        return f"{issued} with another {column}; a number is issued once"
    return None


def _issued(prior: PriorIssuance) -> str:
    return f"already issued as {prior.credential_id} (log entry {prior.log_index})"


def prior_warning(prior: PriorIssuance) -> str | None:
    """What to say of a credential written out by ``--resume`` that does not verify now."""
    if prior.standing is None:
        return None
    return (
        f"warning: {prior.credential_id} written out as logged, but it does not verify now "
        f"({prior.standing})"
    )
