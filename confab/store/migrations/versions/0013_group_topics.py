"""Communities with topics (issue 14): topic profiles, members' topic read positions, and the partial
index that finds where a member's view of a topic starts

Revision ID: 0013_group_topics
Revises: 0012_live_groups
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_group_topics"
down_revision = "0012_live_groups"
branch_labels = None
depends_on = None

UID = sa.String(64)
GID = sa.String(128)


def upgrade() -> None:
    op.create_table(
        "group_topics",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("group_id", GID, primary_key=True),
        sa.Column("topic_id", GID, primary_key=True),
        sa.Column("serial", sa.BigInteger, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("introduction", sa.Text, nullable=False, server_default=""),
        sa.Column("notification", sa.Text, nullable=False, server_default=""),
        sa.Column("face_url", sa.Text, nullable=False, server_default=""),
        sa.Column("custom_string", sa.Text, nullable=False, server_default=""),
        sa.Column("creator", UID, nullable=False, server_default=""),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("info_seq", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("last_info_time", sa.BigInteger, nullable=False),
        sa.Column("last_msg_time", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("next_msg_seq", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("mute_all", sa.SmallInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "group_topic_reads",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("group_id", GID, primary_key=True),
        sa.Column("topic_id", GID, primary_key=True),
        sa.Column("user_id", UID, primary_key=True),
        sa.Column("read_seq", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_group_topic_reads_user", "group_topic_reads", ["sdkappid", "user_id"])
    op.create_index(
        "ix_group_messages_topic_time",
        "group_messages",
        ["sdkappid", "group_id", "topic_id", "msg_time", "msg_seq"],
        sqlite_where=sa.text("topic_id != ''"),
        postgresql_where=sa.text("topic_id != ''"),
    )


def downgrade() -> None:
    op.drop_index("ix_group_messages_topic_time", table_name="group_messages")
    op.drop_table("group_topic_reads")
    op.drop_table("group_topics")
