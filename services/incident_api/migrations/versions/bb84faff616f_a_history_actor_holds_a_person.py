"""a history actor holds a person

A person's token (the portal's, DESIGN §4) records the person, its `sub`, as the actor of what
they do: an identity provider's subject may be far longer than a party id, so the column takes
255 characters (the longest person the services accept).

Downgrading narrows it back to 64 and refuses while any actor is longer: an audit trail is not
truncated to fit.

Revision ID: bb84faff616f
Revises: 7611b8655caf
Create Date: 2026-12-06 04:46:24.548352
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "bb84faff616f"
down_revision: str | None = "7611b8655caf"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incident_history", schema=None) as batch_op:
        batch_op.alter_column(
            "actor",
            existing_type=sa.VARCHAR(length=64),
            type_=sqlmodel.sql.sqltypes.AutoString(length=255),
            existing_nullable=False,
        )


def downgrade() -> None:
    longer = op.get_bind().execute(
        sa.text("SELECT count(*) FROM incident_history WHERE length(actor) > 64")
    )
    if longer.scalar_one():
        raise RuntimeError(
            "incident_history holds actors longer than 64 characters (people acting through the "
            "portal): the downgrade would have to truncate the audit trail, and will not"
        )
    with op.batch_alter_table("incident_history", schema=None) as batch_op:
        batch_op.alter_column(
            "actor",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=255),
            type_=sa.VARCHAR(length=64),
            existing_nullable=False,
        )
