"""Relationship chain: friends, friend lists, blocklists, friend requests (issue 5)

Revision ID: 0007_sns_tables
Revises: 0006_c2c_tables
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_sns_tables"
down_revision = "0006_c2c_tables"
branch_labels = None
depends_on = None

UID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "sns_friends",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("owner", UID, primary_key=True),
        sa.Column("friend", UID, primary_key=True),
        sa.Column("remark", sa.Text, nullable=False, server_default=""),
        sa.Column("remark_time", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("groups", sa.Text, nullable=False, server_default="[]"),
        sa.Column("add_source", sa.Text, nullable=False, server_default=""),
        sa.Column("add_wording", sa.Text, nullable=False, server_default=""),
        sa.Column("add_time", sa.BigInteger, nullable=False),
        sa.Column("custom", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_sns_friends_friend", "sns_friends", ["sdkappid", "friend"])
    op.create_table(
        "sns_blocklist",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("owner", UID, primary_key=True),
        sa.Column("target", UID, primary_key=True),
        sa.Column("added_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_sns_blocklist_target", "sns_blocklist", ["sdkappid", "target"])
    op.create_table(
        "sns_requests",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("requester", UID, primary_key=True),
        sa.Column("target", UID, primary_key=True),
        sa.Column("remark", sa.Text, nullable=False, server_default=""),
        sa.Column("group_name", sa.Text, nullable=False, server_default=""),
        sa.Column("add_source", sa.Text, nullable=False, server_default=""),
        sa.Column("add_wording", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_sns_requests_target", "sns_requests", ["sdkappid", "target"])
    op.create_table(
        "sns_state",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("owner", UID, primary_key=True),
        sa.Column("lists", sa.Text, nullable=False, server_default="[]"),
        sa.Column("friend_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("custom_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("list_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("black_seq", sa.BigInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    for table in ("sns_state", "sns_requests", "sns_blocklist", "sns_friends"):
        op.drop_table(table)
