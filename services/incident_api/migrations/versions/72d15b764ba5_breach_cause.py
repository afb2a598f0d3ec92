"""breach cause

Why each breach happened. Existing breached clocks get the cause the API would give them now:
`addressee_unreachable` where the running clock was never reported reached, else whether the
incident was acknowledged. Altered in place, as edd45e42b8a8 explains.

Revision ID: 72d15b764ba5
Revises: edd45e42b8a8
Create Date: 2026-12-06 08:49:38.945087
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "72d15b764ba5"
down_revision: str | None = "edd45e42b8a8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "incidents",
        sa.Column(
            "breach_cause",
            sa.Enum(
                "addressee_unreachable",
                "not_acknowledged",
                "acknowledged_not_answered",
                name="breachcause",
                native_enum=False,
                length=32,
                create_constraint=False,
            ),
            nullable=True,
        ),
    )
    op.execute(
        """
        UPDATE incidents SET breach_cause = CASE
            WHEN reached_clock IS NULL OR reached_clock <> clock THEN 'addressee_unreachable'
            WHEN acknowledged_at IS NOT NULL THEN 'acknowledged_not_answered'
            ELSE 'not_acknowledged'
        END
        WHERE breach_recorded
        """
    )


def downgrade() -> None:
    op.drop_column("incidents", "breach_cause")
