"""Feed entries that expire: a one-to-one message's MsgLifeTime ends its offline delivery (issue 11)

Revision ID: 0009_feed_expiry
Revises: 0008_realtime_tables
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_feed_expiry"
down_revision = "0008_realtime_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_feed") as batch:
        batch.add_column(sa.Column("expires_at", sa.BigInteger, nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("user_feed") as batch:
        batch.drop_column("expires_at")
