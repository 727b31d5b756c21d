"""Issuance through the registry: a batch's credentials go into the log before anyone gets them.

``LoggedSink`` sits between the signing pipeline and the output. While the batch is signed it
only spools each credential (beside the output, so on the same file system); nothing is
logged until the batch is complete and checked, so a batch that fails while signing leaves the
log untouched. At ``commit`` the spool is appended to the log in chunks, each chunk one
transaction that stores the credentials beside their entries and signs a checkpoint, and every
credential is written to the output with its log evidence (entry, inclusion proof, checkpoint).

If the process dies while logging, the chunks already logged are in the registry's credential
store (retrievable by id, as the log says they were issued) and the output is not published.
Their certificate numbers are taken, so the same pass list signed again is refused row by row,
and ``skillcert issue --resume`` writes those credentials out from the store instead of signing
them again (``prior_lookup``, ``LoggedSink.write_prior``).
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

from issuer.output import CredentialSink
from issuer.prior import PriorIssuance, PriorLookup
from issuer.signing import IssuedCredential
from registry.authority import Registry
from registry.bundle import export_bundle
from registry.errors import CertificateNumberTaken, unique_violations
from registry.log import Draft, Receipt, TransparencyLog
from registry.store import StoredCredentialView
from schemas.credential import CredentialClaims, read_stored_credential
from schemas.log_entry import ISSUANCE, issuance_body, log_evidence_json, parse_log_evidence
from schemas.signed_json import AuthorityKey
from schemas.status_list import StatusEntry
from schemas.trust_bundle import TrustBundle, read_trust_bundle
from verifier import verify_credential

__all__ = ["LoggedSink", "prior_lookup", "receipt_evidence", "stored_evidence"]

LogProgress = Callable[[int, int], None]
_CHUNK = 2_000


def receipt_evidence(receipt: Receipt) -> dict[str, Any]:
    """The log evidence document of a just-appended entry, against the checkpoint its batch
    signed (docs/log-format.md)."""
    checkpoint = receipt.checkpoint
    return log_evidence_json(
        receipt.entry, receipt.index, checkpoint.size, receipt.proof, checkpoint.note
    )


def stored_evidence(log: TransparencyLog, index: int) -> dict[str, Any]:
    """The same document for an entry logged earlier, against the latest checkpoint: what a
    holder who lost the evidence written at issuance gets back from the registry."""
    checkpoint = log.checkpoint()
    (entry,) = log.store.entries(index, index + 1)
    proof = log.inclusion_proof(index, checkpoint.size)
    return log_evidence_json(entry, index, checkpoint.size, proof.proof, checkpoint.note)


def prior_lookup(opened: Registry, issuer_id: str, now: datetime) -> PriorLookup:
    """What ``issue_batch`` asks of the registry: the issuer's credentials logged under a
    chunk of certificate numbers, each with its log evidence and, verified against the trust
    bundle of ``now``, whether it still verifies."""

    @functools.cache
    def trust() -> TrustBundle:
        """Made at the first credential found, as most batches find none."""
        bundle = export_bundle(opened.governance, opened.status, opened.authority_key, now)
        authority = AuthorityKey.from_public_key(opened.authority_key.public_key())
        return read_trust_bundle(bundle, authority)

    def standing(jws: str, evidence: dict[str, Any]) -> str | None:
        report = verify_credential(
            jws.encode("ascii"), trust(), now, parse_log_evidence(evidence), max_age=None
        )
        failed = report.failed
        return ", ".join(check.code for check in failed) if failed else None

    def prior(stored: StoredCredentialView) -> PriorIssuance:
        if stored.jws is None:
            return PriorIssuance(stored.id, stored.log_index, None, None)
        evidence = stored_evidence(opened.log, stored.log_index)
        return PriorIssuance(
            stored.id,
            stored.log_index,
            stored.jws,
            read_stored_credential(stored.jws),
            evidence,
            standing(stored.jws, evidence),
        )

    def lookup(numbers: Sequence[str]) -> dict[str, PriorIssuance]:
        found = opened.log.store.issued_numbers(issuer_id, numbers)
        return {number: prior(stored) for number, stored in found.items()}

    return lookup


class LoggedSink:
    """A ``CredentialSink`` that logs every credential, then hands it on to ``inner`` with its
    log evidence; ``inner`` publishes only when everything has been logged."""

    def __init__(
        self,
        inner: CredentialSink,
        log: TransparencyLog,
        *,
        issuer_id: str,
        kid: str,
        spool_dir: Path,
        on_progress: LogProgress = lambda done, total: None,
    ) -> None:
        self._inner = inner
        self._log = log
        self._issuer_id = issuer_id
        self._kid = kid
        self._on_progress = on_progress
        spool_dir.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=spool_dir, prefix=".skillcert-spool-", suffix=".tmp")
        self._spool_path = Path(name)
        self._spool: IO[str] = os.fdopen(handle, "w+", encoding="utf-8", buffering=1 << 20)
        self._count = 0

    def write(
        self,
        credential: IssuedCredential,
        *,
        row: int,
        claims: CredentialClaims,
        evidence: Mapping[str, Any] | None = None,
    ) -> None:
        record = {"id": credential.id, "jws": credential.jws, "row": row, "claims": asdict(claims)}
        self._spool.write(json.dumps(record, ensure_ascii=False, default=date.isoformat) + "\n")
        self._count += 1

    def write_prior(self, prior: PriorIssuance, row: int) -> None:
        """Hand on a credential an earlier run logged, with its evidence against the latest
        checkpoint; it is published with the batch."""
        if prior.jws is None or prior.credential is None:
            raise ValueError(f"{prior.credential_id} has been erased")
        self._inner.write(
            IssuedCredential(prior.credential_id, prior.jws),
            row=row,
            claims=prior.credential.claims,
            evidence=prior.evidence or stored_evidence(self._log, prior.log_index),
        )

    def _spooled(self) -> Iterator[tuple[IssuedCredential, int, CredentialClaims]]:
        self._spool.flush()
        self._spool.seek(0)
        for line in self._spool:
            record = json.loads(line)
            claims = record["claims"]
            claims["issued_on"] = date.fromisoformat(claims["issued_on"])
            if claims["valid_until"] is not None:
                claims["valid_until"] = date.fromisoformat(claims["valid_until"])
            claims["status"] = tuple(StatusEntry(**entry) for entry in claims["status"])
            yield (
                IssuedCredential(record["id"], record["jws"]),
                record["row"],
                CredentialClaims(**claims),
            )

    def commit(self) -> None:
        """Log every spooled credential, write each with its evidence, publish."""
        done = 0
        self._on_progress(0, self._count)
        spooled = self._spooled()
        while chunk := list(islice(spooled, _CHUNK)):
            drafts = [
                Draft(
                    ISSUANCE,
                    issuance_body(
                        credential_id=credential.id,
                        jws=credential.jws,
                        issuer_id=self._issuer_id,
                        kid=self._kid,
                        claims=claims,
                    ),
                    (credential.id, self._issuer_id, credential.jws, claims.certificate_number),
                )
                for credential, _, claims in chunk
            ]
            try:
                receipts = self._log.append(drafts)
            except unique_violations() as exc:
                raise CertificateNumberTaken(
                    f"a certificate number of rows {chunk[0][1]}..{chunk[-1][1]} was logged by "
                    f"another command while this batch was logged; {done} of {self._count} "
                    "credentials are logged and none is published: run the same command with "
                    "--resume"
                ) from exc
            for (credential, row, claims), receipt in zip(chunk, receipts, strict=True):
                self._inner.write(
                    credential, row=row, claims=claims, evidence=receipt_evidence(receipt)
                )
            done += len(chunk)
            self._on_progress(done, self._count)
        self._inner.commit()
        self._close()

    def abort(self) -> None:
        self._inner.abort()
        self._close()

    def _close(self) -> None:
        self._spool.close()
        self._spool_path.unlink(missing_ok=True)
