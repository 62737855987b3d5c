"""User attributes read per user through an index of their own (issue 16, bench/push.py)

Without it SQLite answered "this user's attributes" (a login's push catch-up, im_get_attr) from the
covering value index with only sdkappid bound: a scan of the app's attribute rows (0.8 ms at 10,000,
growing with them). This index covers the per-user read with two equalities.

Revision ID: 0021_user_attrs_by_user
Revises: 0020_archives
"""

from alembic import op

revision = "0021_user_attrs_by_user"
down_revision = "0020_archives"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_user_attrs_user", "user_attrs", ["sdkappid", "user_id", "idx", "value"])


def downgrade() -> None:
    op.drop_index("ix_user_attrs_user", "user_attrs")
