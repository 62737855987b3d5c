"""Push to all users (`all_member_push/im_push`, seed 004 lines 6893-7575): each push stored once, and
one cursor per user who has logged in since pushes with a lifetime began (never a row per user per push).

- `pushes`: one row per im_push call. `id` orders an app's pushes; `expires_at` is created + MsgLifeTime
  (equal to `created_at` for an online-only push). Rows are kept until a day after they expire (the daily
  quota and the one-second interval count from them; see confab.domain.push).
- `push_cursors`: the id of the newest push with a lifetime a user has been given (or found not meant
  for them); a login delivers the matching live pushes after it, once.
"""

import sqlalchemy as sa

from confab.store.tables.base import USER_ID, metadata

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

pushes = sa.Table(
    "pushes",
    metadata,
    sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
    sa.Column("sdkappid", sa.BigInteger, nullable=False),
    sa.Column("task_id", sa.String(96), nullable=False),
    sa.Column("life_time", sa.Integer, nullable=False),  # MsgLifeTime, 0 = online only
    sa.Column("conditions", sa.Text, nullable=False),  # JSON; attributes by index (see domain.push)
    sa.Column("payload", sa.Text, nullable=False),  # the push.msg frame's data, JSON
    sa.Column("created_ms", sa.BigInteger, nullable=False),
    sa.Column("expires_at", sa.BigInteger, nullable=False),  # Unix seconds
    sa.Index("ix_pushes_app", "sdkappid", "id"),
    sa.Index("ix_pushes_expires", "expires_at"),
)

push_cursors = sa.Table(
    "push_cursors",
    metadata,
    sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", USER_ID, primary_key=True),
    sa.Column("last_id", sa.BigInteger, nullable=False),
)
