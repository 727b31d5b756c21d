"""PayloadWriter must produce exactly the bytes of serialising ``build_credential``'s document."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from issuer.payload import PayloadWriter, serialise_payload
from schemas.credential import CredentialClaims, build_credential, read_credential
from schemas.status_list import REVOCATION, SUSPENSION, StatusEntry

ISSUER = ("urn:skillcert:issuer:p", '示范 "quoted" \\ issuer')
text = st.text(min_size=1, max_size=40)


@settings(max_examples=300, deadline=None)
@given(
    holder=text,
    occupation_name=text,
    level_name=text,
    number=text,
    issued=st.dates(date(1990, 1, 1), date(2030, 12, 31)),
    until=st.none() | st.dates(date(2031, 1, 1), date(2060, 12, 31)),
    level=st.sampled_from(["5", "4", "apprentice", "chief"]),
    status_index=st.none() | st.integers(0, 10**18 - 1),
)
def test_same_bytes_as_build_credential(
    holder: str,
    occupation_name: str,
    level_name: str,
    number: str,
    issued: date,
    until: date | None,
    level: str,
    status_index: int | None,
) -> None:
    status = (
        ()
        if status_index is None
        else tuple(
            StatusEntry(purpose, status_index, f"https://r.example/v1/status/7-{purpose}")
            for purpose in (REVOCATION, SUSPENSION)
        )
    )
    claims = CredentialClaims(
        holder_name=holder,
        national_id_hash="sha256$" + "ab" * 32,
        national_id_salt="cd" * 16,
        occupation_code="6-31-01-03",
        occupation_edition="CN-OC-2022",
        occupation_name=occupation_name,
        occupation_name_en="Electrician",
        framework="CN-VQ-8",
        level_code=level,
        level_name=level_name,
        level_name_en="x",
        certificate_number=number,
        issued_on=issued,
        valid_until=until,
        status=status,
    )
    credential_id = f"urn:uuid:{uuid.uuid4()}"
    document = build_credential(
        claims, credential_id=credential_id, issuer_id=ISSUER[0], issuer_name=ISSUER[1]
    )
    assert PayloadWriter(*ISSUER).payload(claims, credential_id) == serialise_payload(document)
    assert read_credential(document).claims.status == status


def test_templates_are_reused_across_holders(make_claims: Callable[..., CredentialClaims]) -> None:
    writer = PayloadWriter(*ISSUER)
    for holder in ("甲", "乙", "丙"):
        claims = make_claims(holder_name=holder)
        expected = serialise_payload(
            build_credential(
                claims, credential_id="urn:uuid:x", issuer_id=ISSUER[0], issuer_name=ISSUER[1]
            )
        )
        assert writer.payload(claims, "urn:uuid:x") == expected
    assert len(writer._templates) == 1


def test_one_writer_fills_each_template_with_its_own_values(
    make_claims: Callable[..., CredentialClaims],
) -> None:
    """Shapes interleaved through one writer, with indexes whose digits are also in the list
    URLs, holders that need escaping and with and without expiry: every payload is still the
    one ``build_credential`` makes, and each shape is laid out once."""
    writer = PayloadWriter(*ISSUER)
    shapes = set()
    for n, (index, list_no, until, holder) in enumerate(
        [
            (7, 7, None, "甲"),
            (0, 12, date(2031, 5, 6), '乙 "引号" \\ 反斜杠'),
            (12, 7, date(2031, 5, 7), "丙\u2028"),
            (10**18 - 1, 12, None, "丁"),
            (70, 7, None, "戊"),
        ]
    ):
        status = tuple(
            StatusEntry(purpose, index, f"https://r.example/v1/status/{list_no}-{purpose}")
            for purpose in (REVOCATION, SUSPENSION)
        )
        claims = make_claims(holder_name=holder, valid_until=until, status=status)
        credential_id = f"urn:uuid:00000000-0000-4000-8000-{n:012d}"
        document = build_credential(
            claims, credential_id=credential_id, issuer_id=ISSUER[0], issuer_name=ISSUER[1]
        )
        assert writer.payload(claims, credential_id) == serialise_payload(document)
        shapes.add((until is None, list_no))
    assert len(writer._templates) == len(shapes) == 4
