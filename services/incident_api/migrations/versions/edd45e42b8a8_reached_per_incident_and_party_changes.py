"""reached per incident, and the contact list's audit trail

`addressee_reachable` was the addressee party's `webhook_reachable`: whether it had an enabled
endpoint, as the notifier last said. It is now per incident: the addressee has been reached on a
clock once a delivery of that clock's start event (raised, reopened, readdressed) to it succeeded,
and the notifier reports it (`POST /v1/incidents/{id}/reached`), kept in
`incidents.reached_clock`. The party's flag goes.

Existing incidents start with no reached clock (NULL): a party's flag never said whether any
particular event reached it, so nothing is guessed from it. The notifier re-reports from its own
delivery records, so an incident shows `addressee_reachable: false` only until it has.

`party_changes` starts the contact list's audit trail (who changed which fields of a party, and
when); changes made before it are not known, and none are invented.

Downgrading drops the trail and the reached clocks, and restores `parties.webhook_reachable` as
false for every party: the older notifier reports every party's flag afresh within minutes.

Revision ID: edd45e42b8a8
Revises: bb84faff616f
Create Date: 2026-12-06 07:56:23.493571
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import services.common.db
from alembic import op

revision: str = "edd45e42b8a8"
down_revision: str | None = "bb84faff616f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "party_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
        sa.Column("at", services.common.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column(
            "action",
            sa.Enum(
                "created",
                "updated",
                "contacts_changed",
                name="partychangeaction",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.party_id"], name=op.f("fk_party_changes_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_changes")),
    )
    with op.batch_alter_table("party_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_changes_party_id"), ["party_id"], unique=False)

    # Altered in place, never rebuilt: SQLite rebuilds a table by dropping it, which its foreign
    # keys (on, as at run time) refuse for `incidents` while its history rows exist.
    with op.batch_alter_table("incidents", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("reached_clock", sa.Integer(), nullable=True))

    with op.batch_alter_table("parties", recreate="never") as batch_op:
        batch_op.drop_column("webhook_reachable")


def downgrade() -> None:
    # The server default fills the existing rows; it stays, harmless: every insert of the older
    # code sets the column.
    with op.batch_alter_table("parties", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("webhook_reachable", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table("incidents", recreate="never") as batch_op:
        batch_op.drop_column("reached_clock")

    with op.batch_alter_table("party_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_party_changes_party_id"))

    op.drop_table("party_changes")
