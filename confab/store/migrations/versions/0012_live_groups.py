"""Live groups (issue 14): the standing roles of an AVChatRoom, kept while nobody watches

Live membership itself is presence (in memory, per process); what must outlive a connection is here:
live admins (at most 5, they need not be watching) and robots (mark 500: shown online for three days).

Revision ID: 0012_live_groups
Revises: 0011_group_receipts
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_live_groups"
down_revision = "0011_group_receipts"
branch_labels = None
depends_on = None

UID = sa.String(64)
GID = sa.String(128)


def upgrade() -> None:
    op.create_table(
        "group_live_roles",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("group_id", GID, primary_key=True),
        sa.Column("kind", sa.String(8), primary_key=True),  # "admin" or "robot"
        sa.Column("user_id", UID, primary_key=True),
        sa.Column("since", sa.BigInteger, nullable=False),
        sa.Column("until", sa.BigInteger, nullable=False, server_default="0"),  # 0: for ever
    )
    op.create_index("ix_group_live_roles_user", "group_live_roles", ["sdkappid", "user_id"])


def downgrade() -> None:
    op.drop_table("group_live_roles")
