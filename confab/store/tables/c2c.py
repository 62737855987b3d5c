"""One-to-one messages and conversations."""

import sqlalchemy as sa

from confab.store.tables.base import USER_ID, metadata

# SQLite only auto-numbers an INTEGER PRIMARY KEY (the rowid); PostgreSQL gets a BIGINT identity.
ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

# Each message is stored once per conversation. The conversation is the ordered pair (user_lo, user_hi);
# per-side visibility flags say whether each party still sees it (SyncOtherMachine=2 hides it from the
# sender, a party may delete messages for itself).
c2c_messages = sa.Table(
    "c2c_messages",
    metadata,
    sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("sdkappid", sa.BigInteger, nullable=False),
    sa.Column("user_lo", USER_ID, nullable=False),
    sa.Column("user_hi", USER_ID, nullable=False),
    sa.Column("from_lo", sa.Boolean, nullable=False),  # the sender is user_lo
    sa.Column("msg_time", sa.BigInteger, nullable=False),
    sa.Column("msg_seq", sa.BigInteger, nullable=False),
    sa.Column("msg_random", sa.BigInteger, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # MsgBody, compact JSON
    sa.Column("cloud_data", sa.Text, nullable=True),  # CloudCustomData
    sa.Column("push_info", sa.Text, nullable=True),  # OfflinePushInfo JSON
    sa.Column("flags", sa.Integer, nullable=False, server_default="0"),  # domain.c2c.store.FLAG_*
    # Dedupe ("MsgSeq + MsgRandom + time, either direction") and history order (time, then MsgSeq).
    sa.UniqueConstraint(
        "sdkappid", "user_lo", "user_hi", "msg_time", "msg_seq", "msg_random", name="uq_c2c_messages_key"
    ),
    # finding a message by MsgKey when only one party is known (extensions without From_Account)
    sa.Index("ix_c2c_messages_time", "sdkappid", "msg_time"),
)

# One row per (owner, peer): what the owner's conversation list and unread counts show.
c2c_conversations = sa.Table(
    "c2c_conversations",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("owner", USER_ID, primary_key=True),
    sa.Column("peer", USER_ID, primary_key=True),
    sa.Column("last_time", sa.BigInteger, nullable=False, server_default="0"),  # newest MsgTime shown
    sa.Column("unread", sa.Integer, nullable=False, server_default="0"),
    sa.Column("read_time", sa.BigInteger, nullable=False, server_default="0"),  # peer's messages up to it are read
    sa.Column("cleared_id", sa.BigInteger, nullable=False, server_default="0"),  # messages up to this id are hidden
    sa.Column("listed", sa.Boolean, nullable=False, server_default=sa.true()),  # in the conversation list
    sa.Column("pinned_at", sa.BigInteger, nullable=False, server_default="0"),  # 0 = not pinned
    sa.Index("ix_c2c_conversations_list", "sdkappid", "owner", "last_time"),
)
