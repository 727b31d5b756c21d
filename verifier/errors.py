"""The ``verifier`` exception tree; codes are listed in docs/errors.md."""

from __future__ import annotations

__all__ = ["CheckFailed", "TrustMaterialError", "VerifierError", "WitnessRefusal"]


class VerifierError(Exception):
    code = "verifier_error"


class CheckFailed(VerifierError):
    """One named check failed; ``code`` is the stable reason (``format.alg_not_allowed``, ...).

    Raised by the individual checks and turned into a failed ``CheckResult`` by
    ``verify_credential``; callers of the public API see it only inside a report. With
    ``cannot_tell`` the check could not be made at all (``ok: null``), which is not a failure.
    """

    def __init__(
        self,
        check: str,
        code: str,
        message: str,
        *,
        cannot_tell: bool = False,
        params: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{check}: {message} [{code}]")
        self.check = check
        self.code = code
        self.message = message
        self.cannot_tell = cannot_tell
        self.params = params or {}


class TrustMaterialError(VerifierError):
    """The trusted keys given to the verifier are themselves malformed."""

    code = "trust_material"


class WitnessRefusal(VerifierError):
    """A witness will not cosign: the checkpoint is not the log's, or does not extend the one
    it cosigned before (a fork or a rollback)."""

    code = "witness_refusal"
