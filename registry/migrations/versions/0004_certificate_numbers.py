"""Certificate numbers in the credential store, unique per issuer.

An issuer's certificate number names one certificate: a second credential under the same
number (a pass list signed again after a lost output) would be a second genuine-looking
certificate for one award. The number is read from each stored JWS. A registry that already
holds two credentials under one number keeps the number on the first logged only, and the
migration names the others in a warning, for the operator to revoke. A credential erased before
this migration has no JWS to read its number from, and issuance entries do not hold numbers, so
its number stays unknown; the migration says how many there are.

Revision ID: 0004_certificate_numbers
Revises: 0003_governance
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import op

from schemas.credential import read_stored_credential
from schemas.errors import SchemaError

revision = "0004_certificate_numbers"
down_revision = "0003_governance"
branch_labels = None
depends_on = None

_CHUNK = 1_000
_log = logging.getLogger(__name__)


def _number(jws: str) -> str | None:
    try:
        return read_stored_credential(jws).claims.certificate_number
    except SchemaError:
        return None


_CREDENTIALS = sa.table(
    "credentials",
    sa.column("id", sa.String()),
    sa.column("log_index", sa.BigInteger()),
    sa.column("issuer_id", sa.String()),
    sa.column("jws", sa.Text()),
    sa.column("certificate_number", sa.Text()),
)


def _backfill(connection: sa.Connection) -> None:
    """Every stored JWS's number, a chunk of rows at a time in log order."""
    c = _CREDENTIALS.c
    after = -1
    while rows := connection.execute(
        sa.select(c.log_index, c.id, c.jws)
        .where(c.log_index > after, c.jws.is_not(None))
        .order_by(c.log_index)
        .limit(_CHUNK)
    ).all():
        updates = []
        for _, credential_id, jws in rows:
            number = _number(jws)
            if number is None:
                _log.warning("%s: its stored JWS cannot be read; it keeps no number", credential_id)
            else:
                updates.append({"key": credential_id, "number": number})
        if updates:
            connection.execute(
                _CREDENTIALS.update()
                .where(c.id == sa.bindparam("key"))
                .values(certificate_number=sa.bindparam("number")),
                updates,
            )
        after = rows[-1][0]
    erased = connection.execute(sa.select(sa.func.count()).where(c.jws.is_(None))).scalar_one()
    if erased:
        _log.warning(
            "%d credential(s) were erased before certificate numbers were kept: their numbers "
            "are unknown (issuance entries do not hold them) and are not protected from being "
            "issued again",
            erased,
        )


def _drop_repeated_numbers(connection: sa.Connection) -> None:
    """A number held by several credentials of one issuer stays with the first logged."""
    c = _CREDENTIALS.c
    firsts = (
        sa.select(sa.func.min(c.log_index))
        .where(c.certificate_number.is_not(None))
        .group_by(c.issuer_id, c.certificate_number)
    )
    repeated = sa.and_(c.certificate_number.is_not(None), c.log_index.not_in(firsts))
    for credential_id, issuer_id, number in connection.execute(
        sa.select(c.id, c.issuer_id, c.certificate_number).where(repeated)
    ):
        _log.warning(
            "%s repeats certificate number %s of %s, which an earlier credential holds: "
            "the number stays with the earlier one; revoke whichever is not the certificate",
            credential_id,
            number,
            issuer_id,
        )
    connection.execute(_CREDENTIALS.update().where(repeated).values(certificate_number=None))


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("certificate_number", sa.Text(), nullable=True))
    connection = op.get_bind()
    _backfill(connection)
    _drop_repeated_numbers(connection)
    with op.batch_alter_table("credentials") as batch:
        batch.create_unique_constraint(
            "credentials_issuer_number", ["issuer_id", "certificate_number"]
        )


def downgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.drop_constraint("credentials_issuer_number", type_="unique")
        batch.drop_column("certificate_number")
