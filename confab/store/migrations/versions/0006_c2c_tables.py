"""One-to-one messages and conversations (issue 4)

Revision ID: 0006_c2c_tables
Revises: 0005_mutes_msg_ext
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_c2c_tables"
down_revision = "0005_mutes_msg_ext"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "c2c_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("sdkappid", sa.BigInteger, nullable=False),
        sa.Column("user_lo", sa.String(64), nullable=False),
        sa.Column("user_hi", sa.String(64), nullable=False),
        sa.Column("from_lo", sa.Boolean, nullable=False),
        sa.Column("msg_time", sa.BigInteger, nullable=False),
        sa.Column("msg_seq", sa.BigInteger, nullable=False),
        sa.Column("msg_random", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("cloud_data", sa.Text, nullable=True),
        sa.Column("push_info", sa.Text, nullable=True),
        sa.Column("flags", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint(
            "sdkappid", "user_lo", "user_hi", "msg_time", "msg_seq", "msg_random", name="uq_c2c_messages_key"
        ),
    )
    op.create_index("ix_c2c_messages_time", "c2c_messages", ["sdkappid", "msg_time"])
    op.create_table(
        "c2c_conversations",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("peer", sa.String(64), primary_key=True),
        sa.Column("last_time", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("unread", sa.Integer, nullable=False, server_default="0"),
        sa.Column("read_time", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("cleared_id", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("listed", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("pinned_at", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index("ix_c2c_conversations_list", "c2c_conversations", ["sdkappid", "owner", "last_time"])


def downgrade() -> None:
    op.drop_table("c2c_conversations")
    op.drop_table("c2c_messages")
