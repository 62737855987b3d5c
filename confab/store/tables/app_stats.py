"""Operations data (openconfigsvr/getappinfo): per-app, per-UTC-day counters and distinct members.

`day` is the UTC date as the integer YYYYMMDD (its integer order is the date order). Rows older than
30 days are pruned by the flusher (domain.app_stats).
"""

import sqlalchemy as sa

from confab.store.tables.base import metadata

# One number per (app, day, metric): counters are added to (each process adds what it counted since
# its last flush), gauges (MaxOnlineNum, the day's totals) are raised or overwritten.
app_stats_daily = sa.Table(
    "app_stats_daily",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("day", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("metric", sa.String(32), primary_key=True),
    sa.Column("value", sa.BigInteger, nullable=False, server_default="0"),
    sa.Index("ix_app_stats_daily_day", "day"),
)

# Who was counted once a day for a distinct metric (a logged-in user, a sending user, a sending group):
# inserted if absent, so several processes and restarts count each member once a day.
app_stats_members = sa.Table(
    "app_stats_members",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("day", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("metric", sa.String(32), primary_key=True),
    sa.Column("member", sa.String(128), primary_key=True),  # a UserID, or a GroupId
    sa.Index("ix_app_stats_members_day", "day"),
)
