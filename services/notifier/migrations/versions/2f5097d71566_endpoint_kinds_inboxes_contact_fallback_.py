"""endpoint kinds, inboxes, contact fallback and reached clocks

Every existing endpoint is a webhook. A running clock counts as reached where a delivery of an
event about its incident, of a clock-starting type, to its addressee succeeded since the clock
started: what the notifier would have recorded had it been running this version then. The
reached clocks are reported to the API again by the running notifier.

Downgrading deletes the email and inbox endpoints (and their deliveries): the older schema has
no place for them.

Revision ID: 2f5097d71566
Revises: f5ff38d579fe
Create Date: 2026-12-06 07:54:17.589350
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

import services.common.db
from alembic import op

revision: str = "2f5097d71566"
down_revision: str | None = "f5ff38d579fe"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INBOX = sa.text("kind = 'inbox'")


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inbox_position", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("fell_back", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_deliveries_inbox", ["endpoint_id", "inbox_position"])

    with op.batch_alter_table("endpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "webhook",
                    "email",
                    "inbox",
                    name="endpointkind",
                    native_enum=False,
                    length=32,
                    create_constraint=False,
                ),
                nullable=False,
                server_default="webhook",
            )
        )
        batch_op.add_column(
            sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "contact_role",
                sa.Enum(
                    "ops",
                    "escalation",
                    name="contactrole",
                    native_enum=False,
                    length=32,
                    create_constraint=False,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("confirm_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "confirm_expires_at",
                services.common.db.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("inbox_head", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("inbox_acked", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column(
                "failure_warned_at",
                services.common.db.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.alter_column("url", existing_type=sa.VARCHAR(length=2048), nullable=True)
        batch_op.create_index(
            "ux_endpoints_inbox",
            ["party_id"],
            unique=True,
            sqlite_where=_INBOX,
            postgresql_where=_INBOX,
        )

    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("reached_at", services.common.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("reached_reported", sa.Boolean(), nullable=False, server_default=sa.false())
        )

    op.execute(
        """
        UPDATE sla_clocks SET reached_at = (
            SELECT min(d.delivered_at) FROM deliveries d
            WHERE d.incident_id = sla_clocks.incident_id
              AND d.party_id = sla_clocks.addressed_party_id
              AND d.status = 'succeeded'
              AND d.event_type IN ('incident.raised', 'incident.reopened', 'incident.readdressed')
              AND d.created_at >= sla_clocks.started_at
        )
        WHERE state = 'running'
        """
    )


def downgrade() -> None:
    op.execute(
        "DELETE FROM delivery_attempts WHERE delivery_id IN (SELECT d.id FROM deliveries d"
        " JOIN endpoints e ON e.id = d.endpoint_id WHERE e.kind <> 'webhook')"
    )
    op.execute(
        "DELETE FROM deliveries WHERE endpoint_id IN"
        " (SELECT id FROM endpoints WHERE kind <> 'webhook')"
    )
    op.execute("DELETE FROM endpoints WHERE kind <> 'webhook'")
    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_column("reached_reported")
        batch_op.drop_column("reached_at")

    with op.batch_alter_table("endpoints", schema=None) as batch_op:
        batch_op.drop_index("ux_endpoints_inbox")
        batch_op.alter_column("url", existing_type=sa.VARCHAR(length=2048), nullable=False)
        batch_op.drop_column("failure_warned_at")
        batch_op.drop_column("inbox_acked")
        batch_op.drop_column("inbox_head")
        batch_op.drop_column("confirm_expires_at")
        batch_op.drop_column("confirm_hash")
        batch_op.drop_column("contact_role")
        batch_op.drop_column("address")
        batch_op.drop_column("kind")

    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_inbox")
        batch_op.drop_column("fell_back")
        batch_op.drop_column("inbox_position")
