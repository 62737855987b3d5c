"""Groups: profiles, members, mutes, bans, join requests and the group stream (issue 12)

Revision ID: 0010_group_tables
Revises: 0009_feed_expiry
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_group_tables"
down_revision = "0009_feed_expiry"
branch_labels = None
depends_on = None

UID = sa.String(64)
GID = sa.String(128)


def _key() -> list[sa.Column]:
    return [
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("group_id", GID, primary_key=True),
    ]


def upgrade() -> None:
    op.create_table(
        "groups",
        *_key(),
        sa.Column("serial", sa.BigInteger, nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("introduction", sa.Text, nullable=False, server_default=""),
        sa.Column("notification", sa.Text, nullable=False, server_default=""),
        sa.Column("face_url", sa.Text, nullable=False, server_default=""),
        sa.Column("owner", UID, nullable=False, server_default=""),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("info_seq", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("last_info_time", sa.BigInteger, nullable=False),
        sa.Column("last_msg_time", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("next_msg_seq", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("member_num", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("max_member_num", sa.BigInteger, nullable=False),
        sa.Column("apply_join_option", sa.String(16), nullable=False),
        sa.Column("invite_join_option", sa.String(16), nullable=False),
        sa.Column("mute_all", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("support_topic", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("active", sa.SmallInteger, nullable=False, server_default="1"),
        sa.Column("app_data", sa.Text, nullable=False, server_default="{}"),
        sa.Column("attrs", sa.Text, nullable=False, server_default="{}"),
        sa.Column("counters", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_groups_serial", "groups", ["sdkappid", "serial"], unique=True)
    op.create_index("ix_groups_type_serial", "groups", ["sdkappid", "type", "serial"])
    op.create_index("ix_groups_owner", "groups", ["sdkappid", "owner"])
    op.create_table(
        "group_members",
        *_key(),
        sa.Column("user_id", UID, primary_key=True),
        sa.Column("role", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("join_time", sa.BigInteger, nullable=False),
        sa.Column("join_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("read_seq", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("msg_flag", sa.String(32), nullable=False),
        sa.Column("name_card", sa.Text, nullable=False, server_default=""),
        sa.Column("last_send_time", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("app_data", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_index("ix_group_members_user", "group_members", ["sdkappid", "user_id", "group_id"])
    op.create_index("ix_group_members_role", "group_members", ["sdkappid", "group_id", "role", "user_id"])
    op.create_table(
        "group_mutes",
        *_key(),
        sa.Column("user_id", UID, primary_key=True),
        sa.Column("until", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_group_mutes_user", "group_mutes", ["sdkappid", "user_id"])
    op.create_table(
        "group_bans",
        *_key(),
        sa.Column("user_id", UID, primary_key=True),
        sa.Column("banned_at", sa.BigInteger, nullable=False),
        sa.Column("until", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_group_bans_user", "group_bans", ["sdkappid", "user_id"])
    op.create_table(
        "group_requests",
        *_key(),
        sa.Column("user_id", UID, primary_key=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("inviter", UID, nullable=False, server_default=""),
        sa.Column("message", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_group_requests_user", "group_requests", ["sdkappid", "user_id"])
    op.create_table(
        "group_messages",
        *_key(),
        sa.Column("topic_id", GID, primary_key=True, server_default=""),
        sa.Column("msg_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sender", UID, nullable=False, server_default=""),
        sa.Column("msg_time", sa.BigInteger, nullable=False),
        sa.Column("random", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("recalled", sa.SmallInteger, nullable=False, server_default="0"),
    )


def downgrade() -> None:
    for table in ("group_messages", "group_requests", "group_bans", "group_mutes", "group_members", "groups"):
        op.drop_table(table)
