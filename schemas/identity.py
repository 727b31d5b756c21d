"""Holder identity: resident identity numbers and their salted hashes.

Credentials never carry the holder's national ID number. They carry ``sha256$<hex>`` of the
normalised number concatenated with a per-credential random salt (the Open Badges
``IdentityObject`` hashing rule, hash = SHA-256(identity ‖ salt)), so a verifier shown the ID card
can confirm the match without the number being published or guessable across credentials.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

from schemas.errors import InvalidNationalId

__all__ = [
    "SALT_BYTES",
    "hash_national_id",
    "national_id_check_digit",
    "national_id_matches",
    "new_salt",
    "normalise_national_id",
]

SALT_BYTES = 16
_HASH_PREFIX = "sha256$"
# ASCII digits only: ``\d`` would take full-width and other scripts' digits, which ``int`` reads
# too, so such a number would pass every check and then fail to hash.
_FORM = re.compile(r"[0-9]{17}[0-9X]")
# GB 11643-1999 check digit: ISO 7064 MOD 11-2 over the first 17 digits. The standard's weights
# (7, 9, 10, 5, ... 4, 2) are 2**17 ... 2**1 mod 11, and 13 is 2 mod 11, so the weighted sum is,
# mod 11, twice the digits read as one base-13 number: one ``int`` call instead of seventeen.
_CHECK_BASE = 13
_CHECK_CHARS = "10X98765432"


def normalise_national_id(text: str) -> str:
    """Return the canonical 18-character form of a resident identity number.

    Spaces are removed and a trailing ``x`` is upper-cased; the check digit (GB 11643-1999) must
    be right. Raises ``InvalidNationalId`` saying what is wrong, never echoing the number itself.
    """
    candidate = text.replace(" ", "").upper()
    if not _FORM.fullmatch(candidate):
        raise InvalidNationalId(
            "must be 17 digits 0-9 followed by a digit or X (18 characters, not full-width)"
        )
    if national_id_check_digit(candidate[:17]) != candidate[17]:
        raise InvalidNationalId("check digit does not match (GB 11643-1999)")
    return candidate


def national_id_check_digit(first_17_digits: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of a resident identity number;
    raises ``ValueError`` for anything but 17 decimal digits."""
    if len(first_17_digits) != 17 or not (
        first_17_digits.isascii() and first_17_digits.isdecimal()
    ):
        raise ValueError("expected the first 17 digits of a resident identity number")
    return _CHECK_CHARS[2 * int(first_17_digits, _CHECK_BASE) % 11]


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def hash_national_id(national_id: str, salt: str) -> str:
    """``sha256$<hex>`` of the normalised number followed by ``salt``."""
    digest = hashlib.sha256((normalise_national_id(national_id) + salt).encode("ascii"))
    return _HASH_PREFIX + digest.hexdigest()


def national_id_matches(national_id: str, salt: str, identity_hash: str) -> bool:
    """Whether ``national_id`` is the number behind ``identity_hash``; constant-time compare.

    A number that is not even well formed does not match (it cannot be the hashed one), nor
    does anything under a salt that is not ASCII (no issuer of this project draws one).
    """
    try:
        candidate = hash_national_id(national_id, salt)
    except (InvalidNationalId, UnicodeEncodeError):
        return False
    return hmac.compare_digest(candidate.encode(), identity_hash.encode())
