"""Relationship chain: friends, friend lists, blocklists, pending friend requests."""

import sqlalchemy as sa

from confab.store.tables.base import USER_ID, metadata

# One row per direction: owner has friend in its list (a two-way friendship is two rows).
sns_friends = sa.Table(
    "sns_friends",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("owner", USER_ID, primary_key=True),
    sa.Column("friend", USER_ID, primary_key=True),
    sa.Column("remark", sa.Text, nullable=False, server_default=""),
    sa.Column("remark_time", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("groups", sa.Text, nullable=False, server_default="[]"),  # JSON array of list names
    sa.Column("add_source", sa.Text, nullable=False, server_default=""),
    sa.Column("add_wording", sa.Text, nullable=False, server_default=""),
    sa.Column("add_time", sa.BigInteger, nullable=False),
    sa.Column("custom", sa.Text, nullable=False, server_default="{}"),  # JSON {Tag_SNS_Custom_*: value}
    sa.Index("ix_sns_friends_friend", "sdkappid", "friend"),
)

sns_blocklist = sa.Table(
    "sns_blocklist",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("owner", USER_ID, primary_key=True),
    sa.Column("target", USER_ID, primary_key=True),
    sa.Column("added_at", sa.BigInteger, nullable=False),
    sa.Index("ix_sns_blocklist_target", "sdkappid", "target"),
)

# A friend request waiting for the target's answer (AllowType_Type_NeedConfirm).
sns_requests = sa.Table(
    "sns_requests",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("requester", USER_ID, primary_key=True),
    sa.Column("target", USER_ID, primary_key=True),
    sa.Column("remark", sa.Text, nullable=False, server_default=""),
    sa.Column("group_name", sa.Text, nullable=False, server_default=""),
    sa.Column("add_source", sa.Text, nullable=False, server_default=""),
    sa.Column("add_wording", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_sns_requests_target", "sdkappid", "target"),
)

# Per user: the friend lists it has, and the sequences clients sync by.
sns_state = sa.Table(
    "sns_state",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("owner", USER_ID, primary_key=True),
    sa.Column("lists", sa.Text, nullable=False, server_default="[]"),  # JSON array of friend-list names
    sa.Column("friend_seq", sa.BigInteger, nullable=False, server_default="0"),  # StandardSequence
    sa.Column("custom_seq", sa.BigInteger, nullable=False, server_default="0"),  # CustomSequence
    sa.Column("list_seq", sa.BigInteger, nullable=False, server_default="0"),  # CurrentSequence of lists
    sa.Column("black_seq", sa.BigInteger, nullable=False, server_default="0"),  # CurruentSequence
)
