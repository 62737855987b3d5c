"""Apps, accounts and their profiles."""

import sqlalchemy as sa

from confab.store.tables.base import USER_ID, metadata

apps = sa.Table(
    "apps",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("secret_key", sa.String(256), nullable=False),
    sa.Column("admins", sa.Text, nullable=False),  # JSON array of admin identifiers
    sa.Column("settings", sa.Text, nullable=False),  # JSON object, see domain.apps.AppSettings
    sa.Column("created_at", sa.BigInteger, nullable=False),
)

accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    # Profile as one JSON object {Tag: Value}: a user's profile is always read and written whole,
    # so one row per user keeps portrait_get of 100 users to a single indexed query.
    sa.Column("profile", sa.Text, nullable=False, server_default="{}"),
    sa.Column("profile_updated_at", sa.BigInteger, nullable=False, server_default="0"),
    # the newest sequence number in this user's feed (see domain.feed)
    sa.Column("feed_seq", sa.BigInteger, nullable=False, server_default="0"),
    # chatbots (domain.chatbots): 0 an ordinary account, 1 a chatbot, 2 a chatbot delete_robot made invalid
    sa.Column("robot", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Index(
        "ix_accounts_robot",
        "sdkappid",
        "user_id",
        sqlite_where=sa.text("robot = 1"),
        postgresql_where=sa.text("robot = 1"),
    ),
)

# Per-user feed: everything a user's devices must receive (messages, recalls, read reports, friend
# changes ...), numbered 1, 2, 3 ... per user, so a device that reconnects asks for "after N".
user_feed = sa.Table(
    "user_feed",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(48), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),  # JSON, as delivered to the device
    sa.Column("created_at", sa.BigInteger, nullable=False),
    # when set, a device that catches up later does not get the entry (MsgLifeTime); 0 = never
    sa.Column("expires_at", sa.BigInteger, nullable=False, server_default="0"),
    sa.Index("ix_user_feed_created", "created_at"),
)
