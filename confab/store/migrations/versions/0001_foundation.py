"""Foundation: apps, accounts with their profiles, the per-user feed.

Revision ID: 0001_foundation
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apps",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("secret_key", sa.String(256), nullable=False),
        sa.Column("admins", sa.Text, nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("profile", sa.Text, nullable=False, server_default="{}"),
        sa.Column("profile_updated_at", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("feed_seq", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "user_feed",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(48), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_user_feed_created", "user_feed", ["created_at"])


def downgrade() -> None:
    op.drop_table("user_feed")
    op.drop_table("accounts")
    op.drop_table("apps")
