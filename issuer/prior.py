"""Certificates issued before under the numbers of a batch.

An issuer's certificate number names one certificate, so a row whose number the registry has
logged already is not signed again. When the earlier credential states the very award the
row does (a batch signed again after its output was lost), ``--resume`` writes that credential
out instead; otherwise the row is refused, saying which column differs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from schemas.credential import SkillCredential
from schemas.identity import national_id_matches

__all__ = ["PriorIssuance", "PriorLookup", "RecordFacts", "differing_column", "prior_reason"]


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What a checked row awards, normalised as its claims would be (the ID number in clear,
    since no salt is drawn until the row is signed)."""

    holder_name: str
    national_id: str
    occupation_code: str
    framework: str
    level_code: str
    certificate_number: str
    issued_on: date
    valid_until: date | None


@dataclass(frozen=True, slots=True)
class PriorIssuance:
    """A credential logged under a certificate number: ``credential`` is ``None`` once its JWS
    has been erased from the registry's store."""

    credential_id: str
    log_index: int
    jws: str | None
    credential: SkillCredential | None


PriorLookup = Callable[[Sequence[str]], Mapping[str, PriorIssuance]]
"""Certificate numbers in, the issuer's credentials logged under any of them out, by number."""


def differing_column(facts: RecordFacts, credential: SkillCredential) -> str | None:
    """The first pass-list column in which the row and the credential disagree, or None."""
    claims = credential.claims
    if facts.holder_name != claims.holder_name:
        return "name"
    if not national_id_matches(facts.national_id, claims.national_id_salt, claims.national_id_hash):
        return "national_id"
    if facts.occupation_code != claims.occupation_code:
        return "occupation_code"
    if (facts.framework, facts.level_code) != (claims.framework, claims.level_code):
        return "level"
    if facts.issued_on != claims.issued_on:
        return "issued_on"
    if facts.valid_until != claims.valid_until:
        return "valid_until"
    return None


def prior_reason(facts: RecordFacts, prior: PriorIssuance, resume: bool) -> str | None:
    """Why the row cannot be signed, or None when ``resume`` writes ``prior`` out instead."""
    issued = f"already issued as {prior.credential_id} (log entry {prior.log_index})"
    if prior.credential is None:
        return f"{issued}, whose credential has since been erased; a number is issued once"
    column = differing_column(facts, prior.credential)
    if column is not None:
        return f"{issued} with another {column}; a number is issued once"
    if resume:
        return None
    return f"{issued}; --resume writes that credential out instead of signing the row again"
