"""Groups: profiles, members, mutes, bans, join requests, and the group's own message stream.

A group's member list is one row per member keyed (sdkappid, group_id, user_id), so listing, counting
and role checks are range scans of the primary key or of the role index, whatever the group's size.
Group-wide notices (tips) and, from issue 13, messages are stored once per group in `group_messages`,
never once per member.
"""

import sqlalchemy as sa

from confab.store.tables.base import USER_ID, metadata

GROUP_ID = sa.String(128)  # custom IDs < 48 bytes; server IDs ~20; topic IDs (issue 14) <= 96

groups = sa.Table(
    "groups",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("group_id", GROUP_ID, primary_key=True),
    # a unique, roughly creation-ordered number per app: the keyset of get_appid_group_list's `Next`
    sa.Column("serial", sa.BigInteger, nullable=False),
    sa.Column("type", sa.String(16), nullable=False),  # the legacy REST name (groups.types)
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("introduction", sa.Text, nullable=False, server_default=""),
    sa.Column("notification", sa.Text, nullable=False, server_default=""),
    sa.Column("face_url", sa.Text, nullable=False, server_default=""),
    sa.Column("owner", USER_ID, nullable=False, server_default=""),  # "" = no owner
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("info_seq", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("last_info_time", sa.BigInteger, nullable=False),
    sa.Column("last_msg_time", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("next_msg_seq", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("member_num", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("max_member_num", sa.BigInteger, nullable=False),
    sa.Column("apply_join_option", sa.String(16), nullable=False),
    sa.Column("invite_join_option", sa.String(16), nullable=False),
    sa.Column("mute_all", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("support_topic", sa.SmallInteger, nullable=False, server_default="0"),
    sa.Column("active", sa.SmallInteger, nullable=False, server_default="1"),  # Work groups: 0 until a message
    sa.Column("app_data", sa.Text, nullable=False, server_default="{}"),  # JSON {Key: Value} (AppDefinedData)
    sa.Column("attrs", sa.Text, nullable=False, server_default="{}"),  # JSON {key: value} (custom attributes)
    sa.Column("counters", sa.Text, nullable=False, server_default="{}"),  # JSON {key: int}
    sa.Index("ix_groups_serial", "sdkappid", "serial", unique=True),
    sa.Index("ix_groups_type_serial", "sdkappid", "type", "serial"),
    sa.Index("ix_groups_owner", "sdkappid", "owner"),
)

group_members = sa.Table(
    "group_members",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("group_id", GROUP_ID, primary_key=True),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("role", sa.SmallInteger, nullable=False, server_default="0"),  # types.Role
    sa.Column("join_time", sa.BigInteger, nullable=False),
    sa.Column("join_seq", sa.BigInteger, nullable=False, server_default="0"),  # group next_msg_seq at joining
    sa.Column("read_seq", sa.BigInteger, nullable=False, server_default="0"),  # MsgSeq: last read
    sa.Column("msg_flag", sa.String(32), nullable=False),
    sa.Column("name_card", sa.Text, nullable=False, server_default=""),
    sa.Column("last_send_time", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("app_data", sa.Text, nullable=False, server_default="{}"),  # JSON (AppMemberDefinedData)
    sa.Index("ix_group_members_user", "sdkappid", "user_id", "group_id"),
    sa.Index("ix_group_members_role", "sdkappid", "group_id", "role", "user_id"),
)

# Mutes outlive membership: "a muted member who leaves and rejoins is still muted" (seed 14838-14843).
group_mutes = sa.Table(
    "group_mutes",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("group_id", GROUP_ID, primary_key=True),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("until", sa.BigInteger, nullable=False),  # Unix time; groups.mutes.PERMANENT for ever
    sa.Index("ix_group_mutes_user", "sdkappid", "user_id"),
)

# Banned from an AVChatRoom: removed and kept out until `until` (seed 14404-14719).
group_bans = sa.Table(
    "group_bans",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("group_id", GROUP_ID, primary_key=True),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("banned_at", sa.BigInteger, nullable=False),
    sa.Column("until", sa.BigInteger, nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_group_bans_user", "sdkappid", "user_id"),
)

# A user's request to join (ApplyJoinOption NeedPermission) or an invitation waiting for an answer.
group_requests = sa.Table(
    "group_requests",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("group_id", GROUP_ID, primary_key=True),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("kind", sa.String(8), nullable=False),  # "apply" or "invite"
    sa.Column("inviter", USER_ID, nullable=False, server_default=""),
    sa.Column("message", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Index("ix_group_requests_user", "sdkappid", "user_id"),
)

# The group's stream: tips now, ordinary messages from issue 13; one row per entry, numbered by MsgSeq
# (the group's next_msg_seq), per topic from issue 14 ("" = the group itself).
group_messages = sa.Table(
    "group_messages",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("group_id", GROUP_ID, primary_key=True),
    sa.Column("topic_id", GROUP_ID, primary_key=True, server_default=""),
    sa.Column("msg_seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(16), nullable=False),  # "tip", "msg", "system"
    sa.Column("sender", USER_ID, nullable=False, server_default=""),
    sa.Column("msg_time", sa.BigInteger, nullable=False),
    sa.Column("random", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("body", sa.Text, nullable=False),  # JSON: the MsgBody, or the tip as delivered
    sa.Column("recalled", sa.SmallInteger, nullable=False, server_default="0"),
)

# Group read receipts (issue 13): one row per reader who sent a receipt for a message that asked for
# one (`NeedReadReceipt` in its wire form). ReadNum is a count of a seq's rows (a primary-key range);
# the user index serves the account purge.
group_receipts = sa.Table(
    "group_receipts",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("group_id", GROUP_ID, primary_key=True),
    sa.Column("topic_id", GROUP_ID, primary_key=True, server_default=""),
    sa.Column("msg_seq", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("read_at", sa.BigInteger, nullable=False),
    sa.Index("ix_group_receipts_user", "sdkappid", "user_id"),
)

# The standing roles of a live group (AVChatRoom, issue 14): live admins and robots. Who is watching
# is presence, kept in memory by each process (realtime/live_rooms.py), not here.
group_live_roles = sa.Table(
    "group_live_roles",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("group_id", GROUP_ID, primary_key=True),
    sa.Column("kind", sa.String(8), primary_key=True),  # "admin" or "robot"
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("since", sa.BigInteger, nullable=False),
    sa.Column("until", sa.BigInteger, nullable=False, server_default="0"),  # 0: for ever
    sa.Index("ix_group_live_roles_user", "sdkappid", "user_id"),
)

# A community's topics (issue 14): each its own profile and its own MsgSeq (`next_msg_seq`); the
# messages are rows of `group_messages` under the topic's ID.
group_topics = sa.Table(
    "group_topics",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("group_id", GROUP_ID, primary_key=True),
    sa.Column("topic_id", GROUP_ID, primary_key=True),  # GroupId + "@TOPIC#_" + part, <= 96 bytes
    sa.Column("serial", sa.BigInteger, nullable=False),  # 1, 2, 3 … per community: the listing order
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("introduction", sa.Text, nullable=False, server_default=""),
    sa.Column("notification", sa.Text, nullable=False, server_default=""),
    sa.Column("face_url", sa.Text, nullable=False, server_default=""),
    sa.Column("custom_string", sa.Text, nullable=False, server_default=""),
    sa.Column("creator", USER_ID, nullable=False, server_default=""),  # From_Account, "" = the app admin
    sa.Column("created_at", sa.BigInteger, nullable=False),
    sa.Column("info_seq", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("last_info_time", sa.BigInteger, nullable=False),
    sa.Column("last_msg_time", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("next_msg_seq", sa.BigInteger, nullable=False, server_default="1"),
    sa.Column("mute_all", sa.SmallInteger, nullable=False, server_default="0"),
)

# A member's read position in a topic, written only when the member reads (never per message, never
# for every member): without a row the member has read nothing they could see (topics.py).
group_topic_reads = sa.Table(
    "group_topic_reads",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("group_id", GROUP_ID, primary_key=True),
    sa.Column("topic_id", GROUP_ID, primary_key=True),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("read_seq", sa.BigInteger, nullable=False),
    sa.Index("ix_group_topic_reads_user", "sdkappid", "user_id"),
)

# Where a member's view of a topic starts: the last topic message before their joining, one index
# seek. Partial (topic rows only), so the plain group send path maintains no extra index.
ix_group_messages_topic_time = sa.Index(
    "ix_group_messages_topic_time",
    group_messages.c.sdkappid,
    group_messages.c.group_id,
    group_messages.c.topic_id,
    group_messages.c.msg_time,
    group_messages.c.msg_seq,
    sqlite_where=group_messages.c.topic_id != "",
    postgresql_where=group_messages.c.topic_id != "",
)
