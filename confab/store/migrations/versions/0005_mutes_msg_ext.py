"""Global mute per account; one-to-one message extensions

Revision ID: 0005_mutes_msg_ext
Revises: 0004_realtime
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_mutes_msg_ext"
down_revision = "0004_realtime"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_mutes",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("c2c_until", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("group_until", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "c2c_msg_ext_state",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("from_account", sa.String(64), primary_key=True),
        sa.Column("to_account", sa.String(64), primary_key=True),
        sa.Column("msg_key", sa.String(64), primary_key=True),
        sa.Column("latest_seq", sa.BigInteger, nullable=False),
        sa.Column("clear_seq", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "c2c_msg_ext",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("from_account", sa.String(64), primary_key=True),
        sa.Column("to_account", sa.String(64), primary_key=True),
        sa.Column("msg_key", sa.String(64), primary_key=True),
        sa.Column("ext_key", sa.String(128), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("c2c_msg_ext")
    op.drop_table("c2c_msg_ext_state")
    op.drop_table("account_mutes")
