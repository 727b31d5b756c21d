"""``skillcert bundle export``: the signed trust bundle, built from the log as it stands."""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from registry.governance import Governance
from registry.status import StatusLists
from schemas.frameworks import builtin_framework, builtin_framework_ids
from schemas.trust_bundle import build_trust_bundle

__all__ = ["export_bundle"]


def export_bundle(
    governance: Governance, status_lists: StatusLists, key: Ed25519PrivateKey, now: datetime
) -> str:
    """The bundle: every issuer, mapping and status list as of ``now``, with the latest
    checkpoint, signed with the authority ``key``."""
    directory = governance.directory()
    log = governance.log
    checkpoint = log.checkpoint()
    return build_trust_bundle(
        key=key,
        issued_at=now,
        log_key=log.verifier_key,
        checkpoint=checkpoint.note if checkpoint.size else None,
        issuers=list(directory.issuers.values()),
        frameworks=[builtin_framework(framework) for framework in builtin_framework_ids()],
        mappings=list(directory.mappings),
        status_lists=list(status_lists.all_credentials(directory, key, now)),
    )
