"""Operations data (issue 16): per-day counters and distinct members for openconfigsvr/getappinfo
(seed 27182-27477)

Revision ID: 0018_app_stats
Revises: 0017_contact_groups
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_app_stats"
down_revision = "0017_contact_groups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_stats_daily",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("day", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("metric", sa.String(32), primary_key=True),
        sa.Column("value", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_index("ix_app_stats_daily_day", "app_stats_daily", ["day"])
    op.create_table(
        "app_stats_members",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("day", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("metric", sa.String(32), primary_key=True),
        sa.Column("member", sa.String(128), primary_key=True),
    )
    op.create_index("ix_app_stats_members_day", "app_stats_members", ["day"])


def downgrade() -> None:
    op.drop_index("ix_app_stats_members_day", "app_stats_members")
    op.drop_table("app_stats_members")
    op.drop_index("ix_app_stats_daily_day", "app_stats_daily")
    op.drop_table("app_stats_daily")
