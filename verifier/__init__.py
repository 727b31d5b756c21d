"""Offline verification of skill credentials: bytes + a trust bundle + ``now`` -> report.

Imports ``schemas`` only, and reads no clock, file, database or network. Exception tree (stable
``code`` on each; see docs/errors.md)::

    VerifierError               misuse of the API (e.g. a naive ``now``)
    ├── CheckFailed             one check failed; surfaces only inside a VerificationReport
    ├── TrustMaterialError      the trusted keys themselves are malformed
    └── WitnessRefusal          a witness will not cosign a checkpoint (fork or rollback)
"""

from verifier.errors import CheckFailed, TrustMaterialError, VerifierError, WitnessRefusal
from verifier.report import CheckResult, Result, VerificationReport
from verifier.verify import CHECKS, verify_credential

__all__ = [
    "CHECKS",
    "CheckFailed",
    "CheckResult",
    "Result",
    "TrustMaterialError",
    "VerificationReport",
    "VerifierError",
    "WitnessRefusal",
    "verify_credential",
]
