"""Conversation groups and conversation marks (issue 16): folders per user, the conversations that
carry marks or sit in folders, and which folders they are in

Revision ID: 0017_contact_groups
Revises: 0016_user_attrs
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_contact_groups"
down_revision = "0016_user_attrs"
branch_labels = None
depends_on = None

UID = sa.String(64)
PEER = sa.String(128)


def upgrade() -> None:
    op.create_table(
        "contact_groups",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("owner", UID, primary_key=True),
        sa.Column("group_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("sdkappid", "owner", "name", name="uq_contact_groups_name"),
    )
    op.create_table(
        "contact_entries",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("owner", UID, primary_key=True),
        sa.Column("peer", PEER, primary_key=True),
        sa.Column("conv_type", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("standard_mark", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("custom_mark", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_contact_entries_peer", "contact_entries", ["sdkappid", "peer"])
    op.create_table(
        "contact_group_members",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("owner", UID, primary_key=True),
        sa.Column("peer", PEER, primary_key=True),
        sa.Column("conv_type", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("group_id", sa.Integer, primary_key=True, autoincrement=False),
    )
    op.create_index("ix_contact_group_members_peer", "contact_group_members", ["sdkappid", "peer"])


def downgrade() -> None:
    op.drop_index("ix_contact_group_members_peer", table_name="contact_group_members")
    op.drop_table("contact_group_members")
    op.drop_index("ix_contact_entries_peer", table_name="contact_entries")
    op.drop_table("contact_entries")
    op.drop_table("contact_groups")
