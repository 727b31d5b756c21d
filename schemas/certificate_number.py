"""Skill-level certificate numbers: ``Y`` or ``S`` then 21 digits.

The digits are, in order: appraisal body code (4), province (2), station (6), year (2), level (1),
serial (6). The parts are split out for display and indexing; no meaning beyond this layout is
assumed (in particular no check digit and no cross-check against other fields).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.errors import InvalidCertificateNumber

__all__ = ["CertificateNumber", "parse_certificate_number"]

# ASCII digits only, as for identity numbers: a full-width number would read as another number
# than the ASCII one it looks like, and slip past the check for duplicates.
_FORM = re.compile(r"([YS])([0-9]{4})([0-9]{2})([0-9]{6})([0-9]{2})([0-9])([0-9]{6})")


@dataclass(frozen=True, slots=True)
class CertificateNumber:
    prefix: str
    appraisal_body: str
    province: str
    station: str
    year: str
    level: str
    serial: str

    def __str__(self) -> str:
        return (
            f"{self.prefix}{self.appraisal_body}{self.province}{self.station}"
            f"{self.year}{self.level}{self.serial}"
        )


def parse_certificate_number(text: str) -> CertificateNumber:
    """Split a certificate number into its parts; raises ``InvalidCertificateNumber``."""
    match = _FORM.fullmatch(text)
    if match is None:
        raise InvalidCertificateNumber(
            f"{text!r} is not a certificate number (Y or S followed by 21 digits)"
        )
    return CertificateNumber(*match.groups())
