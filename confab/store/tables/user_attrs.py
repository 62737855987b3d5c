"""App attribute names, user attributes and user tags (`all_member_push`; seed 004 lines 7576-9067).

Stored so that the push conditions (seed 6893-7575) are indexed queries, never scans: "users whose
attribute 3 is V" reads `ix_user_attrs_value` (sdkappid, idx, value, user_id) and "users with tag T"
reads `ix_user_tags_tag` (sdkappid, tag, user_id), both already in user_id order for keyset paging.
"""

import sqlalchemy as sa

from confab.store.tables.base import USER_ID, metadata

# Values and tags are at most 50 bytes (seed 8188, 8618); the columns are wider so that an oversized
# one fails in validation, never in the database.
ATTR_TEXT = sa.String(64)

# One row per app: the names of its attributes as a JSON object {"0": "sex", "1": "city"} (at most ten,
# indexes "0".."9"). One row, so that a change can lock it (SELECT ... FOR UPDATE) and keep names unique.
push_attr_names = sa.Table(
    "push_attr_names",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("names", sa.Text, nullable=False, server_default="{}"),
)

# A user's value of attribute `idx` (0..9). Stored by index, not by name: renaming an attribute keeps
# its users' values.
user_attrs = sa.Table(
    "user_attrs",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("idx", sa.SmallInteger, primary_key=True, autoincrement=False),
    sa.Column("value", ATTR_TEXT, nullable=False),
    sa.Index("ix_user_attrs_value", "sdkappid", "idx", "value", "user_id"),
    # a user's own attributes (push catch-up at login, im_get_attr): two equalities, covering
    sa.Index("ix_user_attrs_user", "sdkappid", "user_id", "idx", "value"),
)

# One row per (user, tag); at most 100 tags per user.
user_tags = sa.Table(
    "user_tags",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("tag", ATTR_TEXT, primary_key=True),
    sa.Index("ix_user_tags_tag", "sdkappid", "tag", "user_id"),
)
