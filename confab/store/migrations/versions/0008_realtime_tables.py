"""Real-time gateway: UserSigs invalidated by kick (issue 6)

Revision ID: 0008_realtime_tables
Revises: 0007_sns_tables
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_realtime_tables"
down_revision = "0007_sns_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "login_invalidations",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("before", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_invalidations")
