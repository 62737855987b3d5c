"""Webhook state in the store: the after-callback outbox, the delivery log, and per-app delivery leases."""

import sqlalchemy as sa

from confab.store.tables.base import metadata

# SQLite numbers rows itself only for an INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# After-callbacks not yet delivered, written in the transaction of the change they report
# (webhooks/outbox.py). Delivered in `id` order per app, then deleted.
webhook_outbox = sa.Table(
    "webhook_outbox",
    metadata,
    sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("sdkappid", sa.BigInteger, nullable=False),
    sa.Column("command", sa.String(64), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the JSON body as it will be posted
    sa.Column("platform", sa.String(16), nullable=False),  # OptPlatform
    sa.Column("client_ip", sa.String(64), nullable=False, server_default=""),
    sa.Column("created_at", sa.BigInteger, nullable=False),  # Unix ms
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_at", sa.BigInteger, nullable=False, server_default="0"),  # Unix ms: not before
    sa.Index("ix_webhook_outbox_app", "sdkappid", "id"),
)

# Recent callbacks, before and after, for `confab webhooks log` (the newest LOG_KEEP per app are kept).
# What could not be delivered (gave up, overflowed the backlog) keeps its body, so it can be replayed.
webhook_log = sa.Table(
    "webhook_log",
    metadata,
    sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("sdkappid", sa.BigInteger, nullable=False),
    sa.Column("command", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # ok, failed, gave_up, overflow
    sa.Column("http_status", sa.Integer, nullable=False, server_default="0"),
    sa.Column("latency_ms", sa.Float, nullable=False, server_default="0"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="1"),
    sa.Column("error", sa.Text, nullable=False, server_default=""),
    sa.Column("body", sa.Text, nullable=False, server_default=""),
    sa.Column("at", sa.BigInteger, nullable=False),  # Unix ms
    sa.Index("ix_webhook_log_app", "sdkappid", "id"),
)

# Which process delivers an app's outbox (one at a time keeps the order): held until `until` (Unix ms).
webhook_leases = sa.Table(
    "webhook_leases",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("owner", sa.String(64), nullable=False),
    sa.Column("until", sa.BigInteger, nullable=False),
)
