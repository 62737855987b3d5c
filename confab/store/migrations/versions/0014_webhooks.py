"""Webhooks (issue 15): the after-callback outbox, the delivery log, per-app delivery leases

Revision ID: 0014_webhooks
Revises: 0013_group_topics
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_webhooks"
down_revision = "0013_group_topics"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "webhook_outbox",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("sdkappid", sa.BigInteger, nullable=False),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("platform", sa.String(16), nullable=False),
        sa.Column("client_ip", sa.String(64), nullable=False, server_default=""),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_at", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index("ix_webhook_outbox_app", "webhook_outbox", ["sdkappid", "id"])
    op.create_table(
        "webhook_log",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("sdkappid", sa.BigInteger, nullable=False),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("http_status", sa.Integer, nullable=False, server_default="0"),
        sa.Column("latency_ms", sa.Float, nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
        sa.Column("error", sa.Text, nullable=False, server_default=""),
        sa.Column("body", sa.Text, nullable=False, server_default=""),
        sa.Column("at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_webhook_log_app", "webhook_log", ["sdkappid", "id"])
    op.create_table(
        "webhook_leases",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("until", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("webhook_leases")
    op.drop_table("webhook_log")
    op.drop_table("webhook_outbox")
