"""Message extensions of one-to-one messages (openim_msg_ext_http_svc)."""

import sqlalchemy as sa

from confab.store.tables.base import USER_ID, metadata

MSG_KEY = sa.String(64)

# Per message: the newest extension Seq and the Seq of the last "clear all".
c2c_msg_ext_state = sa.Table(
    "c2c_msg_ext_state",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("from_account", USER_ID, primary_key=True),
    sa.Column("to_account", USER_ID, primary_key=True),
    sa.Column("msg_key", MSG_KEY, primary_key=True),
    sa.Column("latest_seq", sa.BigInteger, nullable=False),
    sa.Column("clear_seq", sa.BigInteger, nullable=False, server_default="0"),
)

# One row per live key of a message; Seq is the message's extension Seq when the key was last set.
c2c_msg_ext = sa.Table(
    "c2c_msg_ext",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("from_account", USER_ID, primary_key=True),
    sa.Column("to_account", USER_ID, primary_key=True),
    sa.Column("msg_key", MSG_KEY, primary_key=True),
    sa.Column("ext_key", sa.String(128), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("seq", sa.BigInteger, nullable=False),
)
