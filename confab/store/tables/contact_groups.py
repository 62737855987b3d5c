"""Conversation groups and conversation marks (recentcontact create/update/del/get/search_contact_group,
mark_contact; seed 004 lines 9861-11222): per-user state beside the conversation list.

- `contact_groups`: a user's named folders, numbered 1, 2, 3 ... per user (GroupId).
- `contact_entries`: one row per conversation that carries data (a mark, or a place in a folder):
  its standard mark bits, its custom mark and when it last changed. A conversation with neither
  has no row (`confab.domain.contact_groups` removes it).
- `contact_group_members`: which folders each conversation is in.

A conversation is (conv_type, peer): 1 and a UserID, or 2 and a GroupId.
"""

import sqlalchemy as sa

from confab.store.tables.base import USER_ID, metadata

PEER = sa.String(128)  # a UserID (<= 32 bytes) or a GroupId (<= 128 bytes)

contact_groups = sa.Table(
    "contact_groups",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("owner", USER_ID, primary_key=True),
    sa.Column("group_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(64), nullable=False),  # <= 32 bytes of UTF-8
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.UniqueConstraint("sdkappid", "owner", "name", name="uq_contact_groups_name"),
)

contact_entries = sa.Table(
    "contact_entries",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("owner", USER_ID, primary_key=True),
    sa.Column("peer", PEER, primary_key=True),
    sa.Column("conv_type", sa.SmallInteger, primary_key=True, autoincrement=False),
    # the 64 standard mark bits as a signed 64-bit integer (bit 64 is the sign bit)
    sa.Column("standard_mark", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("custom_mark", sa.Text, nullable=False, server_default=""),
    sa.Column("updated_at", sa.BigInteger, nullable=False),
    # a deleted account leaves every owner's data (its one-to-one conversations)
    sa.Index("ix_contact_entries_peer", "sdkappid", "peer"),
)

contact_group_members = sa.Table(
    "contact_group_members",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("owner", USER_ID, primary_key=True),
    sa.Column("peer", PEER, primary_key=True),
    sa.Column("conv_type", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("group_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Index("ix_contact_group_members_peer", "sdkappid", "peer"),
)
