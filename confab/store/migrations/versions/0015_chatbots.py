"""Chatbots (issue 15): which accounts are chatbots (seed 27841-28243)

Revision ID: 0015_chatbots
Revises: 0014_webhooks
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_chatbots"
down_revision = "0014_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # 0 an ordinary account, 1 a chatbot, 2 a deleted chatbot (delete_robot keeps the account)
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("robot", sa.SmallInteger, nullable=False, server_default="0"))
    # get_all_robots and the 20-chatbot limit read the valid chatbots of one app: a small partial index
    where = sa.text("robot = 1")
    op.create_index(
        "ix_accounts_robot", "accounts", ["sdkappid", "user_id"], sqlite_where=where, postgresql_where=where
    )


def downgrade() -> None:
    op.drop_index("ix_accounts_robot", "accounts")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("robot")
