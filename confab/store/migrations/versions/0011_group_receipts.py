"""Group read receipts (issue 13): one row per (group, message, reader) who sent a receipt

Revision ID: 0011_group_receipts
Revises: 0010_group_tables
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_group_receipts"
down_revision = "0010_group_tables"
branch_labels = None
depends_on = None

UID = sa.String(64)
GID = sa.String(128)


def upgrade() -> None:
    op.create_table(
        "group_receipts",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("group_id", GID, primary_key=True),
        sa.Column("topic_id", GID, primary_key=True, server_default=""),
        sa.Column("msg_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", UID, primary_key=True),
        sa.Column("read_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_group_receipts_user", "group_receipts", ["sdkappid", "user_id"])


def downgrade() -> None:
    op.drop_table("group_receipts")
