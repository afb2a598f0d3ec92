"""the claim index covers the due order

The claim reads pending deliveries by (next_attempt_at, created_at, event_seq). With the index on
(status, next_attempt_at) alone, every claim during a burst (whose deliveries share one
next_attempt_at) read and sorted all of the burst's rows to pick the first few hundred; with the
whole order in the index it reads them in order and stops.

Revision ID: f5ff38d579fe
Revises: 778d219fd586
Create Date: 2026-11-23 07:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "f5ff38d579fe"
down_revision: str | None = "778d219fd586"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_due")
        batch_op.create_index(
            "ix_deliveries_due",
            ["status", "next_attempt_at", "created_at", "event_seq"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_due")
        batch_op.create_index("ix_deliveries_due", ["status", "next_attempt_at"], unique=False)
