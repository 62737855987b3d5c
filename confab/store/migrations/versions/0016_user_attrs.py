"""User attributes and tags (issue 16): app attribute names, per-user values and tags (seed 7576-9067)

Revision ID: 0016_user_attrs
Revises: 0015_chatbots
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_user_attrs"
down_revision = "0015_chatbots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "push_attr_names",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("names", sa.Text, nullable=False, server_default="{}"),
    )
    op.create_table(
        "user_attrs",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("idx", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("value", sa.String(64), nullable=False),
    )
    op.create_index("ix_user_attrs_value", "user_attrs", ["sdkappid", "idx", "value", "user_id"])
    op.create_table(
        "user_tags",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("tag", sa.String(64), primary_key=True),
    )
    op.create_index("ix_user_tags_tag", "user_tags", ["sdkappid", "tag", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_user_tags_tag", "user_tags")
    op.drop_table("user_tags")
    op.drop_index("ix_user_attrs_value", "user_attrs")
    op.drop_table("user_attrs")
    op.drop_table("push_attr_names")
