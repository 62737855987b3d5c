"""Push to all users (issue 16): stored pushes and per-user push cursors for all_member_push/im_push
(seed 6893-7575)

Revision ID: 0019_push
Revises: 0018_app_stats
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_push"
down_revision = "0018_app_stats"
branch_labels = None
depends_on = None

ROW_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pushes",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("sdkappid", sa.BigInteger, nullable=False),
        sa.Column("task_id", sa.String(96), nullable=False),
        sa.Column("life_time", sa.Integer, nullable=False),
        sa.Column("conditions", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_pushes_app", "pushes", ["sdkappid", "id"])
    op.create_index("ix_pushes_expires", "pushes", ["expires_at"])
    op.create_table(
        "push_cursors",
        sa.Column("sdkappid", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("last_id", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("push_cursors")
    op.drop_index("ix_pushes_expires", "pushes")
    op.drop_index("ix_pushes_app", "pushes")
    op.drop_table("pushes")
